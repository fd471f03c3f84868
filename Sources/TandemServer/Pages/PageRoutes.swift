import Foundation
import Hummingbird
import Mustache
import TandemCore
import TandemEngine

/// The admin pages, rendered on the server from the Mustache templates in `Resources/templates` (no build step,
/// nothing fetched from elsewhere), and the browser files under `/static/tandem/`.
///
/// `/login/` signs in through the same credential check as `POST /api/v1/security/login` (throttle, bcrypt
/// gate, audit) and keeps the access token in an HttpOnly, SameSite=Lax cookie; every other page without a valid
/// cookie redirects to `/login/?next=…`. `/<model>/list/`, `/<model>/edit/<pk>` and `/<model>/add` follow
/// Flask-AppBuilder's ModelView paths (the model's name in lowercase); the edit form carries the hooks
/// `collaboration.js` binds to (docs/reference.md, Admin pages). `/collaboration/dashboard/` and
/// `/api/v1/collaboration/stats` are for users holding the `Admin` role.
struct PageRoutes: Sendable {
    let context: ServerContext
    let templates: MustacheLibrary
    let assets: StaticAssets
    let auth: AuthRoutes

    static let pageSizeDefault = 25
    static let pageSizeMax = 100

    init(context: ServerContext) {
        self.context = context
        self.auth = AuthRoutes(context: context)
        self.templates = Self.loadTemplates()
        self.assets = StaticAssets(directory: Self.resource("static"))
    }

    static func resource(_ name: String) -> URL {
        Bundle.module.url(forResource: name, withExtension: nil)
            ?? Bundle.module.bundleURL.appendingPathComponent(name)
    }

    /// Every `*.mustache` of the bundle's templates folder, by file name without the extension. The templates ship
    /// inside the binary's bundle, so one that does not parse is a bug of this build: the server does not start.
    static func loadTemplates() -> MustacheLibrary {
        let folder = resource("templates")
        var library = MustacheLibrary()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names.sorted() where name.hasSuffix(".mustache") {
            let path = folder.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            do {
                try library.register(String(decoding: data, as: UTF8.self), named: String(name.dropLast(9)))
            } catch {
                preconditionFailure("template \(path) does not parse: \(error)")
            }
        }
        return library
    }

    func register(on router: Router<TandemRequestContext>) {
        router.get("/login/") { request, _ in loginPage(next: request.uri.queryParameters["next"].map(String.init)) }
        router.post("/login/") { request, requestContext in await login(request, address: requestContext.clientAddress) }
        router.post("/logout/") { request, _ in logout(request) }
        router.post(RouterPath(PageSession.tokenPath)) { request, requestContext in
            await renewToken(request, address: requestContext.clientAddress)
        }
        router.get("/collaboration/dashboard/") { request, _ in await dashboard(request) }
        router.get("/api/v1/collaboration/stats") { request, _ in await stats(request) }
        router.get("/static/tandem/:file") { request, requestContext in
            assets.response(
                for: requestContext.parameters.get("file") ?? "", ifNoneMatch: request.headers[.ifNoneMatch]
            ) ?? page(.notFound, "error", title: "Not found", ["message": "No such file."])
        }
        router.get("/:model/list/") { request, requestContext in
            await list(request, model: requestContext.parameters.get("model") ?? "")
        }
        router.get("/:model/edit/:pk") { request, requestContext in
            await edit(
                request, model: requestContext.parameters.get("model") ?? "",
                pk: requestContext.parameters.get("pk") ?? ""
            )
        }
        router.get("/:model/add") { request, requestContext in
            await add(request, model: requestContext.parameters.get("model") ?? "")
        }
    }

    // MARK: Rendering

    /// A page from `template` with the layout's values (title, the user, the navigation) added to `values`.
    func page(
        _ status: HTTPResponse.Status, _ template: String, title: String, user: UserRecord? = nil,
        _ values: [String: Any] = [:], setCookie: String? = nil
    ) -> Response {
        var object = values
        object["title"] = title
        object["logged_in"] = user != nil
        object["username"] = user?.username ?? ""
        if let user {
            let access = context.configuration.access
            object["nav"] = context.configuration.models.models.values
                .filter { access.canShow(user.identity, model: $0.name) }
                .map { ["name": $0.name, "path": $0.name.lowercased()] }
            object["admin"] = Self.isAdmin(user)
        }
        let body = templates.render(object, withTemplate: template) ?? "template \(template) is missing"
        return PageSession.html(status, body, setCookie: setCookie)
    }

