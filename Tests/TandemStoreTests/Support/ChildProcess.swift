import Foundation

/// A child process whose stdout arrives line by line as an `AsyncStream`, read on a thread of its own so no test
/// blocks Swift's cooperative pool.
final class ChildProcess: Sendable {
    let process: Process
    let lines: AsyncStream<String>

    /// The built helper next to the test binary (`swift build --build-tests` builds every executable).
    static func helper(_ name: String) throws -> URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let url = testBinary.deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw HelperMissing(path: url.path)
        }
        return url
    }

    struct HelperMissing: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is missing: build it with `swift build --build-tests` first" }
    }

    init(_ executable: URL, arguments: [String]) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        let (lines, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        try process.run()
        self.process = process
        self.lines = lines
        let reader = output.fileHandleForReading
        let thread = Thread {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    continuation.yield(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            continuation.finish()
        }
        thread.start()
    }

    func kill(_ signal: Int32) {
        Foundation.kill(process.processIdentifier, signal)
    }
}
