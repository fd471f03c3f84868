import Synchronization
import TandemRuntime

/// Per-client-address limits on `/ws`: open sockets at once, and upgrades per second (a token bucket), so one
/// address cannot take every socket or keep the server busy with handshakes while others still get in.
public final class AddressLimiter: Sendable {
    /// Why a socket was refused (also its `/metrics` and audit reason).
    public enum Refusal: String, Sendable, Hashable {
        case openLimit = "address_open_limit"
        case upgradeRate = "address_upgrade_rate"
    }

    private struct Entry {
        var open = 0
        var tokens: Double
        var refilledNanos: Int64
    }

    private let socketsMax: Int
    private let ratePerSecond: Double
    private let burst: Double
    private let clock: any TandemClock
    private let entries = Mutex([String: Entry]())

    public init(limits: ServerLimits, clock: any TandemClock) {
        self.socketsMax = limits.socketsPerAddressMax
        self.ratePerSecond = limits.socketUpgradesPerSecondPerAddress
        self.burst = limits.socketUpgradeBurstPerAddress
        self.clock = clock
    }

    /// Takes a socket slot for `address`, or says why not. A granted slot must be `release`d once.
    public func admit(_ address: String) -> Refusal? {
        let now = clock.nowNanos()
        return entries.withLock { entries in
            var entry = entries[address] ?? Entry(tokens: burst, refilledNanos: now)
            let elapsed = Double(max(0, now - entry.refilledNanos)) / 1e9
            entry.tokens = min(burst, entry.tokens + elapsed * ratePerSecond)
            entry.refilledNanos = now
            defer { entries[address] = entry }
            guard entry.open < socketsMax else { return .openLimit }
            guard entry.tokens >= 1 else { return .upgradeRate }
            entry.tokens -= 1
            entry.open += 1
            return nil
        }
    }

    /// Gives back the slot `admit` granted.
    public func release(_ address: String) {
        let now = clock.nowNanos()
        entries.withLock { entries in
            guard var entry = entries[address] else { return }
            entry.open -= 1
            // Forget an address with no socket and a full bucket: it is as if never seen.
            let elapsed = Double(max(0, now - entry.refilledNanos)) / 1e9
            if entry.open <= 0 && entry.tokens + elapsed * ratePerSecond >= burst {
                entries[address] = nil
            } else {
                entries[address] = entry
            }
        }
    }

    /// Open sockets of one address (for tests and `/metrics`).
    public func openCount(_ address: String) -> Int { entries.withLock { $0[address]?.open ?? 0 } }
}
