/// Conversion between protocol timestamps (Int64 milliseconds since the Unix epoch) and RFC 3339 text.
///
/// Writes exactly one form, UTC with milliseconds (`2026-01-01T00:00:00.000Z`), so timestamps compare as
/// strings; reads any RFC 3339 `date-time` (`T`/`t`, 0–9 fraction digits truncated to milliseconds, `Z` or
/// `±hh:mm`). The civil-date arithmetic is Howard Hinnant's `days_from_civil` and its inverse.
public enum RFC3339 {
    static let millisecondsPerDay: Int64 = 86_400_000
    /// 0000-01-01T00:00:00.000Z, the earliest instant a four-digit year can write.
    public static let millisecondsMin: Int64 = daysFromCivil(year: 0, month: 1, day: 1) * millisecondsPerDay
    /// 9999-12-31T23:59:59.999Z, the latest instant a four-digit year can write.
    public static let millisecondsMax: Int64 = daysFromCivil(year: 10_000, month: 1, day: 1) * millisecondsPerDay - 1

    /// The RFC 3339 UTC text of `milliseconds`, clamped into `millisecondsMin...millisecondsMax`.
    public static func string(fromMilliseconds milliseconds: Int64) -> String {
        let clamped = min(max(milliseconds, millisecondsMin), millisecondsMax)
        let days = floorDivide(clamped, millisecondsPerDay)
        let millisecondOfDay = clamped - days * millisecondsPerDay
        let (year, month, day) = civilFromDays(days)
        let second = millisecondOfDay / 1000
        var text = ""
        text.reserveCapacity(24)
        text += padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2) + "T"
        text += padded(second / 3600, 2) + ":" + padded(second / 60 % 60, 2) + ":" + padded(second % 60, 2)
        text += "." + padded(millisecondOfDay % 1000, 3) + "Z"
        return text
    }

    /// The milliseconds of an RFC 3339 `date-time`, or `nil` when `text` is not one (or names no real date).
    public static func milliseconds(from text: String) -> Int64? {
        var reader = DigitReader(bytes: Array(text.utf8))
        guard let year = reader.number(4), reader.skip("-"), let month = reader.number(2), reader.skip("-"),
            let day = reader.number(2), reader.skip("T") || reader.skip("t"),
            let hour = reader.number(2), reader.skip(":"), let minute = reader.number(2), reader.skip(":"),
            let second = reader.number(2)
        else { return nil }
        guard (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day),
            hour < 24, minute < 60, second <= 60
        else { return nil }
        var millisecond: Int64 = 0
        if reader.skip(".") {
            var digitsCount = 0
            while let digit = reader.number(1) {
                if digitsCount < 3 { millisecond = millisecond * 10 + digit }
                digitsCount += 1
                if digitsCount > 9 { return nil }
            }
            guard digitsCount > 0 else { return nil }
            for _ in digitsCount..<max(digitsCount, 3) { millisecond *= 10 }
        }
        var offsetMinutes: Int64 = 0
        if reader.skip("Z") || reader.skip("z") {
            offsetMinutes = 0
        } else if let sign: Int64 = reader.skip("+") ? 1 : (reader.skip("-") ? -1 : nil) {
            guard let offsetHour = reader.number(2), reader.skip(":"), let offsetMinute = reader.number(2),
                offsetHour < 24, offsetMinute < 60
            else { return nil }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
        } else {
            return nil
        }
        guard reader.isAtEnd else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1000 + millisecond
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01.
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func floorDivide(_ dividend: Int64, _ divisor: Int64) -> Int64 {
        let quotient = dividend / divisor
        return dividend % divisor < 0 ? quotient - 1 : quotient
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// A cursor over ASCII bytes that reads fixed-width decimal fields.
    private struct DigitReader {
        let bytes: [UInt8]
        var index = 0

        var isAtEnd: Bool { index == bytes.count }

        mutating func number(_ width: Int) -> Int64? {
            guard index + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for offset in index..<(index + width) {
                let byte = bytes[offset]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            index += width
            return value
        }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
            index += 1
            return true
        }
    }
}
