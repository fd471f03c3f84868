import TandemEngine

/// Writes `/metrics` in the Prometheus text exposition format (version 0.0.4), by hand: counters and gauges
/// from the node, the server's own counters and the commit-latency histogram.
struct PrometheusExposition {
    private(set) var text = ""

    mutating func counter(_ name: String, _ help: String, _ value: Int) {
        header(name, help, type: "counter")
        text += "\(name) \(value)\n"
    }

    mutating func counter(_ name: String, _ help: String, _ value: Double) {
        header(name, help, type: "counter")
        text += "\(name) \(Self.number(value))\n"
    }

    mutating func gauge(_ name: String, _ help: String, _ value: Double) {
        header(name, help, type: "gauge")
        text += "\(name) \(Self.number(value))\n"
    }

    mutating func labelled(_ name: String, _ help: String, type: String, label: String, values: [(String, Int)]) {
        header(name, help, type: type)
        for (labelValue, value) in values { text += "\(name){\(label)=\"\(labelValue)\"} \(value)\n" }
    }

    mutating func histogram(_ name: String, _ help: String, bounds: [Double], _ snapshot: LatencyHistogram.Snapshot) {
        header(name, help, type: "histogram")
        series(name, labels: "", bounds: bounds, snapshot)
    }

    /// One histogram family with a series per value of `label`.
    mutating func histograms(
        _ name: String, _ help: String, label: String, bounds: [Double], _ series: [(String, LatencyHistogram.Snapshot)]
    ) {
        header(name, help, type: "histogram")
        for (value, snapshot) in series { self.series(name, labels: "\(label)=\"\(value)\",", bounds: bounds, snapshot) }
    }

    /// `labels` is empty or ends with a comma: it goes before `le`.
    private mutating func series(_ name: String, labels: String, bounds: [Double], _ snapshot: LatencyHistogram.Snapshot) {
        for (bound, count) in zip(bounds, snapshot.cumulativeCounts) {
            text += "\(name)_bucket{\(labels)le=\"\(Self.number(bound))\"} \(count)\n"
        }
        text += "\(name)_bucket{\(labels)le=\"+Inf\"} \(snapshot.cumulativeCounts.last ?? 0)\n"
        let plain = labels.isEmpty ? "" : "{\(labels.dropLast())}"
        text += "\(name)_sum\(plain) \(Self.number(snapshot.sumSeconds))\n"
        text += "\(name)_count\(plain) \(snapshot.count)\n"
    }

