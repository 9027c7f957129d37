import Data
import Foundation
import Jobs
import Reports
import Research

/// The sweep's overfitting statistics on disk: `SweepJob.judge` computes them from each
/// configuration's end-of-session balances; the command writes them beside results.csv, and the
/// report is the stored sweep's page (`tsxlab report SWEEP_ID`), which computes the same ones.
extension SweepCommand {
    /// Writes results.meta.csv (when the statistics could be computed) and, with a store, the
    /// sweep's report with its overfitting section.
    static func writeOverfitting(_ judged: SweepOverfitting, out: String, sweepID: String, db: (any SQLDatabase)?) throws {
        if let s = judged.statistics {
            try SweepJob.overfittingCSV(s).write(toFile: out + "/results.meta.csv", atomically: true, encoding: .utf8)
        }
        // With a store, `judged` was computed from it (`SweepJob.judge`), as the page would.
        if let db, let sweep = try StoredSweep.load(sweepID, from: db, judged: judged) {
            try sweep.html().write(toFile: out + "/report.html", atomically: true, encoding: .utf8)
        }
    }
}
