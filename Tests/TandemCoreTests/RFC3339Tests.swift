import Testing
import TandemCore

struct RFC3339Tests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_767_225_600_000, "2026-01-01T00:00:00.000Z"),
        (951_782_400_123, "2000-02-29T00:00:00.123Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (1_709_210_096_789, "2024-02-29T12:34:56.789Z"),
    ])
    func millisecondsFormatAndParseBack(_ milliseconds: Int64, _ text: String) {
        #expect(RFC3339.string(fromMilliseconds: milliseconds) == text)
        #expect(RFC3339.milliseconds(from: text) == milliseconds)
    }

    @Test func offsetsFractionsAndLowercaseAreAccepted() {
        #expect(RFC3339.milliseconds(from: "2026-01-01T01:30:00+01:30") == 1_767_225_600_000)
        #expect(RFC3339.milliseconds(from: "2025-12-31t19:00:00.5-05:00") == 1_767_225_600_500)
        #expect(RFC3339.milliseconds(from: "2026-01-01T00:00:00.123456789z") == 1_767_225_600_123)
        #expect(RFC3339.milliseconds(from: "2026-01-01T00:00:00Z") == 1_767_225_600_000)
    }

    @Test(arguments: [
        "", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00.0000000000Z", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00+0100", "26-01-01T00:00:00Z",
        "2026-01-01T00:00:00Zjunk", "２０２６-01-01T00:00:00Z",
    ])
    func malformedTimestampsAreRefused(_ text: String) {
        #expect(RFC3339.milliseconds(from: text) == nil)
    }

    @Test func everyDayOfFourHundredYearsRoundTrips() {
        var milliseconds: Int64 = -RFC3339Tests.dayMilliseconds * 146_097 / 2
        for _ in 0..<146_097 {
            let text = RFC3339.string(fromMilliseconds: milliseconds)
            #expect(RFC3339.milliseconds(from: text) == milliseconds)
            milliseconds += RFC3339Tests.dayMilliseconds + 1
        }
    }

    @Test func instantsBeyondFourDigitYearsAreClamped() {
        #expect(RFC3339.string(fromMilliseconds: .max) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339.string(fromMilliseconds: .min) == "0000-01-01T00:00:00.000Z")
    }

    static let dayMilliseconds: Int64 = 86_400_000
}

/// Field validation reads date-times with the protocol's own reader: impossible dates are refused, not only
/// misshapen ones.
@Suite struct DatetimeFieldValidationTests {
    @Test(arguments: ["2026-13-45T99:99:99Z", "2026-02-30T12:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01 12:00:00Z",
                      "2026-01-01T12:00:00", "2026-01-01T12:00:00.1234567890Z"])
    func anImpossibleOrMisshapenDatetimeIsRefused(_ text: String) {
        #expect(FieldType.datetime.validate(.string(text)) != nil, "\(text)")
        #expect(RFC3339.milliseconds(from: text) == nil, "\(text)")
    }

    @Test(arguments: ["2026-01-01T12:00:00Z", "2024-02-29T23:59:59.999+01:00", "2026-06-30t00:00:00z"])
    func aRealDatetimeIsAccepted(_ text: String) {
        #expect(FieldType.datetime.validate(.string(text)) == nil, "\(text)")
    }
}
