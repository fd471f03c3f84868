extension TextOperation {
    /// One operation with the effect of this one followed by `other` (ot.js's `compose`):
    /// `apply(compose(a, b), s) == apply(b, apply(a, s))`.
    ///
    /// - Throws: when `other.baseLength != targetLength`, or when `other` cuts text this operation
    ///   inserted inside a surrogate pair.
    public func compose(_ other: TextOperation) throws(TextOperationError) -> TextOperation {
        guard targetLength == other.baseLength else {
            throw TextOperationError(
                message: "The base length of the second operation has to be the target length of the first operation"
            )
        }
        var result = TextOperation()
        var firstReader = PieceReader(components)
        var secondIndex = 0
        func nextSecond() -> Component? {
            defer { secondIndex += 1 }
            return secondIndex < other.components.count ? other.components[secondIndex] : nil
        }
        var first = firstReader.next()
        var second = nextSecond()
        while first != nil || second != nil {
            if case .delete(let count)? = first {
                result.delete(count)
                first = firstReader.next()
                continue
            }
            if case .insert(let inserted)? = second {
                result.insert(inserted)
                second = nextSecond()
                continue
            }
            guard let head1 = first else {
                throw TextOperationError(message: "Cannot compose operations: first operation is too short.")
            }
            guard let head2 = second else {
                throw TextOperationError(message: "Cannot compose operations: first operation is too long.")
            }
            switch (head1, head2) {
            case (.retain(let count1), .retain(let count2)):
                result.retain(min(count1, count2))
                if count1 > count2 {
                    first = .retain(count1 - count2)
                    second = nextSecond()
                } else {
                    first = firstReader.next()
                    second = count1 == count2 ? nextSecond() : .retain(count2 - count1)
                }
            case (.insert(let units), .delete(let count2)):
                if units.count > count2 {
                    first = .insert(try Self.suffix(of: units, from: count2))
                    second = nextSecond()
                } else {
                    first = firstReader.next()
                    second = units.count == count2 ? nextSecond() : .delete(count2 - units.count)
                }
            case (.insert(let units), .retain(let count2)):
                if units.count > count2 {
                    let kept = units.prefix(count2)
                    first = .insert(try Self.suffix(of: units, from: count2))
                    result.insert(String(decoding: kept, as: UTF16.self))
                    second = nextSecond()
                } else {
                    result.insert(String(decoding: units, as: UTF16.self))
                    first = firstReader.next()
                    second = units.count == count2 ? nextSecond() : .retain(count2 - units.count)
                }
            case (.retain(let count1), .delete(let count2)):
                result.delete(min(count1, count2))
                if count1 > count2 {
                    first = .retain(count1 - count2)
                    second = nextSecond()
                } else {
                    first = firstReader.next()
                    second = count1 == count2 ? nextSecond() : .delete(count2 - count1)
                }
            case (.delete, _), (_, .insert):
                preconditionFailure("deletes of the first and inserts of the second operation are handled above")
            }
        }
        return result
    }

    /// The units of an insert from `offset` on, refusing to cut a surrogate pair.
    private static func suffix(
        of units: ArraySlice<UInt16>, from offset: Int
    ) throws(TextOperationError) -> ArraySlice<UInt16> {
        guard UTF16Boundary.isScalarBoundary(units, at: offset) else { throw .surrogateSplit }
        return units.dropFirst(offset)
    }
}

/// A component of the first operation during `compose`, its insert held as UTF-16 so that cutting it is cheap.
private enum Piece {
    case retain(Int)
    case insert(ArraySlice<UInt16>)
    case delete(Int)
}

/// Reads an operation's components as ``Piece``s, one at a time.
private struct PieceReader {
    let components: [TextOperation.Component]
    var index = 0

    init(_ components: [TextOperation.Component]) {
        self.components = components
    }

    mutating func next() -> Piece? {
        guard index < components.count else { return nil }
        defer { index += 1 }
        switch components[index] {
        case .retain(let count): return .retain(count)
        case .insert(let text): return .insert(ArraySlice(text.utf16))
        case .delete(let count): return .delete(count)
        }
    }
}

// MARK: - Undo grouping

extension TextOperation {
    /// Whether an undo stack should merge this operation with the `other` that followed it
    /// (ot.js's `shouldBeComposedWith`): consecutive inserts, or deletes at one position.
    public func shouldBeComposedWith(_ other: TextOperation) -> Bool {
        if isNoop || other.isNoop { return true }
        guard let simpleA = simpleComponent, let simpleB = other.simpleComponent else { return false }
        let startA = startIndex
        let startB = other.startIndex
        switch (simpleA, simpleB) {
        case (.insert(let textA), .insert):
            return startA + textA.utf16.count == startB
        case (.delete, .delete(let countB)):
            // Backspace deletes leftwards, the delete key at one position.
            return startB + countB == startA || startA == startB
        default:
            return false
        }
    }

    /// ``shouldBeComposedWith(_:)`` for inverted operations:
    /// `a.shouldBeComposedWith(b) == b⁻¹.shouldBeComposedWithInverted(a⁻¹)`.
    public func shouldBeComposedWithInverted(_ other: TextOperation) -> Bool {
        if isNoop || other.isNoop { return true }
        guard let simpleA = simpleComponent, let simpleB = other.simpleComponent else { return false }
        let startA = startIndex
        let startB = other.startIndex
        switch (simpleA, simpleB) {
        case (.insert(let textA), .insert):
            return startA + textA.utf16.count == startB || startA == startB
        case (.delete, .delete(let countB)):
            return startB + countB == startA
        default:
            return false
        }
    }

    /// The one insert or delete of an operation that does nothing else, if it is one (ot.js's `getSimpleOp`).
    private var simpleComponent: Component? {
        func isRetain(_ component: Component) -> Bool {
            if case .retain = component { return true } else { return false }
        }
        switch components.count {
        case 1: return components[0]
        case 2: return isRetain(components[0]) ? components[1] : (isRetain(components[1]) ? components[0] : nil)
        case 3: return isRetain(components[0]) && isRetain(components[2]) ? components[1] : nil
        default: return nil
        }
    }

    /// Where an operation's first change happens (ot.js's `getStartIndex`).
    private var startIndex: Int {
        if case .retain(let count)? = components.first { return count }
        return 0
    }
}
