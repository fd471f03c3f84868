import Testing
import TandemCore
import TandemReport
import TandemScenario
@testable import TandemSim

/// The settle's convergence samples reuse what the previous sample found for whatever has not changed since
/// (`CheckCache`): the counts must be exactly those of comparing everything every time.
@Suite struct CheckCacheTests {
    /// Views that stay divergent for the whole settle (no gap recovery), views that change while it settles (a
    /// partition healing), and a node that is down and comes back with fresh sessions.
    @Test(arguments: ["partition-pubsub-norecovery", "partition-streams", "crash-restart"])
    func theSamplesCountWhatComparingEverythingCounts(_ name: String) async throws {
        let scenario = try shippedScenario(name)
        let cached = try await simulate(scenario).report
        var options = SimulationOptions()
        options.convergenceCheckCache = false
        let full = try await simulate(scenario, options: options).report
        #expect(cached.convergence == full.convergence)
        #expect(cached.identity.traceHash == full.identity.traceHash)
        // The samples saw something to count, so reusing a stale answer would have shown.
        #expect(full.convergence.timeline.contains { $0.divergentCount > 0 }, "\(full.convergence.timeline)")
    }

    /// A settle sample reuses the previous count when no stamp was handed out since (`SimWorld.run`): `latest` must
    /// move with every stamp handed out. (Other tests' simulations hand out stamps in this process too, so it may
    /// have moved further.)
    @Test func theLatestStampMovesWithEveryStampHandedOut() {
        let before = ChangeStamp.latest
        let stamp = ChangeStamp.next()
        #expect(stamp > before)
        #expect(ChangeStamp.latest >= stamp)
        let next = ChangeStamp.next()
        #expect(next > stamp && ChangeStamp.latest >= next)
    }

    static func view() -> RecordView {
        let joined = Joined(
            sessionID: "Contact:1", model: "Contact", recordID: 1, version: 3, fields: ["name": "Ann", "notes": "hi"],
            fieldVersions: [:], participants: [], comments: [], readOnly: false)
        return RecordView(key: RecordKey(model: "Contact", recordID: "1"), snapshot: joined, textFields: ["notes"])
    }

    @Test func aViewTakesANewStampForEveryChangeTheChecksRead() {
        let changes: [(String, (RecordView) -> Void)] = [
            ("version", { $0.version += 1 }),
            ("a value", { $0.fields["name"] = "Bea" }),
            ("a value edited in place", { $0.fields.values[$0.fields.index(forKey: "notes")!] = "ho" }),
            ("an override", { $0.overrides["name"] = (changeID: "c1", value: "Cy") }),
            ("joined", { $0.joined = false }),
            ("resyncing", { $0.resyncing = true }),
        ]
        for (what, change) in changes {
            let view = Self.view()
            let before = view.stamp
            change(view)
            #expect(view.stamp > before, "\(what) did not move the stamp")
        }
    }

    @Test func whatTheChecksDoNotReadLeavesTheStamp() {
        let view = Self.view()
        let before = view.stamp
        view.pending["c2"] = "age"
        view.outstanding["notes"] = "c3"
        view.debouncing.insert("notes")
        view.presence.joined(7)
        #expect(view.stamp == before)
    }
}
