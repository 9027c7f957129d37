import Data
import Foundation

/// The reports of what a store holds, built one way for `tsxlab report` (files) and the research
/// page (`tsxlab serve`), so both show the same bytes: runs loaded with the contract registry's
/// tick values, every page passed through the secret scrubber.
public struct StoredReports: Sendable {
    public let catalog: RunCatalog
    /// Tick values for MAE/MFE in dollars (the built-in table plus a contracts file).
    public let registry: ContractRegistry
    public let scrubber: SecretScrubber

    public init(catalog: RunCatalog, registry: ContractRegistry, scrubber: SecretScrubber) {
        self.catalog = catalog; self.registry = registry; self.scrubber = scrubber
    }

    /// The run `RUN_ID` or `latest` stands for, loaded.
    ///
    /// - Throws: `ReportError.unknownRun` (with the newest ids) or `.noRuns`; a stored row that
    ///   does not parse as `ReportError.badStoredRow`.
    public func run(_ idOrLatest: String) throws -> RunReport {
        let id = try catalog.resolve(idOrLatest)
        let registry = self.registry
        return try catalog.load(id) { try? registry.spec(for: $0) }
    }

    /// The run's HTML report, exactly as `tsxlab report RUN_ID` writes `report.html`.
    public func runHTML(_ report: RunReport) -> String {
        writer.files(report, format: .html)[0].text
    }

    /// The writer of a run's report files, with this scrubber.
    public var writer: ReportWriter { ReportWriter(scrubber: scrubber) }

    /// Two or more runs on one page, as `tsxlab report RUN_A RUN_B …` writes it.
    public func comparisonHTML(_ runs: [RunReport]) -> String {
        scrubber.scrub(CompareHTML.render(runs))
    }

    /// The sweep with this id (or a unique prefix of it), or nil when the store has none.
    public func sweep(_ idOrPrefix: String) throws -> StoredSweep? {
        try StoredSweep.load(idOrPrefix, from: catalog.db)
    }

    /// The sweep's heatmap and top configurations, as `tsxlab report SWEEP_ID` writes them.
    public func sweepHTML(_ sweep: StoredSweep) throws -> String {
        scrubber.scrub(try sweep.html())
    }

    /// The sweep's results table as CSV, as `tsxlab report SWEEP_ID --format csv` writes it.
    public func sweepCSV(_ sweep: StoredSweep) -> String {
        scrubber.scrub(SweepReport.csv(sweep.table))
    }
}
