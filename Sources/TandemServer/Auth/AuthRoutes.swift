import Hummingbird
import TandemCore

/// `POST /api/v1/security/login` and `/refresh`, in Flask-AppBuilder's shapes.
///
/// Login takes `{"username", "password", "provider": "db"}` and answers `{"access_token", "refresh_token"}`;
/// refresh takes the refresh token as `Authorization: Bearer …` (or `{"refresh_token"}`) and answers
/// `{"access_token", "refresh_token"}`: the refresh token rotates, and the one presented is spent. Failures
/// answer 401 with the same message whatever was wrong, so they reveal nothing; repeated failures of one
/// username or address answer 429 with `Retry-After`, and a login that would queue behind too many bcrypt
/// checks answers 503 with `Retry-After` (see docs/server.md, Security).
struct AuthRoutes: Sendable {
    let context: ServerContext

    func register(on router: Router<TandemRequestContext>) {
        router.post("/api/v1/security/login") { request, requestContext in
            await login(request, address: requestContext.clientAddress)
        }
        router.post("/api/v1/security/refresh") { request, requestContext in
            await refresh(request, address: requestContext.clientAddress)
        }
    }

    func login(_ request: Request, address: String) async -> Response {
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
        switch await checkCredentials(username: username, password: password, address: address) {
        case .throttled(let wait):
            return Self.retryLater(.tooManyRequests, after: wait, "too many failed logins: try again later")
        case .overloaded:
            return Self.retryLater(.serviceUnavailable, after: .seconds(1), "too many logins at once: try again")
        case .refused:
            return JSONResponse.error(.unauthorized, "Not authorized")
        case .failedToIssue(let error):
            return JSONResponse.error(.internalServerError, "could not issue a token: \(error)")
        case .issued(_, let pair):
            return Self.tokens(pair)
        }
    }

    /// What a login attempt came to.
    enum LoginOutcome: Sendable {
        /// Refused before any password check: the username or address is locked out for this long.
        case throttled(Duration)
        /// Refused: too many bcrypt checks running and waiting.
        case overloaded
        /// Wrong username or password (recorded against the throttle and in the audit log).
        case refused
        case failedToIssue(any Error)
        case issued(UserRecord, TokenService.Pair)
    }

    /// The one credential check behind the API's login and the login page: throttle, bcrypt through the shared
    /// gate, audit of failures, counters, and the token pair on success.
    func checkCredentials(username: String, password: String, address: String) async -> LoginOutcome {
        if let wait = context.throttle.retryAfter(username: username, address: address) {
            context.statistics.count(.loginsThrottled)
            return .throttled(wait)
        }
        switch await context.users.authenticate(username: username, password: password) {
        case .overloaded:
            context.statistics.count(.loginsShed)
            return .overloaded
        case .refused:
            context.statistics.count(.loginsFailed)
            let lockout = context.throttle.failed(username: username, address: address)
            let reason = lockout.map { "wrong username or password; locked for \(Self.seconds($0)) s" }
                ?? "wrong username or password"
            await context.audit.loginFailed(username: String(username.prefix(64)), address: address, reason: reason)
            return .refused
        case .authenticated(let user):
            context.throttle.succeeded(username: username)
            do {
                let pair = try await context.tokens.issue(for: user)
                context.statistics.count(.loginsSucceeded)
                return .issued(user, pair)
            } catch {
                return .failedToIssue(error)
            }
        }
    }

    func refresh(_ request: Request, address: String) async -> Response {
        var request = request
        var token = ServerContext.bearerToken(authorization: request.headers[.authorization], query: nil)
        if token == nil, case .success(let body) = await JSONResponse.readObject(&request, bytesMax: 16_384) {
            token = body["refresh_token"]?.stringValue
        }
        guard let token else { return JSONResponse.error(.unauthorized, "Not authorized") }
        switch await Self.rotate(token, context: context, address: address) {
        case .rotated(let pair): return Self.tokens(pair)
        case .refused: return JSONResponse.error(.unauthorized, "Not authorized")
        case .failed(let error): return JSONResponse.error(.internalServerError, "could not issue a token: \(error)")
        }
    }

    /// What trading a refresh token came to, for this route and the pages' `POST /login/token`.
    enum Rotation {
        case rotated(TokenService.Pair)
        /// Unknown, expired, revoked or already spent (a replay, counted and audited; its family is revoked).
        case refused
        case failed(any Error)
    }

    /// Trades `token` for a new pair once; a replayed one is counted, audited and revokes its login's family.
    static func rotate(_ token: String, context: ServerContext, address: String) async -> Rotation {
        do {
            switch try await context.tokens.refresh(token) {
            case .refused:
                return .refused
            case .replayed(let user):
                context.statistics.count(.refreshReplays)
                await context.audit.tokensRevoked(
                    user: user,
                    username: user.username,
                    reason: "a spent refresh token was presented again; its login's refresh tokens are revoked",
                    address: address
                )
                return .refused
            case .rotated(_, let pair):
                return .rotated(pair)
            }
        } catch {
            return .failed(error)
        }
    }

    private static func tokens(_ pair: TokenService.Pair) -> Response {
        JSONResponse.make(
            .ok,
            .object(["access_token": .string(pair.accessToken), "refresh_token": .string(pair.refreshToken)])
        )
    }

    /// `status` with `Retry-After` (whole seconds, rounded up) and the same in the body.
    static func retryLater(_ status: HTTPResponse.Status, after wait: Duration, _ message: String) -> Response {
        let seconds = Self.seconds(wait)
        var response = JSONResponse.error(status, message, extra: ["retry_after": .int(seconds)])
        response.headers[.retryAfter] = String(seconds)
        return response
    }

    static func seconds(_ duration: Duration) -> Int {
        let (whole, fraction) = duration.components
        return max(1, Int(whole) + (fraction > 0 ? 1 : 0))
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
