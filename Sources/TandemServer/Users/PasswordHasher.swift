import HummingbirdBcrypt
import NIOPosix

/// Hashes and checks passwords with bcrypt, off the cooperative pool.
///
/// bcrypt is deliberately slow (about 0.25 s at cost 12), so every call runs on NIO's blocking thread pool:
/// on a 2-core machine the Swift concurrency pool has two threads and one login must not stall every socket.
public struct PasswordHasher: Sendable {
    public var cost: Int

    public init(cost: Int) {
        precondition((4...31).contains(cost), "bcrypt cost must be 4…31")
        self.cost = cost
    }

    public func hash(_ password: String) async throws -> String {
        let cost = UInt8(cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
    }
}
