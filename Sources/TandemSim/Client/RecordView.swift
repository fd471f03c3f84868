import TandemCore

/// One simulated client's copy of one record: what its screen shows, kept the way a browser keeps it.
///
/// Text fields go through the ot.js client state (local edits show at once, server ops are transformed
/// against them). Other fields show the committed value, or the client's own value while its change is in
/// flight. `version` is the last record version this client applied; anything but `version + 1` next is
/// an ordering violation.
///
/// A class owned by its client actor: it is updated for every message the client receives, and as a value
/// in the client's dictionary each update would copy its field values.
///
/// Why the properties every delivery touches are `@exclusivity(unchecked)`: a view is not `Sendable`, so it lives in
/// its client actor's isolation and is touched by one thread at a time; and every access to them is one statement
/// that calls out to nothing that can reach the same view (a read, a write, a mutating call on the property's own
/// value, or `advance`'s `inout`, which touches only its argument). So the run-time exclusivity check Swift makes on
/// every access to a class's stored property can never fire on them, and it cost 2.2 % of `scale-1000x10`'s
/// instructions, a dozen checks per delivered change (callgrind, docs/BENCHMARKS.md, *Simulator*).
final class RecordView {
    let key: RecordKey
    /// `key.sessionID`, kept so that routing a message to its view costs a string comparison.
    let sessionID: String
    @exclusivity(unchecked) var version: Int { didSet { stamp = ChangeStamp.next() } }
    /// The committed values as this client knows them (text fields: including its own pending edits).
    @exclusivity(unchecked) var fields: [String: JSONValue] { didSet { stamp = ChangeStamp.next() } }
    @exclusivity(unchecked) var text: [String: OTClientState] = [:]
    /// Per text field: the change id of the op in flight (resent with the same id after a reconnect).
    @exclusivity(unchecked) var outstanding: [String: String] = [:]
    /// Per non-text field: the client's own latest value while a change of it is in flight.
    var overrides: [String: (changeID: String, value: JSONValue)] = [:] { didSet { stamp = ChangeStamp.next() } }
    /// Every non-text change in flight (change id → field), so each ack is recognised, not just the latest.
    @exclusivity(unchecked) var pending: [String: String] = [:]
    /// Conflict resolutions this client sent (request id → field): their ack commits the chosen value.
    var resolving: [String: String] = [:]
    /// Per text field: a first edit waiting for the typing debounce before it is sent.
    var debouncing: Set<String> = []
    var comments: [(id: String, field: String)] = []
    var joined = false { didSet { stamp = ChangeStamp.next() } }
    @exclusivity(unchecked) var resyncing = false { didSet { stamp = ChangeStamp.next() } }
    /// The record was deleted (a `model_changed` with `change_type: "delete"`, or a snapshot saying so).
    @exclusivity(unchecked) var deleted = false
    /// Who this view shows as present (kept across snapshots of the same record).
    let presence: PresenceView
    /// Taken afresh whenever what the convergence checks read of the view changes (`version`, `fields`, `overrides`,
    /// `joined`, `resyncing`; ``ChangeStamp``): see `SimClient.checkStamp`.
    @exclusivity(unchecked) private(set) var stamp = ChangeStamp.next()

    init(key: RecordKey, snapshot: Joined, textFields: [String], presence: PresenceView = PresenceView()) {
        self.key = key
        self.presence = presence
        self.sessionID = key.sessionID
        self.version = snapshot.version
        self.fields = snapshot.fields
        for field in textFields { text[field] = OTClientState(version: snapshot.version) }
        comments = snapshot.comments.map { ($0.id, $0.field) }
        joined = true
        deleted = snapshot.deleted ?? false
    }

    /// Every text field's ot.js state but `field`'s (nil: every one) moves on to `version`: a version it did not
    /// author. By position, not by key: this runs for every change a client applies.
    func advanceText(except field: String? = nil, toVersion version: Int) {
        Self.advance(&text, except: field, toVersion: version)
    }

    /// One access to the dictionary for the whole walk (a view is a class, so each access is checked at run time).
    private static func advance(_ text: inout [String: OTClientState], except field: String?, toVersion version: Int) {
        var index = text.startIndex
        while index != text.endIndex {
            if text.keys[index] != field { text.values[index].advance(toVersion: version) }
            text.formIndex(after: &index)
        }
    }

    /// What the screen shows for `field`.
    func shown(_ field: String) -> JSONValue? { overrides[field]?.value ?? fields[field] }

    /// The view as a person sees it: every field's shown value.
    var shownFields: [String: JSONValue] {
        var shown = fields
        for (field, override) in overrides { shown[field] = override.value }
        return shown
    }

    /// True when nothing of this client's is in flight for this record.
    var isQuiet: Bool {
        overrides.isEmpty && pending.isEmpty && outstanding.isEmpty && debouncing.isEmpty && text.values.allSatisfy {
            if case .synchronized = $0.phase { return true } else { return false }
        }
    }
}

/// The participants a client's view of a record shows, and when it last showed each one who is gone: presence latency
/// counts an observer only if it did not show the user when the user joined.
///
/// Its two members are `@exclusivity(unchecked)` for `RecordView`'s reasons: it belongs to one view, in its client's
/// isolation, and its methods call out to no one.
final class PresenceView {
    @exclusivity(unchecked) private var present: Set<Int> = []
    @exclusivity(unchecked) private var goneAtNanos: [Int: Int64] = [:]

    /// A snapshot (`joined`): exactly `users` are present now; anyone else shown until now is gone now.
    func show(_ users: [Int], atNanos now: Int64) {
        let shown = Set(users)
        for user in present where !shown.contains(user) { goneAtNanos[user] = now }
        for user in shown { goneAtNanos[user] = nil }
        present = shown
    }

    func joined(_ user: Int) {
        present.insert(user)
        goneAtNanos[user] = nil
    }

    func left(_ user: Int, atNanos now: Int64) {
        if present.remove(user) != nil { goneAtNanos[user] = now }
    }

    /// The users shown as present, sorted.
    var shown: [Int] { present.sorted() }

    /// When this view last showed `user`: now if it still does, nil if it never did.
    func lastShown(_ user: Int, nowNanos now: Int64) -> Int64? {
        present.contains(user) ? now : goneAtNanos[user]
    }
}
