import Backtest
import Foundation
import Data
import Indicators
import Trading

/// One closed trade as a report shows it. Times are UTC instants; prices are the contract's
/// decimal text (exact, as stored); money is exact to the cent.
public struct ReportTrade: Sendable, Hashable {
    /// 1-based position in the run's trade list (the order trades closed).
    public var seq: Int
    public var strategy: String
    public var symbol: String
    /// `long` or `short`.
    public var side: String
    public var quantity: Int64
    public var entryTime: Timestamp
    public var entryPrice: String
    public var exitTime: Timestamp
    public var exitPrice: String
    public var exitReason: String
    /// Net of fees.
    public var pnl: Money
    public var fees: Money
    /// Largest adverse and favourable move from the average entry, in ticks (≥ 0).
    public var maeTicks: Int64
    public var mfeTicks: Int64
    /// Value of one tick of one contract; nil when the symbol has no contract specification (then
    /// MAE/MFE have no dollar value).
    public var tickValue: Money?

    public init(seq: Int, strategy: String, symbol: String, side: String, quantity: Int64, entryTime: Timestamp,
                entryPrice: String, exitTime: Timestamp, exitPrice: String, exitReason: String, pnl: Money, fees: Money,
                maeTicks: Int64, mfeTicks: Int64, tickValue: Money?) {
        self.seq = seq; self.strategy = strategy; self.symbol = symbol; self.side = side; self.quantity = quantity
        self.entryTime = entryTime; self.entryPrice = entryPrice; self.exitTime = exitTime; self.exitPrice = exitPrice
        self.exitReason = exitReason; self.pnl = pnl; self.fees = fees; self.maeTicks = maeTicks; self.mfeTicks = mfeTicks
        self.tickValue = tickValue
    }

    /// P&L before fees.
    public var gross: Money { pnl + fees }
    /// MAE in dollars for the whole position (≤ 0), as `TradeRecord.mae` counts it.
    public var maeUSD: Money? { tickValue.map { Money(cents: -$0.cents * maeTicks * quantity) } }
    /// MFE in dollars for the whole position (≥ 0).
    public var mfeUSD: Money? { tickValue.map { Money(cents: $0.cents * mfeTicks * quantity) } }
    /// Minutes from entry to exit.
    public var minutesHeld: Int64 { (exitTime.seconds - entryTime.seconds) / 60 }
}

/// One fill of a run.
public struct ReportFill: Sendable, Hashable {
    public var seq: Int
    public var time: Timestamp
    public var symbol: String
    /// `buy` or `sell`.
    public var side: String
    public var quantity: Int64
    public var price: String
    public var fee: Money
    public var orderID: Int64
    /// `entry`, `stop`, `target`, `flatten`, …
    public var purpose: String
    /// How the fill price was decided: `exact`, `drill-down` or `path-model`.
    public var resolution: String

    public init(seq: Int, time: Timestamp, symbol: String, side: String, quantity: Int64, price: String, fee: Money,
                orderID: Int64, purpose: String, resolution: String) {
        self.seq = seq; self.time = time; self.symbol = symbol; self.side = side; self.quantity = quantity
        self.price = price; self.fee = fee; self.orderID = orderID; self.purpose = purpose; self.resolution = resolution
    }
}

/// A price held from one time to another on the run's chart: a working order's stop or limit
/// (`orderID` and `side` set), or a level the strategy drew (`overnight high`, `ATR zone low`).
public struct ReportLevel: Sendable, Hashable {
    public var symbol: String
    /// The order's purpose (`entry`, `stop`, `target`, an exit's label) or the strategy's name for it.
    public var name: String
    public var orderID: Int64?
    /// `buy` or `sell` for an order's level.
    public var side: String?
    public var from: Timestamp
    public var to: Timestamp
    /// The contract's decimal text.
    public var price: String

    public init(symbol: String, name: String, orderID: Int64?, side: String?, from: Timestamp, to: Timestamp, price: String) {
        self.symbol = symbol; self.name = name; self.orderID = orderID; self.side = side; self.from = from; self.to = to; self.price = price
    }
}

/// Everything a report shows about one backtest run: the stored summary, configuration, trades,
/// fills, daily equity, and for the price chart its bars and levels, with the derived tables (daily P&L, drawdown, monthly returns) computed
/// here once so that CSV, HTML and notebook agree.
public struct RunReport: Sendable {
    public var summary: RunSummary
    /// The run's canonical configuration text (`key=value` lines).
    public var configText: String
    public var trades: [ReportTrade]
    public var fills: [ReportFill]
    public var equity: [EquityPoint]
    /// The levels the price chart draws.
    public var levels: [ReportLevel] = []
    /// The run's bars, for the price chart: nil when the store does not hold them (a run on bars
    /// built from prints, or bars since deleted).
    public var bars: BarSeries?
    /// Each symbol's figures when the run's trades span several symbols (by symbol name), empty
    /// for a run on one symbol: the summary's (`RunSummary.symbols`), or the store's rows of them
    /// (`backtest_symbols`) for a stored run.
    public var symbols: [RunSummary.SymbolFigures]

