import TandemCore
import Testing

@Suite struct OTClientStateTests {
    @Test func localEditIsSentAtOnceWhenSynchronized() throws {
        var client = OTClientState(version: 7)
        let edit = try TextOperation(json: [5, " beautiful", 6])
        #expect(try client.applyClient(edit) == .init(baseVersion: 7, operation: edit))
        #expect(client.phase == .awaitingConfirm(outstanding: edit))
    }

    @Test func editsWhileAwaitingAreBufferedComposedAndSentOnAck() throws {
        var client = OTClientState(version: 1)
        _ = try client.applyClient(TextOperation(json: [3, "a"]))
        #expect(try client.applyClient(TextOperation(json: [4, "b"])) == nil)
        #expect(try client.applyClient(TextOperation(json: [5, "c"])) == nil)
        #expect(client.phase == .awaitingWithBuffer(
            outstanding: try TextOperation(json: [3, "a"]), buffer: try TextOperation(json: [4, "bc"])
        ))
        let next = try client.serverAck(version: 2)
        #expect(next == .init(baseVersion: 2, operation: try TextOperation(json: [4, "bc"])))
        #expect(try client.serverAck(version: 3) == nil)
        #expect(client.phase == .synchronized)
        #expect(client.version == 3)
    }

    @Test func workedExampleConvergesThroughTwoClients() throws {
        var server = OTTestServer(text: "Hello world", version: 7)
        var clientA = OTClientState(version: 7)
        var clientB = OTClientState(version: 7)
        var textA = "Hello world"
        var textB = "Hello world"

        let editA = try TextOperation(json: [5, " beautiful", 6])
        let editB = try TextOperation(json: [11, "!"])
        textA = try editA.apply(to: textA)
        textB = try editB.apply(to: textB)
        let sendA = try #require(try clientA.applyClient(editA))
        let sendB = try #require(try clientB.applyClient(editB))

        // B's op arrives first; A's, based on version 7 too, is transformed against it.
        let committedB = try server.commit(sendB.operation, baseVersion: sendB.baseVersion)
        let committedA = try server.commit(sendA.operation, baseVersion: sendA.baseVersion)
        #expect(committedA.operation.json == [5, " beautiful", 7])
        #expect(server.text == "Hello beautiful world!")
        #expect(server.version == 9)

        textA = try clientA.applyServer(committedB.operation, version: committedB.version).apply(to: textA)
        #expect(try clientA.serverAck(version: committedA.version) == nil)
        #expect(try clientB.serverAck(version: committedB.version) == nil)
        textB = try clientB.applyServer(committedA.operation, version: committedA.version).apply(to: textB)

        #expect(textA == "Hello beautiful world!")
        #expect(textB == "Hello beautiful world!")
        #expect(clientA.version == 9 && clientB.version == 9)
    }

    @Test func serverOpIsTransformedPastOutstandingAndBuffer() throws {
        var client = OTClientState(version: 0)
        var text = "abc"
        for edit in [try TextOperation(json: ["X", 3]), try TextOperation(json: [4, "Y"])] {
            text = try edit.apply(to: text)
            _ = try client.applyClient(edit)
        }
        let local = try client.applyServer(try TextOperation(json: [1, "-", 2]), version: 1)
        text = try local.apply(to: text)
        #expect(text == "Xa-bcY")
        #expect(client.phase == .awaitingWithBuffer(
            outstanding: try TextOperation(json: ["X", 4]), buffer: try TextOperation(json: [5, "Y"])
        ))
    }

    @Test func remoteCursorIsShiftedPastUnacknowledgedEdits() throws {
        var client = OTClientState(version: 0)
        #expect(client.transformIndex(2) == 2)
        _ = try client.applyClient(TextOperation(json: ["abc", 4]))
        #expect(client.transformIndex(2) == 5)
        _ = try client.applyClient(TextOperation(json: [-5, 2]))
        #expect(client.transformIndex(2) == 0)
        #expect(client.transformIndex(4) == 2)
    }

    @Test func ackWithNothingOutstandingIsRejected() {
        var client = OTClientState(version: 4)
        #expect(throws: TextOperationError(message: "There is no pending operation.")) {
            try client.serverAck(version: 5)
        }
    }

    @Test func versionsMustMoveForward() throws {
        var client = OTClientState(version: 4)
        #expect(throws: TextOperationError.self) { try client.applyServer(TextOperation(), version: 4) }
        _ = try client.applyClient(TextOperation(json: ["x"]))
        #expect(throws: TextOperationError.self) { try client.serverAck(version: 3) }
        #expect(client.version == 4)
    }

    @Test func otherFieldsAdvanceTheVersionUsedForTheNextSend() throws {
        var client = OTClientState(version: 4)
        client.advance(toVersion: 6)
        client.advance(toVersion: 5)
        #expect(client.version == 6)
        #expect(try client.applyClient(TextOperation(json: ["x"]))?.baseVersion == 6)
    }

    @Test func resendRepeatsTheOutstandingOpOnly() throws {
        var client = OTClientState(version: 2)
        #expect(client.resend() == nil)
        _ = try client.applyClient(TextOperation(json: ["x"]))
        _ = try client.applyClient(TextOperation(json: [1, "y"]))
        #expect(client.resend() == .init(baseVersion: 2, operation: try TextOperation(json: ["x"])))
    }

    @Test func serverOpOfTheWrongLengthIsRejected() throws {
        var client = OTClientState(version: 0)
        _ = try client.applyClient(TextOperation(json: [3, "x"]))
        #expect(throws: TextOperationError.self) { try client.applyServer(TextOperation(json: [2, "y"]), version: 1) }
    }
}
