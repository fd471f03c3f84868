/// What `tandem-load` reads out of a server frame (its clients' only parse), without building the message: the `type`, the record
/// `version`, the `change_id` of the load run's own changes (`load-<client>-<sequence>`) and an error's `code`.
///
/// One pass over the JSON text that tracks strings (with their escapes) and nesting, and reads only the four keys of
/// the outermost object, so a key of the same name inside a field's value or a participant never counts.
/// `FrameScanTests` checks it against the server's codec for every message type it reads.
public struct FrameScan: Sendable {
    public enum MessageType: Equatable, Sendable {
        case connectionConfirmed, joined, ack, modelChanged, error, other
    }

    /// A change id of this tool's clients: `load-<client>-<sequence>`.
    public struct ChangeID: Equatable, Sendable {
        public let client: Int
        public let sequence: Int

        public init(client: Int, sequence: Int) {
            self.client = client
            self.sequence = sequence
        }
    }

    public private(set) var type: MessageType = .other
    public private(set) var version: Int?
    public private(set) var changeID: ChangeID?
    public private(set) var errorCode: String?

    public init(_ bytes: UnsafeRawBufferPointer) {
        var depth = 0
        var keyExpected = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"):
                depth += 1
                keyExpected = depth == 1
            case UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                keyExpected = depth == 1
            case UInt8(ascii: "\""):
                guard let end = Self.stringEnd(bytes, from: index + 1) else { return }
                if keyExpected {
                    keyExpected = false
                    read(key: index + 1..<end, bytes)
                }
                index = end
            default:
                break
            }
            index += 1
        }
    }

    /// The index of the quote that closes the string whose first byte is at `start`.
    private static func stringEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index
            default: index += 1
            }
        }
        return nil
    }

    /// An outermost key at `key`: reads its value when it is one of the four.
    private mutating func read(key: Range<Int>, _ bytes: UnsafeRawBufferPointer) {
        var value = key.upperBound + 1
        while value < bytes.count, bytes[value] == UInt8(ascii: ":") || bytes[value] == UInt8(ascii: " ") { value += 1 }
        let name = UnsafeRawBufferPointer(rebasing: bytes[key])
        if name.elementsEqual(Self.typeKey) {
            guard value < bytes.count, bytes[value] == UInt8(ascii: "\""), let end = Self.stringEnd(bytes, from: value + 1)
            else { return }
            let text = UnsafeRawBufferPointer(rebasing: bytes[value + 1..<end])
            type = Self.types.first { text.elementsEqual($0.name) }?.type ?? .other
        } else if name.elementsEqual(Self.versionKey) {
            version = Self.integer(bytes, from: value)?.value
        } else if name.elementsEqual(Self.changeIDKey) {
            guard value + 1 + Self.loadPrefix.count <= bytes.count,
                UnsafeRawBufferPointer(rebasing: bytes[value + 1..<value + 1 + Self.loadPrefix.count])
                    .elementsEqual(Self.loadPrefix)
            else { return }
            changeID = Self.changeID(bytes, from: value + 1 + Self.loadPrefix.count)
        } else if name.elementsEqual(Self.codeKey) {
            guard value < bytes.count, bytes[value] == UInt8(ascii: "\""), let end = Self.stringEnd(bytes, from: value + 1)
            else { return }
            errorCode = String(decoding: bytes[value + 1..<end], as: UTF8.self)
        }
    }

    private static let typeKey = Array("type".utf8)
    private static let versionKey = Array("version".utf8)
    private static let changeIDKey = Array("change_id".utf8)
    private static let codeKey = Array("code".utf8)
    private static let loadPrefix = Array("load-".utf8)
    private static let types: [(name: [UInt8], type: MessageType)] = [
        (Array("model_changed".utf8), .modelChanged), (Array("ack".utf8), .ack), (Array("joined".utf8), .joined),
        (Array("connection_confirmed".utf8), .connectionConfirmed), (Array("error".utf8), .error),
    ]

    /// A non-negative decimal at `start`, and the index after it.
    private static func integer(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (value: Int, end: Int)? {
        var index = start
        var value = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"),
            value < Int.max / 10 - 9
        {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return index == start ? nil : (value, index)
    }

    private static func changeID(_ bytes: UnsafeRawBufferPointer, from start: Int) -> ChangeID? {
        guard let client = integer(bytes, from: start), client.end < bytes.count,
            bytes[client.end] == UInt8(ascii: "-"), let sequence = integer(bytes, from: client.end + 1),
            sequence.end < bytes.count, bytes[sequence.end] == UInt8(ascii: "\"")
        else { return nil }
        return ChangeID(client: client.value, sequence: sequence.value)
    }
}
