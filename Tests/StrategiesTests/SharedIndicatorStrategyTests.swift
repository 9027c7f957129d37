import Backtest
import Data
import Indicators
@testable import Strategies
import Testing
import Trading
import TSXLabTesting

// MeanReversion and TrendFollowing read their averages and RSI from shared series. These are the
// two strategies as they were before (97ba0e2), each feeding private streaming indicators the
// closes in ticks of the bars it is handed: the reference their decisions must equal.

/// `MeanReversion` with private RSI and SMA.
final class MeanReversionBefore: Strategy {
    let name = "mean_reversion"
    let symbols: [String]
    let p: ParameterSet
    var rsi: RSI
    var ma: SMA
    var guardian: SessionGuard
    var flat = true
    var pending = false
    var tick = 0.25

    init(symbol: String, parameters: ParameterSet) {
        symbols = [symbol]
        p = parameters
        rsi = RSI(period: Int(parameters.int("rsi_period")))
        ma = SMA(period: Int(parameters.int("ma_period")))
        guardian = SessionGuard(parameters)
    }

    func onStart(broker: any Broker) {
        if let ins = broker.instrument(symbols[0]) { tick = ins.spec.tickSize.value }
    }

    func onEvent(_ event: BrokerEvent, broker: any Broker) {
        switch event {
        case .positionChanged(let pos) where pos.symbol == symbols[0]: flat = pos.isFlat; pending = false
        case _ where event.endsUnfilledEntry:
            pending = false
        default: break
        }
    }

    func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        let c = Double(bar.close.ticks)
        let r = rsi.update(c)
        let m = ma.update(c)
        let mayEnter = guardian.check(bar, now: broker.now, symbol: symbols[0], broker: broker)
        guard mayEnter, flat, !pending, let r, let m else { return }
        let deviation = p.double("deviation_pts") / tick
        let side: OrderSide
        if r <= p.double("oversold") && c <= m - deviation { side = .buy }
        else if r >= p.double("overbought") && c >= m + deviation { side = .sell }
        else { return }
        pending = true
        let result = broker.place(OrderRequest(symbol: symbols[0], side: side, quantity: p.int("position_size"), kind: .market,
                                               bracket: Bracket(stopLoss: .ticks(p.int("stop_ticks")), takeProfit: .ticks(p.int("target_ticks")))))
        if result.rejection != nil { pending = false }
    }
}

/// `TrendFollowing` with private averages and the previous bar's difference kept.
final class TrendFollowingBefore: Strategy {
    let name = "trend_following"
    let symbols: [String]
    let p: ParameterSet
    var fastSMA: SMA, slowSMA: SMA
    var fastEMA: EMA, slowEMA: EMA
    let useEMA: Bool
    var previousDiff: Double?
    var guardian: SessionGuard
    var position: Int64 = 0
    var pending = false

    init(symbol: String, parameters: ParameterSet) {
        symbols = [symbol]
        p = parameters
        let f = Int(parameters.int("fast_period")), s = Int(parameters.int("slow_period"))
        fastSMA = SMA(period: f); slowSMA = SMA(period: s); fastEMA = EMA(period: f); slowEMA = EMA(period: s)
        useEMA = parameters.string("ma_type") == "ema"
        guardian = SessionGuard(parameters)
    }

    func onEvent(_ event: BrokerEvent, broker: any Broker) {
        switch event {
        case .positionChanged(let pos) where pos.symbol == symbols[0]:
            position = pos.quantity
        case .orderFilled(let o, _) where o.request.purpose == .entry && o.symbol == symbols[0]:
            pending = false
            _ = broker.place(OrderRequest(symbol: symbols[0], side: o.side.opposite, quantity: o.filledQuantity,
                                          kind: .trailingStop(distance: p.int("trail_ticks")), timeInForce: .gtc,
                                          reduceOnly: true, purpose: .exit("trailing_stop")))
        case _ where event.endsUnfilledEntry:
            pending = false
        default: break
        }
    }

