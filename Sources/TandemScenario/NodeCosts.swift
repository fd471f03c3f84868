/// What one collaboration node's work costs in CPU time: `topology.node` in a scenario file.
///
/// The structure is the real server's. *Serial* terms run on the node actor, one at a time, in arrival
/// order: each inbound message, each recipient of a fan-out (the engine's per-connection bookkeeping and
/// enqueue), each store call (booked on the actor's timeline: see `perStoreCall`). *Parallel* terms run on any
/// of the node's `cores` (the event loops and the thread pool): encoding and writing each delivery, each write
/// to a socket (a frame that finds its connection's writer with nothing waiting starts a write; frames that
/// arrive while one waits join it, as the server writes all a socket's waiting frames with one `writev`),
/// decoding each inbound frame. The actor's serial work needs a core too, so it competes with the parallel work
/// for them: ahead of the queued writes, or, with `eventLoops` threads writing beside it, at the share of a core
/// the kernel gives each runnable thread.
///
/// Each delivery waits in its connection's write queue until its turn to be written; a queue that already
/// holds `writeQueueMax` frames makes the node close that connection with 1013 (slow consumer), and the client
/// reconnects and resyncs, as against the real server.
///
/// The defaults are the measured ones in `Benchmarks/node-costs.json` (`docs/BENCHMARKS.md` says how they were
/// measured); a test fails when the two differ. A term whose distribution is `{fixed: 0}` is off: that work
/// neither takes time nor waits for the actor or a core.
public struct NodeCosts: Sendable, Equatable {
    /// How many cores run the parallel work (and the actor's serial work).
    public var cores: Int
    /// Serial: each inbound message (the old `cpu_per_message`).
    public var perMessage: DurationDistribution
    /// Serial: each recipient of a fan-out (every message the node sends to one connection).
    public var perRecipient: DurationDistribution
    /// Serial: each call the node makes to the event store, before the request leaves. The server's SQLite store
    /// does this work on a thread of its own; booking it on the actor's timeline (after the work queued there)
    /// also charges the hop back onto a busy actor, and is what reproduces the real server's knee and collapse
    /// (docs/BENCHMARKS.md, "The defaults against the real server"); booked on a core beside the actor, the
    /// simulated knee was twice the real one.
    public var perStoreCall: DurationDistribution
    /// Parallel: encoding and writing each delivery to its connection.
    public var perDelivery: DurationDistribution
    /// Parallel: each write to a connection's socket (the syscall and flush), paid by the frame that starts it;
    /// frames that join a write already waiting pay `perDelivery` only.
    public var perWrite: DurationDistribution
    /// Parallel: decoding each inbound frame, before the actor sees it.
    public var perFrame: DurationDistribution
    /// Frames one connection's write queue holds before the node closes it with 1013; nil means the server's
    /// own limit (`limits.outbound_queue_count_max`, the engine's `NodeLimits.outboundQueueCountMax`).
    public var writeQueueMax: Int?
    /// The server's event-loop threads, which the kernel runs beside the actor's thread on the `cores`. While
    /// writes are queued on a core, the actor's work there gets the share `cores / (cores + eventLoops)` of it,
    /// so it takes longer in wall time (its CPU is the same). 0: the actor's work goes ahead of the queued writes.
    public var eventLoops: Int
    /// This host's speed against the one the defaults were measured on: every term's draw is multiplied by it,
    /// `per_write`'s too unless `writeScale` is given (`cpu_scale`; 1, the default, draws as given). `node-cost-bench` prints it for the machine it runs on (its node
    /// time per change over the default `per_message`), so a plan made for a faster or slower host, or a comparison
    /// with a real server in one sitting, keeps the measured terms and says how fast the machine is in one number.
    public var cpuScale: Double
    /// This host's speed at socket writes against the defaults' machine: `per_write`'s draw is multiplied by it
    /// instead of `cpuScale` (`write_scale`; nil, the default, means `cpuScale`). A write's cost is the kernel's
    /// (the syscall and the wake-ups around it), and across days it drifts apart from the user-space speed
    /// `cpuScale` reads: `node-cost-bench` prints both (docs/BENCHMARKS.md, "A ninth sitting").
    public var writeScale: Double?

