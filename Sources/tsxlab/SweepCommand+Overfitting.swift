import Data
import Foundation
import Jobs
import Reports
import Research

/// The sweep's overfitting statistics on disk: `SweepJob` computes them from each configuration's
/// end-of-session balances; the command writes them beside results.csv and into the report.
extension SweepCommand {
    /// Writes results.meta.csv and, with a store, the sweep's report with the overfitting section.
    static func writeOverfitting(_ s: OverfittingStatistics, out: String, sweepID: String, db: (any SQLDatabase)?) throws {
        try SweepJob.overfittingCSV(s).write(toFile: out + "/results.meta.csv", atomically: true, encoding: .utf8)
        if let db, var sweep = try StoredSweep.load(sweepID, from: db) {
            sweep.overfitting = s
            try sweep.html().write(toFile: out + "/report.html", atomically: true, encoding: .utf8)
        }
    }
}
