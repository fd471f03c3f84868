import TandemCore
import Testing

/// `GET`/`POST /api/v1/<model>/` and `DELETE /api/v1/<model>/<pk>` against a real server process.
@Suite(.serialized)
struct RESTCollectionTests {
    /// `standard` plus a user whose only role cannot see `Contact`.
    static let config = TestConfig.standard.replacingOccurrences(
        of: "    - {username: ada, password: ada-pw, roles: [Admin]}",
        with: "    - {username: ada, password: ada-pw, roles: [Admin]}\n    - {username: olga, password: olga-pw, roles: [Outsider]}"
    ) + "\nroles:\n  Outsider: [\"can_show on Invoice\"]"

    @Test func createListConflictAndRefusedDelete() async throws {
        try await withServer(config: Self.config) { server in
            let base = "\(server.baseURL)/api/v1/Contact"
            let watcher = try await ProtocolClient.login(server, as: "alice")
            try await watcher.join(record: 7)
            let token = try await HTTP.login(server, "bob", "bob-pw")

            #expect(try await HTTP.request("POST", "\(base)/", body: #"{"id": "7", "age": 1}"#).status == 401)
            let missing = try await HTTP.request("POST", "\(base)/", token: token, body: #"{"age": 1}"#)
            #expect(missing.status == 422)
            #expect(missing.json?["message"]?.stringValue?.contains("\"id\"") == true, "\(missing.body)")
            let badID = try await HTTP.request("POST", "\(base)/", token: token, body: #"{"id": [], "age": 1}"#)
            #expect(badID.status == 422)
            #expect(try await HTTP.request("POST", "\(base)/", token: token, body: #"{"id": "8"}"#).status == 422)
            #expect(
                try await HTTP.request("POST", "\(base)/", token: token, body: #"{"id": "8", "nope": 1}"#).status
                    == 422
            )

            let created = try await HTTP.request(
                "POST",
                "\(base)/",
                token: token,
                body: #"{"id": "7", "name": "Ada", "age": 36}"#
            )
            #expect(created.status == 201, "\(created.body)")
            #expect(created.json?["id"] == "7")
            #expect(created.json?.int("version") == 2)
            #expect(created.json?["result"]?["name"] == "Ada")
            let age = try await watcher.next("model_changed")
            #expect(age["origin"] == "rest")
            #expect(age["field"] == "age")
            #expect(age["value"] == .int(36))
            #expect(age["user"]?["username"] == "bob")
            let name = try await watcher.next("model_changed")
            #expect(name["origin"] == "rest")
            #expect(name["field"] == "name")
            #expect(name["value"] == "Ada")

            let again = try await HTTP.request("POST", "\(base)/", token: token, body: #"{"id": "7", "age": 1}"#)
            #expect(again.status == 409, "\(again.body)")
            #expect(again.json?.int("version") == 2)
            #expect(try await HTTP.request("GET", "\(base)/7", token: token).json?["result"]?["age"] == .int(36))

            for id in [3, 1, 2] {
                let reply = try await HTTP.request(
                    "POST",
                    "\(base)",
                    token: token,
                    body: #"{"id": \#(id), "age": \#(id)}"#
                )
                #expect(reply.status == 201, "\(reply.body)")
            }
            let first = try await HTTP.request("GET", "\(base)/?page_size=3", token: token)
            #expect(first.status == 200, "\(first.body)")
            #expect(first.json?.int("count") == 4)
            #expect(first.json?["ids"] == ["1", "2", "3"])
            #expect(first.json?["result"]?.arrayValue?.first?["fields"]?["age"] == .int(1))
            #expect(first.json?["result"]?.arrayValue?.first?.int("version") == 1)
            let second = try await HTTP.request("GET", "\(base)/?page=1&page_size=3", token: token)
            #expect(second.json?.int("count") == 4)
            #expect(second.json?["ids"] == ["7"])
            #expect(second.json?["result"]?.arrayValue?.first?.int("version") == 2)
            #expect(second.json?["result"]?.arrayValue?.first?["fields"]?["name"] == "Ada")
            let all = try await HTTP.request("GET", base, token: token)
            #expect(all.json?["ids"] == ["1", "2", "3", "7"])
            #expect(try await HTTP.request("GET", "\(base)/?page=-1", token: token).status == 400)
            #expect(try await HTTP.request("GET", "\(base)/?page_size=0", token: token).status == 400)
            #expect(try await HTTP.request("GET", "\(base)/?page=9", token: token).json?["ids"] == [])

            let deleted = try await HTTP.request("DELETE", "\(base)/7", token: token)
            #expect(deleted.status == 405)
            #expect(deleted.json?["message"]?.stringValue?.contains("append-only") == true, "\(deleted.body)")
            #expect(try await HTTP.request("GET", "\(base)/7", token: token).json?.int("version") == 2)

            let outsider = try await HTTP.login(server, "olga", "olga-pw")
            #expect(try await HTTP.request("GET", "\(base)/", token: outsider).status == 403)
            #expect(
                try await HTTP.request("POST", "\(base)/", token: outsider, body: #"{"id": "9", "age": 1}"#).status
                    == 403
            )
            let viewer = try await HTTP.login(server, "victor", "victor-pw")
            #expect(try await HTTP.request("GET", "\(base)/", token: viewer).json?.int("count") == 4)
            #expect(
                try await HTTP.request("POST", "\(base)/", token: viewer, body: #"{"id": "9", "age": 1}"#).status
                    == 403
            )
        }
    }
}
