import Foundation

extension ReportWriter {
    /// The folder a comparison goes to when `--out` is not given: `reports/compare-A-B…` with the
    /// run ids in the order given. With many runs the name keeps the first two and counts the rest
    /// (`compare-A-B-and-3-more`), so that it stays a legal file name.
    public static func comparisonFolder(runIDs: [String]) -> String {
        let all = "compare-" + runIDs.joined(separator: "-")
        guard all.utf8.count > 200, runIDs.count > 2 else { return "reports/" + all }
        return "reports/compare-" + runIDs.prefix(2).joined(separator: "-") + "-and-\(runIDs.count - 2)-more"
    }

    /// Writes `CompareHTML.render(runs)`, scrubbed, as `report.html` in `folder` (created with its
    /// parents) and returns the file's path.
    ///
    /// - Throws: `ReportError.cannotWrite` naming the path.
    @discardableResult
    public func writeComparison(_ runs: [RunReport], to folder: String) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportError.cannotWrite(path: folder, reason: error.localizedDescription)
        }
        let path = folder + "/report.html"
        do {
            try Data(scrubber.scrub(CompareHTML.render(runs)).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ReportError.cannotWrite(path: path, reason: error.localizedDescription)
        }
        return path
    }
}
