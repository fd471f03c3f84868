import Synchronization
import TandemCore

/// The collaboration events of the last hour per minute, for the dashboard and `/api/v1/collaboration/stats`, counted
/// as the node writes them (`InstrumentedEventStore`, once the store took them): changes from the change log (every
/// change appended, a conflict's resolution included), conflicts and joins from the audit log (`conflict_detected`,
/// `session_joined`).
public final class AuditTimeline: Sendable {
    public struct Minute: Sendable, Hashable {
        /// The minute's start, wall-clock milliseconds since 1970.
        public var startMillis: Int64
        public var changes = 0
        public var conflicts = 0
        public var joins = 0
    }

    /// Minutes kept (the oldest are dropped first).
    public static let minutesMax = 60
    private let minutes = Mutex([Int64: Minute]())

    public init() {}

    /// Counts the audit events the store took.
    public func record(_ events: [AuditEvent]) {
        for event in events {
            switch event.kind {
            case .conflictDetected: add(at: event.createdAtMillis) { $0.conflicts += 1 }
            case .sessionJoined: add(at: event.createdAtMillis) { $0.joins += 1 }
            default: continue
            }
        }
    }

    /// Counts a change the store appended.
    public func recordChange(_ change: ChangeEntry) { add(at: change.timestampMillis) { $0.changes += 1 } }

    private func add(at millis: Int64, _ update: (inout Minute) -> Void) {
        let start = millis - ((millis % 60_000) + 60_000) % 60_000
        minutes.withLock { minutes in
            update(&minutes[start, default: Minute(startMillis: start)])
            while minutes.count > Self.minutesMax, let oldest = minutes.keys.min() { minutes.removeValue(forKey: oldest) }
        }
    }

    /// The minutes with any event, oldest first.
    public var snapshot: [Minute] { minutes.withLock { $0.values.sorted { $0.startMillis < $1.startMillis } } }
}
