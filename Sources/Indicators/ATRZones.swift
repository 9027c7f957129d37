import Data

/// The daily ATR from session-aware daily bars (`Resample` to 1d: one bar per CME trade date, the
/// 17:00–16:00 CT trading day with holidays and early closes).
public enum DailyATR {
    /// The ATR after a trade date's session closed, in ticks.
    public struct Value: Sendable, Hashable {
        /// The trade date of the last daily bar in this ATR.
        public var tradeDate: TradeDate
        public var atr: Double
    }

    /// One value per trade date from the first warm one on (dates without bars are skipped, as
    /// `Resample` skips them). `series` may be intraday (it is resampled) or already daily.
    ///
    /// - Throws: `DataError.badInput` from `Resample` (time not increasing, or a timeframe that does
    ///   not divide a day).
    public static func compute(_ series: BarSeries, period: Int = 14, seeding: ATRSeeding = .taLib,
                               calendar: SessionCalendar = .cmeEquityIndex) throws -> [Value] {
        let daily = series.timeframe == .oneDay ? series : try series.resampled(to: .oneDay, calendar: calendar)
        let atr = ATR.compute(high: daily.prices(\.high), low: daily.prices(\.low), close: daily.prices(\.close),
                              period: period, seeding: seeding)
        var out: [Value] = []
        out.reserveCapacity(max(0, daily.count - atr.warmup))
        for i in atr.warmup..<daily.count {
            out.append(Value(tradeDate: calendar.tradeDate(containing: Timestamp(seconds: daily.time[i])), atr: atr.values[i]))
        }
        return out
    }
}

/// How the daily ATR zones are built: `open ± (dailyATR / 2) × multiplier` for each multiplier.
public struct ATRZoneConfiguration: Sendable, Hashable {
    /// ATR length in daily bars.
    public var period: Int
    /// The seed's zones use 0.5 and 0.68.
    public var multipliers: [Double]
    public var seeding: ATRSeeding

    public init(period: Int = 14, multipliers: [Double] = [0.5, 0.68], seeding: ATRSeeding = .taLib) {
        self.period = period; self.multipliers = multipliers; self.seeding = seeding
    }
}

/// One trade date's ATR zones around the regular-session open, in ticks.
///
/// No look-ahead: `dailyATR` is the ATR of the daily bars of trade dates **before** this one (the
/// latest is `atrDate`, normally the previous trading day), known once the previous session closed;
/// `open` is the open of the regular-session open bar of this trade date — the bar stamped at 08:30
/// America/Chicago (09:30 New York), or, when that minute has no bar, the first bar after it in the
/// same session (`openTime` says which). Known from that bar on.
public struct ATRZones: Sendable, Hashable {
    public struct Level: Sendable, Hashable {
        public var multiplier: Double
        public var upper: Double
        public var lower: Double
    }

    public var tradeDate: TradeDate
    public var openTime: Timestamp
    /// Open of the regular-session open bar, ticks.
    public var open: Int64
    /// Daily ATR through `atrDate`, ticks.
    public var dailyATR: Double
    public var atrDate: TradeDate
    public var multipliers: [Double]

    /// open + (dailyATR / 2) × multiplier, in ticks (not rounded to the grid).
    @inlinable public func upper(_ multiplier: Double) -> Double { Double(open) + dailyATR / 2 * multiplier }
    /// open − (dailyATR / 2) × multiplier, in ticks.
    @inlinable public func lower(_ multiplier: Double) -> Double { Double(open) - dailyATR / 2 * multiplier }
    /// Every configured level, in `multipliers` order.
    public var levels: [Level] { multipliers.map { Level(multiplier: $0, upper: upper($0), lower: lower($0)) } }

