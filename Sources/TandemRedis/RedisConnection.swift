import CHiredis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One blocking hiredis context: connect, send argv commands, pipeline, read replies.
///
/// Not thread-safe and deliberately not `Sendable`: it lives on one dedicated thread (a reader's thread,
/// or the publisher actor's `DedicatedThreadExecutor`) and never on the cooperative pool, where a blocking
/// call would stall every task. Only `fileDescriptor` may be handed out, for `shutdown(2)` from another
/// thread to wake a blocked read.
final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>

    /// Connects (bounded by `connectTimeout`), sets the socket's read/write timeout and selects the database.
    init(endpoint: RedisEndpoint, connectTimeout: Duration, ioTimeout: Duration, name: String?) throws(RedisError) {
        guard let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), Self.timeValue(connectTimeout))
        else {
            throw RedisError(code: REDIS_ERR_OOM, message: "hiredis could not allocate a context")
        }
        if context.pointee.err != 0 {
            let error = RedisError(context: context, errorNumber: errno)
            redisFree(context)
            throw error
        }
        self.context = context
        guard redisSetTimeout(context, Self.timeValue(ioTimeout)) == REDIS_OK else {
            throw RedisError(context: context, errorNumber: errno)
        }
        if endpoint.database != 0 { try expectOK(["SELECT", "\(endpoint.database)"]) }
        if let name { try expectOK(["CLIENT", "SETNAME", name]) }
    }

    deinit { redisFree(context) }

    var fileDescriptor: Int32 { context.pointee.fd }

    /// Sends one command and waits for its reply.
    func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisReply {
        let raw = Self.withArgv(arguments) { redisCommandArgv(context, $0, $1, $2) }
        guard let raw else { throw RedisError(context: context, errorNumber: errno) }
        defer { freeReplyObject(raw) }
        return RedisReply(copying: raw.assumingMemoryBound(to: redisReply.self))
    }

    func command(_ arguments: String...) throws(RedisError) -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    /// Buffers a command without any I/O; the next `reply()` flushes the buffer (pipelining).
    func append(_ arguments: [[UInt8]]) throws(RedisError) {
        let status = Self.withArgv(arguments) { redisAppendCommandArgv(context, $0, $1, $2) }
        guard status == REDIS_OK else { throw RedisError(context: context, errorNumber: errno) }
    }

    /// Reads the next reply of a pipeline, writing the buffered commands first if needed.
    func reply() throws(RedisError) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw RedisError(context: context, errorNumber: errno)
        }
        defer { freeReplyObject(raw) }
        return RedisReply(copying: raw.assumingMemoryBound(to: redisReply.self))
    }

    private func expectOK(_ arguments: [String]) throws(RedisError) {
        let reply = try command(arguments.map { Array($0.utf8) })
        if case .error(let message) = reply { throw RedisError(code: REDIS_ERR_OTHER, message: message) }
    }

    static func timeValue(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        return timeval(tv_sec: numericCast(seconds), tv_usec: numericCast(attoseconds / 1_000_000_000_000))
    }

    /// Lays the arguments out as one buffer and calls `body` with argc, argv and the lengths (binary-safe).
    private static func withArgv<Result>(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result
    ) -> Result {
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        for argument in arguments {
            offsets.append(bytes.count)
            lengths.append(argument.count)
            bytes += argument
        }
        bytes.append(0)  // never empty, so the base address exists
        return bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return argv.withUnsafeMutableBufferPointer { argvBuffer in
                lengths.withUnsafeBufferPointer {
                    body(Int32(arguments.count), argvBuffer.baseAddress!, $0.baseAddress!)
                }
            }
        }
    }
}
