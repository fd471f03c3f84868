/// A conflict between a change and what was committed since its base: the row of
/// `ab_collaboration_conflicts`, from detection to resolution (and rollback).
public struct ConflictRecord: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// Waiting for a person (manual policy): nothing was committed.
        case pending
        /// Settled by the field's policy (last writer wins, or a merge that had to choose a side).
        case autoResolved = "auto_resolved"
        /// Settled by a person choosing local, remote or merged.
        case resolved
        /// A resolution undone by a later change.
        case rolledBack = "rolled_back"
    }

    public var id: String
    public var key: RecordKey
    public var field: String
    public var fieldType: FieldType
    public var policy: ConflictPolicy
    public var baseVersion: Int
    /// The conflicting change's value (the sender's).
    public var localValue: JSONValue
    /// What the field held when the change arrived (the committed, concurrent value).
    public var remoteValue: JSONValue
    public var localUser: UserRef
    /// Who made the last committed change to the field, if known.
    public var remoteUser: UserRef?
    /// For json fields: the key paths both sides changed; for lists: the item ids (as one-element paths).
    public var paths: [[String]]
    public var status: Status
    public var resolution: ConflictChoice?
    public var resolvedValue: JSONValue?
    public var resolvedBy: UserRef?
    /// The field's value just before the resolution's change; what a rollback restores.
    public var valueBeforeResolution: JSONValue?
    /// The version of the change that resolved (or auto-resolved) it, when one was committed.
    public var resolutionVersion: Int?
    public var createdAtMillis: Int64
    public var resolvedAtMillis: Int64?

    public init(
        id: String, key: RecordKey, field: String, fieldType: FieldType, policy: ConflictPolicy, baseVersion: Int,
        localValue: JSONValue, remoteValue: JSONValue, localUser: UserRef, remoteUser: UserRef?,
        paths: [[String]] = [], status: Status, createdAtMillis: Int64
    ) {
        self.id = id
        self.key = key
        self.field = field
        self.fieldType = fieldType
        self.policy = policy
        self.baseVersion = baseVersion
        self.localValue = localValue
        self.remoteValue = remoteValue
        self.localUser = localUser
        self.remoteUser = remoteUser
        self.paths = paths
        self.status = status
        self.createdAtMillis = createdAtMillis
    }

    /// The method the conflict log names (`resolution_method`).
    public var resolutionMethod: String {
        switch status {
        case .pending: return "pending"
        case .autoResolved: return fieldType.merges ? "three_way_merge" : "last_writer_wins"
        case .resolved: return "user_\(resolution?.rawValue ?? "unknown")"
        case .rolledBack: return "rollback"
        }
    }
}
