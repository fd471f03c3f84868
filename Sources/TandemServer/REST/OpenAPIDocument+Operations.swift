import TandemCore

/// What each route takes and answers, keyed by the route as the router holds it.
extension OpenAPIDocument {
    struct Operation: Sendable {
        var tag: String
        var summary: String
        var description: String? = nil
        var bearer = false
        var query: [JSONValue] = []
        var body: JSONValue? = nil
        var bodyRequired = true
        var replies: [Reply]
    }

    struct Reply: Sendable {
        var status: Int
        var description: String
        /// nil: no body (a redirect, 101, 304).
        var contentType: String? = "application/json"
        var schema: JSONValue?

        static func json(_ status: Int, _ schema: JSONValue, _ description: String) -> Reply {
            Reply(status: status, description: description, schema: schema)
        }

        static func html(_ status: Int, _ description: String) -> Reply {
            Reply(status: status, description: description, contentType: "text/html", schema: OpenAPIDocument.string)
        }

        static func empty(_ status: Int, _ description: String) -> Reply {
            Reply(status: status, description: description, contentType: nil, schema: nil)
        }
    }

    /// `{"message": …}` answers, one per status, with what that status means on the REST API.
    static func errors(_ statuses: Int...) -> [Reply] {
        statuses.map { status in
            let meaning: String
            switch status {
            case 400: meaning = "malformed request: not JSON, a bad parameter or query"
            case 401: meaning = "no valid access token"
            case 403: meaning = "the user's roles do not allow this"
            case 404: meaning = "no such model or record (or the record is deleted)"
            case 409: meaning = "a conflict: the record exists, or changed since base_version"
            case 413: meaning = "the body is too large"
            case 422: meaning = "a field that does not exist or a value its type refuses"
            case 426: meaning = "plain HTTP where a WebSocket upgrade was expected"
            case 429: meaning = "too many requests; see Retry-After"
            case 500: meaning = "the store holds data this server cannot read, or is misconfigured"
            case 503: meaning = "the store is unavailable or the server is shutting down; see Retry-After"
            default: meaning = "an error"
            }
            return .json(status, ref("Error"), meaning)
        }
    }

    static func queryParameter(_ name: String, _ schema: JSONValue, _ description: String) -> JSONValue {
        [
            "name": .string(name), "in": "query", "required": false, "schema": schema,
            "description": .string(description),
        ]
    }

    static let engineIORefusals: [Reply] = [
        .json(400, ref("EngineIOError"), "not EIO=4 with transport=websocket (code 5 or 0), or plain HTTP (3)"),
        .json(403, ref("EngineIOError"), "the Origin is not allowed"),
        .json(503, ref("EngineIOError"), "the server is shutting down"),
    ]

    /// `PUT` and `POST` on a model: its fields in, the record out, and every refusal a write can meet.
    static func write(_ summary: String, body: JSONValue, success: Reply) -> Operation {
        Operation(
            tag: "records",
            summary: summary,
            bearer: true,
            body: body,
            replies: [success] + errors(400, 401, 403, 404, 409, 413, 422, 429, 500, 503)
        )
    }

