import PropertyBased
import TandemCore

/// Random texts and operations for the property tests: ot.js's test helpers, made Unicode-aware.
///
/// Texts mix ASCII with precomposed and combining accents, CJK, astral letters, emoji with skin tones,
/// ZWJ families, flags and CRLF, so that UTF-16 lengths differ from character and scalar counts.
/// Operations cut texts on scalar boundaries only, as a well-behaved client does.
enum RandomText {
    static let pieces: [String] = [
        "a", "b", "c", "x", "y", "z", " ", "\n", "\r\n", "é", "e\u{301}", "a\u{308}\u{301}", "ñ", "中", "文",
        "😀", "😃", "🐷", "👍🏽", "👨‍👩‍👧", "🇫🇷", "🇯🇵", "𝒳", "𐐷", "\u{FEFF}", "\u{200D}", "ß", "Ω",
    ]

    /// The ASCII pieces of ``pieces``: texts of them take `apply`'s ASCII path.
    static let asciiPieces = pieces.filter { $0.utf8.allSatisfy { $0 < 0x80 } }

    /// A text of up to `maxPieceCount` pieces drawn from ``pieces``.
    static func text(maxPieceCount: Int, using rng: inout some RandomNumberGenerator) -> String {
        text(maxPieceCount: maxPieceCount, from: pieces, using: &rng)
    }

    /// A text of up to `maxPieceCount` pieces drawn from `pieces`.
    static func text(
        maxPieceCount: Int, from pieces: [String], using rng: inout some RandomNumberGenerator
    ) -> String {
        let count = Int.random(in: 0...maxPieceCount, using: &rng)
        var text = ""
        for _ in 0..<count {
            text += pieces.randomElement(using: &rng)!
        }
        return text
    }

    /// A text of arbitrary Unicode scalars from every plane, lone combining marks and ZWJs included.
    static func scalarText(maxScalarCount: Int, using rng: inout some RandomNumberGenerator) -> String {
        let count = Int.random(in: 0...maxScalarCount, using: &rng)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<count {
            let value: UInt32
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: value = UInt32.random(in: 0x20...0x7E, using: &rng)
            case 1: value = UInt32.random(in: 0x300...0x36F, using: &rng)
            case 2: value = UInt32.random(in: 0x1F300...0x1FAFF, using: &rng)
            default: value = UInt32.random(in: 0...0x10FFFF, using: &rng)
            }
            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        return String(scalars)
    }

    /// Another scalar text: unrelated to `text`, or `text` with one run of scalars replaced.
    static func scalarEdit(of text: String, using rng: inout some RandomNumberGenerator) -> String {
        let scalars = Array(text.unicodeScalars)
        guard Bool.random(using: &rng) else { return scalarText(maxScalarCount: 12, using: &rng) }
        let start = Int.random(in: 0...scalars.count, using: &rng)
        let end = Int.random(in: start...scalars.count, using: &rng)
        var edited = String.UnicodeScalarView()
        edited.append(contentsOf: scalars[..<start])
        edited.append(contentsOf: scalarText(maxScalarCount: 3, using: &rng).unicodeScalars)
        edited.append(contentsOf: scalars[end...])
        return String(edited)
    }

    /// A random operation on `text` in the manner of ot.js's `randomOperation`, cutting on scalar boundaries.
    static func operation(on text: String, using rng: inout some RandomNumberGenerator) -> TextOperation {
        var boundaries = [0]
        for scalar in text.unicodeScalars {
            boundaries.append(boundaries[boundaries.count - 1] + scalar.utf16.count)
        }
        var operation = TextOperation()
        var scalarIndex = 0
        while scalarIndex < boundaries.count - 1 {
            let left = boundaries.count - 1 - scalarIndex
            let length = 1 + Int.random(in: 0..<min(left, 20), using: &rng)
            let units = boundaries[scalarIndex + length] - boundaries[scalarIndex]
            let roll = Double.random(in: 0..<1, using: &rng)
            if roll < 0.2 {
                operation.insert(self.text(maxPieceCount: 6, using: &rng))
            } else if roll < 0.4 {
                operation.delete(units)
                scalarIndex += length
            } else {
                operation.retain(units)
                scalarIndex += length
            }
        }
        if Double.random(in: 0..<1, using: &rng) < 0.3 {
            operation.insert("1" + self.text(maxPieceCount: 10, using: &rng))
        }
        return operation
    }
}

/// A text and one operation on it.
struct TextWithOperation: Sendable, CustomStringConvertible {
    var text: String
    var operation: TextOperation

    var description: String { "text: \(text.debugDescription), op: \(render(operation.json))" }

    static let generator = Generator<TextWithOperation, Shrink.None<TextWithOperation>> { rng in
        let text = RandomText.text(maxPieceCount: 30, using: &rng)
        return TextWithOperation(text: text, operation: RandomText.operation(on: text, using: &rng))
    }

    /// An ASCII text (the inserts may be anything).
    static let asciiGenerator = Generator<TextWithOperation, Shrink.None<TextWithOperation>> { rng in
        let text = RandomText.text(maxPieceCount: 30, from: RandomText.asciiPieces, using: &rng)
        return TextWithOperation(text: text, operation: RandomText.operation(on: text, using: &rng))
    }
}

/// A text and two operations on it: concurrent for `transform`, or `second` after `first` for `compose`.
struct TextWithTwoOperations: Sendable, CustomStringConvertible {
    var text: String
    var first: TextOperation
    var second: TextOperation

    var description: String {
        "text: \(text.debugDescription), first: \(render(first.json)), second: \(render(second.json))"
    }

    static let concurrent = Generator<TextWithTwoOperations, Shrink.None<TextWithTwoOperations>> { rng in
        let text = RandomText.text(maxPieceCount: 30, using: &rng)
        let first = RandomText.operation(on: text, using: &rng)
        let second = RandomText.operation(on: text, using: &rng)
        return TextWithTwoOperations(text: text, first: first, second: second)
    }

    static let consecutive = Generator<TextWithTwoOperations, Shrink.None<TextWithTwoOperations>> { rng in
        let text = RandomText.text(maxPieceCount: 30, using: &rng)
        let first = RandomText.operation(on: text, using: &rng)
        let afterFirst = try! first.apply(to: text)
        let second = RandomText.operation(on: afterFirst, using: &rng)
        return TextWithTwoOperations(text: text, first: first, second: second)
    }
}

/// A compact rendering of a JSON value for failure messages (`[5, " beautiful", 6]`).
func render(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let flag): return "\(flag)"
    case .number(let number): return value.intValue.map { "\($0)" } ?? "\(number)"
    case .string(let text): return text.debugDescription
    case .array(let elements): return "[" + elements.map(render).joined(separator: ", ") + "]"
    case .object(let object):
        return "{" + object.keys.sorted().map { "\($0.debugDescription): \(render(object[$0]!))" }
            .joined(separator: ", ") + "}"
    }
}
