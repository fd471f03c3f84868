import TandemCore
import TandemEngine
import TandemWire

/// `--wire`: every simulated message crosses its link as the bytes production sends. The sender's message is
/// encoded with the production codec (client frames, server frames, backplane JSON) and what the receiver gets is
/// decoded from those bytes, so the codecs run under every scenario. A message that does not come back equal is
/// counted (`wire.mismatches`) and delivered as decoded, as production would; one that does not decode at all is
/// counted (`wire.decode_failures`) and delivered as sent, so the run goes on and the report says what broke.
struct WireRoundTrip: Sendable {
    let recorder: SimRecorder
    private let codec = WireCodec()

    init(recorder: SimRecorder) { self.recorder = recorder }

    func client(_ message: ClientMessage) -> ClientMessage {
        check(message) { try codec.decodeClient(codec.encodeClientBytes($0)) }
    }

    func server(_ message: ServerMessage) -> ServerMessage {
        check(message) { try codec.decodeServer(codec.encodeServerBytes($0)) }
    }

    func envelope(_ envelope: BackplaneEnvelope) -> BackplaneEnvelope {
        check(envelope) { try BackplaneEnvelope(jsonBytes: $0.jsonBytes()) }
    }

    private func check<Message: Equatable>(_ message: Message, _ roundTrip: (Message) throws -> Message) -> Message {
        recorder.count("wire.round_trips", node: nil)
        do {
            let decoded = try roundTrip(message)
            if decoded != message { recorder.count("wire.mismatches", node: nil) }
            return decoded
        } catch {
            recorder.count("wire.decode_failures", node: nil)
            return message
        }
    }
}
