import Backtest
import Data
import Testing
import Trading
import TSXLabTesting

let esSpec = try! ContractRegistry.builtIn.spec(for: "ES")

/// Runs a scripted strategy over hand-built bars on the simulated exchange.
func runFixture(_ b: BarBuilder, _ st: ScriptedStrategy, config: ExchangeConfig = ExchangeConfig(),
                rules: RiskRules = .unlimited(), finer: BarSeries? = nil, prints: [TradePrint]? = nil, fee: Money = .zero,
                closeAtEnd: Bool = false) -> (BacktestResult, SimulatedExchange) {
    let ex = SimulatedExchange(instruments: [Instrument(spec: esSpec, feePerSide: fee)], rules: rules, config: config)
    let engine = BacktestEngine(exchange: ex, strategies: [st])
    engine.closeAtEnd = closeAtEnd
    return (engine.run(b.series, finer: finer, prints: prints), ex)
}

func order(_ side: OrderSide, _ kind: OrderKind, qty: Int64 = 1, bracket: Bracket? = nil, tif: TimeInForce = .day,
           tag: ClientTag? = nil, oco: String? = nil) -> OrderRequest {
    OrderRequest(symbol: "ES", side: side, quantity: qty, kind: kind, timeInForce: tif, tag: tag, bracket: bracket, ocoGroup: oco)
}

func p(_ t: Int64) -> Price { Price(ticks: t) }

