import HummingbirdWSClient
import Synchronization
import TandemCore
import TandemRuntime
import TandemWire

/// One simulated collaborator: connects, joins a record, waits at the start gate, then sends one whole-value
/// change every `interval` (based on the newest version it has seen) until the run's end, recording when each
/// change reaches it.
struct LoadClient: Sendable {
    let index: Int
    let url: String
    let token: String
    let record: Int
    let interval: Duration
    let firstDelay: Duration
    let runFor: Duration
    let gate: StartGate
    let statistics: LoadStatistics
    let clock: SystemClock
    /// Offer permessage-deflate.
    let deflate: Bool
    /// 0: each change sets `age` to a number; else `settings` to `{"text": …}` of about this many bytes of prose.
    let valueBytes: Int

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
        let outcome = try await ConfirmedConnection.open(url: url, token: token, label: "load-\(index)", deflate: deflate) {
            _, frames, outbound in
            try await outbound.write(
                .text(#"{"type":"join_collaboration","model":"Contact","record_id":\#(record),"rid":1}"#)
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await sendLoop(outbound, version: version) }
                while let message = try await frames.next() {
                    guard case .text(let text) = message, let frame = try? WireCodec().decodeServer(text) else {
                        continue
                    }
                    if case .joined = frame, arrived.set() { await gate.arrive() }
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

    private func sendLoop(_ outbound: WebSocketOutboundWriter, version: VersionCell) async throws {
        let start = await gate.started()
        let deadline = start + runFor.nanosecondsClamped
        try await clock.sleep(for: firstDelay)
        var sequence = 0
        while clock.nowNanos() < deadline {
            sequence += 1
            let changeID = "load-\(index)-\(sequence)"
            let base = version.value
            statistics.sent(changeID, atNanos: clock.nowNanos())
            let (field, value) = valueBytes == 0 ? ("age", "\(sequence)") : ("settings", Self.prose(sequence, valueBytes))
            try await outbound.write(
                .text(
                    #"{"type":"field_change","session_id":"Contact:\#(record)","field":"\#(field)","base_version":\#(base),"value":\#(value),"change_id":"\#(changeID)","rid":\#(sequence + 1)}"#
                )
            )
            try await clock.sleep(for: interval)
        }
        // Stay connected while the last changes propagate, then close.
        try await clock.sleep(for: .seconds(2))
        try await outbound.close(.normalClosure, reason: "load run finished")
    }

    /// `{"text": "<sequence>: …"}` with about `bytes` bytes of English-like text (words drawn by the sequence, so
    /// consecutive values differ), for measuring compression on messages the size of a form's free text.
    static func prose(_ sequence: Int, _ bytes: Int) -> String {
        let words = [
            "the", "record", "was", "updated", "by", "our", "team", "after", "a", "call", "with", "customer", "about",
            "delivery", "dates", "and", "open", "invoices", "for", "next", "quarter", "please", "check", "notes",
        ]
        var text = "\(sequence):"
        var state = UInt64(truncatingIfNeeded: sequence) &* 0x9E37_79B9_7F4A_7C15 | 1
        while text.utf8.count < bytes {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            text += " " + words[Int(state % UInt64(words.count))]
        }
        return #"{"text":"\#(text)"}"#
    }

    private func handle(_ frame: ServerMessage, version: VersionCell) {
        let now = clock.nowNanos()
        switch frame {
        case .joined(let joined): version.raise(to: joined.version)
        case .ack(let ack):
            version.raise(to: ack.version)
            if let id = ack.changeID { statistics.received(id, ack: true, atNanos: now) }
        case .modelChanged(let change):
            version.raise(to: change.version)
            if let id = change.changeID { statistics.received(id, ack: false, atNanos: now) }
        case .error(let error): statistics.error(error.code.rawValue)
        default: break
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
