/// A binary min-heap of `Comparable` values: the timer queue of the simulator and of `BareEventLoop`.
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
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard storage[child] < storage[parent] else { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the smallest element.
    @inlinable
    @discardableResult
    public mutating func pop() -> Element? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        let top = storage[0]
        storage[0] = last
        siftDown(from: 0)
        return top
    }

    @inlinable
    mutating func siftDown(from start: Int) {
        let count = storage.count
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < count && storage[left] < storage[smallest] { smallest = left }
            if right < count && storage[right] < storage[smallest] { smallest = right }
            if smallest == parent { return }
            storage.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

extension MinHeap: Sendable where Element: Sendable {}
