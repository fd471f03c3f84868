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
