import Synchronization

/// A value behind a mutex, for the simulator's few pieces of state that synchronous code on the simulation
/// thread shares between actors (pipes, node CPU queues). Uncontended: every access is on that one thread.
final class LockedValue<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    @discardableResult
    func update<Result: Sendable>(_ body: (inout Value) -> Result) -> Result { storage.withLock { body(&$0) } }
}
