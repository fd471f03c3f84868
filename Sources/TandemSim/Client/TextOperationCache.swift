import Synchronization
import TandemCore

/// Text operations already decoded from their JSON, shared by the clients of one run.
///
/// A committed text change reaches the clients of one node as the same JSON array: a node encodes the change's
/// operation once per message (`Messages.modelChanged`), and in the simulator a fan-out shares that message's values
/// (``ModelChanged`` keeps them in one shared box), so one array buffer reaches every client of the record on that
/// node, and each decoded it again (about 700 instructions and an allocation per delivery, 2–3 % of a simulation's
/// instructions; docs/BENCHMARKS.md, *Simulator*). Here an array is recognised by the address of its buffer, and
/// decoded once per node's message.
///
/// Why the address is a safe key: a slot holds the array it was decoded from, so that buffer stays allocated while
/// the slot names it, and no other array can have its address meanwhile. A JSON array that was decoded separately
/// (a live run's frames, `--wire`) has a buffer of its own and simply misses. Direct-mapped: a miss replaces the
/// slot's entry; the answer is always what decoding would give, only the work differs. 1,024 slots: the fan-outs of
/// many changes interleave (with 16, `scale-1000x10` decoded 59 % of its deliveries; with 1,024, 21 %, near the
/// floor of one decode per node's message: 16 % there, at about six receivers per node).
public final class TextOperationCache: Sendable {
    private struct Entry {
        /// Kept so that its buffer, and so its address, stays taken while the entry names it.
        var elements: [JSONValue]
        var operation: TextOperation
    }

    private struct State {
        var slots = [Entry?](repeating: nil, count: TextOperationCache.slotCount)
        var hits = 0
    }

    private static let slotCount = 1024
    private let state = Mutex(State())

    public init() {}

    /// Answers given from a slot, not decoded.
    var hitCount: Int { state.withLock { $0.hits } }

    /// `TextOperation(json: json)`, decoded once per JSON array buffer while it stays in its slot.
    public func operation(_ json: JSONValue) throws(TextOperationError) -> TextOperation {
        guard case .array(let elements) = json, !elements.isEmpty else { return try TextOperation(json: json) }
        let address = elements.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        // Buffers are 16-byte aligned: the bits above those pick the slot.
        let slot = Int((address >> 4) % UInt(Self.slotCount))
        let cached = state.withLock { state -> TextOperation? in
            guard let entry = state.slots[slot],
                  entry.elements.withUnsafeBufferPointer({ UInt(bitPattern: $0.baseAddress) }) == address
            else { return nil }
            state.hits += 1
            return entry.operation
        }
        if let cached { return cached }
        let operation = try TextOperation(json: json)
        state.withLock { $0.slots[slot] = Entry(elements: elements, operation: operation) }
        return operation
    }
}
