import TandemCore

/// Rison (https://github.com/Nanonid/rison), the URL-friendly JSON that Flask-AppBuilder's `?q=` carries:
/// `(page:0,page_size:10,filters:!((col:name,opr:eq,value:'Ada Lovelace')))`.
///
/// - objects `(key:value,…)` and `()`; arrays `!(value,…)` and `!()`;
/// - `!t` true, `!f` false, `!n` null;
/// - numbers as in JSON (`-1`, `2.5`, `1e3`);
/// - strings bare when they are ids (`name`, `a-b.c/d~e`: no space or any of `'!:(),*@$`, and not starting with a
///   digit or `-`), otherwise quoted `'…'` with `!` escaping: `!'` is a quote, `!!` an exclamation mark.
///
/// Strict: anything after the value, a trailing comma, a repeated key or an unknown `!` escape is an error naming
/// the character where it went wrong.
struct RisonParser {
    struct Failure: Error, Sendable, Equatable {
        /// Where it went wrong: the 1-based character position in the text.
        var position: Int
        var message: String

        var description: String { "at character \(position): \(message)" }
    }

    private let characters: [Character]
    private var index = 0
    private var depth = 0
    let depthMax = 32

    init(_ text: String) { characters = Array(text) }

    static func parse(_ text: String) throws(Failure) -> JSONValue {
        var parser = RisonParser(text)
        guard !parser.characters.isEmpty else { throw Failure(position: 1, message: "empty (expected a value)") }
        let value = try parser.value()
        if parser.index < parser.characters.count {
            throw parser.failure("unexpected \(parser.shown(parser.characters[parser.index])) after the value")
        }
        return value
    }

    private static let notIDCharacters: Set<Character> = [" ", "'", "!", ":", "(", ")", ",", "*", "@", "$"]
    private static let notIDStart: Set<Character> = ["-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]

    private func failure(_ message: String, at position: Int? = nil) -> Failure {
        Failure(position: (position ?? index) + 1, message: message)
    }

    private func shown(_ character: Character) -> String { "'\(character)'" }

    private var current: Character? { index < characters.count ? characters[index] : nil }

    private mutating func value() throws(Failure) -> JSONValue {
        guard let character = current else { throw failure("the text ends where a value should start") }
        switch character {
        case "(":
            return try nested { (parser: inout RisonParser) throws(Failure) in try parser.object() }
        case "!":
            return try bang()
        case "'":
            return .string(try quoted())
        case "-", "0"..."9":
            return try number()
        default:
            if Self.notIDCharacters.contains(character) {
                throw failure("unexpected \(shown(character)) where a value should start")
            }
            return .string(identifier())
        }
    }

    private mutating func nested(_ body: (inout RisonParser) throws(Failure) -> JSONValue) throws(Failure) -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        guard depth <= depthMax else { throw failure("nested deeper than \(depthMax) levels") }
        return try body(&self)
    }

    private mutating func bang() throws(Failure) -> JSONValue {
        let start = index
        index += 1
        guard let next = current else { throw failure("the text ends after '!' (expected !t, !f, !n or !( )") }
        index += 1
        switch next {
        case "t": return .bool(true)
        case "f": return .bool(false)
        case "n": return .null
        case "(":
            index -= 1
            return try nested { (parser: inout RisonParser) throws(Failure) in try parser.array() }
        default:
            throw failure("unknown '!\(next)' (expected !t, !f, !n or an array !( ))", at: start)
        }
    }

    /// `(` already current: `()` or `(key:value,…)`.
    private mutating func object() throws(Failure) -> JSONValue {
        index += 1
        var object: [String: JSONValue] = [:]
        if current == ")" {
            index += 1
            return .object(object)
        }
        while true {
            let keyStart = index
            let key: String
            switch current {
            case "'"?: key = try quoted()
            case let character? where !Self.notIDCharacters.contains(character) && !Self.notIDStart.contains(character):
                key = identifier()
            case let character?:
                throw failure("expected a key, found \(shown(character))")
            case nil:
                throw failure("the text ends inside an object (expected a key or ')')")
            }
            guard current == ":" else {
                throw failure(current.map { "expected ':' after key \"\(key)\", found \(shown($0))" }
                    ?? "the text ends after key \"\(key)\" (expected ':')")
            }
            index += 1
            if object[key] != nil { throw failure("key \"\(key)\" appears twice", at: keyStart) }
            object[key] = try value()
            if try closes(after: "after the value of \"\(key)\"", inside: "an object") { return .object(object) }
        }
    }

    /// `(` of `!(` current: `!()` or `!(value,…)`.
    private mutating func array() throws(Failure) -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        if current == ")" {
            index += 1
            return .array(items)
        }
        while true {
            items.append(try value())
            if try closes(after: "in an array", inside: "an array") { return .array(items) }
        }
    }

    /// After an item of an object or array: consumes `)` (true: it is closed) or `,` followed by another item.
    private mutating func closes(after place: String, inside container: String) throws(Failure) -> Bool {
        switch current {
        case ","?:
            index += 1
            if current == ")" { throw failure("a ',' before ')' (trailing comma)", at: index - 1) }
            return false
        case ")"?:
            index += 1
            return true
        case let character?:
            throw failure("expected ',' or ')' \(place), found \(shown(character))")
        case nil:
            throw failure("the text ends inside \(container) (expected ',' or ')')")
        }
    }

    private mutating func identifier() -> String {
        let start = index
        while let character = current, !Self.notIDCharacters.contains(character) { index += 1 }
        return String(characters[start..<index])
    }

    private mutating func quoted() throws(Failure) -> String {
        let start = index
        index += 1
        var text = ""
        while true {
            guard let character = current else { throw failure("a string opened here is never closed", at: start) }
            index += 1
            switch character {
            case "'":
                return text
            case "!":
                switch current {
                case "!"?, "'"?:
                    text.append(current!)
                    index += 1
                case let other?:
                    throw failure("unknown escape '!\(other)' in a string (only !! and !' are escapes)", at: index - 1)
                case nil:
                    throw failure("a string opened here is never closed", at: start)
                }
            default:
                text.append(character)
            }
        }
    }

    private mutating func number() throws(Failure) -> JSONValue {
        let start = index
        func digits(_ parser: inout RisonParser) -> Int {
            let from = parser.index
            while let character = parser.current, character.isASCII, character.isNumber { parser.index += 1 }
            return parser.index - from
        }
        if current == "-" { index += 1 }
        guard digits(&self) > 0 else { throw failure("'-' must be followed by digits", at: start) }
        if current == "." {
            index += 1
            guard digits(&self) > 0 else { throw failure("expected digits after the decimal point") }
        }
        if current == "e" || current == "E" {
            index += 1
            if current == "-" || current == "+" { index += 1 }
            guard digits(&self) > 0 else { throw failure("expected digits in the exponent") }
        }
        let text = String(characters[start..<index])
        guard let number = Double(text), number.isFinite else {
            throw failure("the number \(text) is out of range", at: start)
        }
        return .number(number)
    }
}
