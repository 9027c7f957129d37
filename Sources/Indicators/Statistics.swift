import Data
import Foundation

// Performance statistics of an equity curve and of a list of trades, defined to match
// empyrical-reloaded where empyrical defines them (checked against its values by the fixtures of
// scripts/reference/stats_empyrical.py), with every undefined case given an explicit, finite
// answer instead of NaN or infinity:
//
// - Returns are simple period returns r = E_k / E_(k-1) − 1 of the **closes** of each period: by
//   default each CME trade date (the last point stamped in that trade date's session, via
//   `SessionCalendar.tradeDate(containing:)`), or each point as given. The first point is the
//   starting equity E_0; only points after it form periods.
// - Sharpe = mean(r) / std(r, ddof 1) × sqrt(annualisation) (empyrical `sharpe_ratio`, risk-free 0).
//   **0** when there are fewer than two returns or the returns do not vary (all equal, e.g. a flat
//   curve): empyrical answers NaN or ±inf there.
// - Sortino = mean(r) × A / (sqrt(mean(min(r, 0)²)) × sqrt(A)): empyrical `sortino_ratio` with
//   target 0, whose downside deviation squares the shortfalls of **all** returns and divides by
//   their count n (ddof 0), not by the number of losing periods. **0** with fewer than two returns
//   or a zero downside deviation (no losing period).
// - Annualised return = (E_last / E_0)^(A / n) − 1 over n returns (empyrical `annual_return`;
//   empyrical's `cagr` is the same number). CAGR here is calendar-time growth instead:
//   (E_last / E_0)^(1 / years) − 1 with years = elapsed seconds / (365.25 × 86,400) from the first
//   to the last point; nil when less than a day elapsed.
// - Drawdowns are measured on every point as given (intraday points give intraday drawdowns). The
//   peak is the last point at the running maximum before the drop (the starting equity counts), the
//   trough the lowest point before recovery, the recovery the first later point at or above the
//   peak; an unrecovered drawdown lasts until the last point. `maxDrawdownPercent.fraction` is
//   empyrical's `max_drawdown` (as a positive number) when the points are the period closes.
// - Calmar = annualised return / max drawdown fraction (empyrical `calmar_ratio`); **0** without a
//   drawdown (empyrical: NaN).
// Equity must stay positive: returns of a curve through zero mean nothing, and the statistics
// refuse it (`StatisticsError.nonPositiveEquity`). A file of cumulative P&L needs the starting
// capital added first.

/// Timestamps (UTC seconds, strictly increasing) and account equity in dollars, optionally with the
/// position held from each point to the next (signed contracts) for the exposure.
public struct EquityCurve: Sendable, Hashable {
    public var time: [Int64]
    public var equity: [Double]
    public var position: [Double]?

    /// - Precondition: the arrays have equal lengths.
    public init(time: [Int64], equity: [Double], position: [Double]? = nil) {
        precondition(time.count == equity.count && (position?.count ?? time.count) == time.count,
                     "time, equity and position differ in length")
        self.time = time; self.equity = equity; self.position = position
    }

    public var count: Int { time.count }
}

/// What one return period is.
public enum ReturnPeriods: Sendable {
    /// One period per CME trade date (the default): the last point of each trade date is its close.
    case tradeDates(SessionCalendar)
    /// Every point after the first closes one period (a curve that is already daily, or a sweep).
    case asGiven
}

public struct PerformanceOptions: Sendable {
    /// Periods per year: 252 for trade dates.
    public var annualization: Double
    public var periods: ReturnPeriods

    public init(annualization: Double = 252, periods: ReturnPeriods = .tradeDates(.cmeEquityIndex)) {
        self.annualization = annualization; self.periods = periods
    }
}

/// Why statistics could not be computed. `exitCode` is the CLI's (65: bad input data).
public enum StatisticsError: Error, Equatable, CustomStringConvertible, Sendable {
    case empty
    case nonPositiveEquity(index: Int, time: Timestamp, equity: Double)
    case timeNotIncreasing(index: Int, time: Timestamp)

    public var exitCode: Int32 { 65 }

    public var description: String {
        switch self {
        case .empty:
            return "the equity curve has no points"
        case let .nonPositiveEquity(i, t, e):
            return "equity must stay positive for return statistics: point \(i + 1) at \(t) is \(e); "
                + "for a file of cumulative P&L, add the starting capital"
        case let .timeNotIncreasing(i, t):
            return "point \(i + 1) at \(t) is not after the point before it: times must increase"
        }
    }
}

