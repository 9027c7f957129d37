import Data
import Foundation
import Trading

extension RunSummary {
    /// One symbol's share of a run whose trades span several symbols: the summary's statistics
    /// over that symbol's trades alone, computed by the code the whole run's use
    /// (`RunSummary.Figures`). Amounts are dollars (text where the summary has text).
    ///
    /// - `netPnlUsd` is the sum of the symbol's closed trades' net P&L (after fees), so the
    ///   symbols' figures add up to the run's when every position was closed.
    /// - Sharpe, Sortino and max drawdown are taken on the symbol's equity: the starting balance
    ///   plus the symbol's closed-trade P&L at each of the run's equity points
    ///   (`RunSummary.equityBySymbol`); open positions are not marked, the run's own curve marks them.
    public struct SymbolFigures: Codable, Hashable, Sendable {
        public var symbol: String
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
        /// The symbol's fills (entries and exits, partial fills each).
        public var fills: Int

        public init(symbol: String, trades: Int, longs: Int, shorts: Int, wins: Int, winRate: Double, netPnlUsd: String,
                    grossProfitUsd: Double, grossLossUsd: Double, feesUsd: String, profitFactor: Double?, expectancyUsd: Double,
                    sharpe: Double?, sortino: Double?, maxDrawdownUsd: Double?, maxDrawdownPercent: Double?, fills: Int) {
            self.symbol = symbol; self.trades = trades; self.longs = longs; self.shorts = shorts; self.wins = wins
            self.winRate = winRate; self.netPnlUsd = netPnlUsd; self.grossProfitUsd = grossProfitUsd; self.grossLossUsd = grossLossUsd
            self.feesUsd = feesUsd; self.profitFactor = profitFactor; self.expectancyUsd = expectancyUsd; self.sharpe = sharpe
            self.sortino = sortino; self.maxDrawdownUsd = maxDrawdownUsd; self.maxDrawdownPercent = maxDrawdownPercent; self.fills = fills
        }

        init(symbol: String, _ f: Figures, netPnl: Money, fills: Int) {
            self.init(symbol: symbol, trades: f.trades, longs: f.longs, shorts: f.shorts, wins: f.wins, winRate: f.winRate,
                      netPnlUsd: netPnl.description, grossProfitUsd: f.grossProfit, grossLossUsd: f.grossLoss,
                      feesUsd: f.fees.description, profitFactor: f.profitFactor, expectancyUsd: f.expectancy, sharpe: f.sharpe,
                      sortino: f.sortino, maxDrawdownUsd: f.maxDrawdownUsd, maxDrawdownPercent: f.maxDrawdownPercent, fills: fills)
        }

        /// The whole run's figures as a row beside its symbols' (`symbol` is `combined`): the
        /// summary's own values, with `fills` the run's fill count.
        public init(combined s: RunSummary, fills: Int) {
            self.init(symbol: RunSummary.combinedSymbol, trades: s.trades, longs: s.longs, shorts: s.shorts, wins: s.wins,
                      winRate: s.winRate, netPnlUsd: s.netPnlUsd, grossProfitUsd: s.grossProfitUsd, grossLossUsd: s.grossLossUsd,
                      feesUsd: s.feesUsd, profitFactor: s.profitFactor, expectancyUsd: s.expectancyUsd, sharpe: s.sharpe,
                      sortino: s.sortino, maxDrawdownUsd: s.maxDrawdownUsd, maxDrawdownPercent: s.maxDrawdownPercent, fills: fills)
        }
    }

    /// The name of the whole run's row among its symbols' (`symbols.csv`, the report's table).
    public static let combinedSymbol = "combined"

    /// The symbols `trades` span, by name; one or none for a single-symbol run.
    public static func symbols(of trades: [Trade]) -> [String] {
        guard let first = trades.first?.symbol, trades.contains(where: { $0.symbol != first }) else {
            return trades.isEmpty ? [] : [trades[0].symbol]
        }
        return Set(trades.map(\.symbol)).sorted()
    }

    /// Each symbol's figures, by symbol name, when `trades` span more than one symbol; nil
    /// otherwise (a single-symbol run gains nothing). `equity` and `startingBalance` are the run's.
    public static func symbolFigures(trades: [Trade], fills: [Fill], equity: [EquityPoint], startingBalance: Money) -> [SymbolFigures]? {
        let names = symbols(of: trades)
        guard names.count > 1 else { return nil }
        let curves = equityBySymbol(trades.map { ($0.symbol, $0.exitTime, $0.pnl) }, points: equity)
        return names.map { name in
            let mine = trades.filter { $0.symbol == name }
            let pnl = curves.first { $0.symbol == name }?.pnl ?? []
            let f = Figures(trades: mine, equity: equity.map(\.time.seconds), dollars: pnl.map { (startingBalance + $0).dollars })
            return SymbolFigures(symbol: name, f, netPnl: mine.reduce(Money.zero) { $0 + $1.pnl },
                                 fills: fills.reduce(0) { $0 + ($1.symbol == name ? 1 : 0) })
        }
    }

