// node-cost-bench: CPU time of the node's own code paths, per term of the simulator's node cost model
// (Benchmarks/node-costs.json, docs/BENCHMARKS.md "Node cost model").
//
//   swift build -c release --product node-cost-bench && .build/release/node-cost-bench [recipients] [changes] [runs]
//
// Measures, in one process on one thread at a time (no sockets):
// - the node actor's time per change with 1 and with N joined connections (a transport that only counts), so
//   the difference over N − 1 is the serial cost per recipient and the 1-connection time is the cost of one
//   inbound change (handling plus its store calls on the in-memory store);
// - encoding one `model_changed` frame (the user-space share of each delivery; writing it is the kernel's);
// - decoding one `field_change` frame (the user-space share of each inbound frame);
// - this host's speed against the machine the simulator's defaults were measured on: the node time per change
//   over the default `per_message` (the same measurement, that day), to give a scenario as `topology.node.cpu_scale`
//   (docs/scenarios.md). Pin it to one CPU (`taskset -c 0`); with a run count (`250 40000 5`) the 1-connection time,
//   and so the scale, is the median of that many runs: the host drifts;
// - one write of a delivery-sized frame to a loopback TCP socket (a reader thread drains the other end): the
//   writer thread's CPU time per write, kernel included (the syscall, TCP, and on loopback the receiver's side,
//   run in the sender's context). It is about a tenth of the server's `per_write`, whose cost is mostly the event
//   loop's wake-up around the write (docs/BENCHMARKS.md, "A seventh sitting"). Median of the runs, 20,000 writes each.
//   Over the defaults' machine's reading (NodeCosts.measuredWriteProbe) it gives `topology.node.write_scale`: the
//   server's cost per write follows this probe across days, not the user-space speed (docs/BENCHMARKS.md, "A ninth
//   sitting").
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TandemCore
import TandemEngine
import TandemRuntime
import TandemScenario
import TandemWire

/// A transport that accepts every frame and keeps nothing: the engine's side of a delivery only.
final class CountingTransport: ClientTransport, Sendable {
    func send(_ message: ServerMessage) -> Bool { true }
    func close(code: Int, reason: String) {}
}

let arguments = CommandLine.arguments
let recipients = arguments.count > 1 ? Int(arguments[1]) ?? 250 : 250
let changes = arguments.count > 2 ? Int(arguments[2]) ?? 4_000 : 4_000
/// How many times the 1-connection time is measured (its median is reported): the host drifts between runs.
let runs = max(1, arguments.count > 3 ? Int(arguments[3]) ?? 1 : 1)
let clock = ContinuousClock()

func micros(_ duration: Duration, per count: Int) -> Double {
    let (seconds, attoseconds) = duration.components
    return (Double(seconds) * 1e6 + Double(attoseconds) / 1e12) / Double(count)
}

/// Microseconds of node time per change into one record joined by `connections` connections.
func perChange(connections: Int, changes: Int) async throws -> Double {
    var configuration = NodeConfiguration(nodeID: "bench")
    configuration.limits.messagesPerSecond = 1e9
    configuration.limits.messageBurst = 1e9
    configuration.limits.participantsPerSessionMax = max(250, connections)
    configuration.limits.auditBufferCountMax = 1 << 20
    let node = CollaborationNode(configuration: configuration, environment: NodeEnvironment(
        clock: SystemClock(), store: InMemoryEventStore(), backplane: InMemoryBackplane(), seed: 1))
    try await node.start()
    var ids: [String] = []
    for index in 0..<connections {
        let id = await node.connect(
            user: UserIdentity(id: 1_000 + index, username: "u\(index)", roles: ["Editor"]), transport: CountingTransport())
        await node.receive(.joinCollaboration(JoinCollaboration(model: "Contact", recordID: .string("1"))), from: id)
        ids.append(id)
    }
    let session = "Contact:1"
    func change(_ number: Int) -> ClientMessage {
        .fieldChange(FieldChange(sessionID: session, field: "age", baseVersion: number, edit: .value(.int(number % 100)),
                                 rid: .string("r\(number)"), changeID: "c\(number)"))
    }
    for number in 0..<200 { await node.receive(change(number), from: ids[number % ids.count]) }  // warm-up
    let started = clock.now
    for number in 200..<(200 + changes) { await node.receive(change(number), from: ids[number % ids.count]) }
    let elapsed = clock.now - started
    let commits = await node.metrics.commits
    guard commits == changes + 200 else { fatalError("\(commits) of \(changes + 200) changes committed") }
    await node.shutdown()
    return micros(elapsed, per: changes)
}

func timeEach(_ count: Int, _ body: () -> Int) -> Double {
    var sink = 0
    for _ in 0..<1_000 { sink &+= body() }  // warm-up
    let started = clock.now
    for _ in 0..<count { sink &+= body() }
    let elapsed = clock.now - started
    if sink == 42 { print("") }  // keeps the work
    return micros(elapsed, per: count)
}

let codec = WireCodec()
let changed = ServerMessage.modelChanged(ModelChanged(
    sessionID: "Contact:1", model: "Contact", recordID: .string("1"), field: "age", version: 12_345, edit: .value(.int(42)),
    user: UserRef(id: 1_017, username: "load-17"), timestamp: 1_764_590_000_000, origin: .ws, changeID: "node-1/1/c17#3"))
let inbound = codec.encodeClientBytes(.fieldChange(FieldChange(
    sessionID: "Contact:1", field: "age", baseVersion: 12_345, edit: .value(.int(42)), rid: .string("r3"),
    changeID: "c17#3")))

