import Dispatch
import Foundation
import Synchronization

/// How the Monte Carlo pass probability draws its paths.
public struct PassProbabilityOptions: Hashable, Sendable {
    public enum Resampling: String, Hashable, Sendable, CaseIterable {
        /// Whole trade days in blocks of consecutive days (stationary bootstrap): keeps each
        /// day's trades and intraday path together, and runs of good or bad days.
        case days
        /// Each trade its own block: a simulated day takes the trade count of a random history
        /// day and that many trades drawn independently from all trades.
        case trades
    }

    public enum Block: Hashable, Sendable {
        /// Politis–White (`BlockLength.politisWhite`) on the history's daily P&L.
        case auto
        /// A mean block length in days (1 draws days independently).
        case fixed(Double)
    }

    public var resampling: Resampling
    public var paths: Int
    /// Horizon in trading sessions (days the strategy did not trade count too, when the
    /// history names them).
    public var days: Int
    public var block: Block
    public var seed: UInt64

    public init(resampling: Resampling = .days, paths: Int = 10_000, days: Int = 60, block: Block = .auto, seed: UInt64 = 1) {
        self.resampling = resampling; self.paths = paths; self.days = days; self.block = block; self.seed = seed
    }
}

/// A Monte Carlo estimate and its standard error.
public struct Estimate: Hashable, Sendable, Codable {
    public var value: Double
    public var se: Double
    public init(_ value: Double, se: Double) { self.value = value; self.se = se }
}

/// The chance that a strategy passes a Combine within a horizon, by replaying bootstrapped
/// paths of its trade days through the rules.
///
/// Each path starts a fresh account and replays day after day until it passes, fails or the
/// horizon ends. Within a day, trades are replayed in order with each trade's intraday low and
/// high (`HistoryTrade`): the maximum loss is checked against every low (equity at or below
/// the level fails), the daily loss limit stops the day at −limit (checked before the maximum
/// loss when it is the higher level), and for the `intraday` basis the trade's high raises the
/// trailing level before its low is tested (the pessimistic order; static and eod do not
/// depend on it). At each day's end the `eod` level trails the closing balance and a pass is
/// checked: total profit ≥ `requiredProfit(bestDay:)` with at least `minDays` trading days.
///
/// Standard errors: √(p(1−p)/paths) for the three probabilities; the delta method for
/// expected resets (failures before the first pass, when every attempt is a fresh path:
/// P(fail)/P(pass), attempts that neither pass nor fail are not counted); for a percentile of
/// days to pass, half the distance between the order statistics at rank np ± √(np(1−p)).
public struct PassProbability: Hashable, Sendable {
    public struct Percentile: Hashable, Sendable, Codable {
        public var percentile: Int
        public var days: Double
        public var se: Double
    }

    public var rulesName: String
    public var options: PassProbabilityOptions
    /// The mean block length used (days; 1 for trade resampling).
    public var meanBlockLength: Double
    public var historyDays: Int
    public var historyTrades: Int
    public var pass: Estimate
    public var fail: Estimate
    public var neither: Estimate
    /// 10th, 25th, 50th, 75th, 90th percentiles of days to pass, over the paths that passed.
    public var daysToPass: [Percentile]
    public var meanDaysToPass: Estimate?
    /// Failed attempts (each a reset) expected before a pass; nil when no path passed.
    public var expectedResets: Estimate?
    public var expectedResetCost: Estimate?
    /// Paths that passed (failed) on day d + 1.
    public var passesByDay: [Int]
    public var failuresByDay: [Int]

    public static let percentiles = [10, 25, 50, 75, 90]

