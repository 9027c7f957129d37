import ArgumentParser
import Data
import Foundation
import Reports

extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a stored run as CSV files, one self-contained HTML report, or a Jupyter notebook.",
        discussion: """
            RUN_ID is a run id printed by `tsxlab backtest` (and stored with the run), or `latest`.
            Files go to reports/<run id>/ (csv, html) or notebooks-export/<run id>/ (notebook) in the
            working folder unless --out says otherwise; the path written is printed. Values of secret
            environment variables (…_KEY, …_TOKEN, …_SECRET, …_PASSWORD) never appear in the output.
              tsxlab report latest
              tsxlab report 20261125-120007-4147499c --format notebook
            """)

    @Argument(help: ArgumentHelp("A run id, or `latest`.", valueName: "run-id")) var runID: String
    @Option(help: "csv, html or notebook.") var format: ReportFormat = .html
    @Option(help: "Folder to write into (created). Default: reports/<run id> or notebooks-export/<run id>.") var out: String?
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try runReportingErrors {
            do {
                let reports = try storeOptions.storedReports()
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
