import Backtest
import Data
import Trading
import Foundation
import Store

/// Finds and loads the runs a store holds (the tables of migration 2), on SQLite and PostgreSQL
/// alike through `SQLDatabase`.
public struct RunCatalog: Sendable {
    public let db: any SQLDatabase
    /// The store as it may be printed (no password).
    public let storeName: String
    /// Where a run's bars are read for its price chart (nil: reports without the chart's candles).
    public let barStore: (any BarStore)?

    public init(db: any SQLDatabase, storeName: String, barStore: (any BarStore)? = nil) {
        self.db = db; self.storeName = storeName; self.barStore = barStore
    }

    /// Opens the catalog of a bar store, which must also be a SQL database.
    public init(store: any BarStore) throws {
        guard let db = store as? any SQLDatabase else { throw ReportError.notSQL(store: store.displayURL) }
        self.init(db: db, storeName: store.displayURL, barStore: store)
    }

    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        public var runID: String
        public var createdAt: String
        public var kind: String
        public var symbol: String
        public var timeframe: String
        public var description: String { "\(runID) (\(kind) \(symbol) \(timeframe), \(createdAt))" }
    }

    /// The newest runs, newest first (by creation time, then run id, whose prefix is the time).
    public func newest(_ count: Int) throws -> [Entry] {
        try db.query("""
            SELECT run_id, created_at, kind, symbol, timeframe FROM backtest_runs
            ORDER BY created_at DESC, run_id DESC LIMIT \(max(0, count))
            """, []).map { r in
            Entry(runID: r[0].text ?? "", createdAt: r[1].text ?? "", kind: r[2].text ?? "", symbol: r[3].text ?? "", timeframe: r[4].text ?? "")
        }
    }

    /// The run id `RUN_ID` or `latest` stands for.
    ///
    /// - Throws: `ReportError.noRuns` for `latest` on an empty store; `ReportError.unknownRun`,
    ///   listing the newest five, for an id the store does not hold.
    public func resolve(_ idOrLatest: String) throws -> String {
        if idOrLatest == "latest" {
            guard let first = try newest(1).first else { throw ReportError.noRuns(store: storeName) }
            return first.runID
        }
        let hit = try db.query("SELECT run_id FROM backtest_runs WHERE run_id = $1", [.text(idOrLatest)])
        guard hit.isEmpty else { return idOrLatest }
        throw ReportError.unknownRun(id: idOrLatest, store: storeName, newest: try newest(5).map(\.description))
    }

    /// Loads a run: its summary, configuration, trades, fills, daily equity, chart levels, and its
    /// bars when the store holds them. `spec` gives each symbol's tick value (for MAE/MFE in
    /// dollars); a symbol without one still loads.
    public func load(_ runID: String, spec: (String) -> ContractSpec? = { try? ContractRegistry.builtIn.spec(for: $0) }) throws -> RunReport {
        guard let run = try db.query("SELECT summary_json, config_text FROM backtest_runs WHERE run_id = $1", [.text(runID)]).first else {
            throw ReportError.unknownRun(id: runID, store: storeName, newest: try newest(5).map(\.description))
        }
        let summary: RunSummary
        do {
            summary = try JSONDecoder().decode(RunSummary.self, from: Data((run[0].text ?? "").utf8))
        } catch {
            throw ReportError.badStoredRow(runID: runID, table: "backtest_runs", seq: nil, field: "summary_json", reason: "\(error)")
        }
        var p = RowParser(runID: runID, table: "backtest_trades")
        var tickValues: [String: Money?] = [:]
        let trades = try db.query("""
            SELECT seq, strategy, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, exit_reason,
                   pnl_usd, fees_usd, mae_ticks, mfe_ticks
            FROM backtest_trades WHERE run_id = $1 ORDER BY seq
            """, [.text(runID)]).map { r -> ReportTrade in
            p.seq = r[0].int
            let symbol = r[2].text ?? ""
            if tickValues[symbol] == nil { tickValues[symbol] = .some(spec(symbol)?.tickValue) }
            return ReportTrade(
                seq: Int(try p.int(r[0], "seq")), strategy: r[1].text ?? "", symbol: symbol, side: r[3].text ?? "",
                quantity: try p.int(r[4], "quantity"), entryTime: try p.time(r[5], "entry_time"), entryPrice: r[6].text ?? "",
                exitTime: try p.time(r[7], "exit_time"), exitPrice: r[8].text ?? "", exitReason: r[9].text ?? "",
                pnl: try p.money(r[10], "pnl_usd"), fees: try p.money(r[11], "fees_usd"),
                maeTicks: try p.int(r[12], "mae_ticks"), mfeTicks: try p.int(r[13], "mfe_ticks"), tickValue: tickValues[symbol] ?? nil)
        }
        p = RowParser(runID: runID, table: "backtest_fills")
        let fills = try db.query("""
            SELECT seq, time, symbol, side, quantity, price, fee_usd, order_id, purpose, resolution
            FROM backtest_fills WHERE run_id = $1 ORDER BY seq
            """, [.text(runID)]).map { r -> ReportFill in
            p.seq = r[0].int
            return ReportFill(seq: Int(try p.int(r[0], "seq")), time: try p.time(r[1], "time"), symbol: r[2].text ?? "",
                              side: r[3].text ?? "", quantity: try p.int(r[4], "quantity"), price: r[5].text ?? "",
                              fee: try p.money(r[6], "fee_usd"), orderID: try p.int(r[7], "order_id"),
                              purpose: r[8].text ?? "", resolution: r[9].text ?? "")
        }
        p = RowParser(runID: runID, table: "backtest_equity")
        let equity = try db.query("""
            SELECT seq, time, trade_date, balance_usd, equity_usd FROM backtest_equity WHERE run_id = $1 ORDER BY seq
            """, [.text(runID)]).map { r -> EquityPoint in
            p.seq = r[0].int
            guard let d = r[2].text.flatMap({ TradeDate($0) }) else { throw p.error("trade_date", r[2]) }
            return EquityPoint(time: try p.time(r[1], "time"), tradeDate: d, balance: try p.money(r[3], "balance_usd"),
                                     equity: try p.money(r[4], "equity_usd"))
        }
        var report = RunReport(summary: summary, configText: run[1].text ?? "", trades: trades, fills: fills, equity: equity)
        report.levels = try levels(runID)
        let symbols: [RunSymbolRow]
        do {
            symbols = try RunTables(db: db).symbolRows(of: runID)
        } catch let e as StoreRowError {
            throw ReportError.badStoredRow(runID: runID, table: e.table, seq: e.seq, field: e.column, reason: "unexpected value '\(e.value)'")
        }
        if !symbols.isEmpty { report.symbols = symbols.map(Self.figures) }
        report.bars = try bars(of: summary)
        return report
    }

    /// A stored symbol row as the report shows it.
    static func figures(_ r: RunSymbolRow) -> RunSummary.SymbolFigures {
        .init(symbol: r.symbol, trades: Int(r.trades), longs: Int(r.longs), shorts: Int(r.shorts), wins: Int(r.wins), winRate: r.winRate,
              netPnlUsd: r.netPnlUsd, grossProfitUsd: r.grossProfitUsd, grossLossUsd: r.grossLossUsd, feesUsd: r.feesUsd,
              profitFactor: r.profitFactor, expectancyUsd: r.expectancyUsd, sharpe: r.sharpe, sortino: r.sortino,
              maxDrawdownUsd: r.maxDrawdownUsd, maxDrawdownPercent: r.maxDrawdownPercent, fills: Int(r.fills))
    }

    /// The run's chart levels (`backtest_levels`; none for a run stored before the table existed).
    func levels(_ runID: String) throws -> [ReportLevel] {
        guard try StoreSchema.version(db) >= 7 else { return [] }
        var p = RowParser(runID: runID, table: "backtest_levels")
        return try db.query("""
            SELECT seq, symbol, name, order_id, side, time_from, time_to, price FROM backtest_levels WHERE run_id = $1 ORDER BY seq
            """, [.text(runID)]).map { r -> ReportLevel in
            p.seq = r[0].int
            return ReportLevel(symbol: r[1].text ?? "", name: r[2].text ?? "", orderID: r[3].int, side: r[4].text,
                               from: try p.time(r[5], "time_from"), to: try p.time(r[6], "time_to"), price: r[7].text ?? "")
        }
    }

    /// The stored bars the run traded (its symbol and timeframe from its first to its last bar),
    /// nil when the store holds none of them.
    func bars(of s: RunSummary) throws -> BarSeries? {
        // A run on several symbols ("MES,NQ" at "1m" or "1m,5m") charts its first.
        let symbol = String(s.symbol.split(separator: ",").first ?? ""), timeframe = String(s.timeframe.split(separator: ",").first ?? "")
        guard let barStore, let tf = Timeframe(timeframe), let from = s.dataFrom.flatMap({ Timestamp(iso8601: $0) }),
              let to = s.dataTo.flatMap({ Timestamp(iso8601: $0) }) else { return nil }
        let series = try barStore.read(SeriesKey(symbol: symbol, timeframe: tf), TimeWindow(from: from, to: Timestamp(seconds: to.seconds + 1)))
        return series.isEmpty ? nil : series
    }
}

/// Parses stored text columns, naming the table, row and field of the first bad value.
private struct RowParser {
    var runID: String
    var table: String
    var seq: Int64?

    func error(_ field: String, _ v: SQLValue) -> ReportError {
        .badStoredRow(runID: runID, table: table, seq: seq, field: field, reason: "unexpected value '\(v)'")
    }
    func int(_ v: SQLValue, _ field: String) throws -> Int64 {
        guard let i = v.int else { throw error(field, v) }
        return i
    }
    func money(_ v: SQLValue, _ field: String) throws -> Money {
        guard let m = v.text.flatMap({ Money($0) }) else { throw error(field, v) }
        return m
    }
    func time(_ v: SQLValue, _ field: String) throws -> Timestamp {
        guard let t = v.text.flatMap({ Timestamp(iso8601: $0) }) else { throw error(field, v) }
        return t
    }
}
