import Foundation

/// What `tsxlab report --format` writes.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// `trades.csv`, `fills.csv`, `daily_pnl.csv`, `equity.csv`, `monthly_returns.csv`, `run.json`,
    /// `config.txt` and `README.txt`; for a run on several symbols also `symbols.csv` and
    /// `equity_by_symbol.csv`, as the run folder has them.
    case csv
    /// One self-contained `report.html`.
    case html
    /// `report.ipynb` beside the CSV files it loads.
    case notebook

    /// The folder a report goes to when `--out` is not given, relative to the working directory.
    public func defaultFolder(runID: String) -> String {
        (self == .notebook ? "notebooks-export/" : "reports/") + runID
    }
}

/// Writes a run's report files, passing every file through the secret scrubber.
public struct ReportWriter: Sendable {
    public var scrubber: SecretScrubber

    public init(scrubber: SecretScrubber = .none) { self.scrubber = scrubber }

    /// The files of a format, name and text (already scrubbed).
    public func files(_ r: RunReport, format: ReportFormat) -> [(name: String, text: String)] {
        var out: [(String, String)]
        switch format {
        case .html:
            out = [("report.html", RunHTML.render(r))]
        case .csv:
            out = dataFiles(r)
        case .notebook:
            out = dataFiles(r) + [("report.ipynb", Notebook.render(r))]
        }
        return out.map { ($0.0, scrubber.scrub($0.1)) }
    }

    func dataFiles(_ r: RunReport) -> [(String, String)] {
        [
            (ReportCSV.tradesFile.name, ReportCSV.trades(r)),
            (ReportCSV.fillsFile.name, ReportCSV.fills(r)),
            (ReportCSV.dailyFile.name, ReportCSV.daily(r)),
            (ReportCSV.equityFile.name, ReportCSV.equity(r)),
            (ReportCSV.monthlyFile.name, ReportCSV.monthly(r)),
            ("run.json", r.summary.json + "\n"),
            ("config.txt", r.configuration.map { $0.key + "=" + $0.value + "\n" }.joined()),
            ("README.txt", ReportCSV.readme(r, extra: ReportCSV.symbolNotes(r))),
        ] + ReportCSV.symbolFiles(r)
    }

    /// Writes the format's files into `folder` (created with its parents) and returns the path to
    /// show: the HTML file, the notebook, or the folder for CSV.
    ///
    /// - Throws: `ReportError.cannotWrite` naming the path.
    @discardableResult
    public func write(_ r: RunReport, format: ReportFormat, to folder: String) throws -> String {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportError.cannotWrite(path: folder, reason: error.localizedDescription)
        }
        var shown = folder
        for (name, text) in files(r, format: format) {
            let path = folder + "/" + name
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw ReportError.cannotWrite(path: path, reason: error.localizedDescription)
            }
            if name.hasSuffix(".html") || name.hasSuffix(".ipynb") { shown = path }
        }
        return shown
    }
}
