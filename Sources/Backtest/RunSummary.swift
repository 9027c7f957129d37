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
        /// Fills the bar's trade prints decided (absent in summaries written before prints could).
        public var prints: Int?
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
    /// The fidelity audit (`backtest --fidelity`); absent otherwise.
    public var fidelity: FidelityAudit?
    /// Each symbol's share of the run, by symbol name, when its trades span more than one symbol
    /// (`SymbolFigures`); absent for a run on one symbol, whose summary is then what it always was.
    public var symbols: [SymbolFigures]?

    /// Builds the summary of a finished run.
    public static func make(runId: String, result r: BacktestResult, strategies: [String], series: BarSeries,
                            rules: RiskRules, configHash: String, now: Date = Date()) -> RunSummary {
        var s = make(runId: runId, trades: r.trades, equity: r.equity, breaches: r.breaches, resolution: r.resolution, account: r.account,
                     startingBalance: r.startingBalance, bars: r.bars, seconds: r.seconds, strategies: strategies, series: series,
                     rules: rules, configHash: configHash, now: now)
        s.attempts = r.attempts.map(Attempts.init)
        s.fidelity = r.fidelity
        s.symbols = symbolFigures(trades: r.trades, fills: r.fills, equity: r.equity, startingBalance: r.startingBalance)
        return s
    }

    /// The summary of a run over several series (a portfolio): its symbols in the given order,
    /// their timeframes when they differ, its data from the earliest first bar to the latest last.
    public static func make(runId: String, result r: BacktestResult, strategies: [String], portfolio: [BarSeries],
                            rules: RiskRules, configHash: String, now: Date = Date()) -> RunSummary {
        var s = make(runId: runId, result: r, strategies: strategies, series: portfolio[0], rules: rules, configHash: configHash, now: now)
        guard portfolio.count > 1 else { return s }
        s.symbol = portfolio.map(\.symbol).joined(separator: ",")
        let timeframes = portfolio.map(\.timeframe.description)
        if Set(timeframes).count > 1 { s.timeframe = timeframes.joined(separator: ",") }
        s.dataFrom = portfolio.compactMap { $0.first?.time }.min()?.description
        s.dataTo = portfolio.compactMap { $0.last?.time }.max()?.description
        return s
    }

    /// The summary of a run given its parts (a backtest's, or a sweep kernel's that models one).
    public static func make(runId: String, trades: [Trade], equity: [EquityPoint], breaches: [RuleBreach],
                     resolution: (exact: Int, drillDown: Int, pathModel: Int, prints: Int), account: AccountSnapshot, startingBalance: Money,
                     bars: Int, seconds: Double, strategies: [String], series: BarSeries,
                     rules: RiskRules, configHash: String, now: Date) -> RunSummary {
        let r = (trades: trades, equity: equity, breaches: breaches, resolution: resolution, account: account,
                 startingBalance: startingBalance, bars: bars, seconds: seconds, netPnL: account.balance - startingBalance)
        let f = Figures(trades: r.trades, equity: r.equity.map(\.time.seconds), dollars: r.equity.map(\.equity.dollars))
        // `2026-01-02T03:04:05Z`, as `ISO8601DateFormatter` writes it; making that formatter for
        // each configuration of a sweep was 1.5 % of a 3,000-configuration search (perf).
        let createdAt = Timestamp(seconds: Int64(now.timeIntervalSince1970.rounded(.down))).iso8601
        return RunSummary(
            runId: runId, createdAt: createdAt, strategies: strategies, symbol: series.symbol,
            timeframe: series.timeframe.description, dataFrom: series.first?.time.description, dataTo: series.last?.time.description,
            bars: r.bars, trades: f.trades, longs: f.longs, shorts: f.shorts, wins: f.wins, winRate: f.winRate,
            netPnlUsd: r.netPnL.description, grossProfitUsd: f.grossProfit, grossLossUsd: f.grossLoss,
            feesUsd: f.fees.description, profitFactor: f.profitFactor,
            expectancyUsd: f.expectancy, sharpe: f.sharpe, sortino: f.sortino, maxDrawdownUsd: f.maxDrawdownUsd, maxDrawdownPercent: f.maxDrawdownPercent,
            startingBalanceUsd: r.startingBalance.description, endingBalanceUsd: r.account.balance.description,
            ruleBreaches: r.breaches.map { Breach(rule: $0.rule.rawValue, time: $0.time.description, detail: $0.detail) },
            fillResolution: Resolution(exact: r.resolution.exact, drillDown: r.resolution.drillDown, pathModel: r.resolution.pathModel, prints: r.resolution.prints),
            rules: rules.name, configHash: configHash, codeVersion: ProductVersion.string, seconds: r.seconds)
    }

    /// The statistics a summary shows of a list of trades and the equity curve they made: one
    /// piece of code for the whole run (`make`) and for each symbol's share (`symbolFigures`).
    struct Figures {
        var trades = 0, longs = 0, shorts = 0, wins = 0
        var winRate = 0.0, grossProfit = 0.0, grossLoss = 0.0, expectancy = 0.0
        var fees = Money.zero
        var profitFactor: Double?
        var sharpe: Double?, sortino: Double?, maxDrawdownUsd: Double?, maxDrawdownPercent: Double?

        /// `equity` are UTC seconds and `dollars` the curve's value at each (daily returns, drawdown).
        init(trades: [Trade], equity: [Int64], dollars: [Double]) {
            let records = trades.map { TradeRecord(pnl: $0.pnl.dollars, entryTime: $0.entryTime.seconds, exitTime: $0.exitTime.seconds) }
            let ts = Performance.statistics(of: records)
            if equity.count >= 2 {
                let curve = EquityCurve(time: equity, equity: dollars)
                if let st = try? Performance.statistics(of: curve) {
                    sharpe = st.sharpe; sortino = st.sortino
                    maxDrawdownUsd = st.maxDrawdown?.amount; maxDrawdownPercent = st.maxDrawdownPercent.map { $0.fraction * 100 }
                }
            }
            self.trades = trades.count
            longs = trades.filter { $0.side == .buy }.count
            shorts = trades.filter { $0.side == .sell }.count
            wins = ts.wins; winRate = ts.winRate
            grossProfit = ts.grossProfit; grossLoss = ts.grossLoss
            fees = trades.reduce(Money.zero) { $0 + $1.fees }
            profitFactor = ts.profitFactor; expectancy = ts.expectancy
        }
    }

    public var json: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? enc.encode(self)) ?? Data(), as: UTF8.self)
    }
}
