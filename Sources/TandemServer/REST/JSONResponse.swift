import Hummingbird
import NIOCore
import TandemCore

/// Builds the JSON responses of the REST API (Flask-AppBuilder's shapes: `{"message": …}` for errors).
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        let bytes = (try? JSONWriter(nonFiniteNumberPolicy: .writeNull).bytes(value)) ?? Array("{}".utf8)
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        buffer.writeString("\n")
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: buffer)
        )
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, extra: [String: JSONValue] = [:]) -> Response {
        var object = extra
        object["message"] = .string(message)
        return make(status, .object(object))
    }

    static func text(_ status: HTTPResponse.Status, _ body: String, contentType: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }

    /// The request body parsed as a JSON object, or an error response to send instead.
    static func readObject(_ request: inout Request, bytesMax: Int) async -> Result<[String: JSONValue], HTTPRejection>
    {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: bytesMax)
        } catch {
            return .failure(HTTPRejection(.contentTooLarge, "the request body exceeds \(bytesMax) bytes"))
        }
        do throws(JSONParseError) {
            let value = try JSONParser(limits: JSONParser.Limits(bytesMax: bytesMax, depthMax: 64)).parse(
                buffer.readableBytesView
            )
            guard case .object(let object) = value else {
                return .failure(
                    HTTPRejection(.badRequest, "the request body must be a JSON object, got \(value.typeName)")
                )
            }
            return .success(object)
        } catch {
            return .failure(HTTPRejection(.badRequest, "the request body is not valid JSON: \(error.message)"))
        }
    }
}

/// An HTTP error answer: a status and a message, sent as `{"message": …}`.
struct HTTPRejection: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String
    var extra: [String: JSONValue] = [:]

    init(_ status: HTTPResponse.Status, _ message: String, extra: [String: JSONValue] = [:]) {
        self.status = status
        self.message = message
        self.extra = extra
    }

    var response: Response { JSONResponse.error(status, message, extra: extra) }
}
