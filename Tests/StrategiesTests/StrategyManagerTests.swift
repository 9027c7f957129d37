import Backtest
import Data
import Strategies
import Testing
import Trading
import TSXLabTesting

@Suite("Several strategies on one account")
struct StrategyManagerTests {
    @Test("trades are attributed to their strategy and the risk rules see the combined position")
    func combined() throws {
        let series = try SharedData.loadBars("ES_1m_2023-09-24_2023-10-09.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        func build(_ name: String) throws -> any Strategy {
            let d = try StrategyCatalog.descriptor(named: name)
            return try d.build(symbol: "ES", parameters: d.defaults())
        }
        // Alone, each trades; together on an account limited to one contract, the second strategy
        // is refused while the first holds a position.
        let rules = RiskRules(name: "one lot", startingBalance: Money(cents: 50_000_00), maxMiniEquivalents: 1)
        let ex = SimulatedExchange(instruments: [Instrument(spec: esSpecification)], rules: rules)
        let r = BacktestEngine(exchange: ex, strategies: [try build("mean_reversion"), try build("trend_following")]).run(series)
        let names = Set(r.trades.compactMap(\.strategy))
        #expect(names == ["mean_reversion", "trend_following"])
        // Never more than one contract open at once.
        var position: Int64 = 0
        for f in r.fills {
            position += f.side.sign * f.quantity
            #expect(abs(position) <= 1, "position \(position) at \(f.time)")
        }
    }

    @Test("a second strategy's entry that would exceed the account's size limit is refused, naming the limit")
    func sharedLimit() {
        var b = BarBuilder()
        b.bar(10000, 10001, 9999, 10000)
        b.bar(10000, 10001, 9999, 10000)
        let first = ScriptedStrategy(name: "first"), second = ScriptedStrategy(name: "second")
        first.at(0) { $0.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market)) }
        second.at(0) { $0.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .limit(Price(ticks: 9990)))) }
        let rules = RiskRules(name: "one lot", startingBalance: Money(cents: 50_000_00), maxMiniEquivalents: 1)
        let ex = SimulatedExchange(instruments: [Instrument(spec: esSpecification)], rules: rules)
        let r = BacktestEngine(exchange: ex, strategies: [first, second]).run(b.series)
        #expect(first.results.first?.orderID != nil)
        #expect(second.results.first?.rejection == .sizeAboveLimit(requested: 2, limit: 1))
        #expect(r.trades.map(\.strategy) == ["first"])
    }
}
