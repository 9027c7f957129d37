import Backtest
import Data
import Foundation
import Strategies
import Trading
import TSXLabTesting

/// Four micro contracts over one year of minute bars in one run, against each run alone.
///
/// No micro contract's year is among the shared datasets, so the four series are the ES 2019
/// bars under four micro symbols: the same tick counts at each contract's own tick size (MES and
/// MNQ 0.25, MYM 1, M2K 0.10), so each fills on its own grid with its own tick value and fee.
/// Each symbol is traded by its own `sma_bracket` (defaults), through the general engine path.
func benchPortfolio() throws {
    let path = TestEnvironment.sharedDataset("ES_1m_2019.csv.gz")
    let (es, _) = try BarCSV.read(path: path, options: BarCSVOptions(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize("0.25")!))
    let registry = ContractRegistry.builtIn
    let symbols = ["MES", "MNQ", "MYM", "M2K"]
    let portfolio: [BarSeries] = try symbols.map { symbol in
        let spec = try registry.spec(for: symbol)
        var s = BarSeries(symbol: symbol, timeframe: .oneMinute, tickSize: spec.tickSize)
        for i in 0..<es.count { s.append(es[i]) }
        return s
    }
    let instruments = try symbols.map { Instrument(spec: try registry.spec(for: $0)) }
    print("== portfolio: \(symbols.joined(separator: ", ")) on one account, \(es.count) 1-minute bars each (ES 2019 at each contract's tick size)")
    var cfg = ExchangeConfig()
    cfg.pathModel = .stopFirst
    func strategies(_ names: [String]) -> [any Strategy] { names.map { SMABracket(symbol: $0) } }

    // In turn, so both see the same machine state: the four runs alone, then the portfolio.
    var alone: [[Double]] = symbols.map { _ in [] }, everyBar: [[Double]] = symbols.map { _ in [] }
    var together: [Double] = []
    var aloneTrades = 0, togetherTrades = 0
    for _ in 0..<5 * repeatFactor {
        aloneTrades = 0
        for (k, series) in portfolio.enumerated() {
            let ex = SimulatedExchange(instruments: [instruments[k]], rules: .unlimited(), config: cfg)
            let t0 = now()
            let r = BacktestEngine(exchange: ex, strategies: strategies([series.symbol])).run(portfolio: [series])
            alone[k].append(now() - t0)
            aloneTrades += r.trades.count
            // The same run handed every bar: a portfolio does not jump over quiet bars.
            let ex2 = SimulatedExchange(instruments: [instruments[k]], rules: .unlimited(), config: cfg)
            let engine = BacktestEngine(exchange: ex2, strategies: strategies([series.symbol]))
            engine.skipQuietBars = false
            let t1 = now()
            _ = engine.run(portfolio: [series])
            everyBar[k].append(now() - t1)
        }
        let ex = SimulatedExchange(instruments: instruments, rules: .unlimited(), config: cfg)
        let t0 = now()
        let r = BacktestEngine(exchange: ex, strategies: strategies(symbols)).run(portfolio: portfolio)
        together.append(now() - t0)
        togetherTrades = r.trades.count
    }
    let bars = Double(es.count)
    var aloneRate = 0.0, everyBarRate = 0.0
    for (k, symbol) in symbols.enumerated() {
        let rate = bars / median(alone[k].sorted()), every = bars / median(everyBar[k].sorted())
        aloneRate += rate / Double(symbols.count)
        everyBarRate += every / Double(symbols.count)
        line("  \(symbol) alone", "\(fmt(rate / 1e6, 1))M bars/s", "(\(fmt(median(alone[k].sorted()) * 1000)) ms; handed every bar \(fmt(every / 1e6, 1))M bars/s)")
    }
    let t = median(together.sorted())
    let perSeries = bars / t
    line("four in one run, per series", "\(fmt(perSeries / 1e6, 1))M bars/s",
         "(\(fmt(t * 1000)) ms for \(Int(bars) * symbols.count) bars; \(fmt(perSeries / aloneRate, 2))× the mean run alone, \(fmt(perSeries / everyBarRate, 2))× handed every bar)")
    line("  trades: together / sum alone", "\(togetherTrades) / \(aloneTrades)", togetherTrades == aloneTrades ? "(equal: no rule refuses)" : "(DIFFER)")
}
