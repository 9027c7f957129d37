import Data
import Indicators
import Trading

/// The overnight-range breakout that started the product (the seed bot's `overnight_range`).
///
/// Each trading day: track the high and low of the overnight window (18:00 → 09:30
/// America/New_York by default: Globex evening open to cash open). At the cash open place a buy
/// stop at high + buffer and a sell stop at low − buffer, one cancelling the other, each with a
/// bracket: stop-loss at `entry ∓ ATR × atr_multiplier_sl`, take-profit at the daily ATR zone
/// boundary `anchor ± (dailyATR / 2) × zone_multiplier` unless that boundary lies inside the
/// overnight range, then `entry ± ATR × atr_multiplier_tp`. After +`breakeven_profit_pts` the stop
/// moves to the entry; at `eod_flatten_time` everything is closed. All prices are whole ticks.
///
/// - The ATR is the daily ATR (`atr_period` completed sessions, TA-Lib seeding by default,
///   `atr_seeding: pine` for Pine Script's), computed from the bars before the day it trades, so
///   it never uses that day.
/// - The zone anchor is the last traded price when the cash open arrives (the close of the bar
///   ending at 09:30 ET): what a live runner knows at 09:30:00. No later price is used.
/// - A side whose entry the market has already passed at the cash open is not placed.
///
/// The daily ATR, the overnight range and the previous close are shared series
/// (`OvernightRangeBreakout+Series.swift`): a sweep computes them once per window, ATR period and
/// seeding, and the strategy needs no bar for them. What it still decides on bars it declares
/// (`waitingFor`), so a backtest hands it only the bars that can matter: the first of each trade
/// date, the cash open, the breakeven price, the flatten time.
public final class OvernightRangeBreakout: Strategy, ReadsSeries, DeclaresWake {
    public let name = "overnight_range"
    public let symbols: [String]
    let p: ParameterSet
    let calendar: SessionCalendar
    let windowStart: LocalTime
    let windowEnd: LocalTime
    let flattenAt: LocalTime?

    // The shared series (ticks), attached before `onStart`.
    var dailyATR: Series!
    var overnightHigh: Series!, overnightLow: Series!
    var previousClose: Series!
    /// The current trade date, rolled by the calendar at the first bar of each date as the series'
    /// folds roll it.
    var dates: TradeDateTracker
    var window = TimeWindow(from: .distantPast, to: .distantPast)
    var placed = false
    var flattened = false
    var entrySide: OrderSide?
    var entryPrice: Int64 = 0
    var stopOrder: OrderID?
    var breakevenDone = false
    /// Gain in ticks that moves the stop to the entry; nil when `use_breakeven` is off.
    var breakevenTicks: Int64?
    var flattenInstant = Timestamp.distantFuture
    /// Why no orders were placed on a day (for reports and tests).
    public private(set) var skipped: [(TradeDate, String)] = []
    /// The levels of each day's orders (for reports and tests).
    public private(set) var plans: [Plan] = []

    public struct Plan: Hashable, Sendable {
        public var tradeDate: TradeDate
        public var rangeHigh: Int64, rangeLow: Int64
        public var dailyATR: Double
        public var anchor: Int64
        public var longEntry: Int64?, longStop: Int64?, longTarget: Int64?
        public var shortEntry: Int64?, shortStop: Int64?, shortTarget: Int64?
        public var longTargetFromZone: Bool, shortTargetFromZone: Bool
        /// The day's ATR zone, `anchor ± (dailyATR / 2) × zone_multiplier`, in ticks.
        public var upperZone: Int64, lowerZone: Int64
        /// The overnight window, and when the day's orders stop (the flatten time, else the session's close).
        public var rangeFrom: Timestamp, rangeTo: Timestamp, dayEnd: Timestamp
    }

    public init(symbol: String, parameters: ParameterSet, calendar: SessionCalendar = .cmeEquityIndex) throws {
        symbols = [symbol]
        p = parameters
        self.calendar = calendar
        dates = TradeDateTracker(calendar: calendar)
        windowStart = parameters.time("window_start")
        windowEnd = parameters.time("window_end")
        flattenAt = parameters.bool("eod_flatten") ? parameters.time("eod_flatten_time") : nil
        settings = Settings(parameters)
    }

