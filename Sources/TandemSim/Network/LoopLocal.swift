/// State that only the simulation thread touches, stored in place in the object that holds it: the simulator's
/// plumbing shared by its actors (a connection's writer and inbox, a node's processor and connections, a heartbeat's
/// client). Its holder declares it `@exclusivity(unchecked) var` and is `@unchecked Sendable`, saying there why that
/// is safe: all of it runs on the simulation's loop thread, one job or timer at a time.
///
/// Not a lock. It was one (`Mutex`), uncontended, and each lock and unlock was an atomic read-modify-write: in a
/// `perf` profile of `users-10k` four in ten of a pipe send's samples sat on its two `lock cmpxchg` (docs/BENCHMARKS.md).
///
/// Not copyable, so that it stays inside its holder: as a class of its own it was one more object to reach on every
/// access (a settle sample visited every connection's write queue: 10,000 in `users-10k`, a cache miss each).
struct LoopLocal<Value>: ~Copyable {
    private var stored: Value

    init(_ value: Value) { stored = value }

    /// A copy of the whole value: for small values. To read a part of a larger one, ``read(_:)`` copies only the part.
    var value: Value {
        get { stored }
        set { stored = newValue }
    }

    /// What `body` reads of the value, without copying the rest (a copy of a struct retains everything it holds).
    func read<Result>(_ body: (borrowing Value) -> Result) -> Result { body(stored) }

    @discardableResult
    mutating func update<Result>(_ body: (inout Value) -> Result) -> Result { body(&stored) }
}
