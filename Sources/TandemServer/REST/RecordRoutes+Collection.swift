import Hummingbird
import TandemCore
import TandemEngine

/// `GET` and `POST /api/v1/<model>/`: list and create.
extension RecordRoutes {
    /// Reading every record of a model to filter or sort it stops past this many (a 400 says so).
    static let scanMax = 10_000

    /// One page of a model's records (Flask-AppBuilder's list: `{"count", "ids", "result": [flat rows]}`, plus
    /// `versions`, each row's version, for a later `PUT` with `base_version`). Without `order_column` and filters
    /// the page is read straight from the store, sorted by id bytewise; with either, from every record of the
    /// model (at most `scanMax`), filtered and then sorted (ties by id; integer ids numerically).
    func list(_ request: Request, model: String?) async -> Response {
        let schema: ModelSchema
        switch await authorize(request, model: model) {
        case .failure(let rejection): return rejection.response
        case .success(let found): (_, schema) = found
        }
        let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        let query: ListQuery
        switch ListQuery.parse(parameters, schema: schema) {
        case .failure(let rejection): return rejection.response
        case .success(let parsed): query = parsed
        }
        context.statistics.count(.restReads)
        let (offset, overflow) = query.page.multipliedReportingOverflow(by: query.pageSize)
        let start = overflow ? Int.max : offset
        let total: Int
        let records: [RecordState]
        do {
            if query.needsScan {
                switch try await everyRecord(of: schema) {
                case .failure(let rejection): return rejection.response
                case .success(let all):
                    let kept = query.sorted(all.filter(query.matches))
                    total = kept.count
                    records = Array(kept.dropFirst(min(start, kept.count)).prefix(query.pageSize))
                }
            } else {
                let found = try await context.store.records(model: schema.name, offset: start, limit: query.pageSize)
                total = found.total
                records = found.records.map(schema.completing)
            }
        } catch {
            return JSONResponse.storeFailure(error)
        }
        let columns = query.columns ?? ["id"] + schema.fields.keys
        return JSONResponse.make(
            .ok,
            .object([
                "count": .int(total),
                "ids": .array(records.map { Self.primaryKeyJSON($0.key.recordID) }),
                "versions": .array(records.map { .int($0.version) }),
                "result": .array(
                    records.map { record in
                        var row: [String: JSONValue] = ["id": Self.primaryKeyJSON(record.key.recordID)]
                        for column in columns where column != "id" { row[column] = record.fields[column] ?? .null }
                        return .object(row)
                    }
                ),
            ])
        )
    }

    /// Every record of the model the store holds, completed with defaults, or a 400 past `scanMax`.
    private func everyRecord(of schema: ModelSchema) async throws -> Result<[RecordState], HTTPRejection> {
        var all: [RecordState] = []
        while true {
            let found = try await context.store.records(model: schema.name, offset: all.count, limit: 1_000)
            if found.total > Self.scanMax {
                return .failure(
                    HTTPRejection(
                        .badRequest,
                        "filters and order_column read every record, at most \(Self.scanMax); \(schema.name) has "
                            + "\(found.total): page through it without them"
                    )
                )
            }
            all += found.records.map(schema.completing)
            if found.records.isEmpty || all.count >= found.total { return .success(all) }
        }
    }

    /// Creates a record: `{"<field>": value, …}` commits the fields through the same path as PUT (origin `rest`),
    /// the first as the record's `INSERT`. Without an `"id"` the store assigns the model's next integer key
    /// (`EventStore.nextRecordID`, atomic across nodes); with one, that key. 201 with the record (`{"id", "result",
    /// …}`); 409 when a given id exists. A deleted id may be created again: its versions go on from the
    /// deletion's, and the log keeps the history.
    func create(_ request: Request, model: String?) async -> Response {
        let user: UserRecord
        let schema: ModelSchema
        switch await authorize(request, model: model) {
        case .failure(let rejection): return rejection.response
        case .success(let found): (user, schema) = found
        }
        var request = request
        var body: [String: JSONValue]
        switch await JSONResponse.readObject(&request, bytesMax: context.configuration.limits.requestBodyBytesMax) {
        case .failure(let rejection): return rejection.response
        case .success(let object): body = object
        }
        let given: String?
        switch Self.recordID(body.removeValue(forKey: "id")) {
        case .failure(let rejection): return rejection.response
        case .success(let id): given = id
        }
        if body["base_version"] != nil {
            return JSONResponse.error(
                .unprocessableContent,
                "POST creates a record and takes no base_version; change an existing record with PUT"
            )
        }
        if body.isEmpty {
            return JSONResponse.error(
                .unprocessableContent,
                "name at least one field to set: a record exists once one of its fields was committed"
            )
        }
        let fields: [(String, JSONValue)]
        switch plan(body, user: user, schema: schema) {
        case .failure(let rejection): return rejection.response
        case .success(let (planned, _)): fields = planned
        }
        let key: RecordKey
        let base: Int
        do {
            var existing: RecordState
            if let given {
                existing = try await currentRecord(RecordKey(model: schema.name, recordID: given), schema: schema)
            } else {
                // A claimed key is never claimed again, but a POST naming that id may have taken it meanwhile.
                repeat {
                    let claimed = String(try await context.store.nextRecordID(model: schema.name))
                    existing = try await currentRecord(RecordKey(model: schema.name, recordID: claimed), schema: schema)
                } while existing.exists || existing.deleted
            }
            key = existing.key
            base = existing.version
            let recordID = key.recordID
            if existing.exists {
                return JSONResponse.error(
                    .conflict,
                    "\(schema.name) \"\(recordID)\" already exists at version \(existing.version); "
                        + "change it with PUT /api/v1/\(schema.name)/<pk>",
                    extra: ["id": Self.primaryKeyJSON(recordID), "version": .int(existing.version)]
                )
            }
        } catch {
            return JSONResponse.storeFailure(error)
        }
        context.statistics.count(.restWrites)
        return await commit(fields, base: base, user: user, key: key, schema: schema, success: .created, creates: true)
    }

    /// The `id` of a POST body: a non-empty string of at most 200 bytes, or an integer (stored as its digits);
    /// nil when there is none (or it is null): the store assigns one.
    static func recordID(_ value: JSONValue?) -> Result<String?, HTTPRejection> {
        guard let value, !value.isNull else { return .success(nil) }
        if let text = value.stringValue, isRecordID(text) { return .success(text) }
        if value.stringValue == nil, let number = value.intValue { return .success(String(number)) }
        return .failure(
            HTTPRejection(
                .unprocessableContent,
                "\"id\" must be a non-empty string of at most 200 bytes or an integer, got \(value.typeName)"
            )
        )
    }
}
