/// Builds coarser bars from finer ones: open of the first bar, highest high, lowest low, close of
/// the last bar, summed volume. Buckets with no source bar are not created.
///
/// How bars are grouped depends on the target:
/// - **Intraday (1s … 4h and any fixed length below a day):** buckets are aligned to UTC clock
///   multiples of the target length counted from 1970-01-01T00:00Z, and a bar is stamped at its
///   bucket's start. So 1h bars start on the UTC hour and 4h bars at 00, 04, 08, 12, 16 and 20Z —
///   not at the 17:00 CT session open. A source bar lands in the bucket holding its start time.
/// - **Daily (1d):** session-aware. Bars are grouped by `SessionCalendar.tradeDate(containing:)`:
///   the day boundary is the session close (16:00 CT, or an early close), not midnight UTC, and a
///   bar in the break or over a weekend joins the next trade date. The daily bar is stamped at
///   the session open of its trade date — 17:00 CT on the previous calendar day, as UTC
///   (2019-03-11's bar is stamped 2019-03-10T22:00Z, 2019-03-08's 2019-03-07T23:00Z).
/// - **Weekly (1w) and monthly (1M):** trade dates grouped by ISO week (Monday to Friday trade
///   dates) or by the calendar month of the trade date, each bar stamped at the session open of
///   the calendar's first trading day of that week or month — whether or not the source has bars
///   for that day, so a partial week and the full week land on the same timestamp. A month's
///   stamp can fall on the previous calendar month (October 2018 opens 2018-09-30T22:00Z).
///
/// The source must be in strictly increasing time; the target must be a coarser multiple of the
/// source timeframe (`Timeframe.isMultiple(of:)`); day-based targets must have a count of 1.
public enum Resample {
    /// Resamples `series` to `target`. The result keeps the symbol and tick size.
    ///
    /// - Throws: `DataError.badInput` (file: the symbol, field `timeframe`) when `target` is not a
    ///   coarser multiple of the source timeframe or is a multi-day/week/month count, and (field
    ///   `time`) when the source is not in strictly increasing time.
    public static func resample(
        _ series: BarSeries, to target: Timeframe, calendar: SessionCalendar = .cmeEquityIndex
    ) throws -> BarSeries {
        let source = series.timeframe
        guard target.isMultiple(of: source) else {
            throw DataError.badInput(
                file: series.symbol, line: nil, field: "timeframe",
                reason: "cannot resample \(source) bars to \(target): the target must be a coarser multiple of the source timeframe")
        }
        if target.isSessionBased && target.count != 1 {
            throw DataError.badInput(
                file: series.symbol, line: nil, field: "timeframe",
                reason: "cannot resample to \(target): only 1d, 1w and 1M are built from the session calendar")
        }
        var out = BarSeries(symbol: series.symbol, timeframe: target, tickSize: series.tickSize)
        let n = series.count
        if n == 0 { return out }

        let mode: Mode
        switch target.unit {
        case .day: mode = .daily
        case .week: mode = .weekly
        case .month: mode = .monthly
        default: mode = .fixed(target.fixedSeconds!)
        }
        if case .fixed(let length) = mode, let step = source.fixedSeconds {
            out.reserveCapacity(min(n, Int(Int64(n) * step / length) + 2))
        }

        try series.withColumns { bars in
            let time = bars.time, open = bars.open, high = bars.high, low = bars.low, close = bars.close, volume = bars.volume
            var grouper = Grouper(mode: mode, calendar: calendar)
            var key = Int64.min
            var stamp: Int64 = 0, o: Int64 = 0, h: Int64 = 0, l: Int64 = 0, c: Int64 = 0, v: Int64 = 0
            var previous = Int64.min
            for i in 0..<n {
                let t = time[i]
                guard t > previous else {
                    throw DataError.badInput(
                        file: series.symbol, line: nil, field: "time",
                        reason: "bar \(i) at \(Timestamp(seconds: t)) is not after bar \(i - 1) at \(Timestamp(seconds: previous)): resampling needs strictly increasing time")
                }
                previous = t
                let (k, s) = grouper.group(of: t)
                if k != key {
                    if key != Int64.min { out.append(Bar(stamp, o, h, l, c, v)) }
                    key = k; stamp = s
                    o = open[i]; h = high[i]; l = low[i]; c = close[i]; v = volume[i]
                } else {
                    if high[i] > h { h = high[i] }
                    if low[i] < l { l = low[i] }
                    c = close[i]
                    v += volume[i]
                }
            }
            out.append(Bar(stamp, o, h, l, c, v))
        }
        return out
    }

    enum Mode {
        case fixed(Int64), daily, weekly, monthly
    }

    /// Maps a bar time to its group key and stamp. Caches the current trade date's session end so
    /// consecutive bars of one session cost one comparison.
    struct Grouper {
        let mode: Mode
        let calendar: SessionCalendar
        var sessionEnd = Int64.min      // bars with time < sessionEnd belong to `day`
        var day: Int64 = 0              // trade date day number
        var groupKey = Int64.min
        var groupStamp: Int64 = 0

        init(mode: Mode, calendar: SessionCalendar) { self.mode = mode; self.calendar = calendar }

        @inline(__always)
        mutating func group(of t: Int64) -> (Int64, Int64) {
            if case .fixed(let length) = mode {
                let bucket = (t >= 0 ? t / length : (t - length + 1) / length) * length
                return (bucket, bucket)
            }
            if t < sessionEnd { return (groupKey, groupStamp) }
            // A new trade date (input is increasing, so t is past the cached session's close).
            day = calendar.tradeDayNumber(containing: t)
            let date = TradeDate(dayNumber: day)
            let session = calendar.session(for: date)!  // tradeDayNumber returns trading days only
            sessionEnd = session.close.seconds
            switch mode {
            case .fixed: break
            case .daily:
                groupKey = day; groupStamp = session.open.seconds
            case .weekly:
                let monday = date.weekMonday.dayNumber
                if monday != groupKey {
                    groupKey = monday
                    groupStamp = firstOpen(from: monday, through: day)
                }
            case .monthly:
                let month = Int64(date.year) * 12 + Int64(date.month - 1)
                if month != groupKey {
                    groupKey = month
                    let first = CivilTime.daysFromCivil(year: date.year, month: date.month, day: 1)
                    groupStamp = firstOpen(from: first, through: day)
                }
            }
            return (groupKey, groupStamp)
        }

        /// Session open of the first trading day in `[from, through]` (`through` is a trading day).
        func firstOpen(from: Int64, through: Int64) -> Int64 {
            var d = from
            while d < through && !calendar.isTradingDay(dayNumber: d) { d += 1 }
            return calendar.session(for: TradeDate(dayNumber: d))!.open.seconds
        }
    }
}

extension BarSeries {
    /// This series resampled to a coarser timeframe; see `Resample` for the grouping rules.
    public func resampled(to target: Timeframe, calendar: SessionCalendar = .cmeEquityIndex) throws -> BarSeries {
        try Resample.resample(self, to: target, calendar: calendar)
    }
}
