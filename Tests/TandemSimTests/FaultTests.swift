import Testing
import TandemReport
import TandemSim

/// Every fault kind shows its effect in the report, and the system recovers from it.
@Suite struct FaultTests {
    private func expectHealthy(_ report: Report, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(report.convergence.divergentClients.isEmpty, "\(report.convergence.divergentClients.prefix(3))",
                sourceLocation: sourceLocation)
        #expect(report.lostAcknowledgedWrites.isEmpty, sourceLocation: sourceLocation)
        #expect(report.versionOrderViolations.isEmpty, "\(report.versionOrderViolations.prefix(3))",
                sourceLocation: sourceLocation)
        #expect(report.presence.ghostsAfterSettle.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func aBaselineRunHasSmallLatenciesAndNoFindings() async throws {
        let report = try await simulate(try scenario()).report
        expectHealthy(report)
        #expect(report.latency.propagation.count > 100)
        #expect(report.latency.propagation.maxMs < 100)
        #expect(report.faults.isEmpty)
    }

    @Test func aNodeCutFromTheBrokerDelaysPropagationButLosesNothingWithStreams() async throws {
        let report = try await simulate(try scenario(faults: """
              - at: 8s
                partition: {between: [node-2], and: [broker], for: 3s}
            """)).report
        expectHealthy(report)
        #expect(report.faults.map(\.kind) == ["partition"])
        #expect(report.latency.propagation.maxMs > 300)
        #expect(total(report, "broker.publish_failed") > 0)
    }

    /// Redis caps the stream (`XADD MAXLEN`): a node cut off while more than the cap is published finds the oldest
    /// unread entries gone, counts a gap, and fills it from the store, as against the real stream.
    @Test func aStreamCappedBelowWhatACutNodeMissedLosesEntriesAndGapFillCoversThem() async throws {
        let cut = """
              - at: 8s
                partition: {between: [node-2], and: [broker], for: 3s}
            """
        let capped = try await simulate(try scenario(faults: cut, extraBroker: ", max_length: 5")).report
        expectHealthy(capped)
        #expect(total(capped, "broker.trimmed_unread") > 0)
        #expect(total(capped, "broker.gaps") == 1, "one subscriber fell behind the cap once")
        let uncapped = try await simulate(try scenario(faults: cut)).report
        #expect(total(uncapped, "broker.trimmed_unread") == 0, "the server's default cap is far above one cut")
    }

    @Test func underPubSubWithoutRecoveryTheSameCutMakesTheCheckersFail() async throws {
        let report = try await simulate(try scenario(broker: "redis-pubsub", faults: """
              - at: 8s
                partition: {between: [node-2], and: [broker], for: 3s}
            """, extraBroker: ", recovery: false")).report
        #expect(!report.convergence.divergentClients.isEmpty || !report.versionOrderViolations.isEmpty)
        #expect(total(report, "broker.lost") > 0)
        #expect(!report.passed)
    }

    @Test func underPubSubWithRecoveryTheCutIsRepairedFromTheStore() async throws {
        let report = try await simulate(try scenario(broker: "redis-pubsub", faults: """
              - at: 8s
                partition: {between: [node-2], and: [broker], for: 3s}
            """)).report
        expectHealthy(report)
        #expect(total(report, "broker.lost") > 0)
        #expect(total(report, "gap_fills") > 0)
    }

    @Test func aRecordDeletedWhileEveryoneEditsItReachesThemInOrderAndTheyMoveOn() async throws {
        let report = try await simulate(try scenario(users: 16, faults: """
              - at: 6s
                partition: {between: [node-2], and: [broker], for: 3s}
              - at: 7s
                delete_record: {record: 1, via: node-2}
            """)).report
        expectHealthy(report)
        #expect(report.faults.map(\.kind) == ["partition", "delete_record"])
        #expect(report.faults.last?.label == "delete Doc:1 via node-2")
        #expect(total(report, "faults.records_deleted") == 1)
        // Edits sent into the deleted record, and joins of it, were refused, never acknowledged.
        #expect(total(report, "client.errors.not_found") > 0)
        #expect(total(report, "actions.switch_record") > 0)
    }

    @Test func aDeletionSentToACrashedNodeIsNotCarriedOut() async throws {
        let report = try await simulate(try scenario(faults: """
              - at: 6s
                crash: {node: node-2, restart_after: 3s}
              - at: 7s
                delete_record: {record: 1, via: node-2}
            """)).report
        expectHealthy(report)
        #expect(total(report, "faults.deletions_unreachable") == 1)
        #expect(total(report, "faults.records_deleted") == 0)
    }

    @Test func aCrashedNodeLosesItsClientsWhoReconnectAndResync() async throws {
        let report = try await simulate(try scenario(faults: """
              - at: 8s
                crash: {node: node-2, restart_after: 3s}
            """)).report
        expectHealthy(report)
        #expect(report.reconnects > 0)
        #expect(report.resyncs > 0)
        #expect(report.faults.map(\.kind) == ["crash"])
    }

    @Test func aBrokerOutageStallsCrossNodePropagationUntilItEnds() async throws {
        let report = try await simulate(try scenario(faults: """
              - at: 8s
                broker_outage: {for: 2s}
            """)).report
        expectHealthy(report)
        #expect(report.latency.propagation.maxMs > 300)
        #expect(total(report, "backplane.errors") > 0)
    }

    @Test func aDisconnectStormReconnectsEveryoneAndResyncs() async throws {
        let report = try await simulate(try scenario(users: 20, faults: """
              - at: 8s
                disconnect: {clients: 100%, reconnect_after: {uniform: [200ms, 1s]}}
            """)).report
        expectHealthy(report)
        #expect(report.reconnects >= 20)
        #expect(report.resyncs >= 20)
    }

    /// The storm's window closes when the last dropped client holds a connection again, not at the end of the run.
    @Test func aDisconnectWindowEndsWhenItsLastClientIsBack() async throws {
        let report = try await simulate(try scenario(users: 20, faults: """
              - at: 8s
                disconnect: {clients: 100%, reconnect_after: {uniform: [200ms, 1s]}}
            """)).report
        let window = try #require(report.faults.first)
        #expect(window.kind == "disconnect" && window.fault == 1)
        #expect(window.startMs == 8_000)
        #expect(window.endMs > 8_200 && window.endMs < 12_000, "\(window)")
    }

    /// A spike on client links: messages sent during it are slow, those sent in steady state are not, and scoped
    /// thresholds judge each on its own.
    @Test func aLatencySpikeGetsItsOwnWindowAndScopedThresholdsJudgeEachWindow() async throws {
        let report = try await simulate(try scenario(faults: """
              - at: 8s
                latency_spike: {link: client_node, add: 300ms, for: 3s}
            """, expect: """
              "latency.propagation.p99{outside: faults}": "< 100ms"
              "latency.propagation.p99{during: fault 1}": "> 600ms"
              latency.propagation.p99: "< 100ms"
            """)).report
        let steady = try #require(report.latency.windows.first { $0.scope == "outside: faults" })
        let during = try #require(report.latency.windows.first { $0.scope == "during: faults" })
        #expect(steady.propagation.p99Ms < 100)
        #expect(during.propagation.p99Ms > 600)
        #expect(steady.spans.map(\.startMs) == [0, 16_000] && steady.spans.first?.endMs == 8_000)
        #expect(report.thresholds.map(\.passed) == [true, true, false])
    }

    @Test func aLatencySpikeShowsInTheTail() async throws {
        let report = try await simulate(try scenario(faults: """
              - at: 8s
                latency_spike: {link: client_node, add: 300ms, for: 3s}
            """)).report
        expectHealthy(report)
        #expect(report.latency.propagation.maxMs > 600)
    }

    @Test func packetLossCostsRetransmissions() async throws {
        let report = try await simulate(try scenario(faults: """
              - at: 5s
                loss: {link: client_node, rate: 0.3, for: 10s}
            """)).report
        expectHealthy(report)
        #expect(report.latency.propagation.maxMs > 200)
    }

    @Test func aNodeCutFromItsClientsDropsThemAndTheyMoveOn() async throws {
        let report = try await simulate(try scenario(faults: """
              - at: 8s
                partition: {between: [node-1], and: [clients], for: 3s}
            """)).report
        expectHealthy(report)
        #expect(report.reconnects > 0)
    }

    @Test func aNodeCutFromTheStoreCommitsNothingMeanwhileAndAcksNothingFalse() async throws {
        let report = try await simulate(try scenario(faults: """
              - at: 8s
                partition: {between: [node-1], and: [store], for: 3s}
            """)).report
        expectHealthy(report)
        #expect(total(report, "store_errors") > 0)
        #expect((report.load.run.counters["client.errors.internal"] ?? 0) > 0)
    }

    /// After a broker outage each node reconnects by the server's backoff, not the instant it ends: until its first
    /// attempt past the end its publishes fail as the server's do, and everything still converges once it is back.
    @Test func afterABrokerOutageNodesReconnectByTheirBackoff() async throws {
        func run(_ delay: String) async throws -> Report {
            try await simulate(try scenario(faults: """
                  - at: 8s
                    broker_outage: {for: 1s}
                """, extraBroker: ", reconnect_delay_min: \(delay), reconnect_delay_max: \(delay)")).report
        }
        let prompt = try await run("1ms")
        let slow = try await run("3s")  // first attempt 1.5-3 s after the outage began: back 0.5-2 s after it ended
        expectHealthy(prompt)
        expectHealthy(slow)
        #expect(total(slow, "broker.publish_failed") > total(prompt, "broker.publish_failed"))
        #expect(slow.latency.propagation.maxMs > prompt.latency.propagation.maxMs)
    }

    /// Half the clients drop and come back to the same node, where their old connections stay until expiry, so no
    /// other client sees them join again. A broker outage longer than the expiry then makes each node drop the other
    /// nodes' users and show them again when it ends: flaps, not those re-joins. Presence latency measures joins only
    /// (it used to count every observer's flap against the re-join of seconds before, so its p99 read the outage).
    @Test func aPresenceFlapAfterABrokerOutageIsNotALateJoin() async throws {
        let report = try await simulate(try scenario(users: 12, nodes: 3, faults: """
              - at: 6s
                disconnect: {clients: 50%, reconnect_after: {fixed: 500ms}}
              - at: 9s
                broker_outage: {for: 8s}
            """)).report
        expectHealthy(report)
        #expect(total(report, "presence.expired") > 0, "the outage outlasted the expiry: the nodes dropped each other's users")
        #expect(report.latency.presence.count > 0)
        #expect(report.latency.presence.maxMs < 1_000)
    }
}