    /// What `per_write`'s draw is multiplied by: `writeScale`, else `cpuScale`.
    public var effectiveWriteScale: Double { writeScale ?? cpuScale }

    /// The most cores a scenario may give a node.
    public static let coresMax = 1_024

    /// The measured defaults (`Benchmarks/node-costs.json`).
    public static let measured = NodeCosts(
        cores: 1,
        perMessage: .fixed(.microseconds(30)),
        perRecipient: .fixed(.nanoseconds(1_700)),
        perStoreCall: .fixed(.microseconds(72)),
        perDelivery: .fixed(.nanoseconds(100)),
        perFrame: .fixed(.microseconds(10)),
        writeQueueMax: nil,
        perWrite: .fixed(.nanoseconds(32_100)),
        eventLoops: 2)

    public init(
        cores: Int, perMessage: DurationDistribution, perRecipient: DurationDistribution,
        perStoreCall: DurationDistribution, perDelivery: DurationDistribution, perFrame: DurationDistribution,
        writeQueueMax: Int?, perWrite: DurationDistribution = .zero, eventLoops: Int = 0, cpuScale: Double = 1,
        writeScale: Double? = nil
    ) {
        self.cores = cores
        self.perMessage = perMessage
        self.perRecipient = perRecipient
        self.perStoreCall = perStoreCall
        self.perDelivery = perDelivery
        self.perFrame = perFrame
        self.writeQueueMax = writeQueueMax
        self.perWrite = perWrite
        self.eventLoops = eventLoops
        self.cpuScale = cpuScale
        self.writeScale = writeScale
    }

    /// The defaults' machine's loopback write (`Benchmarks/node-costs.json`'s `write_probe_us`): `node-cost-bench`'s
    /// writer CPU per write of a delivery-sized frame there. `write_scale` is a host's reading over it.
    public static let measuredWriteProbe = Duration.nanoseconds(2_750)

    /// The range `cpu_scale` and `write_scale` accept.
    public static let cpuScaleRange = 0.01...100.0

    /// Every term off, one core, the server's write-queue limit: a node that costs nothing.
    public static let free = NodeCosts(
        cores: 1, perMessage: .zero, perRecipient: .zero, perStoreCall: .zero, perDelivery: .zero, perFrame: .zero,
        writeQueueMax: nil)

    /// The serial and parallel terms by their scenario keys, in the order the docs list them.
    public static let termKeys = [
        "per_message", "per_recipient", "per_store_call", "per_delivery", "per_write", "per_frame",
    ]

    /// The term named by its scenario key.
    public subscript(term key: String) -> DurationDistribution {
        get {
            switch key {
            case "per_message": perMessage
            case "per_recipient": perRecipient
            case "per_store_call": perStoreCall
            case "per_delivery": perDelivery
            case "per_write": perWrite
            case "per_frame": perFrame
            default: preconditionFailure("no node cost term \(key)")
            }
        }
        set {
            switch key {
            case "per_message": perMessage = newValue
            case "per_recipient": perRecipient = newValue
            case "per_store_call": perStoreCall = newValue
            case "per_delivery": perDelivery = newValue
            case "per_write": perWrite = newValue
            case "per_frame": perFrame = newValue
            default: preconditionFailure("no node cost term \(key)")
            }
        }
    }
}

extension DurationDistribution {
    /// Always zero: a cost term that is off.
    public static let zero = DurationDistribution.fixed(.zero)

    /// Whether every sample is zero (`self == .zero`, without building `.zero` and comparing whole enums: the
    /// simulator asks for every term of every frame it books).
    public var isZero: Bool {
        if case .fixed(let seconds) = seconds { seconds == 0 } else { false }
    }
}
