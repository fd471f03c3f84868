import Foundation
import Synchronization
import TandemCore
import TandemEngine
import TandemRedis
import TandemRuntime

// Measures RedisBackplane against a running redis-server:
//   swift run [-c release] redis-bench [redis://127.0.0.1:6379] [count]
// 1. publish one at a time (one await per envelope), 2. publish from 256 concurrent tasks (pipelined),
// 3. end-to-end A→B latency with one envelope in flight, 4. A→B delivery of a pipelined burst.

let arguments = CommandLine.arguments.dropFirst()
let url = arguments.first ?? "redis://127.0.0.1:6379"
let count = arguments.dropFirst().first.flatMap { Int($0) } ?? 20_000
let clock = ContinuousClock()
let runID = SystemClock().wallMillis()

func envelope(_ number: Int, from origin: String) -> BackplaneEnvelope {
    let key = RecordKey(model: "Contact", recordID: "42")
    var op = TextOperation()
    op.retain(abs(number) % 50)
    op.insert("x")
    return BackplaneEnvelope(
        origin: origin,
        message: .committed(
            ChangeEntry(
                changeID: "ch-\(number)",
                key: key,
                field: "notes",
                version: number,
                baseVersion: number - 1,
                op: op,
                oldValue: .string(String(repeating: "a", count: 60)),
                newValue: .string(String(repeating: "a", count: 61)),
                user: UserRef(id: 1, username: "alice"),
                timestampMillis: 1_767_225_600_000 + Int64(number),
                origin: .ws
            )
        )
    )
}

func backplane(_ key: String) throws -> RedisBackplane {
    var configuration = try RedisBackplaneConfiguration(url: url)
    configuration.streamKey = key
    configuration.streamLengthMax = 1_000_000
    return RedisBackplane(configuration: configuration)
}

func rate(_ operations: Int, _ elapsed: Duration) -> String {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return "\(Int(Double(operations) / seconds)) ops/s (\(operations) in \(String(format: "%.3f", seconds)) s)"
}

/// Collects arrival times of numbered envelopes and wakes a waiter when a given count has arrived.
final class Arrivals: Sendable {
    private struct State {
        var times: [Int: ContinuousClock.Instant] = [:]
        var waiter: (count: Int, continuation: CheckedContinuation<Void, Never>)?
    }
    private let state = Mutex(State())

    func deliver(_ envelope: BackplaneEnvelope) {
        guard case .committed(let change) = envelope.message else { return }
        let now = ContinuousClock.now
        let ready = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.times[change.version] = now
            guard let waiter = state.waiter, state.times.count >= waiter.count else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        ready?.resume()
    }

    func wait(untilCount target: Int) async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.times.count >= target { return true }
                state.waiter = (target, continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    func time(_ number: Int) -> ContinuousClock.Instant? { state.withLock { $0.times[number] } }
    func reset() { state.withLock { $0.times.removeAll() } }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
}

let key = "tandem:bench:\(runID)"
let a = try backplane(key)
let b = try backplane(key)
let arrivals = Arrivals()
try await b.subscribe(node: "node-b") { arrivals.deliver($0) }

// Warm-up: connections, code paths.
for number in 0..<500 { try await a.publish(envelope(-number - 1, from: "node-a")) }
await arrivals.wait(untilCount: 500)
arrivals.reset()

var start = clock.now
for number in 1...count { try await a.publish(envelope(number, from: "node-a")) }
print("publish, one at a time:       \(rate(count, start.duration(to: clock.now)))")
await arrivals.wait(untilCount: count)
arrivals.reset()

let batchesBefore = a.metrics.publishBatchCount
let tasks = 256
start = clock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for task in 0..<tasks {
        group.addTask {
            var number = count + 1 + task
            while number <= 2 * count {
                try await a.publish(envelope(number, from: "node-a"))
                number += tasks
            }
        }
    }
    try await group.waitForAll()
}
let pipelined = start.duration(to: clock.now)
let batches = a.metrics.publishBatchCount - batchesBefore
print(
    "publish, \(tasks) tasks (pipelined): \(rate(count, pipelined)), \(count / max(batches, 1)) per pipeline on average"
)
await arrivals.wait(untilCount: count)
print(
    "A→B burst: all \(count) delivered "
        + "\(String(format: "%.1f", milliseconds(start.duration(to: clock.now)))) ms after the first publish"
)
arrivals.reset()

var latencies: [Double] = []
let pings = min(count, 2_000)
for index in 1...pings {
    let number = 10 * count + index
    let sent = clock.now
    try await a.publish(envelope(number, from: "node-a"))
    await arrivals.wait(untilCount: index)
    latencies.append(milliseconds(sent.duration(to: arrivals.time(number)!)))
}
latencies.sort()
func percentile(_ sorted: [Double], _ p: Double) -> String {
    String(format: "%.3f", sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))])
}
print(
    "A→B latency, one in flight (\(pings)): p50 \(percentile(latencies, 0.5)) ms, "
        + "p99 \(percentile(latencies, 0.99)) ms, "
        + "max \(percentile(latencies, 1)) ms"
)
print("metrics A: \(a.metrics)")
print("metrics B: \(b.metrics)")
await a.shutdown()
await b.shutdown()