    /// The route's description, with `model`'s schemas for a `{model}` route; nil for a route not described here.
    static func operation(_ route: Route, model: ModelSchema?) -> Operation? {
        let name = model?.name ?? "Record"
        switch route.description {
        case "GET /healthz":
            return Operation(
                tag: "system",
                summary: "Liveness and draining state",
                replies: [.json(200, ref("Health"), "serving"), .json(503, ref("Health"), "draining for shutdown")]
            )
        case "GET /metrics":
            return Operation(
                tag: "system",
                summary: "Prometheus metrics",
                replies: [
                    Reply(status: 200, description: "text exposition 0.0.4", contentType: "text/plain", schema: string)
                ]
            )
        case "GET \(path)":
            return Operation(
                tag: "system",
                summary: "This document",
                replies: [.json(200, ref("OpenAPI"), "the OpenAPI 3.0.3 document of this server")]
            )
        case "GET /ws":
            return Operation(
                tag: "collaboration",
                summary: "The collaboration WebSocket (docs/protocol.md)",
                description: "Upgrade with the access token as `Authorization: Bearer <token>` or `?token=<token>`; "
                    + "a bad token is upgraded, sent an `unauthenticated` error and closed with 4401.",
                replies: [.empty(101, "switching to the WebSocket protocol")] + errors(403, 426, 503)
            )
        case "GET /socket.io":
            return Operation(
                tag: "collaboration",
                summary: "Socket.IO (Engine.IO 4 over WebSocket, namespace /collaboration)",
                description: "`/socket.io/?EIO=4&transport=websocket`; long-polling is refused.",
                query: [
                    queryParameter("EIO", strings(["4"]), "Engine.IO protocol version"),
                    queryParameter("transport", strings(["websocket"]), "the only transport served"),
                ],
                replies: [.empty(101, "switching to the WebSocket protocol")] + engineIORefusals
            )
        case "POST /socket.io":
            return Operation(
                tag: "collaboration",
                summary: "Engine.IO long-polling (refused)",
                replies: engineIORefusals
            )
        case "POST /api/v1/security/login":
            return Operation(
                tag: "security",
                summary: "Log in (Flask-AppBuilder's db provider)",
                body: ref("LoginRequest"),
                replies: [.json(200, ref("Tokens"), "an access and a refresh token")] + errors(400, 401, 429, 500, 503)
            )
        case "POST /api/v1/security/refresh":
            return Operation(
                tag: "security",
                summary: "Trade a refresh token for a new pair (it rotates)",
                description: "The refresh token as `Authorization: Bearer` or in the body.",
                body: ref("RefreshRequest"),
                bodyRequired: false,
                replies: [.json(200, ref("Tokens"), "a new pair; the presented refresh token is spent")]
                    + errors(401, 500)
            )
        case "GET /api/v1/{model}/{pk}":
            return Operation(
                tag: "records",
                summary: "Read one \(name)",
                bearer: true,
                replies: [.json(200, ref("\(name)Record"), "the record (version 0 and defaults if never written)")]
                    + errors(401, 403, 404, 500, 503)
            )
        case "PUT /api/v1/{model}/{pk}":
            return write(
                "Change fields of one \(name)",
                body: ref("\(name)Update"),
                success: .json(200, ref("\(name)Record"), "committed; `changes` lists each field's version")
            )
        case "DELETE /api/v1/{model}/{pk}":
            return Operation(
                tag: "records",
                summary: "Delete one \(name)",
                bearer: true,
                query: [
                    queryParameter("base_version", ["type": "integer", "minimum": 0], "delete only at this version")
                ],
                replies: [.json(200, ref("Deleted"), "deleted as the record's next version")]
                    + errors(400, 401, 403, 404, 409, 500, 503)
            )
        case "GET /api/v1/{model}/_info":
            return Operation(
                tag: "records",
                summary: "What the caller may do with \(name)",
                bearer: true,
                replies: [.json(200, ref("\(name)Info"), "columns, filters and permissions")] + errors(401, 403, 404)
            )
        case "GET /api/v1/{model}":
            let columns = strings(["id"] + (model.map { Array($0.fields.keys) } ?? []))
            return Operation(
                tag: "records",
                summary: "List \(name) records",
                bearer: true,
                query: [
                    queryParameter("q", string, "rison: (page,page_size,order_column,order_direction,filters,columns)"),
                    queryParameter("page", ["type": "integer", "minimum": 0], "page number from 0"),
                    queryParameter("page_size", ["type": "integer", "minimum": 1], "rows per page"),
                    queryParameter("order_column", columns, "sort by this column"),
                    queryParameter("order_direction", strings(["asc", "desc"]), "sort direction"),
                ],
                replies: [.json(200, ref("\(name)List"), "one page of flat rows")]
                    + errors(400, 401, 403, 404, 500, 503)
            )
        case "POST /api/v1/{model}":
            return write(
                "Create a \(name)",
                body: ref("\(name)Create"),
                success: .json(201, ref("\(name)Record"), "created")
            )
        case "GET /api/v1/collaboration/stats":
            return Operation(
                tag: "collaboration",
                summary: "Sessions, counters and latencies of this node (Admin role)",
                bearer: true,
                replies: [.json(200, ref("CollaborationStats"), "the dashboard's data")] + errors(401, 403)
            )
        case "POST /login/token":
            return Operation(
                tag: "pages",
                summary: "Renew the pages' session from the refresh cookie",
                replies: [.json(200, ref("AccessToken"), "a new access token; both cookies renewed")]
                    + errors(401, 403, 500)
            )
        case "GET /login":
            return Operation(tag: "pages", summary: "Login page", replies: [.html(200, "the form")])
        case "POST /login":
            return Operation(
                tag: "pages",
                summary: "Log in from the form (sets the session cookies)",
                replies: [.empty(303, "signed in: to `next` or the first model's list")]
                    + [400, 401, 403, 413, 429, 500, 503].map { Reply.html($0, "the form again with the reason") }
            )
        case "POST /logout":
            return Operation(
                tag: "pages",
                summary: "Log out (clears the cookies)",
                replies: [.empty(303, "to the login page"), .html(403, "posted from another site")]
            )
        case "GET /collaboration/dashboard":
            return Operation(
                tag: "pages",
                summary: "Collaboration dashboard (Admin role)",
                replies: [
                    .html(200, "the dashboard"), .empty(303, "to the login page"), .html(403, "not an administrator"),
                ]
            )
        case "GET /static/tandem/{file}":
            return Operation(
                tag: "pages",
                summary: "The pages' scripts and styles",
                replies: [
                    Reply(status: 200, description: "the file", contentType: "*/*", schema: nil),
                    .empty(304, "unchanged (If-None-Match)"), .html(404, "no such file"),
                ]
            )
        case "GET /{model}/list", "GET /{model}/edit/{pk}", "GET /{model}/add":
            let page = route.path.split(separator: "/").dropFirst().first.map(String.init) ?? ""
            return Operation(
                tag: "pages",
                summary: "\(name) \(page) page",
                replies: [
                    .html(200, "the page"), .empty(303, "to the login page"), .html(403, "not visible to the user"),
                    .html(404, "no such model"),
                ]
            )
        default:
            return nil
        }
    }
}