    /// Runs the simulation on every core. Deterministic for a seed: paths are simulated in
    /// fixed chunks, each with its own random stream.
    ///
    /// - Throws: `PassProbabilityError` for an empty history or options out of range.
    public static func simulate(_ history: TradeHistory, rules: CombineRules, options: PassProbabilityOptions) throws -> PassProbability {
        guard history.dayCount > 0 else { throw PassProbabilityError.emptyHistory }
        guard options.paths > 0 else { throw PassProbabilityError.option("paths", "must be at least 1") }
        guard options.days > 0 else { throw PassProbabilityError.option("days", "must be at least 1") }
        let block: Double
        switch (options.resampling, options.block) {
        case (.trades, _): block = 1
        case (.days, .auto): block = BlockLength.politisWhite(history.dayPnl).stationary
        case let (.days, .fixed(b)):
            guard b >= 1, b.isFinite else { throw PassProbabilityError.option("block", "must be at least 1 day") }
            block = b
        }
        if options.resampling == .trades && history.tradeCount == 0 { throw PassProbabilityError.emptyHistory }
        let replay = CombineReplay(history: history, rules: rules, horizon: options.days, trades: options.resampling == .trades,
                                   newBlockProbability: 1 / block)
        let chunk = 256
        let chunks = (options.paths + chunk - 1) / chunk
        let tallies = Mutex([CombineReplay.Tally](repeating: CombineReplay.Tally(horizon: 0), count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var rng = PathRandom(seed: options.seed, stream: c)
            var tally = CombineReplay.Tally(horizon: options.days)
            let n = min(chunk, options.paths - c * chunk)
            for _ in 0..<n { replay.run(&rng, into: &tally) }
            tallies.withLock { $0[c] = tally }
        }
        var passes = [Int](repeating: 0, count: options.days), fails = passes
        tallies.withLock { all in
            for t in all {
                for d in 0..<options.days { passes[d] += t.passes[d]; fails[d] += t.fails[d] }
            }
        }
        return summarise(rules: rules, options: options, block: block, history: history, passes: passes, fails: fails)
    }

    static func summarise(rules: CombineRules, options: PassProbabilityOptions, block: Double, history: TradeHistory,
                          passes: [Int], fails: [Int]) -> PassProbability {
        let n = Double(options.paths)
        let nPass = passes.reduce(0, +), nFail = fails.reduce(0, +)
        func share(_ k: Int) -> Estimate {
            let p = Double(k) / n
            return Estimate(p, se: (p * (1 - p) / n).squareRoot())
        }
        let pass = share(nPass), fail = share(nFail), neither = share(options.paths - nPass - nFail)
        // Days to pass: order statistics read from the histogram (day d + 1 holds ranks
        // cumulative[d − 1] ..< cumulative[d]), not from an array of every passing path.
        var percentiles: [Percentile] = []
        var meanDays: Estimate?
        if nPass > 0 {
            let m = Double(nPass)
            func at(_ rank: Double) -> Double {
                let index = min(nPass - 1, max(0, Int(rank.rounded(.up)) - 1))
                var below = 0
                for (d, k) in passes.enumerated() {
                    below += k
                    if index < below { return Double(d + 1) }
                }
                return Double(passes.count)
            }
            for q in Self.percentiles {
                let p = Double(q) / 100
                let spread = (m * p * (1 - p)).squareRoot()
                percentiles.append(Percentile(percentile: q, days: at(m * p), se: (at(m * p + spread) - at(m * p - spread)) / 2))
            }
            var sum = 0.0
            for (d, k) in passes.enumerated() { sum += Double(d + 1) * Double(k) }
            let mean = sum / m
            // Summed path by path in day order, as the sorted list was.
            var squares = 0.0
            for (d, k) in passes.enumerated() where k > 0 {
                let dev = (Double(d + 1) - mean) * (Double(d + 1) - mean)
                for _ in 0..<k { squares += dev }
            }
            let variance = m > 1 ? squares / (m - 1) : 0
            meanDays = Estimate(mean, se: (variance / m).squareRoot())
        }
        var resets: Estimate?, cost: Estimate?
        if nPass > 0 {
            let p = pass.value, f = fail.value
            let variance = f * (1 - f) / (p * p * n) + f * f * (1 - p) / (p * p * p * n) + 2 * f * f / (p * p * n)
            let r = Estimate(f / p, se: variance.squareRoot())
            resets = r
            cost = Estimate(r.value * rules.resetPrice.dollars, se: r.se * rules.resetPrice.dollars)
        }
        return PassProbability(rulesName: rules.name, options: options, meanBlockLength: block, historyDays: history.dayCount,
                               historyTrades: history.tradeCount, pass: pass, fail: fail, neither: neither, daysToPass: percentiles,
                               meanDaysToPass: meanDays, expectedResets: resets, expectedResetCost: cost,
                               passesByDay: passes, failuresByDay: fails)
    }
}

public enum PassProbabilityError: Error, Hashable, Sendable, CustomStringConvertible {
    case emptyHistory
    case option(String, String)

    public var description: String {
        switch self {
        case .emptyHistory: "the history has no closed trades to resample: give a run or a trades file in which the strategy traded"
        case let .option(name, why): "--\(name) \(why)"
        }
    }
}

/// One path's replay through the rules: the hot loop, on plain doubles and the history's
/// arrays (no allocation per path or day).
struct CombineReplay: Sendable {
    struct Tally: Sendable {
        var passes: [Int]
        var fails: [Int]
        init(horizon: Int) { passes = Array(repeating: 0, count: horizon); fails = passes }
    }

    let history: TradeHistory
    let start: Double, target: Double, share: Double, dll: Double, maxLoss: Double
    let hasDLL: Bool, locks: Bool
    let basis: CombineRules.MaxLossBasis
    let minDays: Int
    let horizon: Int
    let tradeResampling: Bool
    let newBlock: Double

    init(history: TradeHistory, rules: CombineRules, horizon: Int, trades: Bool, newBlockProbability: Double) {
        self.history = history
        start = rules.startBalance.dollars; target = rules.profitTarget.dollars; share = rules.consistencyShare ?? 0
        dll = rules.dailyLossLimit?.dollars ?? 0; hasDLL = rules.dailyLossLimit != nil
        maxLoss = rules.maxLoss.dollars; locks = rules.maxLossLock == .startBalance; basis = rules.maxLossBasis
        minDays = rules.minDays; self.horizon = horizon; tradeResampling = trades; newBlock = newBlockProbability
    }

