import Foundation
import TandemCore
import TandemCoreTestSupport
import Testing

@testable import TandemServer

/// `GET /api/v1/_openapi` held to the server: it lists exactly the routes the routers hold, and the answers of a real
/// server process (statuses, content types, bodies) are what it says, checked by `OpenAPIContract`'s validator.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OpenAPITests {
    /// The `METHOD path` pairs of the document's operations, and those an `x-undocumented` marks.
    static func operations(_ document: JSONValue) -> (all: Set<String>, undocumented: [String]) {
        var all: Set<String> = []
        var undocumented: [String] = []
        for path in document["paths"]?.sortedKeys ?? [] {
            for method in document["paths"]?[path]?.sortedKeys ?? [] {
                all.insert("\(method.uppercased()) \(path)")
                if document["paths"]?[path]?[method]?["x-undocumented"] == true {
                    undocumented.append("\(method) \(path)")
                }
            }
        }
        return (all, undocumented)
    }

    /// Requests to one server, each answer checked against the document.
    struct Live {
        let contract: OpenAPIContract
        let server: ServerProcess

        /// The request's answer, after checking its status is `status` and that the document allows it.
        @discardableResult
        func callAsFunction(
            _ method: String,
            _ path: String,
            token: String? = nil,
            body: String? = nil,
            expect status: Int
        ) async throws -> HTTP.Reply {
            let reply = try await HTTP.request(method, server.baseURL + path, token: token, body: body)
            #expect(reply.status == status, "\(method) \(path): \(reply.body.prefix(300))")
            let type = reply.headers["content-type"]
            for problem in contract.problems(method, path, status: reply.status, contentType: type, body: reply.body) {
                Issue.record(Comment(rawValue: problem))
            }
            return reply
        }
    }

    @Test func liveAnswersMatchTheDocumentAndItListsEveryRoute() async throws {
        try await withServer { server in
            let fetched = try await HTTP.request("GET", "\(server.baseURL)/api/v1/_openapi")
            #expect(fetched.status == 200)
            let document = try #require(fetched.json)
            #expect(document["openapi"] == "3.0.3")
            let contract = OpenAPIContract(document: document)
            let live = Live(contract: contract, server: server)

            // Every route both routers hold (for the configured model Contact, as /api/v1/contact), and nothing else.
            let context = try await DocsReferenceTests.context()
            let registered = Set(
                ServerApplication.routeDescriptions(context).map {
                    $0.replacingOccurrences(of: "{model}", with: "contact")
                }
            )
            let (documented, undocumented) = Self.operations(document)
            #expect(
                documented == registered,
                "document vs routers: \(documented.symmetricDifference(registered).sorted())"
            )
            #expect(registered.contains("GET /api/v1/_openapi") && registered.contains("PUT /api/v1/contact/{pk}"))
            #expect(undocumented.isEmpty, "routes OpenAPIDocument.operation does not describe")
            #expect(document["components"]?["schemas"]?["ContactFields"]?["properties"]?["age"]?["type"] == "number")

            try await live("GET", "/api/v1/_openapi", expect: 200)
            try await live("GET", "/healthz", expect: 200)
            try await live("GET", "/metrics", expect: 200)
            try await live("GET", "/ws", expect: 426)
            try await live("GET", "/socket.io/?EIO=4&transport=polling", expect: 400)
            try await live("POST", "/socket.io/?EIO=3", expect: 400)
            try await live("GET", "/login/", expect: 200)
            try await live("GET", "/static/tandem/collaboration.js", expect: 200)
            try await live("GET", "/static/tandem/nothing.js", expect: 404)

            // Security.
            let login = "/api/v1/security/login"
            let credentials = #"{"username":"bob","password":"bob-pw","provider":"db"}"#
            let tokens = try await live("POST", login, body: credentials, expect: 200)
            let token = try #require(tokens.json?["access_token"]?.stringValue)
            let refresh = try #require(tokens.json?["refresh_token"]?.stringValue)
            try await live("POST", login, body: #"{"username":"bob","password":"no"}"#, expect: 401)
            try await live("POST", login, body: #"{"username":1}"#, expect: 400)
            try await live("POST", "/api/v1/security/refresh", body: #"{"refresh_token":"\#(refresh)"}"#, expect: 200)
            try await live("POST", "/api/v1/security/refresh", body: "{}", expect: 401)
            let admin = try await HTTP.login(server, "ada", "ada-pw")
            let viewer = try await HTTP.login(server, "victor", "victor-pw")

            // Records: create, read, list, change, conflict, refusals, delete.
            let base = "/api/v1/contact"
            try await live("GET", "\(base)/_info", token: token, expect: 200)
            try await live("GET", "\(base)/_info", token: viewer, expect: 200)
            let full = #"""
                {"name": "Ada", "age": 36, "notes": "n", "active": true, "birthday": "1815-12-10T00:00:00Z",
                 "settings": {"a": [1, null]}, "tags": [{"id": 1, "label": "x"}, {"id": "b"}]}
                """#
            let created = try await live("POST", "\(base)/", token: token, body: full, expect: 201)
            let id = try #require(created.json?["id"]?.intValue)
            let version = try #require(created.json?["version"]?.intValue)
            try await live("POST", base, token: token, body: #"{"id": "k-1", "age": null}"#, expect: 201)
            try await live("POST", base, token: token, body: #"{"id": "k-1", "age": 2}"#, expect: 409)
            try await live("POST", base, token: token, body: #"{"nope": 1}"#, expect: 422)
            try await live("POST", base, token: token, body: #"{}"#, expect: 422)
            try await live("POST", base, token: token, body: "[1", expect: 400)
            try await live("GET", "\(base)/\(id)", token: token, expect: 200)
            try await live("GET", "\(base)/never-written", token: token, expect: 200)
            try await live("GET", "\(base)/", token: token, expect: 200)
            let ordered = FABConventionsTests.q("(columns:!(name),order_column:age,order_direction:desc)")
            try await live("GET", "\(base)/?\(ordered)", token: token, expect: 200)
            try await live("GET", "\(base)/?page=-1", token: token, expect: 400)
            let record = "\(base)/\(id)"
            try await live(
                "PUT",
                record,
                token: token,
                body: #"{"name": "Grace", "base_version": \#(version)}"#,
                expect: 200
            )
            try await live(
                "PUT",
                record,
                token: token,
                body: #"{"name": "Lin", "base_version": \#(version)}"#,
                expect: 409
            )
            try await live("PUT", "\(base)/\(id)", token: token, body: #"{"age": "old"}"#, expect: 422)
            try await live("PUT", "\(base)/\(id)", token: viewer, body: #"{"age": 1}"#, expect: 403)
            try await live("PUT", "\(base)/\(id)", token: token, body: #"{"salary": 1}"#, expect: 403)
            try await live("GET", "\(base)/\(id)", expect: 401)
            // A model that is not configured has no path in the document; its 404 is the Error of a missing record.
            let unknown = try await HTTP.request("GET", "\(server.baseURL)/api/v1/nothing/1", token: token)
            #expect(unknown.status == 404)
            #expect(
                contract.problems("GET", "\(base)/1", status: 404, contentType: "application/json", body: unknown.body)
                    == []
            )
            try await live("DELETE", "\(base)/\(id)", token: token, expect: 403)
            try await live("DELETE", "\(base)/\(id)?base_version=1", token: admin, expect: 409)
            try await live("DELETE", "\(base)/\(id)", token: admin, expect: 200)
            try await live("GET", "\(base)/\(id)", token: token, expect: 404)
            try await live("DELETE", "\(base)/\(id)", token: admin, expect: 404)
            try await live("GET", base, token: token, expect: 200)

            try await live("GET", "/api/v1/collaboration/stats", token: admin, expect: 200)
            try await live("GET", "/api/v1/collaboration/stats", token: token, expect: 403)

            // Every operation of the API was answered at least once above.
            let answered = Set(contract.seen.map { $0.split(separator: " ").prefix(2).joined(separator: " ") })
            let api = documented.filter { $0.contains(" /api/v1/") }
            #expect(
                api.subtracting(answered).isEmpty,
                "API operations never exercised: \(api.subtracting(answered).sorted())"
            )
        }
    }

    /// The document is strict enough to catch drift: real answers, changed the way a code change could, fail.
    @Test func theDocumentRefusesAnswersThatDrifted() async throws {
        try await withServer { server in
            let document = try #require(try await HTTP.request("GET", "\(server.baseURL)/api/v1/_openapi").json)
            let contract = OpenAPIContract(document: document)
            let token = try await HTTP.login(server, "bob", "bob-pw")
            let created = try await HTTP.request(
                "POST",
                "\(server.baseURL)/api/v1/contact/",
                token: token,
                body: #"{"name": "Ada", "age": 36}"#
            )
            let list = try await HTTP.request("GET", "\(server.baseURL)/api/v1/contact/", token: token)
            func check(
                _ method: String,
                _ path: String,
                _ status: Int,
                _ body: String,
                type: String = "application/json"
            )
                -> [String]
            {
                contract.problems(method, path, status: status, contentType: type, body: body)
            }
            #expect(check("POST", "/api/v1/contact/", 201, created.body) == [])
            #expect(check("GET", "/api/v1/contact/", 200, list.body) == [])

            let drifted: [(String, String, Int, String, String)] = [
                (
                    "GET", "/api/v1/contact/", 200,
                    list.body.replacingOccurrences(of: #""age":36"#, with: #""age":"36""#), "age"
                ),
                (
                    "GET", "/api/v1/contact/", 200, list.body.replacingOccurrences(of: #""count""#, with: #""total""#),
                    "count"
                ),
                (
                    "GET", "/api/v1/contact/", 200,
                    list.body.replacingOccurrences(of: #""name":"Ada""#, with: #""nom":"Ada""#), "nom"
                ),
                (
                    "POST", "/api/v1/contact/", 201,
                    created.body.replacingOccurrences(of: #""version""#, with: #""v""#), "version"
                ),
                (
                    "POST", "/api/v1/contact/", 201,
                    created.body.replacingOccurrences(of: #""model":"Contact""#, with: #""model":"X""#), "X"
                ),
                ("POST", "/api/v1/contact/", 201, #"{"message": "x"}"#, "required"),
                ("POST", "/api/v1/contact/", 418, created.body, "418"),
                ("GET", "/api/v1/contact/1", 404, #"{"error": "gone"}"#, "message"),
            ]
            for (method, path, status, body, mention) in drifted {
                let problems = check(method, path, status, body)
                #expect(problems.contains { $0.contains(mention) }, "\(mention): \(problems)")
            }
            #expect(!check("GET", "/api/v1/contact/", 200, list.body, type: "text/html").isEmpty)
            #expect(!check("GET", "/ws", 101, "hello", type: "").isEmpty, "101 has no body")
            #expect(check("GET", "/nowhere/at/all/here", 200, "{}").first?.contains("no path") == true)
        }
    }

    /// Each configured model gets its own paths and schemas from its field types; a model not configured has none.
    @Test func everyConfiguredModelHasItsPathsAndSchemas() async throws {
        let config =
            TestConfig.standard + """

                models:
                  Ticket:
                    title: {type: string, policy: manual}
                    body: text
                    done: bool
                  Note:
                    text: text
                    due: datetime
                """
        try await withServer(config: config) { server in
            let document = try #require(try await HTTP.request("GET", "\(server.baseURL)/api/v1/_openapi").json)
            let paths = Set(document["paths"]?.sortedKeys ?? [])
            for resource in ["ticket", "note"] {
                let expected = [
                    "/api/v1/\(resource)", "/api/v1/\(resource)/{pk}", "/api/v1/\(resource)/_info", "/\(resource)/list",
                ]
                #expect(paths.isSuperset(of: expected), "\(resource): \(paths.sorted())")
            }
            #expect(!paths.contains("/api/v1/contact"), "Contact is not configured here")
            let schemas = document["components"]?["schemas"]
            #expect(schemas?["TicketFields"]?["required"] == ["body", "done", "title"])
            #expect(schemas?["TicketFields"]?["properties"]?["done"]?["type"] == "boolean")
            #expect(schemas?["NoteFields"]?["properties"]?["due"]?["format"] == "date-time")
            #expect(schemas?["Contact"] == nil)

            let contract = OpenAPIContract(document: document)
            let live = Live(contract: contract, server: server)
            let token = try await HTTP.login(server, "bob", "bob-pw")
            try await live("POST", "/api/v1/ticket/", token: token, body: #"{"title": "t", "done": true}"#, expect: 201)
            try await live(
                "POST",
                "/api/v1/note/",
                token: token,
                body: #"{"due": "2026-12-02T08:00:00Z"}"#,
                expect: 201
            )
            try await live("POST", "/api/v1/note/", token: token, body: #"{"done": true}"#, expect: 422)
            try await live("GET", "/api/v1/ticket/", token: token, expect: 200)
            try await live("GET", "/api/v1/note/1", token: token, expect: 200)
            let ticketAsNote = try await HTTP.request("GET", "\(server.baseURL)/api/v1/ticket/1", token: token)
            #expect(
                !contract.problems(
                    "GET",
                    "/api/v1/note/1",
                    status: 200,
                    contentType: "application/json",
                    body: ticketAsNote.body
                ).isEmpty,
                "a Ticket is not a Note"
            )
        }
    }

    /// The served document is valid OpenAPI 3.0 by openapi-spec-validator (PyPI, pinned in
    /// `scripts/socketio/venv.sh`): path parameters declared, references resolved, schemas well formed. The same
    /// document with a path parameter undeclared is refused, so the check can fail.
    @Test func theServedDocumentIsValidOpenAPI() async throws {
        let python = try await SocketIOTests.python()
        try await withServer { server in
            let served = try #require(try await HTTP.request("GET", "\(server.baseURL)/api/v1/_openapi").json)
            guard case .object(var broken) = served, case .object(var paths)? = broken["paths"],
                case .object(var item)? = paths["/api/v1/contact/{pk}"], case .object(var get)? = item["get"]
            else {
                Issue.record("no GET /api/v1/contact/{pk} in the document")
                return
            }
            get["parameters"] = []
            item["get"] = .object(get)
            paths["/api/v1/contact/{pk}"] = .object(item)
            broken["paths"] = .object(paths)
            for (name, document, valid) in [("served", served, true), ("broken", JSONValue.object(broken), false)] {
                let file = server.directory.appendingPathComponent("openapi-\(name).json")
                try document.description.write(to: file, atomically: true, encoding: .utf8)
                let (_, output) = try await runToCompletion(python, ["-m", "openapi_spec_validator", file.path])
                #expect(output.contains("\(file.path): OK") == valid, "\(name): \(output)")
            }
        }
    }

    // MARK: The validator itself

    static let validator = SchemaValidator(document: [
        "components": [
            "schemas": [
                "ID": ["oneOf": [["type": "integer"], ["type": "string"]]],
                "Row": [
                    "type": "object", "required": ["id", "n"], "additionalProperties": false,
                    "properties": [
                        "id": ["$ref": "#/components/schemas/ID"], "n": ["type": "number", "nullable": true],
                        "tags": ["type": "array", "items": ["type": "string", "enum": ["a", "b"]]],
                        "at": ["type": "string", "format": "date-time"], "k": ["type": "integer", "minimum": 0],
                        "map": ["type": "object", "additionalProperties": ["type": "boolean"]],
                    ],
                ],
            ]
        ]
    ])

    static func errors(_ value: JSONValue, _ schema: JSONValue = ["$ref": "#/components/schemas/Row"]) -> [String] {
        validator.errors(value, schema)
    }

    @Test func theValidatorAcceptsWhatTheSchemaAllows() {
        #expect(Self.errors(["id": 1, "n": nil]) == [])
        #expect(
            Self.errors([
                "id": "x", "n": 2.5, "tags": ["a", "b"], "at": "2026-01-01T00:00:00Z", "k": 0, "map": ["x": true],
            ]) == []
        )
    }

    @Test func theValidatorRefusesWhatTheSchemaDoesNot() {
        let cases: [(JSONValue, String)] = [
            (["n": 1], "$: the required member id is missing"),
            (["id": 1, "n": "1"], "$.n: expected number, got string"),
            (["id": 1.5, "n": 1], "$.id: 1.5 matches 0 of oneOf's 2 schemas, not 1"),
            (["id": nil, "n": 1], "$.id: null matches 0 of oneOf's 2 schemas, not 1"),
            (["id": 1, "n": 1, "extra": true], "$: unexpected member extra"),
            (["id": 1, "n": 1, "tags": ["a", "c"]], #"$.tags[1]: "c" is not one of ["a","b"]"#),
            (["id": 1, "n": 1, "tags": "a"], "$.tags: expected array, got string"),
            (["id": 1, "n": 1, "at": "yesterday"], "$.at: \"yesterday\" is not an RFC 3339 date-time"),
            (["id": 1, "n": 1, "k": -1], "$.k: -1.0 is below the minimum 0.0"),
            (["id": 1, "n": 1, "map": ["x": 1]], "$.map.x: expected boolean, got number"),
            ([1], "$: expected object, got array"),
        ]
        for (value, expected) in cases {
            let found = Self.errors(value)
            #expect(found.contains(expected), "\(value): \(found)")
        }
        #expect(
            Self.errors(1, ["oneOf": [["type": "integer"], ["type": "number"]]]) == [
                "$: 1 matches 2 of oneOf's 2 schemas, not 1"
            ]
        )
        #expect(
            Self.errors(1, ["$ref": "#/components/schemas/Nope"]) == [
                "$: unresolvable $ref \"#/components/schemas/Nope\""
            ]
        )
        #expect(Self.errors(1, ["anyOf": [["type": "integer"]]]) == ["$: unsupported schema keyword anyOf"])
        #expect(Self.errors(nil, ["type": "string"]) == ["$: expected string, got null"])
    }
}
