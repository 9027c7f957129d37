import Backtest
import Data
import Strategies
import Testing
import Trading
import TSXLabTesting

/// A year of ES one-minute bars (2019, about 350,000), read once for the suite.
enum ESYear {
    static let loaded = Result { try SharedData.loadBars("ES_1m_2019.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!) }
    static func bars() throws -> BarSeries { try loaded.get() }
}

/// Everything an overnight-range run decided, as the comparisons read it.
struct OvernightOutcome: Equatable {
    var trades: [Trade]
    var fills: [Fill]
    var equity: [EquityPoint]
    var orders: [Order]
    var breaches: [RuleBreach]
    var plans: [OvernightRangeBreakout.Plan]
    var skipped: [String]

    init(_ r: BacktestResult, _ st: OvernightRangeBreakout) {
        trades = r.trades; fills = r.fills; equity = r.equity; orders = r.orders; breaches = r.breaches
        plans = st.plans
        skipped = st.skipped.map { "\($0.0) \($0.1)" }
    }
}

/// Runs the overnight-range breakout over `bars` with the defaults changed by `changes`.
func runOvernight(_ bars: BarSeries, _ changes: [String: String] = [:], skipping: Bool, book: SeriesBook? = nil,
                  rules: RiskRules = .unlimited()) throws -> OvernightOutcome {
    var p = OvernightRangeBreakout.descriptor.defaults()
    for (k, v) in changes { try p.set(k, text: v, source: "test") }
    let st = try OvernightRangeBreakout(symbol: bars.symbol, parameters: p)
    let engine = BacktestEngine(exchange: SimulatedExchange(instruments: [Instrument(spec: esSpecification)], rules: rules), strategies: [st])
    engine.skipQuietBars = skipping
    engine.seriesBook = book
    return OvernightOutcome(engine.run(bars), st)
}

/// Settings that reach every decision the strategy makes on a bar: the cash open at other times,
/// breakeven early, late and off, the filters' skip reasons, the flatten early, at the prop
/// firm's time (whose account fails: its later entries are rejected) and never (positions held
/// into the next trade date).
let overnightCases: [String: (changes: [String: String], rules: RiskRules)] = [
    "defaults": ([:], .unlimited()),
    "no breakeven": (["use_breakeven": "false"], .unlimited()),
    "early breakeven, tight stops": (["breakeven_profit_pts": "2", "atr_multiplier_sl": "0.3"], .unlimited()),
    "filters": (["filter_range_size": "true", "min_range_pts": "8", "max_range_pts": "30", "filter_gap": "true", "max_gap_pts": "6",
                 "filter_volatility": "true", "min_atr_pts": "20", "max_atr_pts": "45"], .unlimited()),
    "morning window": (["window_start": "20:00 America/New_York", "window_end": "08:00 America/New_York"], .unlimited()),
    "late window, Pine ATR": (["window_end": "10:30 America/New_York", "atr_period": "5", "atr_seeding": "pine"], .unlimited()),
    "held overnight": (["eod_flatten": "false", "zone_multiplier": "5", "atr_multiplier_tp": "6", "breakeven_profit_pts": "30"], .unlimited()),
    "early flatten": (["eod_flatten_time": "11:00 America/New_York", "breakeven_profit_pts": "4"], .unlimited()),
    "combine rules (flatten at 15:05 CT, loss limits)": (["filter_dll_proximity": "true", "atr_multiplier_sl": "1"], RiskRules.topstepCombine(50)!),
]

@Suite("Overnight-range breakout: jumping over quiet bars and sharing series change nothing")
struct OvernightRangeSkippingTests {
    @Test("a year of ES: the same trades, fills, orders, equity, plans and skip reasons with and without skipping",
          arguments: overnightCases.keys.sorted())
    func skipping(name: String) throws {
        let bars = try ESYear.bars()
        let c = overnightCases[name]!
        let every = try runOvernight(bars, c.changes, skipping: false, rules: c.rules)
        let skipped = try runOvernight(bars, c.changes, skipping: true, rules: c.rules)
        #expect(every.trades.count > 20 || !every.skipped.isEmpty, "\(name) should trade or say why not")
        #expect(every.plans.count + every.skipped.count > 200, "\(name): a decision on each trade date")
        #expect(skipped.trades == every.trades)
        #expect(skipped.fills == every.fills)
        #expect(skipped.equity == every.equity)
        #expect(skipped.orders == every.orders)
        #expect(skipped.breaches == every.breaches)
        #expect(skipped.plans == every.plans)
        #expect(skipped.skipped == every.skipped)
    }

    @Test("configurations that differ only in other parameters read the same series from one book, and trade as with their own")
    func sharedBook() throws {
        let bars = try ESYear.bars()
        let book = SeriesBook(bars: bars)
        // Daily ATR, overnight high and low, previous close.
        let stops = ["atr_multiplier_sl": "1.5"]
        let a = try runOvernight(bars, stops, skipping: true, book: book)
        #expect(book.count == 4)
        let others = ["atr_multiplier_sl": "3", "use_breakeven": "false", "filter_gap": "true", "max_gap_pts": "10", "eod_flatten": "false"]
        let b = try runOvernight(bars, others, skipping: true, book: book)
        #expect(book.count == 4)
        // Another ATR period adds its ATR; another window its high and low.
        let period = ["atr_period": "10"]
        let c = try runOvernight(bars, period, skipping: true, book: book)
        #expect(book.count == 5)
        let window = ["window_end": "10:00 America/New_York"]
        let d = try runOvernight(bars, window, skipping: true, book: book)
        #expect(book.count == 7)
        #expect(a == (try runOvernight(bars, stops, skipping: true)))
        #expect(b == (try runOvernight(bars, others, skipping: true)))
        #expect(c == (try runOvernight(bars, period, skipping: true)))
        #expect(d == (try runOvernight(bars, window, skipping: true)))
        #expect(a != b && a.trades.count > 20)
    }

    @Test("bar by bar, as live and paper trading run, the series grow to the backtest's values and the trades are the backtest's")
    func growing() throws {
        let bars = try ESYear.bars()
        let recipes = [
            OvernightRangeBreakout.dailyATR(period: 14, seeding: .taLib, calendar: .cmeEquityIndex),
            OvernightRangeBreakout.overnightHigh(start: .globexEveningOpenET, end: .cashOpenET, calendar: .cmeEquityIndex),
            OvernightRangeBreakout.overnightLow(start: .globexEveningOpenET, end: .cashOpenET, calendar: .cmeEquityIndex),
            OvernightRangeBreakout.previousClose(calendar: .cmeEquityIndex),
        ]
        let book = SeriesBook(bars: bars)
        let market = MarketSeries(growing: BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: bars.tickSize))
        let grown = recipes.map { market.series($0) }
        for i in 0..<bars.count { market.append(bars[i]) }
        for (recipe, series) in zip(recipes, grown) {
            let whole = book.values(recipe).values, bit = series.values.values
            #expect(whole.count == bit.count)
            #expect(zip(whole, bit).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(recipe.key)")
        }

        let p = OvernightRangeBreakout.descriptor.defaults()
        let st = try OvernightRangeBreakout(symbol: "ES", parameters: p)
        let engine = BacktestEngine(exchange: SimulatedExchange(instruments: [Instrument(spec: esSpecification)], rules: .unlimited()), strategies: [st])
        let paper = IncrementalBacktest(engine: engine, symbol: "ES", length: 60)
        for i in 0..<bars.count { paper.feed(bars[i]) }
        // The backtest closes what is open when the data ends; bar by bar nothing ends.
        let backtest = try runOvernight(bars, skipping: true)
        #expect(paper.trades == backtest.trades.filter { $0.exitReason != "end" })
        #expect(st.plans == backtest.plans)
        #expect(st.skipped.map { "\($0.0) \($0.1)" } == backtest.skipped)
    }

    @Test("a bar in the daily break already belongs to the next trade date: the day rolls there, not at the session's open, skipping or not")
    func dailyBreak() throws {
        // Tuesday's long fills at the cash open and is held; the flatten time, 17:30 New York
        // (16:30 Chicago), falls in the daily break. The break bar 16:29–16:30 CT is Wednesday's
        // by the calendar, so Tuesday's flatten never comes and Wednesday's is a day away: the
        // position is still open when the bars end (closed then, reason `end`). Rolled at the session's open (17:00 CT) the
        // break bar would have flattened it as Tuesday's.
        var d = OvernightDay()
        d.bar(10020, 10032, 10019, 10032)   // entry 10031
        d.at("2019-01-08T21:59:00Z")        // 15:59 CT, closes at the session's close
        d.bar(10032, 10033, 10030, 10032)
        d.at("2019-01-08T22:29:00Z")        // 16:29 CT, in the break
        d.bar(10032, 10033, 10030, 10032)
        d.at("2019-01-08T23:00:00Z")        // 17:00 CT: Wednesday's session opens
        d.bar(10032, 10034, 10030, 10033)
        let changes = ["eod_flatten_time": "17:30 America/New_York", "zone_multiplier": "5", "atr_period": "1", "atr_seeding": "pine",
                       "atr_multiplier_sl": "0.5", "atr_multiplier_tp": "1.0"]
        let every = try runOvernight(d.b.series, changes, skipping: false)
        let skipped = try runOvernight(d.b.series, changes, skipping: true)
        #expect(every == skipped)
        #expect(every.trades.map(\.exitReason) == ["end"])
        #expect(every.plans.map(\.tradeDate) == [TradeDate(year: 2019, month: 1, day: 8)])
    }

    @Test("ES 2018 has trade dates the calendar starts before the session rolls (bars in the daily break, after the Labor Day early close): the strategy rolls with the calendar, skipping or not")
    func calendarBeforeSession() throws {
        let bars = try SharedData.loadBars("ES_1m_2018.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        let calendar = SessionCalendar.cmeEquityIndex
        var clock = TradeDayClock(calendar: calendar)
        var early: [TradeDate] = []
        var last = Int64.min
        for t in bars.time {
            let rolled = clock.reach(t)
            let d = calendar.tradeDayNumber(containing: t)
            if d != last && rolled != d { early.append(TradeDate(dayNumber: d)) }
            last = d
        }
        // 16:00 CT bars on 2018-03-19 and 03-20, a Friday 16:00 CT bar before Labor Day, and the
        // Labor Day bars after its 12:00 CT close.
        #expect(early == [TradeDate(year: 2018, month: 3, day: 20), TradeDate(year: 2018, month: 3, day: 21),
                          TradeDate(year: 2018, month: 9, day: 3), TradeDate(year: 2018, month: 9, day: 4)])
        for changes in [["eod_flatten_time": "17:00 America/New_York"], overnightCases["held overnight"]!.changes] {
            #expect(try runOvernight(bars, changes, skipping: true) == (try runOvernight(bars, changes, skipping: false)))
        }
    }
}
