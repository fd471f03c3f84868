import Foundation
import TandemRuntime
import TandemScenario

/// A generator that counts how many values were drawn from it.
struct CountingGenerator: RandomNumberGenerator {
    var inner: SplitMix64
    var drawCount = 0

    mutating func next() -> UInt64 {
        drawCount += 1
        return inner.next()
    }
}

enum Fixtures {
    /// The package root, found from this file's path (Tests/TandemScenarioTests/TestSupport.swift).
    static let packageRoot: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/")
    }()

    static let scenariosDirectory = packageRoot + "/Scenarios"

    static let shippedFiles = [
        "classroom-150.yaml", "crash-restart.yaml", "delete-during-partition.yaml", "live-smoke.yaml",
        "partition-pubsub-norecovery.yaml",
        "partition-pubsub.yaml", "partition-streams.yaml", "reconnect-storm-500.yaml", "scale-1000x10.yaml",
        "smoke-10.yaml",
    ]

    /// A small valid scenario that the error table edits one line at a time.
    static let base = """
        name: t
        duration: 60s
        topology:
          nodes: 3
          links:
            client_node: {latency: {fixed: 20ms}, loss: 0.01}
        models:
          - name: Doc
            fields: {title: string, body: text}
        population:
          - group: editors
            users: 10
            records: {model: Doc, count: 2, pick: {zipf: {s: 1.1}}}
            behavior:
              think_time: {exponential: {mean: 2s}}
              actions: {type_text: 0.8, set_field: 0.2}
        phases:
          - ramp: {to: 10, over: 5s}
          - steady: 30s
        faults:
          - at: 20s
            partition: {between: [node-2], and: [broker], for: 5s}
        expect:
          latency.ack.p50: "< 60ms"

        """

    /// A sorted sample of `count` values.
    static func sortedSamples(_ count: Int, seed: UInt64, _ draw: (inout SplitMix64) -> Double) -> [Double] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in draw(&generator) }.sorted()
    }

    /// The value at quantile `q` of sorted samples.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        sorted[min(Int((Double(sorted.count) * q).rounded(.down)), sorted.count - 1)]
    }
}
