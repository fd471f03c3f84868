import Logging
import Synchronization
import TandemCore
import TandemEngine
import TandemRuntime

/// Writes the server's security events to the audit log (`ab_collaboration_events`, keyed `ab_user:<id>`):
/// failed logins, refused sockets and revocations, each with the client address and the reason.
///
/// Refused sockets can come by the thousand from one address, so they are written at most once per address
/// and reason every `refusalInterval`, with the number refused since the last entry; a failed login is
/// written each time it was checked (throttled attempts are refused before, and only counted in `/metrics`).
public struct SecurityAudit: Sendable {
    let store: any EventStore
    let users: UserRegistry
    let clock: any TandemClock
    let logger: Logger
    var refusalInterval: Duration = .seconds(10)
    private let refusals = RefusalSampler()

    init(store: any EventStore, users: UserRegistry, clock: any TandemClock, logger: Logger) {
        self.store = store
        self.users = users
        self.clock = clock
        self.logger = logger
    }

    func loginFailed(username: String, address: String, reason: String) async {
        let user = await users.user(named: username)
        await write(.loginFailed, user: user, username: username, metadata: [
            "address": .string(address), "reason": .string(reason),
        ])
    }

    func socketRefused(address: String, reason: String, user: UserRecord? = nil) async {
        guard let count = refusals.admit("\(address) \(reason)", now: clock.nowNanos(), interval: refusalInterval)
        else { return }
        await write(.socketRefused, user: user, username: user?.username ?? "", metadata: [
            "address": .string(address), "reason": .string(reason), "refused": .int(count),
        ])
    }

    func tokensRevoked(user: UserRecord?, username: String, reason: String, address: String? = nil) async {
        var metadata: [String: JSONValue] = ["reason": .string(reason)]
        if let address { metadata["address"] = .string(address) }
        await write(.tokensRevoked, user: user, username: username, metadata: metadata)
    }

    private func write(_ kind: AuditEvent.Kind, user: UserRecord?, username: String, metadata: [String: JSONValue])
        async
    {
        let event = AuditEvent(
            kind: kind,
            key: RecordKey(
                model: "ab_user",
                recordID: user.map { String($0.id) } ?? (username.isEmpty ? "anonymous" : String(username.prefix(64)))
            ),
            user: user.map { UserRef(id: $0.id, username: $0.username) },
            metadata: .object(metadata),
            createdAtMillis: clock.wallMillis()
        )
        do {
            try await store.appendAudit([event])
        } catch {
            logger.error("could not write a \(kind.rawValue) audit event: \(error)")
        }
        logger.notice("\(kind.rawValue)", metadata: metadata.mapValues { .string("\($0)") })
    }
}

/// At most one entry per key and interval; counts what it held back.
final class RefusalSampler: Sendable {
    private struct Slot {
        var writtenNanos: Int64
        var heldBack: Int
    }

    private let slots = Mutex([String: Slot]())

    /// The number of refusals the entry to write now stands for, or nil to hold this one back.
    func admit(_ key: String, now: Int64, interval: Duration) -> Int? {
        slots.withLock { slots in
            if var slot = slots[key], now - slot.writtenNanos < interval.nanosecondsClamped {
                slot.heldBack += 1
                slots[key] = slot
                return nil
            }
            let count = (slots[key]?.heldBack ?? 0) + 1
            if slots.count > 10_000 { slots = slots.filter { now - $0.value.writtenNanos < interval.nanosecondsClamped } }
            slots[key] = Slot(writtenNanos: now, heldBack: 0)
            return count
        }
    }
}
