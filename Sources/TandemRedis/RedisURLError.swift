/// A Redis URL that could not be parsed; the message says which part is wrong.
public struct RedisURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var url: String
    public var message: String

    public init(url: String, message: String) {
        self.url = url
        self.message = message
    }

    public var description: String { "invalid Redis URL \"\(url)\": \(message)" }
}
