import Backtest
import Data
import Strategies
import Testing
import Trading
import TSXLabTesting

/// Hand-built days for the overnight-range breakout (ES, prices in ticks, January 2019: New York
/// is UTC−5). Monday 2019-01-07 sets the daily ATR: one bar, high − low = 40 ticks, so with
/// `atr_period` 1 and Pine seeding the ATR on Tuesday is 40 ticks (10 points). Tuesday's
/// overnight window (Mon 18:00 → Tue 09:30 ET) holds two bars: high 10030, low 10010, and the
/// bar ending at 09:30 ET closes at 10020 (the zone anchor).
///
/// With buffer 1, stop 0.5 ATR, target 1 ATR, zone 0.68: long entry 10031, stop 10011, zone
/// target 10020 + round(20 × 0.68) = 10034; short entry 10009, stop 10029, zone target 10006.
struct OvernightDay {
    var b = BarBuilder(start: "2019-01-07T15:00:00Z")
    init(high: Int64 = 10030, low: Int64 = 10010) {
        b.bar(10000, 10040, 10000, 10020)                     // Monday: the ATR day
        b.next = Timestamp(iso8601: "2019-01-07T23:00:00Z")!.seconds
        b.bar(10020, high, low, 10020)                        // 18:00 ET: the overnight range
        b.next = Timestamp(iso8601: "2019-01-08T14:29:00Z")!.seconds
        b.bar(10020, 10025, 10015, 10020)                     // 09:29 ET, closes at the cash open
    }
    mutating func bar(_ o: Int64, _ h: Int64, _ l: Int64, _ c: Int64) { b.bar(o, h, l, c) }
    mutating func at(_ iso: String) { b.next = Timestamp(iso8601: iso)!.seconds }

    static func parameters(_ changes: [String: String] = [:]) throws -> ParameterSet {
        var p = OvernightRangeBreakout.descriptor.defaults()
        let base = ["atr_period": "1", "atr_seeding": "pine", "atr_multiplier_sl": "0.5", "atr_multiplier_tp": "1.0",
                    "zone_multiplier": "0.68", "entry_buffer_ticks": "1", "breakeven_profit_pts": "15",
                    "eod_flatten_time": "16:00 America/New_York"]
        for (k, v) in base.merging(changes, uniquingKeysWith: { $1 }) { try p.set(k, text: v, source: "test") }
        return p
    }

    func run(_ changes: [String: String] = [:]) throws -> (BacktestResult, OvernightRangeBreakout, SimulatedExchange) {
        let st = try OvernightRangeBreakout(symbol: "ES", parameters: Self.parameters(changes))
        let ex = SimulatedExchange(instruments: [Instrument(spec: esSpecification, feePerSide: .zero)], rules: .unlimited())
        let engine = BacktestEngine(exchange: ex, strategies: [st])
        engine.closeAtEnd = false
        return (engine.run(b.series), st, ex)
    }
}

let esSpecification = try! ContractRegistry.builtIn.spec(for: "ES")

func summary(_ t: Trade) -> String {
    "\(t.side == .buy ? "long" : "short") \(Int64(t.entryPriceTicks))@\(t.entryTime) → \(Int64(t.exitPriceTicks))@\(t.exitTime) \(t.exitReason)"
}

