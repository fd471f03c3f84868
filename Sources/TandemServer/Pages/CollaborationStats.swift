import TandemCore
import TandemEngine

/// What the collaboration dashboard shows and `GET /api/v1/collaboration/stats` answers: the sessions this node
/// serves with their participants, the engine's change and conflict counters, the audit log's events per minute,
/// and the commit and propagation latencies from the server's histograms.
struct CollaborationStats: Sendable {
    struct Session: Sendable {
        var key: RecordKey
        var participants: [Participant]
    }

    /// Count, mean and estimated quantiles of one latency histogram, in milliseconds.
    struct Latency: Sendable {
        var name: String
        var description: String
        var count: Int
        var meanMillis: Double
        var p50Millis: Double
        var p99Millis: Double
    }

    var nodeID: String
    var generatedAtMillis: Int64
    var connections: Int
    var sessions: [Session]
    var metrics: NodeMetrics
    var timeline: [AuditTimeline.Minute]
    var latencies: [Latency]

    static func gather(_ context: ServerContext) async -> CollaborationStats {
        let active = await context.node.activeSessions
        let stages = context.statistics.stages
        return CollaborationStats(
            nodeID: context.configuration.nodeID,
            generatedAtMillis: context.clock.wallMillis(),
            connections: await context.node.connectionCount,
            sessions: active.keys.sorted().map { Session(key: $0, participants: active[$0] ?? []) },
            metrics: await context.node.metrics,
            timeline: context.statistics.timeline.snapshot,
            latencies: [
                latency("commit", "durable commit: one change appended to the store",
                        context.statistics.commitLatency.bounds, context.statistics.commitLatency.snapshot()),
                latency("propagation", "fan-out: a committed change queued to every local participant",
                        NodeStageHistograms.boundsSeconds, stages.snapshot(.fanout)),
                latency("handle", "a client frame handled by the node, store included",
                        NodeStageHistograms.boundsSeconds, stages.snapshot(.handle)),
            ]
        )
    }

    static func latency(
        _ name: String, _ description: String, _ bounds: [Double], _ snapshot: LatencyHistogram.Snapshot
    ) -> Latency {
        Latency(
            name: name, description: description, count: snapshot.count,
            meanMillis: snapshot.count == 0 ? 0 : snapshot.sumSeconds / Double(snapshot.count) * 1_000,
            p50Millis: quantile(0.5, bounds, snapshot) * 1_000, p99Millis: quantile(0.99, bounds, snapshot) * 1_000
        )
    }

    /// The `q` quantile in seconds, interpolated linearly inside its bucket (as Prometheus's `histogram_quantile`);
    /// past the last bound, the last bound. 0 without observations.
    static func quantile(_ q: Double, _ bounds: [Double], _ snapshot: LatencyHistogram.Snapshot) -> Double {
        guard snapshot.count > 0 else { return 0 }
        let rank = q * Double(snapshot.count)
        guard let index = snapshot.cumulativeCounts.firstIndex(where: { Double($0) >= rank }) else {
            return bounds.last ?? 0
        }
        guard index < bounds.count else { return bounds.last ?? 0 }
        let lower = index == 0 ? 0 : bounds[index - 1]
        let below = index == 0 ? 0 : snapshot.cumulativeCounts[index - 1]
        let inBucket = snapshot.cumulativeCounts[index] - below
        guard inBucket > 0 else { return bounds[index] }
        return lower + (bounds[index] - lower) * (rank - Double(below)) / Double(inBucket)
    }

    var totals: [(String, Int)] {
        [
            ("commits", metrics.commits), ("conflicts_detected", metrics.conflictsDetected),
            ("conflicts_auto_resolved", metrics.conflictsAutoResolved), ("conflicts_manual", metrics.conflictsManual),
            ("resyncs", metrics.resyncs), ("deletions", metrics.deletions),
        ]
    }

    static func rounded(_ value: Double) -> Double { (value * 1_000).rounded() / 1_000 }

    var json: JSONValue {
        .object([
            "node_id": .string(nodeID),
            "generated_at": .string(RFC3339.string(fromMilliseconds: generatedAtMillis)),
            "connections": .int(connections),
            "sessions": .array(sessions.map { session in
                .object([
                    "session_id": .string("\(session.key.model):\(session.key.recordID)"),
                    "model": .string(session.key.model),
                    "record_id": RecordRoutes.primaryKeyJSON(session.key.recordID),
                    "participants": .array(session.participants.map { participant in
                        .object([
                            "user_id": .int(participant.userID), "username": .string(participant.username),
                            "color": .string(participant.color), "focus": participant.focus.map { .string($0) } ?? .null,
                        ])
                    }),
                ])
            }),
            "totals": .object(Dictionary(uniqueKeysWithValues: totals.map { ($0.0, JSONValue.int($0.1)) })),
            "timeline": .array(timeline.map { minute in
                .object([
                    "minute": .string(RFC3339.string(fromMilliseconds: minute.startMillis)),
                    "changes": .int(minute.changes), "conflicts": .int(minute.conflicts), "joins": .int(minute.joins),
                ])
            }),
            "latency": .object(Dictionary(uniqueKeysWithValues: latencies.map { latency in
                (latency.name, JSONValue.object([
                    "count": .int(latency.count), "mean_ms": .number(Self.rounded(latency.meanMillis)),
                    "p50_ms": .number(Self.rounded(latency.p50Millis)),
                    "p99_ms": .number(Self.rounded(latency.p99Millis)),
                ]))
            })),
        ])
    }

    /// The same data for the dashboard template.
    var page: [String: Any] {
        let busiest = max(1, timeline.map { max($0.changes, $0.conflicts) }.max() ?? 1)
        return [
            "node_id": nodeID,
            "generated_at": RFC3339.string(fromMilliseconds: generatedAtMillis),
            "connections": connections,
            "session_count": sessions.count,
            "sessions": sessions.map { session -> [String: Any] in
                [
                    "model": session.key.model, "model_path": session.key.model.lowercased(),
                    "record_id": session.key.recordID,
                    "participants": session.participants.map { participant -> [String: Any] in
                        participant.focus.map { ["username": participant.username, "focus": $0] } ?? ["username": participant.username]
                    },
                ]
            },
            "totals": totals.map { ["name": $0.0, "value": $0.1] },
            "timeline": timeline.map { minute -> [String: Any] in
                [
                    "minute": RFC3339.string(fromMilliseconds: minute.startMillis), "changes": minute.changes,
                    "conflicts": minute.conflicts, "joins": minute.joins,
                    "scale": busiest,
                ]
            },
            "latencies": latencies.map { latency -> [String: Any] in
                [
                    "name": latency.name, "description": latency.description, "count": latency.count,
                    "mean": Self.format(latency.meanMillis), "p50": Self.format(latency.p50Millis),
                    "p99": Self.format(latency.p99Millis),
                ]
            },
        ]
    }

    static func format(_ millis: Double) -> String {
        let rounded = (millis * 100).rounded() / 100
        return String(rounded)
    }
}
