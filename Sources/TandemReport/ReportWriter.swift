import Foundation

/// Writes a report's three files, `report.json`, `report.md` and `report.html`, into one directory.
///
/// The directory is created if needed; each file is written atomically, so a reader never sees half a report.
public enum ReportWriter {
    public static let jsonFileName = "report.json"
    public static let markdownFileName = "report.md"
    public static let htmlFileName = "report.html"

    /// Writes the three files and returns their URLs in the order json, md, html.
    @discardableResult
    public static func write(_ report: Report, to directory: URL) throws(ReportError) -> [URL] {
        let files: [(String, Data)]
        do {
            files = [
                (jsonFileName, try report.jsonData()),
                (markdownFileName, Data(MarkdownRenderer.render(report).utf8)),
                (htmlFileName, Data(HTMLRenderer.render(report).utf8)),
            ]
        } catch {
            throw ReportError(code: .writeFailed, message: "cannot encode report.json", underlying: error)
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError(code: .writeFailed, message: "cannot create \(directory.path)", underlying: error)
        }
        var urls: [URL] = []
        for (name, data) in files {
            let url = directory.appendingPathComponent(name)
            do {
                try data.write(to: url, options: .atomic)
            } catch {
                throw ReportError(code: .writeFailed, message: "cannot write \(url.path)", underlying: error)
            }
            urls.append(url)
        }
        return urls
    }
}
