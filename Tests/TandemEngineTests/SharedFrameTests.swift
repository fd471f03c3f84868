import Testing
import TandemCore
import TandemEngine

/// A fan-out hands every recipient the same `SharedFrame`, so the server encodes each change once.
@Suite struct SharedFrameTests {
    @Test func aChangeReachesEveryOtherConnectionInOneFrameAndTheAuthorGetsItsOwnAck() async throws {
        try await inSimulation { executor in
            let world = EngineWorld(executor)
            let node = try await world.node()
            let clients = await TestClient.joinedEditors(4, to: node)
            for client in clients { _ = client.transport.drainFrames() }
            await clients[0].change("age", value: .int(7), base: 0, rid: .integer(9))
            try await world.settle()

            let author = clients[0].transport.drainFrames().filter { $0.message.acks.count + $0.message.changes.count > 0 }
            #expect(author.count == 1)
            #expect(author.first?.message.acks.map(\.version) == [1])
            #expect(author.first?.frame == nil, "the ack carries the author's rid: it must not be shared")

            var frames: [SharedFrame] = []
            for client in clients.dropFirst() {
                let received = client.transport.drainFrames().filter { !$0.message.changes.isEmpty }
                #expect(received.count == 1, "\(client.user.username) got \(received.count) model_changed")
                frames += received.compactMap(\.frame)
            }
            #expect(frames.count == 3)
            #expect(frames.allSatisfy { $0 === frames.first }, "one frame object for every recipient")
            #expect(frames.first?.message.changes.map(\.version) == [1])
            await node.shutdown()
        }
    }

    @Test func aFrameIsEncodedByItsFirstReaderOnly() {
        let frame = SharedFrame(.pong(Pong(serverTime: 1, rid: nil)))
        var calls = 0
        let first = frame.encoded { _ -> [UInt8] in
            calls += 1
            return [1, 2, 3]
        }
        let second = frame.encoded { _ -> [UInt8] in
            calls += 1
            return [9]
        }
        #expect(first == [1, 2, 3])
        #expect(second == [1, 2, 3])
        #expect(calls == 1)
    }
}

extension ServerMessage {
    fileprivate var acks: [Ack] { [self].acks }
    fileprivate var changes: [ModelChanged] { [self].changes }
}
