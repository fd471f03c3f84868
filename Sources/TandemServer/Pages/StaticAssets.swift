import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The browser files under `Resources/static` (the collaboration client, its modules, the stylesheet), read once
/// and served at `/static/tandem/<file>` with their content type, a strong `ETag` and a short public cache life
/// (revalidated after, answered 304 when the tag still matches). Only files that were in the folder when the
/// server started are served: a name is a lookup key, never a path.
struct StaticAssets: Sendable {
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
        var etag: String
    }

    let assets: [String: Asset]
    static let cacheControl = "public, max-age=300, must-revalidate"

    /// Every regular file directly in `directory`.
    init(directory: URL) {
        var assets: [String: Asset] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where !name.hasPrefix(".") {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
                continue
            }
            let bytes = [UInt8](data)
            assets[name] = Asset(bytes: bytes, contentType: Self.contentType(of: name), etag: Self.etag(bytes))
        }
        self.assets = assets
    }

    static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "json", "map": return "application/json"
        case "html": return "text/html; charset=utf-8"
        case "txt", "md": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }

    /// A strong tag from the bytes (FNV-1a, 64 bits): the same file gives the same tag across restarts and nodes.
    static func etag(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return "\"\(String(hash, radix: 16))-\(bytes.count)\""
    }

    func response(for name: String, ifNoneMatch: String?) -> Response? {
        guard let asset = assets[name] else { return nil }
        var headers: HTTPFields = [.cacheControl: Self.cacheControl, .eTag: asset.etag, .contentType: asset.contentType]
        if let ifNoneMatch, ifNoneMatch.split(separator: ",").contains(where: {
            $0.trimmingCharacters(in: .whitespaces) == asset.etag
        }) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
