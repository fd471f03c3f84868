import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The REST calls a live run makes: logins, an administrator's `DELETE`, and `/metrics` scrapes.
public struct LiveREST: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A logged-in user: the access token and the id the server gave the user (the token's `sub`).
    public struct Login: Sendable {
        public var token: String
        public var userID: Int
    }

    /// `http://host:port` of the node these calls go to.
    public var baseURL: String
    public var timeout: TimeInterval = 30

    public init(baseURL: String) { self.baseURL = baseURL }

    /// `POST /api/v1/security/login`; a refusal names the user and the status.
    public func login(username: String, password: String) async throws -> Login {
        let body = try JSONSerialization.data(withJSONObject: ["username": username, "password": password,
                                                               "provider": "db"])
        let (status, data) = try await call("POST", "/api/v1/security/login", body: body)
        guard status == 200,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let token = object["access_token"] as? String
        else {
            throw Failure(description: "login of \(username) at \(baseURL) failed: HTTP \(status) "
                + String(decoding: data.prefix(200), as: UTF8.self))
        }
        guard let userID = Self.subject(of: token) else {
            throw Failure(description: "login of \(username) at \(baseURL): the token has no numeric 'sub'")
        }
        return Login(token: token, userID: userID)
    }

    /// `DELETE /api/v1/{model}/{pk}` as the holder of `token`; returns the HTTP status.
    public func delete(model: String, record: String, token: String) async throws -> Int {
        try await call("DELETE", "/api/v1/\(model)/\(record)", token: token).status
    }

    /// The node's `/metrics` text (Prometheus exposition format).
    public func metrics() async throws -> String {
        let (status, data) = try await call("GET", "/metrics")
        guard status == 200 else { throw Failure(description: "GET \(baseURL)/metrics: HTTP \(status)") }
        return String(decoding: data, as: UTF8.self)
    }

    private func call(
        _ method: String, _ path: String, body: Data? = nil, token: String? = nil
    ) async throws -> (status: Int, data: Data) {
        guard let url = URL(string: baseURL + path) else { throw Failure(description: "bad URL \(baseURL + path)") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        } catch {
            throw Failure(description: "\(method) \(url): \(error.localizedDescription)")
        }
    }

    /// The numeric `sub` claim of a JWT (read without verifying: the server that issued it verifies it).
    static func subject(of token: String) -> Int? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
              let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        if let sub = claims["sub"] as? String { return Int(sub) }
        return claims["sub"] as? Int
    }
}
