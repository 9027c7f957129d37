import Backtest
import Data
import Strategies
import Testing
import Trading
import TSXLabTesting

/// Runs a catalogued strategy over a series on the simulated exchange.
func runCatalogued(_ name: String, _ series: BarSeries, _ changes: [String: String] = [:]) throws -> BacktestResult {
    let d = try StrategyCatalog.descriptor(named: name)
    var p = d.defaults()
    for (k, v) in changes { try p.set(k, text: v, source: "test") }
    let st = try d.build(symbol: series.symbol, parameters: p)
    let ex = SimulatedExchange(instruments: [Instrument(spec: esSpecification)], rules: .unlimited())
    let engine = BacktestEngine(exchange: ex, strategies: [st])
    engine.closeAtEnd = false
    return engine.run(series)
}

let strategyCases: [(String, [String: String])] = [
    ("overnight_range", ["atr_period": "3"]),
    ("mean_reversion", [:]),
    ("trend_following", [:]),
    ("sma_bracket", [:]),
]

extension BarSeries {
    /// The future replaced: the bars from `cut` on keep their timestamps, with the price path
    /// mirrored around the last close before the cut.
    func scrambled(after cut: Int) -> BarSeries {
        var out = slice(0..<cut)
        let pivot = close[cut - 1]
        for i in cut..<count {
            let b = self[i]
            out.append(Bar(b.time.seconds, 2 * pivot - b.open.ticks, 2 * pivot - b.low.ticks, 2 * pivot - b.high.ticks,
                           2 * pivot - b.close.ticks, b.volume))
        }
        return out
    }
}

@Suite("No strategy sees the future")
struct LookAheadTests {
    @Test("truncating or scrambling the bars after a cut never changes what happened before it",
          arguments: strategyCases.map(\.0))
    func future(name: String) throws {
        let changes = strategyCases.first { $0.0 == name }!.1
        let full = try SharedData.loadBars("ES_1m_2023-09-24_2023-10-09.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        let cut = full.count * 3 / 5
        let cutTime = Timestamp(seconds: full.time[cut])
        let scrambled = full.scrambled(after: cut)
        let a = try runCatalogued(name, full, changes)
        let b = try runCatalogued(name, full.slice(0..<cut), changes)
        let c = try runCatalogued(name, scrambled, changes)
        #expect(a.trades.count > 0, "\(name) should trade in two weeks of ES")
        func before(_ r: BacktestResult) -> [Trade] { r.trades.filter { $0.exitTime < cutTime } }
        func ordersBefore(_ r: BacktestResult) -> [Order] {
            r.orders.filter { $0.createdAt < cutTime }.map { o in var o = o; o.status = .working; o.updatedAt = o.createdAt; return o }
        }
        #expect(before(a) == before(b))
        #expect(before(a) == before(c))
        #expect(ordersBefore(a).map(\.request) == ordersBefore(b).map(\.request))
        #expect(ordersBefore(a).map(\.request) == ordersBefore(c).map(\.request))
        #expect(a.fills.filter { $0.time < cutTime } == c.fills.filter { $0.time < cutTime })
    }

    @Test("the engine hands bars in time order and only after they close")
    func order() throws {
        let series = try SharedData.loadBars("ES_1m_2023-09-24_2023-10-09.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        final class Probe: Strategy {
            let name = "probe"
            let symbols = ["ES"]
            var last = Int64.min
            var violations = 0
            func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
                if bar.time.seconds <= last || broker.now.seconds < bar.time.seconds + 60 { violations += 1 }
                last = bar.time.seconds
            }
        }
        let p = Probe()
        let ex = SimulatedExchange(instruments: [Instrument(spec: esSpecification)], rules: .unlimited())
        _ = BacktestEngine(exchange: ex, strategies: [p]).run(series)
        #expect(p.violations == 0 && p.last == series.time.last)
    }
}

