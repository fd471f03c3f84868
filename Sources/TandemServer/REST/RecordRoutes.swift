import Hummingbird
import Synchronization
import TandemCore
import TandemEngine
import TandemWire

/// `GET` and `PUT /api/v1/<model>/<pk>`: a record's state, and whole-value writes that go through the node's
/// commit path with origin `rest`, so collaborators see them as `model_changed` frames like any other change.
///
/// A PUT body is `{"<field>": value, …, "base_version": n}`; fields are committed one by one in name order,
/// each at the next version. Everything is checked before the first commit (unknown field 422, forbidden 403),
/// so a refused request changes nothing; a manual-policy conflict (409) stops at that field.
struct RecordRoutes: Sendable {
    let context: ServerContext
    /// Makes change ids unique across restarts of this node: `rest-<node>-<start ms>-<n>`.
    let changeIDPrefix: String
    let counter = ChangeCounter()

    init(context: ServerContext) {
        self.context = context
        self.changeIDPrefix = "rest-\(context.configuration.nodeID)-\(context.clock.wallMillis())"
    }

    func register(on router: Router<TandemRequestContext>) {
        router.get("/api/v1/:model/:pk") { request, requestContext in
            await onTarget(request, requestContext, read)
        }
        router.put("/api/v1/:model/:pk") { request, requestContext in
            await onTarget(request, requestContext, write)
        }
        router.delete("/api/v1/:model/:pk") { request, requestContext in
            await onTarget(request, requestContext, delete)
        }
        router.get("/api/v1/:model/_info") { request, requestContext in
            await info(request, model: requestContext.parameters.get("model"))
        }
        router.get("/api/v1/:model") { request, requestContext in
            await list(request, model: requestContext.parameters.get("model"))
        }
        router.post("/api/v1/:model") { request, requestContext in
            await create(request, model: requestContext.parameters.get("model"))
        }
    }

    /// The user and model a request is about, after authentication and `can_show`.
    func authorize(
        _ request: Request,
        model name: String?
    ) async -> Result<(UserRecord, ModelSchema), HTTPRejection> {
        let user: UserRecord
        switch await AuthRoutes.requireUser(request, context: context) {
        case .failure(let rejection): return .failure(rejection)
        case .success(let found): user = found
        }
        guard let name, let model = Self.resource(name, in: context.configuration.models) else {
            return .failure(HTTPRejection(.notFound, "unknown model \"\(name ?? "")\""))
        }
        guard context.configuration.access.canShow(user.identity, model: model.name) else {
            return .failure(HTTPRejection(.forbidden, "user \(user.username) may not see \(model.name)"))
        }
        return .success((user, model))
    }

    /// The model a path names: Flask-AppBuilder's resource name, the model's name in lowercase (`contact`), or
    /// the model's name as configured (`Contact`, kept as an alias). A lowercase name that two models share
    /// names neither.
    static func resource(_ name: String, in models: ModelRegistry) -> ModelSchema? {
        if let exact = models[name] { return exact }
        let matching = models.models.values.filter { $0.name.lowercased() == name }
        return matching.count == 1 ? matching.first : nil
    }

    /// A primary key as the REST API writes it: a number when the id is an integer's canonical digits (as the
    /// keys POST assigns are), a string otherwise.
    static func primaryKeyJSON(_ recordID: String) -> JSONValue {
        if let number = RecordIDSequence.integer(recordID), String(number) == recordID { return .int(number) }
        return .string(recordID)
    }

    /// The user, model and record a `/api/v1/<model>/<pk>` request is about.
    struct Target {
        var user: UserRecord
        var schema: ModelSchema
        var key: RecordKey
    }

    /// Runs `handler` on the request's target after authentication and `can_show`, or answers the refusal.
    private func onTarget(
        _ request: Request,
        _ requestContext: TandemRequestContext,
        _ handler: (Request, Target) async -> Response
    ) async -> Response {
        switch await authorize(request, model: requestContext.parameters.get("model")) {
        case .failure(let rejection): return rejection.response
        case .success(let (user, schema)):
            guard let pk = requestContext.parameters.get("pk"), Self.isRecordID(pk) else {
                return HTTPRejection(.notFound, "bad record id").response
            }
            return await handler(request, Target(user: user, schema: schema, key: RecordKey(model: schema.name, recordID: pk)))
        }
    }

