import TandemCore

/// One Engine.IO v4 packet as it travels in a WebSocket text frame: a type digit, then its data.
///
/// Engine.IO carries Socket.IO: a `message` packet's data is one Socket.IO v5 packet (`SocketIOPacket`).
enum EngineIOPacket: Equatable, Sendable {
    case open(String)
    case close
    case ping(String)
    case pong(String)
    case message(ArraySlice<UInt8>)
    case upgrade
    case noop

    /// Reads a text frame's bytes; nil when the first byte is no Engine.IO packet type.
    init?(_ bytes: ArraySlice<UInt8>) {
        guard let first = bytes.first else { return nil }
        let data = bytes.dropFirst()
        switch first {
        case UInt8(ascii: "0"): self = .open(String(decoding: data, as: UTF8.self))
        case UInt8(ascii: "1"): self = .close
        case UInt8(ascii: "2"): self = .ping(String(decoding: data, as: UTF8.self))
        case UInt8(ascii: "3"): self = .pong(String(decoding: data, as: UTF8.self))
        case UInt8(ascii: "4"): self = .message(data)
        case UInt8(ascii: "5"): self = .upgrade
        case UInt8(ascii: "6"): self = .noop
        default: return nil
        }
    }
}

/// One Socket.IO v5 packet: `<type>[<attachments>-][<namespace>,][<ack id>][<JSON>]`.
struct SocketIOPacket: Equatable, Sendable {
    enum Kind: UInt8, Sendable {
        case connect = 0
        case disconnect = 1
        case event = 2
        case ack = 3
        case connectError = 4
        case binaryEvent = 5
        case binaryAck = 6
    }

    var kind: Kind
    /// `/` when the packet names none.
    var namespace: String
    var ackID: Int?
    /// The JSON text after the header (may be empty).
    var payload: ArraySlice<UInt8>

    /// Why bytes are not a Socket.IO packet.
    struct Malformed: Error, Equatable {
        var message: String
    }

    /// Reads the data of an Engine.IO `message` packet.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(Malformed) -> SocketIOPacket {
        guard let first = bytes.first, first >= UInt8(ascii: "0"), let kind = Kind(rawValue: first - UInt8(ascii: "0"))
        else {
            let shown = bytes.first.map { "\"\(Character(Unicode.Scalar($0)))\"" } ?? "nothing"
            throw Malformed(message: "a Socket.IO packet starts with its type 0-6, got \(shown)")
        }
        var index = bytes.index(after: bytes.startIndex)
        if kind == .binaryEvent || kind == .binaryAck {
            throw Malformed(message: "binary Socket.IO packets are not accepted: send events whose arguments are JSON")
        }
        var namespace = "/"
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "/") {
            let end = bytes[index...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
            namespace = String(decoding: bytes[index..<end], as: UTF8.self)
            index = end < bytes.endIndex ? bytes.index(after: end) : end
        }
        var ackID: Int?
        var digits = 0
        while index < bytes.endIndex, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            digits += 1
            guard digits <= 15 else { throw Malformed(message: "the packet's ack id has more than 15 digits") }
            ackID = (ackID ?? 0) * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index = bytes.index(after: index)
        }
        return SocketIOPacket(kind: kind, namespace: namespace, ackID: ackID, payload: bytes[index...])
    }

    /// The text frame of this packet inside an Engine.IO `message` packet: `4` + the Socket.IO packet.
    static func frameHeader(_ kind: Kind, namespace: String, ackID: Int? = nil) -> String {
        "4\(kind.rawValue)" + (namespace == "/" ? "" : "\(namespace),") + (ackID.map(String.init) ?? "")
    }

    /// A JSON object as a payload, with string values escaped as JSON text.
    static func object(_ members: [String: JSONValue]) -> String {
        let bytes = (try? JSONWriter().bytes(.object(members))) ?? Array("{}".utf8)
        return String(decoding: bytes, as: UTF8.self)
    }
}
