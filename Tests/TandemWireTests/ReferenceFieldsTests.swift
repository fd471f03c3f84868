import Foundation
import TandemCore
import TandemWire
import Testing

/// `docs/reference.md` names every member the codec writes for each message type: every sample of `WireSamples`
/// (every optional member set and unset) is encoded, and each top-level member but `type` and `rid` must appear,
/// backticked, in that type's section. The types themselves are held to the code by `DocsReferenceTests`.
struct ReferenceFieldsTests {
    static let reference: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("docs/reference.md"), encoding: .utf8)) ?? ""
    }()

    /// The text under the heading "#### `type`", up to the next heading.
    static func section(of type: String) -> String? {
        let lines = reference.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "#### `\(type)`") else { return nil }
        return lines[(start + 1)...].prefix { !$0.hasPrefix("#") }.joined(separator: "\n")
    }

    /// The members of an encoded frame, less `type` and `rid`.
    static func members(_ frame: String) throws -> [String] {
        guard case .object(let members) = try JSONParser().parse(frame) else { return [] }
        return members.keys.filter { $0 != "type" && $0 != "rid" }.sorted()
    }

    func check(_ type: String, _ frame: String) throws {
        guard let section = Self.section(of: type) else {
            Issue.record("docs/reference.md has no section #### `\(type)`")
            return
        }
        for member in try Self.members(frame) {
            #expect(section.contains("`\(member)`"), "reference.md's \(type) does not name \(member): \(frame)")
        }
    }

    @Test func everyMemberOfEveryClientMessageIsDocumented() throws {
        #expect(!Self.reference.isEmpty, "docs/reference.md is readable")
        for message in WireSamples.client { try check(message.typeName, WireCodec().encodeClient(message)) }
    }

    @Test func everyMemberOfEveryServerMessageIsDocumented() throws {
        for message in WireSamples.server { try check(message.typeName, WireCodec().encodeServer(message)) }
    }

    /// The check can fail: a member the reference does not name is caught.
    @Test func anUndocumentedMemberIsCaught() throws {
        let section = try #require(Self.section(of: "pong"))
        let members = try Self.members(#"{"type":"pong","server_time":"x","no_such_member":1}"#)
        #expect(members == ["no_such_member", "server_time"])
        #expect(section.contains("`server_time`") && !section.contains("`no_such_member`"))
    }
}
