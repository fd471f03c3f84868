import TandemCore

/// A record's fields as the edit and add pages render them: one input per field type, read-only where the
/// engine's permission check (`AccessPolicy.canEdit(_:model:field:)`) says the user may not change the field.
///
/// Every value goes to the template as text and the template writes it with `{{ }}`, so it is HTML-escaped.
enum RecordForm {
    /// The `data-strategy` of a field's wrapper: how concurrent edits of it are settled. `ot` for text (merged
    /// character by character while typing), `json-merge` and `list-merge` for json and list (three-way merges, the
    /// field's policy for a path both sides changed), and for scalar fields their policy, `last_writer_wins` or
    /// `manual` (a `manual` race opens the conflict dialog).
    static func strategy(_ field: FieldSchema) -> String {
        switch field.type {
        case .text: return "ot"
        case .json: return "json-merge"
        case .list: return "list-merge"
        case .string, .number, .bool, .datetime: return field.policy.rawValue
        }
    }

    /// Flask-AppBuilder's default label: `first_name` → `First Name`.
    static func label(_ name: String) -> String {
        name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    static func fields(
        _ schema: ModelSchema, record: RecordState, user: UserIdentity, access: AccessPolicy
    ) -> [[String: Any]] {
        schema.fields.values.map { field in
            let value = record.fields[field.name] ?? field.defaultValue
            var entry: [String: Any] = [
                "name": field.name, "type": field.type.rawValue, "strategy": strategy(field),
                "policy": field.policy.rawValue, "label": label(field.name), "id": "field-\(field.name)",
                "readonly": !access.canEdit(user, model: schema, field: field),
                "restricted": field.restricted, "value": text(value, type: field.type),
                "is_\(field.type.rawValue)": true,
            ]
            switch field.type {
            case .bool: entry["checked"] = value.boolValue == true
            case .datetime: entry["local_value"] = localDateTime(value.stringValue)
            case .list:
                entry["items"] = (value.arrayValue ?? []).map { item -> [String: Any] in
                    ["id": item["id"].map { $0.stringValue ?? compact($0) } ?? "", "json": compact(item)]
                }
            default: break
            }
            return entry
        }
    }

    /// A value as the input holds it: the string itself for text and string, the number's JSON digits, the
    /// RFC 3339 text of a date-time, compact JSON for json and list; empty for null scalars.
    static func text(_ value: JSONValue, type: FieldType) -> String {
        switch type {
        case .text, .string, .datetime: return value.stringValue ?? ""
        case .number: return value.isNull ? "" : compact(value)
        case .bool: return value.boolValue == true ? "true" : "false"
        case .json, .list: return compact(value)
        }
    }

    static func compact(_ value: JSONValue) -> String {
        (try? JSONWriter(nonFiniteNumberPolicy: .writeNull).string(value)) ?? "null"
    }

    /// An RFC 3339 instant as a `datetime-local` value in UTC (`2026-01-01T12:00:00`), or empty.
    static func localDateTime(_ text: String?) -> String {
        guard let text, let millis = RFC3339.milliseconds(from: text) else { return "" }
        return String(RFC3339.string(fromMilliseconds: millis).prefix(19))
    }

    /// A value shortened for a list page's cell.
    static func cell(_ value: JSONValue?, type: FieldType) -> String {
        guard let value else { return "" }
        let full = type == .bool ? (value.boolValue == true ? "yes" : "no") : text(value, type: type)
        return full.count > 60 ? String(full.prefix(59)) + "…" : full
    }
}
