// Appends changes to one record and prints each acknowledged version, so a test can SIGKILL this process and
// check that every printed version survived.
//
//   store-crash-helper sqlite <path> <count>
//   store-crash-helper postgres <url> <count>
//
// Prints `acked <version>` after each `append` returned `.appended` (stdout flushed per line), then `done`.
import Foundation
import Logging
import TandemCore
import TandemEngine
import TandemStore

let key = RecordKey(model: "Crash", recordID: "1")
let user = UserRef(id: 1, username: "crash")

func change(_ version: Int) -> ChangeEntry {
    ChangeEntry(
        changeID: "crash-\(version)",
        key: key,
        field: "counter",
        version: version,
        baseVersion: version - 1,
        op: nil,
        oldValue: .int(version - 1),
        newValue: .int(version),
        user: user,
        timestampMillis: Int64(version),
        origin: .ws
    )
}

func appendAll(to store: some EventStore, count: Int) async throws {
    let start = (try await store.loadRecord(key)?.version ?? 0) + 1
    for version in start..<(start + count) {
        guard try await store.append(change(version), autoResolved: nil) == .appended else {
            FileHandle.standardError.write(Data("version \(version) clashed\n".utf8))
            exit(3)
        }
        say("acked \(version)")
    }
    say("done")
}

/// One unbuffered write(2) per line: nothing acknowledged sits in a stdio buffer when SIGKILL lands.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[3]), count > 0 else {
    FileHandle.standardError.write(Data("usage: store-crash-helper sqlite|postgres <path-or-url> <count>\n".utf8))
    exit(2)
}
do {
    switch arguments[1] {
    case "sqlite":
        let store = try await SQLiteEventStore(path: arguments[2])
        try await appendAll(to: store, count: count)
    case "postgres":
        var logger = Logger(label: "store-crash-helper")
        logger.logLevel = .error
        try await PostgresEventStore.withStore(url: try PostgresURL(arguments[2]), logger: logger) { store in
            try await appendAll(to: store, count: count)
        }
    default:
        FileHandle.standardError.write(Data("unknown store \(arguments[1])\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("store-crash-helper: \(error)\n".utf8))
    exit(1)
}
