import Backtest
import Data
import Foundation
import Strategies
import SweepKernel
import Trading
import TSXLabTesting

/// Sweeps on every core: the sma-bracket standard grid on 100k and 1M bars, and a 1,000-config
/// overnight-range grid over one year.
func benchSweep() throws {
    let series = try loadThreeYears()
    let grid = SweepSpace(axes: [SweepAxis(name: "fast", values: ["5", "10", "20", "30", "50"]),
                                 SweepAxis(name: "slow", values: ["60", "90", "120", "160", "200"]),
                                 SweepAxis(names: ["stop_ticks", "target_ticks"], tuples: [["8", "8"], ["12", "24"], ["20", "40"], ["40", "80"]])])
    var stopFirst = ExchangeConfig()
    stopFirst.pathModel = .stopFirst
    stopFirst.enforceSessions = false
    let cfg = stopFirst
    let es = Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"), feePerSide: Money(cents: 250))
    let workers = ProcessInfo.processInfo.activeProcessorCount
    print("== sweep: \(workers) workers")
    let params = grid.grid().map(smaParameters)
    let rules = RiskRules.unlimited()
    // The general path: every configuration a full engine backtest, as every strategy runs.
    // "every bar, own series" is how the engine ran before shared series and skipping; "shared,
    // skipping" is how a sweep runs now (`SweepJob`: one book for the grid, quiet bars skipped).
    for n in [100_000, series.count] {
        let bars = series.slice(0..<n)
        for (shared, skip) in [(false, false), (true, true)] {
            let book = SeriesBook(bars: bars)
            let t0 = monotonicSeconds()
            let trades = try timeGrid(grid.grid(), workers: workers) { cell in
                let p = smaParameters(cell)
                let st = SMABracket(symbol: "ES", parameters: .init(fast: p.fast, slow: p.slow, stopTicks: p.stopTicks, targetTicks: p.targetTicks))
                let engine = BacktestEngine(exchange: SimulatedExchange(instruments: [es], rules: rules, config: cfg), strategies: [st])
                engine.skipQuietBars = skip
                if shared { engine.seriesBook = book }
                return engine.run(bars, driver: st).trades.count
            }
            let secs = monotonicSeconds() - t0
            line("sma-bracket 100-config grid, \(n) bars, engine, \(shared ? "shared series, skipping" : "every bar, own series")",
                 "\(fmt(Double(n) * 100 / secs / 1e6, 1))M bar-steps/s",
                 "(\(fmt(secs, 2)) s, \(fmt(100 / secs, 0)) configs/s, \(trades) trades; target ≥ 400M shared and skipping)")
        }
    }
    // The kernel path, chosen as a sweep chooses it: sma-bracket with settings the kernel models.
    precondition(SMABracketKernel.models(config: cfg, rules: rules))
    for n in [100_000, series.count] {
        let bars = series.slice(0..<n)
        let t0 = monotonicSeconds()
        // Shared preparation (window sums and cross signals on every core) is inside the timing.
        let kernel = SMABracketKernel(series: bars, instrument: es, rules: rules, config: cfg, parameters: params)
        let prep = monotonicSeconds() - t0
        let box = TradesBox()
        let sem = DispatchSemaphore(value: 0)
        Task {
            try await SweepRunner.run(grid.grid(), workers: workers, isCancelled: { false }, evaluate: { cell in
                let s = kernel.summary(smaParameters(cell))
                return SweepOutcome(cell: cell, configHash: "", trades: s.trades, netPnl: s.netPnL, winRate: 0, profitFactor: nil,
                                    sharpe: nil, maxDrawdown: nil, ruleBreaches: 0, seconds: 0)
            }) { box.add($0.trades) }
            sem.signal()
        }
        sem.wait()
        let secs = monotonicSeconds() - t0
        line("sma-bracket 100-config grid, \(n) bars, kernel", "\(fmt(Double(n) * 100 / secs / 1e6, 1))M bar-steps/s",
             "(\(fmt(secs * 1000, 1)) ms incl. \(fmt(prep * 1000, 1)) ms shared preparation, \(fmt(100 / secs, 0)) configs/s, \(box.total) trades; vectorbt 5.6–8.7M published, target ≥ 300M)")
    }

    // Overnight range: 1,000 configurations over 2019.
    let (year, _) = try BarCSV.read(path: TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"),
                                    options: BarCSVOptions(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize("0.25")!))
    let space = SweepSpace(axes: [SweepAxis(name: "atr_period", values: (5...14).map(String.init)),
                                  SweepAxis(name: "atr_multiplier_sl", values: ["0.25", "0.5", "0.75", "1", "1.5", "2", "2.5", "3", "3.5", "4"]),
                                  SweepAxis(name: "atr_multiplier_tp", values: ["0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"])])
    let d = OvernightRangeBreakout.descriptor
    let esTable = Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"))
    // The shared grid three times (a fresh book each): on this shared host one run varies by
    // ±20 %, so a figure is read as the median of several.
    for (shared, skip) in [(false, false), (true, true), (true, true), (true, true)] {
        let book = SeriesBook(bars: year)
        let t0 = monotonicSeconds()
        let trades = try timeGrid(space.grid(), workers: workers) { cell in
            var p = d.defaults()
            for (k, v) in cell.values { try p.set(k, text: v, source: "bench") }
            let st = try OvernightRangeBreakout(symbol: "ES", parameters: p)
            let engine = BacktestEngine(exchange: SimulatedExchange(instruments: [esTable], rules: .unlimited()), strategies: [st])
            engine.skipQuietBars = skip
            if shared { engine.seriesBook = book }
            return engine.run(year, driver: st).trades.count
        }
        let secs = monotonicSeconds() - t0
        line("overnight-range 1,000-config grid, one year, \(shared ? "shared series, skipping" : "every bar, own series")", "\(fmt(secs, 2)) s",
             "(\(fmt(1000 / secs, 1)) configs/s, \(trades) trades; target ≥ 5× every bar)")
    }
}

/// Runs `evaluate` (a configuration's trade count) for every cell on `workers` tasks; the total.
func timeGrid(_ cells: [SweepCell], workers: Int, _ evaluate: @escaping @Sendable (SweepCell) throws -> Int) throws -> Int {
    let box = TradesBox()
    let sem = DispatchSemaphore(value: 0)
    let failure = FailureBox()
    Task {
        do {
            try await SweepRunner.run(cells, workers: workers, isCancelled: { false }, evaluate: { cell in
                SweepOutcome(cell: cell, configHash: "", trades: try evaluate(cell), netPnl: .zero, winRate: 0, profitFactor: nil,
                             sharpe: nil, maxDrawdown: nil, ruleBreaches: 0, seconds: 0)
            }) { box.add($0.trades) }
        } catch { failure.set(error) }
        sem.signal()
    }
    sem.wait()
    if let e = failure.error { throw e }
    return box.total
}

final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    func set(_ e: Error) { lock.lock(); stored = e; lock.unlock() }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
}

/// A grid cell of the sma-bracket sweep as kernel parameters.
func smaParameters(_ cell: SweepCell) -> SMABracketKernel.Parameters {
    SMABracketKernel.Parameters(fast: Int(cell.values["fast"]!)!, slow: Int(cell.values["slow"]!)!,
                                stopTicks: Int64(cell.values["stop_ticks"]!)!, targetTicks: Int64(cell.values["target_ticks"]!)!)
}

final class TradesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var sum = 0
    func add(_ n: Int) { lock.lock(); sum += n; lock.unlock() }
    var total: Int { lock.lock(); defer { lock.unlock() }; return sum }
}
