import Backtest
import Data
import Testing
import Trading
import TSXLabTesting

/// Prints at `start` plus the given milliseconds, at prices in ticks.
private func tape(_ start: String, _ items: [(ms: Int64, price: Int64)]) -> [TradePrint] {
    let t0 = Timestamp(iso8601: start)!.seconds * 1_000_000_000
    return items.map { TradePrint(time: t0 + $0.ms * 1_000_000, price: $0.price, size: 1) }
}

private func seconds(_ iso: String) -> Timestamp { Timestamp(iso8601: iso)! }

@Suite("Simulated exchange: trade prints decide inside a bar (hand-checked)")
struct PrintDrillDownTests {
    /// Bar 0 at 14:30 places the order; bar 1 (14:35–14:40, 5 minutes) reaches the entry, the
    /// target and the stop, so its prints decide.
    func fiveMinuteBars(_ high: Int64 = 111, _ low: Int64 = 97, close: Int64 = 105) -> BarBuilder {
        var b = BarBuilder(timeframe: Timeframe("5m")!)
        b.bar(100, 101, 99, 100)
        b.bar(100, high, low, close)
        return b
    }

    func bracketEntry() -> ScriptedStrategy {
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .stop(p(102)), bracket: Bracket(stopLoss: .ticks(4), takeProfit: .ticks(8)))) }
        return st
    }

    @Test("01 entry, then the stop: the prints' order, the prints' times, counted as decided by prints")
    func stopBeforeTarget() {
        let prints = tape("2019-03-05T14:35:00Z", [(0, 100), (900, 101), (1_500, 102), (61_000, 100), (62_000, 98), (120_000, 97), (180_000, 111), (299_000, 105)])
        let r = runFixture(fiveMinuteBars(), bracketEntry(), prints: prints).0
        #expect(r.fills.map(\.price.ticks) == [102, 98])
        #expect(r.fills.map(\.time) == [seconds("2019-03-05T14:35:01Z"), seconds("2019-03-05T14:36:02Z")])
        #expect(r.fills.allSatisfy { $0.resolution == .prints })
        #expect(r.resolution.prints == 2 && r.resolution.pathModel == 0 && r.resolution.drillDown == 0)
        #expect(r.trades.count == 1 && r.trades[0].exitReason == "stop")
    }

    @Test("02 a resting target fills at its price on a print through it by a tick, not on a touch; touch fills on the option")
    func limitThroughOrTouch() {
        // Entry at 102, target 110: a print at 110 (touch), back to 104, then 111 (through).
        let prints = tape("2019-03-05T14:35:00Z", [(0, 100), (1_000, 102), (2_000, 106), (3_000, 110), (4_000, 104), (5_000, 111), (6_000, 105)])
        let through = runFixture(fiveMinuteBars(111, 99), bracketEntry(), prints: prints).0
        #expect(through.fills.map(\.price.ticks) == [102, 110])
        #expect(through.fills.last?.time == seconds("2019-03-05T14:35:05Z"), "the print at 111, not the touch at 110")
        var touch = ExchangeConfig()
        touch.limitFillOnPrints = .touch
        let touched = runFixture(fiveMinuteBars(111, 99), bracketEntry(), config: touch, prints: prints).0
        #expect(touched.fills.map(\.price.ticks) == [102, 110])
        #expect(touched.fills.last?.time == seconds("2019-03-05T14:35:03Z"))
    }

    @Test("03 a limit placed where the market already is fills at the print (it takes liquidity), a resting one at its price")
    func marketableLimit() {
        var b = BarBuilder(timeframe: Timeframe("5m")!)
        b.bar(100, 101, 99, 100)
        b.bar(99, 101, 96, 97)
        let st = ScriptedStrategy()
        // A buy limit at 103 with the market at 100 is marketable; one at 98 rests.
        st.at(0) { _ = $0.place(order(.buy, .limit(p(103)))); return $0.place(order(.buy, .limit(p(98)))) }
        let prints = tape("2019-03-05T14:35:00Z", [(0, 99), (1_000, 98), (2_000, 97), (3_000, 96), (4_000, 97)])
        let r = runFixture(b, st, prints: prints).0
        #expect(r.fills.map { [$0.price.ticks, $0.time.seconds - seconds("2019-03-05T14:35:00Z").seconds] } == [[99, 0], [98, 2]])
    }

    @Test("04 a bar the prints do not cover falls back to finer bars, then to the path model")
    func fallBack() {
        let prints = tape("2019-03-05T14:45:00Z", [(0, 100)])   // a later bar only
        let r = runFixture(fiveMinuteBars(), bracketEntry(), prints: prints).0
        #expect(r.fills.map(\.price.ticks) == [102, 110], "the path model's 100→99→111→105")
        #expect(r.resolution.pathModel == 2 && r.resolution.prints == 0)
    }

    @Test("05 on prints a stop fills at the print that reaches it, beyond its price when the print jumps it")
    func stopJumped() {
        // Entry at 102; the price falls from 101 straight to 96 (a fast market): the stop at 98
        // fills at 96.
        let prints = tape("2019-03-05T14:35:00Z", [(0, 100), (1_000, 102), (2_000, 101), (3_000, 96), (4_000, 104), (5_000, 111), (6_000, 105)])
        let r = runFixture(fiveMinuteBars(111, 96), bracketEntry(), prints: prints).0
        #expect(r.fills.map(\.price.ticks) == [102, 96])
    }
}
