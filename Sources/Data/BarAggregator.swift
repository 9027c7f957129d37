/// Completed bars of a coarser timeframe, built as a strategy's bars arrive: a strategy trading
/// one-minute bars asks for five-minute, hourly or daily bars (session-aware, on the CME trade day)
/// and never sees one before it has closed.
///
/// The bars are grouped exactly as `Resample` groups them (the same grouper): intraday buckets on
/// UTC multiples of the length, daily bars by trade date stamped at the session open, weekly and
/// monthly bars by the trade date's week and month. A coarser bar is handed out with the source bar
/// that closes it: the one whose end reaches the bucket's end (the session close for a daily bar).
/// When that bar is missing (no trades in the bucket's last minute), the coarser bar is handed out
/// with the first bar of the next bucket, before it joins its own: late, never early. Weekly and
/// monthly bars always come that way.
///
/// ```swift
/// var fiveMinute = BarAggregator(from: .oneMinute, to: Timeframe("5m")!)
/// func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
///     for b in fiveMinute.add(bar) { atr5.update(high: b.high.ticks, low: b.low.ticks, close: b.close.ticks) }
/// }
/// ```
public struct BarAggregator: Sendable {
    public let source: Timeframe
    public let target: Timeframe
    /// Every coarser bar completed so far, oldest first.
    public private(set) var completed: BarSeries
    private var grouper: Resample.Grouper
    private let sourceSeconds: Int64
    private var key = Int64.min, stamp: Int64 = 0, end = Int64.min
    private var o: Int64 = 0, h: Int64 = 0, l: Int64 = 0, c: Int64 = 0, v: Int64 = 0
    private var previous = Int64.min

    /// Bars of `source` (the bars the strategy receives) into bars of `target`, a coarser multiple
    /// of it (`Timeframe.isMultiple(of:)`; 1d, 1w and 1M by the session calendar).
    public init(from source: Timeframe, to target: Timeframe, symbol: String = "", tickSize: TickSize = TickSize(units: 1, scale: 0),
                calendar: SessionCalendar = .cmeEquityIndex) {
        precondition(target.isMultiple(of: source) && !(target.isSessionBased && target.count != 1),
                     "BarAggregator: \(target) bars cannot be built from \(source) bars")
        precondition(source.fixedSeconds != nil, "BarAggregator: the source bars must be intraday, not \(source)")
        self.source = source
        self.target = target
        sourceSeconds = source.fixedSeconds!
        completed = BarSeries(symbol: symbol, timeframe: target, tickSize: tickSize)
        let mode: Resample.Mode = switch target.unit {
        case .day: .daily
        case .week: .weekly
        case .month: .monthly
        default: .fixed(target.fixedSeconds!)
        }
        grouper = Resample.Grouper(mode: mode, calendar: calendar)
    }

    /// Adds the next finished source bar (in time order) and returns the coarser bars it completes,
    /// oldest first: none, one, or two (the bucket a missing last bar left open, and its own).
    public mutating func add(_ bar: Bar) -> [Bar] {
        let t = bar.time.seconds
        precondition(t > previous, "BarAggregator: bars must come in increasing time (\(bar.time) after \(Timestamp(seconds: previous)))")
        precondition(previous == Int64.min || t - previous >= sourceSeconds,
                     "BarAggregator: bars \(t - previous) s apart, but the source is \(source): give it the timeframe the strategy runs on")
        previous = t
        var out: [Bar] = []
        let (k, s) = grouper.group(of: t)
        if k != key {
            if key != Int64.min && end != Int64.max { out.append(finish()) }
            key = k; stamp = s
            o = bar.open.ticks; h = bar.high.ticks; l = bar.low.ticks; c = bar.close.ticks; v = bar.volume
            // Where the bucket ends: its length, the session's close, or unknown (weeks, months).
            switch target.unit {
            case .day: end = grouper.sessionEnd
            case .week, .month: end = Int64.max - 1
            default: end = k + target.fixedSeconds!
            }
        } else {
            if bar.high.ticks > h { h = bar.high.ticks }
            if bar.low.ticks < l { l = bar.low.ticks }
            c = bar.close.ticks
            v += bar.volume
        }
        if t + sourceSeconds >= end { out.append(finish()) }
        return out
    }

    private mutating func finish() -> Bar {
        let b = Bar(stamp, o, h, l, c, v)
        completed.append(b)
        end = Int64.max  // handed out: the next bar starts a new bucket
        return b
    }
}
