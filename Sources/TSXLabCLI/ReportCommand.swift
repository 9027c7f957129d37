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
                let store = try storeOptions.openStore()
                // A sweep id: its heatmap and top configurations (HTML) or its results table (CSV).
                if runID != "latest", let db = store as? any SQLDatabase, let sweep = try StoredSweep.load(runID, from: db) {
                    let folder = out ?? "reports/sweep-\(sweep.id)"
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    let scrub = SecretScrubber(environment: storeOptions.environment)
                    let path: String
                    switch format {
                    case .csv:
                        path = folder + "/results.csv"
                        try scrub.scrub(SweepReport.csv(sweep.table)).write(toFile: path, atomically: true, encoding: .utf8)
                    default:
                        path = folder + "/report.html"
                        try scrub.scrub(try sweep.html()).write(toFile: path, atomically: true, encoding: .utf8)
                    }
                    print(URL(fileURLWithPath: path).standardizedFileURL.path)
                    return
                }
                let registry = try storeOptions.registry()
                let catalog = try RunCatalog(store: store)
                let id = try catalog.resolve(runID)
                let report = try catalog.load(id) { try? registry.spec(for: $0) }
                let folder = out ?? format.defaultFolder(runID: id)
                let writer = ReportWriter(scrubber: SecretScrubber(environment: storeOptions.environment))
                let path = try writer.write(report, format: format, to: folder)
                print(URL(fileURLWithPath: path).standardizedFileURL.path)
            } catch let e as ReportError {
                Terminal.error(e.description)
                throw ExitCode(e.exitCode)
            }
        }
    }
}