    func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        let c = Double(bar.close.ticks)
        let fast = useEMA ? fastEMA.update(c) : fastSMA.update(c)
        let slow = useEMA ? slowEMA.update(c) : slowSMA.update(c)
        let mayEnter = guardian.check(bar, now: broker.now, symbol: symbols[0], broker: broker)
        guard let fast, let slow else { return }
        let diff = fast - slow
        defer { previousDiff = diff }
        guard let prev = previousDiff, !pending else { return }
        let side: OrderSide
        if diff > 0 && prev <= 0 { side = .buy } else if diff < 0 && prev >= 0 { side = .sell } else { return }
        if position != 0 && (position > 0) != (side == .buy) { _ = broker.flatten(symbols[0], reason: "signal") }
        guard mayEnter, position == 0 || (position > 0) != (side == .buy) else { return }
        pending = true
        let r = broker.place(OrderRequest(symbol: symbols[0], side: side, quantity: p.int("position_size"), kind: .market))
        if r.rejection != nil { pending = false }
    }
}

/// Configurations of each strategy: the defaults, ones sharing the defaults' periods (so their
/// series too), and ones with periods of their own.
let sharedSeriesCases: [String: [[String: String]]] = [
    "mean_reversion": [
        [:],
        ["oversold": "35", "overbought": "65", "deviation_pts": "1"],
        ["rsi_period": "7", "oversold": "35", "overbought": "65", "deviation_pts": "1"],
        ["ma_period": "30", "stop_ticks": "8", "target_ticks": "24"],
    ],
    "trend_following": [
        [:],
        ["trail_ticks": "12"],
        ["ma_type": "sma"],
        ["ma_type": "sma", "fast_period": "5", "slow_period": "15", "trail_ticks": "16"],
    ],
]

/// The keys of the series a strategy reads with parameters `p`.
func seriesKeys(_ name: String, _ p: ParameterSet) -> Set<String> {
    switch name {
    case "mean_reversion": ["rsi:\(p.int("rsi_period"))", "sma:\(p.int("ma_period"))"]
    default: ["\(p.string("ma_type")):\(p.int("fast_period"))", "\(p.string("ma_type")):\(p.int("slow_period"))"]
    }
}

func strategyParameters(_ name: String, _ changes: [String: String]) throws -> ParameterSet {
    var p = try StrategyCatalog.descriptor(named: name).defaults()
    for (k, v) in changes { try p.set(k, text: v, source: "test") }
    return p
}

func privateIndicatorStrategy(_ name: String, _ symbol: String, _ p: ParameterSet) -> any Strategy {
    name == "mean_reversion" ? MeanReversionBefore(symbol: symbol, parameters: p) : TrendFollowingBefore(symbol: symbol, parameters: p)
}

func unlimitedExchange(for bars: BarSeries) throws -> SimulatedExchange {
    SimulatedExchange(instruments: [Instrument(spec: try ContractRegistry.builtIn.spec(for: bars.symbol))], rules: .unlimited())
}

/// A backtest of `strategies` over `bars`, reading series from `book` when given (else the
/// engine's own).
func sharedSeriesBacktest(_ strategies: [any Strategy], _ bars: BarSeries, book: SeriesBook? = nil) throws -> BacktestResult {
    let engine = BacktestEngine(exchange: try unlimitedExchange(for: bars), strategies: strategies)
    engine.seriesBook = book
    return engine.run(bars)
}

/// Whether two runs decided alike: the same orders, fills and trades.
func sameDecisions(_ a: BacktestResult, _ b: BacktestResult) -> Bool {
    a.orders == b.orders && a.fills == b.fills && a.trades == b.trades && a.equity == b.equity
}

let sharedSeriesFiles: [(file: String, symbol: String)] = [
    ("ES_1m_2023-09-24_2023-10-09.csv.gz", "ES"),
    ("NQ_1m_2023-11-19_2023-12-04.csv.gz", "NQ"),
]