    public init(summary: RunSummary, configText: String, trades: [ReportTrade], fills: [ReportFill], equity: [EquityPoint]) {
        self.summary = summary; self.configText = configText; self.trades = trades; self.fills = fills; self.equity = equity
        symbols = summary.symbols ?? []
    }

    /// A report of a run still in memory (tests, benchmarks, a sweep's best configuration), with
    /// the bars it ran on when the chart should show them.
    public init(summary: RunSummary, result: BacktestResult, configText: String, bars: BarSeries? = nil, spec: (String) -> ContractSpec?) {
        var trades: [ReportTrade] = []
        trades.reserveCapacity(result.trades.count)
        for (k, t) in result.trades.enumerated() {
            let s = spec(t.symbol)
            func price(_ ticks: Double) -> String { s.map { RunCSV.price(ticks, $0) } ?? String(ticks) }
            trades.append(ReportTrade(
                seq: k + 1, strategy: t.strategy ?? "", symbol: t.symbol, side: t.side == .buy ? "long" : "short",
                quantity: t.quantity, entryTime: t.entryTime, entryPrice: price(t.entryPriceTicks), exitTime: t.exitTime,
                exitPrice: price(t.exitPriceTicks), exitReason: t.exitReason, pnl: t.pnl, fees: t.fees,
                maeTicks: t.maeTicks, mfeTicks: t.mfeTicks, tickValue: s?.tickValue))
        }
        let fills = result.fills.enumerated().map { k, f in
            ReportFill(seq: k + 1, time: f.time, symbol: f.symbol, side: f.side == .buy ? "buy" : "sell", quantity: f.quantity,
                       price: spec(f.symbol).map { $0.format(f.price) } ?? String(f.price.ticks), fee: f.fee,
                       orderID: f.orderID.raw, purpose: f.purpose.reason, resolution: f.resolution.description)
        }
        self.init(summary: summary, configText: configText, trades: trades, fills: fills, equity: result.equity)
        levels = result.chartLevels.map { l in
            ReportLevel(symbol: l.symbol, name: l.name, orderID: l.orderID?.raw, side: l.side.map { $0 == .buy ? "buy" : "sell" },
                        from: l.from, to: l.to, price: spec(l.symbol).map { $0.format(Price(ticks: l.priceTicks)) } ?? String(l.priceTicks))
        }
        self.bars = bars
    }

    // MARK: derived values

    /// The configuration's `key=value` lines in order, with secret-looking keys' values masked.
    public var configuration: [(key: String, value: String)] {
        configText.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).compactMap { line in
            guard let eq = line.firstIndex(of: "=") else {
                let t = line.trimmingCharacters(in: .whitespaces)
                return t.isEmpty ? nil : (t, "")
            }
            let key = String(line[..<eq]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            return (key, SecretScrubber.looksSecret(name: key) ? SecretScrubber.mask : value)
        }
    }

    /// The value of one configuration key, if present.
    public func configValue(_ key: String) -> String? { configuration.first { $0.key == key }?.value }

    /// The account's daily loss limit (a positive amount), or nil when the rules have none.
    public var dailyLossLimit: Money? { configValue("account.daily_loss_limit").flatMap { Money($0) } }

    public var startingBalance: Money { Money(summary.startingBalanceUsd) ?? .zero }
    public var netPnL: Money { Money(summary.netPnlUsd) ?? .zero }

    /// The first and last bar of the data (UTC), from the summary.
    public var dataRange: (from: Timestamp?, to: Timestamp?) {
        (summary.dataFrom.flatMap { Timestamp(iso8601: $0) }, summary.dataTo.flatMap { Timestamp(iso8601: $0) })
    }

    /// Statistics of the trade list (averages, extremes, streaks) beside the summary's headline.
    public func tradeStatistics() -> TradeStatistics {
        Performance.statistics(of: trades.map {
            TradeRecord(pnl: $0.pnl.dollars, entryTime: $0.entryTime.seconds, exitTime: $0.exitTime.seconds,
                        mae: $0.maeUSD?.dollars, mfe: $0.mfeUSD?.dollars)
        })
    }

