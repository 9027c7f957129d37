import Data

/// A recorded run (`backtest_runs`): what was run, on which bars, by which build, and its summary.
/// Times are ISO-8601 UTC text; `summaryJSON` is the run's summary as written to `run.json`.
public struct RunRow: Hashable, Sendable {
    public var runID, createdAt, kind, configHash, configText, symbol, timeframe: String
    public var dataFrom, dataTo: String?
    public var codeVersion, summaryJSON: String
    public init(runID: String, createdAt: String, kind: String, configHash: String, configText: String, symbol: String,
                timeframe: String, dataFrom: String?, dataTo: String?, codeVersion: String, summaryJSON: String) {
        self.runID = runID; self.createdAt = createdAt; self.kind = kind; self.configHash = configHash; self.configText = configText
        self.symbol = symbol; self.timeframe = timeframe; self.dataFrom = dataFrom; self.dataTo = dataTo
        self.codeVersion = codeVersion; self.summaryJSON = summaryJSON
    }
}

/// One closed trade of a run (`backtest_trades`); prices as the contract prints them, money in dollars.
public struct RunTradeRow: Hashable, Sendable {
    public var strategy: String?
    public var symbol, side: String
    public var quantity: Int64
    public var entryTime, entryPrice, exitTime, exitPrice, exitReason, pnlUsd, feesUsd: String
    public var maeTicks, mfeTicks: Int64
    public init(strategy: String?, symbol: String, side: String, quantity: Int64, entryTime: String, entryPrice: String,
                exitTime: String, exitPrice: String, exitReason: String, pnlUsd: String, feesUsd: String, maeTicks: Int64, mfeTicks: Int64) {
        self.strategy = strategy; self.symbol = symbol; self.side = side; self.quantity = quantity; self.entryTime = entryTime
        self.entryPrice = entryPrice; self.exitTime = exitTime; self.exitPrice = exitPrice; self.exitReason = exitReason
        self.pnlUsd = pnlUsd; self.feesUsd = feesUsd; self.maeTicks = maeTicks; self.mfeTicks = mfeTicks
    }
}

/// One fill of a run (`backtest_fills`).
public struct RunFillRow: Hashable, Sendable {
    public var time, symbol, side: String
    public var quantity: Int64
    public var price, feeUsd: String
    public var orderID: Int64
    public var purpose, resolution: String
    public init(time: String, symbol: String, side: String, quantity: Int64, price: String, feeUsd: String, orderID: Int64,
                purpose: String, resolution: String) {
        self.time = time; self.symbol = symbol; self.side = side; self.quantity = quantity; self.price = price
        self.feeUsd = feeUsd; self.orderID = orderID; self.purpose = purpose; self.resolution = resolution
    }
}

/// The account at one session's end (`backtest_equity`).
public struct RunEquityRow: Hashable, Sendable {
    public var time, tradeDate, balanceUsd, equityUsd: String
    public init(time: String, tradeDate: String, balanceUsd: String, equityUsd: String) {
        self.time = time; self.tradeDate = tradeDate; self.balanceUsd = balanceUsd; self.equityUsd = equityUsd
    }
}

/// A price held from one time to another on a run's chart (`backtest_levels`): a working order's
/// stop or limit (`orderID` and `side` set), or a strategy's own level.
public struct RunLevelRow: Hashable, Sendable {
    public var symbol, name: String
    public var orderID: Int64?
    public var side: String?
    public var timeFrom, timeTo, price: String
    public init(symbol: String, name: String, orderID: Int64?, side: String?, timeFrom: String, timeTo: String, price: String) {
        self.symbol = symbol; self.name = name; self.orderID = orderID; self.side = side
        self.timeFrom = timeFrom; self.timeTo = timeTo; self.price = price
    }
}

/// One strategy's line for a run (`strategy_performance`, the seed's table); P&L in dollars.
public struct StrategyPerformanceRow: Hashable, Sendable {
    public var strategy, symbol: String
    public var trades: Int
    public var winRate: Double?
    public var totalPnl: Double
    public var sharpe, maxDrawdown: Double?
    public init(strategy: String, symbol: String, trades: Int, winRate: Double?, totalPnl: Double, sharpe: Double?, maxDrawdown: Double?) {
        self.strategy = strategy; self.symbol = symbol; self.trades = trades; self.winRate = winRate
        self.totalPnl = totalPnl; self.sharpe = sharpe; self.maxDrawdown = maxDrawdown
    }
}

