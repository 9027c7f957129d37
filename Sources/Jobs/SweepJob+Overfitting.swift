import Backtest
import Data
import Foundation
import Research
import Store
import Synchronization
import Trading

/// The overfitting statistics of a sweep: each configuration's end-of-session balances are kept
/// as it finishes (in memory, and in the store's `sweep_daily_balances` beside its result), and
/// after the ranking the sweep's choice (the top configuration) is judged by PSR, DSR and PBO
/// (`SweepOverfitting`). With a SQL store the judgement covers every configuration the store
/// has balances for, resumed ones included, exactly as the stored sweep's page computes it.
extension SweepJob {
    /// One session's end: its trade date (day number) and the account balance in dollars.
    public typealias SessionBalance = SweepOverfitting.SessionBalance

    /// Cell index → the balance at each session's end, filled by the workers as cells finish.
    public final class DailyBalances: Sendable {
        private let storage = Mutex<[Int: [SessionBalance]]>([:])

        public init() {}

        public func record(_ cell: Int, _ sessions: [SessionBalance]) {
            storage.withLock { $0[cell] = sessions }
        }

        /// One cell's sessions, if recorded.
        public func sessions(of cell: Int) -> [SessionBalance]? { storage.withLock { $0[cell] } }

        /// Everything recorded so far, by cell index.
        public var byCell: [Int: [SessionBalance]] { storage.withLock { $0 } }
    }

    /// The balance at each session's end of an equity curve.
    public static func sessions(_ equity: [EquityPoint]) -> [SessionBalance] {
        equity.map { (day: $0.tradeDate.dayNumber, balance: $0.balance.dollars) }
    }

    /// A configuration's sessions as its store row (balances back to cents: they came from cents).
    public func dailyBalancesRow(cell: Int, configHash: String, sessions: [SessionBalance]) -> SweepDailyBalancesRow {
        SweepDailyBalancesRow(configHash: configHash, cell: cell, startingBalance: base.account.startingBalance,
                              sessions: sessions.map { .init(tradeDate: TradeDate(dayNumber: $0.day), balance: Money(cents: Int64(($0.balance * 100).rounded()))) })
    }

    /// A cell's parameters as `name=value` pairs in axis order (how the statistics name it).
    public func label(_ cellIndex: Int) -> String { space.label(cellIndex) }

    /// PSR and DSR of `chosen` and the PBO (16 blocks) over the configurations in `daily`, their
    /// daily returns taken from the balances (the first day from the base configuration's
    /// starting balance). nil with fewer than 2 configurations or 2 sessions.
    public func overfitting(_ daily: [Int: [SessionBalance]], chosen: SweepOutcome?) -> OverfittingStatistics? {
        SweepOverfitting.compute(daily, configurations: daily.count, startingBalance: base.account.startingBalance.dollars,
                                 chosen: chosen?.cell.index, label: label).statistics
    }

    /// The sweep's choice judged: with a SQL store, records the choice (`chosen`, ranked by
    /// `ranking`, e.g. `net_pnl, at least 1 trade`) and judges it over every configuration of the
    /// sweep whose balances the store keeps, as `tsxlab report SWEEP_ID` does; without one, over
    /// `local` (the configurations this run computed).
    public func judge(_ local: [Int: [SessionBalance]], chosen: SweepOutcome?, ranking: String) throws -> SweepOverfitting {
        guard let db = database else {
            return SweepOverfitting.compute(local, configurations: local.count, startingBalance: base.account.startingBalance.dollars,
                                            chosen: chosen?.cell.index, label: label)
        }
        let tables = SweepTables(db: db)
        try tables.recordChoice(sweepID, configHash: chosen?.configHash, by: ranking)
        let configurations = try tables.finishedConfigHashes(sweepID).count
        // When this run computed every configuration the store has balances for (a sweep run
        // whole, not resumed or shared with queue workers), they are the ones in `local`, to the
        // cent: judged from there rather than read back and parsed, which took a 1,000-config
        // search about 2 s of one core after the run (perf, 6 years of the overnight range) and grows
        // with the sweep.
        if try tables.cellsWithDailyBalances(sweepID) == Set(local.keys) {
            return SweepOverfitting.compute(local, configurations: configurations, startingBalance: base.account.startingBalance.dollars,
                                            chosen: chosen?.cell.index, label: label)
        }
        let stored = try tables.sessionsByCell(sweepID)
        return SweepOverfitting.compute(stored.byCell, configurations: configurations,
                                        startingBalance: stored.startingBalance ?? base.account.startingBalance.dollars,
                                        chosen: chosen?.cell.index, label: label)
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