    /// The parameters read when the orders are placed, looked up once: by name each day they cost
    /// 5 % of the overnight-range sweep with shared series (hashing, perf on `tsxlab-bench sweep`).
    struct Settings {
        let atrPeriod: Int64, quantity: Int64, entryBuffer: Int64
        let stopATRs: Double, targetATRs: Double, zoneMultiplier: Double
        let filterRange: Bool, minRange: Double, maxRange: Double
        let filterGap: Bool, maxGap: Double
        let filterATR: Bool, minATR: Double, maxATR: Double
        let filterLossRoom: Bool, minLossRoom: Double

        init(_ p: ParameterSet) {
            atrPeriod = p.int("atr_period"); quantity = p.int("position_size"); entryBuffer = p.int("entry_buffer_ticks")
            stopATRs = p.double("atr_multiplier_sl"); targetATRs = p.double("atr_multiplier_tp"); zoneMultiplier = p.double("zone_multiplier")
            filterRange = p.bool("filter_range_size"); minRange = p.double("min_range_pts"); maxRange = p.double("max_range_pts")
            filterGap = p.bool("filter_gap"); maxGap = p.double("max_gap_pts")
            filterATR = p.bool("filter_volatility"); minATR = p.double("min_atr_pts"); maxATR = p.double("max_atr_pts")
            filterLossRoom = p.bool("filter_dll_proximity"); minLossRoom = p.double("min_dll_remaining_usd")
        }
    }
    let settings: Settings

    var tick: Double = 0.25

    public func attach(_ market: MarketSeries) {
        let seeding: ATRSeeding = p.string("atr_seeding") == "pine" ? .pine : .taLib
        dailyATR = market.series(Self.dailyATR(period: Int(p.int("atr_period")), seeding: seeding, calendar: calendar))
        overnightHigh = market.series(Self.overnightHigh(start: windowStart, end: windowEnd, calendar: calendar))
        overnightLow = market.series(Self.overnightLow(start: windowStart, end: windowEnd, calendar: calendar))
        previousClose = market.series(Self.previousClose(calendar: calendar))
    }

    public func onStart(broker: any Broker) {
        if let ins = broker.instrument(symbols[0]) { tick = ins.spec.tickSize.value }
        breakevenTicks = p.bool("use_breakeven") ? Int64((p.double("breakeven_profit_pts") / tick).rounded()) : nil
    }

    /// The bars `onBar` acts on; on any other bar it changes nothing. The next trade date's first
    /// bar, which rolls the day (asked as the bar closing at the session's close, so the day's last
    /// bar is handed too: a bar on which nothing holds changes nothing); until the orders are
    /// placed, the bar closing at the cash open; until flattened, the bar closing at the flatten
    /// time; while a filled entry waits for breakeven, a bar reaching entry ± the breakeven gain.
    /// Fills and the stop's id arrive as events.
    ///
    /// The day rolls at the calendar's first bar of a date, as it did when the strategy saw every
    /// bar, not at the session's roll (`onSessionOpen`): the two differ where bars fall in the
    /// daily break or after an early close (four dates of ES 2018, `calendarBeforeSession`), and
    /// the roll comes before the first bar's fills where the day used to start after them.
    public var waitingFor: Wake {
        guard dates.day != nil else { return .everyBar }
        var wake = Wake.barClosing(atOrAfter: Timestamp(seconds: dates.dayEnds))
        if !placed { wake = wake.or(.barClosing(atOrAfter: window.to)) }
        // Without a flatten time the instant is the distant future, which the day's end always
        // precedes. Testing `flattenAt` here copied the optional time and retained its zone at
        // every bar the engine landed on: 1.7 % of a six-year search (perf).
        if !flattened { wake = wake.or(.barClosing(atOrAfter: flattenInstant)) }
        if let side = entrySide, !breakevenDone, let need = breakevenTicks, stopOrder != nil {
            wake = wake.or(side == .buy ? .high(atOrAbove: entryPrice + need) : .low(atOrBelow: entryPrice - need))
        }
        return wake
    }

