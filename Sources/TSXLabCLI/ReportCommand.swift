import ArgumentParser
import Data
import Foundation
import Reports

extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a stored run as CSV files, one self-contained HTML report, or a Jupyter notebook; or compare runs on one page.",
        discussion: """
            RUN_ID is a run id printed by `tsxlab backtest` (and stored with the run), or `latest`.
            Files go to reports/<run id>/ (csv, html) or notebooks-export/<run id>/ (notebook) in the
            working folder unless --out says otherwise; the path written is printed. Values of secret
            environment variables (…_KEY, …_TOKEN, …_SECRET, …_PASSWORD) never appear in the output.
            Two or more run ids write one HTML page comparing the runs (equity curves overlaid, the
            statistics side by side with the differences from the first run, the configuration keys
            that differ, the trades only one run took) to reports/compare-<id>-<id>…/report.html;
            csv and notebook take one run. A sweep id alone writes the sweep's report.
              tsxlab report latest
              tsxlab report 20261125-120007-4147499c --format notebook
              tsxlab report 20261125-120007-4147499c latest
            """)

    @Argument(help: ArgumentHelp("A run id, or `latest`; two or more to compare the runs.", valueName: "run-id")) var runIDs: [String]
    @Option(help: "csv, html or notebook (html only when comparing runs).") var format: ReportFormat = .html
    @Option(help: "Folder to write into (created). Default: reports/<run id>, notebooks-export/<run id> or reports/compare-<run ids>.") var out: String?
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard !runIDs.isEmpty else { throw ValidationError("give a run id, or `latest`") }
        if runIDs.count > 1 && format != .html {
            throw ValidationError("--format \(format.rawValue) takes one run; \(runIDs.count) runs are compared on one HTML page (leave out --format, or report each run on its own)")
        }
    }

    func run() throws {
        try runReportingErrors {
            do {
                let reports = try storeOptions.storedReports()
                if runIDs.count > 1 {
                    try compare(reports)
                    return
                }
                let runID = runIDs[0]
                // A sweep id: its heatmap and top configurations (HTML) or its results table (CSV).
                if runID != "latest", let sweep = try reports.sweep(runID) {
                    let folder = out ?? "reports/sweep-\(sweep.id)"
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    let path: String
                    switch format {
                    case .csv:
                        path = folder + "/results.csv"
                        try reports.sweepCSV(sweep).write(toFile: path, atomically: true, encoding: .utf8)
                    default:
                        path = folder + "/report.html"
                        try reports.sweepHTML(sweep).write(toFile: path, atomically: true, encoding: .utf8)
                    }
                    print(URL(fileURLWithPath: path).standardizedFileURL.path)
                    return
                }
                let id = try reports.catalog.resolve(runID)
                let report = try reports.run(id)
                let folder = out ?? format.defaultFolder(runID: id)
                let path = try reports.writer.write(report, format: format, to: folder)
                print(URL(fileURLWithPath: path).standardizedFileURL.path)
            } catch let e as ReportError {
                Terminal.error(e.description)
                throw ExitCode(e.exitCode)
            }
        }
    }

    /// Two or more runs on one page; every id is resolved before anything is written.
    func compare(_ reports: StoredReports) throws {
        let ids = try runIDs.map { try reports.catalog.resolve($0) }
        let runs = try ids.map { try reports.run($0) }
        let path = try reports.writer.writeComparison(runs, to: out ?? ReportWriter.comparisonFolder(runIDs: ids))
        print(URL(fileURLWithPath: path).standardizedFileURL.path)
    }
}

extension StoreOptions {
    /// The store's runs and sweeps as reports: its catalog, the contract registry (with
    /// --contracts-file) and a scrubber of the environment's secrets. `tsxlab report` and
    /// `tsxlab serve` build their pages through it.
    ///
    /// - Throws: `ReportError.notSQL` for a store that cannot hold runs.
    func storedReports() throws -> StoredReports {
        StoredReports(catalog: try RunCatalog(store: try openStore()), registry: try registry(),
                      scrubber: SecretScrubber(environment: environment))
    }
}
