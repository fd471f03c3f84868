import TandemCore
import TandemStore
import Testing

/// `GET`/`POST /api/v1/<model>/` and `DELETE /api/v1/<model>/<pk>` against a real server process.
@Suite(.serialized)
struct RESTCollectionTests {
    /// `standard` plus a user whose only role cannot see `Contact`.
    static let config = TestConfig.standard.replacingOccurrences(
        of: "    - {username: ada, password: ada-pw, roles: [Admin]}",
        with: "    - {username: ada, password: ada-pw, roles: [Admin]}\n    - {username: olga, password: olga-pw, roles: [Outsider]}"
    ) + "\nroles:\n  Outsider: [\"can_show on Invoice\"]"

    @Test func createListAndConflict() async throws {
        try await withServer(config: Self.config) { server in
            let base = "\(server.baseURL)/api/v1/Contact"
            let watcher = try await ProtocolClient.login(server, as: "alice")
            try await watcher.join(record: 7)
            let token = try await HTTP.login(server, "bob", "bob-pw")

            #expect(try await HTTP.request("POST", "\(base)/", body: #"{"id": "7", "age": 1}"#).status == 401)
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
            #expect(created.json?["id"] == 7)
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
            #expect(first.json?["ids"] == [1, 2, 3])
            #expect(first.json?["result"]?.arrayValue?.first?["age"] == .int(1))
            #expect(first.json?["versions"] == [1, 1, 1])
            let second = try await HTTP.request("GET", "\(base)/?page=1&page_size=3", token: token)
            #expect(second.json?.int("count") == 4)
            #expect(second.json?["ids"] == [7])
            #expect(second.json?["versions"] == [2])
            #expect(second.json?["result"]?.arrayValue?.first?["name"] == "Ada")
            let all = try await HTTP.request("GET", base, token: token)
            #expect(all.json?["ids"] == [1, 2, 3, 7])
            #expect(try await HTTP.request("GET", "\(base)/?page=-1", token: token).status == 400)
            #expect(try await HTTP.request("GET", "\(base)/?page_size=0", token: token).status == 400)
            #expect(try await HTTP.request("GET", "\(base)/?page=9", token: token).json?["ids"] == [])

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

    /// A deletion is the record's next version: collaborators get it as `model_changed` with `change_type: "delete"`,
    /// the record then answers 404 and refuses edits and joins, and a POST of the same id creates it again.
    @Test func deleteReachesCollaboratorsAndTheRecordCanBeCreatedAgain() async throws {
        try await withServer(config: Self.config) { server in
            let base = "\(server.baseURL)/api/v1/Contact"
            let watcher = try await ProtocolClient.login(server, as: "alice")
            try await watcher.join(record: 5)
            let editor = try await HTTP.login(server, "bob", "bob-pw")
            let admin = try await HTTP.login(server, "ada", "ada-pw")
            let created = try await HTTP.request("POST", "\(base)/", token: editor, body: #"{"id": 5, "name": "Ada"}"#)
            #expect(created.status == 201, "\(created.body)")
            try await watcher.next("model_changed")

            let refused = try await HTTP.request("DELETE", "\(base)/5", token: editor)
            #expect(refused.status == 403, "\(refused.body)")
            #expect(refused.json?["message"]?.stringValue?.contains("can_delete") == true, "\(refused.body)")
            #expect(try await HTTP.request("DELETE", "\(base)/5").status == 401)
            #expect(try await HTTP.request("DELETE", "\(base)/5?base_version=x", token: admin).status == 400)
            let stale = try await HTTP.request("DELETE", "\(base)/5?base_version=0", token: admin)
            #expect(stale.status == 409, "\(stale.body)")
            #expect(stale.json?.int("version") == 1)
            #expect(try await HTTP.request("DELETE", "\(base)/nobody", token: admin).status == 404)

            let deleted = try await HTTP.request("DELETE", "\(base)/5?base_version=1", token: admin)
            #expect(deleted.status == 200, "\(deleted.body)")
            #expect(deleted.json?["message"] == "OK")
            #expect(deleted.json?.int("version") == 2)
            let gone = try await watcher.next("model_changed")
            #expect(gone["change_type"] == "delete")
            #expect(gone["origin"] == "rest")
            #expect(gone.int("version") == 2)
            #expect(gone["field"] == "")
            #expect(gone["value"] == .null)
            #expect(gone["old_value"]?["name"] == "Ada")
            #expect(gone["user"]?["username"] == "ada")

            let read = try await HTTP.request("GET", "\(base)/5", token: editor)
            #expect(read.status == 404, "\(read.body)")
            #expect(read.json?["deleted"] == true)
            #expect(try await HTTP.request("GET", "\(base)/", token: editor).json?["ids"] == [])
            let put = try await HTTP.request("PUT", "\(base)/5", token: editor, body: #"{"age": 3}"#)
            #expect(put.status == 404, "\(put.body)")
            #expect(try await HTTP.request("DELETE", "\(base)/5", token: admin).status == 404)
            let edit = try await watcher.change("age", value: "3", base: 2, rid: 40, record: 5)
            #expect(edit["type"] == "error")
            #expect(edit["code"] == "not_found", "\(edit)")
            let late = try await ProtocolClient.login(server, as: "victor")
            try await late.send(#"{"type":"join_collaboration","model":"Contact","record_id":5,"rid":41}"#)
            let join = try await late.reply(to: 41)
            #expect(join["code"] == "not_found", "\(join)")

            let again = try await HTTP.request("POST", "\(base)/", token: editor, body: #"{"id": 5, "age": 7}"#)
            #expect(again.status == 201, "\(again.body)")
            #expect(again.json?.int("version") == 3)
            #expect(again.json?["result"]?["name"] == "", "a record created again starts from the defaults")
            let back = try await watcher.next("model_changed")
            #expect(back.int("version") == 3)
            #expect(back["change_type"] == nil)
            #expect(back["value"] == .int(7))
            #expect(try await HTTP.request("GET", "\(base)/5", token: editor).json?.int("version") == 3)
            let metrics = try await HTTP.request("GET", "\(server.baseURL)/metrics")
            #expect(metrics.body.contains("tandem_deletions_total 1"), "\(metrics.body)")
        }
    }

    /// A stored row this build cannot read is a 500 naming the row, not a 503 that invites retries.
    @Test func aRowTheServerCannotReadIs500AndSaysWhich() async throws {
        try await withServer { server in
            let token = try await HTTP.login(server, "bob", "bob-pw")
            let base = "\(server.baseURL)/api/v1/Contact"
            #expect(try await HTTP.request("POST", "\(base)/", token: token, body: #"{"id": 9, "age": 1}"#).status == 201)
            let path = server.directory.appendingPathComponent("data/tandem.sqlite").path
            let beside = try await SQLiteEventStore(path: path)
            try await beside.executeForTesting("UPDATE tandem_records SET fields = '[1]' WHERE record_id = '9'")
            await beside.close()
            let read = try await HTTP.request("GET", "\(base)/9", token: token)
            #expect(read.status == 500, "\(read.body)")
            #expect(read.json?["message"]?.stringValue?.contains("cannot read") == true, "\(read.body)")
            #expect(read.json?["message"]?.stringValue?.contains("fields is not a JSON object") == true, "\(read.body)")
        }
    }
}
