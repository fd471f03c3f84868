/// The task-local that tells `spawn` which simulator, if any, the current task runs in.
///
/// `simulate` binds it for the root task; every task below inherits it. In production it is nil
/// and `spawn` is exactly a plain `Task {}`.
public enum SimRuntime {
    @TaskLocal public static var executor: SimExecutor?
    /// Outside the simulator: the task executor `spawn`'s tasks prefer, if any (a live run keeps its clients on
    /// the event loop that carries their sockets, so a frame and the client handling it share one thread).
    @TaskLocal public static var preferredTaskExecutor: (any TaskExecutor)?
}

/// Starts an unstructured task: the only way engine code starts one (never `Task {}`).
///
/// Under simulation the task starts on the simulation thread, so it and everything it awaits stay there (the
/// runtime hands its jobs to the simulator: `SimGlobalEnqueue`), and the simulator counts it until it returns (a run
/// whose root returns before its spawned tasks fails as work pending). In production
/// it is a plain `Task` (preferring `SimRuntime.preferredTaskExecutor` when one is bound). Keep the returned task
/// to cancel it. Inside an actor, this name resolves to
/// `Actor.spawn`; write `TandemRuntime.spawn` for this one.
@discardableResult
public func spawn<Success: Sendable>(
    priority: TaskPriority? = nil,
    _ operation: sending @escaping () async -> Success
) -> Task<Success, Never> {
    guard let executor = SimRuntime.executor else {
        return makeTask(preferring: SimRuntime.preferredTaskExecutor, priority: priority, operation)
    }
    executor.spawnStarted()
    return makeTask(preferring: executor.spawnPreference, priority: priority) {
        defer { executor.spawnFinished() }
        return await operation()
    }
}

/// The throwing form of `spawn`.
@discardableResult
public func spawn<Success: Sendable>(
    priority: TaskPriority? = nil,
    _ operation: sending @escaping () async throws -> Success
) -> Task<Success, any Error> {
    guard let executor = SimRuntime.executor else {
        return makeTask(preferring: SimRuntime.preferredTaskExecutor, priority: priority, operation)
    }
    executor.spawnStarted()
    return makeTask(preferring: executor.spawnPreference, priority: priority) {
        defer { executor.spawnFinished() }
        return try await operation()
    }
}

// A task that prefers `executor`, or a plain one. Not `Task(executorPreference: nil)`: a task made so carries a
// preference record all the same, which the runtime looks up under the task's status lock (a mutex) at every actor
// switch (`withStatusRecordLock` was 2 % of `users-10k`'s wall time with it, 0.2 % without; docs/BENCHMARKS.md).
func makeTask<Success: Sendable>(
    preferring executor: (any TaskExecutor)?, priority: TaskPriority?,
    _ operation: sending @escaping () async -> Success
) -> Task<Success, Never> {
    guard let executor else { return Task(priority: priority, operation: operation) }
    return Task(executorPreference: executor, priority: priority, operation: operation)
}

func makeTask<Success: Sendable>(
    preferring executor: (any TaskExecutor)?, priority: TaskPriority?,
    _ operation: sending @escaping () async throws -> Success
) -> Task<Success, any Error> {
    guard let executor else { return Task(priority: priority, operation: operation) }
    return Task(executorPreference: executor, priority: priority, operation: operation)
}

extension Actor {
    /// Starts an unstructured task whose body is isolated to this actor (the `Task { [self] in }` of engine code).
    ///
    /// The body gets the actor as an `isolated` parameter, so it may touch the actor's state directly.
    @discardableResult
    public nonisolated func spawn<Success: Sendable>(
        priority: TaskPriority? = nil,
        _ operation: @Sendable @escaping (isolated Self) async -> Success
    ) -> Task<Success, Never> {
        TandemRuntime.spawn(priority: priority) { await operation(self) }
    }

    /// The throwing form of `Actor.spawn`.
    @discardableResult
    public nonisolated func spawn<Success: Sendable>(
        priority: TaskPriority? = nil,
        _ operation: @Sendable @escaping (isolated Self) async throws -> Success
    ) -> Task<Success, any Error> {
        TandemRuntime.spawn(priority: priority) { try await operation(self) }
    }
}
