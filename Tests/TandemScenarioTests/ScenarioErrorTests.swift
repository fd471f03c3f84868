import Foundation
import TandemScenario
import Testing

/// One bad input: an edit of ``Fixtures/base`` and where the error must point.
struct BadInput: Sendable, CustomTestStringConvertible {
    let original: String
    let replacement: String
    let line: Int
    let keyPath: String
    let message: String
    let code: ScenarioError.Code

    init(_ original: String, _ replacement: String, line: Int, _ keyPath: String, _ message: String,
         _ code: ScenarioError.Code = .invalidValue) {
        self.original = original
        self.replacement = replacement
        self.line = line
        self.keyPath = keyPath
        self.message = message
        self.code = code
    }

    var yaml: String {
        precondition(Fixtures.base.contains(original), "the base has no '\(original)'")
        return Fixtures.base.replacingOccurrences(of: original, with: replacement)
    }

    var testDescription: String { "\(keyPath): \(message)" }
}

struct ScenarioErrorTests {
    static let badInputs: [BadInput] = [
        BadInput("duration: 60s", "durration: 60s", line: 2, "durration",
                 "unknown key 'durration'; did you mean 'duration'?", .unknownKey),
        BadInput("duration: 60s\n", "", line: 1, "duration", "missing required key 'duration'", .missingKey),
        BadInput("duration: 60s", "duration: 60", line: 2, "duration", "a duration needs a unit"),
        BadInput("duration: 60s", "duration: -5s", line: 2, "duration", "a duration cannot be negative"),
        BadInput("duration: 60s", "duration: soon", line: 2, "duration", "expected a duration like 250ms",
                 .wrongType),
        BadInput("duration: 60s", "seed: 1\nduration: 60s\nseed: 2", line: 4, "seed",
                 "duplicate key 'seed' (first defined at line 2)", .duplicateKey),
        BadInput("  nodes: 3", "  nodes: 3\n  nodes: 4", line: 5, "topology.nodes",
                 "duplicate key 'nodes' (first defined at line 4)", .duplicateKey),
        BadInput("nodes: 3", "nodes: 0", line: 4, "topology.nodes", "0 is out of range: expected 1...256"),
        BadInput("  nodes: 3", "  nodes: 3\n  broker: {kind: redis-streams, reconnect_delay_max: 10ms}", line: 5,
                 "topology.broker.reconnect_delay_max",
                 "reconnect_delay_max (10ms) is below reconnect_delay_min (50ms), default or given"),
        BadInput("  nodes: 3", "  nodes: 3\n  heartbeat: {interval: 10s, timeout: 10s}", line: 5,
                 "topology.heartbeat.timeout",
                 "heartbeat timeout (10s) must be longer than the interval (10s), default or given"),
        BadInput("  nodes: 3", "  nodes: 3\n  heartbeat: {interval: 1m}", line: 5, "topology.heartbeat.interval",
                 "heartbeat timeout (45s) must be longer than the interval (1m), default or given"),
        BadInput("  nodes: 3", "  nodes: 3\n  heartbeat: {interval: 50ms}", line: 5, "topology.heartbeat.interval",
                 "expected at least 100ms (clients take no shorter heartbeat from heartbeat_ms), found 50ms"),
        BadInput("  nodes: 3", "  nodes: 3\n  heartbeat: {interval: 2s, timout: 6s}", line: 5,
                 "topology.heartbeat.timout", "did you mean 'timeout'?", .unknownKey),
        BadInput("nodes: 3", "nodes: three", line: 4, "topology.nodes", "expected a whole number, found 'three'",
                 .wrongType),
        BadInput("loss: 0.01", "loss: 1.5", line: 6, "topology.links.client_node.loss",
                 "a probability must be within [0, 1]"),
        BadInput("loss: 0.01", "loss: 150%", line: 6, "topology.links.client_node.loss",
                 "a probability must be within [0, 1]"),
        BadInput("    client_node:", "    client_nodes:", line: 6, "topology.links.client_nodes",
                 "did you mean 'client_node'?", .unknownKey),
        BadInput("{fixed: 20ms}", "{lognormal: {median: 20ms, p99: 10ms}}", line: 6,
                 "topology.links.client_node.latency.lognormal.p99", "p99 must be greater than the median"),
        BadInput("{fixed: 20ms}", "{fixd: 20ms}", line: 6, "topology.links.client_node.latency.fixd",
                 "did you mean 'fixed'?", .unknownKey),
        BadInput("body: text}", "body: txt}", line: 9, "models[0].fields.body",
                 "unknown field type 'txt'; did you mean 'text'?"),
        BadInput("body: text}", "body: text}\n    policies: {titel: manual}", line: 10, "models[0].policies.titel",
                 "model 'Doc' has no field 'titel'; did you mean 'title'?", .unknownReference),
        BadInput("body: text}", "body: text}\n    policies: {title: operational_transform}", line: 10,
                 "models[0].policies.title", "policy operational_transform does not apply to a string field"),
        BadInput("group: editors", "group: broker", line: 11, "population[0].group", "names a partition endpoint"),
        BadInput("users: 10", "users: -3", line: 12, "population[0].users", "-3 is out of range"),
        BadInput("users: 10", "users: 10\n    placement: round_robbin", line: 13, "population[0].placement",
                 "unknown placement 'round_robbin'; did you mean 'round_robin'?"),
        BadInput("model: Doc,", "model: Dok,", line: 13, "population[0].records.model",
                 "unknown model 'Dok'; did you mean 'Doc'?", .unknownReference),
        BadInput("count: 2,", "count: 0,", line: 13, "population[0].records.count", "0 is out of range"),
        BadInput("{exponential: {mean: 2s}}", "{exponential: {mean: 0s}}", line: 15,
                 "population[0].behavior.think_time.exponential.mean", "expected a duration > 0"),
        BadInput("{exponential: {mean: 2s}}", "{zipf: {s: 1}}", line: 15, "population[0].behavior.think_time.zipf",
                 "a zipf distribution is not allowed here"),
        BadInput("{exponential: {mean: 2s}}", "{uniform: [3s, 1s]}", line: 15,
                 "population[0].behavior.think_time.uniform", "lower bound must not exceed its upper bound"),
        BadInput("{type_text: 0.8, set_field: 0.2}", "{type_text: 0, set_field: 0}", line: 16,
                 "population[0].behavior.actions", "action weights must add up to more than 0"),
        BadInput("set_field: 0.2", "set_feld: 0.2", line: 16, "population[0].behavior.actions.set_feld",
                 "did you mean 'set_field'?", .unknownKey),
        BadInput("set_field: 0.2", "set_field: -1", line: 16, "population[0].behavior.actions.set_field",
                 "expected a number >= 0"),
        BadInput("to: 10,", "to: 11,", line: 18, "phases[0].ramp.to", "cannot ramp to 11 users"),
        BadInput("over: 5s}", "over: 5s, spacing: poisson}", line: 18, "phases[0].ramp.spacing",
                 "unknown ramp spacing 'poisson'; expected one of: even, random"),
        BadInput("steady: 30s", "steady: 60s", line: 19, "phases[1].steady", "the phases end at 65s"),
        BadInput("at: 20s", "at: 70s", line: 21, "faults[0].at", "the fault starts at 70s"),
        BadInput("for: 5s}", "for: 45s}", line: 22, "faults[0].partition.for", "the fault ends at 65s"),
        BadInput("[node-2]", "[node-4]", line: 22, "faults[0].partition.between[0]",
                 "unknown node 'node-4': the topology has 3 nodes (node-1 … node-3)", .unknownReference),
        BadInput("and: [broker]", "and: [node-1]", line: 22, "faults[0].partition.and",
                 "there is no link between node-2 and node-1"),
        BadInput("and: [broker]", "and: [brokr]", line: 22, "faults[0].partition.and[0]",
                 "unknown endpoint 'brokr'; did you mean 'broker'?", .unknownReference),
        BadInput("at: 20s", "at: 20s\n    broker_outage: {for: 1s}", line: 23, "faults[0].partition",
                 "only one of"),
        BadInput("partition: {between: [node-2], and: [broker], for: 5s}", "disconnect: {clients: 150%}", line: 22,
                 "faults[0].disconnect.clients", "a share of clients must be within (0%, 100%]"),
        BadInput("partition: {between: [node-2], and: [broker], for: 5s}", "crash: {node: node-9}", line: 22,
                 "faults[0].crash.node", "unknown node 'node-9'", .unknownReference),
        BadInput("partition: {between: [node-2], and: [broker], for: 5s}", "delete_record: {record: 3}", line: 22,
                 "faults[0].delete_record.record", "there is no record 3: the population's Doc records are numbered 1…2"),
        BadInput("partition: {between: [node-2], and: [broker], for: 5s}", "delete_record: {model: Dog, record: 1}",
                 line: 22, "faults[0].delete_record.model", "no population group edits records of 'Dog'; did you mean 'Doc'?",
                 .unknownReference),
        BadInput("partition: {between: [node-2], and: [broker], for: 5s}", "delete_record: {record: 1, via: node-7}",
                 line: 22, "faults[0].delete_record.via", "unknown node 'node-7'", .unknownReference),
        BadInput("partition: {between: [node-2], and: [broker], for: 5s}", "latency_spike: {link: client, add: 1s}",
                 line: 22, "faults[0].latency_spike.link", "unknown link 'client'"),
        BadInput("latency.ack.p50", "latency.ack.p05", line: 24, "expect.latency.ack.p05",
                 "unknown metric 'latency.ack.p05'; did you mean 'latency.ack.p50'?", .unknownReference),
        BadInput("\"< 60ms\"", "\"< fast\"", line: 24, "expect.latency.ack.p50", "latency.ack.p50"),
        BadInput("latency.ack.p50: ", "\"latency.ack.p50{inside: faults}\": ", line: 24,
                 "expect.latency.ack.p50{inside: faults}",
                 "unknown scope 'inside'", .invalidValue),
        BadInput("latency.ack.p50: ", "\"latency.ack.p50{during: fault 2}\": ", line: 24,
                 "expect.latency.ack.p50{during: fault 2}",
                 "there is no fault 2: the scenario injects 1 fault", .invalidValue),
        BadInput("latency.ack.p50: ", "\"latency.ack.p50{node: node-4}\": ", line: 24,
                 "expect.latency.ack.p50{node: node-4}",
                 "unknown node 'node-4' in the scope", .unknownReference),
        BadInput("latency.ack.p50: ", "\"latency.ack.p50{group: editor}\": ", line: 24,
                 "expect.latency.ack.p50{group: editor}",
                 "unknown group 'editor' in the scope; did you mean 'editors'?", .unknownReference),
        BadInput("latency.ack.p50: ", "\"latency.ack.p50{after: fault 1, for: 60s}\": ", line: 24,
                 "expect.latency.ack.p50{after: fault 1, for: 60s}",
                 "the window after fault 1 would end at 85s", .invalidValue),
        BadInput("latency.ack.p50: ", "\"latency.ack.p50{phase: 3}\": ", line: 24,
                 "expect.latency.ack.p50{phase: 3}",
                 "no such phase: the scenario's phases are 1: ramp, 2: steady", .invalidValue),
        BadInput("latency.ack.p50: ", "\"lost_acknowledged_writes{during: faults}\": ", line: 24,
                 "expect.lost_acknowledged_writes{during: faults}",
                 "cannot take the scope {during: faults}", .invalidValue),
        BadInput("latency.ack.p50: ", "latency.ack.p50{outside: faults}: ", line: 24, "",
                 "quote it: \"latency.ack.p50{outside: faults}\"", .invalidYAML),
        BadInput("body: text}", "body: text", line: 10, "", "invalid YAML", .invalidYAML),
        BadInput("duration: 60s", "duration: 60s\nseed:", line: 3, "seed", "'seed' needs a value", .missingKey),
        BadInput("name: t", "name: a/b", line: 1, "name", "a scenario name may hold only letters"),
        BadInput("fields: {title: string, body: text}", "fields: {title: string}", line: 16,
                 "population[0].behavior.actions.type_text", "type_text needs a text field"),
        BadInput("set_field: 0.2}", "set_field: 0.2}\n      fields: [titl]", line: 17,
                 "population[0].behavior.fields[0]",
                 "model 'Doc' has no field 'titl'; did you mean 'title'?", .unknownReference),
        BadInput("pick: {zipf: {s: 1.1}}", "pick: {uniform: [1, 3]}", line: 13, "population[0].records.pick",
                 "pick reaches record 3, but count is 2"),
        BadInput("  nodes: 3\n", "  nodes: 3\n  node: {cpu_per_message: 50us, per_message: 20us}\n", line: 5,
                 "topology.node.per_message", "only one of cpu_per_message, per_message may be given"),
        node("{cores: 0}", "cores", "0 is out of range: expected 1...1024"),
        node("{per_delivery: {zipf: {s: 1}}}", "per_delivery.zipf", "a zipf distribution is not allowed here"),
        node("{per_delivery: -2us}", "per_delivery", "a duration cannot be negative"),
        node("{per_deliveries: 2us}", "per_deliveries", "unknown key 'per_deliveries'; did you mean 'per_delivery'?",
             .unknownKey),
        node("{write_queue_max: 0}", "write_queue_max", "0 is out of range"),
        node("{event_loops: -1}", "event_loops", "-1 is out of range"),
        node("{cpu_scale: 0}", "cpu_scale", "expected a number from 0.01 to 100 (this host's speed against the "
             + "defaults' machine), found 0"),
        node("{cpu_scale: fast}", "cpu_scale", "expected a number, found 'fast'", .wrongType),
        node("{write_scale: 200}", "write_scale", "expected a number from 0.01 to 100 (this host's speed at socket "
             + "writes against the defaults' machine), found 200"),
    ]

