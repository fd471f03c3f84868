import TandemReport

/// Follows how many client and node views differ from the store while the run settles, and when they
/// became (and stayed) equal.
public struct ConvergenceTracker: Sendable {
    let settleStartNanos: Int64
    private var samples: [ConvergenceSample] = []
    /// The first sample time after which every sample was zero.
    private var quietSinceNanos: Int64?

    public init(settleStartNanos: Int64) { self.settleStartNanos = settleStartNanos }

    public mutating func record(atNanos: Int64, divergent: Int) {
        samples.append(ConvergenceSample(tMs: Double(atNanos) / 1e6, divergentCount: divergent))
        if divergent == 0 {
            if quietSinceNanos == nil { quietSinceNanos = atNanos }
        } else {
            quietSinceNanos = nil
        }
    }

    public func report(divergentClients: [DivergentClient]) -> ConvergenceReport {
        let converged = divergentClients.isEmpty && quietSinceNanos != nil
        return ConvergenceReport(
            converged: converged, settleStartedAtMs: Double(settleStartNanos) / 1e6,
            convergedAtMs: converged ? quietSinceNanos.map { Double($0) / 1e6 } : nil,
            withinMs: converged ? quietSinceNanos.map { Double(max(0, $0 - settleStartNanos)) / 1e6 } : nil,
            divergentClients: divergentClients, timeline: samples)
    }
}
