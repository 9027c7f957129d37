import Data
import Foundation

/// A parameter sweep as registered in `sweeps`: its strategy, bars, axes and base configuration.
public struct SweepRow: Hashable, Sendable {
    public var sweepID, createdAt, strategy, symbol, timeframe: String
    public var dataFrom, dataTo: String?
    public var space, baseConfig: String
    public var cells: Int
    /// The configuration the sweep's summary ranked first, and how it ranked (`recordChoice`);
    /// nil until a summary has ranked the sweep.
    public var chosenConfigHash, chosenBy: String?
    public init(sweepID: String, createdAt: String, strategy: String, symbol: String, timeframe: String, dataFrom: String?,
                dataTo: String?, space: String, baseConfig: String, cells: Int, chosenConfigHash: String? = nil, chosenBy: String? = nil) {
        self.sweepID = sweepID; self.createdAt = createdAt; self.strategy = strategy; self.symbol = symbol
        self.timeframe = timeframe; self.dataFrom = dataFrom; self.dataTo = dataTo; self.space = space
        self.baseConfig = baseConfig; self.cells = cells; self.chosenConfigHash = chosenConfigHash; self.chosenBy = chosenBy
    }
}

/// One configuration's result in `sweep_results` (keyed by sweep and configuration hash).
/// `params` is `name=value` pairs in name order; money in dollars.
public struct SweepResultRow: Hashable, Sendable {
    public var configHash: String
    public var cell: Int
    public var params: String
    public var trades: Int
    public var netPnlUsd: String
    public var winRate: Double
    public var profitFactor, sharpe, maxDrawdownUsd: Double?
    public var ruleBreaches: Int
    public var seconds: Double
    public init(configHash: String, cell: Int, params: String, trades: Int, netPnlUsd: String, winRate: Double, profitFactor: Double?,
                sharpe: Double?, maxDrawdownUsd: Double?, ruleBreaches: Int, seconds: Double) {
        self.configHash = configHash; self.cell = cell; self.params = params; self.trades = trades; self.netPnlUsd = netPnlUsd
        self.winRate = winRate; self.profitFactor = profitFactor; self.sharpe = sharpe; self.maxDrawdownUsd = maxDrawdownUsd
        self.ruleBreaches = ruleBreaches; self.seconds = seconds
    }
}

/// One walk-forward window's choice and its out-of-sample outcome (`walk_forward_windows`).
public struct WalkForwardWindowRow: Hashable, Sendable {
    public var index: Int
    public var spec, metric, outOfSample, chosen: String
    public var inSampleMetric: Double
    public var outOfSampleTrades: Int
    public var outOfSampleNetPnlUsd: String
    public init(index: Int, spec: String, metric: String, outOfSample: String, chosen: String, inSampleMetric: Double,
                outOfSampleTrades: Int, outOfSampleNetPnlUsd: String) {
        self.index = index; self.spec = spec; self.metric = metric; self.outOfSample = outOfSample; self.chosen = chosen
        self.inSampleMetric = inSampleMetric; self.outOfSampleTrades = outOfSampleTrades; self.outOfSampleNetPnlUsd = outOfSampleNetPnlUsd
    }
}

/// Sweeps, their results and walk-forward windows.
public struct SweepTables: Sendable {
    public let db: any SQLDatabase
    public init(db: any SQLDatabase) { self.db = db }

    /// Now, as ISO-8601 UTC to the second (`Timestamp.iso8601`: no formatter built per row), as
    /// the sweep tables record times.
    public static func now() -> String { Timestamp(seconds: Int64(Date().timeIntervalSince1970)).iso8601 }

