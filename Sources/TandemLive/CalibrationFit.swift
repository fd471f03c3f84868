import Foundation
import TandemReport
import TandemScenario

/// What calibration reads from a node's `/metrics`: the stage histograms (`tandem_node_stage_seconds`) and the
/// counters the fit divides by.
public struct StageMetrics: Sendable, Equatable {
    /// One cumulative histogram, as Prometheus writes it.
    public struct Histogram: Sendable, Equatable {
        /// Upper bounds, ascending, the last one `+Inf`.
        public var bounds: [Double] = []
        /// Observations at or below each bound.
        public var cumulative: [Double] = []
        public var sum = 0.0
        public var count = 0.0

        public init(bounds: [Double] = [], cumulative: [Double] = [], sum: Double = 0, count: Double = 0) {
            self.bounds = bounds
            self.cumulative = cumulative
            self.sum = sum
            self.count = count
        }

        public var mean: Double? { count > 0 ? sum / count : nil }

        /// The `q` quantile, interpolated within the bucket that holds it on a lognormal's scale: the logarithm of
        /// the value linear in the normal quantile of the rank (exact for a lognormal, which latencies are near;
        /// linear interpolation, as Prometheus's `histogram_quantile` does, is off by 10 % at a lognormal's p99 in
        /// these buckets). Linear in the first bucket; in the `+Inf` bucket, the last finite bound. Nil when empty.
        public func quantile(_ q: Double) -> Double? {
            guard count > 0, !bounds.isEmpty else { return nil }
            let rank = q * count
            var lower = 0.0, below = 0.0
            for (bound, cumulative) in zip(bounds, cumulative) {
                if cumulative >= rank {
                    if bound.isInfinite { return lower }
                    let width = cumulative - below
                    guard width > 0 else { return bound }
                    guard lower > 0 else { return bound * (rank - below) / width }
                    let low = Self.probit(below / count), high = Self.probit(cumulative / count)
                    let fraction = high > low ? (Self.probit(q) - low) / (high - low) : (rank - below) / width
                    return lower * pow(bound / lower, min(1, max(0, fraction)))
                }
                lower = bound
                below = cumulative
            }
            return lower
        }

        /// The standard normal quantile of `p` (Acklam's rational approximation, relative error below 1.2e-9),
        /// clamped to ±8 at 0 and 1.
        static func probit(_ p: Double) -> Double {
            if p <= 0 { return -8 }
            if p >= 1 { return 8 }
            let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                     -3.066479806614716e+01, 2.506628277459239e+00]
            let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                     -1.328068155288572e+01]
            let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                     4.374664141464968e+00, 2.938163982698783e+00]
            let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
            let low = 0.02425
            if p < low || p > 1 - low {
                let tail = sqrt(-2 * log(p < low ? p : 1 - p))
                let value = (((((c[0] * tail + c[1]) * tail + c[2]) * tail + c[3]) * tail + c[4]) * tail + c[5])
                    / ((((d[0] * tail + d[1]) * tail + d[2]) * tail + d[3]) * tail + 1)
                return p < low ? value : -value
            }
            let x = p - 0.5, r = x * x
            return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * x
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }

        /// This histogram and `other` together (the same bounds; an empty one takes the other's).
        func adding(_ other: Histogram) -> Histogram {
            guard !bounds.isEmpty else { return other }
            guard !other.bounds.isEmpty else { return self }
            return Histogram(bounds: bounds, cumulative: zip(cumulative, other.cumulative).map(+),
                             sum: sum + other.sum, count: count + other.count)
        }
    }

    /// By stage name (`decode`, `queue_wait`, `handle`, `busy`, `store_append`, `fanout`).
    public var stages: [String: Histogram] = [:]
    /// Every unlabelled sample of the page (`tandem_commits_total`, `process_cpu_seconds_total`, …).
    public var values: [String: Double] = [:]

    public init(stages: [String: Histogram] = [:], values: [String: Double] = [:]) {
        self.stages = stages
        self.values = values
    }

    /// Reads one `/metrics` page; lines it does not know are skipped.
    public static func parse(_ text: String) -> StageMetrics {
        var metrics = StageMetrics()
        let family = "tandem_node_stage_seconds_"
        for line in PrometheusText.lines(text) {
            guard line.name.hasPrefix(family) else {
                if line.labels.isEmpty { metrics.values[String(line.name)] = line.value }
                continue
            }
            guard let stage = line.label("stage").map(String.init) else { continue }
            var histogram = metrics.stages[stage] ?? Histogram()
            switch line.name.dropFirst(family.count) {
            case "bucket":
                guard let le = line.label("le") else { continue }
                histogram.bounds.append(le == "+Inf" ? .infinity : Double(le) ?? .infinity)
                histogram.cumulative.append(line.value)
            case "sum": histogram.sum = line.value
            case "count": histogram.count = line.value
            default: continue
            }
            metrics.stages[stage] = histogram
        }
        return metrics
    }

    /// What was measured between `earlier` and this page of the same process: histograms and values less
    /// `earlier`'s. Nil when they are not of one process (a value went down: the node restarted in between).
    public func since(_ earlier: StageMetrics) -> StageMetrics? {
        var delta = StageMetrics()
        for (name, value) in values {
            let before = earlier.values[name] ?? 0
            if value < before { return nil }
            delta.values[name] = value - before
        }
        for (stage, histogram) in stages {
            guard let before = earlier.stages[stage], before.bounds == histogram.bounds else {
                delta.stages[stage] = histogram
                continue
            }
            if histogram.count < before.count { return nil }
            delta.stages[stage] = Histogram(
                bounds: histogram.bounds, cumulative: zip(histogram.cumulative, before.cumulative).map(-),
                sum: histogram.sum - before.sum, count: histogram.count - before.count)
        }
        return delta
    }

    /// Several nodes' pages as one: histograms and values added.
    public static func merged(_ pages: [StageMetrics]) -> StageMetrics {
        pages.reduce(into: StageMetrics()) { total, page in
            for (stage, histogram) in page.stages {
                total.stages[stage] = (total.stages[stage] ?? Histogram()).adding(histogram)
            }
            for (name, value) in page.values { total.values[name, default: 0] += value }
        }
    }
}

