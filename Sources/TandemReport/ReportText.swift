/// Text helpers shared by the renderers: values with units, and escaping for HTML and Markdown.
enum ReportText {
    /// A metric value with its unit, or an em dash when there is none.
    static func value(_ value: Double?, unit: MetricUnit) -> String {
        guard let value else { return "—" }
        switch unit {
        case .milliseconds: return "\(NumberText.trimmed(value)) ms"
        case .count: return NumberText.trimmed(value)
        case .percent: return "\(NumberText.trimmed(value))%"
        case .perSecond: return "\(NumberText.trimmed(value))/s"
        }
    }

    /// Milliseconds with exactly three decimals, for aligned latency tables.
    static func ms(_ value: Double) -> String { NumberText.fixed(value, decimals: 3) }

    /// Escapes `text` for HTML element content and double-quoted attribute values.
    static func html(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Makes `text` safe inside one Markdown table cell: no line breaks, pipes escaped, and markup characters
    /// escaped where they could start markup (`<` before a tag name, `_` or `*` at a word's edge), so that
    /// `< 150 ms` and `lost_acknowledged_writes` stay readable as plain text.
    static func markdownCell(_ text: String) -> String {
        let characters = Array(text)
        var escaped = ""
        for (index, character) in characters.enumerated() {
            let previous = index > 0 ? characters[index - 1] : " "
            let next = index + 1 < characters.count ? characters[index + 1] : " "
            switch character {
            case "|", "\\", "`", "[", "]": escaped += "\\\(character)"
            case "<" where next.isLetter || next == "/" || next == "!" || next == "?": escaped += "\\<"
            case "_", "*":
                let inWord = (previous.isLetter || previous.isNumber) && (next.isLetter || next.isNumber)
                escaped += inWord ? String(character) : "\\\(character)"
            case "\n", "\r", "\r\n": escaped += " "
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// Orders names so that embedded numbers compare as numbers: `node-2` before `node-10`.
enum NaturalOrder {
    static func less(_ lhs: String, _ rhs: String) -> Bool {
        let left = chunks(lhs)
        let right = chunks(rhs)
        for (a, b) in zip(left, right) where a != b {
            switch (a, b) {
            case (.number(let x, let xText), .number(let y, let yText)): return x != y ? x < y : xText < yText
            case (.text(let x), .text(let y)): return x < y
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
        return left.count != right.count ? left.count < right.count : lhs < rhs
    }

    enum Chunk: Equatable {
        case text(String)
        case number(UInt64, String)
    }

    static func chunks(_ text: String) -> [Chunk] {
        var result: [Chunk] = []
        var current = ""
        var inDigits = false
        func flush() {
            guard !current.isEmpty else { return }
            if inDigits, let number = UInt64(current) {
                result.append(.number(number, current))
            } else {
                result.append(.text(current))
            }
            current = ""
        }
        for character in text {
            let isDigit = character.isASCII && character.isNumber
            if isDigit != inDigits {
                flush()
                inDigits = isDigit
            }
            current.append(character)
        }
        flush()
        return result
    }
}

extension Report {
    /// One line: verdict, the headline numbers, identity (the trace hash in the simulator, wall time live).
    public var summaryLine: String {
        let verdict = passed ? "PASS" : "FAIL"
        func ms(_ value: Double) -> String { NumberText.fixed(value, decimals: 1) }
        let run = identity.mode == .live
            ? "live, \(ms(identity.simulatedTimeMs / 1000)) s"
            : "trace \(identity.traceHash ?? "-"), simulated \(ms(identity.simulatedTimeMs / 1000)) s in \(ms(wall.timeMs / 1000)) s"
        return "\(verdict) \(identity.scenarioName) seed \(identity.seed): "
            + "propagation p50 \(ms(latency[.propagation].p50Ms)) ms p99 \(ms(latency[.propagation].p99Ms)) ms, "
            + "ack p99 \(ms(latency[.ack].p99Ms)) ms, "
            + "divergent \(convergence.divergentClients.count), lost writes \(lostAcknowledgedWrites.count), "
            + "order violations \(versionOrderViolations.count), ghosts \(presence.ghostsAfterSettle.count); " + run
    }
}
