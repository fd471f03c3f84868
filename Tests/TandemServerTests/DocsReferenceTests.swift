import Foundation
import Logging
import TandemCore
import TandemEngine
import TandemWire
import Testing

@testable import TandemServer

/// Holds the docs to the code, both ways: `docs/reference.md` names exactly the message types the wire codec reads and
/// writes, the error codes, and the routes the server's routers hold; `docs/admin-guide.md` names every configuration
/// key the reader accepts, every environment override and every `/metrics` family. A type, route, key or metric added
/// without docs fails here, and so does one the docs name that the code does not have.
struct DocsReferenceTests {
    /// The package root, from this file's place in `Tests/TandemServerTests/`.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func document(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("docs").appendingPathComponent(name), encoding: .utf8)
    }

    /// The lines of the section that starts with the heading line `heading`, up to the next heading of its level or
    /// higher; empty when the heading is missing.
    static func section(_ heading: String, of text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: heading) else { return [] }
        let level = heading.prefix { $0 == "#" }.count
        var body: [String] = []
        for line in lines[(start + 1)...] {
            let hashes = line.prefix { $0 == "#" }.count
            if hashes > 0, hashes <= level, line.dropFirst(hashes).hasPrefix(" ") { break }
            body.append(line)
        }
        return body
    }

    /// The first backticked word of each line starting with `prefix` (headings like "#### `ack`", rows like "| `x` |").
    static func backticked(_ lines: [String], prefix: String) -> [String] {
        lines.filter { $0.hasPrefix(prefix) }.compactMap { line in
            let parts = line.components(separatedBy: "`")
            return parts.count > 2 ? parts[1] : nil
        }
    }

    /// A context like the server's, on the in-memory store and backplane, with its users file in a fresh folder.
    static func context() async throws -> ServerContext {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-docs-\(UUID().uuidString)").path
        configuration.databaseURL = "memory:"
        let application = ServerApplication(
            configuration: configuration, seed: 1, fallbackSecret: String(repeating: "k", count: 32),
            logger: Logger(label: "docs-reference")
        )
        return try await application.makeContext()
    }

    /// Whether the codec refuses a frame, as a client's (`fromClient`) or a server's, because it does not know its
    /// `type` (rather than for a missing member).
    static func refusedAsUnknownType(_ frame: String, fromClient: Bool) -> Bool {
        let codec = WireCodec()
        do throws(WireError) {
            if fromClient { _ = try codec.decodeClient(frame) } else { _ = try codec.decodeServer(frame) }
            return false
        } catch {
            return error.message.contains("unknown message type")
        }
    }

    // MARK: reference.md

    @Test func referenceNamesExactlyTheMessageTypesTheCodecKnows() throws {
        let reference = try Self.document("reference.md")
        let client = Self.backticked(Self.section("### Client messages", of: reference), prefix: "#### `")
        let server = Self.backticked(Self.section("### Server messages", of: reference), prefix: "#### `")
        #expect(Set(client) == Set(ClientMessage.typeNames), "reference.md's client messages vs ClientMessage.typeNames")
        #expect(Set(server) == Set(ServerMessage.typeNames), "reference.md's server messages vs ServerMessage.typeNames")
        #expect(client.count == Set(client).count && server.count == Set(server).count, "a type documented twice")
        for name in client {
            let frame = #"{"type":"\#(name)"}"#
            #expect(!Self.refusedAsUnknownType(frame, fromClient: true), "the codec reads no client message \(name)")
        }
        for name in server {
            let frame = #"{"type":"\#(name)"}"#
            #expect(!Self.refusedAsUnknownType(frame, fromClient: false), "the codec reads no server message \(name)")
        }
        // The check above can fail: a type the other side sends is refused as unknown.
        #expect(Self.refusedAsUnknownType(#"{"type":"joined"}"#, fromClient: true))
        #expect(Self.refusedAsUnknownType(#"{"type":"field_change"}"#, fromClient: false))
    }

    @Test func referenceNamesExactlyTheErrorCodes() throws {
        let reference = try Self.document("reference.md")
        let documented = Self.backticked(Self.section("## Error codes", of: reference), prefix: "| `")
        #expect(Set(documented) == Set(ErrorCode.allCases.map(\.rawValue)))
        #expect(documented.count == ErrorCode.allCases.count, "an error code documented twice")
    }

    /// `GET /api/v1/{model}/{pk}` as reference.md writes it: `GET /api/v1/<resource>/<pk>`; no trailing `/`.
    static func documentedForm(_ route: String) -> String {
        var text = route.replacingOccurrences(of: "{model}", with: "<resource>")
            .replacingOccurrences(of: "{", with: "<").replacingOccurrences(of: "}", with: ">")
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    @Test func referenceNamesExactlyTheRoutesTheServerRegisters() async throws {
        let registered = Set(ServerApplication.routeDescriptions(try await Self.context()).map(Self.documentedForm))
        let reference = try Self.document("reference.md")
        let rows = Self.section("## HTTP routes", of: reference).filter { $0.hasPrefix("| `") }
        let documented = Self.backticked(rows, prefix: "| `").map(Self.documentedForm)
        #expect(registered.contains("GET /api/v1/<resource>/<pk>"), "read back from the router: \(registered.sorted())")
        #expect(registered.contains("GET /ws"))
        #expect(Set(documented) == registered, "reference.md's routes vs the server's routers")
        #expect(documented.count == Set(documented).count, "a route documented twice")
    }

    // MARK: admin-guide.md

    @Test func adminGuideNamesEveryConfigurationKeyAndVariable() throws {
        let guide = try Self.document("admin-guide.md")
        let paths = ServerConfiguration.acceptedKeyPaths
        #expect(paths.count > 50)
        for path in paths {
            #expect(guide.contains("| `\(path)` |"), "admin-guide.md has no row for the configuration key \(path)")
        }
        for name in ServerConfiguration.environmentKeys {
            #expect(guide.contains("| `\(name)` |"), "admin-guide.md has no row for the variable \(name)")
        }
    }

    /// A configuration file setting only `path` (with a placeholder value, so it may be refused for its value).
    static func yaml(setting path: String) -> String {
        let names = ["<Model>": "Contact", "<field>": "name", "<Role>": "Tester"]
        return path.split(separator: ".").reversed().reduce("x") { inner, part in
            let name = names[String(part)] ?? String(part)
            return name.hasSuffix("[]") ? "{\(name.dropLast(2)): [\(inner)]}" : "{\(name): \(inner)}"
        }
    }

    @Test func theKeyListIsWhatTheReaderAccepts() {
        func refusedAsUnknownKey(_ path: String) -> Bool {
            do {
                _ = try ServerConfiguration.parse(yaml: Self.yaml(setting: path), file: "docs.yaml")
                return false
            } catch {
                return error.message.hasPrefix("unknown key")
            }
        }
        for path in ServerConfiguration.acceptedKeyPaths {
            #expect(!refusedAsUnknownKey(path), "the reader refuses \(path), which acceptedKeyPaths lists")
        }
        #expect(refusedAsUnknownKey("server.no_such_key"), "an unknown key is refused as one")
        #expect(refusedAsUnknownKey("auth.seed_users[].no_such_key"))
    }

    @Test func adminGuideNamesExactlyTheMetricsFamilies() async throws {
        let context = try await Self.context()
        let page = PrometheusExposition.render(
            node: await context.node.metrics, connections: 0, sessions: 0, sockets: 0,
            statistics: context.statistics, backplaneLagSeconds: nil
        )
        let families = page.components(separatedBy: "\n").filter { $0.hasPrefix("# TYPE ") }
            .map { $0.components(separatedBy: " ")[2] }
        #expect(families.count > 25)
        let monitoring = Self.section("## Monitoring", of: try Self.document("admin-guide.md"))
        let tabled = Self.backticked(monitoring, prefix: "| `")
        let documentedFamilies = tabled.filter { $0.hasPrefix("tandem_") || $0.hasPrefix("process_") }
        #expect(Set(documentedFamilies) == Set(families), "admin-guide.md's Monitoring table vs /metrics")
        let events = ServerStatistics.Counter.allCases.map(\.rawValue)
        #expect(Set(tabled).subtracting(documentedFamilies) == Set(events), "tandem_server_events_total's events")
        let text = monitoring.joined(separator: "\n")
        for stage in NodeStage.allCases {
            #expect(text.contains("`\(stage.rawValue)`"), "the stage \(stage.rawValue) of tandem_node_stage_seconds")
        }
    }
}
