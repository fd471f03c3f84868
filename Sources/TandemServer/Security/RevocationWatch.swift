import ServiceLifecycle

/// Closes the sockets of users whose tokens were revoked outside this process: `tandem-server update-user`
/// (a password or role change), `revoke`, a deactivated or removed account. It rereads the users file every
/// `auth.users_file_poll` when it changed and closes each such user's sockets with 4401.
struct RevocationWatch: Service {
    let context: ServerContext

    func run() async throws {
        var known = try await context.users.tokenStates()
        let poll = context.configuration.auth.usersFilePoll
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await context.clock.sleep(for: poll) }
            let now: [Int: UserRegistry.TokenState]
            do {
                now = try await context.users.tokenStates()
            } catch {
                context.logger.error("cannot reread the users file: \(error); revocations wait for the next try")
                continue
            }
            for (id, before) in known.sorted(by: { $0.key < $1.key }) {
                let after = now[id]
                guard after == nil || after!.version > before.version || (before.active && after?.active == false)
                else { continue }
                let reason =
                    after == nil ? "account removed" : after!.active ? "token version raised" : "account deactivated"
                let closed = context.sockets.closeAll(user: id, reason: "tokens revoked: \(reason)")
                context.statistics.count(.tokensRevoked)
                await context.audit.tokensRevoked(
                    user: await context.users.user(id: id),
                    username: before.username,
                    reason: "\(reason) in the users file; \(closed) open socket(s) closed with 4401"
                )
            }
            known = now
        }
    }
}
