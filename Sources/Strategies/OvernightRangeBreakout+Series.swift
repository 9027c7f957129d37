import Data
import Indicators
import Trading

/// The series the overnight-range breakout reads: what it once accumulated from every bar it was
/// handed (the day's high, low and close for the daily ATR, the overnight range), computed once
/// per set of bars and shared by every configuration with the same values of the parameters in
/// the key. Each is a fold over all the bars, so a backtest that jumps over quiet bars and a live
/// runner that extends the series bar by bar read the same numbers. Prices are in ticks; NaN
/// where there is no value yet.
///
/// The keys name the calendar by its description (zone, hours, holiday span): two calendars that
/// differ only in rows inside the same span would share series. Every configuration of a run uses
/// one calendar, so the keys tell apart what a sweep varies.
extension OvernightRangeBreakout {
    /// The daily ATR in ticks at each bar: Wilder's ATR of the completed trade dates before the
    /// bar's own (each date's highest high, lowest low and last close), so a day never reads its
    /// own range. NaN until `period` dates are in (TA-Lib seeding) or `period − 1` (Pine).
    public static func dailyATR(period: Int, seeding: ATRSeeding, calendar: SessionCalendar) -> SeriesRecipe {
        SeriesRecipe("overnight_range.daily_atr:\(period):\(seeding.rawValue):\(calendar)") {
            DailyATRFold(dates: TradeDateTracker(calendar: calendar), atr: ATR(period: period, seeding: seeding))
        }
    }

    /// The highest high of the bar's trade date's overnight window so far (bars starting in
    /// `[start` the day before, `end` on the date`)`, in ticks; NaN before the window's first bar.
    public static func overnightHigh(start: LocalTime, end: LocalTime, calendar: SessionCalendar) -> SeriesRecipe {
        SeriesRecipe("overnight_range.high:\(start):\(end):\(calendar)") {
            OvernightExtremeFold(side: .high, start: start, end: end, dates: TradeDateTracker(calendar: calendar))
        }
    }

    /// The lowest low of the bar's trade date's overnight window so far, as `overnightHigh`.
    public static func overnightLow(start: LocalTime, end: LocalTime, calendar: SessionCalendar) -> SeriesRecipe {
        SeriesRecipe("overnight_range.low:\(start):\(end):\(calendar)") {
            OvernightExtremeFold(side: .low, start: start, end: end, dates: TradeDateTracker(calendar: calendar))
        }
    }

    /// The last close of the trade date before the bar's (the gap filter's reference), in ticks;
    /// 0 on the first date of the bars.
    public static func previousClose(calendar: SessionCalendar) -> SeriesRecipe {
        SeriesRecipe("overnight_range.previous_close:\(calendar)") { PreviousCloseFold(dates: TradeDateTracker(calendar: calendar)) }
    }
}

/// The trade date of each bar in time order, by the calendar (`tradeDate(containing:)` of the bar's
/// start): the strategy and its folds roll the day with it, at the same bar. The calendar is
/// consulted once a day, at or after the date's session close, not once a bar.
///
/// This is the calendar's date, not the session's roll (`TradeDayClock`): a bar in the daily break
/// or after an early close already belongs to the next date here, while the session rolls only at
/// the next open. The strategy rolls its day here, as it always has.
struct TradeDateTracker {
    let calendar: SessionCalendar
    /// The trade date of the last bar; nil before the first.
    private(set) var day: TradeDate?
    /// Bars starting before this instant (UTC seconds, the date's session close) belong to `day`.
    private(set) var dayEnds = Int64.min

    init(calendar: SessionCalendar) { self.calendar = calendar }

    /// Moves to the bar starting at `t` (bars in time order); true when it starts a new trade date.
    mutating func startsNewDate(_ t: Timestamp) -> Bool {
        guard t.seconds >= dayEnds || day == nil else { return false }
        let td = calendar.tradeDate(containing: t)
        dayEnds = calendar.session(for: td)?.close.seconds ?? t.seconds + 1
        guard td != day else { return false }
        day = td
        return true
    }
}

/// `OvernightRangeBreakout.dailyATR`: the ATR is fed each trade date's high, low and close when
/// the next date's first bar arrives.
struct DailyATRFold: SeriesFold {
    var dates: TradeDateTracker
    var atr: ATR
    var high = Int64.min, low = Int64.max, close: Int64 = 0, hasBars = false

    mutating func next(_ bar: Bar) -> Double {
        if dates.startsNewDate(bar.time) {
            if hasBars { _ = atr.update(high: Double(high), low: Double(low), close: Double(close)) }
            high = Int64.min; low = Int64.max; hasBars = false
        }
        high = max(high, bar.high.ticks); low = min(low, bar.low.ticks); close = bar.close.ticks; hasBars = true
        return atr.value ?? .nan
    }
}

/// `OvernightRangeBreakout.overnightHigh` / `overnightLow`: the extreme of the bars whose start
/// lies in the current trade date's window.
struct OvernightExtremeFold: SeriesFold {
    enum Side { case high, low }
    let side: Side
    let start: LocalTime, end: LocalTime
    var dates: TradeDateTracker
    var window = TimeWindow(from: .distantPast, to: .distantPast)
    var extreme: Int64?

    mutating func next(_ bar: Bar) -> Double {
        if dates.startsNewDate(bar.time), let td = dates.day {
            window = dates.calendar.overnightWindow(for: td, start: start, end: end)
            extreme = nil
        }
        if bar.time >= window.from && bar.time < window.to {
            let price = side == .high ? bar.high.ticks : bar.low.ticks
            extreme = extreme.map { side == .high ? max($0, price) : min($0, price) } ?? price
        }
        return extreme.map(Double.init) ?? .nan
    }
}

/// `OvernightRangeBreakout.previousClose`.
struct PreviousCloseFold: SeriesFold {
    var dates: TradeDateTracker
    var close: Int64 = 0, previous: Int64 = 0, hasBars = false

    mutating func next(_ bar: Bar) -> Double {
        let newDate = dates.startsNewDate(bar.time)
        if newDate && hasBars { previous = close }
        close = bar.close.ticks; hasBars = true
        return Double(previous)
    }
}
