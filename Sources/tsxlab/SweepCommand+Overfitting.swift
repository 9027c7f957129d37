import Backtest
import Data
import Foundation
import Reports
import Research
import Synchronization
import Trading

/// The overfitting statistics of a sweep: each configuration's end-of-session balances are kept
/// as it finishes, and after the ranking the sweep's choice (the top configuration) is judged
/// by PSR, DSR and PBO over the configurations this run computed (`OverfittingStatistics`).
extension SweepCommand {
    /// Cell index → (trade-date day number, balance) at each session's end.
    typealias DailyBalances = Mutex<[Int: [(day: Int64, balance: Double)]]>

    static func sessions(_ equity: [EquityPoint]) -> [(day: Int64, balance: Double)] {
        equity.map { (day: $0.tradeDate.dayNumber, balance: $0.balance.dollars) }
    }

    /// nil with fewer than 2 configurations or 2 sessions.
    static func overfitting(_ daily: [Int: [(day: Int64, balance: Double)]], chosen: SweepOutcome?, names: [String],
                            space: SweepSpace, startingBalance: Money) -> OverfittingStatistics? {
        overfitting(daily, chosen: chosen, label: { i in names.map { "\($0)=\(space.cell(i).values[$0] ?? "")" }.joined(separator: " ") },
                    startingBalance: startingBalance.dollars)
    }

    /// The same with the configurations named by `label(cell index)`.
    static func overfitting(_ daily: [Int: [(day: Int64, balance: Double)]], chosen: SweepOutcome?, label: (Int) -> String,
                            startingBalance: Double) -> OverfittingStatistics? {
        let cells = daily.keys.sorted()
        guard cells.count >= 2 else { return nil }
        let m = ReturnsMatrix.daily(balances: cells.map { daily[$0]! }, startingBalance: startingBalance, names: cells.map(label))
        guard m.rows >= 2 else { return nil }
        return try? OverfittingStatistics.compute(m, blocks: 16, chosen: chosen.flatMap { cells.firstIndex(of: $0.cell.index) })
    }

    /// `results.meta.csv`, beside results.csv: `name,value,meaning` for PSR, DSR, PBO and their inputs.
    static func overfittingCSV(_ s: OverfittingStatistics) -> String {
        func q(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let sentences = s.sentences
        var rows: [(String, String, String)] = [
            ("chosen", q(s.chosenName), "the configuration the sweep ranked first"),
            ("trials", String(s.trials), "configurations in the statistics"),
            ("observations", String(s.moments.observations), "days of returns"),
            ("sharpe_daily", String(s.moments.sharpe), "chosen configuration's Sharpe ratio per day"),
            ("skewness", String(s.moments.skewness), ""), ("kurtosis", String(s.moments.kurtosis), "raw (3 for normal returns)"),
            ("trial_sharpe_variance", String(s.trialVariance), "variance of the configurations' daily Sharpe ratios"),
            ("expected_maximum_sharpe", String(s.expectedMaximumSharpe), "daily Sharpe the best trial shows by luck alone"),
            ("psr", String(s.psr), q(sentences[0])), ("dsr", String(s.dsr), q(sentences[1])),
        ]
        if let o = s.overfitting {
            rows += [("pbo", String(o.pbo), q(sentences[2])), ("pbo_blocks", String(o.blocks), ""), ("pbo_splits", String(o.splits), ""),
                     ("pbo_rows_left_out", String(o.rowsLeftOut), "oldest days left out so the blocks are equal"),
                     ("probability_of_loss", String(o.probabilityOfLoss), "share of splits whose in-sample winner lost out of sample"),
                     ("degradation_slope", String(o.degradationSlope), "out-of-sample on in-sample Sharpe of the winner")]
        }
        return "name,value,meaning\n" + rows.map { "\($0.0),\($0.1),\($0.2)" }.joined(separator: "\n") + "\n"
    }

    /// Writes results.meta.csv and, with a store, the sweep's report with the overfitting section.
    static func writeOverfitting(_ s: OverfittingStatistics, out: String, sweepID: String, db: (any SQLDatabase)?) throws {
        try overfittingCSV(s).write(toFile: out + "/results.meta.csv", atomically: true, encoding: .utf8)
        if let db, var sweep = try StoredSweep.load(sweepID, from: db) {
            sweep.overfitting = s
            try sweep.html().write(toFile: out + "/report.html", atomically: true, encoding: .utf8)
        }
    }
}
