import TandemCore
import Testing

@Suite struct TextOperationJSONTests {
    @Test func decodingNormalisesLikeOtJsFromJSON() throws {
        let operation = try TextOperation(json: [2, -1, -1, "cde"])
        #expect(operation.components == [.retain(2), .insert("cde"), .delete(2)])
        #expect(operation.baseLength == 4)
        #expect(operation.targetLength == 5)
    }

    @Test func encodingWritesRetainsInsertsAndDeletes() {
        let operation = TextOperation().retaining(5).inserting("😀").deleting(2).retaining(1)
        #expect(operation.json == [5, "😀", -2, 1])
    }

    @Test func emptyArrayIsTheEmptyOperation() throws {
        #expect(try TextOperation(json: []) == TextOperation())
        #expect(TextOperation().json == [])
    }

    @Test func emptyInsertStringsAreAcceptedAndDropped() throws {
        // ot.js's fromJSON accepts "" (it is a string) and its builder drops it.
        #expect(try TextOperation(json: [3, "", -1]).components == [.retain(3), .delete(1)])
    }

    @Test(arguments: [
        JSONValue.object(["insert": "x"]), .null, .bool(true), .number(0), .number(-0.0), .number(1.5),
        .number(-2.25), .number(.nan), .number(.infinity), .number(-.infinity), .number(1e300), .array([1]),
    ])
    func decodingRejectsUnknownComponents(_ component: JSONValue) {
        #expect(throws: TextOperationError.self) { try TextOperation(json: [2, -1, -1, "cde", component]) }
    }

    @Test(arguments: [JSONValue.null, .bool(false), .number(3), .string("abc"), .object(["ops": [1]])])
    func decodingRejectsNonArrays(_ json: JSONValue) {
        #expect(throws: TextOperationError.self) { try TextOperation(json: json) }
    }

    @Test func decodingRejectsLengthsBeyondJavaScriptsExactIntegers() throws {
        let largest = JSONValue.int(TextOperation.jsonLengthMax)
        #expect(try TextOperation(json: [largest]).baseLength == TextOperation.jsonLengthMax)
        #expect(throws: TextOperationError.self) { try TextOperation(json: [largest, 1]) }
        #expect(throws: TextOperationError.self) { try TextOperation(json: [largest, -1]) }
        #expect(throws: TextOperationError.self) { try TextOperation(json: [largest, "x"]) }
        let many = JSONValue.array(Array(repeating: .number(4_000_000_000_000_000), count: 4096))
        #expect(throws: TextOperationError.self) { try TextOperation(json: many) }
    }

    @Test func decodingErrorNamesTheBadComponent() {
        #expect(throws: TextOperationError(message: "unknown operation: null")) {
            try TextOperation(json: [1, nil])
        }
        #expect(throws: TextOperationError(message: "unknown operation: 0")) {
            try TextOperation(json: [1, 0])
        }
        #expect(throws: TextOperationError(message: "unknown operation: 1.5")) {
            try TextOperation(json: [1, 1.5])
        }
    }
}
