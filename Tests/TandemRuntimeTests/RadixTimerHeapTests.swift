@testable import TandemRuntime
import Testing

/// The radix heap hands out exactly the order of (deadline, registration): checked against a plain sorted model
/// over random interleavings of pushes, peeks and pops, with ties, far deadlines and stops short of the next timer.
@Suite struct RadixTimerHeapTests {
    typealias Entry = SimTimerQueue.Entry

    /// The model: the smallest (deadline, order) of what is left.
    struct Model {
        var entries: [Entry] = []
        mutating func pop() -> Entry? {
            guard let index = entries.indices.min(by: { entries[$0] < entries[$1] }) else { return nil }
            return entries.remove(at: index)
        }
        func min() -> Entry? { entries.min() }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func itHandsOutWhatASortedModelDoes(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let heap = RadixTimerHeap()
        var model = Model()
        var sequence: UInt64 = 1
        var now: Int64 = 0  // the last deadline handed out: no timer is registered before it
        var handedOut = 0
        for _ in 0..<20_000 {
            switch random.bounded(10) {
            case 0...4:
                // Ties (the same instant, a few shared deadlines), near deadlines and far ones (up to ~17 minutes).
                let offset: Int64 = switch random.bounded(4) {
                case 0: 0
                case 1: Int64(random.bounded(4)) * 1_000
                case 2: Int64(random.bounded(80_000_000))
                default: Int64(random.bounded(1 << 40))
                }
                let entry = Entry(deadlineNanos: now + offset, sequence: sequence, slot: Int(sequence % 1_000))
                sequence += 1
                heap.push(entry)
                model.entries.append(entry)
            case 5:
                // A stop short of the next timer: the heap looked at it, then a timer is registered before it.
                #expect(heap.min() == model.min())
                if let next = model.min(), next.deadlineNanos > now {
                    let entry = Entry(deadlineNanos: now + Int64(random.bounded(Int(next.deadlineNanos - now))),
                                      sequence: sequence, slot: 0)
                    sequence += 1
                    heap.push(entry)
                    model.entries.append(entry)
                }
            default:
                let expected = model.pop()
                let got = heap.pop()
                #expect(got == expected && got?.order == expected?.order)
                guard let got, got.order == expected?.order else { return }
                now = got.deadlineNanos
                handedOut += 1
            }
            #expect(heap.count == model.entries.count)
        }
        while let expected = model.pop() {
            let got = heap.pop()
            #expect(got?.order == expected.order && got?.deadlineNanos == expected.deadlineNanos)
            if got?.order != expected.order { return }
            handedOut += 1
        }
        #expect(heap.pop() == nil && heap.isEmpty)
        #expect(handedOut > 10_000)
    }

    @Test func entriesOfOneDeadlineComeOutInRegistrationOrderWhateverTheOrderTheyMovedIn() {
        let heap = RadixTimerHeap()
        // Registered out of deadline order, so that the two at 1,000 reach bucket 0 from different buckets' moves.
        let entries = [
            Entry(deadlineNanos: 5_000, sequence: 1, slot: 1), Entry(deadlineNanos: 1_000, sequence: 2, slot: 2),
            Entry(deadlineNanos: 3_000, sequence: 3, slot: 3), Entry(deadlineNanos: 1_000, sequence: 4, slot: 4),
        ]
        for entry in entries.reversed() { heap.push(entry) }  // sequence 4 before 2 in the buckets
        #expect(heap.pop()?.sequence == 2)
        heap.push(Entry(deadlineNanos: 1_000, sequence: 5, slot: 5))  // at the current instant: after 4
        #expect((0..<4).compactMap { _ in heap.pop()?.sequence } == [4, 5, 3, 1])
    }
}
