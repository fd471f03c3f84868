/// The convergence check: whether every client and node ended with the authoritative state, and when.
public struct ConvergenceReport: Codable, Sendable, Equatable {
    public var converged: Bool
    /// When the settle period began: the end of the last fault.
    public var settleStartedAtMs: Double
    /// When every view first equalled the authoritative state for good; absent if that never happened.
    public var convergedAtMs: Double?
    /// `convergedAtMs - settleStartedAtMs` (zero if already converged); absent if the run never converged.
    public var withinMs: Double?
    /// Every view that differed from the authoritative state at the final check, ordered by client then record.
    public var divergentClients: [DivergentClient]
    /// How many views differed at each sampled moment, oldest first.
    public var timeline: [ConvergenceSample]

    enum CodingKeys: String, CodingKey {
        case converged
        case settleStartedAtMs = "settle_started_at_ms"
        case convergedAtMs = "converged_at_ms"
        case withinMs = "within_ms"
        case divergentClients = "divergent_clients"
        case timeline
    }

    public init(
        converged: Bool = true,
        settleStartedAtMs: Double = 0,
        convergedAtMs: Double? = nil,
        withinMs: Double? = nil,
        divergentClients: [DivergentClient] = [],
        timeline: [ConvergenceSample] = []
    ) {
        self.converged = converged
        self.settleStartedAtMs = settleStartedAtMs
        self.convergedAtMs = convergedAtMs
        self.withinMs = withinMs
        self.divergentClients = divergentClients
        self.timeline = timeline
    }
}

/// One field of one record on which a client (or node) disagrees with the authoritative state.
public struct DivergentClient: Codable, Sendable, Equatable {
    /// The client's name (`editors-17`) or a node's (`node-2`).
    public var client: String
    public var record: String
    public var field: String
    /// The authoritative value, rendered as text.
    public var expected: String
    /// The client's value, rendered as text.
    public var actual: String

    public init(client: String, record: String, field: String, expected: String, actual: String) {
        self.client = client
        self.record = record
        self.field = field
        self.expected = expected
        self.actual = actual
    }
}

/// How many views disagreed with the authoritative state at one moment of the run.
public struct ConvergenceSample: Codable, Sendable, Equatable {
    public var tMs: Double
    public var divergentCount: Int

    enum CodingKeys: String, CodingKey {
        case tMs = "t_ms"
        case divergentCount = "divergent_count"
    }

    public init(tMs: Double, divergentCount: Int) {
        self.tMs = tMs
        self.divergentCount = divergentCount
    }
}

/// An acknowledged change that did not survive in the final state.
public struct LostWrite: Codable, Sendable, Equatable {
    public var changeID: String
    public var record: String
    public var field: String
    /// Why it counts as lost, e.g. which inserted characters are missing.
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case changeID = "change_id"
        case record, field, detail
    }

    public init(changeID: String, record: String, field: String, detail: String) {
        self.changeID = changeID
        self.record = record
        self.field = field
        self.detail = detail
    }
}

/// A field whose final value is older, in the record's version order, than a value some client had applied.
public struct VersionOrderViolation: Codable, Sendable, Equatable {
    public var record: String
    public var field: String
    /// The change whose version was overtaken.
    public var changeID: String
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case record, field
        case changeID = "change_id"
        case detail
    }

    public init(record: String, field: String, changeID: String, detail: String) {
        self.record = record
        self.field = field
        self.changeID = changeID
        self.detail = detail
    }
}

/// The presence check after settle.
public struct PresenceReport: Codable, Sendable, Equatable {
    /// Participants still shown as present to someone after they had left.
    public var ghostsAfterSettle: [PresenceGhost]

    enum CodingKeys: String, CodingKey {
        case ghostsAfterSettle = "ghosts_after_settle"
    }

    public init(ghostsAfterSettle: [PresenceGhost] = []) {
        self.ghostsAfterSettle = ghostsAfterSettle
    }
}

/// A participant that `observer` still sees on `record` although it has left.
public struct PresenceGhost: Codable, Sendable, Equatable {
    public var observer: String
    public var ghost: String
    public var record: String
    public var detail: String

    public init(observer: String, ghost: String, record: String, detail: String = "") {
        self.observer = observer
        self.ghost = ghost
        self.record = record
        self.detail = detail
    }
}

/// Concurrent edits of the same field, by how they were resolved.
public struct ConflictCounts: Codable, Sendable, Equatable {
    public var detected: Int64
    public var autoResolved: Int64
    public var manual: Int64

    enum CodingKeys: String, CodingKey {
        case detected
        case autoResolved = "auto_resolved"
        case manual
    }

    public init(detected: Int64 = 0, autoResolved: Int64 = 0, manual: Int64 = 0) {
        self.detected = detected
        self.autoResolved = autoResolved
        self.manual = manual
    }
}
