import TandemRuntime
import Testing

@Suite struct TraceHasherTests {
    @Test func anEmptyTraceHashesToTheFnvOffsetBasis() {
        let trace = TraceHasher()
        #expect(trace.hash == 0xCBF2_9CE4_8422_2325)
        #expect(trace.hashHex == "cbf29ce484222325")
        #expect(TraceHasher.hex(0xAB) == "00000000000000ab")
    }

    @Test func theSameEventsGiveTheSameHashAndOrderMatters() {
        var first = TraceHasher()
        var second = TraceHasher()
        var swapped = TraceHasher()
        first.add(timeNanos: 1, kind: 2, from: 3, to: 4, payload: 5)
        first.add(timeNanos: 6, kind: 7, from: -1, to: 8, payload: 9)
        second.add(timeNanos: 1, kind: 2, from: 3, to: 4, payload: 5)
        second.add(timeNanos: 6, kind: 7, from: -1, to: 8, payload: 9)
        swapped.add(timeNanos: 6, kind: 7, from: -1, to: 8, payload: 9)
        swapped.add(timeNanos: 1, kind: 2, from: 3, to: 4, payload: 5)
        #expect(first.hash == second.hash)
        #expect(first.hash != swapped.hash)
        #expect(first.eventCount == 2 && first.eventCount(ofKind: 2) == 1 && first.eventCount(ofKind: 7) == 1)
    }

    @Test func bytePayloadsSplitDifferentlyHashDifferently() {
        var first = TraceHasher()
        var second = TraceHasher()
        first.add(timeNanos: 0, kind: 1, from: 0, to: 0, bytes: Array("ab".utf8))
        first.add(timeNanos: 0, kind: 1, from: 0, to: 0, bytes: Array("c".utf8))
        second.add(timeNanos: 0, kind: 1, from: 0, to: 0, bytes: Array("a".utf8))
        second.add(timeNanos: 0, kind: 1, from: 0, to: 0, bytes: Array("bc".utf8))
        #expect(first.hash != second.hash)
    }

    @Test func itRetainsOnlyTheFirstEventsAskedFor() {
        var trace = TraceHasher(retainedEventCountMax: 2)
        for time in 0..<5 { trace.add(timeNanos: Int64(time), kind: 1, from: 0, to: 0) }
        #expect(trace.retainedEvents.map(\.timeNanos) == [0, 1])
        #expect(trace.eventCount == 5)
    }
}
