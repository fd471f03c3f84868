import Testing
@testable import TandemLive

/// A node's `/metrics` page becomes the report's counters under the names the simulator uses.
struct PrometheusTextTests {
    @Test func countersGetTheSimulatorsNamesAndConflictsAddUp() {
        let page = """
            # HELP tandem_commits_total Changes committed to the event store.
            # TYPE tandem_commits_total counter
            tandem_commits_total 1396
            tandem_append_clashes_total 414
            tandem_conflicts_total{kind="auto_resolved"} 7
            tandem_conflicts_total{kind="manual"} 5
            tandem_server_events_total{event="logins_succeeded"} 151
            tandem_backplane_lag_seconds 0.25
            process_cpu_seconds_total 12
            """
        let samples = Dictionary(PrometheusText.samples(page), uniquingKeysWith: +)
        #expect(samples["server.commits_total"] == 1396 && samples["commits"] == 1396)
        #expect(samples["append_clashes"] == 414)
        #expect(samples["conflicts.auto_resolved"] == 7 && samples["conflicts.manual"] == 5)
        #expect(samples["conflicts.detected"] == 12)
        #expect(samples["server.logins_succeeded"] == 151)
        #expect(samples["server.backplane_lag_seconds"] == 0.25)
        #expect(samples["process_cpu_seconds_total"] == nil && samples["server.process_cpu_seconds_total"] == nil)
    }
}
