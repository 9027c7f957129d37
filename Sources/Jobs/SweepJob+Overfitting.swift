import Backtest
import Data
import Foundation
import Research
import Synchronization
import Trading

/// The overfitting statistics of a sweep: each configuration's end-of-session balances are kept
/// as it finishes, and after the ranking the sweep's choice (the top configuration) is judged by
/// PSR, DSR and PBO over the configurations this run computed (`OverfittingStatistics`). Results
/// resumed from the store have no balances (the store does not keep daily returns).
extension SweepJob {
    /// One session's end: its trade date (day number) and the account balance in dollars.
    public typealias SessionBalance = (day: Int64, balance: Double)

    /// Cell index → the balance at each session's end, filled by the workers as cells finish.
    public final class DailyBalances: Sendable {
        private let storage = Mutex<[Int: [SessionBalance]]>([:])

        public init() {}

        public func record(_ cell: Int, _ sessions: [SessionBalance]) {
            storage.withLock { $0[cell] = sessions }
        }

        /// Everything recorded so far, by cell index.
        public var byCell: [Int: [SessionBalance]] { storage.withLock { $0 } }
    }

    /// The balance at each session's end of an equity curve.
    public static func sessions(_ equity: [EquityPoint]) -> [SessionBalance] {
        equity.map { (day: $0.tradeDate.dayNumber, balance: $0.balance.dollars) }
    }

    /// A cell's parameters as `name=value` pairs in axis order (how the statistics name it).
    public func label(_ cellIndex: Int) -> String {
        let values = space.cell(cellIndex).values
        return space.names.map { "\($0)=\(values[$0] ?? "")" }.joined(separator: " ")
    }

    /// PSR and DSR of `chosen` and the PBO (16 blocks) over the configurations in `daily`, their
    /// daily returns taken from the balances (the first day from the base configuration's
    /// starting balance). nil with fewer than 2 configurations or 2 sessions.
    public func overfitting(_ daily: [Int: [SessionBalance]], chosen: SweepOutcome?) -> OverfittingStatistics? {
        Self.overfitting(daily, chosen: chosen, label: label, startingBalance: base.account.startingBalance.dollars)
    }

    /// The same with the configurations named by `label(cell index)`.
    public static func overfitting(_ daily: [Int: [SessionBalance]], chosen: SweepOutcome?, label: (Int) -> String,
                                   startingBalance: Double) -> OverfittingStatistics? {
        let cells = daily.keys.sorted()
        guard cells.count >= 2 else { return nil }
        let m = ReturnsMatrix.daily(balances: cells.map { daily[$0]! }, startingBalance: startingBalance, names: cells.map(label))
        guard m.rows >= 2 else { return nil }
        return try? OverfittingStatistics.compute(m, blocks: 16, chosen: chosen.flatMap { cells.firstIndex(of: $0.cell.index) })
    }

    /// `results.meta.csv`, beside results.csv: `name,value,meaning` for PSR, DSR, PBO and their inputs.
    public static func overfittingCSV(_ s: OverfittingStatistics) -> String {
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
}
