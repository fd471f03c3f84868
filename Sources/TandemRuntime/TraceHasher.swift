/// A streaming FNV-1a 64-bit hash over the observable events of a run, with per-kind counts.
///
/// Two runs are the same run when their trace hashes are equal. Hash only what a user or a checker
/// could observe (deliveries, commits, faults), never job counts, which differ between debug and
/// release builds. Each event mixes, in order: virtual nanoseconds, kind, from, to and the payload
/// (eight little-endian bytes, or the given bytes followed by their count).
public struct TraceHasher: Sendable, Equatable {
    /// FNV-1a 64 offset basis: the hash of an empty trace.
    public static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    /// FNV-1a 64 prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01B3
    /// Number of distinct event kinds (`UInt8`).
    public static let kindCountMax = 256

    public private(set) var hash: UInt64 = TraceHasher.offsetBasis
    public private(set) var eventCount = 0
    /// Events counted per kind, indexed by the kind byte.
    public private(set) var eventCountByKind = [Int](repeating: 0, count: TraceHasher.kindCountMax)
    /// How many of the first events are kept in `retainedEvents` for diffing two runs.
    public let retainedEventCountMax: Int
    public private(set) var retainedEvents: [TraceEvent] = []

    public init(retainedEventCountMax: Int = 0) {
        precondition(retainedEventCountMax >= 0, "retainedEventCountMax must not be negative")
        self.retainedEventCountMax = retainedEventCountMax
    }

    /// The hash as 16 lowercase hex digits, zero-padded (the form printed in reports and logs).
    public var hashHex: String { Self.hex(hash) }

    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public func eventCount(ofKind kind: UInt8) -> Int { eventCountByKind[Int(kind)] }

    /// Adds one event whose payload is a single 64-bit value.
    public mutating func add(timeNanos: Int64, kind: UInt8, from: Int, to: Int, payload: UInt64 = 0) {
        mixHeader(timeNanos: timeNanos, kind: kind, from: from, to: to)
        mix(payload)
        count(TraceEvent(timeNanos: timeNanos, kind: kind, from: from, to: to, payload: payload))
    }

    /// Adds one event whose payload is a byte sequence (for example an encoded message).
    public mutating func add(timeNanos: Int64, kind: UInt8, from: Int, to: Int, bytes: some Sequence<UInt8>) {
        mixHeader(timeNanos: timeNanos, kind: kind, from: from, to: to)
        var byteCount: UInt64 = 0
        var payloadHash = Self.offsetBasis
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* Self.prime
            payloadHash = (payloadHash ^ UInt64(byte)) &* Self.prime
            byteCount &+= 1
        }
        mix(byteCount)  // so that ("ab", "c") and ("a", "bc") in consecutive events differ
        count(TraceEvent(timeNanos: timeNanos, kind: kind, from: from, to: to, payload: payloadHash))
    }

    private mutating func mixHeader(timeNanos: Int64, kind: UInt8, from: Int, to: Int) {
        mix(UInt64(bitPattern: timeNanos))
        mix(UInt64(kind))
        mix(UInt64(bitPattern: Int64(from)))
        mix(UInt64(bitPattern: Int64(to)))
    }

    private mutating func count(_ event: TraceEvent) {
        eventCount += 1
        eventCountByKind[Int(event.kind)] += 1
        if retainedEvents.count < retainedEventCountMax { retainedEvents.append(event) }
    }

    @inline(__always)
    private mutating func mix(_ value: UInt64) {
        var remaining = value
        for _ in 0..<8 {
            hash = (hash ^ (remaining & 0xFF)) &* Self.prime
            remaining >>= 8
        }
    }
}

/// One retained trace event, for printing the first events of two runs side by side.
public struct TraceEvent: Sendable, Equatable, CustomStringConvertible {
    public var timeNanos: Int64
    public var kind: UInt8
    public var from: Int
    public var to: Int
    /// The 64-bit payload, or the FNV-1a hash of a byte payload.
    public var payload: UInt64

    public var description: String { "t=\(timeNanos)ns kind=\(kind) \(from)->\(to) payload=\(payload)" }
}
