import TandemRuntime
import Testing

@Suite struct SplitMix64Tests {
    @Test func seedZeroGivesTheReferenceSplitMix64Stream() {
        var generator = SplitMix64(seed: 0)
        #expect([generator.next(), generator.next(), generator.next()]
            == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    @Test func boundedStaysInRangeAndCoversIt() {
        var generator = SplitMix64(seed: 1)
        var seen = Set<Int>()
        for _ in 0..<1_000 {
            let value = generator.bounded(10)
            #expect((0..<10).contains(value))
            seen.insert(value)
        }
        #expect(seen.count == 10)
        #expect(generator.bounded(1) == 0)
    }

    @Test func nextDoubleIsInTheHalfOpenUnitInterval() {
        var generator = SplitMix64(seed: 2)
        var sum = 0.0
        for _ in 0..<10_000 {
            let value = generator.nextDouble()
            #expect(value >= 0 && value < 1)
            sum += value
        }
        #expect(abs(sum / 10_000 - 0.5) < 0.02)
    }

    @Test func derivedStreamsAreReproducibleAndDistinct() {
        var first = SplitMix64.derive(seed: 42, stream: 1)
        var again = SplitMix64.derive(seed: 42, stream: 1)
        var other = SplitMix64.derive(seed: 42, stream: 2)
        let firstDraws = (0..<4).map { _ in first.next() }
        #expect(firstDraws == (0..<4).map { _ in again.next() })
        #expect(firstDraws != (0..<4).map { _ in other.next() })
    }
}
