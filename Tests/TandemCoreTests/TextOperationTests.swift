import TandemCore
import Testing

/// ot.js's test/lib/test-text-operation.js, case by case, plus the protocol's worked example.
@Suite struct TextOperationTests {
    @Test func newOperationIsEmpty() {
        let operation = TextOperation()
        #expect(operation.components.isEmpty)
        #expect(operation == TextOperation([]))
    }

    @Test func lengthsCountRetainsInsertsAndDeletes() {
        var operation = TextOperation()
        #expect(operation.baseLength == 0 && operation.targetLength == 0)
        operation.retain(5)
        #expect(operation.baseLength == 5 && operation.targetLength == 5)
        operation.insert("abc")
        #expect(operation.baseLength == 5 && operation.targetLength == 8)
        operation.retain(2)
        #expect(operation.baseLength == 7 && operation.targetLength == 10)
        operation.delete(2)
        #expect(operation.baseLength == 9 && operation.targetLength == 10)
    }

    @Test func lengthsCountUTF16CodeUnits() {
        let operation = TextOperation().retaining(2).inserting("😀é👨‍👩‍👧").deleting("🇫🇷")
        #expect(operation.baseLength == 6)
        #expect(operation.targetLength == 2 + 2 + 1 + 8)
    }

    @Test func chainingSkipsEmptyComponents() {
        let operation = TextOperation()
            .retaining(5)
            .retaining(0)
            .inserting("lorem")
            .inserting("")
            .deleting("abc")
            .deleting(3)
            .deleting(0)
            .deleting("")
        #expect(operation.components == [.retain(5), .insert("lorem"), .delete(6)])
    }

    @Test func emptyComponentsAreDropped() {
        var operation = TextOperation()
        operation.retain(0)
        operation.insert("")
        operation.delete("")
        #expect(operation.components.isEmpty)
    }

    @Test func equalOperationsAreEqualWhateverTheBuildOrder() {
        var first = TextOperation().deleting(1).inserting("lo").retaining(2).retaining(3)
        var second = TextOperation().deleting(-1).inserting("l").inserting("o").retaining(5)
        #expect(first == second)
        #expect(first.components == [.insert("lo"), .delete(1), .retain(5)])
        first.delete(1)
        second.retain(1)
        #expect(first != second)
    }

    @Test func adjacentComponentsOfOneKindMerge() {
        var operation = TextOperation()
        operation.retain(2)
        #expect(operation.components == [.retain(2)])
        operation.retain(3)
        #expect(operation.components == [.retain(5)])
        operation.insert("abc")
        #expect(operation.components == [.retain(5), .insert("abc")])
        operation.insert("xyz")
        #expect(operation.components == [.retain(5), .insert("abcxyz")])
        operation.delete("d")
        #expect(operation.components == [.retain(5), .insert("abcxyz"), .delete(1)])
        operation.delete("d")
        #expect(operation.components == [.retain(5), .insert("abcxyz"), .delete(2)])
    }

    @Test func insertAfterDeleteGoesBeforeIt() throws {
        var operation = TextOperation().retaining(1).deleting(2)
        operation.insert("x")
        #expect(operation.components == [.retain(1), .insert("x"), .delete(2)])
        operation.insert("y")
        #expect(operation.components == [.retain(1), .insert("xy"), .delete(2)])
        #expect(try operation.apply(to: "abc") == "axy")
    }

    @Test func initFromComponentsNormalises() {
        let operation = TextOperation([.retain(1), .retain(2), .delete(1), .insert("a"), .insert(""), .delete(2)])
        #expect(operation.components == [.retain(3), .insert("a"), .delete(3)])
    }

    @Test func onlyRetainsAreNoops() {
        var operation = TextOperation()
        #expect(operation.isNoop)
        operation.retain(5)
        #expect(operation.isNoop)
        operation.retain(3)
        #expect(operation.isNoop)
        operation.insert("lorem")
        #expect(!operation.isNoop)
        #expect(!TextOperation().deleting(1).isNoop)
    }

    @Test func descriptionReadsLikeOtJsToString() {
        let operation = TextOperation().retaining(2).inserting("lorem").deleting("ipsum").retaining(5)
        #expect(operation.description == "retain 2, insert 'lorem', delete 5, retain 5")
    }

    @Test func applyRetainsInsertsAndDeletes() throws {
        let operation = TextOperation().retaining(6).deleting(5).inserting("there").retaining(1)
        #expect(try operation.apply(to: "Hello world!") == "Hello there!")
    }

    @Test func applyRejectsTextOfTheWrongLength() {
        let operation = TextOperation().retaining(3)
        #expect(throws: TextOperationError.self) { try operation.apply(to: "ab") }
        #expect(throws: TextOperationError.self) { try operation.apply(to: "abcd") }
        // Three characters, but four UTF-16 code units.
        #expect(throws: TextOperationError.self) { try operation.apply(to: "ab😀") }
    }

