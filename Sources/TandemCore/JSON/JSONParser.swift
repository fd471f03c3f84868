/// A strict RFC 8259 parser from UTF-8 bytes into `JSONValue`.
///
/// Unlike Foundation's `JSONSerialization` it reads bytes directly (no `String` indexing), is bounded by
/// named `Limits`, and reports every failure as a `JSONParseError` with the byte offset. It accepts exactly
/// RFC 8259 JSON: any top-level value, no comments, no trailing commas, no BOM, no `NaN`/`Infinity`,
/// well-formed UTF-8 only, `\u` surrogates only in high-low pairs.
///
/// Choices RFC 8259 leaves open: duplicate member names are an error (so `"type"` can never mean two
/// things), numbers that overflow a double are an error, numbers that underflow become (signed) zero.
/// Object keys are Swift `String`s, so two canonically equivalent keys (`"é"` vs `"e\u0301"`) count as
/// duplicates.
public struct JSONParser: Sendable {
    /// The bounds a single parse may not exceed; a breach is a `JSONParseError`, never a trap.
    public struct Limits: Sendable, Hashable {
        /// The longest input accepted, in UTF-8 bytes.
        public var bytesMax: Int
        /// The deepest nesting of arrays and objects accepted (`[]` is depth 1).
        public var depthMax: Int

        public init(bytesMax: Int = Self.bytesMaxDefault, depthMax: Int = Self.depthMaxDefault) {
            precondition(bytesMax >= 0 && depthMax >= 0, "JSONParser limits must be non-negative")
            self.bytesMax = bytesMax
            self.depthMax = depthMax
        }

        public static let bytesMaxDefault = 16 << 20
        public static let depthMaxDefault = 256
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    // The generic entry points are `@inlinable`, so that a caller in another module (the wire codec with NIO's
    // `ByteBufferView`) gets them specialized for its collection: the scan itself runs on a contiguous buffer in
    // the non-generic functions below. Until 2026-12-03 they were not, and every frame the load generator decoded
    // went through the unspecialized generic path (witness-table calls, generic metadata looked up at run time:
    // about 2 % of its samples).

    /// Parses one JSON text from UTF-8 bytes.
    @inlinable
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        try checkSize(bytes.count)
        if let result = bytes.withContiguousStorageIfAvailable({ parseResult($0) }) { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer { parseResult($0) }.get()
    }

    /// Parses one JSON text whose top-level value should be an object into its members, in document order and
    /// without a dictionary (a protocol frame's members are each read once, by name: a short scan is cheaper than
    /// hashing every key twice). Nil when the text is valid JSON but not an object; every error as `parse`'s.
    @inlinable
    public func parseMembers(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONMembers? {
        try checkSize(bytes.count)
        if let result = bytes.withContiguousStorageIfAvailable({ membersResult($0) }) { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer { membersResult($0) }.get()
    }

    /// Parses one JSON text from a string (its UTF-8 encoding).
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(text.utf8)
    }

    /// The size limit, checked before anything is copied or scanned.
    @usableFromInline
    func checkSize(_ byteCount: Int) throws(JSONParseError) {
        guard byteCount <= limits.bytesMax else {
            throw JSONParseError(
                kind: .tooLarge, offset: limits.bytesMax,
                message: "input is \(byteCount) bytes, more than the limit of \(limits.bytesMax)"
            )
        }
    }

    @usableFromInline
    func parseResult(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        scan(buffer) { (scanner) throws(JSONParseError) in try scanner.parseDocument() }
    }

    @usableFromInline
    func membersResult(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONMembers?, JSONParseError> {
        scan(buffer) { (scanner) throws(JSONParseError) in try scanner.parseDocumentMembers() }
    }

    private func scan<Value>(
        _ buffer: UnsafeBufferPointer<UInt8>, _ body: (inout JSONScanner) throws(JSONParseError) -> Value
    ) -> Result<Value, JSONParseError> {
        var scanner = JSONScanner(bytes: buffer, depthMax: limits.depthMax)
        do throws(JSONParseError) {
            return .success(try body(&scanner))
        } catch {
            return .failure(error)
        }
    }
}

/// A JSON object's members in document order (`JSONParser.parseMembers`): names are unique, lookups scan.
public struct JSONMembers: Sendable {
    public internal(set) var pairs: [(key: String, value: JSONValue)] = []

    /// Up to this many members, duplicates are found by a scan; past it, by a set.
    static let scanLimit = 16

    public init() {}

    /// The member named `key`, if any.
    public subscript(key: String) -> JSONValue? {
        let count = key.utf8.count
        for pair in pairs where Self.same(pair.key, key, count: count) { return pair.value }
        return nil
    }

    /// Whether two names are the same, the lengths and first bytes compared first (most names a scan passes differ
    /// in one or the other, and both are in a short string's bits, where a full comparison of two different
    /// strings costs a call into the runtime: a `model_changed` has five members of nine bytes).
    @inline(__always)
    static func same(_ name: String, _ key: String, count: Int) -> Bool {
        name.utf8.count == count && name.utf8.first == key.utf8.first && name == key
    }

    public var dictionary: [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: pairs.lazy.map { ($0.key, $0.value) })
    }
}

extension JSONValue {
    /// Parses UTF-8 JSON bytes with the default `JSONParser.Limits`.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        self = try JSONParser().parse(bytes)
    }

    /// Parses JSON text with the default `JSONParser.Limits`.
    public init(parsing text: String) throws(JSONParseError) {
        self = try JSONParser().parse(text)
    }
}