    /// The dashboard's audience: users holding the `Admin` role (Flask-AppBuilder's `AUTH_ROLE_ADMIN`).
    static func isAdmin(_ user: UserRecord) -> Bool { user.roles.contains(Role.admin.name) }

    var secureCookie: Bool { context.configuration.strictTransportSecurity != nil || context.configuration.tls != nil }

    /// The signed-in user and their token, or the redirect to the login page (coming back here after).
    func signedIn(_ request: Request) async -> Result<(UserRecord, String), PageRedirect> {
        if let token = PageSession.token(cookies: request.headers[values: .cookie]),
            let user = await context.tokens.authenticate(accessToken: token)
        {
            return .success((user, token))
        }
        return .failure(PageRedirect(location: "/login/?next=" + PageSession.encodedNext(request.uri.description)))
    }

    /// The signed-in user, their token and the model the path names, or the page to answer instead (the login
    /// redirect, a 404 or 403 page).
    func signedIn(_ request: Request, model name: String) async
        -> Result<(UserRecord, String, ModelSchema), PageRedirect.Refusal>
    {
        switch await signedIn(request) {
        case .failure(let redirect): return .failure(.init(response: redirect.response))
        case .success(let (user, token)):
            return model(name, user: user).map { (user, token, $0) }
        }
    }

    struct PageRedirect: Error {
        var location: String
        var response: Response { PageSession.redirect(location) }
    }

    /// The model a page path names, visible to `user`, or the 404/403 page to answer.
    func model(_ name: String, user: UserRecord) -> Result<ModelSchema, PageRedirect.Refusal> {
        guard let schema = RecordRoutes.resource(name, in: context.configuration.models) else {
            return .failure(.init(response: page(.notFound, "error", title: "Not found", user: user, [
                "message": "There is no model called \"\(name)\".",
            ])))
        }
        guard context.configuration.access.canShow(user.identity, model: schema.name) else {
            return .failure(.init(response: forbidden(user, "You may not see \(schema.name) records.")))
        }
        return .success(schema)
    }

    func forbidden(_ user: UserRecord, _ message: String) -> Response {
        page(.forbidden, "error", title: "Forbidden", user: user, ["message": message])
    }

    /// Where a signed-in user lands without a `next`: the first model they may see.
    func home(_ user: UserRecord) -> String {
        let access = context.configuration.access
        let first = context.configuration.models.models.values.first { access.canShow(user.identity, model: $0.name) }
        return first.map { "/\($0.name.lowercased())/list/" } ?? (Self.isAdmin(user) ? "/collaboration/dashboard/" : "/login/")
    }

    // MARK: Login and logout

    func loginPage(
        next: String?, status: HTTPResponse.Status = .ok, error: String? = nil, username: String = ""
    ) -> Response {
        var values: [String: Any] = ["next": PageSession.localPath(next) ?? "", "form_username": username]
        if let error { values["error"] = error }
        return page(status, "login", title: "Log in", values)
    }