    @Test func invertUndoesAnOperation() throws {
        let base = "Hello 😀 world"
        let operation = TextOperation().retaining(6).deleting(2).inserting("👋🏽").retaining(6)
        let inverse = try operation.invert(base: base)
        #expect(inverse.components == [.retain(6), .insert("😀"), .delete(4), .retain(6)])
        #expect(try inverse.apply(to: operation.apply(to: base)) == base)
    }

    @Test func shouldBeComposedWithGroupsTypingAndBackspacing() {
        var a = TextOperation().retaining(3)
        var b = TextOperation().retaining(1).inserting("tag").retaining(2)
        #expect(a.shouldBeComposedWith(b))
        #expect(b.shouldBeComposedWith(a))

        a = TextOperation().retaining(1).inserting("a").retaining(2)
        b = TextOperation().retaining(2).inserting("b").retaining(2)
        #expect(a.shouldBeComposedWith(b))
        a.delete(3)
        #expect(!a.shouldBeComposedWith(b))

        a = TextOperation().retaining(1).inserting("b").retaining(2)
        b = TextOperation().retaining(1).inserting("a").retaining(3)
        #expect(!a.shouldBeComposedWith(b))

        a = TextOperation().retaining(4).deleting(3).retaining(10)
        b = TextOperation().retaining(2).deleting(2).retaining(10)
        #expect(a.shouldBeComposedWith(b))
        b = TextOperation().retaining(4).deleting(7).retaining(3)
        #expect(a.shouldBeComposedWith(b))
        b = TextOperation().retaining(2).deleting(9).retaining(3)
        #expect(!a.shouldBeComposedWith(b))
    }

    @Test func composeChainsTwoEdits() throws {
        let first = TextOperation().retaining(5).inserting(" beautiful").retaining(6)
        let second = TextOperation().retaining(21).inserting("!")
        let composed = try first.compose(second)
        #expect(composed.components == [.retain(5), .insert(" beautiful"), .retain(6), .insert("!")])
        #expect(try composed.apply(to: "Hello world") == "Hello beautiful world!")
    }

    @Test func composeRejectsOperationsThatDoNotFollowEachOther() {
        let first = TextOperation().retaining(3).inserting("x")
        #expect(throws: TextOperationError.self) { try first.compose(TextOperation().retaining(3)) }
        #expect(throws: TextOperationError.self) { try first.compose(TextOperation().retaining(5)) }
    }

    @Test func transformRejectsOperationsOnDifferentTexts() {
        #expect(throws: TextOperationError.self) {
            try TextOperation.transform(TextOperation().retaining(3), TextOperation().retaining(4))
        }
    }

    @Test func transformPutsTheFirstOperationsInsertFirstAtEqualPositions() throws {
        let a = TextOperation().retaining(1).inserting("A").retaining(1)
        let b = TextOperation().retaining(1).inserting("B").retaining(1)
        let (aPrime, bPrime) = try TextOperation.transform(a, b)
        #expect(try bPrime.apply(to: a.apply(to: "xy")) == "xABy")
        #expect(try aPrime.apply(to: b.apply(to: "xy")) == "xABy")
    }

    @Test func transformOfOverlappingDeletesDeletesOnce() throws {
        let a = TextOperation().retaining(1).deleting(3).retaining(2)
        let b = TextOperation().retaining(2).deleting(3).retaining(1)
        let (aPrime, bPrime) = try TextOperation.transform(a, b)
        #expect(aPrime.components == [.retain(1), .delete(1), .retain(1)])
        #expect(bPrime.components == [.retain(1), .delete(1), .retain(1)])
        #expect(try bPrime.apply(to: a.apply(to: "abcdef")) == "af")
    }

    @Test func workedExampleConvergesWhateverTheArrivalOrder() throws {
        let base = "Hello world"
        let a = try TextOperation(json: [5, " beautiful", 6])
        let b = try TextOperation(json: [11, "!"])
        let (aPrime, bPrime) = try TextOperation.transform(a, b)
        #expect(try bPrime.apply(to: a.apply(to: base)) == "Hello beautiful world!")
        #expect(try aPrime.apply(to: b.apply(to: base)) == "Hello beautiful world!")
        // The server transforms the later arrival, as `a`, against what was committed since its base.
        let (bAfterA, _) = try TextOperation.transform(b, a)
        #expect(bAfterA.json == [21, "!"])
        #expect(aPrime.json == [5, " beautiful", 7])
    }

    @Test func transformIndexShiftsCursorsPastEdits() {
        let operation = TextOperation().retaining(2).inserting("xyz").retaining(2).deleting(3).retaining(1)
        #expect(operation.transformIndex(0) == 0)
        #expect(operation.transformIndex(2) == 5, "an insert at the cursor pushes it right")
        #expect(operation.transformIndex(4) == 7)
        #expect(operation.transformIndex(5) == 7, "a cursor inside a deleted range goes to its start")
        #expect(operation.transformIndex(7) == 7)
        #expect(operation.transformIndex(8) == 8)
        #expect(operation.transformIndex(99) == 8, "an index past the end is clamped")
        #expect(operation.transformIndex(-4) == 0, "a negative index is clamped")
    }
}
