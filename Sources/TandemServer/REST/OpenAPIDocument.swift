import Hummingbird
import TandemCore

/// `GET /api/v1/_openapi`: an OpenAPI 3.0.3 document of the server, built from the routes its two routers hold and
/// the configured models, so it cannot list a route the server does not answer or miss one it does.
///
/// Every registered route is a path of the document: a route with a `{model}` capture becomes one path per model
/// (its resource name, `/api/v1/contact`), whose schemas come from the model's field types. What each route takes
/// and answers is `OpenAPIDocument.operation(_:model:)`, keyed by the route as the router writes it; a route it
/// does not describe still appears, marked `x-undocumented`, and `OpenAPITests` fails on it. `OpenAPITests` also
/// validates the bodies and statuses of a running server against this document.
struct OpenAPIDocument: Sendable {
    static let path = "/api/v1/_openapi"

    /// One route as a router holds it: the method and the path with `{name}` captures (`GET /api/v1/{model}/{pk}`).
    struct Route: Sendable, Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
    }

    let routes: [Route]
    let models: ModelRegistry
    let nodeID: String

    /// The routes of both routers, once each (the WebSocket upgrades share their `GET` with a plain-HTTP answer).
    init(routes: [Route], models: ModelRegistry, nodeID: String) {
        self.routes = Array(Set(routes)).sorted { ($0.path, $0.method) < ($1.path, $1.method) }
        self.models = models
        self.nodeID = nodeID
    }

    /// The name a model has in paths: Flask-AppBuilder's lowercase resource name, or the configured name when two
    /// models share the lowercase one (`RecordRoutes.resource` then finds only the exact spelling).
    func resourceName(_ model: ModelSchema) -> String {
        let lower = model.name.lowercased()
        return RecordRoutes.resource(lower, in: models)?.name == model.name ? lower : model.name
    }

    var json: JSONValue {
        var paths: [String: JSONValue] = [:]
        for route in routes {
            let expansions: [(String, ModelSchema?)] =
                route.path.contains("{model}")
                ? models.models.values.map {
                    (route.path.replacingOccurrences(of: "{model}", with: resourceName($0)), $0)
                }
                : [(route.path, nil)]
            for (path, model) in expansions {
                var item = paths[path]?.objectValue ?? [:]
                item[route.method.lowercased()] = operationJSON(route, path: path, model: model)
                paths[path] = .object(item)
            }
        }
        var schemas = Self.sharedSchemas
        for model in models.models.values {
            for (name, schema) in Self.modelSchemas(model) { schemas[name] = schema }
        }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "Tandem server",
                "version": "1",
                "description": .string(
                    """
                    The HTTP API of tandem-server node \(nodeID), generated from its routers and its configured \
                    models (\(models.models.values.map(\.name).joined(separator: ", "))). REST resources follow \
                    Flask-AppBuilder's conventions: `/api/v1/<resource>/` with the model's lowercase name (the \
                    configured spelling is an alias), a trailing `/` optional. Real-time collaboration runs over the \
                    WebSocket at `/ws` (the protocol of docs/protocol.md, the access token as `Authorization: Bearer` \
                    or `?token=`) and over Socket.IO at `/socket.io/` (Engine.IO 4 over WebSocket, namespace \
                    `/collaboration`); their `GET` upgrades are \
                    listed with status 101.
                    """
                ),
            ],
            "servers": [["url": "/"]],
            "tags": .array(["security", "records", "system", "collaboration", "pages"].map { ["name": .string($0)] }),
            "paths": .object(paths),
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": [
                    "bearer": [
                        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                        "description": "The access_token of POST /api/v1/security/login",
                    ]
                ],
            ],
        ]
    }

    private func operationJSON(_ route: Route, path: String, model: ModelSchema?) -> JSONValue {
        let id = (route.method.lowercased() + path).map { $0.isLetter || $0.isNumber ? $0 : "_" }
        guard let operation = Self.operation(route, model: model) else {
            return [
                "operationId": .string(String(id)), "summary": "undocumented route", "x-undocumented": true,
                "responses": ["default": ["description": "not described"]],
            ]
        }
        var object: [String: JSONValue] = [
            "operationId": .string(String(id)), "summary": .string(operation.summary), "tags": [.string(operation.tag)],
        ]
        if let description = operation.description { object["description"] = .string(description) }
        let captures = path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }
            .map { String($0.dropFirst().dropLast()) }
        let pathParameters: [JSONValue] = captures.map { name in
            ["name": .string(name), "in": "path", "required": true, "schema": Self.string]
        }
        if !(pathParameters + operation.query).isEmpty {
            object["parameters"] = .array(pathParameters + operation.query)
        }
        if let body = operation.body {
            object["requestBody"] = [
                "required": .bool(operation.bodyRequired), "content": ["application/json": ["schema": body]],
            ]
        }
        if operation.bearer { object["security"] = [["bearer": []]] }
        var responses: [String: JSONValue] = [:]
        for reply in operation.replies {
            var response: [String: JSONValue] = ["description": .string(reply.description)]
            if let type = reply.contentType {
                let media: JSONValue = reply.schema.map { .object(["schema": $0]) } ?? .object([:])
                response["content"] = .object([type: media])
            }
            responses[String(reply.status)] = .object(response)
        }
        object["responses"] = .object(responses)
        return .object(object)
    }
}

