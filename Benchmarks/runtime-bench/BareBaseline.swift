import TandemRuntime

/// The `timed` workload as closures on a `BareEventLoop`: the same draws, the same event order.
func measureBareLoop(actorCount: Int, messageCount: Int, seed: UInt64) -> (seconds: Double, loop: BareEventLoop) {
    final class Node {
        let id: Int
        var random: SplitMix64
        var remaining: Int
        var receivedSum: UInt64 = 0

        init(id: Int, seed: UInt64, remaining: Int) {
            self.id = id
            random = .derive(seed: seed, stream: UInt64(id))
            self.remaining = remaining
        }
    }
    let loop = BareEventLoop()
    let nodes = (0..<actorCount).map { Node(id: $0, seed: seed, remaining: messageCount) }
    func step(_ node: Node) {
        guard node.remaining > 0 else { return }
        node.remaining -= 1
        let target = nodes[node.random.bounded(nodes.count)]
        loop.schedule(afterNanos: Int64(1 + node.random.bounded(1_000)) * 1_000) {
            let value = node.random.next()
            target.receivedSum &+= value
            loop.trace.add(timeNanos: loop.nowNanos, kind: 1, from: node.id, to: target.id, payload: value)
            step(node)
        }
    }
    let start = ContinuousClock.now
    for node in nodes { step(node) }
    loop.run()
    return (seconds(since: start), loop)
}
