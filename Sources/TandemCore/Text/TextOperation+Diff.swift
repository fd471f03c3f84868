extension TextOperation {
    /// An operation turning `old` into `new`: keep the common prefix and suffix, replace the middle.
    ///
    /// Prefix and suffix are measured in UTF-16 code units but never end inside a surrogate pair, so
    /// `diff(from: old, to: new).apply(to: old) == new` for every pair of strings. The server uses it to
    /// turn a whole-value `field_change` on a `text` field into an op.
    public static func diff(from old: String, to new: String) -> TextOperation {
        let oldUnits = Array(old.utf16)
        let newUnits = Array(new.utf16)
        let shorterCount = min(oldUnits.count, newUnits.count)

        var prefix = 0
        while prefix < shorterCount && oldUnits[prefix] == newUnits[prefix] {
            prefix += 1
        }
        // The units before `prefix` are equal, so a pair cut in one text is cut in the other too.
        if !UTF16Boundary.isScalarBoundary(oldUnits, at: prefix)
            || !UTF16Boundary.isScalarBoundary(newUnits, at: prefix)
        {
            prefix -= 1
        }

        var suffix = 0
        let suffixMax = shorterCount - prefix
        while suffix < suffixMax && oldUnits[oldUnits.count - 1 - suffix] == newUnits[newUnits.count - 1 - suffix] {
            suffix += 1
        }
        // A suffix that starts with a trail surrogate has left its lead behind: give the trail back.
        if suffix > 0 && UTF16.isTrailSurrogate(oldUnits[oldUnits.count - suffix]) {
            suffix -= 1
        }

        var operation = TextOperation()
        operation.retain(prefix)
        operation.delete(oldUnits.count - prefix - suffix)
        operation.insert(String(decoding: newUnits[prefix..<(newUnits.count - suffix)], as: UTF16.self))
        operation.retain(suffix)
        return operation
    }
}
