extension TextOperation {
    /// The pair `(a′, b′)` for two concurrent operations on one text (ot.js's `transform`), such that
    /// `apply(b′, apply(a, s)) == apply(a′, apply(b, s))` (TP1).
    ///
    /// At equal positions `a`'s insert goes first. The server passes the incoming op as `a` and each
    /// committed op since its base version as `b`.
    ///
    /// - Throws: when `a.baseLength != b.baseLength`.
    public static func transform(
        _ a: TextOperation, _ b: TextOperation
    ) throws(TextOperationError) -> (TextOperation, TextOperation) {
        guard a.baseLength == b.baseLength else {
            throw TextOperationError(message: "Both operations have to have the same base length")
        }
        var aPrime = TextOperation()
        var bPrime = TextOperation()
        var indexA = 0
        var indexB = 0
        var headA = a.components.first
        var headB = b.components.first
        func nextA() -> Component? {
            indexA += 1
            return indexA < a.components.count ? a.components[indexA] : nil
        }
        func nextB() -> Component? {
            indexB += 1
            return indexB < b.components.count ? b.components[indexB] : nil
        }
        while headA != nil || headB != nil {
            // Both cursors stand at the same position of the base text on every pass.
            if case .insert(let inserted)? = headA {
                aPrime.insert(inserted)
                bPrime.retain(inserted.utf16.count)
                headA = nextA()
                continue
            }
            if case .insert(let inserted)? = headB {
                aPrime.retain(inserted.utf16.count)
                bPrime.insert(inserted)
                headB = nextB()
                continue
            }
            guard let componentA = headA else {
                throw TextOperationError(message: "Cannot compose operations: first operation is too short.")
            }
            guard let componentB = headB else {
                throw TextOperationError(message: "Cannot compose operations: first operation is too long.")
            }
            let countA = componentA.baseCount
            let countB = componentB.baseCount
            let shared = min(countA, countB)
            switch (componentA, componentB) {
            case (.retain, .retain):
                aPrime.retain(shared)
                bPrime.retain(shared)
            case (.delete, .delete):
                // Both delete the same text: neither side has anything left to do for it.
                break
            case (.delete, .retain):
                aPrime.delete(shared)
            case (.retain, .delete):
                bPrime.delete(shared)
            case (.insert, _), (_, .insert):
                preconditionFailure("inserts are handled above")
            }
            headA = countA > shared ? componentA.withBaseCount(countA - shared) : nextA()
            headB = countB > shared ? componentB.withBaseCount(countB - shared) : nextB()
        }
        return (aPrime, bPrime)
    }

    /// Where `index` of the base text ends up in the target text (ot.js's cursor `transformIndex`).
    ///
    /// Text inserted at the index pushes it right; a deleted range containing it pulls it to the range's start.
    /// An index outside `0...baseLength` (a stale or hostile cursor) is first clamped into it, so the result
    /// is always in `0...targetLength`.
    public func transformIndex(_ index: Int) -> Int {
        var remaining = min(max(index, 0), baseLength)
        var newIndex = remaining
        for component in components {
            switch component {
            case .retain(let count):
                remaining -= count
            case .insert(let inserted):
                newIndex += inserted.utf16.count
            case .delete(let count):
                newIndex -= min(remaining, count)
                remaining -= count
            }
            if remaining < 0 { break }
        }
        return newIndex
    }
}

extension TextOperation.Component {
    /// How many UTF-16 units of the base text this component covers (zero for an insert).
    var baseCount: Int {
        switch self {
        case .retain(let count), .delete(let count): return count
        case .insert: return 0
        }
    }

    /// The same retain or delete, over `count` units.
    func withBaseCount(_ count: Int) -> Self {
        switch self {
        case .retain: return .retain(count)
        case .delete: return .delete(count)
        case .insert: preconditionFailure("an insert covers no base text")
        }
    }
}
