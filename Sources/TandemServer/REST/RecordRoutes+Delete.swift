import Hummingbird
import TandemCore
import TandemEngine

/// `DELETE /api/v1/<model>/<pk>`: deletes a record through the engine, as the record's next version.
///
/// Collaborators get the deletion as `model_changed` with `change_type: "delete"` and `origin: "rest"`; the change
/// log keeps every earlier change and gains a `DELETE` row, so nothing is erased. `?base_version=n` deletes only
/// if the record is still at version n (409 otherwise), like an `If-Match`.
extension RecordRoutes {
    func delete(_ request: Request, _ target: Target) async -> Response {
        let (user, schema, key) = (target.user, target.schema, target.key)
        guard context.configuration.access.canDelete(user.identity, model: schema.name) else {
            return JSONResponse.error(
                .forbidden, "user \(user.username) may not delete \(schema.name) records (needs can_delete)",
                extra: ["code": "forbidden"]
            )
        }
        var base: Int?
        if let raw = request.uri.queryParameters["base_version"] {
            guard let value = Int(String(raw)), value >= 0 else {
                return JSONResponse.error(.badRequest, "base_version must be a non-negative integer")
            }
            base = value
        }
        context.statistics.count(.restWrites)
        let changeID = "\(changeIDPrefix)-\(counter.next())"
        switch await context.node.delete(key, baseVersion: base, user: user.identity.ref, origin: .rest, changeID: changeID) {
        case .deleted(let deletion):
            return JSONResponse.make(
                .ok,
                .object([
                    "message": "OK", "id": Self.primaryKeyJSON(key.recordID), "model": .string(schema.name),
                    "version": .int(deletion.version), "change_id": .string(deletion.changeID),
                ])
            )
        case .changedSince(let current):
            return JSONResponse.error(
                .conflict,
                "\(schema.name) \"\(key.recordID)\" changed since base_version \(base ?? current): it is at version "
                    + "\(current); read it again and repeat the DELETE with base_version=\(current) if it should go",
                extra: ["id": Self.primaryKeyJSON(key.recordID), "version": .int(current)]
            )
        case .rejected(let rejection):
            return JSONResponse.error(
                Self.status(for: rejection.code), rejection.message,
                extra: ["code": .string(rejection.code.rawValue), "id": Self.primaryKeyJSON(key.recordID)]
            )
        }
    }
}
