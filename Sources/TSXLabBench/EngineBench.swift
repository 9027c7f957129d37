import Backtest
import Data
import Foundation
import Strategies
import Trading
import TSXLabTesting

/// Keeps a bracket working most of the time: whenever flat, a market entry with a wide
/// stop-loss and take-profit (alternating sides).
final class AlwaysBracketed: Strategy {
    let name = "always_bracketed"
    let symbols = ["ES"]
    var side = OrderSide.buy
    var pending = false
    var flat = true
    func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        if !pending && flat {
            pending = true
            _ = broker.place(OrderRequest(symbol: "ES", side: side, quantity: 1, kind: .market,
                                          bracket: Bracket(stopLoss: .ticks(40), takeProfit: .ticks(80))))
            side = side.opposite
        }
    }
    func onEvent(_ event: BrokerEvent, broker: any Broker) {
        if case .positionChanged(let p) = event { flat = p.isFlat }
        if case .orderFilled(let o, _) = event, o.request.purpose == .entry { pending = false }
        if case .orderRejected = event { pending = false }
        if case .orderExpired(let o) = event, o.request.purpose == .entry { pending = false }
        if case .orderCancelled(let o, _) = event, o.request.purpose == .entry { pending = false }
    }
}

/// Loads the 2016–2018 ES series (1,041,187 bars), or what exists of it.
func loadThreeYears() throws -> BarSeries {
    var all = BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize("0.25")!)
    for y in ["2016", "2017", "2018"] {
        let path = TestEnvironment.sharedDataset("ES_1m_\(y).csv.gz")
        let (s, _) = try BarCSV.read(path: path, options: BarCSVOptions(symbol: "ES", timeframe: .oneMinute, tickSize: all.tickSize))
        for i in 0..<s.count { all.append(s[i]) }
    }
    return all
}

func benchEngine() throws {
    let series = try loadThreeYears()
    print("== engine: simulated exchange over \(series.count) ES 1-minute bars (2016–2018)")
    let es = try ContractRegistry.builtIn.spec(for: "ES")
    var result: BacktestResult?
    let runs = measure(5) {
        let ex = SimulatedExchange(instruments: [Instrument(spec: es)], rules: .unlimited())
        let engine = BacktestEngine(exchange: ex, strategies: [AlwaysBracketed()])
        result = engine.run(series)

    }
    let r = result!
    let barsInPosition = r.trades.reduce(0) { $0 + series.lowerBound($1.exitTime.seconds) - series.lowerBound($1.entryTime.seconds) }
    line("exchange + engine, bracket working", "\(fmt(Double(series.count) / median(runs) / 1e6, 1))M bars/s",
         "(\(r.trades.count) trades, ~\(100 * barsInPosition / max(1, series.count))% of bars bracketed; target ≥ 20M)")
    let flat = measure(5) {
        let ex = SimulatedExchange(instruments: [Instrument(spec: es)], rules: .unlimited())
        _ = BacktestEngine(exchange: ex, strategies: [Idle()]).run(series)
    }
    line("exchange + engine, nothing working", "\(fmt(Double(series.count) / median(flat) / 1e6, 1))M bars/s")
}

final class Idle: Strategy {
    let name = "idle"
    let symbols = ["ES"]
    func onBar(_ bar: Bar, symbol: String, broker: any Broker) {}
}

