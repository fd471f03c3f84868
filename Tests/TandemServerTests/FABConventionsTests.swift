import Foundation
import TandemCore
import TandemTestSupport
import Testing

/// Flask-AppBuilder's REST conventions on `/api/v1/<resource>/`, against a real server process: lowercase
/// resource names, keys assigned by POST, flat list rows with paging, ordering and rison filters in `q`, and `_info`.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct FABConventionsTests {
    /// `q` as a client sends it: rison, percent-encoded.
    static func q(_ rison: String) -> String {
        "q=" + rison.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))!
    }

    @Test func postWithoutAnIDAssignsTheNextKeyOnTheLowercaseResource() async throws {
        try await withServer { server in
            let base = "\(server.baseURL)/api/v1/contact"
            let token = try await HTTP.login(server, "bob", "bob-pw")
            let first = try await HTTP.request("POST", "\(base)/", token: token, body: #"{"name": "Ada", "age": 36}"#)
            #expect(first.status == 201, "\(first.body)")
            #expect(first.json?["id"] == .int(1))
            #expect(first.json?["result"]?["name"] == "Ada")
            #expect(first.json?["result"]?["age"] == .int(36))
            let second = try await HTTP.request("POST", base, token: token, body: #"{"name": "Grace"}"#)
            #expect(second.status == 201, "\(second.body)")
            #expect(second.json?["id"] == .int(2))

            // An id given by hand moves the sequence past it; the old spelling is the same resource.
            let named = try await HTTP.request("POST", "\(server.baseURL)/api/v1/Contact/", token: token, body: #"{"id": 10, "age": 1}"#)
            #expect(named.status == 201, "\(named.body)")
            #expect(named.json?["id"] == .int(10))
            let after = try await HTTP.request("POST", base, token: token, body: #"{"id": null, "age": 2}"#)
            #expect(after.json?["id"] == .int(11), "\(after.body)")

            // A deleted record's key is not handed out again.
            let admin = try await HTTP.login(server, "ada", "ada-pw")
            #expect(try await HTTP.request("DELETE", "\(base)/11", token: admin).status == 200)
            #expect(try await HTTP.request("POST", base, token: token, body: #"{"age": 3}"#).json?["id"] == .int(12))

            let read = try await HTTP.request("GET", "\(base)/1", token: token)
            #expect(read.status == 200, "\(read.body)")
            #expect(read.json?["id"] == .int(1))
            #expect(read.json?["result"]?["name"] == "Ada")
            let put = try await HTTP.request("PUT", "\(base)/1", token: token, body: #"{"age": 37, "base_version": 2}"#)
            #expect(put.status == 200, "\(put.body)")
            #expect(try await HTTP.request("GET", "\(base)/_info", token: token).status == 200)
            #expect(try await HTTP.request("GET", "\(server.baseURL)/api/v1/CONTACT/", token: token).status == 404)
            #expect(try await HTTP.request("POST", base, token: token, body: #"{}"#).status == 422)
        }
    }

    @Test func concurrentPostsGetDistinctKeys() async throws {
        try await withServer { server in
            let base = "\(server.baseURL)/api/v1/contact/"
            let token = try await HTTP.login(server, "bob", "bob-pw")
            let ids = try await Self.postConcurrently(count: 12, to: [base], token: token)
            #expect(ids.sorted() == Array(1...12))
        }
    }

    /// Two nodes sharing one PostgreSQL database: POSTs to both at once never get the same key.
    @Test func postsToTwoNodesSharingPostgresGetDistinctKeys() async throws {
        try await TestPostgres.withDatabase { database in
            let store = TestPostgres.configURL(database)
            let a = try await ServerProcess.start(config: TestConfig.node("node-a", database: store))
            let b: ServerProcess
            do {
                b = try await ServerProcess.start(config: TestConfig.node("node-b", database: store))
            } catch {
                await a.stop()
                throw error
            }
            do {
                let token = try await HTTP.login(a, "bob", "bob-pw")
                let bases = [a, b].map { "\($0.baseURL)/api/v1/contact/" }
                let ids = try await Self.postConcurrently(count: 16, to: bases, token: token)
                #expect(ids.sorted() == Array(1...16))
            } catch {
                await a.stop()
                await b.stop()
                throw error
            }
            await a.stop()
            await b.stop()
        }
    }

    static func postConcurrently(count: Int, to bases: [String], token: String) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int?.self) { group in
            for number in 0..<count {
                group.addTask {
                    let reply = try await HTTP.request(
                        "POST", bases[number % bases.count], token: token, body: #"{"age": \#(number)}"#)
                    #expect(reply.status == 201, "\(reply.body)")
                    return reply.json?["id"]?.intValue
                }
            }
            var ids: [Int] = []
            for try await id in group {
                let id = try #require(id)
                ids.append(id)
            }
            return ids
        }
    }

    @Test func listRowsAreFlatWithPagingOrderAndFiltersInQ() async throws {
        try await withServer { server in
            let base = "\(server.baseURL)/api/v1/contact/"
            let token = try await HTTP.login(server, "bob", "bob-pw")
            let people: [(String, Int)] = [("Ada", 36), ("Grace", 45), ("Alan", 41), ("Barbara", 29), ("Annie", 41)]
            for (name, age) in people {
                let reply = try await HTTP.request("POST", base, token: token, body: #"{"name": "\#(name)", "age": \#(age)}"#)
                #expect(reply.status == 201, "\(reply.body)")
            }

            let all = try await HTTP.request("GET", base, token: token)
            #expect(all.status == 200, "\(all.body)")
            #expect(all.json?.int("count") == 5)
            #expect(all.json?["ids"] == [1, 2, 3, 4, 5])
            #expect(all.json?["versions"] == [2, 2, 2, 2, 2])
            let row = try #require(all.json?["result"]?.arrayValue?.first)
            #expect(row["id"] == .int(1))
            #expect(row["name"] == "Ada")
            #expect(row["age"] == .int(36))
            #expect(row["salary"] == .int(0), "every field, defaults included")
            #expect(row["fields"] == nil, "rows are flat")

            // Plain parameters.
            let byAge = try await HTTP.request("GET", "\(base)?order_column=age&order_direction=desc&page_size=2", token: token)
            #expect(byAge.status == 200, "\(byAge.body)")
            #expect(byAge.json?.int("count") == 5)
            #expect(byAge.json?["ids"] == [2, 3], "45, then the two 41s by id: 3 before 5")
            let next = try await HTTP.request("GET", "\(base)?order_column=age&order_direction=desc&page_size=2&page=1", token: token)
            #expect(next.json?["ids"] == [5, 1])

            // The same in q, with filters.
            let filtered = try await HTTP.request(
                "GET",
                "\(base)?" + Self.q("(page:0,page_size:10,order_column:name,order_direction:asc,filters:!((col:name,opr:sw,value:a),(col:age,opr:gt,value:40)))"),
                token: token
            )
            #expect(filtered.status == 200, "\(filtered.body)")
            #expect(filtered.json?.int("count") == 2)
            #expect(filtered.json?["result"]?.arrayValue?.map { $0["name"] ?? .null } == ["Alan", "Annie"])
            let exact = try await HTTP.request(
                "GET", "\(base)?" + Self.q("(filters:!((col:name,opr:eq,value:'Barbara')),columns:!(name))"), token: token)
            #expect(exact.json?["ids"] == [4], "\(exact.body)")
            #expect(exact.json?["result"] == [["id": 4, "name": "Barbara"]])
            let byID = try await HTTP.request(
                "GET", "\(base)?" + Self.q("(filters:!((col:id,opr:in,value:!(2,'5',9))))"), token: token)
            #expect(byID.json?["ids"] == [2, 5], "\(byID.body)")
            let paged = try await HTTP.request("GET", "\(base)?" + Self.q("(page:2,page_size:2)"), token: token)
            #expect(paged.json?["ids"] == [5], "\(paged.body)")
            #expect(paged.json?.int("count") == 5)

            // Quoted rison strings: spaces, and !' and !! for a quote and an exclamation mark.
            let quoted = try await HTTP.request("POST", base, token: token, body: #"{"name": "Ann O'Neil!", "age": 50}"#)
            #expect(quoted.json?["id"] == .int(6), "\(quoted.body)")
            let escaped = try await HTTP.request(
                "GET", "\(base)?" + Self.q("(filters:!((col:name,opr:eq,value:'Ann O!'Neil!!')))"), token: token)
            #expect(escaped.json?["ids"] == [6], "\(escaped.body)")
        }
    }

    /// Each bad `q`: 400, with a message naming the argument (or the character) and what was wrong.
    static let badQueries: [(rison: String, names: String, mentions: String)] = [
        ("(page:0", "at character 8", "ends inside an object"),
        ("(page:0,)", "at character 8", "trailing comma"),
        ("(page:'x)", "at character 7", "never closed"),
        ("(page:!x)", "at character 7", "'!x'"),
        ("(page:0)extra", "at character 9", "after the value"),
        ("(a:1,a:2)", "at character 6", "key \"a\" appears twice"),
        ("!(1,2)", "q must be a rison object", "array"),
        ("(pages:0)", "unknown key \"pages\"", "page_size"),
        ("(page:-1)", "q.page must be a non-negative integer", "-1"),
        ("(page_size:'ten')", "q.page_size must be a positive integer", "ten"),
        ("(order_column:shoe)", "q.order_column must be id or a field of Contact", "shoe"),
        ("(order_direction:up)", "q.order_direction must be asc or desc", "up"),
        ("(filters:!((col:name,opr:gt,value:a)))", "q.filters[0].opr \"gt\" is not an operator for name", "sw"),
        ("(filters:!((col:shoe,opr:eq,value:1)))", "q.filters[0].col \"shoe\"", "not id or a field"),
        ("(filters:!((col:name,opr:eq)))", "q.filters[0] needs value", "compare"),
        ("(filters:!((col:age,opr:in,value:3)))", "q.filters[0].value must be an array", "in"),
        ("(filters:(col:age))", "q.filters must be an array", "object"),
        ("(columns:!(name,shoe))", "q.columns names \"shoe\"", "not id or a field"),
    ]

    @Test func badQueriesAre400NamingTheProblem() async throws {
        try await withServer { server in
            let token = try await HTTP.login(server, "bob", "bob-pw")
            for bad in Self.badQueries {
                let reply = try await HTTP.request("GET", "\(server.baseURL)/api/v1/contact/?" + Self.q(bad.rison), token: token)
                #expect(reply.status == 400, "\(bad.rison): \(reply.body)")
                let message = reply.json?["message"]?.stringValue ?? ""
                #expect(message.contains(bad.names), "\(bad.rison): \(message)")
                #expect(message.contains(bad.mentions), "\(bad.rison): \(message)")
            }
            let both = try await HTTP.request("GET", "\(server.baseURL)/api/v1/contact/?page=1&" + Self.q("(page:2)"), token: token)
            #expect(both.status == 400, "\(both.body)")
            #expect(both.json?["message"]?.stringValue?.contains("page is given both in q and as a query parameter") == true)
        }
    }

    /// `_info` lists only what the caller may write: a restricted field needs its grant, a viewer writes nothing.
    @Test func infoFollowsTheCallersPermissions() async throws {
        let config = TestConfig.standard.replacingOccurrences(
            of: "    - {username: ada, password: ada-pw, roles: [Admin]}",
            with: "    - {username: ada, password: ada-pw, roles: [Admin]}\n    - {username: pat, password: pat-pw, roles: [Payroll]}"
        ) + "\nroles:\n  Payroll: [\"can_show on Contact\", \"can_edit on Contact\", \"can_edit_field on Contact.salary\"]"
        try await withServer(config: config) { server in
            let url = "\(server.baseURL)/api/v1/contact/_info"
            #expect(try await HTTP.request("GET", url).status == 401)
            func info(_ user: String) async throws -> JSONValue {
                let reply = try await HTTP.request("GET", url, token: try await HTTP.login(server, user, "\(user)-pw"))
                #expect(reply.status == 200, "\(reply.body)")
                return try #require(reply.json)
            }
            func names(_ columns: JSONValue?) -> [String] { columns?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [] }
            let all = ["name", "notes", "age", "active", "birthday", "settings", "tags", "salary"]

            let editor = try await info("bob")
            #expect(names(editor["add_columns"]) == Array(all.dropLast()), "salary is restricted")
            #expect(names(editor["edit_columns"]) == Array(all.dropLast()))
            #expect(editor["permissions"] == ["can_get", "can_info", "can_post", "can_put"])
            let age = try #require(editor["add_columns"]?.arrayValue?.first { $0["name"] == "age" })
            #expect(age["type"] == "Float" && age["tandem_type"] == "number" && age["required"] == false)
            #expect(editor["filters"]?["name"]?.arrayValue?.contains(["name": "Starts with", "operator": "sw"]) == true)
            #expect(editor["filters"]?["age"]?.arrayValue?.contains(["name": "Greater than", "operator": "gt"]) == true)
            #expect(editor["filters"]?["salary"] != nil, "everyone who sees the model may filter on every field")

            let payroll = try await info("pat")
            #expect(names(payroll["edit_columns"]) == all, "the field grant adds salary")
            #expect(payroll["permissions"] == ["can_get", "can_info", "can_post", "can_put"])
            let viewer = try await info("victor")
            #expect(names(viewer["add_columns"]).isEmpty && names(viewer["edit_columns"]).isEmpty)
            #expect(viewer["permissions"] == ["can_get", "can_info"])
            let admin = try await info("ada")
            #expect(names(admin["edit_columns"]) == all)
            #expect(admin["permissions"] == ["can_get", "can_info", "can_post", "can_put", "can_delete"])
        }
    }
}