// MARK: Schemas

extension OpenAPIDocument {
    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    static let boolean: JSONValue = ["type": "boolean"]

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func object(_ properties: [String: JSONValue], required: [String] = [], open: Bool = false) -> JSONValue {
        var schema: [String: JSONValue] = [
            "type": "object", "properties": .object(properties), "additionalProperties": .bool(open),
        ]
        if !required.isEmpty { schema["required"] = .array(required.sorted().map { .string($0) }) }
        return .object(schema)
    }

    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    static func strings(_ values: [String]) -> JSONValue {
        ["type": "string", "enum": .array(values.map { .string($0) })]
    }

    /// The schemas every document has: the error body, tokens, health, stats, Engine.IO's refusals.
    static let sharedSchemas: [String: JSONValue] = [
        "RecordID": [
            "description":
                "A primary key: a number when it is an integer's canonical digits (as POST assigns), else a string",
            "oneOf": [integer, string],
        ],
        "Error": [
            "type": "object", "required": ["message"], "additionalProperties": true,
            "description":
                "Flask-AppBuilder's error shape; some errors add members (code, field, id, version, committed …)",
            "properties": [
                "message": string, "code": strings(ErrorCode.allCases.map(\.rawValue)), "field": string,
                "id": ref("RecordID"), "version": integer, "retry_after": integer,
                "committed": array(ref("FieldChange")),
            ],
        ],
        "FieldChange": object(["field": string, "version": integer], required: ["field", "version"]),
        "LoginRequest": object(
            ["username": string, "password": string, "provider": strings(["db"])],
            required: ["username", "password"]
        ),
        "RefreshRequest": object(["refresh_token": string], required: ["refresh_token"]),
        "Tokens": object(
            ["access_token": string, "refresh_token": string],
            required: ["access_token", "refresh_token"]
        ),
        "AccessToken": object(["access_token": string], required: ["access_token"]),
        "Health": object(
            ["status": strings(["ok", "draining"]), "node_id": string, "connections": integer, "protocol": integer],
            required: ["status", "node_id", "connections", "protocol"]
        ),
        "EngineIOError": object(["code": integer, "message": string], required: ["code", "message"]),
        "Deleted": object(
            [
                "message": strings(["OK"]), "id": ref("RecordID"), "model": string, "version": integer,
                "change_id": string,
            ],
            required: ["message", "id", "model", "version", "change_id"]
        ),
        "CollaborationStats": object(
            [
                "node_id": string, "generated_at": ["type": "string", "format": "date-time"], "connections": integer,
                "sessions": array(
                    object(
                        [
                            "session_id": string, "model": string, "record_id": ref("RecordID"),
                            "participants": array(
                                object(
                                    [
                                        "user_id": integer, "username": string, "color": string,
                                        "focus": ["type": "string", "nullable": true],
                                    ],
                                    required: ["user_id", "username", "color", "focus"]
                                )
                            ),
                        ],
                        required: ["session_id", "model", "record_id", "participants"]
                    )
                ),
                "totals": ["type": "object", "additionalProperties": integer],
                "timeline": array(
                    object(
                        ["minute": string, "changes": integer, "conflicts": integer, "joins": integer],
                        required: ["minute", "changes", "conflicts", "joins"]
                    )
                ),
                "latency": [
                    "type": "object",
                    "additionalProperties": object(
                        [
                            "count": integer, "mean_ms": ["type": "number"], "p50_ms": ["type": "number"],
                            "p99_ms": ["type": "number"],
                        ],
                        required: ["count", "mean_ms", "p50_ms", "p99_ms"]
                    ),
                ],
            ],
            required: ["node_id", "generated_at", "connections", "sessions", "totals", "timeline", "latency"]
        ),
        "OpenAPI": object(
            ["openapi": string, "info": ["type": "object"], "paths": ["type": "object"]],
            required: ["openapi", "info", "paths"],
            open: true
        ),
    ]

