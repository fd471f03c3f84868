extension TextOperation {
    /// The text this operation makes of `text` (ot.js's `apply`).
    ///
    /// - Throws: when `text`'s UTF-16 length is not ``baseLength``, or when a component boundary falls
    ///   inside a surrogate pair of `text` (a Swift `String` cannot hold the lone halves).
    public func apply(to text: String) throws(TextOperationError) -> String {
        let units = Array(text.utf16)
        guard units.count == baseLength else {
            throw .baseLengthMismatch(expected: baseLength, actual: units.count)
        }
        var output: [UInt16] = []
        output.reserveCapacity(targetLength)
        var index = 0
        for component in components {
            switch component {
            case .retain(let count):
                guard count <= units.count - index else {
                    throw TextOperationError(
                        message: "Operation can't retain more characters than are left in the string."
                    )
                }
                output.append(contentsOf: units[index..<(index + count)])
                index += count
            case .insert(let inserted):
                output.append(contentsOf: inserted.utf16)
            case .delete(let count):
                guard count <= units.count - index else {
                    throw TextOperationError(
                        message: "Operation can't delete more characters than are left in the string."
                    )
                }
                index += count
            }
            guard UTF16Boundary.isScalarBoundary(units, at: index) else { throw .surrogateSplit }
        }
        guard index == units.count else {
            throw TextOperationError(message: "The operation didn't operate on the whole string.")
        }
        return String(decoding: output, as: UTF16.self)
    }

    /// The operation that undoes this one on `base` (ot.js's `invert`), for undo.
    ///
    /// - Throws: when `base` is not a text this operation applies to (length or surrogate boundaries).
    public func invert(base: String) throws(TextOperationError) -> TextOperation {
        let units = Array(base.utf16)
        guard units.count == baseLength else {
            throw .baseLengthMismatch(expected: baseLength, actual: units.count)
        }
        var inverse = TextOperation()
        var index = 0
        for component in components {
            switch component {
            case .retain(let count):
                inverse.retain(count)
                index += count
            case .insert(let inserted):
                inverse.delete(inserted.utf16.count)
            case .delete(let count):
                guard UTF16Boundary.isScalarBoundary(units, at: index + count) else { throw .surrogateSplit }
                inverse.insert(String(decoding: units[index..<(index + count)], as: UTF16.self))
                index += count
            }
            guard UTF16Boundary.isScalarBoundary(units, at: index) else { throw .surrogateSplit }
        }
        return inverse
    }
}
