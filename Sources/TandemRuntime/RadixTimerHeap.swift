/// The simulator's timer entries, smallest (deadline, order) first: a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan,
/// 1990), for a queue whose deadlines never go below the one it last handed out — virtual time only moves forward,
/// and `SimExecutor` registers no timer before now.
///
/// Bucket 0 holds the entries whose deadline equals the last minimum's (`last`); bucket `b` (1...64) those whose
/// deadline first differs from `last` in bit `b - 1`. A new entry goes straight into its bucket; when bucket 0 runs
/// out, the lowest non-empty bucket's smallest deadline becomes `last` and its entries move down to the buckets they
/// now belong in (each only ever moves down, so at most 64 times). Against the four-ary heap it replaced: no
/// sift through a tree of tens of thousands of entries per timer (a pop of `users-10k`'s 20,000-timer heap walked
/// seven levels, 570 instructions, 7 % of the run; docs/BENCHMARKS.md).
///
/// The order is exactly the heap's: deadline, then `order` (registration). Bucket 0 is kept in `order`: when it is
/// refilled its few entries (most often one) are sorted, and an entry added to it later was registered after all
/// of them. A stop short of the next deadline (`SimExecutor.run(untilNanos:)`) can leave `last` ahead of the time
/// the next timer is registered at: then every entry is put in its bucket again below the new one (rare: tests step
/// the loop so; a simulation runs it until idle).
///
/// Buffers of its own, not arrays: an append to an array of arrays checks both for uniqueness. Loop-thread only, as
/// the executor's timers are.
final class RadixTimerHeap {
    typealias Entry = SimTimerQueue.Entry

    private struct Bucket {
        var entries: UnsafeMutablePointer<Entry>?
        var count = 0
        var capacity = 0
    }

    private static let bucketCount = 65
    private let buckets: UnsafeMutablePointer<Bucket>
    /// Bucket 0's entries before this index have been handed out.
    private var taken = 0
    /// The last minimum's deadline, as an unsigned key (`key(_:)`).
    private var last: UInt64 = 0
    /// Bit `b - 1` set while bucket `b` (1...64) holds entries.
    private var occupied: UInt64 = 0
    private(set) var count = 0

    init() {
        buckets = .allocate(capacity: Self.bucketCount)
        buckets.initialize(repeating: Bucket(), count: Self.bucketCount)
    }

    deinit {
        for index in 0..<Self.bucketCount { buckets[index].entries?.deallocate() }
        buckets.deinitialize(count: Self.bucketCount)
        buckets.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    /// The deadline's bits, ordered as the deadline (the sign bit flipped).
    private static func key(_ entry: Entry) -> UInt64 {
        UInt64(bitPattern: entry.deadlineNanos) ^ (1 << 63)
    }

    private func bucket(of key: UInt64) -> Int {
        key == last ? 0 : 64 - (key ^ last).leadingZeroBitCount
    }

    func push(_ entry: Entry) {
        let key = Self.key(entry)
        if key < last { lower(to: key) }
        append(entry, to: bucket(of: key))
        count += 1
    }

    /// The smallest entry, without removing it (it may move entries between buckets).
    func min() -> Entry? {
        guard refill() else { return nil }
        return buckets[0].entries![taken]
    }

    /// Removes and returns the smallest entry.
    func pop() -> Entry? {
        guard refill() else { return nil }
        let entry = buckets[0].entries![taken]
        taken += 1
        count -= 1
        return entry
    }

    private func append(_ entry: Entry, to index: Int) {
        if buckets[index].count == buckets[index].capacity { grow(index) }
        buckets[index].entries![buckets[index].count] = entry
        buckets[index].count += 1
        if index > 0 { occupied |= 1 << UInt64(index - 1) }
    }

    private func grow(_ index: Int) {
        let old = buckets[index]
        let capacity = Swift.max(16, old.capacity * 2)
        let entries = UnsafeMutablePointer<Entry>.allocate(capacity: capacity)
        if let previous = old.entries {
            entries.moveInitialize(from: previous, count: old.count)
            previous.deallocate()
        }
        buckets[index].entries = entries
        buckets[index].capacity = capacity
    }

    /// Makes bucket 0 hold the smallest entry at `taken`; false when there is none.
    private func refill() -> Bool {
        if taken < buckets[0].count { return true }
        buckets[0].count = 0
        taken = 0
        guard occupied != 0 else { return false }
        let source = occupied.trailingZeroBitCount + 1
        let entries = buckets[source].entries!
        let moving = buckets[source].count
        buckets[source].count = 0
        occupied &= ~(1 << UInt64(source - 1))
        if moving == 1 {
            // (Most refills: the lowest bucket holds one timer, which is the next.)
            last = Self.key(entries[0])
            append(entries[0], to: 0)
            return true
        }
        var smallest = Self.key(entries[0])
        for position in 1..<moving { smallest = Swift.min(smallest, Self.key(entries[position])) }
        last = smallest
        // Every entry moves to a lower bucket (its key agrees with the new `last` above bit `source - 1`).
        for position in 0..<moving { append(entries[position], to: bucket(of: Self.key(entries[position]))) }
        if buckets[0].count > 1 { sortBucketZero() }
        return true
    }

    /// Bucket 0's entries by `order` (insertion sort: it holds one entry but for deadlines shared by several timers).
    private func sortBucketZero() {
        let entries = buckets[0].entries!
        let count = buckets[0].count
        for position in 1..<count {
            let entry = entries[position]
            var hole = position
            while hole > 0, entry.order < entries[hole - 1].order {
                entries[hole] = entries[hole - 1]
                hole -= 1
            }
            entries[hole] = entry
        }
    }

    /// A deadline below `last` (after a stop short of the next timer): every entry goes into its bucket below `key`.
    private func lower(to key: UInt64) {
        var all: [Entry] = []
        all.reserveCapacity(count)
        for index in 0..<Self.bucketCount {
            let start = index == 0 ? taken : 0
            if let entries = buckets[index].entries, buckets[index].count > start {
                all.append(contentsOf: UnsafeBufferPointer(start: entries + start, count: buckets[index].count - start))
            }
            buckets[index].count = 0
        }
        taken = 0
        occupied = 0
        last = key
        for entry in all { append(entry, to: bucket(of: Self.key(entry))) }
    }
}
