import PropertyBased
import TandemCore
import TandemRuntime
import Testing

/// Two clients and a server exchanging ops in random interleavings, one seed per run, all ending equal.
@Suite struct OTClientStateConvergenceTests {
    static let stepCountMax = 60

    @Test func clientsAndServerConvergeUnderRandomInterleavings() async {
        await propertyCheck(count: 1000, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var run = SimulatedRun(seed: seed)
            for _ in 0..<Int.random(in: 1...Self.stepCountMax, using: &run.rng) {
                try run.step()
            }
            try run.drain()
            for participant in run.participants {
                #expect(participant.text == run.server.text, "seed \(seed)")
                #expect(participant.state.phase == .synchronized, "seed \(seed)")
                #expect(participant.state.version == run.server.version, "seed \(seed)")
            }
        }
    }
}

/// One client with its local text and the frames in flight to and from it (each link is FIFO).
private struct Participant {
    enum Inbound {
        case changed(TextOperation, version: Int)
        case otherFieldChanged(version: Int)
        case ack(version: Int)
    }

    var text: String
    var state: OTClientState
    var toServer: [OTClientState.Send] = []
    var fromServer: [Inbound] = []
}

/// A seeded run of the protocol's text path: each step is one random event.
private struct SimulatedRun {
    var rng: SplitMix64
    var server: OTTestServer
    var participants: [Participant]

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        let text = RandomText.text(maxPieceCount: 12, using: &rng)
        let version = Int.random(in: 0...5, using: &rng)
        server = OTTestServer(text: text, version: version)
        participants = (0..<2).map { _ in Participant(text: text, state: OTClientState(version: version)) }
    }

    mutating func step() throws {
        let index = Int.random(in: 0..<participants.count, using: &rng)
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<4: try edit(index)
        case 4..<6: try deliverToServer(from: index)
        case 6..<9: try deliverToClient(index)
        default: broadcastOtherFieldChange()
        }
    }

    /// Delivers everything in flight, in random order across links, until nothing is left.
    mutating func drain() throws {
        var deliveries = 0
        while participants.contains(where: { !$0.toServer.isEmpty || !$0.fromServer.isEmpty }) {
            deliveries += 1
            precondition(deliveries < 10_000, "drain did not finish")
            let index = Int.random(in: 0..<participants.count, using: &rng)
            if Bool.random(using: &rng) { try deliverToServer(from: index) } else { try deliverToClient(index) }
        }
    }

    private mutating func edit(_ index: Int) throws {
        let operation = RandomText.operation(on: participants[index].text, using: &rng)
        participants[index].text = try operation.apply(to: participants[index].text)
        if let send = try participants[index].state.applyClient(operation) {
            participants[index].toServer.append(send)
        }
        // A remote cursor valid on the server's text at the client's version stays inside the local text.
        let serverText = server.text(atVersion: participants[index].state.version)
        let cursor = Int.random(in: 0...serverText.utf16.count, using: &rng)
        let moved = participants[index].state.transformIndex(cursor)
        #expect((0...participants[index].text.utf16.count).contains(moved))
    }

    private mutating func deliverToServer(from index: Int) throws {
        guard !participants[index].toServer.isEmpty else { return }
        let send = participants[index].toServer.removeFirst()
        let committed = try server.commit(send.operation, baseVersion: send.baseVersion)
        for other in participants.indices {
            participants[other].fromServer.append(
                other == index
                    ? .ack(version: committed.version)
                    : .changed(committed.operation, version: committed.version)
            )
        }
    }

    private mutating func deliverToClient(_ index: Int) throws {
        guard !participants[index].fromServer.isEmpty else { return }
        switch participants[index].fromServer.removeFirst() {
        case .changed(let operation, let version):
            let local = try participants[index].state.applyServer(operation, version: version)
            participants[index].text = try local.apply(to: participants[index].text)
        case .otherFieldChanged(let version):
            participants[index].state.advance(toVersion: version)
        case .ack(let version):
            if let send = try participants[index].state.serverAck(version: version) {
                participants[index].toServer.append(send)
            }
        }
    }

    private mutating func broadcastOtherFieldChange() {
        let version = server.commitOtherField()
        for index in participants.indices {
            participants[index].fromServer.append(.otherFieldChanged(version: version))
        }
    }
}