    public func onEvent(_ event: BrokerEvent, broker: any Broker) {
        // The events read below; the others (about half a day's) return before a case with a
        // payload is bound, which copies the whole event (3 % of the overnight-range grid in the
        // copy, perf on `tsxlab-bench sweep`).
        switch event {
        case .orderFilled, .orderWorking, .orderAccepted, .positionChanged: break
        default: return
        }
        switch event {
        case .orderFilled(let o, let f) where o.symbol == symbols[0]:
            if o.request.purpose == .entry { entrySide = o.side; entryPrice = f.price.ticks }
        case .orderWorking(let o) where o.request.purpose == .stopLoss && o.symbol == symbols[0]:
            stopOrder = o.id
        case .orderAccepted(let o) where o.request.purpose == .stopLoss && o.symbol == symbols[0]:
            stopOrder = o.id
        case .positionChanged(let pos) where pos.symbol == symbols[0] && pos.isFlat:
            entrySide = nil
        default: break
        }
    }

    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        if dates.startsNewDate(bar.time), let td = dates.day { startDay(td) }
        let td = dates.day!
        let t = bar.time
        let closeTime = broker.now
        if !placed && closeTime >= window.to {
            placed = true
            // Only at the cash open itself: a bar that ends later means the open was missed.
            if closeTime.seconds - t.seconds >= closeTime.seconds - window.to.seconds {
                placeOrders(anchor: bar.close.ticks, td: td, broker: broker)
            } else {
                skipped.append((td, "no bar ended at the cash open"))
            }
        }
        if let side = entrySide, !breakevenDone, let need = breakevenTicks, let stop = stopOrder {
            let favourable = side == .buy ? bar.high.ticks - entryPrice : entryPrice - bar.low.ticks
            if favourable >= need {
                breakevenDone = true
                _ = broker.modify(stop, OrderChange(stopPrice: Price(ticks: entryPrice)))
            }
        }
        if !flattened && closeTime >= flattenInstant {
            flattened = true
            _ = broker.flatten(symbols[0], reason: "eod")
        }
    }

    func startDay(_ td: TradeDate) {
        window = calendar.overnightWindow(for: td, start: windowStart, end: windowEnd)
        placed = false; flattened = false; breakevenDone = false; stopOrder = nil
        flattenInstant = flattenAt?.instant(on: td) ?? .distantFuture
    }

    func skip(_ td: TradeDate, _ why: String) { skipped.append((td, why)) }

    func placeOrders(anchor: Int64, td: TradeDate, broker: any Broker) {
        let s = settings
        // The window's bars up to this one; NaN before its first bar compares false.
        let high = overnightHigh[0], low = overnightLow[0]
        guard high >= low else { return skip(td, "no overnight bars") }
        let rangeHigh = Int64(high), rangeLow = Int64(low)
        let atrTicks = dailyATR[0]
        guard !atrTicks.isNaN else { return skip(td, "daily ATR still warming up (\(s.atrPeriod) sessions)") }
        let range = rangeHigh - rangeLow
        let pts = { (ticks: Int64) in Double(ticks) * self.tick }
        if s.filterRange {
            if pts(range) < s.minRange || pts(range) > s.maxRange {
                return skip(td, "overnight range \(pts(range)) points outside \(s.minRange)…\(s.maxRange)")
            }
        }
        if s.filterGap {
            let gap = abs(anchor - Int64(previousClose[0]))
            if pts(gap) > s.maxGap { return skip(td, "opening gap \(pts(gap)) points above \(s.maxGap)") }
        }
        let atrPts = atrTicks * tick
        if s.filterATR {
            if atrPts < s.minATR || atrPts > s.maxATR {
                return skip(td, "daily ATR \(atrPts) points outside \(s.minATR)…\(s.maxATR)")
            }
        }
        if s.filterLossRoom, let room = broker.account.dailyLossRemaining, room.dollars < s.minLossRoom {
            return skip(td, "daily loss limit room \(room) below \(s.minLossRoom)")
        }
        let buffer = s.entryBuffer
        let slTicks = Int64((atrTicks * s.stopATRs).rounded())
        let tpTicks = Int64((atrTicks * s.targetATRs).rounded())
        let zoneTicks = Int64((atrTicks / 2 * s.zoneMultiplier).rounded())
        let upperZone = anchor + zoneTicks, lowerZone = anchor - zoneTicks
        let longEntry = rangeHigh + buffer, shortEntry = rangeLow - buffer
        // The zone is used unless it lies inside the overnight range (it would not be beyond the entry).
        let longFromZone = upperZone > rangeHigh && upperZone > longEntry
        let shortFromZone = lowerZone < rangeLow && lowerZone < shortEntry
        let longTarget = longFromZone ? upperZone : longEntry + tpTicks
        let shortTarget = shortFromZone ? lowerZone : shortEntry - tpTicks
        let dayEnd = min(flattenInstant, Timestamp(seconds: dates.dayEnds))
        var plan = Plan(tradeDate: td, rangeHigh: rangeHigh, rangeLow: rangeLow, dailyATR: atrPts, anchor: anchor,
                        longTargetFromZone: longFromZone, shortTargetFromZone: shortFromZone, upperZone: upperZone, lowerZone: lowerZone,
                        rangeFrom: window.from, rangeTo: window.to, dayEnd: dayEnd)
        let qty = s.quantity
        // The day's two entries cancel each other. Named by the day number: formatting the date
        // each day was 2 % of an overnight-range sweep (perf, `tsxlab-bench sweep`); the name
        // only links the orders and is written nowhere.
        let group = "overnight-" + String(td.dayNumber)
        if anchor < longEntry {
            plan.longEntry = longEntry; plan.longStop = longEntry - slTicks; plan.longTarget = longTarget
            _ = broker.place(OrderRequest(symbol: symbols[0], side: .buy, quantity: qty, kind: .stop(Price(ticks: longEntry)),
                                          bracket: Bracket(stopLoss: .price(Price(ticks: longEntry - slTicks)), takeProfit: .price(Price(ticks: longTarget))),
                                          ocoGroup: group))
        }
        if anchor > shortEntry {
            plan.shortEntry = shortEntry; plan.shortStop = shortEntry + slTicks; plan.shortTarget = shortTarget
            _ = broker.place(OrderRequest(symbol: symbols[0], side: .sell, quantity: qty, kind: .stop(Price(ticks: shortEntry)),
                                          bracket: Bracket(stopLoss: .price(Price(ticks: shortEntry + slTicks)), takeProfit: .price(Price(ticks: shortTarget))),
                                          ocoGroup: group))
        }
        plans.append(plan)
    }
}

