import TandemRedis
import Testing

@Suite struct RedisEndpointTests {
    @Test(arguments: [
        ("redis://127.0.0.1:6380", RedisEndpoint(host: "127.0.0.1", port: 6380, database: 0)),
        ("redis://cache.internal", RedisEndpoint(host: "cache.internal", port: 6379, database: 0)),
        ("redis://localhost:7000/3", RedisEndpoint(host: "localhost", port: 7000, database: 3)),
        ("redis://[::1]:6379/1", RedisEndpoint(host: "::1", port: 6379, database: 1)),
        ("redis://h/", RedisEndpoint(host: "h", port: 6379, database: 0)),
    ])
    func validURLsParse(_ url: String, _ expected: RedisEndpoint) throws {
        #expect(try RedisEndpoint(url: url) == expected)
    }

    @Test(arguments: [
        ("127.0.0.1:6379", "starting with redis://"),
        ("rediss://h:6379", "TLS"),
        ("redis://", "host is missing"),
        ("redis://:6379", "host is missing"),
        ("redis://h:0", "not a number in 1...65535"),
        ("redis://h:99999", "not a number in 1...65535"),
        ("redis://h:port", "not a number"),
        ("redis://h:6379/x", "database \"x\""),
        ("redis://h:6379/-1", "non-negative"),
        ("redis://user:pw@h:6379", "credentials"),
        ("redis://h:6379?timeout=1", "query"),
        ("redis://[::1:6379", "closing ]"),
    ])
    func invalidURLsSayWhatIsWrong(_ url: String, _ fragment: String) {
        #expect {
            _ = try RedisEndpoint(url: url)
        } throws: { error in
            guard let error = error as? RedisURLError else { return false }
            return error.url == url && error.message.contains(fragment)
        }
    }

    @Test func theDescriptionIsACompleteURL() {
        #expect(RedisEndpoint(host: "::1", port: 1, database: 2).description == "redis://[::1]:1/2")
    }
}
