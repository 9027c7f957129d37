import Backtest
import Data
import Testing
import Trading
import TSXLabTesting

/// Places OCO stop entries with a fixed bracket around the overnight range at 09:30 New York
/// time and lets the engine flatten at 15:00 New York: every decision falls on a 5-minute
/// boundary, so a 5-minute and a 1-minute run must trade identically.
final class RangeProbe: Strategy {
    let name = "range_probe"
    let symbols = ["ES"]
    var high = Int64.min, low = Int64.max
    var day: TradeDate?
    let cal = SessionCalendar.cmeEquityIndex

    func onSessionOpen(_ tradeDate: TradeDate, broker: any Broker) {
        day = tradeDate; high = Int64.min; low = Int64.max
    }

    func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        guard let day else { return }
        let open = LocalTime.cashOpenET.instant(on: day)
        if bar.time < open { high = max(high, bar.high.ticks); low = min(low, bar.low.ticks) }
        if broker.now == open, high > low {
            let b = Bracket(stopLoss: .ticks(12), takeProfit: .ticks(20))
            _ = broker.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .stop(Price(ticks: high + 1)), bracket: b, ocoGroup: "\(day)"))
            _ = broker.place(OrderRequest(symbol: "ES", side: .sell, quantity: 1, kind: .stop(Price(ticks: low - 1)), bracket: b, ocoGroup: "\(day)"))
        }
    }
}

@Suite("Drill-down on real data")
struct DrillDownTests {
    @Test("a 5-minute backtest resolved from 1-minute bars trades exactly like the 1-minute backtest")
    func fiveMinuteEqualsOneMinute() throws {
        let oneMinute = try SharedData.loadBars("ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        let fiveMinute = try oneMinute.resampled(to: Timeframe("5m")!)
        func run(_ s: BarSeries, finer: BarSeries?) -> BacktestResult {
            let ex = SimulatedExchange(instruments: [Instrument(spec: esSpec)], rules: .unlimited())
            let engine = BacktestEngine(exchange: ex, strategies: [RangeProbe()],
                                        flattenTime: LocalTime(hour: 15, minute: 0, zone: .newYork))
            return engine.run(s, finer: finer)
        }
        let base = run(oneMinute, finer: nil)
        let drilled = run(fiveMinute, finer: oneMinute)
        let coarse = run(fiveMinute, finer: nil)
        #expect(base.trades.count >= 4, "the week should trade")
        #expect(drilled.trades == base.trades)
        #expect(drilled.resolution.drillDown + drilled.resolution.pathModel > 0)
        #expect(coarse.resolution.drillDown == 0)
        // Without the finer data the 5-minute run is only an approximation (times at 5-minute
        // stamps at least).
        #expect(coarse.trades != base.trades)
    }
}
