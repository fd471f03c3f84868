import CHiredis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed hiredis call: the context's error code and text, and `errno` at the time of the failure.
///
/// A context error is sticky (every later call on that context fails), so whoever gets one drops the
/// connection and reconnects. A Redis `-ERR` reply is not a `RedisError`; it is a `RedisReply.error`.
struct RedisError: Error, Sendable, CustomStringConvertible {
    /// hiredis's `REDIS_ERR_*` code (`REDIS_ERR_IO`, `REDIS_ERR_EOF`, …).
    var code: Int32
    var message: String
    var errorNumber: Int32

    init(code: Int32, message: String, errorNumber: Int32 = 0) {
        self.code = code
        self.message = message
        self.errorNumber = errorNumber
    }

    /// Reads the error of a context; `errstr` is `char[128]`, which Swift sees as a 128-element tuple.
    init(context: UnsafeMutablePointer<redisContext>, errorNumber: Int32) {
        let message = withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        self.init(code: context.pointee.err, message: message, errorNumber: errorNumber)
    }

    /// Whether the server surely closed the connection before reading what we sent (end of file, reset,
    /// broken pipe), as opposed to a timeout, after which the command may still run.
    var connectionClosed: Bool {
        code == REDIS_ERR_EOF || (code == REDIS_ERR_IO && (errorNumber == ECONNRESET || errorNumber == EPIPE))
    }

    var description: String { "redis error \(code): \(message)" }
}