/// Trades one-minute bars on coarser ones: buys when a five-minute bar closes above the last
/// completed day's high, sells when one closes below its low; a bracket either way. Records when
/// each coarser bar arrived.
final class TwoTimeframes: Strategy {
    let name = "two_timeframes"
    let symbols = ["ES"]
    var fiveMinute = BarAggregator(from: .oneMinute, to: Timeframe("5m")!)
    var daily = BarAggregator(from: .oneMinute, to: .oneDay)
    var early = 0, seen = 0

    func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        let days = daily.add(bar), fives = fiveMinute.add(bar)
        for d in days where broker.now < SessionCalendar.cmeEquityIndex.session(for: SessionCalendar.cmeEquityIndex.tradeDate(containing: d.time))!.close { early += 1 }
        for f in fives where broker.now.seconds < f.time.seconds + 300 { early += 1 }
        seen += days.count + fives.count
        guard let day = daily.completed.last, let five = fives.last, broker.position(symbol).quantity == 0, broker.openOrders().isEmpty else { return }
        let side: OrderSide? = five.close.ticks > day.high.ticks ? .buy : five.close.ticks < day.low.ticks ? .sell : nil
        guard let side else { return }
        _ = broker.place(OrderRequest(symbol: symbol, side: side, quantity: 1, kind: .market,
                                      bracket: Bracket(stopLoss: .ticks(12), takeProfit: .ticks(24))))
    }
}

@Suite("No strategy sees the future on coarser bars either")
struct MultiTimeframeLookAheadTests {
    @Test("five-minute and daily bars reach the strategy once closed; truncating or scrambling after a cut changes nothing before it")
    func future() throws {
        let full = try SharedData.loadBars("ES_1m_2023-09-24_2023-10-09.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        let cut = full.count * 3 / 5
        let cutTime = Timestamp(seconds: full.time[cut])
        let scrambled = full.scrambled(after: cut)
        func run(_ series: BarSeries) -> (BacktestResult, TwoTimeframes) {
            let st = TwoTimeframes()
            let engine = BacktestEngine(exchange: SimulatedExchange(instruments: [Instrument(spec: esSpecification)], rules: .unlimited()), strategies: [st])
            engine.closeAtEnd = false
            return (engine.run(series), st)
        }
        let (a, sa) = run(full), (b, _) = run(full.slice(0..<cut)), (c, _) = run(scrambled)
        #expect(sa.early == 0 && sa.seen > 2_000)
        #expect(a.trades.count > 5)
        func before(_ r: BacktestResult) -> [Trade] { r.trades.filter { $0.exitTime < cutTime } }
        #expect(before(a) == before(b) && before(a) == before(c))
        #expect(a.fills.filter { $0.time < cutTime } == c.fills.filter { $0.time < cutTime })
    }
}

@Suite("Intraday strategies keep their hours")
struct IntradayHoursTests {
    @Test("mean reversion and trend following enter only in their window and are flat at the end of the day",
          arguments: ["mean_reversion", "trend_following"])
    func hours(name: String) throws {
        let series = try SharedData.loadBars("ES_1m_2023-09-24_2023-10-09.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        let r = try runCatalogued(name, series)
        #expect(r.trades.count > 5)
        let ny = ZoneRules.newYork
        for t in r.trades {
            let entry = ny.local(t.entryTime), exit = ny.local(t.exitTime)
            let entryMinute = entry.hour * 60 + entry.minute
            #expect(entryMinute >= 9 * 60 + 30 && entryMinute <= 15 * 60 + 31, "\(name) entry at \(entry.isoString) ET")
            #expect(exit.hour * 60 + exit.minute <= 16 * 60 + 1 || t.exitTime == r.trades.last?.exitTime, "\(name) exit at \(exit.isoString) ET")
            #expect(entry.day == exit.day, "\(name) held overnight: \(t.entryTime) → \(t.exitTime)")
        }
    }
}