/// One drawdown episode, in dollars and as a fraction of its peak.
public struct Drawdown: Sendable, Hashable {
    /// Peak − trough, dollars (≥ 0).
    public var amount: Double
    /// (peak − trough) / peak (≥ 0; 0.1 is 10 %).
    public var fraction: Double
    public var peak: Timestamp
    public var trough: Timestamp
    /// First point back at or above the peak; nil when the curve ends under water.
    public var recovery: Timestamp?
    /// Seconds from the peak to the recovery, or to the last point when not recovered.
    public var duration: Int64
}

/// Statistics of an equity curve; see the notes at the top of `Statistics.swift` for definitions.
public struct EquityStatistics: Sendable, Hashable {
    public var start: Timestamp
    public var end: Timestamp
    public var startingEquity: Double
    public var endingEquity: Double
    public var netProfit: Double
    /// Number of returns (periods after the first point).
    public var periods: Int
    public var annualization: Double
    public var totalReturn: Double
    public var annualisedReturn: Double
    public var cagr: Double?
    /// std(r, ddof 1) × sqrt(A); 0 with fewer than two returns.
    public var annualVolatility: Double
    public var sharpe: Double
    public var sortino: Double
    /// sqrt(mean(min(r, 0)²)) × sqrt(A).
    public var downsideDeviation: Double
    public var calmar: Double
    /// The largest drawdown in dollars, nil when the curve never fell below a peak.
    public var maxDrawdown: Drawdown?
    /// The largest drawdown as a fraction of its peak (often the same episode).
    public var maxDrawdownPercent: Drawdown?
    /// The drawdown that lasted longest.
    public var longestDrawdown: Drawdown?
    /// Fraction of the time from the first to the last point with a non-zero position; nil when the
    /// curve has no positions.
    public var exposure: Double?
}

public enum Performance {
    /// The period returns of a curve and the time of each period's closing point.
    ///
    /// - Throws: `StatisticsError` for an empty curve, time that does not increase, or equity ≤ 0.
    public static func periodReturns(_ curve: EquityCurve, periods: ReturnPeriods = .tradeDates(.cmeEquityIndex))
        throws -> (close: [Int64], returns: [Double]) {
        try validate(curve)
        let n = curve.count
        var closes: [Int64] = [], returns: [Double] = []
        switch periods {
        case .asGiven:
            closes = Array(curve.time.dropFirst())
            returns.reserveCapacity(n - 1)
            for i in 1..<max(1, n) { returns.append(curve.equity[i] / curve.equity[i - 1] - 1) }
        case .tradeDates(let calendar):
            var previous = curve.equity[0]
            var sessionEnd = Int64.min
            var lastIndex = -1
            for i in 1..<max(1, n) {
                let t = curve.time[i]
                if t >= sessionEnd {
                    if lastIndex >= 0 {
                        returns.append(curve.equity[lastIndex] / previous - 1)
                        closes.append(curve.time[lastIndex])
                        previous = curve.equity[lastIndex]
                    }
                    let day = calendar.tradeDayNumber(containing: t)
                    sessionEnd = calendar.session(for: TradeDate(dayNumber: day))?.close.seconds ?? t + 1
                }
                lastIndex = i
            }
            if lastIndex >= 0 {
                returns.append(curve.equity[lastIndex] / previous - 1)
                closes.append(curve.time[lastIndex])
            }
        }
        return (closes, returns)
    }

    /// Annualised Sharpe ratio of period returns (risk-free 0); 0 when undefined (see the notes).
    public static func sharpe(_ returns: [Double], annualization: Double = 252) -> Double {
        let m = Moments(returns)
        return m.sharpe(annualization)
    }

    /// Annualised Sortino ratio with target 0 (empyrical's definition); 0 when undefined.
    public static func sortino(_ returns: [Double], annualization: Double = 252) -> Double {
        Moments(returns).sortino(annualization)
    }

    /// Every drawdown episode of a curve, in time order (see the notes for peak/trough/recovery).
    public static func drawdowns(time: [Int64], equity: [Double]) -> [Drawdown] {
        precondition(time.count == equity.count, "time and equity differ in length")
        var out: [Drawdown] = []
        let n = equity.count
        guard n > 1 else { return out }
        func episode(_ p: Int, _ t: Int, _ r: Int?) {
            let amount = equity[p] - equity[t]
            let end = r.map { time[$0] } ?? time[n - 1]
            out.append(Drawdown(amount: amount, fraction: amount / equity[p], peak: Timestamp(seconds: time[p]),
                                trough: Timestamp(seconds: time[t]), recovery: r.map { Timestamp(seconds: time[$0]) },
                                duration: end - time[p]))
        }
        var peak = 0, trough = -1
        for i in 1..<n {
            let e = equity[i]
            if e >= equity[peak] {
                if trough >= 0 { episode(peak, trough, i) }
                peak = i; trough = -1
            } else if trough < 0 || e < equity[trough] {
                trough = i
            }
        }
        if trough >= 0 { episode(peak, trough, nil) }
        return out
    }