    private mutating func header(_ name: String, _ help: String, type: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// The whole page for one server.
    static func render(
        node metrics: NodeMetrics,
        connections: Int,
        sessions: Int,
        sockets: Int,
        statistics: ServerStatistics,
        backplaneLagSeconds: Double?,
        loginLockouts: Int = 0,
        passwordChecksQueued: Int = 0
    ) -> String {
        var page = PrometheusExposition()
        page.gauge("tandem_connections", "Client connections the node holds.", Double(connections))
        page.gauge("tandem_websockets_open", "Open WebSocket handlers, authenticated or not.", Double(sockets))
        page.gauge("tandem_sessions", "Collaboration sessions (records) the node serves.", Double(sessions))
        page.counter("tandem_connections_opened_total", "Connections accepted by the node.", metrics.connectionsOpened)
        page.counter("tandem_connections_closed_total", "Connections closed.", metrics.connectionsClosed)
        page.counter("tandem_messages_in_total", "Client frames received.", metrics.messagesIn)
        page.counter("tandem_messages_out_total", "Server frames queued to clients.", metrics.messagesOut)
        page.counter("tandem_commits_total", "Changes committed to the event store.", metrics.commits)
        page.counter("tandem_deletions_total", "Record deletions committed (also counted as commits).", metrics.deletions)
        page.counter(
            "tandem_append_clashes_total",
            "Appends that lost a version race and were retried.",
            metrics.appendClashes
        )
        page.counter(
            "tandem_appends_abandoned_total",
            "Changes given up (answered internal, client resends) after every append attempt lost the race.",
            metrics.appendsAbandoned
        )
        page.labelled(
            "tandem_conflicts_total",
            "Conflicts detected, by how they were settled.",
            type: "counter",
            label: "kind",
            values: [("auto_resolved", metrics.conflictsAutoResolved), ("manual", metrics.conflictsManual)]
        )
        page.counter("tandem_resyncs_total", "Resync requests served.", metrics.resyncs)
        page.counter("tandem_errors_sent_total", "Error frames sent to clients.", metrics.errorsSent)
        page.counter(
            "tandem_rate_limited_total",
            "Frames refused by the per-connection rate limit.",
            metrics.rateLimited
        )
        page.counter(
            "tandem_slow_consumers_dropped_total",
            "Connections closed with 1013 for a full outbound queue.",
            metrics.slowConsumersDropped
        )
        page.counter("tandem_store_errors_total", "Event store failures.", metrics.storeErrors)
        page.counter("tandem_backplane_messages_in_total", "Backplane messages received.", metrics.backplaneIn)
        page.counter("tandem_backplane_messages_out_total", "Backplane messages published.", metrics.backplaneOut)
        page.counter("tandem_backplane_errors_total", "Backplane publish failures.", metrics.backplaneErrors)
        page.counter(
            "tandem_backplane_outbox_dropped_total",
            "Backplane messages dropped, oldest first, from a full outbox (10,000 waiting) while the broker lagged.",
            metrics.backplaneOutboxDropped
        )
        page.counter("tandem_gap_fills_total", "Version gaps filled from the store.", metrics.gapFills)
        page.counter(
            "tandem_history_store_reads_total",
            "Change log reads for a change or resync based older than the memory window (clients lagging behind).",
            metrics.historyStoreReads
        )
        page.counter(
            "tandem_audit_events_dropped_total",
            "Audit events dropped after the store refused them for longer than the backlog holds (10,000 events).",
            metrics.auditEventsDropped
        )
        page.gauge(
            "tandem_backplane_lag_seconds",
            "Seconds the oldest backplane message not yet handed to this node has waited; 0 when caught up.",
            backplaneLagSeconds ?? 0
        )
        page.labelled(
            "tandem_server_events_total",
            "Server-side auth and REST outcomes.",
            type: "counter",
            label: "event",
            values: ServerStatistics.Counter.allCases.map { ($0.rawValue, statistics.value($0)) }
        )
        page.gauge(
            "tandem_login_lockouts",
            "Usernames and client addresses locked out after failed logins right now.",
            Double(loginLockouts)
        )
        page.gauge(
            "tandem_password_checks_queued",
            "Logins waiting for a bcrypt slot (past auth.bcrypt_queue_max they are answered 503).",
            Double(passwordChecksQueued)
        )
        page.histogram(
            "tandem_commit_duration_seconds",
            "Time to make one change durable in the event store.",
            bounds: statistics.commitLatency.bounds,
            statistics.commitLatency.snapshot()
        )
        page.histograms(
            "tandem_node_stage_seconds",
            "Time of each stage of the node's work: decode (a client frame from its bytes), queue_wait (a decoded "
                + "frame waiting for the node), handle (the node on one frame, store calls included), busy (handle less its "
                + "waits for the record's gate and the store: the node's own time), store_append "
                + "(one append as the node waits for it), fanout (one change applied and queued to every local recipient), "
                + "store_read (one change-log read for a change or resync based older than the memory window).",
            label: "stage",
            bounds: NodeStageHistograms.boundsSeconds,
            NodeStage.allCases.map { ($0.rawValue, statistics.stages.snapshot($0)) }
        )
        if let cpu = ProcessCPU.read() {
            page.counter(
                "process_cpu_seconds_total", "User and system CPU time this server process has spent, in seconds.",
                cpu.seconds)
            page.labelled(
                "tandem_process_cpu_ticks_total",
                "CPU time of this server process in clock ticks (1/\(ProcessCPU.ticksPerSecond) s), user and system apart.",
                type: "counter", label: "mode", values: [("user", cpu.userTicks), ("system", cpu.systemTicks)])
        }
        return page.text
    }
}
