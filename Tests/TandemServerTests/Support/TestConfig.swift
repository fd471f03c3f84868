/// Server configurations the tests start processes with.
enum TestConfig {
    /// The demo models, four users (two editors, a viewer, an admin), cheap bcrypt, generous rate limits.
    static let standard = """
        server:
          host: 127.0.0.1
          port: 0
          node_id: test-node
          data_dir: {{DATA}}
          allowed_origins: ["http://allowed.test"]
          shutdown_grace: 5s
        auth:
          jwt_secret: "test-secret-0123456789abcdef-0123456789"
          bcrypt_cost: 4
          seed_users:
            - {username: alice, password: alice-pw, roles: [Editor]}
            - {username: bob, password: bob-pw, roles: [Editor]}
            - {username: victor, password: victor-pw, roles: [Viewer]}
            - {username: ada, password: ada-pw, roles: [Admin]}
        limits:
          breaches_before_close_max: 1000
          messages_per_second: 10000
          message_burst: 10000
        heartbeat:
          interval: 1s
          timeout: 30s
        logging:
          level: info
        """

    /// `standard` with `lines` added at the top of its `section` (server, auth or limits).
    static func adding(_ section: String, _ lines: String...) -> String {
        let config = ("\n" + standard).replacingOccurrences(
            of: "\n\(section):\n",
            with: "\n\(section):\n" + lines.map { "  \($0)\n" }.joined()
        )
        precondition(config.count > standard.count + 1, "no section \(section) in TestConfig.standard")
        return String(config.dropFirst())
    }

    /// `standard` with another node id and, when given, a store, a backplane URL and the backplane's stream key.
    static func node(
        _ nodeID: String,
        database: String? = nil,
        backplane: String? = nil,
        streamKey: String? = nil
    ) -> String {
        var config = standard.replacingOccurrences(of: "node_id: test-node", with: "node_id: \(nodeID)")
        if let database { config += "\ndatabase:\n  url: \"\(database)\"" }
        if let backplane { config += "\nbackplane:\n  url: \"\(backplane)\"" }
        if let streamKey { config += (backplane == nil ? "\nbackplane:" : "") + "\n  stream_key: \"\(streamKey)\"" }
        return config
    }
}
