import Backtest
import Data
import Dispatch
import Strategies
import Trading

/// A specialised, allocation-free simulation of the `sma-bracket` reference strategy for sweeps:
/// many configurations over one load of bars, with the moving-average sums computed once per
/// distinct window length and the cross signals once per distinct `(fast, slow)` pair.
///
/// It reproduces exactly what `BacktestEngine` + `SimulatedExchange` + `SMABracket` produce under
/// the settings `models(...)` accepts (and only those; anything else runs through the engine):
///
/// * signals: `D(i) = slow·F(i) − fast·S(i)` of integer tick sums; long when `D(i) > 0 ≥ D(i−1)`,
///   short when `D(i) < 0 ≤ D(i−1)`, from bar `slow` on;
/// * occupied bars: a signal counts only if no position was held at any moment of its bar and it
///   is not the last bar; the market entry fills at the next bar's open (no slippage);
/// * the bracket is measured from the fill; on every bar from the entry bar on the stop is tested
///   first (`stopFirst` path model), a level is reached by touching it, and a bar that opens beyond
///   a level fills at the open (a gap through the target then back through the stop is a stop);
/// * fees: `feePerSide × quantity` on each fill; a position open after the last bar closes at the
///   last close with reason `end`.
///
/// Identity with the engine, trade by trade and in the summaries, is pinned by
/// `SMABracketKernelTests` (several configurations against single engine backtests, and the
/// reference grid `sma-bracket_ES_1m_2019_grid.csv`). Change the engine's semantics for these
/// settings and those tests fail; change `models(...)` when the kernel learns more.
public final class SMABracketKernel: Sendable {
    public typealias Parameters = SMABracketParameters

    public enum ExitReason: UInt8, Sendable { case stop, target, end }

    /// One round trip, by bar index (prices in ticks).
    public struct TradeRecord: Hashable, Sendable {
        /// +1 long, −1 short.
        public var side: Int64
        public var entryBar: Int
        public var exitBar: Int
        public var entryTicks: Int64
        public var exitTicks: Int64
        public var reason: ExitReason
    }

    /// Counts and net P&L of one configuration (the columns of the reference grid file).
    public struct Summary: Hashable, Sendable {
        public var trades = 0, longs = 0, shorts = 0, stops = 0, targets = 0, ends = 0, wins = 0
        /// Net of fees, in cents.
        public var netCents: Int64 = 0
        public init() {}
        public var netPnL: Money { Money(cents: netCents) }
    }

    /// Whether the kernel models a backtest with these settings exactly: the `stopFirst` path
    /// model, sessions not enforced (every bar trades), no slippage, no volume cap, no finer bars,
    /// no flatten time, the open position closed at the end, and risk rules that can never refuse,
    /// cut or close a trade (no loss limits, size limit, entry cut-off, safety buffer or
    /// consistency governor). `rejectStopsThroughMarket` does not matter: the strategy places no
    /// stop entries and its bracket legs are always on the losing side of the reference price.
    public static func models(config: ExchangeConfig, rules: RiskRules, finer: BarSeries? = nil, flattenTime: LocalTime? = nil,
                              closeAtEnd: Bool = true) -> Bool {
        config.pathModel == .stopFirst && !config.enforceSessions && !config.rejectWhenClosed
            && config.stopSlippageTicks == 0 && config.marketSlippageTicks == 0 && config.maxVolumeShare == nil
            && finer == nil && flattenTime == nil && rules.flattenTime == nil && closeAtEnd
            && rules.maxLossDrawdown == nil && rules.maxLossLockLevel == nil && rules.dailyLossLimit == nil
            && rules.maxMiniEquivalents == nil && rules.noNewEntriesAfter == nil && rules.safetyBuffer == nil
            && !rules.consistencyGovernor
    }

    public let series: BarSeries
    public let instrument: Instrument
    public let startingBalance: Money
    let calendar: SessionCalendar
    /// Cross signals per `(fast, slow)`: bar index << 1 | 1 for a short signal, 0 for a long one.
    let signals: [Pair: [Int32]]
    /// First bar of every trade day after the first (where the engine records an equity point),
    /// with the trade day that ends there; and the last trade day.
    let dayStarts: [(bar: Int, endedDay: Int64)]
    let lastDay: Int64

    struct Pair: Hashable, Sendable { var fast: Int, slow: Int }

