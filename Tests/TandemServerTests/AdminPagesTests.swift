import Foundation
import TandemCore
import TandemCoreTestSupport
import Testing

/// The admin pages against a real server process: login and its cookie, the list, edit and add pages, read-only
/// inputs from the field permissions, the dashboard and its JSON, the static files, and HTML escaping.
@Suite(.timeLimit(.minutes(2)))
struct AdminPagesTests {
    /// Logs in through the page and returns the session cookie's value.
    static func pageLogin(_ server: ServerProcess, _ username: String) throws -> String {
        let reply = try RawHTTP.request(
            server, "POST", "/login/", form: "username=\(username)&password=\(username)-pw")
        guard reply.status == 303, let cookie = reply.sessionCookie else {
            throw TimedOut(description: "page login as \(username): \(reply.status) \(reply.body.prefix(300))")
        }
        return cookie
    }

    /// The start tag of the element with `id` in `html` (`<input id="…" …>`), or "".
    static func tag(id: String, in html: String) -> String {
        guard let range = html.range(of: "id=\"\(id)\"") else { return "" }
        let start = html[..<range.lowerBound].lastIndex(of: "<") ?? range.lowerBound
        let end = html[range.upperBound...].firstIndex(of: ">") ?? html.endIndex
        return String(html[start...end])
    }

    /// The start tag of the element carrying `attribute` (`data-field="age"`) in `html`, or "".
    static func tag(with attribute: String, in html: String) -> String {
        guard let range = html.range(of: attribute) else { return "" }
        let start = html[..<range.lowerBound].lastIndex(of: "<") ?? range.lowerBound
        let end = html[range.upperBound...].firstIndex(of: ">") ?? html.endIndex
        return String(html[start...end])
    }

