import TandemRuntime

/// The barrier every load client passes before sending: the run starts when all clients have joined (or given
/// up), so every change is measured against the full audience and the window is the same for all.
actor StartGate {
    private let expectedCount: Int
    private var arrivedCount = 0
    private var startNanos: Int64?
    private var waiters: [CheckedContinuation<Int64, Never>] = []
    private let clock: SystemClock

    init(expectedCount: Int, clock: SystemClock) {
        precondition(expectedCount > 0, "a gate for no clients")
        self.expectedCount = expectedCount
        self.clock = clock
    }

    /// One client joined its session, or failed for good; the last arrival opens the gate.
    func arrive() {
        arrivedCount += 1
        if arrivedCount == expectedCount { open() }
    }

    /// Opens the gate now even if some clients never arrived (the caller's deadline passed).
    func open() {
        guard startNanos == nil else { return }
        let now = clock.nowNanos()
        startNanos = now
        for waiter in waiters { waiter.resume(returning: now) }
        waiters.removeAll()
    }

    var arrived: Int { arrivedCount }

    /// When the run started (monotonic nanoseconds), waiting for the gate to open.
    func started() async -> Int64 {
        if let startNanos { return startNanos }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
