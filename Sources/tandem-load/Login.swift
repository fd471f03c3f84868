import Foundation
import TandemCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `POST /api/v1/security/login` (Flask-AppBuilder's shape) for the clients of this tool.
enum Login {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// The access token of `username` at the server `base` (`http://host:port`).
    static func accessToken(base: String, username: String, password: String) async throws -> String {
        guard let url = URL(string: "\(base)/api/v1/security/login") else {
            throw Failed(description: "\(base) is not a URL like http://127.0.0.1:8080")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        let body: JSONValue = ["username": .string(username), "password": .string(password), "provider": "db"]
        request.httpBody = Data(try JSONWriter().string(body).utf8)
        let data: Data
        do {
            (data, _) = try await URLSession.shared.data(for: request)
        } catch {
            throw Failed(description: "login at \(base) failed: \(error.localizedDescription) (is tandem-server running?)")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let token = (try? JSONParser().parse(text))?["access_token"]?.stringValue else {
            throw Failed(description: "login as \(username) at \(base) failed: \(text)")
        }
        return token
    }

    /// The host and port of a server's base URL (`http://host:port`).
    static func hostAndPort(_ base: String) throws -> (host: String, port: Int) {
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", let host = url.host else {
            throw Failed(description: "\(base) is not a URL like http://127.0.0.1:8080")
        }
        return (host, url.port ?? (url.scheme == "https" ? 443 : 80))
    }

    /// The WebSocket URL of a server's base URL: `http://h:p` → `ws://h:p/ws`.
    static func socketURL(_ base: String) -> String {
        base.replacingOccurrences(of: "http://", with: "ws://").replacingOccurrences(of: "https://", with: "wss://")
            + "/ws"
    }
}