extension OvernightRangeBreakout {
    public static let descriptor = StrategyDescriptor(
        name: "overnight_range",
        summary: "overnight-range breakout: OCO stop entries at the range edges with ATR brackets, zone targets, breakeven, EOD flatten",
        enabledEnvironment: "OVERNIGHT_ENABLED",
        parameters: [
            ParameterSpec("position_size", .int(1...1000), default: .int(1), unit: "contracts", env: "OVERNIGHT_POSITION_SIZE", help: "contracts per entry"),
            ParameterSpec("atr_period", .int(1...200), default: .int(14), unit: "sessions", env: "OVERNIGHT_ATR_PERIOD", help: "sessions in the daily ATR"),
            ParameterSpec("atr_seeding", .choice(["talib", "pine"]), default: .string("talib"), help: "ATR seeding: TA-Lib or Pine Script"),
            ParameterSpec("atr_multiplier_sl", .double(0.01...50), default: .double(2.0), unit: "× daily ATR", env: "OVERNIGHT_ATR_MULTIPLIER_SL", help: "stop distance in ATRs"),
            ParameterSpec("atr_multiplier_tp", .double(0.01...50), default: .double(2.5), unit: "× daily ATR", env: "OVERNIGHT_ATR_MULTIPLIER_TP", help: "target distance in ATRs when the zone is inside the range"),
            ParameterSpec("zone_multiplier", .double(0.01...10), default: .double(0.68), help: "daily ATR zone boundary: anchor ± (ATR/2) × this"),
            ParameterSpec("entry_buffer_ticks", .int(0...1000), default: .int(1), unit: "ticks", help: "ticks beyond the range for the stop entries"),
            ParameterSpec("use_breakeven", .bool, default: .bool(true), env: "OVERNIGHT_USE_BREAKEVEN", help: "move the stop to the entry after a gain"),
            ParameterSpec("breakeven_profit_pts", .double(0...10_000), default: .double(15), unit: "points", env: "OVERNIGHT_BREAKEVEN_PROFIT_PTS", help: "points of gain that move the stop"),
            ParameterSpec("eod_flatten", .bool, default: .bool(true), env: "OVERNIGHT_EOD_FLATTEN", help: "flatten at the end-of-day time"),
            ParameterSpec("eod_flatten_time", .time, default: .time(LocalTime(hour: 16, minute: 0, zone: .newYork)), env: "OVERNIGHT_EOD_FLATTEN_TIME",
                          help: "time of day to flatten, with a zone (16:00 America/New_York)"),
            ParameterSpec("window_start", .time, default: .time(.globexEveningOpenET), help: "overnight window start (previous calendar day)"),
            ParameterSpec("window_end", .time, default: .time(.cashOpenET), help: "overnight window end, when orders are placed"),
            ParameterSpec("filter_range_size", .bool, default: .bool(false), env: "OVERNIGHT_FILTER_RANGE_SIZE", help: "skip days whose range is outside min/max"),
            ParameterSpec("min_range_pts", .double(0...100_000), default: .double(0), unit: "points", help: "smallest overnight range traded (points)"),
            ParameterSpec("max_range_pts", .double(0...100_000), default: .double(100_000), unit: "points", help: "largest overnight range traded (points)"),
            ParameterSpec("filter_gap", .bool, default: .bool(false), env: "OVERNIGHT_FILTER_GAP", help: "skip days with a large opening gap"),
            ParameterSpec("max_gap_pts", .double(0...100_000), default: .double(100_000), unit: "points", help: "largest gap traded (points)"),
            ParameterSpec("filter_volatility", .bool, default: .bool(false), env: "OVERNIGHT_FILTER_VOLATILITY", help: "skip days whose ATR is outside min/max"),
            ParameterSpec("min_atr_pts", .double(0...100_000), default: .double(0), unit: "points", help: "smallest daily ATR traded (points)"),
            ParameterSpec("max_atr_pts", .double(0...100_000), default: .double(100_000), unit: "points", help: "largest daily ATR traded (points)"),
            ParameterSpec("filter_dll_proximity", .bool, default: .bool(false), env: "OVERNIGHT_FILTER_DLL_PROXIMITY", help: "skip days when the daily loss limit is near"),
            ParameterSpec("min_dll_remaining_usd", .double(0...1_000_000), default: .double(0), unit: "USD", help: "daily loss room needed to trade"),
        ],
        make: { symbol, p in try OvernightRangeBreakout(symbol: symbol, parameters: p) })
}

extension OvernightRangeBreakout: DrawsChartLevels {
    /// Each planned day's overnight high and low (over the overnight window, then on to the day's
    /// end) and its ATR zone (from the cash open to the day's end).
    public var chartLevels: [ChartLevel] {
        plans.flatMap { p in [
            ChartLevel(name: "overnight high", symbol: symbols[0], from: p.rangeFrom, to: p.dayEnd, priceTicks: p.rangeHigh),
            ChartLevel(name: "overnight low", symbol: symbols[0], from: p.rangeFrom, to: p.dayEnd, priceTicks: p.rangeLow),
            ChartLevel(name: "ATR zone high", symbol: symbols[0], from: p.rangeTo, to: p.dayEnd, priceTicks: p.upperZone),
            ChartLevel(name: "ATR zone low", symbol: symbols[0], from: p.rangeTo, to: p.dayEnd, priceTicks: p.lowerZone),
        ] }
    }
}