    func login(_ request: Request, address: String) async -> Response {
        guard PageSession.sameOrigin(request, policy: context.origins) else {
            return page(.forbidden, "error", title: "Forbidden", ["message": "This form was posted from another site."])
        }
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 16_384) else {
            return loginPage(next: nil, status: .contentTooLarge, error: "The form is too large.")
        }
        let form = PageSession.form(String(buffer: buffer))
        let username = form["username"] ?? ""
        let next = PageSession.localPath(form["next"])
        guard !username.isEmpty, let password = form["password"], !password.isEmpty else {
            return loginPage(next: next, status: .badRequest, error: "Enter your username and password.", username: username)
        }
        switch await auth.checkCredentials(username: username, password: password, address: address) {
        case .throttled(let wait):
            let seconds = AuthRoutes.seconds(wait)
            var response = loginPage(
                next: next, status: .tooManyRequests,
                error: "Too many failed logins: try again in \(seconds) s.", username: username)
            response.headers[.retryAfter] = String(seconds)
            return response
        case .overloaded:
            var response = loginPage(
                next: next, status: .serviceUnavailable, error: "Too many logins at once: try again.",
                username: username)
            response.headers[.retryAfter] = "1"
            return response
        case .refused:
            return loginPage(next: next, status: .unauthorized, error: "Wrong username or password.", username: username)
        case .failedToIssue(let error):
            return loginPage(next: next, status: .internalServerError, error: "Could not sign you in: \(error)")
        case .issued(let user, let pair):
            let target = next.flatMap { $0 == "/" ? nil : $0 } ?? home(user)
            return PageSession.redirect(target, setCookies: cookies(pair))
        }
    }

    /// The session and refresh cookies of a login or renewal.
    func cookies(_ pair: TokenService.Pair) -> [String] {
        let auth = context.configuration.auth
        return [
            PageSession.setCookie(token: pair.accessToken, maxAge: auth.accessTokenLifetime, secure: secureCookie),
            PageSession.setCookie(
                PageSession.refresh, token: pair.refreshToken, maxAge: auth.refreshTokenLifetime, secure: secureCookie),
        ]
    }

    /// Both cookies removed: a logout, or a refresh cookie that no longer works.
    var clearedCookies: [String] {
        [
            PageSession.clearCookie(secure: secureCookie),
            PageSession.clearCookie(PageSession.refresh, secure: secureCookie),
        ]
    }

    /// `POST /login/token`: the refresh cookie traded (once; it rotates) for `{"access_token"}` and both cookies
    /// renewed, so a page open longer than the access token lives reconnects (its form's `data-token-url`).
    /// Same-site posts only (403); 401 without a refresh cookie or with one that is expired, revoked or spent.
    func renewToken(_ request: Request, address: String) async -> Response {
        guard PageSession.sameOrigin(request, policy: context.origins) else {
            return JSONResponse.error(.forbidden, "This request came from another site.")
        }
        let unauthorized = {
            PageSession.setting(clearedCookies, on: JSONResponse.error(.unauthorized, "Not authorized"))
        }
        guard let refresh = PageSession.token(cookies: request.headers[values: .cookie], in: PageSession.refresh) else {
            return unauthorized()
        }
        switch await AuthRoutes.rotate(refresh, context: context, address: address) {
        case .refused:
            return unauthorized()
        case .failed(let error):
            return JSONResponse.error(.internalServerError, "could not issue a token: \(error)")
        case .rotated(let pair):
            return PageSession.setting(
                cookies(pair), on: JSONResponse.make(.ok, .object(["access_token": .string(pair.accessToken)])))
        }
    }

    func logout(_ request: Request) -> Response {
        guard PageSession.sameOrigin(request, policy: context.origins) else {
            return page(.forbidden, "error", title: "Forbidden", ["message": "This form was posted from another site."])
        }
        return PageSession.redirect("/login/", setCookies: clearedCookies)
    }

    // MARK: Models

    func list(_ request: Request, model name: String) async -> Response {
        let (user, schema): (UserRecord, ModelSchema)
        switch await signedIn(request, model: name) {
        case .failure(let refusal): return refusal.response
        case .success(let found): (user, _, schema) = found
        }
        let query = request.uri.queryParameters
        let pageSize = min(max(Int(query["page_size"] ?? "") ?? Self.pageSizeDefault, 1), Self.pageSizeMax)
        let pageIndex = min(max(Int(query["page"] ?? "") ?? 0, 0), 1_000_000)
        let found: (total: Int, records: [RecordState])
        do {
            found = try await context.store.records(model: schema.name, offset: pageIndex * pageSize, limit: pageSize)
        } catch {
            return page(.serviceUnavailable, "error", title: "Store unavailable", user: user, [
                "message": "The records could not be read: \(error)",
            ])
        }
        context.statistics.count(.restReads)
        let path = schema.name.lowercased()
        let columns = Array(schema.fields.values)
        let pages = max(1, (found.total + pageSize - 1) / pageSize)
        let rows = found.records.map(schema.completing).map { record -> [String: Any] in
            [
                "id": record.key.recordID, "edit": "/\(path)/edit/\(Self.pathSegment(record.key.recordID))",
                "cells": columns.map { ["value": RecordForm.cell(record.fields[$0.name], type: $0.type)] },
            ]
        }
        var values: [String: Any] = [
            "model": schema.name, "model_path": path, "columns": columns.map { ["label": RecordForm.label($0.name)] },
            "rows": rows, "empty": rows.isEmpty, "count": found.total, "page_number": pageIndex + 1,
            "page_count": pages, "can_add": context.configuration.access.canEdit(user.identity, model: schema.name),
        ]
        if pageIndex > 0 { values["previous"] = "/\(path)/list/?page=\(min(pageIndex, pages) - 1)&page_size=\(pageSize)" }
        if pageIndex + 1 < pages { values["next"] = "/\(path)/list/?page=\(pageIndex + 1)&page_size=\(pageSize)" }
        return page(.ok, "list", title: "\(schema.name) records", user: user, values)
    }

    /// A record id as one path segment.
    static func pathSegment(_ id: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
    }

    func edit(_ request: Request, model name: String, pk: String) async -> Response {
        let (user, token, schema): (UserRecord, String, ModelSchema)
        switch await signedIn(request, model: name) {
        case .failure(let refusal): return refusal.response
        case .success(let found): (user, token, schema) = found
        }
        guard RecordRoutes.isRecordID(pk) else {
            return page(.notFound, "error", title: "Not found", user: user, ["message": "That is not a record id."])
        }
        let record: RecordState
        do {
            record = try await context.store.loadRecord(RecordKey(model: schema.name, recordID: pk))
                .map(schema.completing) ?? schema.emptyRecord(id: pk)
        } catch {
            return page(.serviceUnavailable, "error", title: "Store unavailable", user: user, [
                "message": "The record could not be read: \(error)",
            ])
        }
        if record.deleted {
            return page(.notFound, "error", title: "Deleted", user: user, [
                "message": "\(schema.name) \(pk) was deleted at version \(record.version).",
            ])
        }
        context.statistics.count(.restReads)
        return form(user: user, token: token, schema: schema, record: record, heading: "Edit \(schema.name) \(pk)")
    }

    /// A new record's form: the store claims the model's next key (as a `POST /api/v1/<model>` without an id
    /// does), and the collaborative form creates the record with its first committed field.
    func add(_ request: Request, model name: String) async -> Response {
        let (user, token, schema): (UserRecord, String, ModelSchema)
        switch await signedIn(request, model: name) {
        case .failure(let refusal): return refusal.response
        case .success(let found): (user, token, schema) = found
        }
        guard context.configuration.access.canEdit(user.identity, model: schema.name) else {
            return forbidden(user, "You may not add \(schema.name) records.")
        }
        let record: RecordState
        do {
            var claimed: RecordState
            repeat {
                let id = String(try await context.store.nextRecordID(model: schema.name))
                claimed = try await context.store.loadRecord(RecordKey(model: schema.name, recordID: id))
                    .map(schema.completing) ?? schema.emptyRecord(id: id)
            } while claimed.exists || claimed.deleted
            record = claimed
        } catch {
            return page(.serviceUnavailable, "error", title: "Store unavailable", user: user, [
                "message": "No key could be claimed for a new record: \(error)",
            ])
        }
        return form(user: user, token: token, schema: schema, record: record, heading: "Add \(schema.name)")
    }

    func form(user: UserRecord, token: String, schema: ModelSchema, record: RecordState, heading: String) -> Response {
        let access = context.configuration.access
        let readOnly = !access.canEdit(user.identity, model: schema.name)
        return page(.ok, "record", title: heading, user: user, [
            "heading": heading, "model": schema.name, "model_path": schema.name.lowercased(),
            "record_id": record.key.recordID, "version": record.version, "token": token,
            "token_url": PageSession.tokenPath, "read_only": readOnly,
            "fields": RecordForm.fields(schema, record: record, user: user.identity, access: access),
            "collaborative": true,
        ])
    }

    // MARK: Dashboard

    func dashboard(_ request: Request) async -> Response {
        let user: UserRecord
        switch await signedIn(request) {
        case .failure(let redirect): return redirect.response
        case .success(let (found, _)): user = found
        }
        guard Self.isAdmin(user) else {
            return forbidden(user, "The collaboration dashboard is for administrators (the Admin role).")
        }
        let stats = await CollaborationStats.gather(context)
        return page(.ok, "dashboard", title: "Collaboration", user: user, stats.page)
    }

    func stats(_ request: Request) async -> Response {
        switch await AuthRoutes.requireUser(request, context: context) {
        case .failure(let rejection): return rejection.response
        case .success(let user):
            guard Self.isAdmin(user) else {
                return JSONResponse.error(.forbidden, "user \(user.username) is not an administrator (the Admin role)")
            }
            return JSONResponse.make(.ok, await CollaborationStats.gather(context).json)
        }
    }
}

extension PageRoutes.PageRedirect {
    /// A page answered instead of the one asked for (404, 403).
    struct Refusal: Error {
        var response: Response
    }
}
