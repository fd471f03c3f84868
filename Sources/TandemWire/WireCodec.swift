import TandemCore

/// The translator between protocol messages and WebSocket text frames (one JSON object per frame).
///
/// Servers use `decodeClient` and `encodeServer`; clients (the load generator, tests, other nodes' probes)
/// use the mirror pair `encodeClient` and `decodeServer`. Decoding checks the frame size, parses with the
/// strict `JSONParser`, reads `rid` first (so errors can echo it) and `type`, then the payload; it never
/// traps, whatever the bytes. Unknown members are ignored; an unknown `type` is `invalid_message`.
/// Encoding is deterministic: the same message gives the same bytes (sorted keys, no whitespace).
public struct WireCodec: Sendable {
    public var limits: WireLimits

    public init(limits: WireLimits = WireLimits()) {
        self.limits = limits
    }

    // MARK: Server side

    /// Decodes a frame a client sent.
    @inlinable
    public func decodeClient(_ frame: some Collection<UInt8>) throws(WireError) -> ClientMessage {
        if let result = frame.withContiguousStorageIfAvailable({ clientResult($0) }) { return try result.get() }
        try Self.checkSize(frame.count, bytesMax: limits.frameBytesMax)  // before anything is copied
        return try Array(frame).withUnsafeBufferPointer { clientResult($0) }.get()
    }

    public func decodeClient(_ frame: String) throws(WireError) -> ClientMessage {
        try decodeClient(frame.utf8)
    }

    public func encodeServer(_ message: ServerMessage) -> String {
        String(decoding: encodeServerBytes(message), as: UTF8.self)
    }

    public func encodeServerBytes(_ message: ServerMessage) -> [UInt8] {
        Self.write(Self.serverJSON(message))
    }

    // MARK: Client side

    public func encodeClient(_ message: ClientMessage) -> String {
        String(decoding: encodeClientBytes(message), as: UTF8.self)
    }

    public func encodeClientBytes(_ message: ClientMessage) -> [UInt8] {
        Self.write(Self.clientJSON(message))
    }

    /// Decodes a frame a server sent.
    @inlinable
    public func decodeServer(_ frame: some Collection<UInt8>) throws(WireError) -> ServerMessage {
        if let result = frame.withContiguousStorageIfAvailable({ serverResult($0) }) { return try result.get() }
        try Self.checkSize(frame.count, bytesMax: limits.serverFrameBytesMax)  // before anything is copied
        return try Array(frame).withUnsafeBufferPointer { serverResult($0) }.get()
    }

    public func decodeServer(_ frame: String) throws(WireError) -> ServerMessage {
        try decodeServer(frame.utf8)
    }

    // MARK: Shared

    // The decoders' generic entry points are `@inlinable`, so that a caller in another module (the server's and the
    // load generator's frame handlers with NIO's `ByteBufferView`) gets them specialized for its collection; the
    // frame is then decoded from a contiguous buffer by the non-generic functions below. Until 2026-12-03 they were
    // not, and every frame went through the unspecialized generic path (witness-table calls, generic metadata at
    // run time).

    @usableFromInline
    func clientResult(_ frame: UnsafeBufferPointer<UInt8>) -> Result<ClientMessage, WireError> {
        decoded(frame, bytesMax: limits.frameBytesMax, Self.decodeClientPayload)
    }

    @usableFromInline
    func serverResult(_ frame: UnsafeBufferPointer<UInt8>) -> Result<ServerMessage, WireError> {
        decoded(frame, bytesMax: limits.serverFrameBytesMax, Self.decodeServerPayload)
    }

    private func decoded<Message>(
        _ frame: UnsafeBufferPointer<UInt8>, bytesMax: Int,
        _ payload: (WireObject, String) throws(WireError) -> Message
    ) -> Result<Message, WireError> {
        do throws(WireError) {
            let (object, type) = try readFrame(frame, bytesMax: bytesMax)
            return .success(try payload(object, type))
        } catch {
            return .failure(error)
        }
    }

    /// A frame over `bytesMax` is `too_large`.
    @usableFromInline
    static func checkSize(_ byteCount: Int, bytesMax: Int) throws(WireError) {
        guard byteCount <= bytesMax else {
            throw WireError(
                code: .tooLarge, message: "frame is \(byteCount) bytes, more than the limit of \(bytesMax) bytes"
            )
        }
    }

    /// Parses a frame into its top-level object and `type`, with `rid` read as early as possible.
    private func readFrame(
        _ frame: UnsafeBufferPointer<UInt8>, bytesMax: Int
    ) throws(WireError) -> (WireObject, String) {
        let byteCount = frame.count
        try Self.checkSize(byteCount, bytesMax: bytesMax)
        guard byteCount > 0 else { throw WireError(code: .invalidMessage, message: "empty frame") }
        let parser = JSONParser(limits: JSONParser.Limits(bytesMax: bytesMax, depthMax: limits.depthMax))
        let parsed: JSONMembers?
        do throws(JSONParseError) {
            parsed = try parser.parseMembers(frame)
        } catch {
            throw Self.wireError(error)
        }
        guard let members = parsed else {
            let value = try parseJSON(frame, bytesMax: bytesMax)
            throw WireError(code: .invalidMessage, message: "frame must be a JSON object, got \(value.typeName)")
        }
        let rid = try Self.readRequestID(members["rid"])
        let object = WireObject(storage: .ordered(members), path: "", rid: rid)
        guard let typeValue = members["type"] else { throw object.failure("missing field \"type\"") }
        guard case .string(let type) = typeValue else {
            throw object.wrongType("type", expected: "a string", got: typeValue)
        }
        return (object, type)
    }

    /// Parses JSON text strictly, within `bytesMax` and the nesting limit; errors are `too_large` or
    /// `invalid_message` with the byte offset.
    public func parseJSON(_ bytes: some Collection<UInt8>, bytesMax: Int) throws(WireError) -> JSONValue {
        let parser = JSONParser(limits: JSONParser.Limits(bytesMax: bytesMax, depthMax: limits.depthMax))
        do throws(JSONParseError) {
            return try parser.parse(bytes)
        } catch {
            throw Self.wireError(error)
        }
    }

    /// A parse error as the wire names it: `too_large` or `invalid_message`, with the byte offset.
    private static func wireError(_ error: JSONParseError) -> WireError {
        switch error.kind {
        case .tooDeep, .tooLarge:
            return WireError(code: .tooLarge, message: "frame \(error.message) (at byte \(error.offset))")
        default:
            return WireError(code: .invalidMessage, message: "invalid JSON at byte \(error.offset): \(error.message)")
        }
    }

    /// A frame's `rid` member (absent or null: none).
    static func readRequestID(_ member: JSONValue?) throws(WireError) -> RequestID? {
        guard let value = member, value != .null else { return nil }
        if case .string(let text) = value { return .string(text) }
        if let number = value.intValue { return .integer(number) }
        throw WireError(
            code: .invalidMessage,
            message: "field \"rid\" must be a string or an integer, got \(WireObject.describe(value))"
        )
    }

    static func unknownType(_ type: String, in object: WireObject) -> WireError {
        let shown = type.utf8.count <= 40 ? type : String(type.prefix(40)) + "…"
        return object.failure("field \"type\" names unknown message type \(JSONValue.string(shown).description)")
    }

    /// Non-finite numbers cannot come off the wire; one built by our own code is written as `null`
    /// (as `JSON.stringify` does) rather than making every send throw.
    private static func write(_ value: JSONValue) -> [UInt8] {
        (try? JSONWriter(nonFiniteNumberPolicy: .writeNull).bytes(value)) ?? []
    }
}
