import TandemCore
import Testing

/// Login, tokens, origins, roles and the REST API against a real server process.
@Suite(.timeLimit(.minutes(2)))
struct SecurityAndRESTTests {
    @Test func loginRefreshAndWrongPasswords() async throws {
        try await withServer { server in
            let login = "\(server.baseURL)/api/v1/security/login"
            let wrong = try await HTTP.request(
                "POST",
                login,
                body: #"{"username":"alice","password":"nope","provider":"db"}"#
            )
            #expect(wrong.status == 401)
            let unknown = try await HTTP.request(
                "POST",
                login,
                body: #"{"username":"mallory","password":"x","provider":"db"}"#
            )
            #expect(unknown.status == 401)
            let garbage = try await HTTP.request("POST", login, body: "not json")
            #expect(garbage.status == 400)
            let good = try await HTTP.request(
                "POST",
                login,
                body: #"{"username":"alice","password":"alice-pw","provider":"db"}"#
            )
            #expect(good.status == 200)
            let refreshToken = try #require(good.json?["refresh_token"]?.stringValue)
            let access = try #require(good.json?["access_token"]?.stringValue)
            let refreshed = try await HTTP.request(
                "POST",
                "\(server.baseURL)/api/v1/security/refresh",
                token: refreshToken
            )
            #expect(refreshed.status == 200)
            #expect(refreshed.json?["access_token"]?.stringValue?.isEmpty == false)
            let accessAsRefresh = try await HTTP.request(
                "POST",
                "\(server.baseURL)/api/v1/security/refresh",
                token: access
            )
            #expect(accessAsRefresh.status == 401)
            let refreshAsAccess = try await HTTP.request(
                "GET",
                "\(server.baseURL)/api/v1/Contact/1",
                token: refreshToken
            )
            #expect(refreshAsAccess.status == 401)
        }
    }

    @Test func socketsWithoutAValidTokenGetUnauthenticatedAndClose4401() async throws {
        try await withServer { server in
            // Raw bytes: exactly what the server writes after the 101, whatever a client library does with it.
            let cases: [(String, [String])] = [
                ("", []), ("?token=not-a-jwt", []),
                ("", ["Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged"]),
            ]
            for (query, headers) in cases {
                let port = server.port
                let reply = try RawWebSocket.exchange(port: port, query: query, headers: headers)
                #expect(reply.status.contains("101"), "\(reply.status)")
                #expect(reply.frames.count == 2, "\(reply.frames)")
                let error = try JSONParser().parse(reply.frames.first?.text ?? "")
                #expect(error["type"] == "error" && error["code"] == "unauthenticated", "\(error)")
                #expect(reply.frames.last?.closeCode == 4401)
            }
            let token = try await HTTP.login(server, "alice", "alice-pw")
            let viaQuery = try await ProtocolClient.connect(server, token: token, name: "query", tokenInQuery: true)
            #expect(viaQuery.received("connection_confirmed").first?["user"]?["username"] == "alice")
            let foreign = try await ProtocolClient.connect(
                server,
                token: token,
                name: "foreign",
                origin: "http://evil.test",
                waitForConfirmation: false
            )
            #expect(foreign.failure != nil, "a foreign origin must not be upgraded")
            let allowed = try await ProtocolClient.connect(
                server,
                token: token,
                name: "allowed",
                origin: "http://allowed.test"
            )
            #expect(allowed.received("connection_confirmed").count == 1)
        }
    }

    @Test func viewerJoinsReadOnlyAndRestrictedFieldsNeedTheFieldGrant() async throws {
        try await withServer { server in
            let viewer = try await ProtocolClient.login(server, as: "victor")
            #expect(try await viewer.join()["read_only"] == .bool(true))
            #expect(try await viewer.change("age", value: "3", base: 0, rid: 5).string("code") == "forbidden")
            let editor = try await ProtocolClient.login(server, as: "alice")
            #expect(try await editor.join(rid: 2)["read_only"] == .bool(false))
            #expect(try await editor.change("salary", value: "100", base: 0, rid: 6).string("code") == "forbidden")
            let admin = try await ProtocolClient.login(server, as: "ada")
            try await admin.join(rid: 3)
            #expect(try await admin.change("salary", value: "100", base: 0, rid: 7).string("type") == "ack")
            let url = "\(server.baseURL)/api/v1/Contact/1"
            let viewerToken = try await HTTP.login(server, "victor", "victor-pw")
            #expect(try await HTTP.request("PUT", url, token: viewerToken, body: #"{"age": 4}"#).status == 403)
            let editorToken = try await HTTP.login(server, "alice", "alice-pw")
            #expect(try await HTTP.request("PUT", url, token: editorToken, body: #"{"salary": 5}"#).status == 403)
            #expect(try await HTTP.request("GET", url, token: viewerToken).json?["result"]?["salary"] == .int(100))
        }
    }

    @Test func restWritesReachSocketsAsRestOriginAndConflictsAnswer409() async throws {
        try await withServer { server in
            let watcher = try await ProtocolClient.login(server, as: "alice")
            try await watcher.join()
            let token = try await HTTP.login(server, "bob", "bob-pw")
            let url = "\(server.baseURL)/api/v1/Contact/1"
            #expect(try await HTTP.request("PUT", url, body: #"{"age": 1}"#).status == 401)
            #expect(try await HTTP.request("PUT", url, token: token, body: #"{"nope": 1}"#).status == 422)
            #expect(try await HTTP.request("PUT", url, token: token, body: #"{"age": "old"}"#).status == 422)
            #expect(try await HTTP.request("GET", "\(server.baseURL)/api/v1/Nope/1", token: token).status == 404)
            let put = try await HTTP.request("PUT", url, token: token, body: #"{"age": 42, "base_version": 0}"#)
            #expect(put.status == 200, "\(put.body)")
            #expect(put.json?.int("version") == 1)
            let changed = try await watcher.next("model_changed")
            #expect(changed["origin"] == "rest")
            #expect(changed["value"] == .int(42))
            #expect(changed["user"]?["username"] == "bob")
            #expect(try await watcher.change("name", value: #""Ada""#, base: 1, rid: 9).int("version") == 2)
            let conflict = try await HTTP.request(
                "PUT",
                url,
                token: token,
                body: #"{"name": "Bob", "base_version": 1}"#
            )
            #expect(conflict.status == 409)
            #expect(conflict.json?["conflict_id"]?.stringValue?.isEmpty == false)
            #expect(conflict.json?["remote_value"] == "Ada")
            let metrics = try await HTTP.request("GET", "\(server.baseURL)/metrics")
            #expect(metrics.body.contains("tandem_commits_total 2"))
            #expect(metrics.body.contains("tandem_commit_duration_seconds_count 2"))
            #expect(metrics.body.contains(#"tandem_conflicts_total{kind="manual"} 1"#))
        }
    }
}