    @inline(__always) func trailing(_ reference: Double) -> Double {
        let level = reference - maxLoss
        return locks ? min(level, start) : level
    }

    /// Replays one bootstrapped path and counts its outcome on the day it happened.
    func run(_ rng: inout PathRandom, into tally: inout Tally) {
        var picker = BootstrapPicker(rng: rng, days: history.dayCount, trades: history.tradeCount, tradeResampling: tradeResampling,
                                     newBlock: newBlock)
        let (outcome, day) = replay(&picker)
        rng = picker.rng
        switch outcome {
        case .passed: tally.passes[day - 1] += 1
        case .failed: tally.fails[day - 1] += 1
        case .neither: break
        }
    }

    /// Replays one path whose days (and, resampling trades, trades) `picker` chooses; the
    /// outcome and the 1-based day it happened on (the horizon for `.neither`).
    func replay<P: DayPicker>(_ picker: inout P) -> (CombineOutcome, Int) {
        history.low.withUnsafeBufferPointer { low in
        history.high.withUnsafeBufferPointer { high in
        history.pnl.withUnsafeBufferPointer { pnl in
        history.dayFirstTrade.withUnsafeBufferPointer { first in
            var balance = start, eodHigh = start, peak = start, best = 0.0
            var tradingDays = 0
            for d in 0..<horizon {
                let day = picker.day(d)
                let a = Int(first[day])
                let count = Int(first[day + 1]) - a
                let dayStart = balance
                var level: Double
                switch basis {
                case .static: level = start - maxLoss
                case .eod: level = trailing(eodHigh)
                case .intraday: level = trailing(peak)
                }
                var dayPnl = 0.0
                for j in 0..<count {
                    let t = tradeResampling ? picker.trade() : a + j
                    if basis == .intraday {
                        let h = dayStart + dayPnl + high[t]
                        if h > peak { peak = h; level = trailing(peak) }
                    }
                    let lowPnl = dayPnl + low[t]
                    let floor = level - dayStart
                    // Falling through −limit first flattens the day (the limit is the higher level).
                    if hasDLL && lowPnl <= -dll && -dll > floor { dayPnl = -dll; break }
                    if lowPnl <= floor { return (.failed, d + 1) }
                    dayPnl += pnl[t]
                }
                balance = dayStart + dayPnl
                if count > 0 { tradingDays += 1 }
                if dayPnl > best { best = dayPnl }
                if balance > eodHigh { eodHigh = balance }
                if balance > peak { peak = balance }
                let need = share > 0 ? max(target, best / share) : target
                if balance - start >= need - 1e-9 && tradingDays >= minDays { return (.passed, d + 1) }
            }
            return (.neither, horizon)
        }}}}
    }
}

/// How one Combine attempt ended.
public enum CombineOutcome: String, Hashable, Sendable, Codable {
    case passed, failed, neither
}

/// Chooses the history day (and trade) each simulated day replays.
protocol DayPicker {
    mutating func day(_ d: Int) -> Int
    mutating func trade() -> Int
}

/// The stationary bootstrap over days (a new block with probability 1/b, else the next day,
/// wrapping), or, resampling trades, a random day's trade count filled with random trades.
struct BootstrapPicker: DayPicker {
    var rng: PathRandom
    let days: Int, trades: Int
    let tradeResampling: Bool
    let newBlock: Double
    var current = 0

    init(rng: PathRandom, days: Int, trades: Int, tradeResampling: Bool, newBlock: Double) {
        self.rng = rng; self.days = days; self.trades = trades; self.tradeResampling = tradeResampling; self.newBlock = newBlock
    }

    @inline(__always) mutating func day(_ d: Int) -> Int {
        if tradeResampling || d == 0 || rng.unit() < newBlock {
            current = rng.below(days)
        } else {
            current += 1
            if current == days { current = 0 }
        }
        return current
    }

    @inline(__always) mutating func trade() -> Int { rng.below(trades) }
}

/// The history's days in a given order, trades as they are (for replaying one path by hand).
struct FixedDays: DayPicker {
    let order: [Int]
    mutating func day(_ d: Int) -> Int { order[d] }
    mutating func trade() -> Int { preconditionFailure("a fixed path does not resample trades") }
}

extension PassProbability {
    /// Replays one attempt over the history's days in `order` (indexes into `history.dates`),
    /// with the same rules as the simulation: how it ended and on which day (1-based).
    public static func replay(_ history: TradeHistory, rules: CombineRules, order: [Int]) -> (outcome: CombineOutcome, day: Int) {
        let replay = CombineReplay(history: history, rules: rules, horizon: order.count, trades: false, newBlockProbability: 1)
        var picker = FixedDays(order: order)
        let (o, d) = replay.replay(&picker)
        return (o, d)
    }
}