    @Test func loginSetsTheCookieAndRedirectsAndPagesNeedIt() async throws {
        try await withServer { server in
            let form = try RawHTTP.request(server, "GET", "/login/?next=%2Fcontact%2Fedit%2F3")
            #expect(form.status == 200)
            #expect(form.body.contains(#"<form class="tandem-login" method="post" action="/login/">"#))
            #expect(form.body.contains(#"name="next" value="/contact/edit/3""#), "\(form.body)")
            #expect(form.header("content-type") == "text/html; charset=utf-8")

            let login = try RawHTTP.request(
                server, "POST", "/login/", headers: ["Origin: http://127.0.0.1:\(server.port)"],
                form: "username=alice&password=alice-pw&next=%2Fcontact%2Fedit%2F3")
            #expect(login.status == 303)
            #expect(login.header("location") == "/contact/edit/3")
            let setCookie = try #require(login.headers("set-cookie").first)
            #expect(setCookie.hasPrefix("tandem_session=ey"), "\(setCookie)")
            for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=900"] {
                #expect(setCookie.contains(attribute), "\(setCookie) lacks \(attribute)")
            }
            let cookie = try #require(login.sessionCookie)
            // The cookie holds an access token the API takes too.
            let api = try await HTTP.request("GET", "\(server.baseURL)/api/v1/Contact/_info", token: cookie)
            #expect(api.status == 200)

            let signedIn = try RawHTTP.request(server, "GET", "/contact/list/", cookie: cookie)
            #expect(signedIn.status == 200)
            #expect(signedIn.body.contains(#"data-me="alice""#))
            let anonymous = try RawHTTP.request(server, "GET", "/contact/list/?page=2")
            #expect(anonymous.status == 303)
            #expect(anonymous.header("location") == "/login/?next=/contact/list/%3Fpage%3D2")
            #expect(anonymous.sessionCookie == nil)
            let forged = try RawHTTP.request(server, "GET", "/contact/edit/1", cookie: "eyJhbGciOiJIUzI1NiJ9.e30.x")
            #expect(forged.status == 303)

            // No `next`, or one pointing off the server: the first model's list.
            for next in ["", "&next=%2F%2Fevil.test%2F", "&next=https%3A%2F%2Fevil.test%2F"] {
                let reply = try RawHTTP.request(server, "POST", "/login/", form: "username=bob&password=bob-pw\(next)")
                #expect(reply.status == 303)
                #expect(reply.header("location") == "/contact/list/", "next=\(next)")
            }

            let logout = try RawHTTP.request(
                server, "POST", "/logout/", cookie: cookie, headers: ["Origin: http://127.0.0.1:\(server.port)"])
            #expect(logout.status == 303)
            #expect(logout.header("location") == "/login/")
            #expect(logout.headers("set-cookie").first?.hasPrefix("tandem_session=; Max-Age=0; Path=/; HttpOnly") == true)
        }
    }

    /// `POST /login/token` with the refresh cookie a page login set: a fresh access token (one a WebSocket takes)
    /// and both cookies renewed; no, a forged, a spent or a revoked refresh cookie is 401, a cross-site post 403;
    /// logout clears both cookies. The edit form names the endpoint in `data-token-url`.
    @Test func theRefreshCookieRenewsThePagesToken() async throws {
        try await withServer { server in
            let origin = "Origin: http://127.0.0.1:\(server.port)"
            let login = try RawHTTP.request(
                server, "POST", "/login/", headers: [origin], form: "username=alice&password=alice-pw")
            #expect(login.status == 303)
            let setRefresh = try #require(login.headers("set-cookie").first { $0.hasPrefix("tandem_refresh=") })
            for attribute in ["HttpOnly", "SameSite=Lax", "Path=/login/token", "Max-Age=604800"] {
                #expect(setRefresh.contains(attribute), "\(setRefresh) lacks \(attribute)")
            }
            let session = try #require(login.sessionCookie)
            let refresh = try #require(login.cookie("tandem_refresh"))
            #expect(refresh.hasPrefix("ey") && refresh != session)

            let add = try RawHTTP.request(server, "GET", "/contact/add", cookie: session)
            #expect(Self.tag(with: "data-tandem-record", in: add.body).contains(#"data-token-url="/login/token""#))

            func renew(_ cookie: String?, headers: [String] = [origin]) throws -> RawHTTP.Reply {
                let cookieHeader = cookie.map { ["Cookie: tandem_refresh=\($0)"] } ?? []
                return try RawHTTP.request(server, "POST", "/login/token", headers: headers + cookieHeader)
            }
            let renewed = try renew(refresh)
            #expect(renewed.status == 200, "\(renewed.body)")
            #expect(renewed.header("cache-control") == "no-store")
            let body = try JSONSerialization.jsonObject(with: Data(renewed.body.utf8)) as? [String: Any]
            let access = try #require(body?["access_token"] as? String)
            #expect(body?["refresh_token"] == nil, "the refresh token stays in its HttpOnly cookie")
            #expect(renewed.sessionCookie == access)
            let rotated = try #require(renewed.cookie("tandem_refresh"))
            #expect(rotated != refresh)
            let client = try await ProtocolClient.connect(server, token: access, name: "renewed")
            await client.abandon()

            let refusedCookies: [(String?, String)] = [
                (nil, "no cookie"), ("eyJhbGciOiJIUzI1NiJ9.e30.x", "a forged one"), (session, "an access token"),
            ]
            for (cookie, what) in refusedCookies {
                let refused = try renew(cookie)
                #expect(refused.status == 401, "\(what): \(refused.status)")
                let cleared = refused.headers("set-cookie")
                #expect(cleared.contains { $0.hasPrefix("tandem_refresh=; Max-Age=0") }, "\(what): \(cleared)")
            }
            let crossSite = try renew(rotated, headers: ["Origin: https://evil.test"])
            #expect(crossSite.status == 403)
            let crossReferer = try renew(rotated, headers: ["Referer: https://evil.test/page"])
            #expect(crossReferer.status == 403)
            // The spent cookie again: a replay, which revokes the login's refresh tokens, the rotated one too.
            #expect(try renew(refresh).status == 401)
            #expect(try renew(rotated).status == 401)

            let logout = try RawHTTP.request(server, "POST", "/logout/", cookie: session, headers: [origin])
            let cleared = logout.headers("set-cookie")
            #expect(cleared.contains { $0.hasPrefix("tandem_session=; Max-Age=0; Path=/;") }, "\(cleared)")
            #expect(cleared.contains { $0.hasPrefix("tandem_refresh=; Max-Age=0; Path=/login/token;") }, "\(cleared)")
        }
    }

    @Test func aWrongPasswordShowsAnErrorAndSetsNoCookie() async throws {
        try await withServer { server in
            let wrong = try RawHTTP.request(
                server, "POST", "/login/", form: "username=alice&password=nope&next=%2Fcontact%2Flist%2F")
            #expect(wrong.status == 401)
            #expect(wrong.headers("set-cookie").isEmpty)
            #expect(wrong.body.contains(#"role="alert""#) && wrong.body.contains("Wrong username or password."))
            #expect(wrong.body.contains(#"value="alice""#), "the username stays filled in")
            #expect(wrong.body.contains(#"name="next" value="/contact/list/""#))
            // The page's failures count with the API's: the same throttle and counters.
            #expect(try await HTTP.metric("tandem_server_events_total{event=\"logins_failed\"}", of: server) == 1)

            let foreign = try RawHTTP.request(
                server, "POST", "/login/", headers: ["Origin: http://evil.test"],
                form: "username=alice&password=alice-pw")
            #expect(foreign.status == 403)
            #expect(foreign.headers("set-cookie").isEmpty)
            let foreignReferer = try RawHTTP.request(
                server, "POST", "/login/", headers: ["Referer: http://evil.test/login/"],
                form: "username=alice&password=alice-pw")
            #expect(foreignReferer.status == 403)
            let nullOrigin = try RawHTTP.request(
                server, "POST", "/logout/", headers: ["Origin: null"])
            #expect(nullOrigin.status == 403)
        }
    }

    @Test func theLoginPageLocksOutLikeTheAPI() async throws {
        let config = TestConfig.adding("auth", "login_throttle: {username_failures_free: 2, backoff_base: 30s}")
        try await withServer(config: config) { server in
            for _ in 0..<3 {
                _ = try RawHTTP.request(server, "POST", "/login/", form: "username=bob&password=nope")
            }
            let locked = try RawHTTP.request(server, "POST", "/login/", form: "username=bob&password=bob-pw")
            #expect(locked.status == 429)
            #expect(locked.header("retry-after").flatMap(Int.init).map { $0 > 0 } == true)
            #expect(locked.headers("set-cookie").isEmpty)
            let api = try await HTTP.request(
                "POST", "\(server.baseURL)/api/v1/security/login",
                body: #"{"username":"bob","password":"bob-pw","provider":"db"}"#)
            #expect(api.status == 429, "the page's failures lock the API login too")
        }
    }

    @Test func listEditAndAddRenderTheConfiguredFields() async throws {
        try await withServer { server in
            let token = try await HTTP.login(server, "alice", "alice-pw")
            let put = try await HTTP.request(
                "PUT", "\(server.baseURL)/api/v1/Contact/1", token: token,
                body: #"{"name":"Ann","notes":"line one\nline two","age":42,"active":true,"birthday":"1990-05-17T08:30:00.000Z","settings":{"theme":"dark"},"tags":[{"id":"t1","label":"vip"}]}"#
            )
            #expect(put.status == 200, "\(put.body)")
            let cookie = try Self.pageLogin(server, "alice")

            let list = try RawHTTP.request(server, "GET", "/contact/list/", cookie: cookie)
            #expect(list.status == 200)
            #expect(list.body.contains(#"<a class="tandem-button" href="/contact/add">Add</a>"#))
            #expect(list.body.contains(#"href="/contact/edit/1""#))
            #expect(list.body.contains("<td>Ann</td>") && list.body.contains("<td>42</td>"))
            for label in ["Name", "Notes", "Age", "Active", "Birthday", "Settings", "Tags", "Salary"] {
                #expect(list.body.contains("<th scope=\"col\">\(label)</th>"), "list column \(label)")
            }
            let paged = try RawHTTP.request(server, "GET", "/contact/list/?page=1&page_size=1", cookie: cookie)
            #expect(!paged.body.contains("<td>Ann</td>"), "page 1 of size 1 is past the one record")
            let unknown = try RawHTTP.request(server, "GET", "/nosuchmodel/list/", cookie: cookie)
            #expect(unknown.status == 404)

            let edit = try RawHTTP.request(server, "GET", "/contact/edit/1", cookie: cookie)
            #expect(edit.status == 200)
            let html = edit.body
            let formTag = Self.tag(with: "data-tandem-record", in: html)
            for attribute in [
                #"data-model="Contact""#, #"data-record-id="1""#, #"data-ws-url="/ws""#, #"data-user="alice""#,
                "data-token=\"\(cookie)\"",
            ] {
                #expect(formTag.contains(attribute), "form tag \(formTag) lacks \(attribute)")
            }
            #expect(!formTag.contains("data-read-only"))
            #expect(html.contains(#"<ul class="tandem-presence" data-presence"#))
            #expect(html.contains(#"data-connection-state="offline""#))
            #expect(html.contains("<div data-comments></div>"))
            #expect(html.contains(#"<script type="module" src="/static/tandem/collaboration.js"></script>"#))
            #expect(html.contains(#"<link rel="stylesheet" href="/static/tandem/tandem.css">"#))
            let expected: [(field: String, type: String, strategy: String, input: String)] = [
                ("name", "string", "manual", #"type="text" value="Ann""#),
                ("notes", "text", "ot", "<textarea"),
                ("age", "number", "last_writer_wins", #"type="number" step="any""#),
                ("active", "bool", "last_writer_wins", #"type="checkbox" value="true" checked"#),
                ("birthday", "datetime", "last_writer_wins", #"type="datetime-local" step="1" value="1990-05-17T08:30:00""#),
                ("settings", "json", "json-merge", #"data-editor="json""#),
                ("tags", "list", "list-merge", #"data-editor="list""#),
                ("salary", "number", "last_writer_wins", #"type="number""#),
            ]
            for field in expected {
                let wrapper = Self.tag(with: "data-field=\"\(field.field)\"", in: html)
                #expect(wrapper.contains("data-field-type=\"\(field.type)\""), "\(wrapper)")
                #expect(wrapper.contains("data-strategy=\"\(field.strategy)\""), "\(wrapper)")
                #expect(html.contains("<label for=\"field-\(field.field)\">"), "label for \(field.field)")
                let input = Self.tag(id: "field-\(field.field)", in: html)
                #expect(input.contains("name=\"\(field.field)\""), "\(input)")
                #expect(input.contains(field.input), "\(field.field): \(input) lacks \(field.input)")
                // Editors may not edit the restricted salary; every other field is theirs.
                let readOnly = input.contains(#"disabled aria-readonly="true""#)
                #expect(readOnly == (field.field == "salary"), "\(field.field) read-only: \(readOnly)")
            }
            #expect(html.contains("\nline one\nline two</textarea>"), "the text field holds the text exactly")
            #expect(html.contains(#"{&quot;theme&quot;:&quot;dark&quot;}</textarea>"#))
            #expect(html.contains(#"<li data-item-id="t1">"#))

            let add = try RawHTTP.request(server, "GET", "/contact/add", cookie: cookie)
            #expect(add.status == 200)
            #expect(add.body.contains("<h1>Add Contact</h1>"))
            let addForm = Self.tag(with: "data-tandem-record", in: add.body)
            #expect(addForm.contains(#"data-record-id="2""#), "the next free key: \(addForm)")
            #expect(Self.tag(id: "field-name", in: add.body).contains(#"value="""#))
        }
    }

    @Test func whoMayNotEditGetsReadOnlyInputs() async throws {
        try await withServer { server in
            let viewer = try Self.pageLogin(server, "victor")
            let edit = try RawHTTP.request(server, "GET", "/contact/edit/5", cookie: viewer)
            #expect(edit.status == 200)
            #expect(Self.tag(with: "data-tandem-record", in: edit.body).contains("data-read-only"))
            for field in ["name", "notes", "age", "active", "birthday", "settings", "tags", "salary"] {
                let input = Self.tag(id: "field-\(field)", in: edit.body)
                #expect(input.contains(#"disabled aria-readonly="true""#), "viewer's \(field): \(input)")
            }
            let list = try RawHTTP.request(server, "GET", "/contact/list/", cookie: viewer)
            #expect(list.status == 200 && !list.body.contains("/contact/add"), "no Add link for a viewer")
            let add = try RawHTTP.request(server, "GET", "/contact/add", cookie: viewer)
            #expect(add.status == 403)

            let admin = try Self.pageLogin(server, "ada")
            let adminEdit = try RawHTTP.request(server, "GET", "/contact/edit/5", cookie: admin)
            #expect(!Self.tag(id: "field-salary", in: adminEdit.body).contains("disabled"), "Admin edits salary")
        }
    }

    @Test func theDashboardAndItsJSONAreForAdminsOnly() async throws {
        try await withServer { server in
            let editor = try Self.pageLogin(server, "alice")
            let refused = try RawHTTP.request(server, "GET", "/collaboration/dashboard/", cookie: editor)
            #expect(refused.status == 403)
            #expect(refused.body.contains("for administrators"))
            #expect(!refused.body.contains("/collaboration/dashboard/\">Dashboard"), "no dashboard link for an editor")
            let anonymous = try RawHTTP.request(server, "GET", "/collaboration/dashboard/")
            #expect(anonymous.status == 303)

            // Some activity: bob on Contact 1 over the socket, a change over REST.
            let bob = try await ProtocolClient.login(server, as: "bob")
            try await bob.join(record: 1)
            let aliceToken = try await HTTP.login(server, "alice", "alice-pw")
            let put = try await HTTP.request(
                "PUT", "\(server.baseURL)/api/v1/Contact/1", token: aliceToken, body: #"{"age":7}"#)
            #expect(put.status == 200)

            let admin = try Self.pageLogin(server, "ada")
            let page = try RawHTTP.request(server, "GET", "/collaboration/dashboard/", cookie: admin)
            #expect(page.status == 200)
            #expect(page.body.contains(#"<a href="/contact/edit/1">Contact 1</a>"#), "\(page.body)")
            #expect(page.body.contains(#"<li data-user="bob">bob"#))
            #expect(page.body.contains(#"<tr data-latency="commit">"#))
            #expect(page.body.contains("<dt>commits</dt><dd>1</dd>"))

            let forbidden = try await HTTP.request("GET", "\(server.baseURL)/api/v1/collaboration/stats", token: aliceToken)
            #expect(forbidden.status == 403)
            let noToken = try await HTTP.request("GET", "\(server.baseURL)/api/v1/collaboration/stats")
            #expect(noToken.status == 401)
            let adaToken = try await HTTP.login(server, "ada", "ada-pw")
            let stats = try await HTTP.request("GET", "\(server.baseURL)/api/v1/collaboration/stats", token: adaToken)
            #expect(stats.status == 200)
            let json = try #require(stats.json)
            #expect(json["node_id"] == "test-node")
            #expect(json["connections"]?.intValue == 1)
            let sessions = try #require(json["sessions"]?.arrayValue)
            #expect(sessions.count == 1)
            #expect(sessions.first?["session_id"] == "Contact:1" && sessions.first?["record_id"] == 1)
            #expect(sessions.first?["participants"]?.arrayValue?.map { $0["username"] } == ["bob"])
            #expect(json["totals"]?["commits"]?.intValue == 1)
            let commit = try #require(json["latency"]?["commit"])
            #expect(commit["count"]?.intValue == 1)
            #expect((commit["p99_ms"]?.numberValue ?? -1) >= (commit["p50_ms"]?.numberValue ?? 0))
            #expect(json["latency"]?["propagation"]?["count"]?.intValue == 1, "one change fanned out")
            // The audit log's events reach the timeline once the node has written them.
            var minutes: [JSONValue] = []
            try await waitUntil("the change and bob's join in the timeline, seen \(minutes)") {
                let again = try? await HTTP.request(
                    "GET", "\(server.baseURL)/api/v1/collaboration/stats", token: adaToken)
                minutes = again?.json?["timeline"]?.arrayValue ?? []
                return minutes.reduce(0) { $0 + ($1["changes"]?.intValue ?? 0) } == 1
                    && minutes.reduce(0) { $0 + ($1["joins"]?.intValue ?? 0) } == 1
            }
            #expect(minutes.allSatisfy { $0["minute"]?.stringValue?.hasSuffix(":00.000Z") == true }, "\(minutes)")
            try await bob.close()
        }
    }

    @Test func staticFilesAreServedWithTheirTypesAndCaching() async throws {
        try await withServer { server in
            let css = try RawHTTP.request(server, "GET", "/static/tandem/tandem.css")
            #expect(css.status == 200)
            #expect(css.header("content-type") == "text/css; charset=utf-8")
            #expect(css.header("cache-control") == "public, max-age=300, must-revalidate")
            #expect(css.body.contains("--tandem-user-color"))
            let etag = try #require(css.header("etag"))
            let again = try RawHTTP.request(server, "GET", "/static/tandem/tandem.css", headers: ["If-None-Match: \(etag)"])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            let script = try RawHTTP.request(server, "GET", "/static/tandem/collaboration.js")
            #expect(script.status == 200)
            #expect(script.header("content-type") == "text/javascript; charset=utf-8")
            #expect(script.header("x-content-type-options") == "nosniff")
            for missing in ["nope.js", "..%2F..%2FPackage.swift", "%2Fetc%2Fpasswd"] {
                let reply = try RawHTTP.request(server, "GET", "/static/tandem/\(missing)")
                #expect(reply.status == 404, "\(missing)")
            }
        }
    }

    @Test func recordValuesAreEscaped() async throws {
        try await withServer { server in
            let token = try await HTTP.login(server, "alice", "alice-pw")
            let hostile = #"<script>alert('x')</script>\" onfocus=\"alert(1)"#
            let put = try await HTTP.request(
                "PUT", "\(server.baseURL)/api/v1/Contact/1", token: token,
                body: #"{"name":"\#(hostile)","notes":"</textarea><script>alert(2)</script>"}"#)
            #expect(put.status == 200, "\(put.body)")
            let cookie = try Self.pageLogin(server, "alice")
            for path in ["/contact/list/", "/contact/edit/1"] {
                let page = try RawHTTP.request(server, "GET", path, cookie: cookie)
                #expect(page.status == 200)
                #expect(!page.body.contains("<script>alert"), "\(path) holds an unescaped script")
                #expect(!page.body.contains("</textarea><script>"), "\(path)")
                #expect(!page.body.contains(#"" onfocus=""#), "\(path) lets a value out of its attribute")
                #expect(page.body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "\(path)")
                let policy = page.header("content-security-policy") ?? ""
                #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "\(policy)")
                #expect(page.header("cache-control") == "no-store")
            }
            let edit = try RawHTTP.request(server, "GET", "/contact/edit/1", cookie: cookie)
            #expect(edit.body.contains("&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;</textarea>"))
        }
    }
}
