/// Decides which origins may open `/ws`, against cross-site WebSocket hijacking.
///
/// Allowed: no `Origin` at all, or a `ws:`/`wss:` origin (both only ever come from non-browser clients,
/// which can send anything anyway), the server's own origin (`http(s)://` + the request's `Host`), and
/// the configured allow-list (exact scheme, host and port; `*` allows every origin). Every `Origin` header
/// of a request must pass, so a second header cannot smuggle a foreign origin past the first.
public struct OriginPolicy: Sendable, Hashable {
    public var allowed: Set<String>

    public init(allowed: [String]) {
        self.allowed = Set(allowed.map(Self.normalized))
    }

    public func permits(_ origins: [String], host: String?) -> Bool {
        origins.allSatisfy { permits($0, host: host) }
    }

    public func permits(_ origin: String, host: String?) -> Bool {
        let origin = Self.normalized(origin)
        if allowed.contains("*") || allowed.contains(origin) { return true }
        if origin.hasPrefix("ws://") || origin.hasPrefix("wss://") { return true }
        guard let host = host.map(Self.normalized) else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    static func normalized(_ text: String) -> String {
        let lowered = text.lowercased().trimmingCharacters(in: " ")
        return lowered.hasSuffix("/") ? String(lowered.dropLast()) : lowered
    }
}