var ones: [Double] = []
for _ in 0..<runs { ones.append(try await perChange(connections: 1, changes: changes)) }
ones.sort()
let one = ones[ones.count / 2]
let many = try await perChange(connections: recipients, changes: max(200, changes * 10 / recipients))
let encode = timeEach(200_000) { codec.encodeServerBytes(changed).count }
let decode = timeEach(200_000) {
    (try? codec.decodeClient(inbound)).map { if case .fieldChange = $0 { 1 } else { 0 } } ?? 0
}
let outbound = codec.encodeServerBytes(changed)
let decodeOut = timeEach(200_000) {
    (try? codec.decodeServer(outbound)).map { if case .modelChanged = $0 { 1 } else { 0 } } ?? 0
}
print("node time per change, 1 connection:            \(String(format: "%.2f", one)) us  (per_message + per_store_call)"
    + (runs > 1 ? "; median of \(runs) runs, \(String(format: "%.2f", ones[0]))–\(String(format: "%.2f", ones[runs - 1]))" : ""))
print("node time per change, \(recipients) connections:       \(String(format: "%.2f", many)) us")
print("per recipient ((\(recipients) − 1) more):            \(String(format: "%.3f", (many - one) / Double(recipients - 1))) us  (per_recipient)")
print("encode one model_changed frame (\(codec.encodeServerBytes(changed).count) B):    \(String(format: "%.3f", encode)) us  (user share of per_delivery)")
print("decode one field_change frame (\(inbound.count) B):     \(String(format: "%.3f", decode)) us  (user share of per_frame)")
print("decode one model_changed frame (\(outbound.count) B):  \(String(format: "%.3f", decodeOut)) us  (a live client's parse of a delivery)")
// The reference: `per_message` of the defaults is this same measurement's median on the day it was taken.
let reference = (NodeCosts.measured.perMessage.seconds.mean ?? 0) * 1e6
let scale = (one / reference * 100).rounded() / 100
print("cpu_scale of this host:                    \(String(format: "%.2f", scale))  "
    + "(\(String(format: "%.2f", one)) us per change against the defaults' \(String(format: "%.0f", reference)) us; "
    + "topology.node.cpu_scale)")

#if canImport(Glibc)
let streamSocket = Int32(SOCK_STREAM.rawValue)
#else
let streamSocket = SOCK_STREAM
#endif

/// The calling thread's CPU time (user and system), in nanoseconds.
func threadCPUNanos() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// CPU µs of the writing thread per `write` of `frame` to a loopback TCP connection whose other end a reader thread
/// drains; nil (with the reason on stderr) if the sockets cannot be set up.
func loopbackWriteMicros(frame: [UInt8], writes: Int) -> Double? {
    func fail(_ what: String) -> Double? {
        FileHandle.standardError.write(Data("node-cost-bench: loopback write probe: \(what) failed (errno \(errno))\n".utf8))
        return nil
    }
    let listener = socket(AF_INET, streamSocket, 0)
    guard listener >= 0 else { return fail("socket") }
    defer { close(listener) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(listener, socketAddress, length) == 0 && listen(listener, 1) == 0
                && getsockname(listener, socketAddress, &length) == 0
        }
    }
    guard bound else { return fail("bind/listen on 127.0.0.1") }
    let writer = socket(AF_INET, streamSocket, 0)
    guard writer >= 0 else { return fail("socket") }
    defer { close(writer) }
    var on: Int32 = 1
    setsockopt(writer, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))  // as the server
    let connected = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(writer, $0, length) == 0 }
    }
    guard connected else { return fail("connect") }
    let reader = accept(listener, nil, nil)
    guard reader >= 0 else { return fail("accept") }
    let drained = Thread {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while buffer.withUnsafeMutableBytes({ read(reader, $0.baseAddress, $0.count) }) > 0 {}
        close(reader)
    }
    drained.start()
    let start = threadCPUNanos()
    for _ in 0..<writes {
        var sent = 0
        while sent < frame.count {
            let wrote = frame.withUnsafeBytes { write(writer, $0.baseAddress! + sent, $0.count - sent) }
            guard wrote > 0 else { return fail("write") }
            sent += wrote
        }
    }
    return Double(threadCPUNanos() - start) / Double(writes) / 1_000
}

// A WebSocket text frame of the `model_changed` above: a 4-byte header (payload 126–65,535 bytes) or 2 bytes.
let frame = [UInt8](repeating: 0x81, count: outbound.count < 126 ? 2 : 4) + Array(outbound)
let writeProbes = (0..<runs).compactMap { _ in loopbackWriteMicros(frame: frame, writes: 20_000) }.sorted()
if !writeProbes.isEmpty {
    let median = writeProbes[writeProbes.count / 2]
    print("loopback write of one frame (\(frame.count) B):      \(String(format: "%.2f", median)) us  "
        + "(writer CPU, kernel included: the syscall's part of per_write"
        + (runs > 1 ? "; median of \(runs) runs, \(String(format: "%.2f", writeProbes[0]))–"
            + "\(String(format: "%.2f", writeProbes[writeProbes.count - 1]))" : "") + ")")
    // The reference: the defaults' machine's reading of this probe (Benchmarks/node-costs.json, write_probe_us).
    let writeReference = Double(NodeCosts.measuredWriteProbe.components.attoseconds) / 1e12
        + Double(NodeCosts.measuredWriteProbe.components.seconds) * 1e6
    let writeScale = (median / writeReference * 100).rounded() / 100
    print("write_scale of this host:                  \(String(format: "%.2f", writeScale))  "
        + "(\(String(format: "%.2f", median)) us per write against the defaults' \(String(format: "%.2f", writeReference)) us; "
        + "topology.node.write_scale, per_write's speed)")
}
