import Backtest
import Data
import Testing
import Trading
import TSXLabTesting

/// The levels a report's price chart draws for working orders: hand-checked on small fixtures.
@Suite("Chart levels: each working order's price over its life")
struct ChartLevelTests {
    func recorded(_ b: BarBuilder, _ st: ScriptedStrategy) -> BacktestResult {
        let ex = SimulatedExchange(instruments: [Instrument(spec: esSpec, feePerSide: .zero)], rules: .unlimited(), config: ExchangeConfig())
        let engine = BacktestEngine(exchange: ex, strategies: [st])
        engine.closeAtEnd = false
        engine.recordChartLevels = true
        return engine.run(b.series)
    }

    func rows(_ r: BacktestResult) -> [String] {
        r.chartLevels.map { "\($0.orderID.map { "#\($0.raw)" } ?? "-") \($0.name) \($0.priceTicks) \($0.from.seconds)→\($0.to.seconds)" }
    }

    @Test("a bracket: the entry rests until it fills; the stop until it is moved, then until the target's fill cancels it")
    func bracket() {
        var b = BarBuilder()
        let t0 = b.bar(100, 101, 99, 100).seconds
        let t1 = b.bar(100, 103, 100, 103).seconds   // through the 102 stop entry: stop 98 and target 110 start working
        let t2 = b.bar(103, 104, 102, 104).seconds
        let t3 = b.bar(104, 111, 104, 110).seconds   // the 110 target fills; the stop is cancelled with it
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stop(p(102)), bracket: Bracket(stopLoss: .ticks(4), takeProfit: .ticks(8)))) }
        st.at(2) { $0.modify(OrderID(2), OrderChange(stopPrice: p(100))) }
        let r = recorded(b, st)
        // Orders are placed when a bar closes (its time + 60 s); fills carry the time of the bar they trade in.
        #expect(rows(r) == [
            "#1 entry 102 \(t0 + 60)→\(t1)",
            "#2 stop 98 \(t1)→\(t2 + 60)",
            "#3 target 110 \(t1)→\(t3)",
            "#2 stop 100 \(t2 + 60)→\(t3)",
        ], "\(rows(r))")
        #expect(r.chartLevels.allSatisfy { $0.symbol == "ES" })
        #expect(r.chartLevels.map(\.side) == [.buy, .sell, .sell, .sell])
    }

    @Test("a trailing stop: a new level at each move, none while it does not move")
    func trailing() {
        var b = BarBuilder()
        b.bar(100, 100, 100, 100)
        let t1 = b.bar(100, 100, 100, 100).seconds
        let t2 = b.bar(100, 110, 99, 103).seconds     // 100→99→110→103: the trail 96 → 106, then the fall fills it at 106
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market)) }
        st.at(1) { $0.place(OrderRequest(symbol: "ES", side: .sell, quantity: 1, kind: .trailingStop(distance: 4), reduceOnly: true, purpose: .exit("trail"))) }
        let r = recorded(b, st)
        #expect(r.fills.map(\.price.ticks) == [100, 106])
        #expect(rows(r) == ["#2 trail 96 \(t1 + 60)→\(t2)", "#2 trail 106 \(t2)→\(t2)"], "\(rows(r))")
    }

    @Test("recording changes nothing else, and a run that does not record has no levels")
    func recordingIsInert() {
        var b = BarBuilder()
        b.bar(100, 101, 99, 100); b.bar(100, 103, 100, 103); b.bar(103, 104, 102, 104); b.bar(104, 111, 104, 110)
        func script() -> ScriptedStrategy {
            let st = ScriptedStrategy()
            st.at(0) { $0.place(order(.buy, .stop(p(102)), bracket: Bracket(stopLoss: .ticks(4), takeProfit: .ticks(8)))) }
            return st
        }
        let on = recorded(b, script())
        let (off, _) = runFixture(b, script())
        #expect(off.chartLevels.isEmpty && on.chartLevels.count == 3)
        #expect(on.fills == off.fills && on.trades == off.trades && on.equity == off.equity)
    }
}
