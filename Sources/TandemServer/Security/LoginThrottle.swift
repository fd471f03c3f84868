import Synchronization
import TandemRuntime

/// How failed logins are slowed down (`auth.login_throttle`): each username and each client address may fail
/// a few times freely, then every further failure locks that key for twice as long as the one before.
public struct LoginThrottleSettings: Sendable, Hashable {
    /// Failures of one username allowed before its first lock-out.
    public var usernameFailuresFree = 5
    /// Failures from one client address (any usernames) allowed before its first lock-out.
    public var addressFailuresFree = 20
    /// The first lock-out; each later failure doubles it.
    public var backoffBase: Duration = .seconds(1)
    /// The longest lock-out.
    public var backoffMax: Duration = .seconds(15 * 60)
    /// A key with no failure for this long starts again from zero.
    public var forgetAfter: Duration = .seconds(3600)
    /// Keys remembered at most (the oldest are forgotten first), so a spray of addresses cannot grow memory.
    public var keysMax = 100_000

    public init() {}
}

/// Failed-login bookkeeping per username and per client address, with exponential back-off.
///
/// A login is first asked about (`retryAfter`): while either of its keys is locked it is refused with 429
/// before any bcrypt work is spent. A failure is recorded against both keys; a success clears the
/// username's failures (not the address's, so one valid account cannot launder a guessing address).
public final class LoginThrottle: Sendable {
    private struct Entry {
        var failures: Int
        var lastFailureNanos: Int64
        var lockedUntilNanos: Int64
    }

    public enum Key: Hashable, Sendable {
        case username(String)
        case address(String)
    }

    private let settings: LoginThrottleSettings
    private let clock: any TandemClock
    private let entries = Mutex([Key: Entry]())

    public init(settings: LoginThrottleSettings, clock: any TandemClock) {
        self.settings = settings
        self.clock = clock
    }

    /// How long the caller must wait before this login may be tried, or nil when it may be tried now.
    public func retryAfter(username: String, address: String) -> Duration? {
        let now = clock.nowNanos()
        return entries.withLock { entries in
            let waits = [Key.username(username), .address(address)].compactMap { key -> Int64? in
                guard let entry = entries[key], entry.lockedUntilNanos > now else { return nil }
                return entry.lockedUntilNanos - now
            }
            return waits.max().map { Duration.nanoseconds($0) }
        }
    }

    /// Records a failed login; returns the lock-out it started, if any.
    @discardableResult
    public func failed(username: String, address: String) -> Duration? {
        let now = clock.nowNanos()
        return entries.withLock { entries in
            if entries.count >= settings.keysMax { Self.evict(&entries, now: now, settings: settings) }
            var longest: Int64 = 0
            for (key, free) in [(Key.username(username), settings.usernameFailuresFree),
                                (.address(address), settings.addressFailuresFree)] {
                var entry = entries[key] ?? Entry(failures: 0, lastFailureNanos: now, lockedUntilNanos: 0)
                if now - entry.lastFailureNanos > settings.forgetAfter.nanosecondsClamped { entry.failures = 0 }
                entry.failures += 1
                entry.lastFailureNanos = now
                if entry.failures > free {
                    let lock = Self.lockout(excess: entry.failures - free, settings: settings)
                    entry.lockedUntilNanos = now + lock
                    longest = max(longest, lock)
                }
                entries[key] = entry
            }
            return longest > 0 ? .nanoseconds(longest) : nil
        }
    }

    /// Records a successful login: the username starts again from zero.
    public func succeeded(username: String) {
        _ = entries.withLock { $0.removeValue(forKey: .username(username)) }
    }

    /// Keys currently locked out (for `/metrics`).
    public var lockedCount: Int {
        let now = clock.nowNanos()
        return entries.withLock { $0.values.filter { $0.lockedUntilNanos > now }.count }
    }

    /// base × 2^(excess−1), at most `backoffMax`.
    static func lockout(excess: Int, settings: LoginThrottleSettings) -> Int64 {
        let base = settings.backoffBase.nanosecondsClamped
        let maximum = settings.backoffMax.nanosecondsClamped
        let shift = min(excess - 1, 62)
        let (scaled, overflow) = base.multipliedReportingOverflow(by: Int64(1) << Int64(shift))
        return overflow ? maximum : min(scaled, maximum)
    }

    /// Drops forgotten keys, then (still full) the half with the oldest failures.
    private static func evict(_ entries: inout [Key: Entry], now: Int64, settings: LoginThrottleSettings) {
        let forget = settings.forgetAfter.nanosecondsClamped
        entries = entries.filter { now - $0.value.lastFailureNanos <= forget || $0.value.lockedUntilNanos > now }
        guard entries.count >= settings.keysMax else { return }
        let keep = entries.sorted { $0.value.lastFailureNanos > $1.value.lastFailureNanos }.prefix(settings.keysMax / 2)
        entries = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}
