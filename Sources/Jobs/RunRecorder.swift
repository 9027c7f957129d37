import Backtest
import Data
import Foundation
import Store
import Trading

/// Writes runs to the store and to a run folder.
public enum RunRecorder {
    /// A new run id: UTC time to the second and 8 hex digits of the config hash and time.
    public static func newRunID(configHash: String, now: Date = Date()) -> String {
        let c = CivilTime(utcSeconds: Int64(now.timeIntervalSince1970))
        func p(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let stamp = "\(c.year)\(p(c.month))\(p(c.day))-\(p(c.hour))\(p(c.minute))\(p(c.second))"
        let salt = SHA256.hex(Array("\(configHash)\(now.timeIntervalSince1970)".utf8)).prefix(8)
        return "\(stamp)-\(salt)"
    }

    /// Saves the run, its trades, fills, daily equity and chart levels, each strategy's performance row, and
    /// (a run whose trades span several symbols: `summary.symbols`) each symbol's statistics, in one
    /// transaction (the store's `RunTables`, created first if the database lacks them).
    /// Trades and fills of a symbol `spec` does not know are left out.
    public static func save(_ summary: RunSummary, result: BacktestResult, configText: String, kind: String = "backtest",
                            spec: (String) -> ContractSpec?, into db: any SQLDatabase) throws {
        let run = RunRow(runID: summary.runId, createdAt: summary.createdAt, kind: kind, configHash: summary.configHash, configText: configText,
                         symbol: summary.symbol, timeframe: summary.timeframe, dataFrom: summary.dataFrom, dataTo: summary.dataTo,
                         codeVersion: summary.codeVersion, summaryJSON: summary.json)
        let trades: [RunTradeRow] = result.trades.compactMap { t in
            guard let s = spec(t.symbol) else { return nil }
            return RunTradeRow(strategy: t.strategy, symbol: t.symbol, side: t.side == .buy ? "long" : "short", quantity: t.quantity,
                               entryTime: t.entryTime.description, entryPrice: RunCSV.price(t.entryPriceTicks, s),
                               exitTime: t.exitTime.description, exitPrice: RunCSV.price(t.exitPriceTicks, s), exitReason: t.exitReason,
                               pnlUsd: t.pnl.description, feesUsd: t.fees.description, maeTicks: t.maeTicks, mfeTicks: t.mfeTicks)
        }
        let fills: [RunFillRow] = result.fills.compactMap { f in
            guard let s = spec(f.symbol) else { return nil }
            return RunFillRow(time: f.time.description, symbol: f.symbol, side: f.side == .buy ? "buy" : "sell", quantity: f.quantity,
                              price: s.format(f.price), feeUsd: f.fee.description, orderID: f.orderID.raw,
                              purpose: f.purpose.reason, resolution: f.resolution.description)
        }
        let equity = result.equity.map {
            RunEquityRow(time: $0.time.description, tradeDate: $0.tradeDate.description, balanceUsd: $0.balance.description, equityUsd: $0.equity.description)
        }
        let levels: [RunLevelRow] = result.chartLevels.compactMap { l in
            guard let s = spec(l.symbol) else { return nil }
            return RunLevelRow(symbol: l.symbol, name: l.name, orderID: l.orderID?.raw, side: l.side.map { $0 == .buy ? "buy" : "sell" },
                               timeFrom: l.from.description, timeTo: l.to.description, price: s.format(Price(ticks: l.priceTicks)))
        }
        let single = summary.strategies.count == 1
        let performance = summary.strategies.map { name in
            let mine = result.trades.filter { $0.strategy == name }
            let wins = mine.filter { $0.pnl.cents > 0 }.count
            return StrategyPerformanceRow(strategy: name, symbol: summary.symbol, trades: mine.count,
                                          winRate: mine.isEmpty ? nil : Double(wins) / Double(mine.count),
                                          totalPnl: mine.reduce(Money.zero) { $0 + $1.pnl }.dollars,
                                          sharpe: single ? summary.sharpe : nil, maxDrawdown: single ? summary.maxDrawdownUsd : nil)
        }
        try StoreSchema.migrate(db)
        try RunTables(db: db).insert(run, trades: trades, fills: fills, equity: equity, performance: performance, levels: levels,
                                     symbols: (summary.symbols ?? []).map(symbolRow))
    }

    /// A symbol's figures as the store keeps them.
    public static func symbolRow(_ f: RunSummary.SymbolFigures) -> RunSymbolRow {
        RunSymbolRow(symbol: f.symbol, trades: Int64(f.trades), longs: Int64(f.longs), shorts: Int64(f.shorts), wins: Int64(f.wins),
                     winRate: f.winRate, netPnlUsd: f.netPnlUsd, grossProfitUsd: f.grossProfitUsd, grossLossUsd: f.grossLossUsd,
                     feesUsd: f.feesUsd, profitFactor: f.profitFactor, expectancyUsd: f.expectancyUsd, sharpe: f.sharpe,
                     sortino: f.sortino, maxDrawdownUsd: f.maxDrawdownUsd, maxDrawdownPercent: f.maxDrawdownPercent, fills: Int64(f.fills))
    }

    /// Writes `trades.csv`, `fills.csv`, `equity.csv`, `run.json` and `config.txt` into `folder`
    /// (created). A run whose trades span several symbols (`summary.symbols`) also gets
    /// `symbols.csv` (each symbol's statistics and the whole run's, `RunCSV.symbols`) and
    /// `equity_by_symbol.csv` (each symbol's closed-trade P&L at each equity point,
    /// `RunCSV.equityBySymbol`); a single-symbol run's folder is as it always was.
    public static func writeFolder(_ folder: String, summary: RunSummary, result: BacktestResult, configText: String,
                                   spec: (String) -> ContractSpec?) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try RunCSV.trades(result.trades, spec: spec).write(toFile: folder + "/trades.csv", atomically: true, encoding: .utf8)
            try RunCSV.fills(result.fills, spec: spec).write(toFile: folder + "/fills.csv", atomically: true, encoding: .utf8)
            try RunCSV.equity(result.equity).write(toFile: folder + "/equity.csv", atomically: true, encoding: .utf8)
            try (summary.json + "\n").write(toFile: folder + "/run.json", atomically: true, encoding: .utf8)
            try configText.write(toFile: folder + "/config.txt", atomically: true, encoding: .utf8)
            if let symbols = summary.symbols {
                try RunCSV.symbols(symbols, combined: .init(combined: summary, fills: result.fills.count))
                    .write(toFile: folder + "/symbols.csv", atomically: true, encoding: .utf8)
                let curves = RunSummary.equityBySymbol(result.trades.map { ($0.symbol, $0.exitTime, $0.pnl) }, points: result.equity)
                try RunCSV.equityBySymbol(result.equity, curves).write(toFile: folder + "/equity_by_symbol.csv", atomically: true, encoding: .utf8)
            }
        } catch {
            throw DataError.noInput(path: folder, reason: "cannot write the run folder: \(error.localizedDescription)")
        }
    }
}
