import Synchronization

/// A value behind a mutex, for the simulator's few pieces of state that synchronous code on the simulation
/// thread shares between actors (pipes, node CPU queues). Uncontended: every access is on that one thread.
///
/// Not copyable, so that it sits inside the object that holds it, as `Mutex` does: as a class of its own it was one
/// more object to reach on every access (a settle sample visits every connection's write queue: 10,000 in
/// `users-10k`, a cache miss each).
struct LockedValue<Value: Sendable>: ~Copyable, Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    /// A copy of the whole value: for small values. To read a part of a larger one, ``read(_:)`` copies only the part.
    var value: Value {
        get { storage.withLock { $0 } }
        nonmutating set { storage.withLock { $0 = newValue } }
    }

    /// What `body` reads of the value, without copying the rest (a copy of a struct retains everything it holds).
    func read<Result: Sendable>(_ body: (borrowing Value) -> Result) -> Result { storage.withLock { body($0) } }

    @discardableResult
    func update<Result: Sendable>(_ body: (inout Value) -> Result) -> Result { storage.withLock { body(&$0) } }
}