    /// A value of a field of `type`, as `FieldType.validate` accepts it (null where it accepts null).
    static func fieldSchema(_ type: FieldType) -> JSONValue {
        switch type {
        case .text: return ["type": "string", "description": "text (merged as text; never null)"]
        case .string: return ["type": "string", "nullable": true]
        case .number: return ["type": "number", "nullable": true]
        case .bool: return ["type": "boolean", "nullable": true]
        case .datetime: return ["type": "string", "format": "date-time", "nullable": true]
        case .json: return ["nullable": true, "description": "any JSON value"]
        case .list:
            return array(object(["id": ["oneOf": [string, ["type": "number"]]]], required: ["id"], open: true))
        }
    }

    /// A model's schemas: `<Model>` (a list row, flat), `<Model>Fields` (a record's `result`), `<Model>Record`,
    /// `<Model>List`, `<Model>Create` and `<Model>Update` (the POST and PUT bodies), `<Model>Info`.
    static func modelSchemas(_ model: ModelSchema) -> [String: JSONValue] {
        let name = model.name
        var fields: [String: JSONValue] = [:]
        for field in model.fields.values { fields[field.name] = fieldSchema(field.type) }
        let fieldNames = Array(model.fields.keys)
        var row = fields
        row["id"] = ref("RecordID")
        var create = fields
        create["id"] = [
            "description": "the key to create; without it (or null) the next integer", "nullable": true,
            "oneOf": [integer, string],
        ]
        var update = fields
        update["base_version"] = ["type": "integer", "minimum": 0, "nullable": true]
        let column = object(
            [
                "name": strings(fieldNames), "label": string, "description": string, "type": string,
                "tandem_type": strings(FieldType.allCases.map(\.rawValue)), "required": boolean, "unique": boolean,
            ],
            required: ["name", "label", "description", "type", "tandem_type", "required", "unique"]
        )
        return [
            name: object(row, required: ["id"]),
            "\(name)Fields": object(fields, required: fieldNames),
            "\(name)Record": object(
                [
                    "id": ref("RecordID"), "model": strings([name]), "version": integer, "result": ref("\(name)Fields"),
                    "field_versions": ["type": "object", "additionalProperties": integer],
                    "changes": array(ref("FieldChange")),
                ],
                required: ["id", "model", "version", "result", "field_versions"]
            ),
            "\(name)List": object(
                [
                    "count": integer, "ids": array(ref("RecordID")), "versions": array(integer),
                    "result": array(ref(name)),
                ],
                required: ["count", "ids", "versions", "result"]
            ),
            "\(name)Create": object(create),
            "\(name)Update": object(update),
            "\(name)Info": object(
                [
                    "add_columns": array(column), "edit_columns": array(column),
                    "filters": [
                        "type": "object",
                        "additionalProperties": array(
                            object(
                                ["name": string, "operator": strings(FilterOperation.allCases.map(\.rawValue))],
                                required: ["name", "operator"]
                            )
                        ),
                    ],
                    "permissions": array(strings(["can_get", "can_info", "can_post", "can_put", "can_delete"])),
                    "add_title": string, "edit_title": string,
                ],
                required: ["add_columns", "edit_columns", "filters", "permissions", "add_title", "edit_title"]
            ),
        ]
    }
}

extension OpenAPIDocument.Route {
    init<Context: RequestContext>(_ route: Router<Context>.RouteDescription) {
        self.init(method: route.method.rawValue, path: route.path.description)
    }
}