    /// One row per trade date of the equity curve.
    public struct DailyRow: Sendable, Hashable {
        public var tradeDate: TradeDate
        /// Trades that closed on this trade date, their net P&L and fees.
        public var trades: Int
        public var realised: Money
        public var fees: Money
        /// Equity change from the previous trade date's close (the first day: from the starting balance).
        public var pnl: Money
        public var balance: Money
        public var equity: Money
        /// The daily loss limit in force (positive), and whether the day met it (P&L at or below
        /// −limit, or a daily-loss-limit breach recorded that day).
        public var limit: Money?
        public var limitHit: Bool
    }

    /// Daily P&L rows, in trade-date order.
    public func daily(calendar: SessionCalendar = .cmeEquityIndex) -> [DailyRow] {
        var byDay: [Int64: (n: Int, pnl: Money, fees: Money)] = [:]
        for t in trades {
            let d = calendar.tradeDayNumber(containing: t.exitTime.seconds)
            var v = byDay[d] ?? (0, .zero, .zero)
            v.n += 1; v.pnl += t.pnl; v.fees += t.fees
            byDay[d] = v
        }
        var breachDays = Set<Int64>()
        for b in summary.ruleBreaches where b.rule == RuleBreach.Rule.dailyLossLimit.rawValue {
            if let t = Timestamp(iso8601: b.time) { breachDays.insert(calendar.tradeDayNumber(containing: t.seconds)) }
        }
        let limit = dailyLossLimit
        var previous = startingBalance
        return equity.map { p in
            let v = byDay[p.tradeDate.dayNumber] ?? (0, .zero, .zero)
            let pnl = p.equity - previous
            previous = p.equity
            let hit = breachDays.contains(p.tradeDate.dayNumber) || (limit.map { pnl.cents <= -$0.cents } ?? false)
            return DailyRow(tradeDate: p.tradeDate, trades: v.n, realised: v.pnl, fees: v.fees, pnl: pnl,
                            balance: p.balance, equity: p.equity, limit: limit, limitHit: hit)
        }
    }

    /// Equity below its running peak at each point of the curve (the same points, and so the same
    /// maximum, as the summary's max drawdown).
    public struct UnderwaterPoint: Sendable, Hashable {
        public var peak: Money
        /// equity − peak (≤ 0).
        public var drawdown: Money
        /// drawdown / peak (≤ 0).
        public var fraction: Double
    }

    public func underwater() -> [UnderwaterPoint] {
        var peak = Int64.min
        return equity.map { p in
            peak = max(peak, p.equity.cents)
            let dd = p.equity.cents - peak
            return UnderwaterPoint(peak: Money(cents: peak), drawdown: Money(cents: dd),
                                   fraction: peak > 0 ? Double(dd) / Double(peak) : 0)
        }
    }

    /// One calendar month of trade dates.
    public struct MonthRow: Sendable, Hashable {
        public var year: Int
        public var month: Int
        /// Equity at the month's last trade date less equity at the previous month's (or the
        /// starting balance), and that as a fraction of the latter.
        public var pnl: Money
        public var returnFraction: Double
        public var endEquity: Money
    }

    public func monthly() -> [MonthRow] {
        var rows: [MonthRow] = []
        var base = startingBalance
        var i = 0
        while i < equity.count {
            let y = equity[i].tradeDate.year, m = equity[i].tradeDate.month
            var j = i
            while j + 1 < equity.count && equity[j + 1].tradeDate.year == y && equity[j + 1].tradeDate.month == m { j += 1 }
            let end = equity[j].equity
            let pnl = end - base
            rows.append(MonthRow(year: y, month: m, pnl: pnl, returnFraction: base.cents > 0 ? Double(pnl.cents) / Double(base.cents) : 0,
                                 endEquity: end))
            base = end
            i = j + 1
        }
        return rows
    }

    /// Each symbol's closed-trade P&L at each equity point (`RunSummary.equityBySymbol`), by symbol
    /// name; empty for a run on one symbol.
    public func equityBySymbol() -> [SymbolEquity] {
        guard !symbols.isEmpty else { return [] }
        return RunSummary.equityBySymbol(trades.map { ($0.symbol, $0.exitTime, $0.pnl) }, points: equity)
    }

    /// The whole run's figures as a row beside its symbols' (`combined`).
    public var combinedFigures: RunSummary.SymbolFigures { .init(combined: summary, fills: fills.count) }

    /// The rule breaches with their times parsed.
    public var breaches: [(time: Timestamp?, rule: String, detail: String)] {
        summary.ruleBreaches.map { (Timestamp(iso8601: $0.time), $0.rule, $0.detail) }
    }
}