    /// A usable record id: 1 to 200 bytes of UTF-8.
    static func isRecordID(_ pk: String) -> Bool { !pk.isEmpty && pk.utf8.count <= 200 }

    func read(_ request: Request, _ target: Target) async -> Response {
        let (schema, key) = (target.schema, target.key)
        context.statistics.count(.restReads)
        do {
            let record = try await currentRecord(key, schema: schema)
            if record.deleted {
                return JSONResponse.error(
                    .notFound, ChangeRejection.deleted(key, at: record.version).message,
                    extra: ["id": Self.primaryKeyJSON(key.recordID), "version": .int(record.version), "deleted": true]
                )
            }
            return JSONResponse.make(.ok, Self.recordJSON(record))
        } catch {
            return JSONResponse.storeFailure(error)
        }
    }

    func currentRecord(_ key: RecordKey, schema: ModelSchema) async throws -> RecordState {
        try await context.store.loadRecord(key).map(schema.completing) ?? schema.emptyRecord(id: key.recordID)
    }

    static func recordJSON(_ record: RecordState) -> JSONValue {
        .object([
            "id": primaryKeyJSON(record.key.recordID), "model": .string(record.key.model), "version": .int(record.version),
            "result": .object(record.fields), "field_versions": .object(record.fieldVersions.mapValues { .int($0) }),
        ])
    }

    func write(_ request: Request, _ target: Target) async -> Response {
        let (user, schema, key) = (target.user, target.schema, target.key)
        var request = request
        let body: [String: JSONValue]
        switch await JSONResponse.readObject(&request, bytesMax: context.configuration.limits.requestBodyBytesMax) {
        case .failure(let rejection): return rejection.response
        case .success(let object): body = object
        }
        switch plan(body, user: user, schema: schema) {
        case .failure(let rejection): return rejection.response
        case .success(let (fields, base)):
            context.statistics.count(.restWrites)
            return await commit(fields, base: base, user: user, key: key, schema: schema)
        }
    }

    /// The fields to write in name order and the base version, or the refusal (nothing is committed then).
    func plan(
        _ body: [String: JSONValue],
        user: UserRecord,
        schema: ModelSchema
    ) -> Result<([(String, JSONValue)], Int?), HTTPRejection> {
        var base: Int?
        if let raw = body["base_version"], !raw.isNull {
            guard let value = raw.intValue, value >= 0 else {
                return .failure(HTTPRejection(.badRequest, "base_version must be a non-negative integer"))
            }
            base = value
        }
        let names = body.keys.filter { $0 != "base_version" }.sorted()
        guard !names.isEmpty else { return .failure(HTTPRejection(.badRequest, "name at least one field to change")) }
        for name in names {
            guard let field = schema.field(name) else {
                return .failure(
                    HTTPRejection(
                        .unprocessableContent,
                        "model \(schema.name) has no field \"\(name)\"",
                        extra: ["code": "unknown_field", "field": .string(name)]
                    )
                )
            }
            guard context.configuration.access.canEdit(user.identity, model: schema, field: field) else {
                return .failure(
                    HTTPRejection(
                        .forbidden,
                        "user \(user.username) may not edit \(schema.name).\(name)",
                        extra: ["code": "forbidden", "field": .string(name)]
                    )
                )
            }
            if let problem = field.type.validate(body[name]!) {
                return .failure(
                    HTTPRejection(
                        .unprocessableContent,
                        "field \"\(name)\" \(problem)",
                        extra: ["code": "invalid_message", "field": .string(name)]
                    )
                )
            }
        }
        return .success((names.map { ($0, body[$0]!) }, base))
    }
}

/// Numbers the REST changes of one process (1, 2, 3 …), shared by every request.
final class ChangeCounter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { count in
            count += 1
            return count
        }
    }
}
