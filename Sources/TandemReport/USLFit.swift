/// Gunther's Universal Scalability Law fitted to throughput against load by least squares:
/// X(N) = λN / (1 + σ(N − 1) + κN(N − 1)).
///
/// λ is the throughput one unit of load brings when nothing contends, σ the contention (the serial fraction,
/// Amdahl's law when κ = 0) and κ the coherency cost (the crosstalk that makes throughput fall past a peak at
/// N = √((1 − σ)/κ)). The fit minimises Σ (Xᵢ − X(Nᵢ))² over λ > 0, 0 ≤ σ ≤ 1, κ ≥ 0 with Levenberg–Marquardt,
/// started from the linear least-squares solution of N/X = a + b(N − 1) + cN(N − 1) and from a few fixed starts;
/// the best of those is kept.
public struct USLFit: Codable, Sendable, Equatable {
    public var lambda: Double
    public var sigma: Double
    public var kappa: Double
    /// 1 − SSE/SST of the fit on the points it was fitted to (1 for a perfect fit).
    public var rSquared: Double
    /// How many points it was fitted to.
    public var pointCount: Int

    enum CodingKeys: String, CodingKey {
        case lambda, sigma, kappa
        case rSquared = "r_squared"
        case pointCount = "point_count"
    }

    public init(lambda: Double, sigma: Double, kappa: Double, rSquared: Double = 1, pointCount: Int = 0) {
        self.lambda = lambda
        self.sigma = sigma
        self.kappa = kappa
        self.rSquared = rSquared
        self.pointCount = pointCount
    }

