/// The `TaskExecutor` that simulated tasks prefer where the runtime has no global enqueue hook (`SimGlobalEnqueue`),
/// and that a sleep begun off the loop thread moves to; it feeds the FIFO of its `SimExecutor`.
///
/// It is a second object, not the `SimExecutor` itself, because the runtime decides whether to
/// switch inline by comparing serial-executor identities: a job of nonisolated code must run as
/// nonisolated (`runSynchronously(on:)`), or every hop back to nonisolated code (after each `await`
/// in a nonisolated function) becomes another job. Jobs arriving here are exactly those.
///
/// - Warning: it holds its `SimExecutor` `unowned`: a task that runs after its simulator was
///   deallocated traps. Keep the simulator alive while its tasks may run (actors hold it).
//
// Why `@unchecked Sendable` is safe: `simulator` is written once, in `SimExecutor.init`, before the
// executor is returned to anyone (so before any other thread can see this object) and never again.
// The same is why its run-time exclusivity check can never fire, and so is not made: every later access is a
// read, and reads do not conflict (it was half a percent of a large simulation's instructions, one check per job).
public final class SimTaskExecutor: TaskExecutor, @unchecked Sendable {
    @exclusivity(unchecked) unowned var simulator: SimExecutor?

    init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        guard let simulator else {
            preconditionFailure("SimTaskExecutor: a task ran after its SimExecutor was deallocated")
        }
        simulator.enqueue(SimReadyJob(job: UnownedJob(job), kind: .preferred))
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }
}
