/// Parses and prints the server's duration text: a whole number and a unit, `250ms`, `15s`, `10m`, `24h`, `30d`.
public enum ServerDurationText {
    /// How a mistake describes what was expected.
    static let positiveExpectation = "a positive duration like 250ms, 15s, 10m, 24h or 30d"

    /// A duration above zero, or nil.
    static func parsePositive(_ text: String) -> Duration? {
        parse(text).flatMap { $0 > .zero ? $0 : nil }
    }

    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: " ")
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12, let value = Int64(digits) else { return nil }
        switch trimmed.dropFirst(digits.count) {
        case "ms": return .milliseconds(value)
        case "s": return .seconds(value)
        case "m": return .seconds(value * 60)
        case "h": return .seconds(value * 3_600)
        case "d": return .seconds(value * 86_400)
        default: return nil
        }
    }

    public static func format(_ duration: Duration) -> String {
        let millis = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        if millis % 86_400_000 == 0 { return "\(millis / 86_400_000)d" }
        if millis % 3_600_000 == 0 { return "\(millis / 3_600_000)h" }
        if millis % 60_000 == 0 { return "\(millis / 60_000)m" }
        if millis % 1_000 == 0 { return "\(millis / 1_000)s" }
        return "\(millis)ms"
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var slice = Substring(self)
        while slice.first == set { slice = slice.dropFirst() }
        while slice.last == set { slice = slice.dropLast() }
        return String(slice)
    }
}
