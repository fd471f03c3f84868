import Hummingbird
import TandemCore
import TandemEngine
import TandemWire

extension RecordRoutes {
    /// Commits the planned fields one by one through `node.commit` (origin `rest`) and answers the outcome.
    func commit(
        _ fields: [(String, JSONValue)],
        base: Int?,
        user: UserRecord,
        key: RecordKey,
        schema: ModelSchema,
        success: HTTPResponse.Status = .ok,
        creates: Bool = false
    ) async -> Response {
        let baseVersion: Int
        do {
            if let base {
                baseVersion = base
            } else {
                baseVersion = try await currentRecord(key, schema: schema).version
            }
        } catch {
            return JSONResponse.storeFailure(error)
        }
        var committed: [JSONValue] = []
        for (name, value) in fields {
            let number = counter.next()
            let request = ChangeRequest(
                changeID: "\(changeIDPrefix)-\(number)",
                key: key,
                field: name,
                baseVersion: baseVersion,
                payload: .value(value),
                user: user.identity.ref,
                origin: .rest,
                timestampMillis: context.clock.wallMillis(),
                createsRecord: creates
            )
            switch await context.node.commit(request) {
            case .committed(let change):
                committed.append(.object(["field": .string(name), "version": .int(change.version)]))
            case .conflict(let conflict):
                context.statistics.count(.restConflicts)
                return conflictResponse(conflict, committed: committed)
            case .rejected(let rejection):
                return JSONResponse.error(
                    Self.status(for: rejection.code),
                    rejection.message,
                    extra: [
                        "code": .string(rejection.code.rawValue), "field": .string(name),
                        "committed": .array(committed),
                    ]
                )
            }
        }
        do {
            var body = Self.recordJSON(try await currentRecord(key, schema: schema))
            if case .object(var object) = body {
                object["changes"] = .array(committed)
                body = .object(object)
            }
            return JSONResponse.make(success, body)
        } catch {
            return JSONResponse.make(success, .object(["changes": .array(committed)]))
        }
    }

    /// 409 with the protocol's `conflict_detected` object, plus the fields committed before the conflict.
    private func conflictResponse(_ conflict: ConflictRecord, committed: [JSONValue]) -> Response {
        let detected = ConflictDetected(
            sessionID: conflict.key.sessionID,
            conflictID: conflict.id,
            field: conflict.field,
            baseVersion: conflict.baseVersion,
            localValue: conflict.localValue,
            remoteValue: conflict.remoteValue,
            remoteUser: conflict.remoteUser ?? UserRef(id: 0, username: "")
        )
        let frame = context.codec.encodeServer(.conflictDetected(detected))
        guard case .object(var object)? = try? JSONParser().parse(frame) else {
            return JSONResponse.error(.conflict, "conflict \(conflict.id) on field \(conflict.field)")
        }
        object["message"] = .string(
            "field \"\(conflict.field)\" changed since version \(conflict.baseVersion); "
                + "settle conflict \(conflict.id) over the WebSocket or PUT again with a newer base_version"
        )
        object["committed"] = .array(committed)
        return JSONResponse.make(.conflict, .object(object))
    }

    static func status(for code: ErrorCode) -> HTTPResponse.Status {
        switch code {
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .unknownField, .invalidOp, .invalidMessage: return .unprocessableContent
        case .tooLarge: return .contentTooLarge
        case .rateLimited: return .tooManyRequests
        case .unauthenticated: return .unauthorized
        case .sessionFull, .notJoined: return .conflict
        case .internal: return .internalServerError
        }
    }
}