@Suite("Overnight-range breakout: hand-checked days")
struct OvernightRangeFixtureTests {
    @Test("the orders placed at the cash open: range edges, ATR stops, zone targets")
    func orders() throws {
        var d = OvernightDay()
        d.bar(10020, 10021, 10019, 10020)
        let (_, st, ex) = try d.run()
        let plan = try #require(st.plans.first)
        #expect(plan.tradeDate == TradeDate(year: 2019, month: 1, day: 8))
        #expect(plan.dailyATR == 10.0 && plan.anchor == 10020)
        #expect([plan.longEntry, plan.longStop, plan.longTarget] == [10031, 10011, 10034])
        #expect([plan.shortEntry, plan.shortStop, plan.shortTarget] == [10009, 10029, 10006])
        #expect(plan.longTargetFromZone && plan.shortTargetFromZone)
        let entries = ex.allOrders.filter { $0.request.purpose == .entry }
        #expect(entries.map(\.request.kind) == [.stop(Price(ticks: 10031)), .stop(Price(ticks: 10009))])
        #expect(entries.allSatisfy { $0.createdAt == Timestamp(iso8601: "2019-01-08T14:30:00Z") })
        // What the report's chart draws for the day: the overnight range over the window (Mon 18:00
        // → Tue 09:30 ET) and on to the 16:00 ET flatten, the ATR zone 10020 ± 14 from the cash open.
        func t(_ iso: String) -> Timestamp { Timestamp(iso8601: iso)! }
        #expect(st.chartLevels == [
            ChartLevel(name: "overnight high", symbol: "ES", from: t("2019-01-07T23:00:00Z"), to: t("2019-01-08T21:00:00Z"), priceTicks: 10030),
            ChartLevel(name: "overnight low", symbol: "ES", from: t("2019-01-07T23:00:00Z"), to: t("2019-01-08T21:00:00Z"), priceTicks: 10010),
            ChartLevel(name: "ATR zone high", symbol: "ES", from: t("2019-01-08T14:30:00Z"), to: t("2019-01-08T21:00:00Z"), priceTicks: 10034),
            ChartLevel(name: "ATR zone low", symbol: "ES", from: t("2019-01-08T14:30:00Z"), to: t("2019-01-08T21:00:00Z"), priceTicks: 10006),
        ])
    }

    @Test("a breakout up fills the buy stop and exits at the zone target")
    func breakoutUp() throws {
        var d = OvernightDay()
        d.bar(10020, 10036, 10019, 10035)   // 100 → 99 → 116 → 115 (low nearer): entry 10031, target 10034
        let (r, _, ex) = try d.run()
        #expect(r.trades.map(summary) == ["long 10031@2019-01-08T14:30:00Z → 10034@2019-01-08T14:30:00Z target"])
        #expect(ex.allOrders.first { $0.side == .sell && $0.request.purpose == .entry }?.status == .cancelled)
    }

    @Test("a breakout down fills the sell stop and exits at the zone target")
    func breakoutDown() throws {
        var d = OvernightDay()
        d.bar(10020, 10021, 10004, 10005)
        let (r, _, _) = try d.run()
        #expect(r.trades.map(summary) == ["short 10009@2019-01-08T14:30:00Z → 10006@2019-01-08T14:30:00Z target"])
    }

    @Test("a bar through both entries fills one side (the path model decides) and cancels the other")
    func bothSides() throws {
        var d = OvernightDay()
        d.bar(10020, 10036, 10004, 10020)   // both extremes 16 ticks away: low first
        let (r, _, ex) = try d.run()
        #expect(r.trades.map(summary) == ["short 10009@2019-01-08T14:30:00Z → 10006@2019-01-08T14:30:00Z target"])
        let long = try #require(ex.allOrders.first { $0.side == .buy && $0.request.purpose == .entry })
        #expect(long.status == .cancelled && long.filledQuantity == 0)
        #expect(r.fills.allSatisfy { $0.resolution == .pathModel })
    }

    @Test("no breakout: nothing fills and the entries are gone by the end of the day")
    func noBreakout() throws {
        var d = OvernightDay()
        for _ in 0..<5 { d.bar(10020, 10028, 10012, 10020) }
        d.at("2019-01-08T20:59:00Z")
        d.bar(10020, 10021, 10019, 10020)
        d.bar(10020, 10021, 10019, 10020)
        let (r, _, ex) = try d.run()
        #expect(r.trades.isEmpty && r.fills.isEmpty)
        #expect(ex.allOrders.allSatisfy { $0.status == .cancelled })
    }

    @Test("a bar that opens beyond the entry fills at the open")
    func gapThroughEntry() throws {
        var d = OvernightDay()
        d.bar(10033, 10033, 10025, 10026)   // gaps over 10031: filled at 10033
        d.bar(10026, 10035, 10026, 10034)   // target 10034
        let (r, _, _) = try d.run()
        #expect(r.trades.map(summary) == ["long 10033@2019-01-08T14:30:00Z → 10034@2019-01-08T14:31:00Z target"])
    }

    @Test("breakeven: after the gain the stop moves to the entry, and the fall exits flat")
    func breakevenThenStop() throws {
        var d = OvernightDay()
        d.bar(10020, 10032, 10019, 10032)   // entry 10031
        d.bar(10032, 10036, 10031, 10035)   // +5 ticks ≥ 1 point: stop → 10031
        d.bar(10035, 10035, 10020, 10021)   // falls through 10031
        let (r, _, ex) = try d.run(["breakeven_profit_pts": "1", "zone_multiplier": "5"])
        #expect(r.trades.map(summary) == ["long 10031@2019-01-08T14:30:00Z → 10031@2019-01-08T14:32:00Z stop"])
        #expect(r.trades.first?.grossTicks == 0)
        #expect(ex.allOrders.contains { $0.request.purpose == .stopLoss && $0.request.kind == .stop(Price(ticks: 10031)) })
    }

    @Test("end-of-day flatten at 16:00 New York closes the position at the next bar's open")
    func endOfDay() throws {
        var d = OvernightDay()
        d.bar(10020, 10032, 10019, 10032)   // entry 10031
        d.at("2019-01-08T20:59:00Z")        // 15:59 ET, closes at 16:00
        d.bar(10032, 10033, 10030, 10032)
        d.bar(10030, 10031, 10029, 10030)   // 16:00 ET: flattened at its open
        let (r, _, _) = try d.run(["zone_multiplier": "5"])
        #expect(r.trades.map(summary) == ["long 10031@2019-01-08T14:30:00Z → 10030@2019-01-08T21:00:00Z eod"])
    }

    @Test("a zone inside the overnight range gives way to the ATR-multiple target")
    func zoneInsideRange() throws {
        var d = OvernightDay(high: 10050, low: 9990)
        d.bar(10020, 10052, 10019, 10052)   // long entry 10051
        d.bar(10052, 10095, 10050, 10094)   // target 10051 + 40 = 10091
        let (r, st, _) = try d.run()
        let plan = try #require(st.plans.first)
        #expect(!plan.longTargetFromZone && !plan.shortTargetFromZone)
        #expect([plan.longTarget, plan.shortTarget] == [10091, 9949])
        #expect(r.trades.map(summary) == ["long 10051@2019-01-08T14:30:00Z → 10091@2019-01-08T14:31:00Z target"])
    }

    @Test("a day without a warmed-up ATR places nothing and says why")
    func warmUp() throws {
        var d = OvernightDay()
        d.bar(10020, 10036, 10019, 10035)
        let (r, st, _) = try d.run(["atr_period": "3"])
        #expect(r.trades.isEmpty)
        #expect(st.skipped.first { $0.0 == TradeDate(year: 2019, month: 1, day: 8) }?.1.contains("warming up") == true)
        #expect(st.skipped.first { $0.0 == TradeDate(year: 2019, month: 1, day: 7) }?.1 == "no bar ended at the cash open")
    }
}
