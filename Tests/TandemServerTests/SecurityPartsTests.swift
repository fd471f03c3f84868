import Foundation
import Synchronization
import TandemRuntime
import Testing

@testable import TandemServer
import TandemCoreTestSupport

/// The parts behind the server's security rules, on a hand-driven clock: back-off, the bcrypt gate, the
/// per-address limiter, loopback detection and the configuration keys.
struct SecurityPartsTests {
    /// A clock that moves only when told (no sleeping in these tests).
    final class ManualClock: TandemClock {
        private let now = Mutex<Int64>(1_000_000_000)
        func nowNanos() -> Int64 { now.withLock { $0 } }
        func wallMillis() -> Int64 { now.withLock { $0 } / 1_000_000 }
        func sleep(for duration: Duration) async throws { advance(duration) }
        func advance(_ duration: Duration) { now.withLock { $0 += duration.nanosecondsClamped } }
    }

    /// Tokens expire on the server's clock, not the machine's: at 1970 plus a second (this clock) a fresh token
    /// is valid although the system clock is decades past its `exp`, and it stops being valid when this clock
    /// passes its lifetime.
    @Test func tokensExpireOnTheInjectedClock() async throws {
        let clock = ManualClock()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-users-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let users = UserRegistry(file: file.path, hasher: PasswordHasher(cost: 4), clock: clock)
        let alice = try await users.create(username: "alice", password: "alice-password-1", roles: ["Editor"])
        var settings = AuthSettings()
        settings.accessTokenLifetime = .seconds(60)
        let tokens = await TokenService(settings: settings, secret: "a-test-secret-of-enough-length!!", users: users,
                                        clock: clock)
        let token = try await tokens.issueAccess(for: alice)
        #expect(await tokens.authenticate(accessToken: token)?.id == alice.id)
        clock.advance(.seconds(59))
        #expect(await tokens.authenticate(accessToken: token)?.id == alice.id)
        clock.advance(.seconds(2))
        #expect(await tokens.authenticate(accessToken: token) == nil, "expired on the server's clock")
    }

