import Data

/// Volume-weighted average price anchored at each CME trade date's session open (17:00 CT the
/// evening before, per `SessionCalendar`): Σ(typical price × volume) / Σ volume over the bars of
/// the current trade date, typical price = (high + low + close) / 3.
///
/// The sum is kept as Σ((high + low + close) × volume) and divided by 3·Σvolume once, so for tick
/// inputs and whole volumes the sums are exact integers. No warm-up; a session whose bars so far
/// have no volume has no value (nil / NaN). A bar in the daily break or after an early close
/// belongs to the next trade date, as in `SessionCalendar.tradeDate(containing:)`. Bars must come
/// in increasing time.
public struct SessionVWAP: Sendable {
    public let calendar: SessionCalendar
    @usableFromInline var sessionEnd = Int64.min
    @usableFromInline var day: Int64 = 0
    @usableFromInline var priceVolume = 0.0
    @usableFromInline var volume = 0.0

    public init(calendar: SessionCalendar = .cmeEquityIndex) { self.calendar = calendar }

    public var warmup: Int { 0 }
    /// The trade date of the session being averaged, nil before the first bar.
    public var tradeDate: TradeDate? { sessionEnd == .min ? nil : TradeDate(dayNumber: day) }
    /// The current VWAP, nil before the session's first volume.
    public var value: Double? { volume > 0 ? priceVolume / (3 * volume) : nil }

    /// Adds one bar stamped `time` (UTC seconds, bar start); returns the session's VWAP so far.
    @inlinable
    public mutating func update(time: Int64, high: Double, low: Double, close: Double, volume v: Double) -> Double? {
        if time >= sessionEnd { startSession(containing: time) }
        priceVolume += (high + low + close) * v
        volume += v
        return volume > 0 ? priceVolume / (3 * volume) : nil
    }

    @usableFromInline
    mutating func startSession(containing time: Int64) {
        day = calendar.tradeDayNumber(containing: time)
        // tradeDayNumber answers trading days only, which always have a session.
        sessionEnd = calendar.session(for: TradeDate(dayNumber: day))?.close.seconds ?? time + 1
        priceVolume = 0
        volume = 0
    }

    public mutating func reset() { self = SessionVWAP(calendar: calendar) }

    /// Vectorised VWAP over a series (one loop; the trade date is looked up once per session).
    /// `warmup` is the index of the first bar with a value (0 unless the first bars have no volume).
    public static func compute(time: [Int64], high: [Double], low: [Double], close: [Double], volume: [Double],
                               calendar: SessionCalendar = .cmeEquityIndex) -> IndicatorSeries {
        let n = time.count
        precondition(high.count == n && low.count == n && close.count == n && volume.count == n, "VWAP inputs differ in length")
        var vwap = SessionVWAP(calendar: calendar)
        var first = n
        let values = [Double](unsafeUninitializedCapacity: n) { out, initialized in
            time.withUnsafeBufferPointer { t in high.withUnsafeBufferPointer { h in low.withUnsafeBufferPointer { l in
                close.withUnsafeBufferPointer { c in volume.withUnsafeBufferPointer { v in
                    for i in 0..<n {
                        if let x = vwap.update(time: t[i], high: h[i], low: l[i], close: c[i], volume: v[i]) {
                            out[i] = x
                            if first == n { first = i }
                        } else {
                            out[i] = .nan
                        }
                    }
                } }
            } } }
            initialized = n
        }
        return IndicatorSeries(values: values, warmup: first)
    }

    /// Vectorised VWAP over bars, in the series' ticks.
    public static func compute(_ series: BarSeries, calendar: SessionCalendar = .cmeEquityIndex) -> IndicatorSeries {
        compute(time: series.time, high: series.prices(\.high), low: series.prices(\.low), close: series.prices(\.close),
                volume: series.volumes, calendar: calendar)
    }
}