    /// The zones of every trade date of `series` that has a regular-session open bar and a warm daily
    /// ATR from earlier dates, in date order.
    ///
    /// - Throws: `DataError.badInput` from `Resample` (see `DailyATR.compute`).
    public static func compute(_ series: BarSeries, configuration: ATRZoneConfiguration = .init(),
                               calendar: SessionCalendar = .cmeEquityIndex) throws -> [ATRZones] {
        let daily = try DailyATR.compute(series, period: configuration.period, seeding: configuration.seeding, calendar: calendar)
        var out: [ATRZones] = []
        var k = -1                      // daily[k] is the latest ATR with a date before the current day
        var sessionEnd = Int64.min
        var day: Int64 = 0
        var regularOpen: Int64? = nil
        var done = true
        for i in 0..<series.count {
            let t = series.time[i]
            if t >= sessionEnd {
                day = calendar.tradeDayNumber(containing: t)
                let date = TradeDate(dayNumber: day)
                sessionEnd = calendar.session(for: date)?.close.seconds ?? t + 1
                regularOpen = calendar.regularOpen(for: date)?.seconds
                while k + 1 < daily.count && daily[k + 1].tradeDate.dayNumber < day { k += 1 }
                done = false
            }
            guard !done, let ro = regularOpen, t >= ro else { continue }
            done = true
            guard k >= 0 else { continue }
            out.append(ATRZones(tradeDate: TradeDate(dayNumber: day), openTime: Timestamp(seconds: t), open: series.open[i],
                                dailyATR: daily[k].atr, atrDate: daily[k].tradeDate, multipliers: configuration.multipliers))
        }
        return out
    }
}

/// Builds ATR zones from intraday bars fed one at a time (live and backtests): aggregates each trade
/// date's daily bar, feeds it to a daily `ATR` when the next trade date's first bar arrives, and
/// returns the new day's zones at its regular-session open bar. O(1) per bar, no allocation.
public struct ATRZoneTracker: Sendable {
    public let configuration: ATRZoneConfiguration
    public let calendar: SessionCalendar
    /// The zones of the current trade date, once its regular session opened.
    public private(set) var current: ATRZones?
    private var atr: ATR
    private var lastATR: DailyATR.Value?
    private var sessionEnd = Int64.min
    private var day: Int64 = 0
    private var regularOpen: Int64?
    private var done = true
    private var high = 0.0, low = 0.0, close = 0.0
    private var hasDay = false

    public init(configuration: ATRZoneConfiguration = .init(), calendar: SessionCalendar = .cmeEquityIndex) {
        self.configuration = configuration; self.calendar = calendar
        atr = ATR(period: configuration.period, seeding: configuration.seeding)
    }

    /// The daily ATR known now (through the last completed trade date), in ticks.
    public var dailyATR: DailyATR.Value? { lastATR }

    /// Adds one intraday bar (UTC start seconds, prices in ticks); returns the trade date's zones
    /// when this is its regular-session open bar and the daily ATR is warm.
    public mutating func update(time: Int64, open: Int64, high h: Int64, low l: Int64, close c: Int64) -> ATRZones? {
        if time >= sessionEnd {
            if hasDay, let v = atr.update(high: high, low: low, close: close) {
                lastATR = DailyATR.Value(tradeDate: TradeDate(dayNumber: day), atr: v)
            }
            day = calendar.tradeDayNumber(containing: time)
            let date = TradeDate(dayNumber: day)
            sessionEnd = calendar.session(for: date)?.close.seconds ?? time + 1
            regularOpen = calendar.regularOpen(for: date)?.seconds
            high = Double(h); low = Double(l)
            hasDay = true
            done = false
            current = nil
        } else {
            if Double(h) > high { high = Double(h) }
            if Double(l) < low { low = Double(l) }
        }
        close = Double(c)
        guard !done, let ro = regularOpen, time >= ro else { return nil }
        done = true
        guard let a = lastATR else { return nil }
        let z = ATRZones(tradeDate: TradeDate(dayNumber: day), openTime: Timestamp(seconds: time), open: open,
                         dailyATR: a.atr, atrDate: a.tradeDate, multipliers: configuration.multipliers)
        current = z
        return z
    }
}