    /// All equity statistics of a curve.
    ///
    /// - Throws: `StatisticsError` for an empty curve, time that does not increase, or equity ≤ 0.
    public static func statistics(of curve: EquityCurve, options: PerformanceOptions = .init()) throws -> EquityStatistics {
        let (_, returns) = try periodReturns(curve, periods: options.periods)
        let a = options.annualization
        let m = Moments(returns)
        let first = curve.equity[0], last = curve.equity[curve.count - 1]
        let ratio = last / first
        let episodes = drawdowns(time: curve.time, equity: curve.equity)
        var byAmount: Drawdown?, byFraction: Drawdown?, longest: Drawdown?
        for d in episodes {
            if d.amount > (byAmount?.amount ?? 0) { byAmount = d }
            if d.fraction > (byFraction?.fraction ?? 0) { byFraction = d }
            if d.duration > (longest?.duration ?? -1) { longest = d }
        }
        let elapsed = curve.time[curve.count - 1] - curve.time[0]
        let years = Double(elapsed) / (365.25 * 86_400)
        let annual = returns.isEmpty ? 0 : pow(ratio, a / Double(returns.count)) - 1
        let maxFraction = byFraction?.fraction ?? 0
        var exposure: Double?
        if let pos = curve.position {
            var busy: Int64 = 0
            for i in 0..<max(0, curve.count - 1) where pos[i] != 0 { busy += curve.time[i + 1] - curve.time[i] }
            exposure = elapsed > 0 ? Double(busy) / Double(elapsed) : 0
        }
        return EquityStatistics(
            start: Timestamp(seconds: curve.time[0]), end: Timestamp(seconds: curve.time[curve.count - 1]),
            startingEquity: first, endingEquity: last, netProfit: last - first, periods: returns.count,
            annualization: a, totalReturn: ratio - 1, annualisedReturn: annual,
            cagr: elapsed >= 86_400 ? pow(ratio, 1 / years) - 1 : nil,
            annualVolatility: m.standardDeviation * a.squareRoot(), sharpe: m.sharpe(a), sortino: m.sortino(a),
            downsideDeviation: m.downsideDeviation * a.squareRoot(),
            calmar: maxFraction > 0 ? annual / maxFraction : 0,
            maxDrawdown: byAmount, maxDrawdownPercent: byFraction, longestDrawdown: longest, exposure: exposure)
    }

    static func validate(_ curve: EquityCurve) throws {
        guard curve.count > 0 else { throw StatisticsError.empty }
        for i in 0..<curve.count {
            if !(curve.equity[i] > 0) {
                throw StatisticsError.nonPositiveEquity(index: i, time: Timestamp(seconds: curve.time[i]), equity: curve.equity[i])
            }
            if i > 0 && curve.time[i] <= curve.time[i - 1] {
                throw StatisticsError.timeNotIncreasing(index: i, time: Timestamp(seconds: curve.time[i]))
            }
        }
    }
}

/// Mean, sample deviation and downside deviation of a return series, with the zero-variance rules
/// in one place. Two passes (mean, then squared deviations), as numpy's `std` does.
struct Moments {
    var count: Int
    var mean = 0.0
    /// std(r, ddof 1); 0 when fewer than two returns or all equal.
    var standardDeviation = 0.0
    /// sqrt(mean(min(r, 0)²)), ddof 0 over all returns.
    var downsideDeviation = 0.0

    init(_ r: [Double]) {
        count = r.count
        guard count > 0 else { return }
        var sum = 0.0, downside = 0.0
        var lo = r[0], hi = r[0]
        for x in r {
            sum += x
            if x < 0 { downside += x * x }
            if x < lo { lo = x }
            if x > hi { hi = x }
        }
        mean = sum / Double(count)
        downsideDeviation = (downside / Double(count)).squareRoot()
        guard count > 1, lo != hi else { return }
        var squares = 0.0
        for x in r { let d = x - mean; squares += d * d }
        standardDeviation = (squares / Double(count - 1)).squareRoot()
    }

    func sharpe(_ a: Double) -> Double {
        count > 1 && standardDeviation > 0 ? mean / standardDeviation * a.squareRoot() : 0
    }

    func sortino(_ a: Double) -> Double {
        count > 1 && downsideDeviation > 0 ? mean * a / (downsideDeviation * a.squareRoot()) : 0
    }
}
