import OrderedCollections

/// Who is in one collaboration session, where their cursor is, and when each connection was last heard.
///
/// A user with several connections (tabs, nodes) is one participant: they join with their first
/// connection and leave with their last. A connection that sends nothing for the heartbeat timeout is
/// expired, so a browser that vanished without a close leaves no ghost behind. Entries keep join order,
/// so the participant list is the same on every run.
public struct PresenceTable: Sendable, Hashable {
    /// One participant: the user, their colour, their focused field and cursor, and their live connections.
    public struct Entry: Sendable, Hashable {
        public var user: UserRef
        public var color: String
        public var focus: String?
        public var position: CursorPosition?
        /// Connection → last time it was heard from (monotonic nanoseconds).
        public var connections: OrderedDictionary<String, Int64>
    }

    public private(set) var entries: OrderedDictionary<Int, Entry> = [:]
    /// Connection → user id, so that touching, moving a cursor or leaving is a lookup, not a scan.
    private var owners: [String: Int] = [:]

    public init() {}

    /// The colours handed out by user id, so a user has the same colour in every session and on every node.
    public static let palette = [
        "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
        "#f032e6", "#469990", "#9a6324", "#800000", "#808000", "#000075",
    ]

    public static func color(for userID: Int) -> String {
        palette[((userID % palette.count) + palette.count) % palette.count]
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    public func contains(connection: String) -> Bool { owners[connection] != nil }

    /// Adds a connection; returns true when the user was not present before (others should see `user_joined`).
    @discardableResult
    public mutating func join(user: UserRef, connection: String, nowNanos: Int64) -> Bool {
        // By index, in place: `entries[id] != nil` would copy the entry (and retain all it holds) to compare it.
        if let index = entries.index(forKey: user.id) {
            if let known = entries.values[index].connections.index(forKey: connection) {
                // A heartbeat of a known connection (most calls): `owners` already maps it to this user.
                entries.values[index].connections.values[known] = nowNanos
                return false
            }
            owners[connection] = user.id
            entries.values[index].connections[connection] = nowNanos
            return false
        }
        owners[connection] = user.id
        entries[user.id] = Entry(user: user, color: Self.color(for: user.id), focus: nil, position: nil,
                                 connections: [connection: nowNanos])
        return true
    }

    /// Removes a connection; returns the user when it was their last one (others should see `user_left`).
    @discardableResult
    public mutating func leave(connection: String) -> UserRef? {
        guard let userID = owners.removeValue(forKey: connection), let index = entries.index(forKey: userID) else {
            return nil
        }
        entries.values[index].connections.removeValue(forKey: connection)
        guard entries.values[index].connections.isEmpty else { return nil }
        return entries.remove(at: index).value.user
    }

    /// Marks `user`'s connection as heard from now, if present. The caller names the owner (the node knows whose
    /// connection it is): one string hash fewer per heartbeat than finding it through `owners`.
    public mutating func touch(connection: String, of user: Int, nowNanos: Int64) {
        guard let index = entries.index(forKey: user),
              let known = entries.values[index].connections.index(forKey: connection) else { return }
        entries.values[index].connections.values[known] = nowNanos
    }

    /// Records a focus or blur; returns the user when the connection is present.
    @discardableResult
    public mutating func setCursor(
        connection: String, field: String, state: CursorState, position: CursorPosition?, nowNanos: Int64
    ) -> UserRef? {
        guard let userID = owners[connection], let index = entries.index(forKey: userID) else { return nil }
        entries.values[index].connections[connection] = nowNanos
        switch state {
        case .focus:
            entries.values[index].focus = field
            entries.values[index].position = position
        case .blur:
            if entries.values[index].focus == field {
                entries.values[index].focus = nil
                entries.values[index].position = nil
            }
        }
        return entries.values[index].user
    }

    /// Drops every connection not heard from within `timeoutNanos`; returns the users that left entirely, in join
    /// order.
    public mutating func expire(nowNanos: Int64, timeoutNanos: Int64) -> [UserRef] {
        var emptied: [Int] = []
        for index in entries.values.indices {
            // Most heartbeats expire nobody: look before writing, since a write goes through the entry in place
            // but a copy of it (the old way) retained every string and table it holds.
            guard entries.values[index].connections.values.contains(where: { nowNanos - $0 > timeoutNanos }) else {
                continue
            }
            for (connection, heard) in entries.values[index].connections where nowNanos - heard > timeoutNanos {
                owners.removeValue(forKey: connection)
            }
            entries.values[index].connections.removeAll { nowNanos - $0.value > timeoutNanos }
            if entries.values[index].connections.isEmpty { emptied.append(entries.keys[index]) }
        }
        return emptied.map { entries.removeValue(forKey: $0)!.user }
    }

    /// Drops every connection whose key starts with `prefix` (a node that is gone); returns users who left.
    public mutating func removeConnections(withPrefix prefix: String) -> [UserRef] {
        var gone: [UserRef] = []
        for connection in owners.keys where connection.hasPrefix(prefix) { owners.removeValue(forKey: connection) }
        for userID in Array(entries.keys) {
            entries[userID]!.connections.removeAll { $0.key.hasPrefix(prefix) }
            if entries[userID]!.connections.isEmpty { gone.append(entries.removeValue(forKey: userID)!.user) }
        }
        return gone
    }

    /// The participants in join order, as `joined` lists them.
    public var participants: [Participant] {
        entries.values.map { Participant(userID: $0.user.id, username: $0.user.username, color: $0.color, focus: $0.focus) }
    }
}
