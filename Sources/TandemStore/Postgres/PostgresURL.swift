import Foundation
import Logging
import PostgresNIO
import TandemEngine

/// A `postgres://user[:password]@host[:port]/database` URL, parsed into a `PostgresClient` configuration.
///
/// Only plain TCP is wired (`sslmode` absent or `disable`): the test clusters and a loopback or private-network
/// server need no TLS, and asking for it fails loudly rather than silently connecting in the clear.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String

    public init(_ text: String) throws(StoreError) {
        guard let components = URLComponents(string: text),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw StoreError.misconfigured("postgres url \(Self.redacted(text)): expected postgres://user@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw StoreError.misconfigured("postgres url \(Self.redacted(text)): no host")
        }
        guard let username = components.user, !username.isEmpty else {
            throw StoreError.misconfigured("postgres url \(Self.redacted(text)): no user")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw StoreError.misconfigured("postgres url \(Self.redacted(text)): no database") }
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "disable"): continue
            case ("sslmode", let mode):
                throw StoreError.misconfigured("postgres url: sslmode=\(mode ?? "") is not supported yet; use sslmode=disable")
            default:
                throw StoreError.misconfigured("postgres url: unknown parameter \(item.name)")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
    }

    /// The same server and credentials, another database (tests make one per case).
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL without its password.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    func clientConfiguration(maximumConnections: Int) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: .disable
        )
        configuration.options.maximumConnections = maximumConnections
        // How the database tells the engine's writes from other applications' (`Migration.externalWrites`).
        configuration.options.additionalStartupParameters = [("application_name", Migration.engineApplicationName)]
        return configuration
    }

    private static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://") else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return text.replacingCharacters(in: colon..<at, with: ":***")
    }
}