@Suite("Mean reversion and trend following read shared series")
struct SharedIndicatorStrategyTests {
    @Test("every configuration decides as with private indicators, alone or sharing one book whose series it computes once",
          arguments: ["mean_reversion", "trend_following"], [0, 1])
    func sameAsBefore(name: String, file: Int) throws {
        let f = sharedSeriesFiles[file]
        let bars = try SharedData.loadBars(f.file, symbol: f.symbol, tickSize: TickSize("0.25")!)
        let book = SeriesBook(bars: bars)
        var keys = Set<String>()
        var trades = 0
        for changes in sharedSeriesCases[name]! {
            let p = try strategyParameters(name, changes)
            let reference = try sharedSeriesBacktest([privateIndicatorStrategy(name, f.symbol, p)], bars)
            let own = try sharedSeriesBacktest([try StrategyCatalog.descriptor(named: name).build(symbol: f.symbol, parameters: p)], bars)
            let shared = try sharedSeriesBacktest([try StrategyCatalog.descriptor(named: name).build(symbol: f.symbol, parameters: p)], bars, book: book)
            #expect(sameDecisions(own, reference), "\(name) \(changes) on \(f.file), its own series")
            #expect(sameDecisions(shared, reference), "\(name) \(changes) on \(f.file), the shared book")
            trades += reference.trades.count
            keys.formUnion(seriesKeys(name, p))
        }
        #expect(trades > 20, "\(name) should trade on \(f.file)")
        // Four configurations, fewer series: those with the same periods read the same ones.
        #expect(book.count == keys.count && keys.count < 2 * sharedSeriesCases[name]!.count, "\(book.count) series for \(keys.sorted())")
    }

    @Test("together on one account, the two decide as before")
    func together() throws {
        let f = sharedSeriesFiles[0]
        let bars = try SharedData.loadBars(f.file, symbol: f.symbol, tickSize: TickSize("0.25")!)
        let mr = try strategyParameters("mean_reversion", [:]), tf = try strategyParameters("trend_following", ["ma_type": "sma", "fast_period": "20"])
        let reference = try sharedSeriesBacktest([privateIndicatorStrategy("mean_reversion", "ES", mr), privateIndicatorStrategy("trend_following", "ES", tf)], bars)
        let book = SeriesBook(bars: bars)
        let now = try sharedSeriesBacktest([MeanReversion(symbol: "ES", parameters: mr), TrendFollowing(symbol: "ES", parameters: tf)], bars, book: book)
        #expect(Set(reference.trades.compactMap(\.strategy)) == ["mean_reversion", "trend_following"])
        #expect(sameDecisions(now, reference))
        // Both ask for `sma:20`: computed once.
        #expect(book.count == 3)
    }

    @Test("fed bar by bar (paper trading, live), the growing series decide as the private indicators did",
          arguments: ["mean_reversion", "trend_following"])
    func growing(name: String) throws {
        let f = sharedSeriesFiles[0]
        let bars = try SharedData.loadBars(f.file, symbol: f.symbol, tickSize: TickSize("0.25")!)
        for changes in sharedSeriesCases[name]! {
            let p = try strategyParameters(name, changes)
            let engine = BacktestEngine(exchange: try unlimitedExchange(for: bars), strategies: [privateIndicatorStrategy(name, "ES", p)])
            engine.closeAtEnd = false
            let reference = engine.run(bars)
            let paper = IncrementalBacktest(engine: BacktestEngine(exchange: try unlimitedExchange(for: bars),
                                                                   strategies: [try StrategyCatalog.descriptor(named: name).build(symbol: "ES", parameters: p)]),
                                            symbol: "ES", length: 60)
            for i in 0..<bars.count { paper.feed(bars[i]) }
            #expect(!reference.trades.isEmpty)
            #expect(paper.trades == reference.trades, "\(name) \(changes)")
            #expect(paper.engine.exchange.ledger.fills == reference.fills, "\(name) \(changes)")
        }
    }
}
