/// A value type whose values live in one shared, immutable box: every copy is a pointer to the same values instead
/// of a copy of them and a retain of each string and value they hold; setting a property gives this copy a box of
/// its own. ``ChangeEntry`` (copied into every node's history window, the store's log, the backplane, each fan-out)
/// and ``ModelChanged`` (bound by each recipient's handler) are such values (docs/BENCHMARKS.md, *Simulator*).
///
/// The conforming type declares `@dynamicMemberLookup`, so `entry.version` reads `storage.values.version`.
public protocol SharedStorageValue: Hashable {
    associatedtype Values: Sendable, Hashable
    /// The shared box; replaced, never mutated.
    var storage: SharedStorage<Values> { get set }
}

/// The immutable box of a ``SharedStorageValue``: sharing it between copies (and threads) is safe.
public final class SharedStorage<Values: Sendable>: Sendable {
    public let values: Values
    @inlinable public init(_ values: Values) { self.values = values }
}

extension SharedStorageValue {
    // `@inlinable`, so that where a property is read the key path is a constant the optimizer turns into a plain
    // load. Until 2026-12-03 it was not: called from another module, every read went through a runtime key path and
    // copied all the values out (a retain and release of each string and value in them), about 5 % of a
    // simulation's samples (docs/BENCHMARKS.md, *Simulator*).
    @inlinable
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<Values, Value>) -> Value {
        get { storage.values[keyPath: keyPath] }
        set {
            var values = storage.values
            values[keyPath: keyPath] = newValue
            storage = SharedStorage(values)
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.values == rhs.storage.values
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage.values) }
}
