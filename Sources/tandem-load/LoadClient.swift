import HummingbirdWSClient
import Synchronization
import TandemLive
import TandemCore
import TandemRuntime
import TandemWire

/// One simulated collaborator on HummingbirdWSClient, for `--deflate` (it inflates; `LoopClient`, the default,
/// does not): connects, joins a record, waits at the start gate, then sends one whole-value change every
/// `interval` (based on the newest version it has seen) until the run's end, recording when each change reaches
/// it. Every frame passes through an async stream to this task, which costs the load generator about 30 µs per
/// delivery (`LoopClient`: about 12).
struct LoadClient: Sendable {
    let plan: LoadPlan
    /// The node's WebSocket URL (`ws://host:port/ws`).
    let url: String
    let gate: StartGate
    let statistics: LoadStatistics
    let clock: SystemClock
    /// Offer permessage-deflate.
    let deflate: Bool

    func run() async {
        let arrived = Flag()
        for attempt in 1...ConfirmedConnection.attemptsMax {
            do {
                if try await session(arrived: arrived) { break }
                statistics.reconnected()
                if attempt == ConfirmedConnection.attemptsMax { statistics.error("no connection_confirmed") }
            } catch {
                statistics.error("connect: \(error)")
                break
            }
        }
        if arrived.set() { await gate.arrive() }
    }

    /// One connection; false when the server never confirmed it (connect again).
    private func session(arrived: Flag) async throws -> Bool {
        let version = VersionCell()
        let outcome = try await ConfirmedConnection.open(url: url, token: plan.token, label: "load-\(plan.index)", deflate: deflate) {
            _, frames, outbound in
            try await outbound.write(.text(plan.joinFrame))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await sendLoop(outbound, version: version) }
                while let message = try await frames.next() {
                    guard case .text(var text) = message else { continue }
                    let frame = text.withUTF8 { FrameScan(UnsafeRawBufferPointer($0)) }
                    if frame.type == .joined, arrived.set() { await gate.arrive() }
                    handle(frame, version: version)
                }
                group.cancelAll()
            }
        }
        switch outcome {
        case .unconfirmed: return false
        case .closed(let close):
            if let close { statistics.closed(ConfirmedConnection.number(close.closeCode)) }
            return true
        }
    }

    /// One change at `start + firstDelay + k × interval` (a fixed schedule, as `LoopClient`'s) until `runFor`.
    private func sendLoop(_ outbound: WebSocketOutboundWriter, version: VersionCell) async throws {
        let start = await gate.started()
        let deadline = start + plan.runFor.nanosecondsClamped
        var due = start + plan.firstDelay.nanosecondsClamped
        var sequence = 0
        while due < deadline {
            try await clock.sleep(for: .nanoseconds(max(0, due - clock.nowNanos())))
            sequence += 1
            let base = version.value
            statistics.sent(client: plan.index, sequence: sequence, atNanos: clock.nowNanos())
            try await outbound.write(.text(plan.changeFrame(sequence: sequence, base: base)))
            due += plan.interval.nanosecondsClamped
        }
        // Stay connected while the last changes propagate, then close.
        try await clock.sleep(for: .nanoseconds(max(0, deadline + 2_000_000_000 - clock.nowNanos())))
        try await outbound.close(.normalClosure, reason: "load run finished")
    }

    private func handle(_ frame: FrameScan, version: VersionCell) {
        let now = clock.nowNanos()
        switch frame.type {
        case .joined:
            if let seen = frame.version { version.raise(to: seen) }
        case .ack, .modelChanged:
            if let seen = frame.version { version.raise(to: seen) }
            if let id = frame.changeID {
                statistics.received(client: id.client, sequence: id.sequence, ack: frame.type == .ack, atNanos: now)
            }
        case .error: statistics.error(frame.errorCode ?? "error")
        case .connectionConfirmed, .other: break
        }
    }
}

/// The newest record version one client has seen; its next change is based on it.
final class VersionCell: Sendable {
    private let version = Mutex(0)

    var value: Int { version.withLock { $0 } }

    func raise(to newVersion: Int) { version.withLock { $0 = max($0, newVersion) } }
}

/// A one-way switch: `set()` returns true only for the caller that flipped it.
final class Flag: Sendable {
    private let state = Mutex(false)

    func set() -> Bool {
        state.withLock { isSet in
            defer { isSet = true }
            return !isSet
        }
    }
}
