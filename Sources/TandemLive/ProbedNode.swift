import NIOCore
import TandemCore
import TandemSim

/// A live node as the end-of-run checkers see it: for each record, an administrator joins it on that node over a
/// real WebSocket and reads the node's snapshot (`joined`: version, values, participants), as the simulator's
/// checkers read the engine. The probe's own user is left out of the participants.
actor ProbedNode: CheckedNode {
    nonisolated let name: String
    let address: LiveLinks.Address
    let token: String
    let probeUserID: Int
    let group: any EventLoopGroup
    let counters: LiveCounters
    private var seen: [RecordKey: Joined?] = [:]

    init(name: String, address: LiveLinks.Address, token: String, probeUserID: Int, group: any EventLoopGroup,
         counters: LiveCounters) {
        self.name = name
        self.address = address
        self.token = token
        self.probeUserID = probeUserID
        self.group = group
        self.counters = counters
    }

    func record(_ key: RecordKey) async -> RecordState? {
        guard let joined = await joined(key) else { return nil }
        return RecordState(key: key, version: joined.version, fields: joined.fields, fieldVersions: joined.fieldVersions)
    }

    func participants(_ key: RecordKey) async -> [Participant] {
        (await joined(key))?.participants.filter { $0.userID != probeUserID } ?? []
    }

    /// The node's snapshot of `key`, once per record (nil when the node did not answer within 10 s).
    private func joined(_ key: RecordKey) async -> Joined? {
        if let known = seen[key] { return known }
        let answer = await probe(key)
        seen[key] = answer
        return answer
    }

    private func probe(_ key: RecordKey) async -> Joined? {
        let (frames, continuation) = AsyncStream<Downlink>.makeStream()
        let handler = LiveFrameHandler(counters: counters, waits: false) { continuation.yield($0) }
        guard let channel = try? await LiveConnection.open(address, token: token, group: group, handler: handler)
        else { return nil }
        defer { channel.close(promise: nil) }
        LiveConnection.write(
            .joinCollaboration(JoinCollaboration(model: key.model, recordID: .string(key.recordID))), to: channel)
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(10)) { continuation.finish() }
        defer { deadline.cancel() }
        for await frame in frames {
            switch frame {
            case .message(.joined(let joined)) where joined.sessionID == key.sessionID: return joined
            case .closed: return nil
            default: continue
            }
        }
        return nil
    }
}
