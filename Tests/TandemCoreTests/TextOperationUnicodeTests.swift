import TandemCore
import Testing

/// UTF-16 positions and surrogate pairs: what a Swift node must agree on with a browser.
@Suite struct TextOperationUnicodeTests {
    @Test func applyCountsAstralCharactersAsTwoUnits() throws {
        let operation = try TextOperation(json: [2, "!", 1])
        #expect(try operation.apply(to: "😀a") == "😀!a")
    }

    @Test func applyRejectsARetainEndingInsideASurrogatePair() {
        let operation = try! TextOperation(json: [1, "x", 1])
        #expect(throws: TextOperationError(message: "The operation would split a surrogate pair.")) {
            try operation.apply(to: "😀")
        }
    }

    @Test func applyRejectsADeleteEndingInsideASurrogatePair() {
        #expect(throws: TextOperationError.self) { try TextOperation(json: [-1, 1]).apply(to: "😀") }
        #expect(throws: TextOperationError.self) { try TextOperation(json: [2, -1]).apply(to: "a😀") }
    }

    @Test func applyAcceptsCutsBetweenScalarsOfOneGrapheme() throws {
        // A cut inside a grapheme cluster (between "e" and its combining accent) is a valid UTF-16 cut.
        #expect(try TextOperation(json: [1, -1]).apply(to: "e\u{301}") == "e")
        // The family emoji is five scalars; keep the man and the woman.
        #expect(try TextOperation(json: [5, -3]).apply(to: "👨‍👩‍👧") == "👨\u{200D}👩")
    }

    @Test func invertRejectsABaseWhoseSurrogatePairTheDeleteWouldSplit() {
        #expect(throws: TextOperationError.self) { try TextOperation(json: [1, -1]).invert(base: "😀") }
    }

    @Test func composeRejectsCuttingAnInsertedSurrogatePair() {
        let first = try! TextOperation(json: ["😀"])
        #expect(throws: TextOperationError.self) { try first.compose(TextOperation(json: [1, -1])) }
        #expect(throws: TextOperationError.self) { try first.compose(TextOperation(json: [-1, 1])) }
        #expect(throws: TextOperationError.self) { try first.compose(TextOperation(json: [1, "x", 1])) }
    }

    @Test func composeCutsInsertsOnScalarBoundaries() throws {
        let first = try TextOperation(json: ["😀🇫🇷x"])
        let composed = try first.compose(TextOperation(json: [2, -4, 1, "!"]))
        #expect(composed.json == ["😀x!"])
    }

    @Test func diffBacksOffASharedLeadSurrogate() throws {
        // U+1F600 and U+1F603 share their lead surrogate (D83D); the op must not keep only that half.
        let operation = TextOperation.diff(from: "a😀b", to: "a😃b")
        #expect(operation.json == [1, "😃", -2, 1])
        #expect(try operation.apply(to: "a😀b") == "a😃b")
    }

    @Test func diffBacksOffASharedTrailSurrogate() throws {
        // U+10437 (D801 DC37) and U+1F437 (D83D DC37) share their trail surrogate.
        let operation = TextOperation.diff(from: "x𐐷", to: "x🐷")
        #expect(operation.json == [1, "🐷", -2])
        #expect(try operation.apply(to: "x𐐷") == "x🐷")
    }

    @Test func diffKeepsCommonPrefixAndSuffix() throws {
        let operation = TextOperation.diff(from: "Hello world", to: "Hello beautiful world")
        #expect(operation.json == [6, "beautiful ", 5])
        #expect(TextOperation.diff(from: "same", to: "same").json == [4])
        #expect(TextOperation.diff(from: "", to: "").json == [])
        #expect(TextOperation.diff(from: "abc", to: "").json == [-3])
        #expect(TextOperation.diff(from: "", to: "🇫🇷").json == ["🇫🇷"])
    }

    @Test func diffOfRepeatedTextDoesNotOverlapPrefixAndSuffix() throws {
        let operation = TextOperation.diff(from: "aaa", to: "aaaa")
        #expect(operation.json == [3, "a"])
        #expect(try TextOperation.diff(from: "😀😀", to: "😀").apply(to: "😀😀") == "😀")
    }

    @Test func diffIsFastOnLargeTexts() throws {
        let old = String(repeating: "lorem ipsum 😀 dolor ", count: 20_000)
        var new = old
        new.insert(contentsOf: "✨", at: new.index(new.startIndex, offsetBy: 200_000))
        let operation = TextOperation.diff(from: old, to: new)
        #expect(operation.components.count == 3)
        #expect(try operation.apply(to: old) == new)
    }

    @Test func composeAndTransformStayLinearOnLongInsertsCutManyTimes() throws {
        let inserted = String(repeating: "ab😀", count: 40_000)
        let first = TextOperation().inserting(inserted)
        var second = TextOperation()
        for _ in 0..<40_000 {
            second.retain(2)
            second.delete(2)
        }
        let composed = try first.compose(second)
        #expect(composed.json == [.string(String(repeating: "ab", count: 40_000))])
        var many = TextOperation()
        for index in 0..<40_000 {
            many.retain(1)
            many.insert(index.isMultiple(of: 2) ? "x" : "😀")
        }
        let (manyPrime, _) = try TextOperation.transform(many, TextOperation().retaining(40_000).inserting("!"))
        #expect(manyPrime.targetLength == many.targetLength + 1)
    }
}
