import Foundation
import TandemCore
import Testing

/// The OT vectors shared with the browser client (`Tests/Fixtures/ot-vectors.json`, read by
/// `Tests/js/ot-vectors.test.mjs` too): ot.js's cases, the UTF-16 and surrogate-pair cases, the JSON form, the client
/// state machine and the protocol's worked example. Both sides check the same results and the same error messages,
/// so the engine and `text-operation.js` / `client-state.js` provably agree on them.
@Suite struct OTVectorTests {
    typealias Vector = [String: JSONValue]

    static let vectors: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/ot-vectors.json")
        do {
            return try JSONParser().parse(try Data(contentsOf: url))
        } catch {
            fatalError("\(url.path): \(error)")
        }
    }()

    static func cases(_ key: String) -> [Vector] {
        let cases = (vectors[key]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(!cases.isEmpty, "ot-vectors.json has no \"\(key)\" cases")
        return cases
    }

    @Test func build() {
        for vector in Self.cases("build") {
            let name = vector.name
            var operation = TextOperation()
            for step in vector["steps"]?.arrayValue ?? [] {
                let parts = step.arrayValue ?? []
                switch (parts.first?.stringValue, parts.last) {
                case ("retain", let count?): operation.retain(count.intValue ?? -1)
                case ("insert", .string(let text)?): operation.insert(text)
                case ("delete", .string(let text)?): operation.delete(text)
                case ("delete", let count?): operation.delete(count.intValue ?? 0)
                default: Issue.record("\(name): unknown step \(step)")
                }
            }
            #expect(same(operation.json, vector["ops"]), "\(name)")
            #expect(operation.baseLength == vector["base_length"]?.intValue, "\(name)")
            #expect(operation.targetLength == vector["target_length"]?.intValue, "\(name)")
            #expect(operation.isNoop == vector["noop"]?.boolValue, "\(name)")
            if let text = vector["string"]?.stringValue {
                #expect(operation.description == text, "\(name)")
            }
        }
    }

    @Test func fromJSON() {
        for vector in Self.cases("from_json") {
            expecting(vector) {
                let operation = try TextOperation(json: vector["json"] ?? .null)
                #expect(same(operation.json, vector["ops"]), "\(vector.name)")
                #expect(operation.baseLength == vector["base_length"]?.intValue, "\(vector.name)")
                #expect(operation.targetLength == vector["target_length"]?.intValue, "\(vector.name)")
            }
        }
    }

    @Test func apply() {
        for vector in Self.cases("apply") {
            expecting(vector) {
                let result = try vector.op("op").apply(to: vector.text("text"))
                #expect(same(.string(result), vector["result"]), "\(vector.name)")
            }
        }
    }

    @Test func invert() {
        for vector in Self.cases("invert") {
            expecting(vector) {
                let operation = try vector.op("op")
                let inverse = try operation.invert(base: vector.text("text"))
                #expect(same(inverse.json, vector["result"]), "\(vector.name)")
                let undone = try inverse.apply(to: operation.apply(to: vector.text("text")))
                #expect(same(.string(undone), vector["text"]), "\(vector.name)")
            }
        }
    }

    @Test func compose() {
        for vector in Self.cases("compose") {
            expecting(vector) {
                let composed = try vector.op("a").compose(vector.op("b"))
                #expect(same(composed.json, vector["result"]), "\(vector.name)")
                let result = try composed.apply(to: vector.text("text"))
                #expect(same(.string(result), vector["text_result"]), "\(vector.name)")
            }
        }
    }

    @Test func transform() {
        for vector in Self.cases("transform") {
            expecting(vector) {
                let (a, b) = (try vector.op("a"), try vector.op("b"))
                let (aPrime, bPrime) = try TextOperation.transform(a, b)
                #expect(same(aPrime.json, vector["a_prime"]), "\(vector.name)")
                #expect(same(bPrime.json, vector["b_prime"]), "\(vector.name)")
                let text = vector.text("text")
                let viaA = try bPrime.apply(to: a.apply(to: text))
                let viaB = try aPrime.apply(to: b.apply(to: text))
                #expect(same(.string(viaA), vector["result"]), "\(vector.name)")
                #expect(same(.string(viaB), vector["result"]), "\(vector.name)")
            }
        }
    }

    @Test func transformIndex() throws {
        for vector in Self.cases("transform_index") {
            let operation = try vector.op("op")
            for pair in vector["cases"]?.arrayValue ?? [] {
                let numbers = pair.arrayValue?.compactMap(\.intValue) ?? []
                #expect(numbers.count == 2 && operation.transformIndex(numbers[0]) == numbers[1], "\(vector.name): \(pair)")
            }
        }
    }

    @Test func diff() throws {
        for vector in Self.cases("diff") {
            let operation = TextOperation.diff(from: vector.text("old"), to: vector.text("new"))
            #expect(same(operation.json, vector["op"]), "\(vector.name)")
            let result = try operation.apply(to: vector.text("old"))
            #expect(same(.string(result), vector["new"]), "\(vector.name)")
        }
    }

    @Test func shouldBeComposedWith() throws {
        for vector in Self.cases("should_be_composed_with") {
            let grouped = try vector.op("a").shouldBeComposedWith(vector.op("b"))
            #expect(grouped == vector["expected"]?.boolValue, "\(vector.name)")
        }
    }

    @Test func clientStateMachine() {
        for scenario in Self.cases("client") {
            var client = OTClientState(version: scenario["version"]?.intValue ?? -1)
            var text = scenario.text("text")
            for (index, element) in (scenario["steps"]?.arrayValue ?? []).enumerated() {
                let step = element.objectValue ?? [:]
                let label = "\(scenario.name), step \(index + 1)"
                expecting(step, label) {
                    if step["client"] != nil {
                        let operation = try step.op("client")
                        text = try operation.apply(to: text)
                        let send = try client.applyClient(operation)
                        #expect(same(Self.json(send), step["send"]), "\(label)")
                    } else if step["server"] != nil {
                        let local = try client.applyServer(step.op("server"), version: step["version"]?.intValue ?? -1)
                        #expect(same(local.json, step["apply"]), "\(label)")
                        text = try local.apply(to: text)
                    } else if let ack = step["ack"]?.intValue {
                        let send = try client.serverAck(version: ack)
                        #expect(same(Self.json(send), step["send"]), "\(label)")
                    } else if let version = step["advance"]?.intValue {
                        client.advance(toVersion: version)
                    } else if step["resend"] != nil {
                        #expect(same(Self.json(client.resend()), step["resend"]), "\(label)")
                    } else if let pair = step["transform_index"]?.arrayValue?.compactMap(\.intValue), pair.count == 2 {
                        #expect(client.transformIndex(pair[0]) == pair[1], "\(label)")
                    } else {
                        Issue.record("\(label): unknown step \(element)")
                    }
                }
                if let phase = step["phase"] {
                    #expect(same(Self.json(client.phase), phase), "\(label)")
                }
                if let expected = step["text"] {
                    #expect(same(.string(text), expected), "\(label)")
                }
                if let version = step["version_after"]?.intValue {
                    #expect(client.version == version, "\(label)")
                }
            }
        }
    }

    static func json(_ send: OTClientState.Send?) -> JSONValue {
        guard let send else { return .null }
        return ["base_version": .int(send.baseVersion), "op": send.operation.json]
    }

    static func json(_ phase: OTClientState.Phase) -> JSONValue {
        switch phase {
        case .synchronized:
            return ["name": "synchronized"]
        case .awaitingConfirm(let outstanding):
            return ["name": "awaitingConfirm", "outstanding": outstanding.json]
        case .awaitingWithBuffer(let outstanding, let buffer):
            return ["name": "awaitingWithBuffer", "outstanding": outstanding.json, "buffer": buffer.json]
        }
    }
}

