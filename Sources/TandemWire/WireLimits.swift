/// The bounds a `WireCodec` enforces on incoming frames before and while parsing them.
///
/// `frameBytesMax` is PROTOCOL.md's client frame limit (`too_large`). Server frames, decoded by clients,
/// get a larger bound because a `joined` snapshot of a big record may legitimately exceed it.
public struct WireLimits: Sendable, Hashable {
    /// The largest client frame accepted, in UTF-8 bytes.
    public var frameBytesMax: Int
    /// The largest server frame a client accepts, in UTF-8 bytes.
    public var serverFrameBytesMax: Int
    /// The deepest nesting of arrays and objects in a frame, the frame object itself counting as 1.
    public var depthMax: Int

    public init(
        frameBytesMax: Int = Self.frameBytesMaxDefault, serverFrameBytesMax: Int = Self.serverFrameBytesMaxDefault,
        depthMax: Int = Self.depthMaxDefault
    ) {
        precondition(frameBytesMax > 0 && serverFrameBytesMax > 0 && depthMax > 0, "WireLimits must be positive")
        self.frameBytesMax = frameBytesMax
        self.serverFrameBytesMax = serverFrameBytesMax
        self.depthMax = depthMax
    }

    public static let frameBytesMaxDefault = 65_536
    public static let serverFrameBytesMaxDefault = 16 << 20
    public static let depthMaxDefault = 64
}
