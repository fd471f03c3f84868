extension TextOperation {
    /// The text this operation makes of `text` (ot.js's `apply`).
    ///
    /// - Throws: when `text`'s UTF-16 length is not ``baseLength``, or when a component boundary falls
    ///   inside a surrogate pair of `text` (a Swift `String` cannot hold the lone halves).
    public func apply(to text: String) throws(TextOperationError) -> String {
        var result = text
        try apply(to: &result)
        return result
    }

    /// Applies this operation to `text` in place (ot.js's `apply`); on a throw `text` is unchanged.
    ///
    /// Works on the string's own storage: the components are checked and turned into edits (UTF-8 offsets into
    /// `text`) first, then the edits are made from the last to the first, each a replacement of a range of Unicode
    /// scalars. A text held only here is edited where it lies (a typed character costs moving what follows it, not
    /// a copy of the whole text). Ranges are cut on Unicode scalars, never characters: an op may end between a
    /// letter and its combining mark.
    public func apply(to text: inout String) throws(TextOperationError) {
        // The edits are found in a function of their own, so that no view of `text` outlives it and the buffer is
        // held once while it is edited.
        let edits = try edits(in: text)
        for edit in edits.rest.reversed() { Self.make(edit, in: &text) }
        if let first = edits.first { Self.make(first, in: &text) }
    }

    /// One run of deletes and inserts between two retains: the UTF-8 offsets it replaces and the text put there.
    private struct Edit {
        var start: Int
        var end: Int
        var inserted: String
    }

    /// An operation's edits in order; most operations make one, which needs no array.
    private struct Edits {
        var first: Edit?
        var rest: [Edit] = []

        mutating func append(_ edit: Edit) {
            if first == nil { first = edit } else { rest.append(edit) }
        }
    }

    private static func make(_ edit: Edit, in text: inout String) {
        // (No view of `text` is kept across the edit: it would hold the buffer a second time and force a copy.)
        let start = text.utf8.index(text.utf8.startIndex, offsetBy: edit.start)
        let end = text.utf8.index(start, offsetBy: edit.end - edit.start)
        // `String.replaceSubrange` keeps scalar-aligned bounds as they are (it does not round them to
        // characters) and edits a uniquely held buffer in place; the scalar view's generic one rebuilds the
        // text scalar by scalar (hundreds of times slower).
        text.replaceSubrange(start..<end, with: edit.inserted)
    }

    /// This operation as edits of `text`, in order: each a run of deletes and inserts between two retains, as UTF-8
    /// offsets and the text put there; throws as `apply(to:)` does.
    private func edits(in text: String) throws(TextOperationError) -> Edits {
        let utf16 = text.utf16
        let length = utf16.count
        guard length == baseLength else {
            throw .baseLengthMismatch(expected: baseLength, actual: length)
        }
        // An ASCII text (as many UTF-8 bytes as UTF-16 units) has one unit per scalar and per byte: every offset is a
        // scalar boundary and its own UTF-8 offset, so no index of the text is computed.
        if text.utf8.count == length { return try asciiEdits(length: length) }
        var edits = Edits()
        var index = utf16.startIndex
        var offset = 0
        var open: Edit?
        func utf8Offset(_ index: String.Index) -> Int { text.utf8.distance(from: text.utf8.startIndex, to: index) }
        for component in components {
            switch component {
            case .retain(let count):
                guard count <= length - offset else { throw Self.retainsTooMuch }
                let end = utf16.index(index, offsetBy: count)
                guard end.samePosition(in: text.unicodeScalars) != nil else { throw .surrogateSplit }
                if let edit = open {
                    edits.append(edit)
                    open = nil
                }
                index = end
                offset += count
            case .insert(let inserted):
                if open == nil {
                    let at = utf8Offset(index)
                    open = Edit(start: at, end: at, inserted: "")
                }
                open!.inserted += inserted
            case .delete(let count):
                guard count <= length - offset else { throw Self.deletesTooMuch }
                if open == nil {
                    let at = utf8Offset(index)
                    open = Edit(start: at, end: at, inserted: "")
                }
                index = utf16.index(index, offsetBy: count)
                guard index.samePosition(in: text.unicodeScalars) != nil else { throw .surrogateSplit }
                open!.end = utf8Offset(index)
                offset += count
            }
        }
        guard offset == length else { throw Self.notWhole }
        if let edit = open { edits.append(edit) }
        return edits
    }

    /// `edits(in:)` of an ASCII text of `length` characters: the same checks, in the same order, on offsets alone.
    private func asciiEdits(length: Int) throws(TextOperationError) -> Edits {
        var edits = Edits()
        var offset = 0
        var open: Edit?
        for component in components {
            switch component {
            case .retain(let count):
                guard count <= length - offset else { throw Self.retainsTooMuch }
                if let edit = open {
                    edits.append(edit)
                    open = nil
                }
                offset += count
            case .insert(let inserted):
                if open == nil { open = Edit(start: offset, end: offset, inserted: "") }
                open!.inserted += inserted
            case .delete(let count):
                guard count <= length - offset else { throw Self.deletesTooMuch }
                if open == nil { open = Edit(start: offset, end: offset, inserted: "") }
                offset += count
                open!.end = offset
            }
        }
        guard offset == length else { throw Self.notWhole }
        if let edit = open { edits.append(edit) }
        return edits
    }

    private static var retainsTooMuch: TextOperationError {
        TextOperationError(message: "Operation can't retain more characters than are left in the string.")
    }

    private static var deletesTooMuch: TextOperationError {
        TextOperationError(message: "Operation can't delete more characters than are left in the string.")
    }

    private static var notWhole: TextOperationError {
        TextOperationError(message: "The operation didn't operate on the whole string.")
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
