import Data

/// The high and low of one trade date's overnight window, in ticks.
///
/// The window of trade date D is `[start on the calendar day before D, end on D)`, by default
/// 18:00 → 09:30 America/New_York (Globex evening open to cash open), from
/// `SessionCalendar.overnightWindow(for:start:end:)`, so daylight-saving changes in either zone are
/// right; `Window.startsOnTradeDate` moves the start onto D for a morning window. Only trading days
/// (`SessionCalendar.isTradingDay`) have windows. A bar belongs to the window when its start time lies in it (a bar stamped 09:29 ET covers
/// 09:29–09:30 and counts; the 09:30 bar does not).
public struct OvernightRange: Sendable, Hashable {
    /// Where the window starts and ends: wall-clock times on the calendar day before the trade date
    /// (or on the trade date itself, `startsOnTradeDate`) and on the trade date.
    public struct Window: Sendable, Hashable, CustomStringConvertible {
        public var start: LocalTime
        public var end: LocalTime
        /// False (the default): `start` is on the calendar day before the trade date, as
        /// `SessionCalendar.overnightWindow` has it. True: on the trade date, for a morning window
        /// such as 03:00 → 09:30 ET (the London session).
        public var startsOnTradeDate: Bool
        public init(start: LocalTime = .globexEveningOpenET, end: LocalTime = .cashOpenET, startsOnTradeDate: Bool = false) {
            self.start = start; self.end = end; self.startsOnTradeDate = startsOnTradeDate
        }
        /// 18:00 → 09:30 America/New_York.
        public static let standard = Window()
        public var description: String { "\(start)\(startsOnTradeDate ? "" : " (day before)") → \(end)" }

        /// The window of a trade date in UTC, half-open.
        public func interval(for date: TradeDate, calendar: SessionCalendar) -> TimeWindow {
            if startsOnTradeDate { return TimeWindow(from: start.instant(on: date), to: end.instant(on: date)) }
            return calendar.overnightWindow(for: date, start: start, end: end)
        }
    }

    public var tradeDate: TradeDate
    /// The window in UTC, half-open.
    public var window: TimeWindow
    /// Highest high and lowest low of the window's bars, in ticks.
    public var high: Int64
    public var low: Int64
    /// Start of the first bar that reached the high / the low.
    public var highTime: Timestamp
    public var lowTime: Timestamp
    /// Bars seen in the window (gaps are normal overnight).
    public var bars: Int

    /// high − low, in ticks.
    public var range: Int64 { high - low }
    /// (high + low) / 2, in ticks.
    public var midpoint: Double { Double(high + low) / 2 }

    /// The ranges of every trade date whose window holds at least one bar of `series`, in date
    /// order. The last one may be partial when the series stops inside its window: read a range
    /// only once its `window.to` has passed (the `OvernightRangeTracker` does that for you).
    ///
    /// - Precondition: the window's end on a date comes before its start on that date (windows of
    ///   consecutive dates do not overlap).
    public static func compute(_ series: BarSeries, window: Window = .standard,
                               calendar: SessionCalendar = .cmeEquityIndex) -> [OvernightRange] {
        var tracker = OvernightRangeTracker(window: window, calendar: calendar)
        var out: [OvernightRange] = []
        for i in 0..<series.count {
            if let r = tracker.update(time: series.time[i], high: series.high[i], low: series.low[i]) { out.append(r) }
        }
        if let partial = tracker.current { out.append(partial) }
        return out
    }
}

/// Builds overnight ranges from bars fed one at a time, for live use and backtests.
///
/// `update` returns a trade date's range exactly once, when the first bar at or after the window's
/// end arrives (that bar is not part of it); `advance(to:)` does the same from a clock when no bar
/// comes. `current` is the window in progress, `last` the latest completed one. O(1) per bar: the
/// window's bounds are cached and recomputed only when a bar falls outside them.
public struct OvernightRangeTracker: Sendable {
    public let window: OvernightRange.Window
    public let calendar: SessionCalendar
    /// The range being built; partial until its window ends.
    public private(set) var current: OvernightRange?
    /// The most recent completed range.
    public private(set) var last: OvernightRange?
    // Times in [gapFrom, gapUntil) are known to lie in no window.
    private var gapFrom = Int64.max
    private var gapUntil = Int64.min

    public init(window: OvernightRange.Window = .standard, calendar: SessionCalendar = .cmeEquityIndex) {
        self.window = window; self.calendar = calendar
        for probe in [TradeDate(year: 2019, month: 1, day: 15), TradeDate(year: 2019, month: 3, day: 11), TradeDate(year: 2019, month: 11, day: 4)] {
            let a = window.interval(for: probe.adding(days: -1), calendar: calendar)
            let b = window.interval(for: probe, calendar: calendar)
            precondition(a.to <= b.from && b.from < b.to, "overnight window \(window) overlaps the next day's or is empty")
        }
    }

    /// Adds one bar (start time in UTC seconds, high and low in ticks). Returns the range of a
    /// window that this bar's time closed, if any.
    public mutating func update(time: Int64, high: Int64, low: Int64) -> OvernightRange? {
        let finished = advance(to: time)
        if var r = current, time >= r.window.from.seconds, time < r.window.to.seconds {
            if high > r.high { r.high = high; r.highTime = Timestamp(seconds: time) }
            if low < r.low { r.low = low; r.lowTime = Timestamp(seconds: time) }
            r.bars += 1
            current = r
            return finished
        }
        if time >= gapFrom && time < gapUntil { return finished }
        if let (date, w) = locate(time) {
            let t = Timestamp(seconds: time)
            current = OvernightRange(tradeDate: date, window: w, high: high, low: low, highTime: t, lowTime: t, bars: 1)
        }
        return finished
    }

    /// Closes the current window if `time` is at or past its end, and returns it then.
    public mutating func advance(to time: Int64) -> OvernightRange? {
        guard let r = current, time >= r.window.to.seconds else { return nil }
        current = nil
        last = r
        return r
    }

    /// The trading day whose window contains `t`, or nil (then caches the gap up to the next window).
    private mutating func locate(_ t: Int64) -> (TradeDate, TimeWindow)? {
        let zone = window.start.zone
        let local = t + zone.offset(atUTC: t)
        let localDay = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        for d in localDay...(localDay + 1) {
            let date = TradeDate(dayNumber: d)
            guard calendar.isTradingDay(date) else { continue }
            let w = window.interval(for: date, calendar: calendar)
            if t >= w.from.seconds && t < w.to.seconds { return (date, w) }
        }
        // In no window: find where the next one starts.
        var d = localDay
        while d < localDay + 400 {
            let date = TradeDate(dayNumber: d)
            if calendar.isTradingDay(date) {
                let w = window.interval(for: date, calendar: calendar)
                if w.from.seconds > t { gapFrom = t; gapUntil = w.from.seconds; break }
            }
            d += 1
        }
        return nil
    }
}
