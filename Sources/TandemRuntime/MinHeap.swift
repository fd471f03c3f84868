/// A min-heap (four children per node) of `Comparable` values: the timer queue of `BareEventLoop` (the yardstick the
/// simulator's speed is given against, kept as it was; the simulator's own queue is `RadixTimerHeap`).
///
/// Every member is `@inlinable` so that clients in other modules get a specialised copy; without it a
/// generic heap across a module boundary ran about five times slower in the spike.
/// Equal elements come out in no particular order: give elements a sequence number to break ties.
public struct MinHeap<Element: Comparable> {
    @usableFromInline
    var storage: [Element] = []

    @inlinable
    public init() {}

    @inlinable
    public var isEmpty: Bool { storage.isEmpty }

    @inlinable
    public var count: Int { storage.count }

    /// The smallest element, without removing it.
    @inlinable
    public var min: Element? { storage.first }

    @inlinable
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        storage.reserveCapacity(minimumCapacity)
    }

    @inlinable
    public mutating func push(_ element: Element) {
        storage.append(element)
        storage.withUnsafeMutableBufferPointer { heap in
            // The new element rises through a hole: each parent it passes moves down once (no swaps).
            var hole = heap.count - 1
            while hole > 0 {
                let parent = (hole - 1) / Self.arity
                guard element < heap[parent] else { break }
                heap[hole] = heap[parent]
                hole = parent
            }
            heap[hole] = element
        }
    }

    /// Removes and returns the smallest element.
    @inlinable
    @discardableResult
    public mutating func pop() -> Element? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        let top = storage[0]
        siftDown(last, from: 0)
        return top
    }

    /// Children per node. Four halves the depth of a binary heap, and a node's children share a cache line or two:
    /// the simulator's timer queue (thousands of timers, one pop per timer; a heap then) spent 3.6 % of
    /// `scale-1000x10`'s instructions in the binary heap's sift. The order elements come out in is the order of `<`
    /// either way.
    @usableFromInline
    static var arity: Int { 4 }

    /// Puts `element` at `start` and lets it sink through a hole to where it belongs.
    @inlinable
    mutating func siftDown(_ element: Element, from start: Int) {
        storage.withUnsafeMutableBufferPointer { heap in
            let count = heap.count
            var hole = start
            while true {
                let first = Self.arity * hole + 1
                guard first < count else { break }
                let end = Swift.min(first + Self.arity, count)
                var smallest = first
                var child = first + 1
                while child < end {
                    if heap[child] < heap[smallest] { smallest = child }
                    child += 1
                }
                guard heap[smallest] < element else { break }
                heap[hole] = heap[smallest]
                hole = smallest
            }
            heap[hole] = element
        }
    }
}

extension MinHeap: Sendable where Element: Sendable {}