/// The simulator's node cost terms and store latency fitted from what running servers measured (`StageMetrics`
/// of every node), each with the basis it was read from:
///
/// - `store.latency`: the `store_append` stage (an append as the node waits for it), as a lognormal through its
///   median and 99th percentile;
/// - `per_frame`: the `decode` stage, likewise;
/// - `per_message`: the node's own time per client frame (`busy`) less the fan-out of the changes it committed,
///   per frame; spread as `busy`'s (its median and p99 scaled by the same factor);
/// - `per_recipient`: a fan-out's mean time over the frames it queued (messages out per fan-out);
/// - `per_delivery`: the process CPU time not spent in the node or decoding, per frame out (encoding, queueing,
///   writing, the kernel's share).
///
/// A term without observations is left out (the scenario's or the default value stays). The terms the fitted ones
/// already contain are written off (`pinned`), so that the simulator's defaults do not charge them twice.
public struct CalibrationFit: Sendable, Equatable {
    /// A term the profile sets to a value because a fitted term contains it.
    public struct Pinned: Sendable, Equatable {
        public var key: String
        /// As a scenario writes it (`0us`, `0`).
        public var yaml: String
        public var basis: String
    }

    /// One fitted term: a lognormal through `median` and `p99` (seconds), or one value when they are equal.
    public struct Term: Sendable, Equatable {
        public var key: String
        public var median: Double
        public var p99: Double
        /// Where it was read from, for the calibration report.
        public var basis: String

        public var isFixed: Bool { p99 <= median }

        /// As a scenario writes it.
        public var yaml: String {
            isFixed ? "{fixed: \(Self.text(median))}"
                : "{lognormal: {median: \(Self.text(median)), p99: \(Self.text(p99))}}"
        }

        /// Seconds as microseconds to the nanosecond (`35.2us`), exact for the loader.
        static func text(_ seconds: Double) -> String {
            let nanos = max(1, Int64((seconds * 1e9).rounded()))
            let whole = nanos / 1_000, fraction = nanos % 1_000
            guard fraction != 0 else { return "\(whole)us" }
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            return "\(whole).\(digits)us"
        }
    }

    /// `store.latency` (under `topology.store`) and the node terms (under `topology.node`).
    public var storeLatency: Term?
    public var nodeTerms: [Term]
    /// Node terms turned off (or set) because the fitted ones hold them, under `topology.node` after the fitted ones.
    public var pinned: [Pinned] = []

