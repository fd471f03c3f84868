import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process the live runner started and must stop: its standard output is kept in memory (to wait for
/// a "ready" line), standard error goes to a log file, and `stop` ends it (SIGTERM, then SIGKILL after a
/// grace period) so that nothing the runner started outlives it.
public final class ManagedProcess: Sendable {
    /// What went wrong starting or waiting for a process, naming which one and where its log is.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    public let name: String
    public let logFile: URL
    private let process: Mutex<Process>
    private let output = OutputBuffer()

    public var pid: Int32 { process.withLock { $0.processIdentifier } }
    public var isRunning: Bool { process.withLock { $0.isRunning } }
    /// The exit status once it ended (or the signal that ended it).
    public var terminationStatus: Int32? { process.withLock { $0.isRunning ? nil : $0.terminationStatus } }

    /// Starts `executable` with `arguments`; `environment` is added to this process's own.
    public init(
        name: String,
        executable: URL,
        arguments: [String],
        environment: [String: String] = [:],
        logFile: URL
    ) throws {
        self.name = name
        self.logFile = logFile
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let stdout = Pipe()
        process.standardOutput = stdout
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: logFile)
        let output = self.output
        // At the end of the output (the process is gone) the handler lets go of its dispatch source: left in place, it
        // is called again and again with nothing, and a source still registered when the handle closes its descriptor
        // is a known crash of libdispatch on Linux (`_dispatch_event_loop_drain`, seen once in this suite).
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { output.append(data) }
        }
        do {
            try process.run()
        } catch {
            throw Failure("cannot start \(name) (\(executable.path)): \(error.localizedDescription)")
        }
        self.process = Mutex(process)
    }

    /// Lines written to standard output so far.
    public var outputLines: [String] { output.lines }

    /// Waits until standard output has a line containing `text`; returns it. Fails when the process ends first
    /// or `timeout` passes, naming the log.
    @discardableResult
    public func waitForLine(containing text: String, timeout: Duration = .seconds(30)) async throws -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if let line = output.lines.first(where: { $0.contains(text) }) { return line }
            guard isRunning else {
                throw Failure("\(name) exited with status \(terminationStatus ?? -1) before it was ready; \(tail())")
            }
            guard clock.now < deadline else {
                throw Failure("\(name) was not ready after \(timeout) (waiting for '\(text)'); \(tail())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The last lines of the log, for error messages.
    public func tail(_ count: Int = 5) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").suffix(count)
        return lines.isEmpty ? "log \(logFile.path) is empty" : "log \(logFile.path) ends: " + lines.joined(separator: " | ")
    }

    /// Sends `signal` (SIGKILL for a crash).
    public func signal(_ number: Int32) { _ = kill(pid, number) }

    /// Ends the process: SIGTERM, then SIGKILL if it is still there after `grace`. Returns once it is gone.
    public func stop(grace: Duration = .seconds(5)) async {
        guard isRunning else { return }
        signal(SIGTERM)
        if await waitForExit(timeout: grace) { return }
        signal(SIGKILL)
        _ = await waitForExit(timeout: .seconds(10))
    }

    /// True once the process has ended, false when `timeout` passed first.
    public func waitForExit(timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while isRunning {
            guard clock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}

/// Standard output split into lines, filled on Foundation's reader thread.
public final class OutputBuffer: Sendable {
    private let state = Mutex<(pending: [UInt8], lines: [String])>(([], []))

    public init() {}

    public func append(_ data: Data) {
        state.withLock { state in
            state.pending.append(contentsOf: data)
            while let newline = state.pending.firstIndex(of: 10) {
                state.lines.append(String(decoding: state.pending[..<newline], as: UTF8.self))
                state.pending.removeSubrange(...newline)
            }
        }
    }

    public var lines: [String] { state.withLock { $0.lines } }
}

/// Free loopback TCP ports, found by binding port 0.
public enum FreePort {
    public static func loopback() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ManagedProcess.Failure("socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw ManagedProcess.Failure("no free loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Finds a program: an explicit path, else `PATH`, else `extraFolders` (PostgreSQL's `bin` is not on `PATH`).
public enum ProgramLocator {
    public static func find(_ name: String, extraFolders: [String] = []) -> URL? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? URL(fileURLWithPath: name) : nil }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for folder in path + extraFolders {
            let candidate = URL(fileURLWithPath: folder).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// PostgreSQL's binaries folder (`/usr/lib/postgresql/<newest>/bin` on Debian).
    public static var postgresFolders: [String] {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        return versions.map { "\(root)/\($0)/bin" }
    }
}