    /// `topology.node: <mapping>` in place of the base's `nodes` line, failing at `topology.node.<key>`.
    static func node(_ mapping: String, _ key: String, _ message: String, _ code: ScenarioError.Code = .invalidValue)
        -> BadInput
    {
        BadInput("  nodes: 3\n", "  node: \(mapping)\n", line: 4, "topology.node.\(key)", message, code)
    }

    @Test(arguments: badInputs)
    func badInputIsRejectedAtItsLineAndKeyPath(_ input: BadInput) {
        do {
            let scenario = try ScenarioLoader.load(yaml: input.yaml, file: "bad.yaml")
            Issue.record("accepted: \(scenario.name)")
        } catch {
            #expect(error.line == input.line, "\(error)")
            #expect(error.keyPath == input.keyPath, "\(error)")
            #expect(error.code == input.code, "\(error)")
            #expect(error.message.contains(input.message), "\(error)")
            let key = input.keyPath.isEmpty ? "" : "\(input.keyPath): "
            #expect(error.description.hasPrefix("bad.yaml:\(input.line):\(error.column): error: \(key)"))
        }
    }

    @Test(arguments: [
        ("", 1, "the file holds no YAML document"),
        ("- a\n- b\n", 1, "expected a mapping, found a list"),
        ("name: t\n  bad indent: [\n", 2, "invalid YAML"),
    ])
    func aDocumentThatIsNotAScenarioMappingIsRejected(_ yaml: String, _ line: Int, _ message: String) {
        do {
            _ = try ScenarioLoader.load(yaml: yaml, file: "doc.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test func aScopedThresholdLoadsWithItsScope() throws {
        let yaml = Fixtures.base.replacingOccurrences(
            of: "latency.ack.p50: ",
            with: "latency.ack.p99{after:fault 1,for:10s}: \"< 1s\"\n  \"latency.ack.p50{outside: faults}\": ")
        let expectations = try ScenarioLoader.load(yaml: yaml, file: "scoped.yaml").expectations
        #expect(expectations.map(\.metric) == [
            "latency.ack.p99{after: fault 1, for: 10s}", "latency.ack.p50{outside: faults}",
        ])
    }

    @Test func theBaseOfTheErrorTableIsValid() throws {
        _ = try ScenarioLoader.load(yaml: Fixtures.base, file: "base.yaml")
    }

    @Test func errorsPrintFileLineColumnKeyPathAndMessage() {
        let error = ScenarioError(code: .invalidValue, file: "Scenarios/x.yaml", line: 6, column: 68,
                                  keyPath: "topology.links.client_node.loss", message: "too high")
        #expect(error.description == "Scenarios/x.yaml:6:68: error: topology.links.client_node.loss: too high")
    }

    @Test func anUnknownKeyPointsAtTheKeyItself() {
        do {
            _ = try ScenarioLoader.load(yaml: Fixtures.base.replacingOccurrences(of: "  nodes: 3", with: "  nodez: 3"),
                                        file: "bad.yaml")
        } catch {
            #expect(error.description == "bad.yaml:4:3: error: topology.nodez: unknown key 'nodez'; "
                + "did you mean 'nodes'?")
        }
    }
}
