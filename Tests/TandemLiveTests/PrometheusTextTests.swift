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
        let samples = Dictionary(PrometheusText.samples(page).map { ($0.name, $0.value) }, uniquingKeysWith: +)
        #expect(samples["server.commits_total"] == 1396 && samples["commits"] == 1396)
        #expect(samples["append_clashes"] == 414)
        #expect(samples["conflicts.auto_resolved"] == 7 && samples["conflicts.manual"] == 5)
        #expect(samples["conflicts.detected"] == 12)
        #expect(samples["server.logins_succeeded"] == 151)
        #expect(samples["server.backplane_lag_seconds"] == 0.25)
        #expect(samples["process_cpu_seconds_total"] == nil && samples["server.process_cpu_seconds_total"] == nil)
    }

    /// A node killed and restarted starts its counters from zero: the live run adds what it read before the kill, so
    /// it must tell running totals from levels, by `# TYPE` (or, untyped, by the `_total` suffix).
    @Test func runningTotalsAreToldFromLevels() {
        let page = """
            # TYPE tandem_commits_total counter
            tandem_commits_total 40
            # TYPE tandem_websockets_open gauge
            tandem_websockets_open 26
            # TYPE tandem_commit_duration_seconds histogram
            tandem_commit_duration_seconds_bucket{le="0.005"} 30
            tandem_commit_duration_seconds_sum 0.9
            tandem_commit_duration_seconds_count 41
            # TYPE tandem_server_events_total counter
            tandem_server_events_total{event="logins_succeeded"} 12
            tandem_backplane_messages_out_total 7
            tandem_backplane_lag_seconds 0.25
            """
        let kinds = Dictionary(PrometheusText.samples(page).map { ($0.name, $0.isCounter) }, uniquingKeysWith: { a, _ in a })
        #expect(kinds["server.commits_total"] == true && kinds["commits"] == true)
        #expect(kinds["server.websockets_open"] == false)
        #expect(kinds["server.commit_duration_seconds_count"] == true)
        #expect(kinds["server.logins_succeeded"] == true)
        #expect(kinds["server.backplane_messages_out_total"] == true, "untyped, named as a counter")
        #expect(kinds["server.backplane_lag_seconds"] == false, "untyped, named as a level")
        #expect(PrometheusText.counters(page) == [
            "server.commits_total": 40, "commits": 40, "server.commit_duration_seconds_count": 41,
            "server.logins_succeeded": 12, "server.backplane_messages_out_total": 7,
        ])
    }
}
