import Data
import Foundation
import Indicators
import Trading

/// The headline of a backtest: what a trader reads first, what `--json` prints, what the store
/// keeps with the run.
public struct RunSummary: Codable, Hashable, Sendable {
    public struct Breach: Codable, Hashable, Sendable {
        public var rule: String
        public var time: String
        public var detail: String
    }
    public struct Resolution: Codable, Hashable, Sendable {
        public var exact: Int
        public var drillDown: Int
        public var pathModel: Int
    }

    public var runId: String
    public var createdAt: String
    public var strategies: [String]
    public var symbol: String
    public var timeframe: String
    public var dataFrom: String?
    public var dataTo: String?
    public var bars: Int
    public var trades: Int
    public var longs: Int
    public var shorts: Int
    public var wins: Int
    public var winRate: Double
    public var netPnlUsd: String
    public var grossProfitUsd: Double
    public var grossLossUsd: Double
    public var feesUsd: String
    public var profitFactor: Double?
    public var expectancyUsd: Double
    public var sharpe: Double?
    public var sortino: Double?
    public var maxDrawdownUsd: Double?
    public var maxDrawdownPercent: Double?
    public var startingBalanceUsd: String
    public var endingBalanceUsd: String
    public var ruleBreaches: [Breach]
    public var fillResolution: Resolution
    public var rules: String
    public var configHash: String
    public var codeVersion: String
    public var seconds: Double
    /// Combine attempts on history (`backtest --attempts`); absent otherwise.
    public var attempts: Attempts?

    /// Builds the summary of a finished run.
    public static func make(runId: String, result r: BacktestResult, strategies: [String], series: BarSeries,
                            rules: RiskRules, configHash: String, now: Date = Date()) -> RunSummary {
        var s = make(runId: runId, trades: r.trades, equity: r.equity, breaches: r.breaches, resolution: r.resolution, account: r.account,
                     startingBalance: r.startingBalance, bars: r.bars, seconds: r.seconds, strategies: strategies, series: series,
                     rules: rules, configHash: configHash, now: now)
        s.attempts = r.attempts.map(Attempts.init)
        return s
    }

    /// Builds the summary of a sweep configuration the `SMABracketKernel` ran (same figures as
    /// the engine's run of it would give).
    public static func make(runId: String, kernelRun r: SMABracketRun, strategies: [String], series: BarSeries,
                            rules: RiskRules, configHash: String, now: Date = Date()) -> RunSummary {
        make(runId: runId, trades: r.trades, equity: r.equity, breaches: [], resolution: r.resolution, account: r.account,
             startingBalance: r.startingBalance, bars: r.bars, seconds: r.seconds, strategies: strategies, series: series,
             rules: rules, configHash: configHash, now: now)
    }

    static func make(runId: String, trades: [Trade], equity: [EquityPoint], breaches: [RuleBreach],
                     resolution: (exact: Int, drillDown: Int, pathModel: Int), account: AccountSnapshot, startingBalance: Money,
                     bars: Int, seconds: Double, strategies: [String], series: BarSeries,
                     rules: RiskRules, configHash: String, now: Date) -> RunSummary {
        let r = (trades: trades, equity: equity, breaches: breaches, resolution: resolution, account: account,
                 startingBalance: startingBalance, bars: bars, seconds: seconds, netPnL: account.balance - startingBalance)
        let records = r.trades.map { TradeRecord(pnl: $0.pnl.dollars, entryTime: $0.entryTime.seconds, exitTime: $0.exitTime.seconds) }
        let ts = Performance.statistics(of: records)
        var sharpe: Double?, sortino: Double?, ddUsd: Double?, ddPct: Double?
        if r.equity.count >= 2 {
            let curve = EquityCurve(time: r.equity.map(\.time.seconds), equity: r.equity.map(\.equity.dollars))
            if let st = try? Performance.statistics(of: curve) {
                sharpe = st.sharpe; sortino = st.sortino
                ddUsd = st.maxDrawdown?.amount; ddPct = st.maxDrawdownPercent.map { $0.fraction * 100 }
            }
        }
        let fmt = ISO8601DateFormatter()
        return RunSummary(
            runId: runId, createdAt: fmt.string(from: now), strategies: strategies, symbol: series.symbol,
            timeframe: series.timeframe.description, dataFrom: series.first?.time.description, dataTo: series.last?.time.description,
            bars: r.bars, trades: r.trades.count, longs: r.trades.filter { $0.side == .buy }.count,
            shorts: r.trades.filter { $0.side == .sell }.count, wins: ts.wins, winRate: ts.winRate,
            netPnlUsd: r.netPnL.description, grossProfitUsd: ts.grossProfit, grossLossUsd: ts.grossLoss,
            feesUsd: r.trades.reduce(Money.zero) { $0 + $1.fees }.description, profitFactor: ts.profitFactor,
            expectancyUsd: ts.expectancy, sharpe: sharpe, sortino: sortino, maxDrawdownUsd: ddUsd, maxDrawdownPercent: ddPct,
            startingBalanceUsd: r.startingBalance.description, endingBalanceUsd: r.account.balance.description,
            ruleBreaches: r.breaches.map { Breach(rule: $0.rule.rawValue, time: $0.time.description, detail: $0.detail) },
            fillResolution: Resolution(exact: r.resolution.exact, drillDown: r.resolution.drillDown, pathModel: r.resolution.pathModel),
            rules: rules.name, configHash: configHash, codeVersion: ProductVersion.string, seconds: r.seconds)
    }

