/// Where a Redis server is: host, port and database, parsed from a `redis://host:port[/db]` URL.
///
/// Deliberately small: no credentials, TLS (`rediss://`), query options or Unix sockets, each refused
/// with an error that says so rather than ignored.
public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    public static let defaultPort = 6379

    public var host: String
    public var port: Int
    public var database: Int

    public init(host: String, port: Int = Self.defaultPort, database: Int = 0) {
        precondition((1...65_535).contains(port), "port \(port) is outside 1...65535")
        precondition(database >= 0, "database \(database) is negative")
        self.host = host
        self.port = port
        self.database = database
    }

    /// Parses `redis://host[:port][/db]`; IPv6 hosts go in brackets (`redis://[::1]:6379`).
    public init(url: String) throws(RedisURLError) {
        func fail(_ message: String) -> RedisURLError { RedisURLError(url: url, message: message) }
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else {
            if url.hasPrefix("rediss://") { throw fail("TLS (rediss://) is not supported") }
            throw fail("expected a URL starting with redis://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        if rest.contains("?") || rest.contains("#") { throw fail("query and fragment parts are not supported") }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        if rest.contains("@") { throw fail("credentials in the URL are not supported") }
        let host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw fail("an IPv6 host needs a closing ]") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected \"\(after)\" after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw fail("the host is missing") }
        var port = Self.defaultPort
        if let portText {
            guard let number = Int(portText), (1...65_535).contains(number) else {
                throw fail("port \"\(portText)\" is not a number in 1...65535")
            }
            port = number
        }
        var database = 0
        if !path.isEmpty {
            guard let number = Int(path), number >= 0, path.allSatisfy(\.isASCII) else {
                throw fail("database \"\(path)\" is not a non-negative integer")
            }
            database = number
        }
        self.init(host: String(host), port: port, database: database)
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "redis://\(shownHost):\(port)/\(database)"
    }
}