/// Runs `body`; when the vector names an `error`, checks that exactly that message was thrown instead.
private func expecting(_ vector: OTVectorTests.Vector, _ label: String? = nil, _ body: () throws -> Void) {
    let label = label ?? vector.name
    do {
        try body()
        if let expected = vector["error"]?.stringValue {
            Issue.record("\(label): expected the error \"\(expected)\"")
        }
    } catch {
        let message = (error as? TextOperationError)?.message ?? "\(error)"
        if let expected = vector["error"]?.stringValue {
            #expect(message == expected, "\(label)")
        } else {
            Issue.record("\(label): unexpected error \"\(message)\"")
        }
    }
}

/// JSON equality with strings compared by UTF-16 code units (Swift's `==` on strings is canonical equivalence, under
/// which "e\u{301}" equals "é": too lenient for vectors about code units).
private func same(_ a: JSONValue, _ b: JSONValue?) -> Bool {
    guard let b else { return false }
    switch (a, b) {
    case (.string(let x), .string(let y)):
        return Array(x.utf16) == Array(y.utf16)
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { key, value in same(value, y[key]) }
    default:
        return a == b
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    fileprivate var name: String { self["name"]?.stringValue ?? "?" }

    fileprivate func text(_ key: String) -> String { self[key]?.stringValue ?? "" }

    fileprivate func op(_ key: String) throws -> TextOperation { try TextOperation(json: self[key] ?? .null) }
}
