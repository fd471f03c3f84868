import Testing
import TandemCore
import TandemRuntime
@testable import TandemSim

/// The clients' shared decoder of text operations: always the answer decoding gives, decoding once per array.
struct TextOperationCacheTests {
    /// ot.js JSON: retains, inserts and deletes in any order; one in ten has an element decoding refuses.
    private static func randomJSON(using random: inout SplitMix64) -> JSONValue {
        let count = Int.random(in: 1...6, using: &random)
        var elements: [JSONValue] = (0..<count).map { _ in
            switch Int.random(in: 0..<3, using: &random) {
            case 0: .number(Double(Int.random(in: 1...40, using: &random)))
            case 1: .string(String(repeating: "é", count: Int.random(in: 1...5, using: &random)))
            default: .number(Double(-Int.random(in: 1...40, using: &random)))
            }
        }
        if Int.random(in: 0..<10, using: &random) == 0 {
            elements[Int.random(in: 0..<count, using: &random)] = Bool.random(using: &random) ? .number(0) : .bool(true)
        }
        return .array(elements)
    }

    private static func decoded(_ decode: () throws(TextOperationError) -> TextOperation) -> Result<TextOperation, TextOperationError> {
        do throws(TextOperationError) { return .success(try decode()) } catch { return .failure(error) }
    }

    @Test func answersAsDecodingDoesAndDecodesARepeatedArrayOnce() {
        var random = SplitMix64(seed: 13)
        let cache = TextOperationCache()
        var live: [JSONValue] = []
        var repeats = 0
        for _ in 0..<2_000 {
            // Mostly a fresh array (arrays are dropped as they go, so buffers are freed and their addresses reused),
            // sometimes one asked for before: the same buffer again, as a fan-out hands it to the next client.
            let json: JSONValue
            if !live.isEmpty, Int.random(in: 0..<3, using: &random) == 0 {
                json = live[Int.random(in: 0..<live.count, using: &random)]
                repeats += 1
            } else {
                json = Self.randomJSON(using: &random)
                live.append(json)
                if live.count > 8 { live.removeFirst() }
            }
            let expected = Self.decoded { () throws(TextOperationError) in try TextOperation(json: json) }
            let answered = Self.decoded { () throws(TextOperationError) in try cache.operation(json) }
            #expect(answered == expected, "\(json)")
        }
        // A repeat hits while its slot still holds it (a fresh array evicts whichever it maps to): most do; where
        // addresses fall is the allocator's, so the bound is loose.
        #expect(cache.hitCount > repeats / 4 && cache.hitCount <= repeats, "\(cache.hitCount) hits of \(repeats) repeats")
    }

    @Test func anEqualArrayBuiltApartIsDecodedOnItsOwn() throws {
        let cache = TextOperationCache()
        let parts: [JSONValue] = [.number(3), .string("ab"), .number(-2)]
        let first = JSONValue.array(parts.map { $0 })
        _ = try cache.operation(first)
        #expect(try cache.operation(first) == TextOperation(json: first))
        #expect(cache.hitCount == 1)
        // The same values in a buffer of their own: no address in common, so decoded, to the same operation.
        let second = JSONValue.array(parts.map { $0 })
        #expect(try cache.operation(second) == TextOperation(json: second))
        #expect(cache.hitCount == 1)
        // Not an array, or an empty one: decoding answers (and refuses) as it always does.
        #expect(throws: TextOperationError.self) { try cache.operation(.string("no")) }
        #expect(try cache.operation(.array([])) == TextOperation(json: .array([])))
        #expect(cache.hitCount == 1)
    }
}