    public var json: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? enc.encode(self)) ?? Data(), as: UTF8.self)
    }
}

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

    /// Saves the run, its trades, fills and daily equity, and each strategy's performance row, in
    /// one transaction.
    public static func save(_ summary: RunSummary, result: BacktestResult, configText: String, kind: String = "backtest",
                            spec: (String) -> ContractSpec?, into db: any SQLDatabase) throws {
        try db.transaction {
            try db.execute("""
                INSERT INTO backtest_runs (run_id, created_at, kind, config_hash, config_text, symbol, timeframe, data_from, data_to, code_version, summary_json)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                """, [.text(summary.runId), .text(summary.createdAt), .text(kind), .text(summary.configHash), .text(configText),
                      .text(summary.symbol), .text(summary.timeframe), summary.dataFrom.map(SQLValue.text) ?? .null,
                      summary.dataTo.map(SQLValue.text) ?? .null, .text(summary.codeVersion), .text(summary.json)])
            for (k, t) in result.trades.enumerated() {
                guard let s = spec(t.symbol) else { continue }
                try db.execute("""
                    INSERT INTO backtest_trades (run_id, seq, strategy, symbol, side, quantity, entry_time, entry_price, exit_time, exit_price, exit_reason, pnl_usd, fees_usd, mae_ticks, mfe_ticks)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                    """, [.text(summary.runId), .int(Int64(k + 1)), t.strategy.map(SQLValue.text) ?? .null, .text(t.symbol),
                          .text(t.side == .buy ? "long" : "short"), .int(t.quantity), .text(t.entryTime.description),
                          .text(RunCSV.price(t.entryPriceTicks, s)), .text(t.exitTime.description), .text(RunCSV.price(t.exitPriceTicks, s)),
                          .text(t.exitReason), .text(t.pnl.description), .text(t.fees.description), .int(t.maeTicks), .int(t.mfeTicks)])
            }
            for (k, f) in result.fills.enumerated() {
                guard let s = spec(f.symbol) else { continue }
                try db.execute("""
                    INSERT INTO backtest_fills (run_id, seq, time, symbol, side, quantity, price, fee_usd, order_id, purpose, resolution)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                    """, [.text(summary.runId), .int(Int64(k + 1)), .text(f.time.description), .text(f.symbol),
                          .text(f.side == .buy ? "buy" : "sell"), .int(f.quantity), .text(s.format(f.price)), .text(f.fee.description),
                          .int(f.orderID.raw), .text(f.purpose.reason), .text(f.resolution.description)])
            }
            for (k, e) in result.equity.enumerated() {
                try db.execute("INSERT INTO backtest_equity (run_id, seq, time, trade_date, balance_usd, equity_usd) VALUES ($1, $2, $3, $4, $5, $6)",
                               [.text(summary.runId), .int(Int64(k + 1)), .text(e.time.description), .text(e.tradeDate.description),
                                .text(e.balance.description), .text(e.equity.description)])
            }
            for name in summary.strategies {
                let mine = result.trades.filter { $0.strategy == name }
                let wins = mine.filter { $0.pnl.cents > 0 }.count
                try db.execute("""
                    INSERT INTO strategy_performance (strategy_name, symbol, trades_count, win_rate, total_pnl, sharpe_ratio, max_drawdown, run_id, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """, [.text(name), .text(summary.symbol), .int(Int64(mine.count)),
                          mine.isEmpty ? .null : .double(Double(wins) / Double(mine.count)),
                          .double(mine.reduce(Money.zero) { $0 + $1.pnl }.dollars),
                          summary.strategies.count == 1 ? (summary.sharpe.map(SQLValue.double) ?? .null) : .null,
                          summary.strategies.count == 1 ? (summary.maxDrawdownUsd.map(SQLValue.double) ?? .null) : .null,
                          .text(summary.runId), .text(summary.createdAt)])
            }
        }
    }

    /// Writes `trades.csv`, `fills.csv`, `equity.csv` and `run.json` into `folder` (created).
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
        } catch {
            throw DataError.noInput(path: folder, reason: "cannot write the run folder: \(error.localizedDescription)")
        }
    }
}
