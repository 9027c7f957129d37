import Data

/// One closed trade as the pass probability replays it (dollars, fees included).
public struct HistoryTrade: Hashable, Sendable {
    /// The CME trade date of the exit (17:00 CT starts the next date).
    public var tradeDate: TradeDate
    /// Net P&L.
    public var pnl: Double
    /// Lowest and highest equity the trade reached, relative to the equity before it:
    /// `low ≤ min(0, pnl)`, `high ≥ max(0, pnl)`.
    public var low: Double
    public var high: Double

    public init(tradeDate: TradeDate, pnl: Double, low: Double, high: Double) {
        self.tradeDate = tradeDate; self.pnl = pnl
        self.low = min(low, 0, pnl); self.high = max(high, 0, pnl)
    }

    /// From the maximum adverse and favourable excursions (dollars before fees, as magnitudes):
    /// the entry fee (half the round turn) is paid before either excursion.
    public init(tradeDate: TradeDate, pnl: Double, fees: Double, adverse: Double, favourable: Double) {
        let entryFee = fees / 2
        self.init(tradeDate: tradeDate, pnl: pnl, low: -abs(adverse) - entryFee, high: abs(favourable) - entryFee)
    }
}

/// A run's trades grouped by trade date, as structure-of-arrays for the replay's hot loop.
/// Days are in date order; within a day, trades keep the order given (their exit order).
/// Days on which the strategy did not trade are kept (they count toward the horizon and carry
/// no P&L) when the caller names them in `sessions`.
public struct TradeHistory: Hashable, Sendable {
    public let dates: [TradeDate]
    /// Index of each day's first trade; `dayFirstTrade[d + 1]` ends day `d` (count: days + 1).
    public let dayFirstTrade: [Int32]
    public let low: [Double]
    public let high: [Double]
    public let pnl: [Double]
    /// Net P&L per day (the series the block length is chosen on).
    public let dayPnl: [Double]

    public var dayCount: Int { dates.count }
    public var tradeCount: Int { pnl.count }

    /// Groups `trades` by trade date; `sessions` adds dates without trades.
    public init(trades: [HistoryTrade], sessions: [TradeDate] = []) {
        var byDay: [TradeDate: [HistoryTrade]] = [:]
        for t in trades { byDay[t.tradeDate, default: []].append(t) }
        for s in sessions where byDay[s] == nil { byDay[s] = [] }
        let dates = byDay.keys.sorted()
        var first: [Int32] = [0], low: [Double] = [], high: [Double] = [], pnl: [Double] = [], dayPnl: [Double] = []
        for d in dates {
            var sum = 0.0
            for t in byDay[d]! { low.append(t.low); high.append(t.high); pnl.append(t.pnl); sum += t.pnl }
            first.append(Int32(pnl.count))
            dayPnl.append(sum)
        }
        self.dates = dates; dayFirstTrade = first; self.low = low; self.high = high; self.pnl = pnl; self.dayPnl = dayPnl
    }
}
