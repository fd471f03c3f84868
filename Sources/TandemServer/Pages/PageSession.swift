import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The admin pages' session: a cookie holding the access token, the checks on form posts (same-site cookie plus
/// `Origin`/`Referer` when present), and the small HTTP helpers the pages share.
enum PageSession {
    /// A cookie the pages keep: its name and the path it is sent to.
    struct Cookie: Sendable {
        var name: String
        var path: String
    }

    /// The access token, sent to every page.
    static let session = Cookie(name: "tandem_session", path: "/")
    /// The login's refresh token, sent only to `POST /login/token`, which trades it for a fresh access token.
    static let refresh = Cookie(name: "tandem_refresh", path: tokenPath)
    static let tokenPath = "/login/token"

    /// `Set-Cookie` for a fresh login or renewal: `token` in `cookie`, HttpOnly, SameSite=Lax, living as long as
    /// the token; `Secure` when the configuration says TLS is on in front of the server.
    static func setCookie(_ cookie: Cookie = session, token: String, maxAge: Duration, secure: Bool) -> String {
        "\(cookie.name)=\(token); Max-Age=\(maxAge.components.seconds); Path=\(cookie.path); HttpOnly; SameSite=Lax"
            + (secure ? "; Secure" : "")
    }

    /// `Set-Cookie` that removes `cookie`.
    static func clearCookie(_ cookie: Cookie = session, secure: Bool) -> String {
        "\(cookie.name)=; Max-Age=0; Path=\(cookie.path); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    /// The token a request's `Cookie` headers carry in `cookie`, if any.
    static func token(cookies: [String], in cookie: Cookie = session) -> String? {
        for header in cookies {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookie.name else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    /// Whether a form post may be from this server's own pages: every `Origin` header (when there is one) and
    /// else the `Referer` (when there is one) must name this host or an allowed origin. A post with neither is
    /// let through: browsers send `Origin` on every cross-site post, and the cookie is `SameSite=Lax`, so it is
    /// not sent on one anyway.
    static func sameOrigin(_ request: Request, policy: OriginPolicy) -> Bool {
        let origins = request.headers[values: .origin]
        let host = request.head.authority
        if !origins.isEmpty {
            // `Origin: null` (a sandboxed or privacy-stripped sender) is not this server.
            return !origins.contains("null") && origins.allSatisfy { isHTTP($0) && policy.permits($0, host: host) }
        }
        if let referer = request.headers[.referer], let url = URL(string: referer), let scheme = url.scheme,
            let refererHost = url.host
        {
            let origin = "\(scheme)://\(refererHost)" + (url.port.map { ":\($0)" } ?? "")
            return isHTTP(origin) && policy.permits(origin, host: host)
        }
        return true
    }

    private static func isHTTP(_ origin: String) -> Bool {
        let lowered = origin.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }

    /// An `application/x-www-form-urlencoded` body as name → value (the last of a repeated name wins).
    static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// A `next` target that stays on this server: a path starting with one `/` (not `//` or `/\`, which browsers
    /// read as another host), without control characters; else nil.
    static func localPath(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), next.utf8.count <= 2_048,
            !next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        return next
    }

    /// The query value for `next=`: the path percent-encoded so it survives as one parameter.
    static func encodedNext(_ path: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/"
    }

    /// `response` with a `Set-Cookie` header per cookie, never cached.
    static func setting(_ cookies: [String], on response: Response) -> Response {
        var response = response
        response.headers[.cacheControl] = "no-store"
        for cookie in cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }

    /// `303 See Other` to `location`, with extra headers (a cookie).
    static func redirect(_ location: String, setCookies: [String] = []) -> Response {
        setting(setCookies, on: Response(status: .seeOther, headers: [.location: location]))
    }

    /// The pages' Content-Security-Policy: scripts, styles, images and sockets from this server only; forms post
    /// here only; no inline script or style (the templates have none), no framing.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// An HTML page answer: never cached (it holds the token), with the pages' CSP and a referrer policy that lets
    /// the browser send `Origin` on the pages' own posts.
    static func html(_ status: HTTPResponse.Status, _ body: String, setCookie: String? = nil) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .contentSecurityPolicy: contentSecurityPolicy,
            SecurityHeaders<TandemRequestContext>.referrerPolicy: "same-origin",
        ]
        if let setCookie { headers[.setCookie] = setCookie }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
