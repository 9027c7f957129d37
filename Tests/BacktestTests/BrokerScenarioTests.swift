import Backtest
import Data
import Testing
import Trading
import TSXLabTesting

@Suite("Broker scenarios end to end")
struct BrokerScenarioTests {
    @Test("the seed's stop_bracket MNQ BUY 3 25355 25305 25455 works end to end")
    func seedStopBracket() throws {
        let mnq = try ContractRegistry.builtIn.spec(for: "MNQ")
        let t = mnq.tickSize
        func px(_ s: String) -> Int64 { t.ticks(s)! }
        var b = BarBuilder(symbol: "MNQ")
        b.bar(px("25340"), px("25345"), px("25335"), px("25340"))
        b.bar(px("25340"), px("25360"), px("25338"), px("25358"))     // triggers 25355
        b.bar(px("25358"), px("25460"), px("25350"), px("25450"))     // target 25455
        let st = ScriptedStrategy(symbol: "MNQ")
        st.at(0) { $0.stopBracket(symbol: "MNQ", side: .buy, quantity: 3, entry: Price(ticks: px("25355")),
                                  stop: Price(ticks: px("25305")), target: Price(ticks: px("25455"))) }
        let ex = SimulatedExchange(instruments: [Instrument(spec: mnq)], rules: .unlimited())
        let r = BacktestEngine(exchange: ex, strategies: [st]).run(b.series)
        #expect(r.fills.map { mnq.format($0.price) } == ["25355.00", "25455.00"])
        #expect(r.fills.map(\.quantity) == [3, 3])
        // 100 points × $2 × 3 contracts, less 3 round turns of $1.22.
        #expect(r.trades.first?.pnl == Money(cents: 100 * 200 * 3 - 3 * 122))
    }

    @Test("breakeven: moving the stop to the entry after +15 points turns a loser into a scratch")
    func breakeven() throws {
        var b = BarBuilder()
        b.bar(10000, 10001, 9999, 10000)
        b.bar(10000, 10001, 9999, 10000)                   // long 1 at 10000, stop 9980
        b.bar(10000, 10064, 10000, 10060)                  // +16 points: move the stop
        b.bar(10060, 10061, 9950, 9960)                    // falls through entry
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market, bracket: Bracket(stopLoss: .ticks(20), takeProfit: .ticks(400)))) }
        st.at(2) { broker in
            let stop = broker.openOrders().first { $0.request.purpose == .stopLoss }!
            return broker.modify(stop.id, OrderChange(stopPrice: Price(ticks: 10000)))
        }
        let r = runFixture(b, st).0
        #expect(st.results[1].orderID != nil)
        #expect(r.fills.map(\.price.ticks) == [10000, 10000])
        #expect(r.trades.first?.grossTicks == 0 && r.trades.first?.exitReason == "stop")
    }

    @Test("reports rebuild state: open orders, positions and fills since a time")
    func reports() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100)
        b.bar(100, 101, 99, 100)
        b.bar(100, 101, 99, 100)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market, qty: 2, bracket: Bracket(stopLoss: .ticks(10), takeProfit: .ticks(10)))) }
        let (_, ex) = runFixture(b, st)
        #expect(ex.positions().map(\.quantity) == [2])
        #expect(ex.openOrders().map(\.request.purpose) == [.stopLoss, .takeProfit])
        #expect(ex.openOrders().allSatisfy { $0.status == .working && $0.request.quantity == 2 })
        #expect(ex.fills(since: b.series[1].time).count == 1)
        #expect(ex.fills(since: b.series[2].time).isEmpty)
        #expect(ex.account.equity == ex.account.balance)
    }
}
