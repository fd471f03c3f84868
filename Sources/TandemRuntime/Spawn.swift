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
/// Under simulation the task prefers the simulator's executor, so it and everything it awaits stay
/// on the simulation thread; a plain `Task {}` would lose that preference and escape. In production
/// it is a plain `Task` (preferring `SimRuntime.preferredTaskExecutor` when one is bound). Keep the returned task
/// to cancel it. Inside an actor, this name resolves to
/// `Actor.spawn`; write `TandemRuntime.spawn` for this one.
@discardableResult
public func spawn<Success: Sendable>(
    priority: TaskPriority? = nil,
    _ operation: sending @escaping () async -> Success
) -> Task<Success, Never> {
    guard let executor = SimRuntime.executor else {
        return Task(executorPreference: SimRuntime.preferredTaskExecutor, priority: priority, operation: operation)
    }
    executor.spawnStarted()
    return Task(executorPreference: executor.taskExecutor, priority: priority) {
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
        return Task(executorPreference: SimRuntime.preferredTaskExecutor, priority: priority, operation: operation)
    }
    executor.spawnStarted()
    return Task(executorPreference: executor.taskExecutor, priority: priority) {
        defer { executor.spawnFinished() }
        return try await operation()
    }
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
