import Data
import Trading

/// The order in which a bar's prices are assumed to have traded when only OHLC is known.
///
/// Every model starts at the open and ends at the close; they differ in which extreme comes
/// first. When a bar could fill more than one order, the simulated exchange first looks for
/// finer bars of the same instrument (drill-down) and uses the model only when it has none.
public enum PathModel: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Open → the extreme nearer the open → the farther extreme → close (ties: low first).
    case nearestExtremeFirst = "nearest"
    /// The extreme adverse to the position held once the open has traded comes first (long: low
    /// first; short: high first; flat: nearest first).
    case worstCase = "worst"
    /// The favourable extreme comes first.
    case bestCase = "best"
    /// The convention of vectorised peers (the sma-bracket reference): the adverse extreme comes
    /// first and a protective stop touched anywhere in the bar beats a take-profit, even one the
    /// bar opened beyond.
    case stopFirst = "stop-first"

    public var description: String { rawValue }
}

/// The simulated exchange's settings.
public struct ExchangeConfig: Sendable {
    public var pathModel: PathModel = .nearestExtremeFirst
    /// On trade prints, a resting limit order fills when a print goes through its price by at
    /// least a tick (the default: the queue ahead of it is not modelled, and a print at the price
    /// may have filled others first), or when a print touches it.
    public var limitFillOnPrints: LimitFill = .through
    public enum LimitFill: String, Sendable, CaseIterable { case through, touch }
    /// Adverse slippage in ticks for stop and market fills (limits fill at their price or
    /// better). A slipped price never leaves the range the bar traded.
    public var stopSlippageTicks: Int64 = 0
    public var marketSlippageTicks: Int64 = 0
    /// At most this share of a bar's volume fills per order per bar (partial fills); nil fills
    /// any size at once.
    public var maxVolumeShare: Double?
    public var calendar: SessionCalendar = .cmeEquityIndex
    /// No fills while the calendar says the market is closed (bars stamped in the break, on a
    /// weekend or a closed holiday are skipped; orders wait).
    public var enforceSessions = true
    /// Refuse orders placed while the market is closed (ProjectX's OutsideTradingHours) instead
    /// of letting them wait for the open.
    public var rejectWhenClosed = false
    /// Refuse stop orders whose stop the last price has already passed (CME behaviour).
    public var rejectStopsThroughMarket = true
    /// Combine attempts on history: when the account passes (profit target with consistency) or
    /// fails (maximum loss), the attempt is recorded and a fresh account opens the next trade day
    /// (`CombineAttempts`; needs rules with a profit target or a maximum loss).
    public var attempts = false
    /// Play every ambiguous bar that finer data decides under each path model too, and score the
    /// models against the finer data (`FidelityAudit`).
    public var fidelityAudit = false
    public init() {}
}

/// Up to four prices a bar is assumed to have traded through, in order.
@usableFromInline
struct BarPath {
    @usableFromInline var p: (Int64, Int64, Int64, Int64)
    @usableFromInline var count: Int

    @inlinable
    subscript(i: Int) -> Int64 {
        switch i {
        case 0: p.0
        case 1: p.1
        case 2: p.2
        default: p.3
        }
    }

    /// `position` is the signed position at the bar's start (for worst/best case).
    @inlinable
    init(open o: Int64, high h: Int64, low l: Int64, close c: Int64, model: PathModel, position: Int64) {
        let lowFirst: Bool
        switch model {
        case .nearestExtremeFirst:
            lowFirst = o - l <= h - o
        case .worstCase, .stopFirst:
            lowFirst = position > 0 ? true : position < 0 ? false : o - l <= h - o
        case .bestCase:
            lowFirst = position > 0 ? false : position < 0 ? true : o - l <= h - o
        }
        p = lowFirst ? (o, l, h, c) : (o, h, l, c)
        count = 4
    }
}
