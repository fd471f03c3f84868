import Hummingbird
import TandemCore

/// `POST /api/v1/security/login` and `/refresh`, in Flask-AppBuilder's shapes.
///
/// Login takes `{"username", "password", "provider": "db"}` and answers `{"access_token", "refresh_token"}`;
/// refresh takes the refresh token as `Authorization: Bearer …` (or `{"refresh_token"}`) and answers
/// `{"access_token"}`. Failures answer 401 with the same message whatever was wrong, so they reveal nothing.
struct AuthRoutes: Sendable {
    let context: ServerContext

    func register(on router: Router<BasicRequestContext>) {
        router.post("/api/v1/security/login") { request, _ in await login(request) }
        router.post("/api/v1/security/refresh") { request, _ in await refresh(request) }
    }

    func login(_ request: Request) async -> Response {
        var request = request
        let body: [String: JSONValue]
        switch await JSONResponse.readObject(&request, bytesMax: 16_384) {
        case .failure(let rejection): return rejection.response
        case .success(let object): body = object
        }
        guard let username = body["username"]?.stringValue, let password = body["password"]?.stringValue else {
            return JSONResponse.error(.badRequest, "username and password are required strings")
        }
        if let provider = body["provider"], provider != .string("db") {
            return JSONResponse.error(.badRequest, "unsupported provider \(provider); only \"db\" is available")
        }
        guard let user = await context.users.authenticate(username: username, password: password) else {
            context.statistics.count(.loginsFailed)
            context.logger.notice("login refused", metadata: ["username": "\(username.prefix(64))"])
            return JSONResponse.error(.unauthorized, "Not authorized")
        }
        do {
            let pair = try await context.tokens.issue(for: user)
            context.statistics.count(.loginsSucceeded)
            return JSONResponse.make(
                .ok,
                .object([
                    "access_token": .string(pair.accessToken),
                    "refresh_token": .string(pair.refreshToken),
                ])
            )
        } catch {
            return JSONResponse.error(.internalServerError, "could not sign a token: \(error)")
        }
    }

    func refresh(_ request: Request) async -> Response {
        var request = request
        var token = ServerContext.bearerToken(authorization: request.headers[.authorization], query: nil)
        if token == nil, case .success(let body) = await JSONResponse.readObject(&request, bytesMax: 16_384) {
            token = body["refresh_token"]?.stringValue
        }
        guard let token, let user = await context.tokens.authenticate(refreshToken: token) else {
            return JSONResponse.error(.unauthorized, "Not authorized")
        }
        do {
            return JSONResponse.make(
                .ok,
                .object(["access_token": .string(try await context.tokens.issueAccess(for: user))])
            )
        } catch {
            return JSONResponse.error(.internalServerError, "could not sign a token: \(error)")
        }
    }

    /// The user a REST request's access token names, or the 401 to send.
    static func requireUser(_ request: Request, context: ServerContext) async -> Result<UserRecord, HTTPRejection> {
        let token = ServerContext.bearerToken(authorization: request.headers[.authorization], query: nil)
        guard let token, let user = await context.tokens.authenticate(accessToken: token) else {
            return .failure(HTTPRejection(.unauthorized, "Not authorized: send Authorization: Bearer <access_token>"))
        }
        return .success(user)
    }
}