/// The reference workload through the same engine and broker a strategy uses: bars in memory →
/// trade list, parsing excluded (reported separately).
func benchSMABracket() throws {
    let t0 = monotonicSeconds()
    let series = try loadThreeYears()
    let parse = monotonicSeconds() - t0
    print("== sma-bracket: \(series.count) ES 1-minute bars (2016–2018, series B of the reference)")
    line("parse 3 CSV.gz files (not in the figures below)", "\(fmt(parse * 1000)) ms")
    var cfg = ExchangeConfig()
    cfg.pathModel = .stopFirst
    cfg.enforceSessions = false
    let es = Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"), feePerSide: Money(cents: 250))
    var result: BacktestResult?
    let runs = measure(7) {
        let ex = SimulatedExchange(instruments: [es], rules: .unlimited(), config: cfg)
        let st = SMABracket(symbol: "ES")
        result = BacktestEngine(exchange: ex, strategies: [st]).run(series, driver: st)
    }
    let r = result!
    let rate = Double(series.count) / median(runs)
    line("sma-bracket single run (defaults)", "\(fmt(rate / 1e6, 1))M bars/s",
         "(\(fmt(median(runs) * 1000)) ms; \(r.trades.count) trades, net \(r.netPnL); reference 3845 / -25725.00)")
    // Its parts: D over the bars (what a sweep computes once per window pair), and the run with D
    // already in a shared book (what each further configuration of a sweep costs).
    let computing = measure(7) { _ = SeriesBook(bars: series).values(SMABracket.difference(fast: 10, slow: 30)) }
    let book = SeriesBook(bars: series)
    _ = book.values(SMABracket.difference(fast: 10, slow: 30))
    let shared = measure(7) {
        let ex = SimulatedExchange(instruments: [es], rules: .unlimited(), config: cfg)
        let st = SMABracket(symbol: "ES")
        let engine = BacktestEngine(exchange: ex, strategies: [st])
        engine.seriesBook = book
        result = engine.run(series, driver: st)
    }
    line("  of which: D over the bars", "\(fmt(median(computing) * 1000)) ms")
    line("  the run with D in a shared book", "\(fmt(Double(series.count) / median(shared) / 1e6, 1))M bars/s", "(\(fmt(median(shared) * 1000)) ms; \(result!.trades.count) trades)")
    // Peers: measured in this run by scripts/bench-peers.sh when it passes their figures in,
    // otherwise the figures the reference published for this machine kind.
    // Each peer's figure says where it comes from: a row of the peers' JSON, or the reference.
    var vbt = (rate: 5.31e6, source: "published in the reference"), bt = (rate: 0.176e6, source: "published in the reference")
    if let path = ProcessInfo.processInfo.environment["TSXLAB_PEERS_JSON"], let data = FileManager.default.contents(atPath: path),
       let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let results = json["results"] as? [[String: Any]] {
        for r in results where r["set"] as? String == "B" && r["kind"] as? String == "single" {
            guard let secs = r["seconds"] as? Double, let bars = r["bars"] as? Int else { continue }
            if r["engine"] as? String == "vectorbt" { vbt = (Double(bars) / secs, "measured here") }
            if r["engine"] as? String == "backtesting.py" { bt = (Double(bars) / secs, "measured here") }
        }
        for r in results where r["set"] as? String == "B" && r["kind"] as? String == "grid" && r["engine"] as? String == "vectorbt" {
            if let secs = r["seconds"] as? Double, let bars = r["bars"] as? Int, let n = r["configs"] as? Int {
                line("  vectorbt 100-config grid (for the sweep issue)", "\(fmt(Double(bars * n) / secs / 1e6, 2))M bar-steps/s")
            }
        }
    }
    line("  vs vectorbt (\(fmt(vbt.rate / 1e6, 2))M bars/s, \(vbt.source))", "×\(fmt(rate / vbt.rate, 1))", "target ≥ ×10")
    line("  vs backtesting.py (\(fmt(bt.rate / 1e6, 3))M bars/s, \(bt.source))", "×\(fmt(rate / bt.rate, 0))", "target ≥ ×300")
}

/// The overnight-range breakout over one year of ES 1-minute bars (2019), bars in memory, default
/// parameters: handed every bar; jumping over the bars where nothing can happen (`skipQuietBars`,
/// the default), its series computed in the run; and so with the series already in a shared book,
/// as a sweep's configurations after the first run it.
func benchOvernight() throws {
    let (series, _) = try BarCSV.read(path: TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"),
                                      options: BarCSVOptions(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize("0.25")!))
    print("== overnight-range: \(series.count) ES 1-minute bars (2019)")
    let d = OvernightRangeBreakout.descriptor
    let es = Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"))
    let book = SeriesBook(bars: series)
    var every = 0.0
    for (label, skipping, shared) in [("every bar", false, false), ("skipping quiet bars", true, false), ("skipping, series shared", true, true)] {
        var result: BacktestResult?
        let runs = try measure(7) {
            let st = try d.build(symbol: "ES", parameters: d.defaults())
            let engine = BacktestEngine(exchange: SimulatedExchange(instruments: [es], rules: .unlimited()), strategies: [st])
            engine.skipQuietBars = skipping
            if shared { engine.seriesBook = book }
            result = engine.run(series)
        }
        let r = result!, t = median(runs)
        if !skipping { every = t }
        line("overnight-range, one year, \(label)", "\(fmt(t * 1000)) ms",
             "(\(fmt(Double(series.count) / t / 1e6, 1))M bars/s; ×\(fmt(every / t, 1)); \(r.trades.count) trades, net \(r.netPnL))")
    }
}
