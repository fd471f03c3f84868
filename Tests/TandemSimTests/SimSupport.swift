import Foundation
import Testing
import TandemReport
import TandemRuntime
import TandemScenario
import TandemSim

/// Runs a scenario in the simulator on its own thread (simulations block the thread they run on).
func simulate(_ scenario: Scenario, seed: UInt64? = nil, options: SimulationOptions = SimulationOptions()) async throws
    -> SimulationResult
{
    let result: Result<SimulationResult, SimulationError> = await SimThread.run {
        Result { () throws(SimulationError) in try Simulation.run(scenario, seed: seed, options: options) }
    }
    return try result.get()
}

/// A shipped scenario, `Scenarios/<name>.yaml`.
func shippedScenario(_ name: String) throws -> Scenario {
    try #require(try ScenarioLoader.load(path: TandemBinary.packageRoot + "/Scenarios/\(name).yaml").first)
}

/// A small scenario built from YAML pieces, so each test states only what it is about. Its heartbeat is the shipped
/// fault scenarios' 2 s / 6 s, so a silent connection leaves within the settle; "" gives the server's (15 s / 45 s).
func scenario(
    name: String = "test", users: Int = 12, nodes: Int = 2, broker: String = "redis-streams", duration: String = "20s",
    settle: String = "8s", faults: String = "", expect: String = "", extraBroker: String = "",
    thinkTime: String = "{exponential: {mean: 500ms}}", phases: String = "",
    heartbeat: String = "{interval: 2s, timeout: 6s}"
) throws -> Scenario {
    let yaml = """
        name: \(name)
        seed: 5
        duration: \(duration)
        settle: \(settle)
        topology:
          nodes: \(nodes)
          broker: {kind: \(broker)\(extraBroker)}\(heartbeat.isEmpty ? "" : "\n  heartbeat: \(heartbeat)")
          links:
            client_node: {latency: {uniform: [5ms, 15ms]}}
            node_broker: {latency: {fixed: 1ms}}
            node_store: {latency: {fixed: 1ms}}
        models:
          - name: Doc
            fields: {title: string, body: text, size: number, meta: json, tags: list}
        population:
          - group: users
            users: \(users)
            records: {model: Doc, count: 2}
            behavior:
              think_time: \(thinkTime)
              actions: {type_text: 0.5, set_field: 0.3, move_cursor: 0.1, comment: 0.1}
        """ + (phases.isEmpty ? "" : "\nphases:\n" + phases) + (faults.isEmpty ? "" : "\nfaults:\n" + faults) + (expect.isEmpty ? "" : "\nexpect:\n" + expect) + "\n"
    return try ScenarioLoader.load(yaml: yaml, file: "\(name).yaml")
}

/// The report's counter total for `name` over every node.
func total(_ report: Report, _ name: String) -> Int64 {
    report.load.nodes.reduce(0) { $0 + ($1.counters[name] ?? 0) } + (report.load.run.counters[name] ?? 0)
}