/// The checkers can fail: deliberately broken engine settings make them report the violation.
@Suite struct CheckerTests {
    @Test func ackingBeforeTheStoreWriteLosesAcknowledgedWrites() async throws {
        var options = SimulationOptions()
        options.ackBeforePersist = true
        let report = try await simulate(try scenario(faults: """
              - at: 8s
                partition: {between: [node-1], and: [store], for: 3s}
            """), options: options).report
        #expect(!report.lostAcknowledgedWrites.isEmpty)
        #expect(report.lostAcknowledgedWrites.first?.detail.contains("acked at") == true)
        #expect(!report.passed)
    }

    /// Half the clients are away while others leave for good: without `resynced`'s participants the clients that
    /// come back keep showing those who left (ghosts on their screens); with them, no one is shown who is gone.
    @Test func clientsAwayWhileOthersLeftShowGhostsUnlessTheResyncSaysWhoIsHere() async throws {
        let plan = try scenario(users: 12, faults: """
              - at: 8s
                disconnect: {clients: 50%, reconnect_after: {fixed: 4s}}
            """, phases: """
              - ramp: {to: 12, over: 1s}
              - steady: 8s
              - ramp: {to: 4, over: 2s}
              - steady: 9s
            """)
        var options = SimulationOptions()
        options.clientsIgnoreResyncedParticipants = true
        let broken = try await simulate(plan, options: options).report
        #expect(broken.presence.ghostsAfterSettle.contains { $0.observer.hasPrefix("users") }, "\(broken.presence.ghostsAfterSettle)")
        #expect(!broken.passed)
        let healthy = try await simulate(plan).report
        #expect(healthy.presence.ghostsAfterSettle.isEmpty, "\(healthy.presence.ghostsAfterSettle)")
    }

    @Test func withoutPresenceExpiryVanishedBrowsersStayAsGhosts() async throws {
        var options = SimulationOptions()
        options.presenceExpiry = false
        let plan = try scenario(faults: """
              - at: 8s
                disconnect: {clients: 50%}
            """)
        let broken = try await simulate(plan, options: options).report
        #expect(!broken.presence.ghostsAfterSettle.isEmpty)
        #expect(!broken.passed)
        let healthy = try await simulate(plan).report
        #expect(healthy.presence.ghostsAfterSettle.isEmpty)
    }
}
