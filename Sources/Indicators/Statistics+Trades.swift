import Data

/// One closed trade as the statistics see it.
public struct TradeRecord: Sendable, Hashable {
    /// Net profit or loss in dollars (after fees).
    public var pnl: Double
    /// Entry and exit, UTC seconds; both needed for the exposure.
    public var entryTime: Int64?
    public var exitTime: Int64?
    /// Maximum adverse excursion in dollars (≤ 0): the worst open P&L while the trade was on.
    public var mae: Double?
    /// Maximum favourable excursion in dollars (≥ 0): the best open P&L while the trade was on.
    public var mfe: Double?

    public init(pnl: Double, entryTime: Int64? = nil, exitTime: Int64? = nil, mae: Double? = nil, mfe: Double? = nil) {
        self.pnl = pnl; self.entryTime = entryTime; self.exitTime = exitTime; self.mae = mae; self.mfe = mfe
    }
}

/// Statistics of a list of trades, in the order they closed.
///
/// A winner has pnl > 0, a loser pnl < 0; a trade at exactly 0 is neither, counts in `trades` (so
/// in the win rate's denominator) and ends both streaks. Averages over an empty group are 0; ratios
/// with a zero denominator are nil.
public struct TradeStatistics: Sendable, Hashable {
    public var trades = 0
    public var wins = 0
    public var losses = 0
    public var breakeven = 0
    public var netProfit = 0.0
    /// Sum of winning P&L (≥ 0) and of losing P&L (≤ 0).
    public var grossProfit = 0.0
    public var grossLoss = 0.0
    /// wins / trades; 0 without trades.
    public var winRate = 0.0
    /// grossProfit / |grossLoss|; nil without a losing trade.
    public var profitFactor: Double?
    /// Mean P&L per trade; 0 without trades.
    public var expectancy = 0.0
    public var averageWin = 0.0
    /// ≤ 0.
    public var averageLoss = 0.0
    /// averageWin / |averageLoss|; nil without a losing trade.
    public var payoffRatio: Double?
    public var largestWin = 0.0
    /// ≤ 0.
    public var largestLoss = 0.0
    public var longestWinStreak = 0
    public var longestLossStreak = 0
    /// Time with at least one trade open / (last exit − first entry), overlapping trades counted
    /// once; nil unless every trade has both times.
    public var exposure: Double?
    /// Over the trades that carry them; nil when none does.
    public var averageMAE: Double?
    public var averageMFE: Double?
    /// The most adverse MAE (most negative) and the largest MFE.
    public var worstMAE: Double?
    public var bestMFE: Double?

    public init() {}
}

extension Performance {
    /// Statistics of trades given in the order they closed.
    public static func statistics(of trades: [TradeRecord]) -> TradeStatistics {
        var s = TradeStatistics()
        s.trades = trades.count
        var winStreak = 0, lossStreak = 0
        var maeSum = 0.0, mfeSum = 0.0, maeCount = 0, mfeCount = 0
        for t in trades {
            s.netProfit += t.pnl
            if t.pnl > 0 {
                s.wins += 1; s.grossProfit += t.pnl; s.largestWin = max(s.largestWin, t.pnl)
                winStreak += 1; lossStreak = 0
            } else if t.pnl < 0 {
                s.losses += 1; s.grossLoss += t.pnl; s.largestLoss = min(s.largestLoss, t.pnl)
                lossStreak += 1; winStreak = 0
            } else {
                s.breakeven += 1; winStreak = 0; lossStreak = 0
            }
            s.longestWinStreak = max(s.longestWinStreak, winStreak)
            s.longestLossStreak = max(s.longestLossStreak, lossStreak)
            if let m = t.mae { maeSum += m; maeCount += 1; s.worstMAE = min(s.worstMAE ?? m, m) }
            if let m = t.mfe { mfeSum += m; mfeCount += 1; s.bestMFE = max(s.bestMFE ?? m, m) }
        }
        guard s.trades > 0 else { return s }
        s.winRate = Double(s.wins) / Double(s.trades)
        s.expectancy = s.netProfit / Double(s.trades)
        if s.wins > 0 { s.averageWin = s.grossProfit / Double(s.wins) }
        if s.losses > 0 {
            s.averageLoss = s.grossLoss / Double(s.losses)
            s.profitFactor = s.grossProfit / -s.grossLoss
            s.payoffRatio = s.averageWin / -s.averageLoss
        }
        if maeCount > 0 { s.averageMAE = maeSum / Double(maeCount) }
        if mfeCount > 0 { s.averageMFE = mfeSum / Double(mfeCount) }
        s.exposure = exposure(of: trades)
        return s
    }

    /// Union of the trades' [entry, exit) intervals over (last exit − first entry); nil unless every
    /// trade has both times.
    static func exposure(of trades: [TradeRecord]) -> Double? {
        var spans: [(Int64, Int64)] = []
        spans.reserveCapacity(trades.count)
        for t in trades {
            guard let a = t.entryTime, let b = t.exitTime else { return nil }
            spans.append((a, max(a, b)))
        }
        guard !spans.isEmpty else { return nil }
        spans.sort { $0.0 < $1.0 }
        var busy: Int64 = 0
        var (start, end) = spans[0]
        var last = end
        for (a, b) in spans.dropFirst() {
            last = max(last, b)
            if a > end { busy += end - start; start = a; end = b } else { end = max(end, b) }
        }
        busy += end - start
        let span = last - spans[0].0
        return span > 0 ? Double(busy) / Double(span) : 0
    }
}

/// The adverse and favourable excursions of a position held over bars, in ticks.
public enum TradeExcursion {
    public enum Side: String, Sendable, Hashable { case long, short }

    /// MAE (≤ 0) and MFE (≥ 0) in ticks of a trade entered at `entryPrice` (ticks) whose bars are
    /// those starting in `[entryTime, exitTime)`: the entry bar through the last bar before the exit.
    /// Long: MAE = lowest low − entry, MFE = highest high − entry; short: the mirror image. Each is
    /// clamped at 0 (a trade never has a positive MAE), and both are 0 when no bar lies in the span.
    /// Multiply by the tick value and the quantity for dollars.
    public static func compute(_ series: BarSeries, entryTime: Int64, exitTime: Int64, entryPrice: Int64,
                               side: Side) -> (mae: Int64, mfe: Int64) {
        let a = series.lowerBound(entryTime), b = max(a, series.lowerBound(exitTime))
        guard a < b else { return (0, 0) }
        var hi = Int64.min, lo = Int64.max
        for i in a..<b {
            hi = max(hi, series.high[i]); lo = min(lo, series.low[i])
        }
        switch side {
        case .long: return (min(0, lo - entryPrice), max(0, hi - entryPrice))
        case .short: return (min(0, entryPrice - hi), max(0, entryPrice - lo))
        }
    }
}
