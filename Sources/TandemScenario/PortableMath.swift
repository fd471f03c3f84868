/// The few elementary functions sampling needs, written with IEEE basic operations only.
///
/// Unlike the platform's libm (glibc and Apple's differ in the last bits), these give bit-identical results
/// on every platform and in every process, so a seed draws the same samples on a laptop and in CI.
/// Accuracy is within a few ulps, which is plenty for load modelling.
package enum PortableMath {
    // ln 2 split so that `k * ln2High` is exact for |k| < 2^20 (fdlibm's constants).
    private static let ln2High = 6.931_471_803_691_238_164_90e-01
    private static let ln2Low = 1.908_214_929_270_587_700_02e-10
    private static let inverseLn2 = 1.442_695_040_888_963_387_00
    private static let squareRoot2 = 1.414_213_562_373_095_1
    /// Terms of the atanh series in `log`: |f| ≤ 0.1716, so f^(2·14+1) is far below an ulp.
    private static let logSeriesTermCount = 14
    /// Terms of the Taylor series in `exp`: |r| ≤ 0.347, and 0.347^18 / 18! ≈ 1e-23.
    private static let expSeriesTermCount = 17

    /// The natural logarithm.
    package static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return .infinity }
        // x = m · 2^e with m in [√½, √2), so that f below is small.
        var exponent = Int(x.exponent)
        var mantissa = x.significand
        if mantissa > squareRoot2 {
            mantissa /= 2
            exponent += 1
        }
        // log(m) = 2·atanh(f) = 2·(f + f³/3 + f⁵/5 + …) with f = (m − 1)/(m + 1).
        let f = (mantissa - 1) / (mantissa + 1)
        let f2 = f * f
        var sum = 0.0
        var term = 2 * logSeriesTermCount - 1
        while term >= 3 {
            sum = (sum + 1 / Double(term)) * f2
            term -= 2
        }
        let logMantissa = 2 * f + 2 * f * sum
        let k = Double(exponent)
        return k * ln2High + (k * ln2Low + logMantissa)
    }

    /// e raised to `x`.
    package static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.782_712_893_384 { return .infinity }
        if x < -745.133_219_101_941_1 { return 0 }
        // x = k·ln2 + r with |r| ≤ ln2/2, then e^x = 2^k · e^r.
        let k = (x * inverseLn2).rounded(.toNearestOrEven)
        let r = (x - k * ln2High) - k * ln2Low
        var series = 1.0
        var n = expSeriesTermCount
        while n >= 1 {
            series = 1 + series * r / Double(n)
            n -= 1
        }
        return scale(series, byPowerOfTwo: Int(k))
    }

    /// `x` raised to `y`, for x > 0.
    package static func pow(_ x: Double, _ y: Double) -> Double {
        precondition(x > 0, "PortableMath.pow takes a positive base")
        return exp(y * log(x))
    }

    /// `value · 2^power`, rounded once, handling results that overflow or become subnormal.
    private static func scale(_ value: Double, byPowerOfTwo power: Int) -> Double {
        var result = value
        var remaining = power
        // Steps of at most 2^±1000 keep every intermediate finite until the last multiplication.
        while remaining > 1000 {
            result *= 0x1p1000
            remaining -= 1000
        }
        while remaining < -1000 {
            result *= 0x1p-1000
            remaining += 1000
        }
        return result * Double(sign: .plus, exponent: remaining, significand: 1)
    }
}
