import Foundation
import TandemRuntime

// runtime-bench [ACTORS] [MESSAGES] [SEED] [REPETITIONS]
// Each workload delivers ACTORS × MESSAGES messages; the best of REPETITIONS runs is reported.
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let actorCount = arguments.count > 0 ? arguments[0] : 200
let messageCount = arguments.count > 1 ? arguments[1] : 10_000
let seed = UInt64(arguments.count > 2 ? arguments[2] : 7)
let repetitions = arguments.count > 3 ? arguments[3] : 3
let eventCount = actorCount * messageCount

func format(_ value: Double) -> String { String(format: "%.3f", value) }

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

#if DEBUG
print("warning: debug build; measure with `swift run -c release runtime-bench`")
#endif
print("runtime-bench: \(actorCount) actors × \(messageCount) messages = \(eventCount) events, seed \(seed), "
    + "best of \(repetitions)")

var bareBest = (seconds: Double.infinity, hash: UInt64(0))
for _ in 0..<repetitions {
    let (elapsed, loop) = measureBareLoop(actorCount: actorCount, messageCount: messageCount, seed: seed)
    precondition(loop.eventCount == eventCount, "baseline ran \(loop.eventCount) events")
    if elapsed < bareBest.seconds { bareBest = (elapsed, loop.trace.hash) }
}
print("\(pad("bare event loop", 18)) \(format(bareBest.seconds)) s  "
    + "\(format(Double(eventCount) / bareBest.seconds / 1e6)) M events/s  1.000x  "
    + "trace \(TraceHasher.hex(bareBest.hash))")

var failed = false
for mode in SimMode.allCases {
    var best: SimMeasurement?
    for _ in 0..<repetitions {
        let measurement = measureSim(mode, actorCount: actorCount, messageCount: messageCount, seed: seed)
        if !measurement.run.isClean {
            print(measurement.run.report)
            failed = true
        }
        if measurement.seconds < (best?.seconds ?? .infinity) { best = measurement }
    }
    guard let best else { continue }
    let statistics = best.run.statistics
    precondition(statistics.traceEventCount == eventCount, "\(mode) recorded \(statistics.traceEventCount) events")
    let sameOrder = statistics.traceHash == bareBest.hash ? "  (= bare loop order)" : ""
    print("\(pad("sim " + mode.rawValue, 18)) \(format(best.seconds)) s  "
        + "\(format(Double(eventCount) / best.seconds / 1e6)) M events/s  \(format(best.seconds / bareBest.seconds))x  "
        + "trace \(TraceHasher.hex(statistics.traceHash))\(sameOrder)  "
        + "jobs \(statistics.jobsRunCount), timers \(statistics.timersFiredCount)")
}
print("ratio = wall time relative to the bare event loop (lower is faster)")
if failed { exit(1) }
