import TandemRuntime
import Testing

@Suite struct BareEventLoopTests {
    @Test func minHeapPopsInAscendingOrder() {
        var heap = MinHeap<Int>()
        var generator = SplitMix64(seed: 3)
        let values = (0..<200).map { _ in generator.bounded(50) }
        for value in values { heap.push(value) }
        var popped: [Int] = []
        while let value = heap.pop() { popped.append(value) }
        #expect(popped == values.sorted())
        #expect(heap.isEmpty && heap.min == nil)
    }

    /// Pushes and pops interleaved, with many duplicates and elements that hold references: the heap must give them
    /// back in ascending order and keep every element alive exactly as long as it holds it.
    @Test func minHeapInterleavedPushAndPopKeepsOrderAndReferences() {
        final class Box: Comparable {
            let value: Int
            init(_ value: Int) { self.value = value }
            static func < (lhs: Box, rhs: Box) -> Bool { lhs.value < rhs.value }
            static func == (lhs: Box, rhs: Box) -> Bool { lhs.value == rhs.value }
        }
        var heap = MinHeap<Box>()
        var reference: [Int] = []
        var generator = SplitMix64(seed: 11)
        weak var firstBox: Box?
        for round in 0..<2_000 {
            if generator.bounded(3) == 0, let expected = reference.min() {
                #expect(heap.pop()?.value == expected)
                reference.remove(at: reference.firstIndex(of: expected)!)
            } else {
                let box = Box(generator.bounded(100))
                if round == 0 { firstBox = box }
                heap.push(box)
                reference.append(box.value)
            }
            #expect(heap.count == reference.count && heap.min?.value == reference.min())
        }
        for expected in reference.sorted() { #expect(heap.pop()?.value == expected) }
        #expect(heap.pop() == nil && heap.isEmpty)
        #expect(firstBox == nil)
    }

    @Test func eventsAtTheSameTimeRunInSchedulingOrder() {
        let loop = BareEventLoop()
        var order: [Int] = []
        for id in [2, 0, 1] { loop.schedule(atNanos: 10) { order.append(id) } }
        loop.schedule(atNanos: 5) { order.append(9) }
        #expect(loop.run(untilNanos: 7) == 1)
        #expect(order == [9] && loop.pendingEventCount == 3)
        loop.run()
        #expect(order == [9, 2, 0, 1])
        #expect(loop.nowNanos == 10 && loop.eventCount == 4)
    }

    @Test func theEventLimitStopsARunawayLoop() {
        let loop = BareEventLoop(eventCountMax: 100)
        func again() { loop.schedule(afterNanos: 1) { again() } }
        again()
        #expect(loop.run() == 100)
    }
}
