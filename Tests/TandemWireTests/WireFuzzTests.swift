import Testing
import TandemCore
import TandemRuntime
import TandemWire

/// Random and mutated frames: decoding must always end in a message or a `WireError`, never a trap.
struct WireFuzzTests {
    static let seed: UInt64 = 0x7A4D_E11A

    @Test func randomBytesNeverCrashTheDecoder() {
        var generator = SplitMix64(seed: Self.seed)
        let codec = WireCodec()
        var decodedCount = 0
        for _ in 0..<3_000 {
            let length = Int.random(in: 0..<200, using: &generator)
            let frame = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if decode(frame, codec) { decodedCount += 1 }
        }
        #expect(decodedCount == 0, "random bytes are never a valid frame (seed \(Self.seed))")
    }

    @Test func mutatedValidFramesNeverCrashEitherDecoder() {
        var generator = SplitMix64(seed: Self.seed ^ 0xFFFF)
        let codec = WireCodec(limits: WireLimits(frameBytesMax: 4096, serverFrameBytesMax: 4096, depthMax: 8))
        let clientFrames = WireSamples.client.map { codec.encodeClientBytes($0) }
        let serverFrames = WireSamples.server.map { codec.encodeServerBytes($0) }
        var outcomes = (decoded: 0, refused: 0)
        for round in 0..<4_000 {
            let isClient = round % 2 == 0
            let pool = isClient ? clientFrames : serverFrames
            var frame = pool[Int.random(in: 0..<pool.count, using: &generator)]
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                mutate(&frame, using: &generator)
            }
            let decoded = isClient ? decode(frame, codec) : decodeServer(frame, codec)
            if decoded { outcomes.decoded += 1 } else { outcomes.refused += 1 }
        }
        #expect(outcomes.decoded + outcomes.refused == 4_000)
        #expect(outcomes.refused > 0)
    }

    @Test func tokenSoupOfJSONFragmentsNeverCrashes() {
        var generator = SplitMix64(seed: Self.seed &+ 1)
        let tokens = [
            "{", "}", "[", "]", ",", ":", "\"type\"", "\"field_change\"", "\"op\"", "\"value\"", "\"rid\"", "1", "-1",
            "1e999", "0.5", "null", "true", "\"\\uD800\"", "\"\\u00e9\"", "\"session_id\"", "\"s\"", " ", "\"",
            "\\", "\"base_version\"", "\"cursor\"", "\"state\"", "\"focus\"", "\"position\"",
        ]
        let codec = WireCodec()
        for _ in 0..<3_000 {
            let count = Int.random(in: 1...40, using: &generator)
            let text = (0..<count).map { _ in tokens[Int.random(in: 0..<tokens.count, using: &generator)] }.joined()
            _ = decode(Array(text.utf8), codec)
            _ = decodeServer(Array(text.utf8), codec)
        }
    }

    /// `true` for a message, `false` for a `WireError`; the typed throw makes any other outcome impossible.
    private func decode(_ frame: [UInt8], _ codec: WireCodec) -> Bool {
        do {
            let message = try codec.decodeClient(frame)
            #expect(try codec.decodeClient(codec.encodeClientBytes(message)) == message)
            return true
        } catch {
            #expect(!error.message.isEmpty)
            return false
        }
    }

    private func decodeServer(_ frame: [UInt8], _ codec: WireCodec) -> Bool {
        do {
            let message = try codec.decodeServer(frame)
            #expect(try codec.decodeServer(codec.encodeServerBytes(message)) == message)
            return true
        } catch {
            #expect(!error.message.isEmpty)
            return false
        }
    }

    private func mutate(_ frame: inout [UInt8], using generator: inout SplitMix64) {
        let interesting: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x30, 0x2D, 0x65, 0x00, 0xFF, 0xC3, 0xED]
        let position = frame.isEmpty ? 0 : Int.random(in: 0..<frame.count, using: &generator)
        switch Int.random(in: 0..<5, using: &generator) {
        case 0 where !frame.isEmpty: frame[position] = UInt8.random(in: 0...255, using: &generator)
        case 1 where !frame.isEmpty: frame[position] = interesting[Int.random(in: 0..<interesting.count, using: &generator)]
        case 2 where !frame.isEmpty: frame.remove(at: position)
        case 3: frame.insert(interesting[Int.random(in: 0..<interesting.count, using: &generator)], at: position)
        default:
            let cut = Int.random(in: 0...frame.count, using: &generator)
            frame.removeSubrange(cut...)
        }
    }
}