    /// Prepares the bars for every configuration in `parameters`: one tick-sum series per
    /// distinct window length, then the signals of each distinct `(fast, slow)` pair (on every
    /// core). Invalid parameters (`0 < fast < slow`, positive bracket and quantity) are a
    /// precondition failure, as they are for the strategy.
    ///
    /// `sumBudget` is the most window-sum values held at once (8 bytes each, 256 MiB by default); a
    /// sweep over more distinct window lengths than fit computes each pair's two sums on its own.
    public init(series: BarSeries, instrument: Instrument, rules: RiskRules, config: ExchangeConfig, parameters: [Parameters],
                sumBudget: Int = 1 << 25) {
        precondition(parameters.allSatisfy(\.isValid), "sma-bracket parameters need 0 < fast < slow and positive bracket and quantity")
        precondition(series.count < Int(Int32.max) / 2, "the kernel indexes bars with 32-bit signals")
        self.series = series
        self.instrument = instrument
        self.startingBalance = rules.startingBalance
        self.calendar = config.calendar
        let pairs = Array(Set(parameters.map { Pair(fast: $0.fast, slow: $0.slow) })).sorted { ($0.fast, $0.slow) < ($1.fast, $1.slow) }
        let windows = Array(Set(pairs.flatMap { [$0.fast, $0.slow] })).sorted()
        let close = series.close
        let n = close.count
        let found = SignalSlots(count: pairs.count)
        if windows.count * n <= sumBudget {
            // Window sums, computed once per distinct length (shared by every pair using it).
            let sums = WindowSums(windows: windows, close: close)
            DispatchQueue.concurrentPerform(iterations: pairs.count) { k in
                found.set(k, Self.crossSignals(fast: pairs[k].fast, slow: pairs[k].slow, f: sums[pairs[k].fast], s: sums[pairs[k].slow], n: n))
            }
        } else {
            // Too many distinct lengths to hold every sum series: each pair keeps its own two.
            DispatchQueue.concurrentPerform(iterations: pairs.count) { k in
                let pair = WindowSums(windows: [pairs[k].fast, pairs[k].slow], close: close)
                found.set(k, Self.crossSignals(fast: pairs[k].fast, slow: pairs[k].slow, f: pair[pairs[k].fast], s: pair[pairs[k].slow], n: n))
            }
        }
        var table: [Pair: [Int32]] = [:]
        for (k, p) in pairs.enumerated() { table[p] = found[k] }
        signals = table
        (dayStarts, lastDay) = Self.dayStarts(series.time, calendar)
    }

    /// A kernel over the same bars with these signals (`preparing(_:)` extends one this way).
    init(sharing k: SMABracketKernel, signals: [Pair: [Int32]]) {
        series = k.series; instrument = k.instrument; startingBalance = k.startingBalance; calendar = k.calendar
        self.signals = signals; dayStarts = k.dayStarts; lastDay = k.lastDay
    }

    /// This kernel, prepared also for the `(fast, slow)` pairs of `parameters` it was not prepared
    /// for: the bars, day boundaries and signals already computed are shared, and each new pair's
    /// signals are computed once (from its own two window sums). Returns `self` when every pair is
    /// prepared. An ask/tell sweep, whose configurations arrive one at a time, grows its kernel so.
    /// Invalid parameters are a precondition failure, as in `init`.
    public func preparing(_ parameters: [Parameters]) -> SMABracketKernel {
        precondition(parameters.allSatisfy(\.isValid), "sma-bracket parameters need 0 < fast < slow and positive bracket and quantity")
        let new = Set(parameters.map { Pair(fast: $0.fast, slow: $0.slow) }).subtracting(signals.keys)
        guard !new.isEmpty else { return self }
        var table = signals
        let close = series.close
        for p in new {
            let sums = WindowSums(windows: [p.fast, p.slow], close: close)
            table[p] = Self.crossSignals(fast: p.fast, slow: p.slow, f: sums[p.fast], s: sums[p.slow], n: close.count)
        }
        return SMABracketKernel(sharing: self, signals: table)
    }

    /// The engine's day boundaries: the bars at which the trading session starts a trade day
    /// (`TradeDayClock`, the rule the session uses).
    static func dayStarts(_ time: [Int64], _ cal: SessionCalendar) -> ([(bar: Int, endedDay: Int64)], Int64) {
        var out: [(bar: Int, endedDay: Int64)] = []
        var clock = TradeDayClock(calendar: cal)
        for (i, t) in time.enumerated() {
            let before = clock.day
            if clock.reach(t) != nil, before != Int64.min { out.append((i, before)) }
        }
        return (out, clock.day)
    }

    /// Long and short cross signals of one pair, from the window sums.
    static func crossSignals(fast: Int, slow: Int, f: UnsafeBufferPointer<Int64>, s: UnsafeBufferPointer<Int64>, n: Int) -> [Int32] {
        var out: [Int32] = []
        guard n > slow else { return out }
        let fs = Int64(fast), ss = Int64(slow)
        var previous = ss * f[slow - 1] - fs * s[slow - 1]
        for i in slow..<n {
            let d = ss * f[i] - fs * s[i]
            if d > 0 && previous <= 0 { out.append(Int32(i) << 1) } else if d < 0 && previous >= 0 { out.append(Int32(i) << 1 | 1) }
            previous = d
        }
        return out
    }

