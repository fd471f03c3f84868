/// A change to a plain-text value: an exact port of ot.js's `TextOperation`.
///
/// An operation walks an imaginary cursor over the whole base text, retaining (skipping), inserting and
/// deleting as it goes. All lengths and positions count **UTF-16 code units**, as JavaScript's `.length`
/// does, so a browser and a Swift node agree on every index.
///
/// The builder methods keep ot.js's normal form: adjacent components of one kind are merged, zero-length
/// components are dropped, and an insert that follows a delete is placed before it. Two operations with
/// the same effect on every text of their base length are therefore equal (`==`, ot.js's `equals`).
///
/// - Warning: a Swift `String` cannot hold a lone surrogate, so an operation whose component boundary
///   falls inside a surrogate pair of the text it is applied to is rejected by ``apply(to:)``.
public struct TextOperation: Sendable, Hashable {
    /// One step of an operation: ot.js's positive int, string and negative int.
    public enum Component: Sendable, Hashable {
        /// Skip this many UTF-16 code units of the base text.
        case retain(Int)
        /// Insert this text at the cursor.
        case insert(String)
        /// Delete this many UTF-16 code units of the base text.
        case delete(Int)
    }

    /// The components in ot.js's normal form.
    public private(set) var components: [Component]
    /// The UTF-16 length of every text this operation applies to.
    public private(set) var baseLength: Int
    /// The UTF-16 length of every text this operation produces.
    public private(set) var targetLength: Int

    /// The empty operation: applies to the empty text only.
    public init() {
        components = []
        baseLength = 0
        targetLength = 0
    }

    /// The empty operation, with room for `componentCountMax` components: building one by appending components
    /// grows the array a step at a time otherwise (2.5 % of a large simulation's instructions, decoding every
    /// delivered operation).
    init(reservingCapacity componentCountMax: Int) {
        self.init()
        components.reserveCapacity(componentCountMax)
    }

    /// An operation built from `components` through the builder methods, so the result is in normal form.
    public init(_ components: [Component]) {
        self.init(reservingCapacity: components.count)
        for component in components {
            append(component)
        }
    }

    /// Whether applying this operation leaves every text unchanged.
    public var isNoop: Bool {
        switch components.count {
        case 0: return true
        case 1: if case .retain = components[0] { return true } else { return false }
        default: return false
        }
    }
}

// MARK: - Builder

extension TextOperation {
    /// Skips `count` UTF-16 code units; zero is a no-op.
    public mutating func retain(_ count: Int) {
        precondition(count >= 0, "retain expects a non-negative count")
        guard count > 0 else { return }
        baseLength += count
        targetLength += count
        if case .retain(let last)? = components.last {
            components[components.count - 1] = .retain(last + count)
        } else {
            components.append(.retain(count))
        }
    }

    /// Inserts `text` at the cursor; the empty string is a no-op.
    ///
    /// As in ot.js, an insert that follows a delete goes before it (merging with an insert already there).
    public mutating func insert(_ text: String) {
        guard !text.isEmpty else { return }
        targetLength += text.utf16.count
        switch components.last {
        case .insert?:
            appendToInsert(at: components.count - 1, text)
        case .delete(let deleted)?:
            if components.count >= 2, case .insert = components[components.count - 2] {
                appendToInsert(at: components.count - 2, text)
            } else {
                components[components.count - 1] = .insert(text)
                components.append(.delete(deleted))
            }
        default:
            components.append(.insert(text))
        }
    }

    /// Deletes `count` UTF-16 code units; zero is a no-op. As in ot.js, the sign of `count` is ignored.
    public mutating func delete(_ count: Int) {
        let magnitude = count.magnitude
        precondition(magnitude <= UInt(Int.max), "delete count out of range")
        let units = Int(magnitude)
        guard units > 0 else { return }
        baseLength += units
        if case .delete(let last)? = components.last {
            components[components.count - 1] = .delete(last + units)
        } else {
            components.append(.delete(units))
        }
    }

    /// Deletes as many UTF-16 code units as `text` has (ot.js's `delete("abc")`).
    public mutating func delete(_ text: String) {
        delete(text.utf16.count)
    }

    /// Adds one component through the matching builder method.
    public mutating func append(_ component: Component) {
        switch component {
        case .retain(let count): retain(count)
        case .insert(let text): insert(text)
        case .delete(let count): delete(count)
        }
    }

    /// This operation followed by a retain: the chaining form of ``retain(_:)``.
    public func retaining(_ count: Int) -> TextOperation {
        var copy = self
        copy.retain(count)
        return copy
    }

    /// This operation followed by an insert: the chaining form of ``insert(_:)``.
    public func inserting(_ text: String) -> TextOperation {
        var copy = self
        copy.insert(text)
        return copy
    }

    /// This operation followed by a delete: the chaining form of `delete(_:)`.
    public func deleting(_ count: Int) -> TextOperation {
        var copy = self
        copy.delete(count)
        return copy
    }

    /// This operation followed by a delete of `text`'s length: the chaining form of `delete(_:)`.
    public func deleting(_ text: String) -> TextOperation {
        var copy = self
        copy.delete(text)
        return copy
    }

    /// Appends to the insert at `index` in place, so that building a long insert stays linear.
    private mutating func appendToInsert(at index: Int, _ text: String) {
        guard case .insert(var existing) = components[index] else {
            preconditionFailure("component \(index) is not an insert")
        }
        // Dropping the array's reference first leaves `existing` uniquely owned, so `+=` does not copy it.
        components[index] = .retain(0)
        existing += text
        components[index] = .insert(existing)
    }
}

// MARK: - Description

extension TextOperation: CustomStringConvertible {
    /// ot.js's `toString`: `retain 2, insert 'lorem', delete 5, retain 5`.
    public var description: String {
        components.map { component in
            switch component {
            case .retain(let count): return "retain \(count)"
            case .insert(let text): return "insert '\(text)'"
            case .delete(let count): return "delete \(count)"
            }
        }.joined(separator: ", ")
    }
}
