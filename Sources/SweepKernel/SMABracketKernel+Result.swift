import Backtest
import Data
import Strategies
import Trading

/// What the kernel reports for one configuration when a sweep needs more than the counts: the
/// trade list and the daily equity curve exactly as the engine would record them, for the
/// statistics of `RunSummary`. Orders and fills are not reconstructed.
public struct SMABracketRun: Sendable {
    public var trades: [Trade]
    public var equity: [EquityPoint]
    /// Fills resolved exactly / by drill-down / by the path model (as the engine counts them).
    public var resolution: (exact: Int, drillDown: Int, pathModel: Int, prints: Int)
    public var account: AccountSnapshot
    public var startingBalance: Money
    public var bars: Int
    public var seconds: Double
    public var netPnL: Money { account.balance - startingBalance }
}

extension SMABracketKernel {
    /// The full run of one configuration: trades (with the engine's excursions and exit reasons,
    /// attributed to `strategy`), equity at each trade day's end, fill resolutions, the account.
    public func run(_ p: Parameters, strategy: String = "sma_bracket") -> SMABracketRun {
        let t0 = monotonicSeconds()
        let records = tradeRecords(p)
        let n = series.count
        let time = series.time, open = series.open, high = series.high, low = series.low, close = series.close
        let tv = instrument.tickValueCents, feeCents = instrument.feePerSide.cents * p.quantity
        var trades: [Trade] = []
        trades.reserveCapacity(records.count)
        var resolution = [0, 0, 0]
        for r in records {
            let (e, x, entry, exit) = (r.entryBar, r.exitBar, r.entryTicks, r.exitTicks)
            let long = r.side > 0
            let stop = entry - r.side * p.stopTicks, target = entry + r.side * p.targetTicks
            // Fill resolution: the entry bar counts the market entry and the bracket legs, priced
            // from the signal bar's close when they were placed, that lie inside it.
            let c = close[e - 1]
            let legStop = c - r.side * p.stopTicks, legTarget = c + r.side * p.targetTicks
            let entryTouchable = 1 + (legStop >= low[e] && legStop <= high[e] ? 1 : 0) + (legTarget >= low[e] && legTarget <= high[e] ? 1 : 0)
            let entryResolution = entryTouchable >= 2 ? 2 : 0
            resolution[entryResolution] += 1
            if r.reason == .end {
                resolution[0] += 1
            } else if x == e {
                resolution[entryResolution] += 1
            } else {
                // Both legs count when their price is inside the bar or the open already satisfies them.
                let o = open[x]
                let stopCounts = (stop >= low[x] && stop <= high[x]) || (long ? o <= stop : o >= stop)
                let targetCounts = (target >= low[x] && target <= high[x]) || (long ? o >= target : o <= target)
                resolution[(stopCounts ? 1 : 0) + (targetCounts ? 1 : 0) >= 2 ? 2 : 0] += 1
            }
            // Excursion as the exchange tracks it up to the exit fill (the bar's path is open →
            // adverse extreme → favourable extreme → close; fills at the open see only earlier bars).
            var hi = entry, lo = entry
            if x == e && r.reason != .end {
                if r.reason == .target { if long { lo = low[e] } else { hi = high[e] } }
            } else {
                let last = r.reason == .end ? x : x - 1
                for j in e...last { hi = max(hi, high[j]); lo = min(lo, low[j]) }
                if r.reason != .end {
                    let o = open[x]
                    let gap = r.reason == .stop ? (long ? o <= stop : o >= stop) : (long ? o >= target : o <= target)
                    if !gap {
                        hi = max(hi, o); lo = min(lo, o)
                        if r.reason == .target { if long { lo = min(lo, low[x]) } else { hi = max(hi, high[x]) } }
                    }
                }
            }
            let best = long ? max(hi, exit) : min(lo, exit)
            let worst = long ? min(lo, exit) : max(hi, exit)
            let gross = r.side * (exit - entry) * p.quantity
            let fees = Money(cents: 2 * feeCents)
            trades.append(Trade(symbol: instrument.symbol, side: long ? .buy : .sell, quantity: p.quantity,
                                entryTime: Timestamp(seconds: time[e]), exitTime: Timestamp(seconds: time[x]),
                                entryPriceTicks: Double(entry), exitPriceTicks: Double(exit),
                                exitReason: r.reason == .stop ? "stop" : r.reason == .target ? "target" : "end",
                                grossTicks: gross, fees: fees, pnl: Money(cents: gross * tv) - fees,
                                maeTicks: max(0, r.side * (entry - worst)), mfeTicks: max(0, r.side * (best - entry)), strategy: strategy))
        }
        // Equity at each trade day's end, recorded by the engine at the first bar of the next day
        // (before that bar trades, marked at the previous close), then once after the end.
        var equity: [EquityPoint] = []
        equity.reserveCapacity(dayStarts.count + 1)
        var balance = startingBalance.cents
        var k = 0  // next trade to settle
        var dayStartBalance = startingBalance.cents
        for (b, ended) in dayStarts {
            while k < records.count && records[k].exitBar < b {
                balance += trades[k].pnl.cents
                k += 1
            }
            var bal = balance, eq = balance
            if k < records.count && records[k].entryBar < b {
                let r = records[k]
                bal -= feeCents
                eq = bal + r.side * (close[b - 1] - r.entryTicks) * p.quantity * tv
            }
            equity.append(EquityPoint(time: Timestamp(seconds: time[b]), tradeDate: TradeDate(dayNumber: ended),
                                      balance: Money(cents: bal), equity: Money(cents: eq)))
            dayStartBalance = bal
        }
        while k < records.count { balance += trades[k].pnl.cents; k += 1 }
        if n > 0 {
            equity.append(EquityPoint(time: Timestamp(seconds: time[n - 1]), tradeDate: TradeDate(dayNumber: lastDay),
                                      balance: Money(cents: balance), equity: Money(cents: balance)))
        }
        let account = AccountSnapshot(balance: Money(cents: balance), equity: Money(cents: balance),
                                      dayStartBalance: Money(cents: dayStartBalance), maxLossLevel: nil, dailyLossRemaining: nil,
                                      maxLossRemaining: nil, lockedUntilNextDay: false, failed: false)
        return SMABracketRun(trades: trades, equity: equity, resolution: (resolution[0], resolution[1], resolution[2], 0),
                             account: account, startingBalance: startingBalance, bars: n, seconds: monotonicSeconds() - t0)
    }
}
