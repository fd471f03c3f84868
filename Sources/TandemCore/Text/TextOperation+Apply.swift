extension TextOperation {
    /// The text this operation makes of `text` (ot.js's `apply`).
    ///
    /// - Throws: when `text`'s UTF-16 length is not ``baseLength``, or when a component boundary falls
    ///   inside a surrogate pair of `text` (a Swift `String` cannot hold the lone halves).
    public func apply(to text: String) throws(TextOperationError) -> String {
        // Works on the string's own storage: UTF-16 offsets become `String.Index`es and retained runs are
        // appended as slices (a copy of their UTF-8), so applying an op costs a copy of the text, not a
        // decode and re-encode of every character. Slices are cut on Unicode scalars, never characters:
        // an op may end between a letter and its combining mark.
        let utf16 = text.utf16
        let length = utf16.count
        guard length == baseLength else {
            throw .baseLengthMismatch(expected: baseLength, actual: length)
        }
        var output = ""
        output.reserveCapacity(text.utf8.count + targetLength - baseLength + 16)
        var index = utf16.startIndex
        var offset = 0
        for component in components {
            switch component {
            case .retain(let count):
                guard count <= length - offset else {
                    throw TextOperationError(
                        message: "Operation can't retain more characters than are left in the string."
                    )
                }
                let end = utf16.index(index, offsetBy: count)
                guard end.samePosition(in: text.unicodeScalars) != nil else { throw .surrogateSplit }
                output.append(contentsOf: Substring(text.unicodeScalars[index..<end]))
                index = end
                offset += count
            case .insert(let inserted):
                output.append(inserted)
            case .delete(let count):
                guard count <= length - offset else {
                    throw TextOperationError(
                        message: "Operation can't delete more characters than are left in the string."
                    )
                }
                index = utf16.index(index, offsetBy: count)
                guard index.samePosition(in: text.unicodeScalars) != nil else { throw .surrogateSplit }
                offset += count
            }
        }
        guard offset == length else {
            throw TextOperationError(message: "The operation didn't operate on the whole string.")
        }
        return output
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