    /// Each symbol's closed-trade P&L at each of a run's equity points (`EquityPoint`, the account
    /// at a trade day's end), by symbol name: the cumulative net P&L (after fees) of the symbol's
    /// trades closed before the point's time; the last point (the end of the data) counts every
    /// trade. A trade closed at a point's time belongs to the next point: the day's end is
    /// recorded when the next day's first bar arrives, before that bar trades, and that bar's
    /// fills carry its time (an overnight position stopped at the open).
    ///
    /// Open positions are not marked, so the symbols' values sum to the closed trades' P&L, which is
    /// the account's equity less the starting balance only when nothing is open at the point.
    public static func equityBySymbol(_ trades: [(symbol: String, exit: Timestamp, pnl: Money)], points: [EquityPoint]) -> [SymbolEquity] {
        let names = Set(trades.map(\.symbol)).sorted()
        let order = trades.indices.sorted { (trades[$0].exit, $0) < (trades[$1].exit, $1) }
        var totals = [String: Money](), next = 0
        var out = names.map { SymbolEquity(symbol: $0, pnl: []) }
        for (k, p) in points.enumerated() {
            let last = k == points.count - 1
            while next < order.count, last || trades[order[next]].exit < p.time {
                let t = trades[order[next]]
                totals[t.symbol, default: .zero] += t.pnl
                next += 1
            }
            for i in out.indices { out[i].pnl.append(totals[out[i].symbol] ?? .zero) }
        }
        return out
    }
}

/// One symbol's closed-trade P&L at each of a run's equity points (`RunSummary.equityBySymbol`).
public struct SymbolEquity: Hashable, Sendable {
    public var symbol: String
    /// Cumulative net P&L (after fees) of the symbol's trades closed by each equity point, in
    /// dollars, one value per point.
    public var pnl: [Money]
    public init(symbol: String, pnl: [Money]) { self.symbol = symbol; self.pnl = pnl }
}

extension RunCSV {
    /// `symbols.csv`: one row per symbol (by name), then the whole run's row (`combined`), with
    /// the summary's statistics: `symbol,trades,longs,shorts,wins,win_rate,net_pnl_usd,
    /// gross_profit_usd,gross_loss_usd,fees_usd,profit_factor,expectancy_usd,sharpe,sortino,
    /// max_drawdown_usd,max_drawdown_pct,fills`. Money has two decimals, ratios four; a figure
    /// that does not exist (no losing trade, fewer than two equity points) is empty.
    public static func symbols(_ rows: [RunSummary.SymbolFigures], combined: RunSummary.SymbolFigures) -> String {
        var out = "symbol,trades,longs,shorts,wins,win_rate,net_pnl_usd,gross_profit_usd,gross_loss_usd,fees_usd,profit_factor,"
            + "expectancy_usd,sharpe,sortino,max_drawdown_usd,max_drawdown_pct,fills\n"
        func fixed(_ v: Double?, _ digits: Int) -> String {
            // −0 prints as 0: a figure that is nothing has no sign.
            v.map { String(format: "%.\(digits)f", $0 == 0 ? 0 : $0) } ?? ""
        }
        for r in rows + [combined] {
            out += "\(r.symbol),\(r.trades),\(r.longs),\(r.shorts),\(r.wins),\(fixed(r.winRate, 4)),\(r.netPnlUsd),"
            out += "\(fixed(r.grossProfitUsd, 2)),\(fixed(r.grossLossUsd, 2)),\(r.feesUsd),\(fixed(r.profitFactor, 4)),"
            out += "\(fixed(r.expectancyUsd, 2)),\(fixed(r.sharpe, 4)),\(fixed(r.sortino, 4)),\(fixed(r.maxDrawdownUsd, 2)),"
            out += "\(fixed(r.maxDrawdownPercent, 4)),\(r.fills)\n"
        }
        return out
    }

    /// `equity_by_symbol.csv`: at each equity point (the rows of `equity.csv`: a trade day's end),
    /// `time,trade_date`, then each symbol's closed-trade P&L so far (`<symbol>_pnl_usd`, see
    /// `RunSummary.equityBySymbol`), then their sum (`total_pnl_usd`, the closed trades' P&L; the
    /// account's equity less the starting balance when nothing is open).
    public static func equityBySymbol(_ points: [EquityPoint], _ curves: [SymbolEquity]) -> String {
        var out = "time,trade_date," + curves.map { "\($0.symbol)_pnl_usd," }.joined() + "total_pnl_usd\n"
        for (k, p) in points.enumerated() {
            var total = Money.zero
            out += "\(p.time),\(p.tradeDate),"
            for c in curves {
                let v = k < c.pnl.count ? c.pnl[k] : .zero
                total += v
                out += "\(v),"
            }
            out += "\(total)\n"
        }
        return out
    }
}
