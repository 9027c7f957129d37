import Backtest
import Data
import Strategies
import Testing
import Trading
import TSXLabTesting

/// The strategy guide's second example: skipping the bars between crossings and between a fill
/// and its exit changes nothing, and configurations share the spread.
@Suite("the strategy guide's shared-series example")
struct MovingAverageCrossExampleTests {
    @Test("on a month of ES, the trades are the same with and without skipping, and two configurations with the same periods share one series")
    func sameWithSkipping() throws {
        let bars = try SharedData.loadBars("ES_1m_2019.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!,
                                           from: Timestamp(year: 2019, month: 3, day: 1), to: Timestamp(year: 2019, month: 4, day: 1))
        let d = MovingAverageCross.descriptor
        let book = SeriesBook(bars: bars)
        var runs: [[Trade]] = []
        for (skip, stop) in [(false, "16"), (true, "16"), (true, "40")] {
            var params = d.defaults()
            try params.set("stop_ticks", text: stop, source: "test")
            let strategy = try d.build(symbol: "ES", parameters: params)
            let exchange = SimulatedExchange(instruments: [Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"))], rules: .unlimited())
            let engine = BacktestEngine(exchange: exchange, strategies: [strategy])
            engine.skipQuietBars = skip
            engine.seriesBook = book
            runs.append(engine.run(bars).trades)
        }
        #expect(runs[0].count > 100)
        #expect(runs[1] == runs[0])
        #expect(runs[2] != runs[0] && book.count == 1)
    }
}