    public static func fit(_ metrics: StageMetrics) -> CalibrationFit {
        func lognormal(_ key: String, _ stage: String, basis: String) -> Term? {
            guard let histogram = metrics.stages[stage], let median = histogram.quantile(0.5),
                  let p99 = histogram.quantile(0.99), median > 0 else { return nil }
            return Term(key: key, median: median, p99: max(p99, median), basis: basis)
        }
        let store = lognormal("latency", "store_append", basis: "store_append: median and p99")
        var terms: [Term] = []
        if let frame = lognormal("per_frame", "decode", basis: "decode: median and p99") { terms.append(frame) }
        let commits = metrics.values["tandem_commits_total"] ?? 0
        let out = metrics.values["tandem_messages_out_total"] ?? 0
        let fanout = metrics.stages["fanout"]
        let fanoutMean = fanout?.mean ?? 0
        if let busy = metrics.stages["busy"], let busyMean = busy.mean, let median = busy.quantile(0.5),
           let p99 = busy.quantile(0.99), busyMean > 0 {
            let own = (busy.sum - fanoutMean * commits) / busy.count
            if own > 0 {
                let scale = own / busyMean
                terms.append(Term(
                    key: "per_message", median: max(median * scale, 1e-9), p99: max(p99 * scale, median * scale),
                    basis: "busy less the fan-outs of local commits: mean \(Term.text(own)) per frame, "
                        + "spread as busy's (median \(Term.text(median)), p99 \(Term.text(p99)))"))
            }
        }
        if let fanout, fanout.count > 0, out > 0 {
            let perFanout = out / fanout.count
            let perRecipient = fanoutMean / max(1, perFanout)
            terms.append(Term(key: "per_recipient", median: perRecipient, p99: perRecipient,
                              basis: "fanout mean \(Term.text(fanoutMean)) over \(String(format: "%.1f", perFanout)) frames out per fan-out"))
        }
        if let cpu = metrics.values["process_cpu_seconds_total"], out > 0 {
            let busy = metrics.stages["busy"]?.sum ?? 0
            let decode = metrics.stages["decode"]?.sum ?? 0
            let remoteFanout = max(0, (fanout?.sum ?? 0) - fanoutMean * commits)
            let rest = (cpu - busy - decode - remoteFanout) / out
            // On a loaded host the node's wall-clock stages (preemption included) can exceed the process's CPU
            // time: the share left for deliveries is then not measurable, and the profile says so rather than
            // leaving the term out.
            let basis = rest > 0
                ? "process CPU \(String(format: "%.2f", cpu)) s less the node's and decoding's, over \(Int(out)) frames out"
                : "not separable: the node's wall-clock stages (\(String(format: "%.2f", busy + decode + remoteFanout)) s) "
                    + "exceed the process CPU (\(String(format: "%.2f", cpu)) s), a host too loaded to calibrate on; 0"
            terms.append(Term(key: "per_delivery", median: max(rest, 0), p99: max(rest, 0), basis: basis))
        }
        var pinned: [Pinned] = []
        if terms.contains(where: { $0.key == "per_delivery" }) {
            pinned.append(Pinned(key: "per_write", yaml: "0us",
                                 basis: "inside per_delivery: the process CPU per frame out holds the writes"))
            pinned.append(Pinned(key: "per_store_call", yaml: "0us",
                                 basis: "inside per_delivery: the store's thread is process CPU outside the node"))
        }
        if terms.contains(where: { $0.key == "per_message" }) {
            pinned.append(Pinned(key: "event_loops", yaml: "0",
                                 basis: "busy is wall-clock time: the actor's share of a core shared with the event loops is in it"))
        }
        return CalibrationFit(storeLatency: store, nodeTerms: terms, pinned: pinned)
    }

    /// The profile file `topology.profile` / `--profile` read.
    public func profileYAML(calibrated: [(String, String)]) -> String {
        var lines = [
            "# A calibration profile written by `tandem calibrate`: the simulator's costs fitted to running servers.",
            "# Use it with `topology: {profile: FILE}` or `tandem run --profile FILE`; a scenario's own values win.",
            "profile: \(ScenarioProfile.formatVersion)",
            "engine_version: \(EngineVersion.current)",
            "calibrated:",
        ]
        for (key, value) in calibrated { lines.append("  \(key): \(Self.quoted(value))") }
        lines.append(storeLatency == nil && nodeTerms.isEmpty ? "topology: {}" : "topology:")
        if let storeLatency { lines.append("  store: {latency: \(storeLatency.yaml)}   # \(storeLatency.basis)") }
        if !nodeTerms.isEmpty {
            lines.append("  node:")
            for term in nodeTerms { lines.append("    \(term.key): \(term.yaml)   # \(term.basis)") }
            for term in pinned { lines.append("    \(term.key): \(term.yaml)   # \(term.basis)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
