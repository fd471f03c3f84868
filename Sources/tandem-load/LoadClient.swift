import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization
import TandemCore
import TandemRuntime
import TandemWire

/// One simulated collaborator: joins a record, then sends one whole-value change every `interval`
/// (based on the newest version it has seen) until `deadline`, recording when each change arrives.
struct LoadClient: Sendable {
    let index: Int
    let url: String
    let token: String
    let record: Int
    let interval: Duration
    let firstDelay: Duration
    let deadlineNanos: Int64
    let statistics: LoadStatistics
    let clock: SystemClock

    func run() async {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let configuration = WebSocketClientConfiguration(maxFrameSize: 16 << 20, additionalHeaders: headers)
        let version = VersionCell()
        do {
            let close = try await WebSocketClient.connect(
                url: url,
                configuration: configuration,
                logger: Logger(label: "load-\(index)")
            ) { inbound, outbound, _ in
                try await outbound.write(
                    .text(#"{"type":"join_collaboration","model":"Contact","record_id":\#(record),"rid":1}"#)
                )
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await sendLoop(outbound, version: version) }
                    for try await message in inbound.messages(maxSize: 16 << 20) {
                        guard case .text(let text) = message, let frame = try? WireCodec().decodeServer(text) else {
                            continue
                        }
                        handle(frame, version: version)
                        if clock.nowNanos() > deadlineNanos + 2_000_000_000 { break }
                    }
                    group.cancelAll()
                }
            }
            if let close { statistics.closed(Self.number(close.closeCode)) }
        } catch {
            statistics.error("connect: \(error)")
        }
    }

    private func sendLoop(_ outbound: WebSocketOutboundWriter, version: VersionCell) async throws {
        try await clock.sleep(for: firstDelay)
        var sequence = 0
        while clock.nowNanos() < deadlineNanos {
            sequence += 1
            let changeID = "load-\(index)-\(sequence)"
            let base = version.value
            statistics.sent(changeID, atNanos: clock.nowNanos())
            try await outbound.write(
                .text(
                    #"{"type":"field_change","session_id":"Contact:\#(record)","field":"age","base_version":\#(base),"value":\#(sequence),"change_id":"\#(changeID)","rid":\#(sequence + 1)}"#
                )
            )
            try await clock.sleep(for: interval)
        }
        // Stay connected while the last changes propagate, then close.
        try await clock.sleep(for: .seconds(2))
        try await outbound.close(.normalClosure, reason: "load run finished")
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

    static func number(_ code: WebSocketErrorCode) -> Int {
        switch code {
        case .normalClosure: return 1000
        case .goingAway: return 1001
        case .policyViolation: return 1008
        case .unknown(let value): return Int(value)
        default: return 1011
        }
    }
}

/// The newest record version one client has seen; its next change is based on it.
final class VersionCell: Sendable {
    private let version = Mutex(0)

    var value: Int { version.withLock { $0 } }

    func raise(to newVersion: Int) { version.withLock { $0 = max($0, newVersion) } }
}
