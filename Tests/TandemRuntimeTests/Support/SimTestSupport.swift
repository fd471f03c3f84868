import TandemRuntime

/// Runs one simulation on a dedicated thread (never blocking the cooperative pool) and returns
/// whatever `inspect` reads from the executor afterwards, together with the run.
func simulateOnThread<Value: Sendable, Extra: Sendable>(
    limits: SimLimits = SimLimits(hangGraceWallMillis: 30_000),
    traceRetainedEventCountMax: Int = 0,
    inspect: @Sendable @escaping (SimExecutor) -> Extra,
    _ body: @Sendable @escaping (SimExecutor) async throws -> Value
) async -> (run: SimRun<Value>, extra: Extra) {
    await SimThread.run {
        let sim = SimExecutor(limits: limits, traceRetainedEventCountMax: traceRetainedEventCountMax)
        let run = simulate(sim) { try await body(sim) }
        return (run, inspect(sim))
    }
}

func simulateOnThread<Value: Sendable>(
    limits: SimLimits = SimLimits(hangGraceWallMillis: 30_000),
    _ body: @Sendable @escaping (SimExecutor) async throws -> Value
) async -> SimRun<Value> {
    await simulateOnThread(limits: limits, inspect: { _ in () }, body).run
}

/// Holds continuations the test resumes later (or never, to make a hang).
actor ContinuationParking {
    var parked: [CheckedContinuation<Int, Never>] = []

    func park() async -> Int {
        await withCheckedContinuation { parked.append($0) }
    }

    func resumeAll(with value: Int) {
        for continuation in parked { continuation.resume(returning: value) }
        parked.removeAll()
    }
}

/// A default actor that collects values in the order they arrive.
actor OrderLog {
    private(set) var entries: [Int] = []

    func append(_ value: Int) { entries.append(value) }
}
