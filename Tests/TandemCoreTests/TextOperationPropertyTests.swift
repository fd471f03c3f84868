import PropertyBased
import TandemCore
import Testing

/// The laws of OT over random Unicode texts and random scalar-boundary operations, 1,000 cases each.
@Suite struct TextOperationPropertyTests {
    static let caseCount = 1000

    @Test func applyProducesTheTargetLength() async {
        await propertyCheck(count: Self.caseCount, input: TextWithOperation.generator) { sample throws in
            #expect(sample.operation.baseLength == sample.text.utf16.count)
            let result = try sample.operation.apply(to: sample.text)
            #expect(result.utf16.count == sample.operation.targetLength)
        }
    }

    /// The in-place apply (on a text held once, edited where it lies) against a reference that rebuilds the text
    /// from UTF-16 code units, component by component as ot.js does.
    /// (On Unicode texts, and on ASCII texts, whose edits `apply` finds without indexing the text.)
    @Test(arguments: [false, true])
    func applyInPlaceMatchesAUTF16Reference(asciiTexts: Bool) async {
        let texts = asciiTexts ? TextWithOperation.asciiGenerator : TextWithOperation.generator
        await propertyCheck(count: Self.caseCount, input: texts) { sample throws in
            var units = Array(sample.text.utf16)[...]
            var expected: [UInt16] = []
            for component in sample.operation.components {
                switch component {
                case .retain(let count):
                    expected += units.prefix(count)
                    units = units.dropFirst(count)
                case .insert(let text): expected += Array(text.utf16)
                case .delete(let count): units = units.dropFirst(count)
                }
            }
            var text = String(sample.text.unicodeScalars)  // a buffer of its own, so the edit is in place
            try sample.operation.apply(to: &text)
            #expect(Array(text.utf16) == expected)
        }
    }

    @Test func aFailedApplyInPlaceLeavesTheTextAsItWas() throws {
        var text = "héllo wörld"
        let wrongLength = TextOperation().retaining(3).inserting("x").deleting(2)
        #expect(throws: TextOperationError.self) { try wrongLength.apply(to: &text) }
        #expect(text == "héllo wörld")
        // 😀 is a surrogate pair in UTF-16: an insert is already collected when the delete cuts the pair in half.
        var pair = "a\u{1F600}b"
        let split = TextOperation().retaining(1).inserting("x").deleting(1).retaining(2)
        #expect(split.baseLength == pair.utf16.count)
        #expect(throws: TextOperationError.self) { try split.apply(to: &pair) }
        #expect(pair == "a\u{1F600}b")
        // The same on an ASCII text (whose edits are found without indexing it).
        var ascii = "hello world"
        #expect(throws: TextOperationError.self) { try wrongLength.apply(to: &ascii) }
        #expect(ascii == "hello world")
    }

    @Test func transformedOperationsConverge() async {
        await propertyCheck(count: Self.caseCount, input: TextWithTwoOperations.concurrent) { sample throws in
            let (a, b) = (sample.first, sample.second)
            let (aPrime, bPrime) = try TextOperation.transform(a, b)
            let viaA = try bPrime.apply(to: a.apply(to: sample.text))
            let viaB = try aPrime.apply(to: b.apply(to: sample.text))
            #expect(viaA == viaB)
            // ot.js's own form of TP1: both paths compose to the same operation.
            #expect(try a.compose(bPrime) == b.compose(aPrime))
        }
    }

    @Test func composeMatchesApplyingInTurn() async {
        await propertyCheck(count: Self.caseCount, input: TextWithTwoOperations.consecutive) { sample throws in
            let (a, b) = (sample.first, sample.second)
            let composed = try a.compose(b)
            #expect(composed.baseLength == a.baseLength)
            #expect(composed.targetLength == b.targetLength)
            #expect(try composed.apply(to: sample.text) == b.apply(to: a.apply(to: sample.text)))
        }
    }

    @Test func invertUndoes() async {
        await propertyCheck(count: Self.caseCount, input: TextWithOperation.generator) { sample throws in
            let inverse = try sample.operation.invert(base: sample.text)
            #expect(inverse.baseLength == sample.operation.targetLength)
            #expect(inverse.targetLength == sample.operation.baseLength)
            #expect(try inverse.apply(to: sample.operation.apply(to: sample.text)) == sample.text)
        }
    }

    @Test func jsonRoundTripsEveryOperation() async {
        await propertyCheck(count: Self.caseCount, input: TextWithOperation.generator) { sample throws in
            #expect(try TextOperation(json: sample.operation.json) == sample.operation)
        }
    }

    @Test func transformIndexStaysWithinTheTargetText() async {
        await propertyCheck(count: Self.caseCount, input: TextWithOperation.generator, Gen.int(in: -5...200)) {
            sample, index in
            let moved = sample.operation.transformIndex(index)
            #expect((0...sample.operation.targetLength).contains(moved))
            let clamped = min(max(index, 0), sample.operation.baseLength)
            #expect(moved >= sample.operation.transformIndex(clamped - 1), "cursors keep their order")
        }
    }

    @Test func diffTurnsAnyTextIntoAnyOther() async {
        let scalarTexts = Generator<[String], Shrink.None<[String]>> { rng in
            let old = RandomText.scalarText(maxScalarCount: 12, using: &rng)
            return [old, RandomText.scalarEdit(of: old, using: &rng)]
        }
        await propertyCheck(count: Self.caseCount, input: scalarTexts) { texts throws in
            let operation = TextOperation.diff(from: texts[0], to: texts[1])
            #expect(try operation.apply(to: texts[0]) == texts[1])
        }
    }

    @Test func diffRecoversAnEditedText() async {
        await propertyCheck(count: Self.caseCount, input: TextWithOperation.generator) { sample throws in
            let edited = try sample.operation.apply(to: sample.text)
            let operation = TextOperation.diff(from: sample.text, to: edited)
            #expect(try operation.apply(to: sample.text) == edited)
            #expect(operation.components.count <= 4)
        }
    }

    @Test func shouldBeComposedWithMirrorsItsInvertedForm() async {
        await propertyCheck(count: Self.caseCount, input: TextWithTwoOperations.consecutive) { sample throws in
            let (a, b) = (sample.first, sample.second)
            let aInverse = try a.invert(base: sample.text)
            let bInverse = try b.invert(base: a.apply(to: sample.text))
            #expect(a.shouldBeComposedWith(b) == bInverse.shouldBeComposedWithInverted(aInverse))
        }
    }
}
