import Foundation
import TandemCore

/// A JSON Schema validator for the part of OpenAPI 3.0's schema language the server's document uses: `type`
/// (`integer` means a whole number), `properties`, `required`, `additionalProperties` (false, true or a schema),
/// `items`, `enum`, `nullable`, `oneOf` (exactly one must hold), `minimum`, `format: date-time` and `$ref` into the
/// document. Any other keyword is reported as unsupported, so the document cannot quietly use one this does not check.
struct SchemaValidator: Sendable {
    /// The document `$ref`s point into (`#/components/schemas/…`).
    let document: JSONValue

    static let annotations: Set<String> = ["description", "title", "example"]
    static let keywords: Set<String> = [
        "$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "nullable", "oneOf",
        "minimum", "format",
    ]

    /// Every way `value` breaks `schema`, each as `<where>: <what>` (`$.result[0].age: expected number, got string`).
    func errors(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        guard case .object(let rules) = schema else { return ["\(path): the schema is not an object: \(schema)"] }
        if let unknown = rules.keys.sorted().first(where: {
            !Self.keywords.contains($0) && !Self.annotations.contains($0)
        }) {
            return ["\(path): unsupported schema keyword \(unknown)"]
        }
        if let reference = rules["$ref"] {
            guard let target = resolve(reference.stringValue ?? "") else {
                return ["\(path): unresolvable $ref \(reference)"]
            }
            return errors(value, target, at: path)
        }
        if value.isNull, rules["nullable"] == true { return [] }
        if let type = rules["type"]?.stringValue, !Self.value(value, isOfType: type) {
            return ["\(path): expected \(type), got \(value.typeName)"]
        }
        var problems: [String] = []
        if let allowed = rules["enum"]?.arrayValue, !allowed.contains(value) {
            problems.append("\(path): \(value) is not one of \(JSONValue.array(allowed))")
        }
        if let minimum = rules["minimum"]?.numberValue, let number = value.numberValue, number < minimum {
            problems.append("\(path): \(number) is below the minimum \(minimum)")
        }
        if rules["format"] == "date-time", let text = value.stringValue, RFC3339.milliseconds(from: text) == nil {
            problems.append("\(path): \"\(text)\" is not an RFC 3339 date-time")
        }
        if let choices = rules["oneOf"]?.arrayValue {
            let holding = choices.filter { errors(value, $0, at: path).isEmpty }.count
            if holding != 1 {
                problems.append("\(path): \(value) matches \(holding) of oneOf's \(choices.count) schemas, not 1")
            }
        }
        if case .object(let members) = value {
            let properties = rules["properties"]?.objectValue ?? [:]
            for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                problems.append("\(path): the required member \(name) is missing")
            }
            for name in members.keys.sorted() {
                let member = members[name]!
                if let property = properties[name] {
                    problems += errors(member, property, at: "\(path).\(name)")
                } else if rules["additionalProperties"] == false {
                    problems.append("\(path): unexpected member \(name)")
                } else if let extra = rules["additionalProperties"], extra.objectValue != nil {
                    problems += errors(member, extra, at: "\(path).\(name)")
                }
            }
        }
        if case .array(let elements) = value, let items = rules["items"] {
            for (index, element) in elements.enumerated() {
                problems += errors(element, items, at: "\(path)[\(index)]")
            }
        }
        return problems
    }

    /// The value a local JSON pointer (`#/components/schemas/Error`) names.
    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }

    static func value(_ value: JSONValue, isOfType type: String) -> Bool {
        switch (type, value) {
        case ("integer", .number): return value.intValue != nil
        case ("number", .number), ("string", .string), ("boolean", .bool), ("array", .array), ("object", .object):
            return true
        default: return false
        }
    }
}

/// An OpenAPI document held against real answers: finds the operation a request reached and checks the answer's
/// status, content type and body against what the document says, remembering which operations and statuses it saw.
final class OpenAPIContract {
    let document: JSONValue
    let validator: SchemaValidator
    private(set) var seen: Set<String> = []

    init(document: JSONValue) {
        self.document = document
        self.validator = SchemaValidator(document: document)
    }

    /// The document's path for a concrete one (query and trailing `/` ignored): the template whose literal segments
    /// all match, the one with the most literal segments when several do (`/api/v1/contact/_info` over `{pk}`).
    func template(for path: String) -> String? {
        let segments = Self.segments(path)
        var best: (String, Int)?
        for candidate in document["paths"]?.sortedKeys ?? [] {
            let parts = Self.segments(candidate)
            guard parts.count == segments.count else { continue }
            var literal = 0
            var fits = true
            for (part, segment) in zip(parts, segments) {
                if part.hasPrefix("{") && part.hasSuffix("}") { continue }
                if part == segment {
                    literal += 1
                } else {
                    fits = false
                    break
                }
            }
            if fits, literal > (best?.1 ?? -1) { best = (candidate, literal) }
        }
        return best?.0
    }

    static func segments(_ path: String) -> [String] {
        let bare = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        return bare.split(separator: "/").map(String.init)
    }

    /// What is wrong with the answer `status`/`contentType`/`body` to `method path`, by the document (empty: nothing).
    func problems(_ method: String, _ path: String, status: Int, contentType: String?, body: String) -> [String] {
        let request = "\(method) \(path) → \(status)"
        guard let template = template(for: path) else { return ["\(request): no path of the document matches"] }
        guard let operation = document["paths"]?[template]?[method.lowercased()] else {
            return ["\(request): the document has no \(method) on \(template)"]
        }
        guard let response = operation["responses"]?[String(status)] else {
            return ["\(request): \(method) \(template) does not document status \(status)"]
        }
        seen.insert("\(method) \(template) \(status)")
        guard let content = response["content"]?.objectValue else {
            return body.isEmpty ? [] : ["\(request): the document says no body, got \(body.prefix(200))"]
        }
        let type = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = content[type] ?? content["*/*"] else {
            return ["\(request): content type \(type) is not one of \(content.keys.sorted())"]
        }
        guard type == "application/json", let schema = media["schema"] else { return [] }
        guard let value = try? JSONParser().parse(body) else {
            return ["\(request): the body is not JSON: \(body.prefix(200))"]
        }
        return validator.errors(value, schema).map { "\(request): \($0)" }
    }
}