    /// The law's throughput at load `n`.
    public func throughput(at n: Double) -> Double {
        lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))
    }

    /// The load of the throughput peak, √((1 − σ)/κ); nil when κ is 0 (throughput only flattens, towards λ/σ).
    public var peakLoad: Double? { kappa > 0 ? ((1 - sigma) / kappa).squareRoot() : nil }

    /// The least-squares fit to `points` (load, throughput); nil with fewer than 3 distinct loads or no positive
    /// throughput.
    public static func fit(_ points: [(load: Double, throughput: Double)]) -> USLFit? {
        let usable = points.filter { $0.load > 0 && $0.throughput.isFinite && $0.throughput >= 0 }
        guard Set(usable.map(\.load)).count >= 3, usable.contains(where: { $0.throughput > 0 }) else { return nil }
        var starts: [Parameters] = []
        if let linear = linearStart(usable) { starts.append(linear) }
        let slope = usable.map { $0.throughput / $0.load }.max() ?? 1
        for sigma in [0.0, 0.01, 0.1, 0.5] {
            for kappa in [0.0, 1e-6, 1e-4] { starts.append(Parameters(lambda: slope, sigma: sigma, kappa: kappa)) }
        }
        var best: (parameters: Parameters, sse: Double)?
        for start in starts {
            let fitted = levenbergMarquardt(usable, from: start)
            let error = sse(usable, fitted)
            if best == nil || error < best!.sse { best = (fitted, error) }
        }
        guard let best else { return nil }
        let mean = usable.reduce(0) { $0 + $1.throughput } / Double(usable.count)
        let total = usable.reduce(0) { $0 + ($1.throughput - mean) * ($1.throughput - mean) }
        return USLFit(
            lambda: best.parameters.lambda, sigma: best.parameters.sigma, kappa: best.parameters.kappa,
            rSquared: total > 0 ? 1 - best.sse / total : 1, pointCount: usable.count)
    }

    struct Parameters {
        var lambda: Double
        var sigma: Double
        var kappa: Double

        subscript(index: Int) -> Double {
            get { index == 0 ? lambda : index == 1 ? sigma : kappa }
            set {
                switch index {
                case 0: lambda = newValue
                case 1: sigma = newValue
                default: kappa = newValue
                }
            }
        }

        /// Inside the bounds: λ > 0, 0 ≤ σ ≤ 1, κ ≥ 0.
        var projected: Parameters {
            Parameters(lambda: max(lambda, 1e-300), sigma: min(max(sigma, 0), 1), kappa: max(kappa, 0))
        }

        var law: USLFit { USLFit(lambda: lambda, sigma: sigma, kappa: kappa) }
    }

    static func sse(_ points: [(load: Double, throughput: Double)], _ parameters: Parameters) -> Double {
        let law = parameters.law
        return points.reduce(0) { sum, point in
            let residual = point.throughput - law.throughput(at: point.load)
            return sum + residual * residual
        }
    }

    /// N/X = a + b(N − 1) + cN(N − 1) by linear least squares: λ = 1/a, σ = b/a, κ = c/a.
    static func linearStart(_ points: [(load: Double, throughput: Double)]) -> Parameters? {
        let rows = points.filter { $0.throughput > 0 }.map { point in
            (features: [1, point.load - 1, point.load * (point.load - 1)], target: point.load / point.throughput)
        }
        guard rows.count >= 3 else { return nil }
        var normal = [[Double]](repeating: [0, 0, 0], count: 3)
        var right = [0.0, 0, 0]
        for row in rows {
            for i in 0..<3 {
                right[i] += row.features[i] * row.target
                for j in 0..<3 { normal[i][j] += row.features[i] * row.features[j] }
            }
        }
        guard let solution = solve3(normal, right), solution[0] > 0 else { return nil }
        return Parameters(lambda: 1 / solution[0], sigma: solution[1] / solution[0], kappa: solution[2] / solution[0])
            .projected
    }

    static func levenbergMarquardt(_ points: [(load: Double, throughput: Double)], from start: Parameters)
        -> Parameters
    {
        var current = start.projected
        var error = sse(points, current)
        var damping = 1e-3
        for _ in 0..<500 {
            var normal = [[Double]](repeating: [0, 0, 0], count: 3)
            var gradient = [0.0, 0, 0]
            for point in points {
                let n = point.load
                let denominator = 1 + current.sigma * (n - 1) + current.kappa * n * (n - 1)
                let value = current.lambda * n / denominator
                let residual = point.throughput - value
                let jacobian = [
                    n / denominator,
                    -current.lambda * n * (n - 1) / (denominator * denominator),
                    -current.lambda * n * n * (n - 1) / (denominator * denominator),
                ]
                for i in 0..<3 {
                    gradient[i] += jacobian[i] * residual
                    for j in 0..<3 { normal[i][j] += jacobian[i] * jacobian[j] }
                }
            }
            var improved = false
            while damping < 1e12 {
                var damped = normal
                for i in 0..<3 { damped[i][i] += damping * max(normal[i][i], 1e-300) }
                guard let step = solve3(damped, gradient) else {
                    damping *= 10
                    continue
                }
                var candidate = current
                for i in 0..<3 { candidate[i] += step[i] }
                candidate = candidate.projected
                let candidateError = sse(points, candidate)
                if candidateError < error {
                    let relative = (error - candidateError) / max(error, 1e-300)
                    current = candidate
                    error = candidateError
                    damping = max(damping / 10, 1e-12)
                    improved = relative > 1e-15
                    break
                }
                damping *= 10
            }
            if !improved { break }
        }
        return current
    }

    /// Solves the 3×3 system by Gaussian elimination with partial pivoting; nil when it is singular.
    static func solve3(_ matrix: [[Double]], _ right: [Double]) -> [Double]? {
        var a = matrix
        var b = right
        for column in 0..<3 {
            let pivot = (column..<3).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            guard abs(a[pivot][column]) > 1e-300, a[pivot][column].isFinite else { return nil }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in (column + 1)..<3 {
                let factor = a[row][column] / a[column][column]
                for k in column..<3 { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [0.0, 0, 0]
        for row in stride(from: 2, through: 0, by: -1) {
            var sum = b[row]
            for k in (row + 1)..<3 { sum -= a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}