@Suite("Simulated exchange: hand-checked fills")
struct ExchangeFixtureTests {
    @Test("01 a buy stop fills at its price when the bar trades through it")
    func stopThrough() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        let t1 = b.bar(100, 104, 99, 103)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stop(p(102)))) }
        let (r, _) = runFixture(b, st)
        #expect(r.fills.map { [$0.price.ticks, $0.quantity] } == [[102, 1]])
        #expect(r.fills.first?.time == t1 && r.fills.first?.resolution == .exact)
    }

    @Test("02 a buy stop fills at the open when the bar gaps beyond it")
    func stopGap() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        b.bar(105, 106, 104, 105)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stop(p(102)))) }
        #expect(runFixture(b, st).0.fills.map(\.price.ticks) == [105])
    }

    @Test("03 a buy limit fills at its price, or at a better gap open")
    func limits() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        b.bar(100, 101, 97, 98)      // trades down to 98: the 98 limit fills at 98
        b.bar(95, 96, 94, 95)        // opens at 95 below the 97 limit: fills at 95
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .limit(p(98)))) }
        st.at(1) { $0.place(order(.buy, .limit(p(97)))) }
        #expect(runFixture(b, st).0.fills.map(\.price.ticks) == [98, 95])
    }

    @Test("04 a market order fills at the next bar's open, slippage kept inside the bar")
    func market() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        b.bar(103, 104, 102, 104)
        b.bar(104, 104, 103, 103)
        var cfg = ExchangeConfig()
        cfg.marketSlippageTicks = 2
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market)) }
        st.at(1) { $0.place(order(.sell, .market)) }
        let f = runFixture(b, st, config: cfg).0.fills
        #expect(f.map(\.price.ticks) == [104, 103], "103+2 clamps to the high 104; 104−2 clamps to the low 103")
    }

    @Test("05 stop slippage is adverse but never outside the range the bar traded")
    func stopSlippage() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        b.bar(100, 103, 99, 103)
        var cfg = ExchangeConfig()
        cfg.stopSlippageTicks = 3
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stop(p(102)))) }
        #expect(runFixture(b, st, config: cfg).0.fills.map(\.price.ticks) == [103])
    }

    @Test("06 a stop-limit triggers at its stop and fills only at its limit or better")
    func stopLimit() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        b.bar(100, 103, 99, 102)     // path 100→99→103→102: triggers at 102, limit 101 not reached after
        b.bar(102, 102, 100, 100)    // falls through 101: fills at 101
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stopLimit(stop: p(102), limit: p(101)))) }
        let (r, ex) = runFixture(b, st)
        #expect(r.fills.map(\.price.ticks) == [101])
        #expect(r.fills.first?.time == b.series[2].time)
        #expect(ex.order(OrderID(1))?.triggered == true)
    }

    @Test("07 a trailing stop ratchets with the high and fills when the market turns through it")
    func trailing() {
        var b = BarBuilder()
        b.bar(100, 100, 100, 100)
        b.bar(100, 100, 100, 100)
        b.bar(100, 110, 99, 103)     // 100→99→110→103: stop 96 → 106, then the fall to 103 fills at 106
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market)) }
        st.at(1) { $0.place(OrderRequest(symbol: "ES", side: .sell, quantity: 1, kind: .trailingStop(distance: 4), reduceOnly: true, purpose: .exit("trail"))) }
        let r = runFixture(b, st).0
        #expect(r.fills.map(\.price.ticks) == [100, 106])
        #expect(r.trades.first?.exitReason == "trail")
    }

    @Test("08 a bracket's exit can fill on the entry bar; the path model decides and says so")
    func bracketOnEntryBar() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        b.bar(100, 111, 99, 105)     // 100→99→111→105: entry 102, target 110 on the same rise
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stop(p(102)), bracket: Bracket(stopLoss: .ticks(4), takeProfit: .ticks(8)))) }
        let (r, ex) = runFixture(b, st)
        #expect(r.fills.map { [$0.price.ticks, $0.side.sign] } == [[102, 1], [110, -1]])
        #expect(r.fills.allSatisfy { $0.resolution == .pathModel })
        #expect(r.trades.count == 1 && r.trades[0].exitReason == "target" && r.trades[0].grossTicks == 8)
        #expect(ex.order(OrderID(2))?.status == .cancelled, "the stop-loss leg was cancelled by OCO")
    }

    @Test("09 drill-down: finer bars decide the order inside an ambiguous bar")
    func drillDown() {
        // A 5-minute bar that touches the entry, the target and the stop. The path model
        // (100→99→111→105) says entry then target; the 1-minute bars say entry, stop, then a rally.
        var b = BarBuilder(timeframe: Timeframe("5m")!)
        b.bar(100, 101, 99, 100)
        b.bar(100, 111, 97, 105)
        var f = BarBuilder(start: "2019-03-05T14:35:00Z")
        f.bar(100, 103, 100, 103)    // entry at 102
        f.bar(103, 103, 97, 97)      // stop at 98
        f.bar(97, 111, 97, 111)      // target would have been 110, but the trade is over
        f.bar(111, 111, 104, 105)
        f.bar(105, 105, 104, 105)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stop(p(102)), bracket: Bracket(stopLoss: .ticks(4), takeProfit: .ticks(8)))) }
        let with = runFixture(b, st, finer: f.series).0
        #expect(with.fills.map(\.price.ticks) == [102, 98])
        #expect(with.fills.map(\.time) == [f.series[0].time, f.series[1].time])
        #expect(with.fills.allSatisfy { $0.resolution == .drillDown })
        #expect(with.resolution.drillDown == 2 && with.resolution.pathModel == 0)
        let st2 = ScriptedStrategy()
        st2.at(0) { $0.place(order(.buy, .stop(p(102)), bracket: Bracket(stopLoss: .ticks(4), takeProfit: .ticks(8)))) }
        let without = runFixture(b, st2).0
        #expect(without.fills.map(\.price.ticks) == [102, 110])
        #expect(without.resolution.pathModel == 2)
    }

    @Test("10 worst-case and stop-first models take the stop when a bar reaches both exits")
    func models() {
        for model in [PathModel.worstCase, .stopFirst] {
            var b = BarBuilder()
            b.bar(100, 100, 100, 100)
            b.bar(100, 100, 100, 100)
            b.bar(100, 109, 95, 101)   // nearest-first would go 100→95 (stop) anyway; make high nearer:
            b.bar(101, 112, 90, 100)   // 101: high 11 away, low 11 away
            var cfg = ExchangeConfig()
            cfg.pathModel = model
            let st = ScriptedStrategy()
            st.at(1) { $0.place(order(.buy, .market, bracket: Bracket(stopLoss: .ticks(20), takeProfit: .ticks(10)))) }
            let r = runFixture(b, st, config: cfg).0
            #expect(r.fills.map(\.price.ticks) == [100, 110], "\(model): target 110 reached, stop 80 not")
        }
        // Stop-first: a bar that opens beyond the target and trades back through the stop fills the stop.
        var b = BarBuilder()
        b.bar(100, 100, 100, 100)
        b.bar(100, 100, 100, 100)
        b.bar(115, 116, 85, 90)
        var cfg = ExchangeConfig()
        cfg.pathModel = .stopFirst
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market, bracket: Bracket(stopLoss: .ticks(10), takeProfit: .ticks(10)))) }
        #expect(runFixture(b, st, config: cfg).0.fills.map(\.price.ticks) == [100, 90])
        let st2 = ScriptedStrategy()
        st2.at(0) { $0.place(order(.buy, .market, bracket: Bracket(stopLoss: .ticks(10), takeProfit: .ticks(10)))) }
        #expect(runFixture(b, st2).0.fills.map(\.price.ticks) == [100, 115], "nearest-first: the target fills at the gap open")
    }

    @Test("11 OCO entries: one side filling cancels the other")
    func ocoEntries() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        b.bar(100, 106, 99, 104)
        b.bar(104, 104, 90, 92)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stop(p(105)), oco: "range")) }
        st.at(0) { $0.place(order(.sell, .stop(p(95)), oco: "range")) }
        let (r, ex) = runFixture(b, st, closeAtEnd: true)
        #expect(r.fills.filter { $0.purpose == .entry }.map(\.price.ticks) == [105])
        #expect(ex.order(OrderID(2))?.status == .cancelled)
    }

    @Test("12 day orders expire at the session's end; good-till-cancelled orders carry over")
    func timeInForce() {
        var b = BarBuilder(start: "2019-03-05T20:58:00Z")   // 14:58 CST
        b.bar(100, 100, 100, 100)
        b.bar(100, 100, 100, 100)                            // 15:59 CT is later; use the session end:
        b.skip(seconds: 3 * 3600)                            // to 18:00 CT, the next trade date
        b.bar(100, 106, 99, 105)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stop(p(102)))) }
        st.at(0) { $0.place(order(.buy, .stop(p(103)), tif: .gtc)) }
        let (r, ex) = runFixture(b, st, closeAtEnd: false)
        #expect(ex.order(OrderID(1))?.status == .expired)
        #expect(r.fills.map(\.price.ticks) == [103])
    }

    @Test("13 a client tag makes placement idempotent; a different order under the same tag is refused")
    func tags() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        b.bar(100, 101, 99, 100)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .limit(p(90)), tag: "entry-1")) }
        st.at(0) { $0.place(order(.buy, .limit(p(90)), tag: "entry-1")) }
        st.at(0) { $0.place(order(.buy, .limit(p(91)), tag: "entry-1")) }
        let (_, ex) = runFixture(b, st)
        #expect(st.results[0] == .accepted(OrderID(1)) && st.results[1] == .accepted(OrderID(1)))
        #expect(st.results[2] == .rejected(.duplicateTag("entry-1", existing: OrderID(1))))
        #expect(ex.allOrders.count == 1)
    }

    @Test("14 rejections carry their reason: stop through the market, bracket on the wrong side, bad size")
    func rejections() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        b.bar(100, 101, 99, 100)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stop(p(99)))) }
        st.at(0) { $0.place(order(.buy, .limit(p(95)), bracket: Bracket(stopLoss: .price(p(97)), takeProfit: .price(p(110))))) }
        st.at(0) { $0.place(order(.buy, .market, qty: 0)) }
        st.at(0) { $0.place(OrderRequest(symbol: "NQ", side: .buy, quantity: 1, kind: .market)) }
        _ = runFixture(b, st)
        let reasons = st.results.compactMap(\.rejection)
        #expect(reasons.count == 4)
        #expect(reasons[0].description.contains("buy stop 24.75 is at or below the last price 25.00"))
        #expect(reasons[1].description.contains("stop-loss 24.25 is not on the losing side of the entry 23.75"))
        #expect(reasons[2] == .invalidQuantity(0))
        #expect(reasons[3] == .unknownSymbol("NQ"))
    }

    @Test("15 bracket exits exist only for the quantity filled (partial fills)")
    func partialFills() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100, volume: 10)
        b.bar(100, 101, 99, 100, volume: 10)   // fills 1 of 3 at the open (10 % of 10)
        b.bar(100, 101, 99, 100, volume: 10)   // another
        b.bar(100, 101, 90, 95, volume: 10)    // the stop at 96 fills for the 3? only 2 were filled so far
        var cfg = ExchangeConfig()
        cfg.maxVolumeShare = 0.1
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .limit(p(100)), qty: 3, bracket: Bracket(stopLoss: .ticks(4)))) }
        let (r, ex) = runFixture(b, st, config: cfg)
        let entry = ex.order(OrderID(1))!, stop = ex.order(OrderID(2))!
        #expect(entry.filledQuantity == 3 || entry.status == .partiallyFilled)
        let filledBeforeStop = r.fills.filter { $0.purpose == .entry && $0.time < b.series[3].time }.reduce(0) { $0 + $1.quantity }
        #expect(filledBeforeStop == 2)
        #expect(r.fills.filter { $0.purpose == .stopLoss }.reduce(0) { $0 + $1.quantity } <= entry.filledQuantity)
        #expect(stop.request.quantity == entry.filledQuantity)
        #expect(ex.position("ES").quantity >= 0, "a bracket exit never flips the position")
    }

    @Test("16 no fills while the market is closed; an order placed in the break waits for the open")
    func sessions() {
        var b = BarBuilder(start: "2019-03-05T21:59:00Z")   // 15:59 CST
        b.bar(100, 100, 100, 100)
        b.bar(100, 110, 90, 100)                             // 16:00 CT: in the break (a stray print)
        b.skip(seconds: 59 * 60)                             // 17:00 CT reopen
        b.bar(101, 102, 100, 101)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .limit(p(95)), tif: .gtc)) }
        st.at(1) { $0.place(order(.buy, .market)) }
        let r = runFixture(b, st).0
        #expect(r.fills.map { [$0.price.ticks, $0.time.seconds] } == [[101, b.series.time[2]]])
    }

    @Test("17 fees: a round turn on ES costs 3.78 and the balance reconciles with the fills")
    func fees() {
        var b = BarBuilder()
        b.bar(10000, 10001, 9999, 10000)
        b.bar(10000, 10010, 10000, 10008)
        b.bar(10008, 10009, 10007, 10008)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market, qty: 2)) }
        st.at(1) { $0.place(order(.sell, .market, qty: 2)) }
        let (r, ex) = runFixture(b, st, fee: esSpec.feePerSide)
        #expect(r.trades.count == 1)
        #expect(r.trades[0].fees == Money(cents: 2 * 378))
        #expect(r.trades[0].pnl == Money(cents: 8 * 1250 * 2 - 756))
        #expect(ex.ledger.balance == ex.ledger.startingBalance + r.trades[0].pnl)
    }
}
