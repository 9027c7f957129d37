import Data
import OpeningRange
import Strategies
import Testing
import Trading
import TSXLabTesting

/// A hand-built morning (Tuesday 2019-03-05; 14:30Z is the 09:30 New York cash open), prices in
/// ticks of 0.25: the first three minutes make the range, 403 high and 398 low.
func morning(_ after: [(Int64, Int64, Int64, Int64)]) -> BarSeries {
    var b = BarBuilder(symbol: "ES")
    b.bar(400, 402, 399, 401)
    b.bar(401, 403, 400, 402)
    b.bar(402, 402, 398, 399)
    for (o, h, l, c) in after { b.bar(o, h, l, c) }
    return b.series
}

func strategy(_ values: [String: String] = [:]) throws -> OpeningRangeBreakout {
    var p = OpeningRangeBreakout.descriptor.defaults()
    for (name, text) in ["range_minutes": "3", "stop_ticks": "4", "target_ticks": "8"].merging(values, uniquingKeysWith: { $1 }) {
        try p.set(name, text: text, source: "test")
    }
    return OpeningRangeBreakout(symbol: "ES", p)
}

@Suite("Opening-range breakout on a hand-built morning")
struct OpeningRangeTests {
    @Test("a break above the range buys one tick over its high (404), the sell stop is cancelled, the target fills 8 ticks up")
    func breakout() throws {
        let bars = morning([(399, 400, 398, 400), (400, 405, 400, 405), (405, 412, 404, 411)])
        let r = try StrategyHarness.backtest(try strategy(), bars)
        #expect(StrategyHarness.lines(r, tick: bars.tickSize) == ["long 1 2019-03-05T14:34:00Z 101.00 → 2019-03-05T14:35:00Z 103.00 target"])
        #expect(r.orders.filter { $0.request.kind == .stop(Price(ticks: 397)) }.allSatisfy { $0.status == .cancelled })
    }

    @Test("a break below sells one tick under the low (397) and the stop 4 ticks above takes it out")
    func breakdownStopped() throws {
        let bars = morning([(399, 399, 396, 397), (397, 401, 397, 401)])
        let r = try StrategyHarness.backtest(try strategy(), bars)
        #expect(StrategyHarness.lines(r, tick: bars.tickSize) == ["short 1 2019-03-05T14:33:00Z 99.25 → 2019-03-05T14:34:00Z 100.25 stop"])
    }

    @Test("entries still working at entry_end are cancelled; no trade")
    func cancelledAtEntryEnd() throws {
        let bars = morning([(400, 401, 399, 400), (400, 401, 399, 400), (400, 406, 396, 400)])
        let r = try StrategyHarness.backtest(try strategy(["entry_end": "09:35 America/New_York"]), bars)
        #expect(r.trades.isEmpty)
        let entries = r.orders.filter { $0.request.purpose == .entry }
        #expect(entries.count == 2 && entries.allSatisfy { $0.status == .cancelled })
    }

    @Test("a value outside its range is refused, naming the parameter and what it takes")
    func badParameter() throws {
        var p = OpeningRangeBreakout.descriptor.defaults()
        #expect { try p.set("range_minutes", text: "0", source: "test") } throws: { "\($0)".contains("range_minutes") && "\($0)".contains("1…120") }
    }
}
