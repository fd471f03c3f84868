import Foundation

/// A test expectation that did not hold in time, with what was awaited.
public struct TimedOut: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Polls `condition` every 5 ms until it holds; throws `TimedOut` naming `what` (evaluated then, so it can
/// say what was seen) after `timeout`. Waiting is always for a condition with a deadline, never a bare sleep.
public func waitUntil(
    _ what: @autoclosure () -> String,
    timeout: Duration = .seconds(15),
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try await !condition() {
        guard clock.now < deadline else {
            throw TimedOut(description: "timed out after \(timeout) waiting for \(what())")
        }
        try await clock.sleep(for: .milliseconds(5))
    }
}

/// Polls `produce` until it returns a value; throws `TimedOut` after `timeout`.
public func waitFor<T>(
    _ what: @autoclosure () -> String,
    timeout: Duration = .seconds(15),
    _ produce: () async throws -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if let value = try await produce() { return value }
        guard clock.now < deadline else {
            throw TimedOut(description: "timed out after \(timeout) waiting for \(what())")
        }
        try await clock.sleep(for: .milliseconds(5))
    }
}

/// Runs `executable` to completion and returns its exit status and standard output (and standard error
/// too, when `includeErrors`). Output goes to a file and the wait polls, so a long run never blocks a thread of
/// the cooperative pool every test target shares (they all run in one process).
public func runToCompletion(
    _ executable: URL,
    _ arguments: [String],
    environment: [String: String]? = nil,
    includeErrors: Bool = true
) async throws -> (status: Int32, output: String) {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-run-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let handle = try FileHandle(forWritingTo: output)
    process.standardOutput = handle
    process.standardError = includeErrors ? handle : FileHandle.nullDevice
    try process.run()
    while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
    return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
}
