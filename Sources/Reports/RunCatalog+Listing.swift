import Data
import Foundation

extension RunCatalog {
    /// One backtest run as the research page lists it: what ran, on which bars, and its headline
    /// figures from the stored summary (money in dollars, times ISO-8601 UTC as stored).
    public struct ListedRun: Sendable, Hashable {
        public var runID: String
        public var createdAt: String
        /// The run's strategies joined with ` + ` (the run's kind when the summary does not parse).
        public var strategy: String
        public var symbol: String
        public var timeframe: String
        public var dataFrom: String?
        public var dataTo: String?
        public var netPnl: Money?
        public var trades: Int?
        /// 0…1.
        public var winRate: Double?
        /// Dollars, positive (the largest fall from a peak).
        public var maxDrawdownUsd: Double?
        public var configHash: String

        public init(runID: String, createdAt: String, strategy: String, symbol: String, timeframe: String, dataFrom: String?, dataTo: String?,
                    netPnl: Money?, trades: Int?, winRate: Double?, maxDrawdownUsd: Double?, configHash: String) {
            self.runID = runID; self.createdAt = createdAt; self.strategy = strategy; self.symbol = symbol; self.timeframe = timeframe
            self.dataFrom = dataFrom; self.dataTo = dataTo; self.netPnl = netPnl; self.trades = trades; self.winRate = winRate
            self.maxDrawdownUsd = maxDrawdownUsd; self.configHash = configHash
        }
    }

    /// One sweep as the research page lists it.
    public struct ListedSweep: Sendable, Hashable {
        public var sweepID: String
        public var createdAt: String
        public var strategy: String
        public var symbol: String
        public var timeframe: String
        public var dataFrom: String?
        public var dataTo: String?
        /// Configurations with a stored result.
        public var configurations: Int
        /// Configurations the sweep's space holds (more than `configurations` while it runs).
        public var cells: Int
        /// The highest net P&L (dollars) over the configurations, nil before any result.
        public var bestNetPnlUsd: Double?

        public init(sweepID: String, createdAt: String, strategy: String, symbol: String, timeframe: String, dataFrom: String?, dataTo: String?,
                    configurations: Int, cells: Int, bestNetPnlUsd: Double?) {
            self.sweepID = sweepID; self.createdAt = createdAt; self.strategy = strategy; self.symbol = symbol; self.timeframe = timeframe
            self.dataFrom = dataFrom; self.dataTo = dataTo; self.configurations = configurations; self.cells = cells
            self.bestNetPnlUsd = bestNetPnlUsd
        }
    }

    /// Every backtest run, newest first (by creation time, then run id). A summary that does not
    /// parse leaves the run's figures empty rather than hiding the run.
    public func listRuns() throws -> [ListedRun] {
        try db.query("""
            SELECT run_id, created_at, kind, symbol, timeframe, data_from, data_to, config_hash, summary_json
            FROM backtest_runs ORDER BY created_at DESC, run_id DESC
            """, []).map { r in
            let figures = (r[8].text).flatMap { try? JSONDecoder().decode(ListedFigures.self, from: Data($0.utf8)) }
            return ListedRun(runID: r[0].text ?? "", createdAt: r[1].text ?? "",
                             strategy: figures?.strategies.map { $0.joined(separator: " + ") } ?? r[2].text ?? "",
                             symbol: r[3].text ?? "", timeframe: r[4].text ?? "", dataFrom: r[5].text, dataTo: r[6].text,
                             netPnl: figures?.netPnlUsd.flatMap { Money($0) }, trades: figures?.trades, winRate: figures?.winRate,
                             maxDrawdownUsd: figures?.maxDrawdownUsd, configHash: r[7].text ?? "")
        }
    }

    /// Every sweep with its count of results and best net P&L, newest first. One statement for
    /// SQLite and PostgreSQL alike: net P&L is stored as decimal text, and `DOUBLE PRECISION` is a
    /// type both read (SQLite gives it REAL affinity).
    public func listSweeps() throws -> [ListedSweep] {
        try db.query("""
            SELECT s.sweep_id, s.created_at, s.strategy, s.symbol, s.timeframe, s.data_from, s.data_to, s.cells,
                   COUNT(r.config_hash), MAX(CAST(r.net_pnl_usd AS DOUBLE PRECISION))
            FROM sweeps s LEFT JOIN sweep_results r ON r.sweep_id = s.sweep_id
            GROUP BY s.sweep_id, s.created_at, s.strategy, s.symbol, s.timeframe, s.data_from, s.data_to, s.cells
            ORDER BY s.created_at DESC, s.sweep_id DESC
            """, []).map { r in
            ListedSweep(sweepID: r[0].text ?? "", createdAt: r[1].text ?? "", strategy: r[2].text ?? "", symbol: r[3].text ?? "",
                        timeframe: r[4].text ?? "", dataFrom: r[5].text, dataTo: r[6].text, configurations: Int(r[8].int ?? 0),
                        cells: Int(r[7].int ?? 0), bestNetPnlUsd: r[9].double)
        }
    }
}

/// The few summary fields the listing shows; each optional, so an older summary still lists.
private struct ListedFigures: Decodable {
    var strategies: [String]?
    var netPnlUsd: String?
    var trades: Int?
    var winRate: Double?
    var maxDrawdownUsd: Double?
}