    /// Registers a sweep unless it is already registered (a rerun resumes the same sweep id).
    public func register(_ s: SweepRow) throws {
        guard try db.query("SELECT 1 FROM sweeps WHERE sweep_id = $1", [.text(s.sweepID)]).isEmpty else { return }
        try db.execute("INSERT INTO sweeps (sweep_id, created_at, strategy, symbol, timeframe, data_from, data_to, space, base_config, cells) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                       [.text(s.sweepID), .text(s.createdAt), .text(s.strategy), .text(s.symbol), .text(s.timeframe),
                        s.dataFrom.map(SQLValue.text) ?? .null, s.dataTo.map(SQLValue.text) ?? .null,
                        .text(s.space), .text(s.baseConfig), .int(Int64(s.cells))])
    }

    /// The sweeps whose id starts with `prefix` (a whole id matches itself), in id order.
    public func sweeps(withPrefix prefix: String) throws -> [SweepRow] {
        try db.query("""
            SELECT sweep_id, created_at, strategy, symbol, timeframe, data_from, data_to, space, base_config, cells, chosen_config_hash, chosen_by
            FROM sweeps WHERE sweep_id LIKE $1 ORDER BY sweep_id
            """, [.text(prefix + "%")]).map { r in
            SweepRow(sweepID: r[0].text ?? "", createdAt: r[1].text ?? "", strategy: r[2].text ?? "", symbol: r[3].text ?? "",
                     timeframe: r[4].text ?? "", dataFrom: r[5].text, dataTo: r[6].text, space: r[7].text ?? "",
                     baseConfig: r[8].text ?? "", cells: Int(r[9].int ?? 0), chosenConfigHash: r[10].text, chosenBy: r[11].text)
        }
    }

    /// The configuration hashes with a result recorded for the sweep.
    public func finishedConfigHashes(_ sweepID: String) throws -> Set<String> {
        Set(try db.query("SELECT config_hash FROM sweep_results WHERE sweep_id = $1", [.text(sweepID)]).compactMap { $0.first?.text })
    }

    /// Sets how many configurations the sweep has: an ask/tell sweep grows as configurations arrive.
    public func setCells(_ sweepID: String, cells: Int) throws {
        try db.execute("UPDATE sweeps SET cells = $1 WHERE sweep_id = $2", [.int(Int64(cells)), .text(sweepID)])
    }

    /// Records a result. `ignoringDuplicate` keeps the first of two results for one configuration
    /// (queue workers may both finish a configuration whose lease expired); without it a duplicate fails.
    public func insert(_ r: SweepResultRow, sweepID: String, ignoringDuplicate: Bool = false) throws {
        try db.execute("""
            INSERT INTO sweep_results (sweep_id, config_hash, cell, params, trades, net_pnl_usd, win_rate, profit_factor, sharpe, max_drawdown_usd, rule_breaches, seconds, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            """ + (ignoringDuplicate ? " ON CONFLICT DO NOTHING" : ""),
            [.text(sweepID), .text(r.configHash), .int(Int64(r.cell)), .text(r.params), .int(Int64(r.trades)),
             .text(r.netPnlUsd), .double(r.winRate), r.profitFactor.map(SQLValue.double) ?? .null,
             r.sharpe.map(SQLValue.double) ?? .null, r.maxDrawdownUsd.map(SQLValue.double) ?? .null,
             .int(Int64(r.ruleBreaches)), .double(r.seconds), .text(Self.now())])
    }

    /// Every result of the sweep, in cell order.
    public func results(_ sweepID: String) throws -> [SweepResultRow] {
        try db.query("SELECT config_hash, cell, trades, net_pnl_usd, win_rate, profit_factor, sharpe, max_drawdown_usd, rule_breaches, seconds, params FROM sweep_results WHERE sweep_id = $1 ORDER BY cell",
                     [.text(sweepID)]).map { row in
            SweepResultRow(configHash: row[0].text ?? "", cell: Int(row[1].int ?? 0), params: row[10].text ?? "", trades: Int(row[2].int ?? 0),
                           netPnlUsd: row[3].text ?? "0", winRate: row[4].double ?? 0, profitFactor: row[5].double, sharpe: row[6].double,
                           maxDrawdownUsd: row[7].double, ruleBreaches: Int(row[8].int ?? 0), seconds: row[9].double ?? 0)
        }
    }

    /// Every walk-forward window recorded for the sweep, ordered by spec, metric and window.
    public func walkForwardWindows(_ sweepID: String) throws -> [WalkForwardWindowRow] {
        try db.query("""
            SELECT window_index, spec, metric, out_of_sample, chosen, in_sample_metric, out_of_sample_trades, out_of_sample_net_pnl_usd
            FROM walk_forward_windows WHERE sweep_id = $1 ORDER BY spec, metric, window_index
            """, [.text(sweepID)]).map { r in
            WalkForwardWindowRow(index: Int(r[0].int ?? 0), spec: r[1].text ?? "", metric: r[2].text ?? "", outOfSample: r[3].text ?? "",
                                 chosen: r[4].text ?? "", inSampleMetric: r[5].double ?? 0, outOfSampleTrades: Int(r[6].int ?? 0),
                                 outOfSampleNetPnlUsd: r[7].text ?? "")
        }
    }

    /// Records a walk-forward window, replacing an earlier record of the same window.
    public func replace(_ w: WalkForwardWindowRow, sweepID: String) throws {
        try db.execute("DELETE FROM walk_forward_windows WHERE sweep_id = $1 AND spec = $2 AND metric = $3 AND window_index = $4",
                       [.text(sweepID), .text(w.spec), .text(w.metric), .int(Int64(w.index))])
        try db.execute("""
            INSERT INTO walk_forward_windows (sweep_id, window_index, spec, metric, out_of_sample, chosen, in_sample_metric, out_of_sample_trades, out_of_sample_net_pnl_usd)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, [.text(sweepID), .int(Int64(w.index)), .text(w.spec), .text(w.metric), .text(w.outOfSample), .text(w.chosen),
                  .double(w.inSampleMetric), .int(Int64(w.outOfSampleTrades)), .text(w.outOfSampleNetPnlUsd)])
    }
}

/// The PostgreSQL work queue of a sweep (`sweep_queue`): one row per configuration, pending →
/// leased (by a worker, until a time) → done. A lease that runs out is taken again, so a dead
/// worker's configurations are redone.
public struct SweepQueue: Sendable {
    public let db: any SQLDatabase
    public init(db: any SQLDatabase) { self.db = db }

    /// Puts configurations on the queue (ones already there are left as they are), in one transaction.
    public func enqueue(_ sweepID: String, cells: [Int]) throws {
        try db.transaction {
            for cell in cells {
                try db.execute("INSERT INTO sweep_queue (sweep_id, cell, status) VALUES ($1, $2, 'pending') ON CONFLICT DO NOTHING",
                               [.text(sweepID), .int(Int64(cell))])
            }
        }
    }

    /// Leases the next pending (or expired) configuration with `FOR UPDATE SKIP LOCKED`; nil
    /// when none is free now.
    public func lease(_ sweepID: String, worker: String, seconds: Int) throws -> Int? {
        let leased = try db.query("""
            UPDATE sweep_queue SET status = 'leased', worker = $1, lease_until = now() + make_interval(secs => $2), attempts = attempts + 1
            WHERE (sweep_id, cell) = (
              SELECT sweep_id, cell FROM sweep_queue
              WHERE sweep_id = $3 AND (status = 'pending' OR (status = 'leased' AND lease_until < now()))
              ORDER BY cell LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING cell
            """, [.text(worker), .int(Int64(seconds)), .text(sweepID)])
        return leased.first?.first?.int.map(Int.init)
    }

    /// Configurations not done yet (pending or leased).
    public func openCount(_ sweepID: String) throws -> Int {
        Int(try db.query("SELECT COUNT(*) FROM sweep_queue WHERE sweep_id = $1 AND status <> 'done'", [.text(sweepID)]).first?.first?.int ?? 0)
    }

    /// Records a leased configuration's result and its end-of-session balances (once: their keys
    /// are unique) and marks it done, in one transaction.
    public func complete(_ sweepID: String, result: SweepResultRow, dailyBalances: SweepDailyBalancesRow? = nil) throws {
        try db.transaction {
            try SweepTables(db: db).insert(result, sweepID: sweepID, ignoringDuplicate: true)
            if let dailyBalances { try SweepTables(db: db).insert(dailyBalances, sweepID: sweepID, ignoringDuplicate: true) }
            try db.execute("UPDATE sweep_queue SET status = 'done' WHERE sweep_id = $1 AND cell = $2", [.text(sweepID), .int(Int64(result.cell))])
        }
    }
}
