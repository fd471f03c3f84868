import Foundation
import TandemCore
import TandemCoreTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A minimal HTTP client for the tests: one request, JSON in and out.
enum HTTP {
    struct Reply: Sendable {
        var status: Int
        var body: String
        /// Response headers, names in lower case.
        var headers: [String: String] = [:]
        var json: JSONValue? { try? JSONParser().parse(body) }
    }

    static func request(
        _ method: String,
        _ url: String,
        token: String? = nil,
        body: String? = nil
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 15
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        var headers: [String: String] = [:]
        for (name, value) in (response as? HTTPURLResponse)?.allHeaderFields ?? [:] {
            headers["\(name)".lowercased()] = "\(value)"
        }
        return Reply(
            status: (response as? HTTPURLResponse)?.statusCode ?? 0,
            body: String(decoding: data, as: UTF8.self),
            headers: headers
        )
    }

    /// Logs in and returns the access token.
    static func login(_ server: ServerProcess, _ username: String, _ password: String) async throws -> String {
        let reply = try await request(
            "POST",
            "\(server.baseURL)/api/v1/security/login",
            body: #"{"username":"\#(username)","password":"\#(password)","provider":"db"}"#
        )
        guard reply.status == 200, let token = reply.json?["access_token"]?.stringValue else {
            throw TimedOut(description: "login as \(username) failed: \(reply.status) \(reply.body)")
        }
        return token
    }

    /// A counter or gauge without labels from the server's `/metrics` page.
    static func metric(_ name: String, of server: ServerProcess) async throws -> Double {
        let page = try await request("GET", "\(server.baseURL)/metrics").body
        let line = page.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        guard let value = line.flatMap({ Double($0.split(separator: " ").last ?? "") }) else {
            throw TimedOut(description: "no \(name) in /metrics")
        }
        return value
    }
}
