import Data

/// One symbol's statistics in a run whose trades span several symbols (`backtest_symbols`, the
/// store's migration 8): the fields of `RunSummary.SymbolFigures`, money as the summary writes it.
public struct RunSymbolRow: Hashable, Sendable {
    public var symbol: String
    public var trades, longs, shorts, wins: Int64
    public var winRate: Double
    public var netPnlUsd: String
    public var grossProfitUsd, grossLossUsd: Double
    public var feesUsd: String
    public var profitFactor: Double?
    public var expectancyUsd: Double
    public var sharpe, sortino, maxDrawdownUsd, maxDrawdownPercent: Double?
    public var fills: Int64

    public init(symbol: String, trades: Int64, longs: Int64, shorts: Int64, wins: Int64, winRate: Double, netPnlUsd: String,
                grossProfitUsd: Double, grossLossUsd: Double, feesUsd: String, profitFactor: Double?, expectancyUsd: Double,
                sharpe: Double?, sortino: Double?, maxDrawdownUsd: Double?, maxDrawdownPercent: Double?, fills: Int64) {
        self.symbol = symbol; self.trades = trades; self.longs = longs; self.shorts = shorts; self.wins = wins
        self.winRate = winRate; self.netPnlUsd = netPnlUsd; self.grossProfitUsd = grossProfitUsd; self.grossLossUsd = grossLossUsd
        self.feesUsd = feesUsd; self.profitFactor = profitFactor; self.expectancyUsd = expectancyUsd; self.sharpe = sharpe
        self.sortino = sortino; self.maxDrawdownUsd = maxDrawdownUsd; self.maxDrawdownPercent = maxDrawdownPercent; self.fills = fills
    }
}

extension RunTables {
    /// The columns of `backtest_symbols` after `run_id, seq`, in the order `symbolRows` reads them.
    static let symbolColumns = "symbol, trades, longs, shorts, wins, win_rate, net_pnl_usd, gross_profit_usd, gross_loss_usd, fees_usd, "
        + "profit_factor, expectancy_usd, sharpe, sortino, max_drawdown_usd, max_drawdown_pct, fills"

    func insertSymbol(_ r: RunSymbolRow, seq: Int, runID: String) throws {
        func opt(_ v: Double?) -> SQLValue { v.map(SQLValue.double) ?? .null }
        try db.execute("""
            INSERT INTO backtest_symbols (run_id, seq, \(Self.symbolColumns))
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
            """, [.text(runID), .int(Int64(seq)), .text(r.symbol), .int(r.trades), .int(r.longs), .int(r.shorts), .int(r.wins),
                  .double(r.winRate), .text(r.netPnlUsd), .double(r.grossProfitUsd), .double(r.grossLossUsd), .text(r.feesUsd),
                  opt(r.profitFactor), .double(r.expectancyUsd), opt(r.sharpe), opt(r.sortino), opt(r.maxDrawdownUsd),
                  opt(r.maxDrawdownPercent), .int(r.fills)])
    }

    /// The per-symbol rows of a run, in the order they were written; none for a run on one symbol,
    /// or in a store older than migration 8.
    ///
    /// - Throws: `StoreRowError` naming the row and column of a value that is not what was written.
    public func symbolRows(of runID: String) throws -> [RunSymbolRow] {
        guard try StoreSchema.version(db) >= 8 else { return [] }
        let names = ["seq"] + Self.symbolColumns.components(separatedBy: ", ")
        return try db.query("SELECT seq, \(Self.symbolColumns) FROM backtest_symbols WHERE run_id = $1 ORDER BY seq", [.text(runID)]).map { r in
            func bad(_ i: Int) -> StoreRowError {
                StoreRowError(table: "backtest_symbols", runID: runID, seq: r[0].int, column: names[i], value: "\(r[i])")
            }
            func int(_ i: Int) throws -> Int64 {
                guard let v = r[i].int else { throw bad(i) }
                return v
            }
            func double(_ i: Int) throws -> Double {
                guard let v = r[i].double else { throw bad(i) }
                return v
            }
            func text(_ i: Int) throws -> String {
                guard let v = r[i].text else { throw bad(i) }
                return v
            }
            return RunSymbolRow(symbol: try text(1), trades: try int(2), longs: try int(3), shorts: try int(4), wins: try int(5),
                                winRate: try double(6), netPnlUsd: try text(7), grossProfitUsd: try double(8),
                                grossLossUsd: try double(9), feesUsd: try text(10), profitFactor: r[11].double,
                                expectancyUsd: try double(12), sharpe: r[13].double, sortino: r[14].double,
                                maxDrawdownUsd: r[15].double, maxDrawdownPercent: r[16].double, fills: try int(17))
        }
    }
}

/// A stored row whose column does not hold what was written there.
public struct StoreRowError: Error, Hashable, Sendable, CustomStringConvertible {
    public var table: String
    public var runID: String
    public var seq: Int64?
    public var column: String
    /// The value found, as text.
    public var value: String
    public var description: String {
        "\(table) of run \(runID), row \(seq.map(String.init) ?? "?"): \(column) holds '\(value)', not a value of its kind"
    }
}