    // MARK: Running one configuration

    /// The summary of one configuration; allocates nothing.
    public func summary(_ p: Parameters) -> Summary {
        var sum = Summary()
        let tv = instrument.tickValueCents, fee = 2 * instrument.feePerSide.cents * p.quantity
        walk(p) { t in
            let pnl = t.side * (t.exitTicks - t.entryTicks) * tv * p.quantity - fee
            sum.trades += 1
            if t.side > 0 { sum.longs += 1 } else { sum.shorts += 1 }
            switch t.reason {
            case .stop: sum.stops += 1
            case .target: sum.targets += 1
            case .end: sum.ends += 1
            }
            if pnl > 0 { sum.wins += 1 }
            sum.netCents += pnl
        }
        return sum
    }

    /// The round trips of one configuration, in order.
    public func tradeRecords(_ p: Parameters) -> [TradeRecord] {
        var out: [TradeRecord] = []
        walk(p) { out.append($0) }
        return out
    }

    /// The simulation: walks the pair's signals, and from each accepted one the bars of the trade.
    @inline(__always)
    func walk(_ p: Parameters, _ onTrade: (TradeRecord) -> Void) {
        guard let sig = signals[Pair(fast: p.fast, slow: p.slow)] else {
            preconditionFailure("the kernel was not prepared for fast \(p.fast), slow \(p.slow)")
        }
        let n = series.count
        guard n > 0 else { return }
        series.open.withUnsafeBufferPointer { open in
        series.high.withUnsafeBufferPointer { high in
        series.low.withUnsafeBufferPointer { low in
        sig.withUnsafeBufferPointer { sig in
            let (st, tg) = (p.stopTicks, p.targetTicks)
            var free = 0  // first bar whose signal can count (no position at any moment of it)
            for code in sig {
                let i = Int(code >> 1)
                guard i >= free else { continue }
                guard i < n - 1 else { break }  // a signal on the last bar is dropped
                let e = i + 1
                let entry = open[e]
                var j = e
                if code & 1 == 0 {
                    let stop = entry - st, target = entry + tg
                    while j < n {
                        if low[j] <= stop {
                            onTrade(TradeRecord(side: 1, entryBar: e, exitBar: j, entryTicks: entry, exitTicks: min(open[j], stop), reason: .stop))
                            break
                        }
                        if high[j] >= target {
                            onTrade(TradeRecord(side: 1, entryBar: e, exitBar: j, entryTicks: entry, exitTicks: max(open[j], target), reason: .target))
                            break
                        }
                        j += 1
                    }
                } else {
                    let stop = entry + st, target = entry - tg
                    while j < n {
                        if high[j] >= stop {
                            onTrade(TradeRecord(side: -1, entryBar: e, exitBar: j, entryTicks: entry, exitTicks: max(open[j], stop), reason: .stop))
                            break
                        }
                        if low[j] <= target {
                            onTrade(TradeRecord(side: -1, entryBar: e, exitBar: j, entryTicks: entry, exitTicks: min(open[j], target), reason: .target))
                            break
                        }
                        j += 1
                    }
                }
                if j == n {
                    onTrade(TradeRecord(side: code & 1 == 0 ? 1 : -1, entryBar: e, exitBar: n - 1, entryTicks: entry,
                                        exitTicks: series.close[n - 1], reason: .end))
                    return
                }
                free = j + 1
            }
        }}}}
    }
}

/// Tick sums of the last `w` closes for each window length `w` (defined from bar `w − 1` on),
/// in one allocation that lives as long as the preparation.
final class WindowSums: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Int64>
    private let index: [Int: Int]
    private let n: Int

    init(windows: [Int], close: [Int64]) {
        n = close.count
        storage = .allocate(capacity: max(1, windows.count * n))
        var idx: [Int: Int] = [:]
        for (k, w) in windows.enumerated() {
            idx[w] = k
            let out = storage + k * n
            var s: Int64 = 0
            for i in 0..<n {
                s += close[i]
                if i >= w { s -= close[i - w] }
                out[i] = s
            }
        }
        index = idx
    }

    deinit { storage.deallocate() }

    subscript(w: Int) -> UnsafeBufferPointer<Int64> { UnsafeBufferPointer(start: storage + index[w]! * n, count: n) }
}

/// Result slots written from `concurrentPerform`, one writer per slot (separate memory, so
/// the writers never share an array buffer).
final class SignalSlots: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<[Int32]>
    private let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(1, count))
        slots.initialize(repeating: [], count: count)
    }
    deinit { slots.deinitialize(count: count); slots.deallocate() }
    func set(_ k: Int, _ v: [Int32]) { slots[k] = v }
    subscript(k: Int) -> [Int32] { slots[k] }
}
