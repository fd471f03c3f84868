import HTTPTypes
import Hummingbird

/// Headers every HTTP response carries: no MIME sniffing, a Content-Security-Policy that allows nothing, no
/// referrer, no framing, and `Strict-Transport-Security` when `server.strict_transport_security` says TLS is on in
/// front of it. The admin pages set their own policy and referrer policy (same-origin scripts, styles, sockets and
/// forms; `same-origin`, so their form posts carry an `Origin` to check), which are kept.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    }

    let strictTransportSecurity: String?
    static var referrerPolicy: HTTPField.Name { HTTPField.Name("Referrer-Policy")! }
    static var xFrameOptions: HTTPField.Name { HTTPField.Name("X-Frame-Options")! }

    init(configuration: ServerConfiguration) {
        strictTransportSecurity = configuration.strictTransportSecurity.map {
            "max-age=\($0.components.seconds); includeSubDomains"
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            var response = try await next(request, context)
            apply(&response.headers)
            return response
        } catch let error as any HTTPResponseError {
            // Errors (404 for an unknown route, 413 …) are answered by Hummingbird from the error; give
            // them the same headers.
            var response = try error.response(from: request, context: context)
            apply(&response.headers)
            return response
        }
    }

    func apply(_ headers: inout HTTPFields) {
        headers[.xContentTypeOptions] = "nosniff"
        if headers[.contentSecurityPolicy] == nil { headers[.contentSecurityPolicy] = Self.contentSecurityPolicy }
        if headers[Self.referrerPolicy] == nil { headers[Self.referrerPolicy] = "no-referrer" }
        headers[Self.xFrameOptions] = "DENY"
        if let strictTransportSecurity { headers[.strictTransportSecurity] = strictTransportSecurity }
    }
}
