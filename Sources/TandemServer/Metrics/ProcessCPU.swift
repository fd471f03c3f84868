#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The CPU time this process has spent, user and system apart, from `/proc/self/stat` (Linux): what
/// `scripts/load.sh` and `tandem calibrate` divide by the deliveries to get the server's CPU per delivery.
struct ProcessCPU: Sendable, Hashable {
    var userTicks: Int
    var systemTicks: Int

    static let ticksPerSecond: Int = {
        #if canImport(Glibc)
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? ticks : 100
        #else
        return 100
        #endif
    }()

    var seconds: Double { Double(userTicks + systemTicks) / Double(Self.ticksPerSecond) }

    /// Nil where there is no `/proc` (not Linux) or it cannot be parsed.
    static func read() -> ProcessCPU? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8) else { return nil }
        return parse(text)
    }

    /// Fields 14 and 15 of `stat` (utime, stime), counted after the command name, which is in parentheses and
    /// may itself hold spaces and parentheses: everything up to the last ")" is skipped.
    static func parse(_ stat: String) -> ProcessCPU? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ")": state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return ProcessCPU(userTicks: user, systemTicks: system)
    }
}