/// Writes runs to `backtest_runs` and the tables keyed by its run id.
public struct RunTables: Sendable {
    public let db: any SQLDatabase
    public init(db: any SQLDatabase) { self.db = db }

    /// Inserts a run with its trades, fills, equity, per-strategy rows and (a run on several
    /// symbols) per-symbol rows in one transaction (rows numbered from 1 in the order given).
    /// Fails, writing nothing, when the run id exists.
    public func insert(_ run: RunRow, trades: [RunTradeRow], fills: [RunFillRow], equity: [RunEquityRow],
                       performance: [StrategyPerformanceRow], levels: [RunLevelRow] = [], symbols: [RunSymbolRow] = []) throws {
        try db.transaction {
            try db.execute("""
                INSERT INTO backtest_runs (run_id, created_at, kind, config_hash, config_text, symbol, timeframe, data_from, data_to, code_version, summary_json)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                """, [.text(run.runID), .text(run.createdAt), .text(run.kind), .text(run.configHash), .text(run.configText),
                      .text(run.symbol), .text(run.timeframe), run.dataFrom.map(SQLValue.text) ?? .null,
                      run.dataTo.map(SQLValue.text) ?? .null, .text(run.codeVersion), .text(run.summaryJSON)])
            for (k, t) in trades.enumerated() {
                try db.execute("""
                    INSERT INTO backtest_trades (run_id, seq, strategy, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, exit_reason, pnl_usd, fees_usd, mae_ticks, mfe_ticks)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                    """, [.text(run.runID), .int(Int64(k + 1)), t.strategy.map(SQLValue.text) ?? .null, .text(t.symbol),
                          .text(t.side), .int(t.quantity), .text(t.entryTime), .text(t.entryPrice), .text(t.exitTime), .text(t.exitPrice),
                          .text(t.exitReason), .text(t.pnlUsd), .text(t.feesUsd), .int(t.maeTicks), .int(t.mfeTicks)])
            }
            for (k, f) in fills.enumerated() {
                try db.execute("""
                    INSERT INTO backtest_fills (run_id, seq, time, symbol, side, quantity, price, fee_usd, order_id, purpose, resolution)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                    """, [.text(run.runID), .int(Int64(k + 1)), .text(f.time), .text(f.symbol), .text(f.side), .int(f.quantity),
                          .text(f.price), .text(f.feeUsd), .int(f.orderID), .text(f.purpose), .text(f.resolution)])
            }
            for (k, e) in equity.enumerated() {
                try db.execute("INSERT INTO backtest_equity (run_id, seq, time, trade_date, balance_usd, equity_usd) VALUES ($1, $2, $3, $4, $5, $6)",
                               [.text(run.runID), .int(Int64(k + 1)), .text(e.time), .text(e.tradeDate), .text(e.balanceUsd), .text(e.equityUsd)])
            }
            for (k, l) in levels.enumerated() {
                try db.execute("""
                    INSERT INTO backtest_levels (run_id, seq, symbol, name, order_id, side, time_from, time_to, price)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """, [.text(run.runID), .int(Int64(k + 1)), .text(l.symbol), .text(l.name), l.orderID.map(SQLValue.int) ?? .null,
                          l.side.map(SQLValue.text) ?? .null, .text(l.timeFrom), .text(l.timeTo), .text(l.price)])
            }
            for (k, row) in symbols.enumerated() { try insertSymbol(row, seq: k + 1, runID: run.runID) }
            for p in performance {
                try db.execute("""
                    INSERT INTO strategy_performance (strategy_name, symbol, trades_count, win_rate, total_pnl, sharpe_ratio, max_drawdown, run_id, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """, [.text(p.strategy), .text(p.symbol), .int(Int64(p.trades)), p.winRate.map(SQLValue.double) ?? .null,
                          .double(p.totalPnl), p.sharpe.map(SQLValue.double) ?? .null, p.maxDrawdown.map(SQLValue.double) ?? .null,
                          .text(run.runID), .text(run.createdAt)])
            }
        }
    }
}
