import Hummingbird
import TandemCore
import TandemEngine

/// `GET /api/v1/<resource>/_info`: what the caller may do with a model, in Flask-AppBuilder's shape.
extension RecordRoutes {
    /// `add_columns` and `edit_columns` (`name`, `label`, `description`, `type`, `required`, `unique`, plus
    /// Tandem's `tandem_type`): the fields the caller may write (none without `can_edit`; a restricted field only
    /// with its `can_edit_field`); `filters`: each filterable column's operators; `permissions`: the caller's
    /// among `can_get can_info can_post can_put can_delete`.
    func info(_ request: Request, model: String?) async -> Response {
        let user: UserRecord
        let schema: ModelSchema
        switch await authorize(request, model: model) {
        case .failure(let rejection): return rejection.response
        case .success(let found): (user, schema) = found
        }
        context.statistics.count(.restReads)
        let access = context.configuration.access
        let writable: [JSONValue] = schema.fields.values.filter {
            access.canEdit(user.identity, model: schema, field: $0)
        }.map(Self.columnInfo)
        var filters: [String: JSONValue] = ["id": Self.operators(for: nil)]
        for field in schema.fields.values { filters[field.name] = Self.operators(for: field.type) }
        var permissions: [JSONValue] = ["can_get", "can_info"]
        if access.canEdit(user.identity, model: schema.name) { permissions += ["can_post", "can_put"] }
        if access.canDelete(user.identity, model: schema.name) { permissions.append("can_delete") }
        return JSONResponse.make(
            .ok,
            .object([
                "add_columns": .array(writable),
                "edit_columns": .array(writable),
                "filters": .object(filters),
                "permissions": .array(permissions),
                "add_title": .string("Add \(schema.name)"),
                "edit_title": .string("Edit \(schema.name)"),
            ])
        )
    }

    private static func columnInfo(_ field: FieldSchema) -> JSONValue {
        .object([
            "name": .string(field.name), "label": .string(label(field.name)), "description": "",
            "type": .string(marshmallowType(field.type)), "tandem_type": .string(field.type.rawValue),
            "required": false, "unique": false,
        ])
    }

    private static func operators(for type: FieldType?) -> JSONValue {
        .array(
            FilterOperation.allowed(for: type).map {
                .object(["name": .string($0.label), "operator": .string($0.rawValue)])
            }
        )
    }

    /// Flask-AppBuilder's default label: `first_name` → `First Name`.
    private static func label(_ name: String) -> String {
        name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    /// The marshmallow field class Flask-AppBuilder would name for a column of this type.
    private static func marshmallowType(_ type: FieldType) -> String {
        switch type {
        case .text, .string: return "String"
        case .number: return "Float"
        case .bool: return "Boolean"
        case .datetime: return "DateTime"
        case .json: return "Raw"
        case .list: return "List"
        }
    }
}
