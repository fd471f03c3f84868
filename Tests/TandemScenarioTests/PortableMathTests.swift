import Foundation
import TandemScenario
import Testing

struct PortableMathTests {
    static let logInputs: [Double] = [
        1e-300, 1e-10, 0.001, 0.1, 0.5, 0.7071, 0.99999, 1, 1.00001, 1.4142, 1.5, 2, 2.718281828459045, 10,
        80, 1234.5678, 1e10, 1e300, .leastNormalMagnitude, .leastNonzeroMagnitude,
    ]

    static let expInputs: [Double] = [
        -745, -700, -50, -3.2, -1, -0.5, -1e-10, 0, 1e-10, 0.34, 0.5, 1, 2.3, 10, 100, 709,
    ]

    @Test func logMatchesThePlatformWithinTwoUlps() {
        for x in Self.logInputs {
            let expected = Foundation.log(x)
            #expect(abs(PortableMath.log(x) - expected) <= 2 * expected.ulp.magnitude + 1e-300, "log(\(x))")
        }
        #expect(PortableMath.log(1) == 0)
        #expect(PortableMath.log(0) == -.infinity)
        #expect(PortableMath.log(-1).isNaN)
    }

    @Test func expMatchesThePlatformWithinTwoUlps() {
        for x in Self.expInputs {
            let expected = Foundation.exp(x)
            #expect(abs(PortableMath.exp(x) - expected) <= 2 * expected.ulp, "exp(\(x))")
        }
        #expect(PortableMath.exp(0) == 1)
        #expect(PortableMath.exp(800) == .infinity)
        #expect(PortableMath.exp(-800) == 0)
    }

    @Test func powMatchesThePlatformClosely() {
        for (x, y) in [(2.0, -1.1), (3.0, -1.1), (1000.0, -1.2), (7.0, 0.5), (1.0, -3.0)] {
            let expected = Foundation.pow(x, y)
            #expect(abs(PortableMath.pow(x, y) - expected) <= 1e-14 * expected, "pow(\(x), \(y))")
        }
    }
}