    @Test func failuresBeyondTheFreeOnesLockTheUsernameForDoublingTimes() {
        let clock = ManualClock()
        var settings = LoginThrottleSettings()
        settings.usernameFailuresFree = 3
        settings.addressFailuresFree = 100
        let throttle = LoginThrottle(settings: settings, clock: clock)
        for _ in 0..<3 { #expect(throttle.failed(username: "alice", address: "10.0.0.1") == nil) }
        #expect(throttle.retryAfter(username: "alice", address: "10.0.0.1") == nil)
        #expect(throttle.failed(username: "alice", address: "10.0.0.1") == .seconds(1))
        #expect(throttle.retryAfter(username: "alice", address: "10.0.0.9") == .seconds(1), "any address")
        #expect(throttle.retryAfter(username: "bob", address: "10.0.0.1") == nil, "another user is free")
        clock.advance(.seconds(1))
        #expect(throttle.retryAfter(username: "alice", address: "10.0.0.1") == nil)
        #expect(throttle.failed(username: "alice", address: "10.0.0.1") == .seconds(2))
        clock.advance(.seconds(2))
        #expect(throttle.failed(username: "alice", address: "10.0.0.1") == .seconds(4))
        throttle.succeeded(username: "alice")
        #expect(throttle.retryAfter(username: "alice", address: "10.0.0.1") == nil)
    }

    @Test func oneAddressGuessingManyUsernamesIsLockedAndTheLockOutIsCapped() {
        let clock = ManualClock()
        var settings = LoginThrottleSettings()
        settings.addressFailuresFree = 2
        settings.backoffMax = .seconds(8)
        let throttle = LoginThrottle(settings: settings, clock: clock)
        #expect(throttle.failed(username: "u1", address: "10.0.0.1") == nil)
        #expect(throttle.failed(username: "u2", address: "10.0.0.1") == nil)
        #expect(throttle.failed(username: "u3", address: "10.0.0.1") == .seconds(1))
        #expect(throttle.retryAfter(username: "u4", address: "10.0.0.1") == .seconds(1))
        #expect(throttle.retryAfter(username: "u4", address: "10.0.0.2") == nil)
        #expect(LoginThrottle.lockout(excess: 60, settings: settings) == Duration.seconds(8).nanosecondsClamped)
        // Forgotten after `forgetAfter` without failures.
        clock.advance(settings.forgetAfter + .seconds(1))
        #expect(throttle.failed(username: "u5", address: "10.0.0.1") == nil)
    }

    @Test func theWorkGateRunsAtMostItsConcurrencyAndRefusesPastItsQueue() async throws {
        let gate = WorkGate(concurrency: 1, queueMax: 2)
        let release = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let running = Task {
            try await gate.run { await withCheckedContinuation { continuation in release.withLock { $0 = continuation } } }
        }
        try await waitUntil("the first job to run") { release.withLock { $0 != nil } }
        let waiting = [Task { try await gate.run { 1 } }, Task { try await gate.run { 2 } }]
        try await waitUntil("two jobs to queue") { gate.queued == 2 }
        await #expect(throws: WorkGate.Overloaded.self) { try await gate.run { 3 } }
        release.withLock { $0?.resume() }
        try await running.value
        var results: [Int] = []
        for task in waiting { results.append(try await task.value) }
        #expect(results.sorted() == [1, 2])
        #expect(gate.queued == 0)
        #expect(try await gate.run { 4 } == 4, "the slot is free again")
    }

    @Test func theAddressLimiterCountsOpenSocketsAndUpgradesPerAddress() {
        let clock = ManualClock()
        var limits = ServerLimits()
        limits.socketsPerAddressMax = 2
        limits.socketUpgradesPerSecondPerAddress = 1
        limits.socketUpgradeBurstPerAddress = 3
        let limiter = AddressLimiter(limits: limits, clock: clock)
        #expect(limiter.admit("a") == nil)
        #expect(limiter.admit("a") == nil)
        #expect(limiter.admit("a") == .openLimit)
        #expect(limiter.admit("b") == nil, "other addresses are not affected")
        limiter.release("a")
        #expect(limiter.admit("a") == nil, "a released slot is free again")
        limiter.release("a")
        limiter.release("a")
        #expect(limiter.admit("a") == .upgradeRate, "three upgrades spent the burst of three")
        clock.advance(.seconds(1))
        #expect(limiter.admit("a") == nil, "one token back after a second")
        #expect(limiter.openCount("a") == 1)
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true), ("[::1]", true),
        ("0.0.0.0", false), ("::", false), ("192.168.1.10", false), ("example.com", false), ("127.0.0", false),
        ("127.0.0.256", false),
    ])
    func loopbackAddresses(_ host: String, _ loopback: Bool) {
        #expect(ServerConfiguration.isLoopback(host) == loopback)
    }

    @Test func securitySettingsAreReadFromTheFileAndMistakesAreLocated() throws {
        let configuration = try ServerConfiguration.parse(
            yaml: """
                server:
                  strict_transport_security: 365d
                auth:
                  login_throttle: {username_failures_free: 2, address_failures_free: 9, backoff_base: 2s, backoff_max: 1m}
                  bcrypt_concurrency: 3
                  bcrypt_queue_max: 5
                  users_file_poll: 250ms
                limits:
                  sockets_per_address_max: 7
                  socket_upgrades_per_second_per_address: 2.5
                  socket_upgrade_burst_per_address: 9
                """,
            file: "t.yaml"
        )
        #expect(configuration.strictTransportSecurity == .seconds(365 * 86_400))
        #expect(configuration.auth.loginThrottle.usernameFailuresFree == 2)
        #expect(configuration.auth.loginThrottle.addressFailuresFree == 9)
        #expect(configuration.auth.loginThrottle.backoffBase == .seconds(2))
        #expect(configuration.auth.loginThrottle.backoffMax == .seconds(60))
        #expect(configuration.auth.bcryptConcurrency == 3 && configuration.auth.bcryptQueueMax == 5)
        #expect(configuration.auth.usersFilePoll == .milliseconds(250))
        #expect(configuration.limits.socketsPerAddressMax == 7)
        #expect(configuration.limits.socketUpgradesPerSecondPerAddress == 2.5)
        #expect(configuration.limits.socketUpgradeBurstPerAddress == 9)
        #expect(ServerConfiguration().strictTransportSecurity == nil)
        #expect(ServerConfiguration().auth.seedUsers.isEmpty, "no default credentials")

        let mistake = #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.parse(
                yaml: "auth:\n  login_throttle:\n    backoff_base: 1m\n    backoff_max: 1s\n",
                file: "t.yaml"
            )
        }
        #expect(mistake?.description.contains("auth.login_throttle.backoff_max") == true, "\(String(describing: mistake))")
        let unknown = #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.parse(yaml: "auth:\n  login_throttle:\n    tries: 3\n", file: "t.yaml")
        }
        #expect(unknown?.description.contains("t.yaml:3") == true, "\(String(describing: unknown))")
        let environment = #expect(throws: ConfigurationError.self) {
            var configuration = ServerConfiguration()
            try configuration.applyEnvironment(["TANDEM_SOCKETS_PER_ADDRESS_MAX": "many"])
        }
        #expect(environment?.description.contains("TANDEM_SOCKETS_PER_ADDRESS_MAX") == true)
    }
}
