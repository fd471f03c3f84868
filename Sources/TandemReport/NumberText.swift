/// Locale-free, deterministic number formatting for reports.
///
/// Foundation's formatters follow the user's locale; reports must not, so these build the digits themselves.
public enum NumberText {
    /// `x` with at most `decimals` decimals and no trailing zeros: `150`, `0.5`, `12.345`.
    static func trimmed(_ x: Double, decimals: Int = 3) -> String {
        var text = fixed(x, decimals: decimals)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// `x` with exactly `decimals` decimals: `fixed(1.5, decimals: 2)` is `1.50`.
    static func fixed(_ x: Double, decimals: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x < 0 ? "-inf" : "inf") }
        precondition((0...9).contains(decimals), "decimals out of range")
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(x) * Double(scale)).rounded()
        guard scaled < 9e18 else { return String(x) }
        let units = Int64(scaled)
        let sign = x < 0 && units != 0 ? "-" : ""
        let whole = String(units / scale)
        guard decimals > 0 else { return sign + whole }
        let fraction = String(units % scale)
        return sign + whole + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
