import Synchronization
import TandemCore

/// The open sockets of each user, so a revocation (password or role change, `tandem-server revoke`, a
/// deactivated account) can close them with 4401 instead of letting them live on with a dead token.
public final class UserSockets: Sendable {
    private let sockets = Mutex([Int: [ObjectIdentifier: WebSocketTransport]]())

    public init() {}

    func add(user: Int, _ transport: WebSocketTransport) {
        sockets.withLock { $0[user, default: [:]][ObjectIdentifier(transport)] = transport }
    }

    func remove(user: Int, _ transport: WebSocketTransport) {
        sockets.withLock { sockets in
            sockets[user]?[ObjectIdentifier(transport)] = nil
            if sockets[user]?.isEmpty == true { sockets[user] = nil }
        }
    }

    /// Sends every socket of `user` an `unauthenticated` error and asks it to close with 4401 after its
    /// queued frames (PROTOCOL.md's unauthenticated close); returns how many.
    @discardableResult
    func closeAll(user: Int, reason: String) -> Int {
        let transports = sockets.withLock { $0.removeValue(forKey: user).map { Array($0.values) } ?? [] }
        for transport in transports {
            _ = transport.send(.error(ErrorMessage(code: .unauthenticated, message: reason, rid: nil)))
            transport.close(code: 4401, reason: "unauthenticated")
        }
        return transports.count
    }

    public func count(user: Int) -> Int { sockets.withLock { $0[user]?.count ?? 0 } }
}
