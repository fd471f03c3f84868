import HummingbirdBcrypt
import NIOCore
import NIOPosix

/// Hashes and checks passwords with bcrypt, off the cooperative pool and through one `WorkGate`.
///
/// bcrypt is deliberately slow (about 0.25 s at cost 12), so every call runs on NIO's blocking thread pool:
/// on a 2-core machine the Swift concurrency pool has two threads and one login must not stall every socket.
/// The gate bounds how many run at once (by default one core fewer than the machine has, at least one) and
/// how many wait; past that `verify` and `hash` throw `WorkGate.Overloaded` at once.
public struct PasswordHasher: Sendable {
    public var cost: Int
    public let gate: WorkGate

    public init(cost: Int, gate: WorkGate = WorkGate(concurrency: PasswordHasher.defaultConcurrency, queueMax: 64)) {
        precondition((4...31).contains(cost), "bcrypt cost must be 4…31")
        self.cost = cost
        self.gate = gate
    }

    /// One core fewer than the machine has, at least one: the event loops always keep a core.
    public static var defaultConcurrency: Int { max(1, System.coreCount - 1) }

    public func hash(_ password: String) async throws -> String {
        let cost = UInt8(cost)
        return try await gate.run {
            try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
        }
    }

    /// True when `password` matches `hash`; throws `WorkGate.Overloaded` when too many checks wait already.
    public func verify(_ password: String, hash: String) async throws(WorkGate.Overloaded) -> Bool {
        do {
            return try await gate.run {
                (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
            }
        } catch let overloaded as WorkGate.Overloaded {
            throw overloaded
        } catch {
            return false
        }
    }
}
