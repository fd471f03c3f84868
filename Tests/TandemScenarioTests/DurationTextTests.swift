import TandemScenario
import Testing

struct DurationTextTests {
    static let valid: [(String, Duration)] = [
        ("250ms", .milliseconds(250)), ("2s", .seconds(2)), ("1m", .seconds(60)), ("500us", .microseconds(500)),
        ("500µs", .microseconds(500)), ("1.5s", .milliseconds(1500)), ("1h", .seconds(3600)), ("0", .zero),
        ("0s", .zero), ("10ns", .nanoseconds(10)), ("0.5ms", .microseconds(500)), ("1.25m", .seconds(75)),
        ("2.5us", .nanoseconds(2500)), ("0.001s", .milliseconds(1)), ("90s", .seconds(90)), (" 3s ", .seconds(3)),
        ("1.000000000s", .seconds(1)), ("168h", .seconds(7 * 24 * 3600)),
    ]

    static let invalid = [
        "", "2", "1.5", "-1s", "1.5ns", "1.s", ".5s", "2 s", "1e3ms", "2sec", "1d", "s", "ms", "1..5s", "+2s",
        "169h", "99999999999999h", "0x10s", "½s",
    ]

    @Test(arguments: valid)
    func validDurationTextParsesExactly(_ text: String, _ expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: invalid)
    func invalidDurationTextIsRejected(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func durationsPrintInTheirLargestExactUnit() {
        let cases: [(Duration, String)] = [
            (.seconds(2), "2s"), (.milliseconds(1500), "1500ms"), (.seconds(90), "90s"), (.seconds(60), "1m"),
            (.seconds(3600), "1h"), (.microseconds(500), "500us"), (.nanoseconds(7), "7ns"), (.zero, "0s"),
        ]
        for (duration, text) in cases {
            #expect(DurationText.format(duration) == text)
            #expect(DurationText.parse(text) == duration)
        }
    }
}
