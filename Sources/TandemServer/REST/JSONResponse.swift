import Hummingbird
import NIOCore
import TandemCore
import TandemEngine

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

    /// A store failure: 503 when the store could not be reached (a retry may succeed), 500 when it holds data
    /// this build cannot read or is set up wrongly (a retry will not help; the message says what is wrong).
    static func storeFailure(_ failure: any Error) -> Response {
        switch (failure as? StoreError)?.kind {
        case .corrupt?:
            return error(.internalServerError, "the store holds data this server cannot read: \(failure)")
        case .misconfigured?:
            return error(.internalServerError, "the store is misconfigured: \(failure)")
        case .unavailable?, nil:
            return error(.serviceUnavailable, "store unavailable: \(failure)")
        }
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
