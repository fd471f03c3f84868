import TandemCore

extension WireCodec {
    /// Decodes a client message whose JSON object was already parsed and whose `type` came apart from it (a
    /// Socket.IO event: the event name is the type, its argument the members). Checks as `decodeClient` does.
    public func decodeClient(members: [String: JSONValue], type: String) throws(WireError) -> ClientMessage {
        let object = WireObject(members: members, path: "", rid: try Self.readRequestID(members["rid"]))
        return try Self.decodeClientPayload(object, type: type)
    }

    /// A server frame's bytes with its `rid` replaced by `rid` (left out when nil), for a transport that routes
    /// replies by a request id of its own.
    public func encodeServerBytes(_ message: ServerMessage, rid: RequestID?) -> [UInt8] {
        guard case .object(var members) = Self.serverJSON(message) else { return encodeServerBytes(message) }
        members["rid"] = rid?.json
        return (try? JSONWriter(nonFiniteNumberPolicy: .writeNull).bytes(.object(members))) ?? []
    }
}
