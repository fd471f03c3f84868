/// Parses and prints durations as scenario files write them: `250ms`, `2s`, `1m`, `500us`, `1.5s`, `1h`.
///
/// A number (decimal point allowed) directly followed by a unit: `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`.
/// Parsing is exact (decimal digits, no floating point) to the nanosecond; a value finer than that is
/// rejected, as are signs, missing units and values above ``maximum``. A bare `0` is accepted as zero.
public enum DurationText {
    /// The longest duration a file may write: one week.
    public static let maximum: Duration = .seconds(7 * 24 * 3600)

    private static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("μs", 1_000), ("ms", 1_000_000),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    /// The duration `text` denotes, or nil.
    public static func parse(_ text: String) -> Duration? {
        try? parseOrExplain(text).get()
    }

    /// The duration `text` denotes, or why it is not one (a sentence fragment for error messages).
    static func parseOrExplain(_ text: String) -> Result<Duration, DurationTextProblem> {
        let trimmed = text.trimmingWhitespace()
        if trimmed == "0" { return .success(.zero) }
        if trimmed.hasPrefix("-") { return .failure(.negative) }
        // Longest suffix first so "ms" wins over "s" and "m".
        let unit = units.sorted { $0.suffix.count > $1.suffix.count }.first { trimmed.hasSuffix($0.suffix) }
        guard let unit else {
            return .failure(Double(trimmed) == nil ? .malformed : .missingUnit)
        }
        let number = trimmed.dropLast(unit.suffix.count)
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let integerText = parts.first, !integerText.isEmpty, integerText.allSatisfy(\.isASCIIDigit),
            integerText.count <= 12
        else { return .failure(.malformed) }
        let fractionText = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || (!fractionText.isEmpty && fractionText.allSatisfy(\.isASCIIDigit)) else {
            return .failure(.malformed)
        }
        guard let integer = Int64(integerText) else { return .failure(.malformed) }
        // fraction · unit must be a whole number of nanoseconds.
        var fractionNanoseconds: Int64 = 0
        var scale = unit.nanoseconds
        for digit in fractionText {
            guard scale % 10 == 0 else {
                if digit != "0" { return .failure(.finerThanNanosecond) }
                continue
            }
            scale /= 10
            fractionNanoseconds += Int64(digit.asciiValue! - 48) * scale
        }
        let (product, overflow) = integer.multipliedReportingOverflow(by: unit.nanoseconds)
        guard !overflow else { return .failure(.tooLong) }
        let duration = Duration.nanoseconds(product + fractionNanoseconds)
        guard duration <= maximum else { return .failure(.tooLong) }
        return .success(duration)
    }

    /// The shortest exact form in one unit: `2s`, `250ms`, `1500ms`, `90s`, `1h`, `0s`.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard seconds.magnitude < 9_000_000_000 else { return "\(seconds)s" }
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        if nanoseconds == 0 { return "0s" }
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        for (suffix, size) in [("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000),
                               ("ms", 1_000_000), ("us", 1_000)] as [(String, UInt64)]
        where magnitude % size == 0 {
            return "\(sign)\(magnitude / size)\(suffix)"
        }
        return "\(sign)\(magnitude)ns"
    }
}

/// Why a text is not a duration.
enum DurationTextProblem: Error, Equatable, CustomStringConvertible {
    case malformed
    case missingUnit
    case negative
    case finerThanNanosecond
    case tooLong

    var description: String {
        switch self {
        case .malformed: "expected a duration like 250ms, 2s or 1m"
        case .missingUnit: "a duration needs a unit (ns, us, ms, s, m or h), like 2s"
        case .negative: "a duration cannot be negative"
        case .finerThanNanosecond: "a duration must be a whole number of nanoseconds"
        case .tooLong: "a duration must be at most \(DurationText.format(DurationText.maximum))"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0.isNewline }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
