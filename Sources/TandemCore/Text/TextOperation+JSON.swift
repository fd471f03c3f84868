extension TextOperation {
    /// The largest base or target length a decoded operation may have: JavaScript's largest exact integer.
    public static let jsonLengthMax = 9_007_199_254_740_991

    /// Decodes ot.js's JSON form: an array of positive integers (retain), strings (insert) and negative
    /// integers (delete), in any order; the result is normalised as ot.js's `fromJSON` does.
    ///
    /// - Throws: for a non-array, and for any element that is not a string or a non-zero integral number
    ///   (so zero, fractions, NaN, booleans, null, objects and arrays are refused), or when the lengths
    ///   would exceed ``jsonLengthMax``.
    public init(json: JSONValue) throws(TextOperationError) {
        guard case .array(let elements) = json else {
            throw TextOperationError(message: "A text operation must be a JSON array, not \(json.typeName).")
        }
        self.init(reservingCapacity: elements.count)
        for element in elements {
            switch element {
            case .string(let text):
                guard text.utf16.count <= Self.jsonLengthMax - targetLength else { throw Self.tooLong }
                insert(text)
            case .number:
                guard let count = element.intValue, count != 0 else {
                    throw TextOperationError(message: "unknown operation: \(Self.describe(element))")
                }
                if count > 0 {
                    guard count <= Self.jsonLengthMax - baseLength,
                          count <= Self.jsonLengthMax - targetLength else { throw Self.tooLong }
                    retain(count)
                } else {
                    guard -count <= Self.jsonLengthMax - baseLength else { throw Self.tooLong }
                    delete(-count)
                }
            default:
                throw TextOperationError(message: "unknown operation: \(Self.describe(element))")
            }
        }
    }

    /// ot.js's JSON form (`toJSON`): retains as positive numbers, inserts as strings, deletes as negative numbers.
    public var json: JSONValue {
        .array(components.map { component in
            switch component {
            case .retain(let count): return .int(count)
            case .insert(let text): return .string(text)
            case .delete(let count): return .int(-count)
            }
        })
    }

    private static var tooLong: TextOperationError {
        TextOperationError(message: "The operation is longer than \(jsonLengthMax) UTF-16 code units.")
    }

    /// A short rendering of a rejected element for the error message.
    private static func describe(_ element: JSONValue) -> String {
        switch element {
        case .number(let number): return element.intValue.map { "\($0)" } ?? "\(number)"
        case .bool(let flag): return "\(flag)"
        case .null: return "null"
        default: return element.typeName
        }
    }
}
