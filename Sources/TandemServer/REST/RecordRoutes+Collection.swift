import Hummingbird
import TandemCore
import TandemEngine

/// `GET` and `POST /api/v1/<model>/`: list and create.
extension RecordRoutes {
    static let pageSizeDefault = 25
    static let pageSizeMax = 100

    /// One page of the records of a model the store holds, sorted by id: `?page=` (from 0) and `?page_size=`
    /// (default 25, at most 100; larger sizes are capped).
    func list(_ request: Request, model: String?) async -> Response {
        let schema: ModelSchema
        switch await authorize(request, model: model) {
        case .failure(let rejection): return rejection.response
        case .success(let found): (_, schema) = found
        }
        let page: Int
        let pageSize: Int
        switch Self.pageArguments(request) {
        case .failure(let rejection): return rejection.response
        case .success(let found): (page, pageSize) = found
        }
        context.statistics.count(.restReads)
        let found: (total: Int, records: [RecordState])
        do {
            let (offset, overflow) = page.multipliedReportingOverflow(by: pageSize)
            found = try await context.store.records(
                model: schema.name,
                offset: overflow ? Int.max : offset,
                limit: pageSize
            )
        } catch {
            return JSONResponse.storeFailure(error)
        }
        let records = found.records.map(schema.completing)
        return JSONResponse.make(
            .ok,
            .object([
                "count": .int(found.total),
                "ids": .array(records.map { .string($0.key.recordID) }),
                "result": .array(
                    records.map {
                        .object([
                            "id": .string($0.key.recordID), "version": .int($0.version), "fields": .object($0.fields),
                        ])
                    }
                ),
            ])
        )
    }

    /// `page` and `page_size` from the query: non-negative integers, the size between 1 and 100 (capped).
    static func pageArguments(_ request: Request) -> Result<(page: Int, pageSize: Int), HTTPRejection> {
        let query = request.uri.queryParameters
        var page = 0
        var pageSize = pageSizeDefault
        if let raw = query["page"] {
            guard let value = Int(String(raw)), value >= 0 else {
                return .failure(HTTPRejection(.badRequest, "page must be a non-negative integer (pages count from 0)"))
            }
            page = value
        }
        if let raw = query["page_size"] {
            guard let value = Int(String(raw)), value >= 1 else {
                return .failure(HTTPRejection(.badRequest, "page_size must be a positive integer (at most \(pageSizeMax))"))
            }
            pageSize = min(value, pageSizeMax)
        }
        return .success((page, pageSize))
    }

    /// Creates a record: `{"id": "…", "<field>": value, …}` commits the fields through the same path as PUT
    /// (origin `rest`), the first as the record's `INSERT`. 201 with the record; 409 when the record exists. A
    /// deleted id may be created again: its versions go on from the deletion's, and the log keeps the history.
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
        let recordID: String
        switch Self.recordID(body.removeValue(forKey: "id")) {
        case .failure(let rejection): return rejection.response
        case .success(let id): recordID = id
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
        let key = RecordKey(model: schema.name, recordID: recordID)
        let fields: [(String, JSONValue)]
        switch plan(body, user: user, schema: schema) {
        case .failure(let rejection): return rejection.response
        case .success(let (planned, _)): fields = planned
        }
        let base: Int
        do {
            let existing = try await currentRecord(key, schema: schema)
            base = existing.version
            if existing.exists {
                return JSONResponse.error(
                    .conflict,
                    "\(schema.name) \"\(recordID)\" already exists at version \(existing.version); "
                        + "change it with PUT /api/v1/\(schema.name)/<pk>",
                    extra: ["id": .string(recordID), "version": .int(existing.version)]
                )
            }
        } catch {
            return JSONResponse.storeFailure(error)
        }
        context.statistics.count(.restWrites)
        return await commit(fields, base: base, user: user, key: key, schema: schema, success: .created, creates: true)
    }

    /// The `id` of a POST body: a non-empty string of at most 200 bytes, or an integer (stored as its digits).
    static func recordID(_ value: JSONValue?) -> Result<String, HTTPRejection> {
        guard let value, !value.isNull else {
            return .failure(
                HTTPRejection(.unprocessableContent, "the body needs an \"id\": the new record's primary key")
            )
        }
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
