/// A group of simulated users who share a placement, a set of records and a behaviour.
///
/// In a file, one item of `population`. Group names are unique and may appear as partition endpoints and
/// as the `group` of a `disconnect` fault.
public struct PopulationGroup: Sendable, Equatable {
    /// The most users one scenario may hold, over all groups.
    public static let userCountMax = 1_000_000

    /// The group's name (`group:` in the file).
    public var name: String
    /// How many users the group has (`users:`).
    public var userCount: Int
    /// Which node each user connects to.
    public var placement: Placement
    /// Which records the users edit.
    public var records: RecordSelection
    /// What each user does.
    public var behavior: Behavior

    public init(name: String, userCount: Int, placement: Placement = .roundRobin, records: RecordSelection,
                behavior: Behavior) {
        self.name = name
        self.userCount = userCount
        self.placement = placement
        self.records = records
        self.behavior = behavior
    }
}

/// Which node a user connects to (and reconnects to after a disconnect). Default: `round_robin`.
public enum Placement: Sendable, Equatable {
    /// User *i* of the group goes to node *(i mod nodes) + 1*.
    case roundRobin
    /// Each user picks a node uniformly with the scenario's random source.
    case random
    /// Every user of the group goes to one node (`{pin: node-2}`).
    case pinned(NodeID)
}

/// The records a group edits: `count` records of one model, chosen per action with `pick`.
public struct RecordSelection: Sendable, Equatable {
    /// The most records one group may share.
    public static let recordCountMax = 1_000_000

    /// The model's name.
    public var model: String
    /// How many records exist for the group (`count:`), numbered 1…count.
    public var count: Int
    /// How a user picks a record by rank 1…count: `zipf`, `uniform [A, B]` or `fixed`.
    /// Default: `{uniform: [1, count]}`. ``RecordPicker`` samples it.
    public var pick: Distribution

    public init(model: String, count: Int, pick: Distribution? = nil) {
        self.model = model
        self.count = count
        self.pick = pick ?? .uniform(lower: 1, upper: Double(count))
    }
}

/// What a user does between and during edits.
///
/// Defaults: `think_time` `{exponential: {mean: 3s}}`, `typing` as ``Typing``'s defaults, every field of the
/// model editable. `actions` has no default.
public struct Behavior: Sendable, Equatable {
    /// Idle time between two actions.
    public var thinkTime: DurationDistribution
    /// Relative weights of each action, one entry per ``ActionKind`` in declaration order (0 when omitted).
    public var actions: [ActionWeight]
    /// How `type_text` produces keystrokes.
    public var typing: Typing
    /// The fields users edit; nil means every field of the model.
    public var fields: [String]?

    public init(thinkTime: DurationDistribution = Behavior.defaultThinkTime, actions: [ActionWeight],
                typing: Typing = Typing(), fields: [String]? = nil) {
        self.thinkTime = thinkTime
        self.actions = actions
        self.typing = typing
        self.fields = fields
    }

    /// The think time a group gets when its file names none.
    public static let defaultThinkTime = DurationDistribution(seconds: .exponential(mean: 3))

    /// The weight of `kind` (0 when absent).
    public func weight(of kind: ActionKind) -> Double { actions.first { $0.kind == kind }?.weight ?? 0 }
}

/// Something a simulated user does; its weight in `behavior.actions` sets how often.
public enum ActionKind: String, Sendable, Equatable, CaseIterable {
    /// Insert a burst of characters into a text field.
    case typeText = "type_text"
    /// Delete a few characters from a text field.
    case deleteText = "delete_text"
    /// Replace a non-text field's value.
    case setField = "set_field"
    /// Move the caret (presence only, no record change).
    case moveCursor = "move_cursor"
    /// Select a range of text (presence only).
    case selectText = "select_text"
    /// Add a comment to the record.
    case comment
    /// Leave the current record and open another one chosen with `records.pick`.
    case switchRecord = "switch_record"

    /// Whether the action needs a text field in the editable fields.
    public var needsTextField: Bool { self == .typeText || self == .deleteText || self == .selectText }
}

/// One action and its non-negative relative weight.
public struct ActionWeight: Sendable, Equatable {
    public var kind: ActionKind
    public var weight: Double

    public init(kind: ActionKind, weight: Double) {
        self.kind = kind
        self.weight = weight
    }
}

/// How `type_text` turns into keystrokes and messages. Defaults: `{uniform: [1, 12]}` characters, 500 ms.
public struct Typing: Sendable, Equatable {
    /// Characters typed in one burst (sample with ``Distribution/sampleCount(using:)``).
    public var charactersPerBurst: Distribution
    /// How long a client batches keystrokes before sending one change.
    public var debounce: Duration

    public init(charactersPerBurst: Distribution = .uniform(lower: 1, upper: 12),
                debounce: Duration = .milliseconds(500)) {
        self.charactersPerBurst = charactersPerBurst
        self.debounce = debounce
    }
}
