import Backtest
import Configuration
import Data
import Foundation
import Jobs
import Store
import Strategies
import Testing
import Trading
import TSXLabTesting

/// Sharing indicator series between a sweep's configurations and skipping bars where nothing can
/// happen change how fast a sweep runs, never what it finds.
@Suite("Sweeps with and without shared series and skipping")
struct SharedSeriesSweepTests {
    /// Four months of ES 2019 minute bars: enough trade days for the overnight range's daily ATR.
    static let bars: BarSeries = try! SharedData.loadBars("ES_1m_2019.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!,
                                                          from: Timestamp(year: 2019, month: 1, day: 1), to: Timestamp(year: 2019, month: 5, day: 1))

    /// Each built-in strategy with a grid over the parameters its series and wake conditions
    /// depend on, under the default account rules (daily loss limit, trailing maximum loss,
    /// end-of-day flatten) with sessions enforced, and sma-bracket also as the reference runs it.
    static let cases: [(label: String, strategy: String, axes: [String], reference: Bool)] = [
        ("sma_bracket reference settings", "sma_bracket", ["fast=5,10", "slow=30,60", "stop_ticks,target_ticks=8:16,20:40"], true),
        ("sma_bracket under the account rules", "sma_bracket", ["fast=5,20", "slow=60", "stop_ticks,target_ticks=4:8,40:80"], false),
        ("overnight_range", "overnight_range", ["atr_period=5,14", "atr_multiplier_sl=0.5,2", "use_breakeven=true,false", "window_start=18:00 America/New_York,03:00 America/New_York"], false),
        ("mean_reversion", "mean_reversion", ["rsi_period=7,14", "ma_period=20,50"], false),
        ("trend_following", "trend_following", ["ma_type=sma,ema", "fast_period=10,20", "slow_period=50"], false),
    ]

    /// A store holding the bars and a configuration with `strategy` alone enabled.
    static func job(_ label: String, strategy: String, reference: Bool) throws -> BacktestJob {
        let store = try StoreSchema.open("sqlite:" + TestEnvironment.temporaryDirectory(label) + "/tsxlab.sqlite")
        try store.write(bars, coverage: nil)
        var cfg = try RunConfiguration.parse(yaml: "", source: "test", environment: [:])
        cfg.data.symbol = "ES"
        cfg.data.timeframe = .oneMinute
        if reference {
            cfg.exchange.enforceSessions = false
            cfg.exchange.pathModel = PathModel.stopFirst.rawValue
        }
        let d = try StrategyCatalog.descriptor(named: strategy)
        for i in cfg.strategies.indices { cfg.strategies[i].enabled = false }
        cfg.strategies.removeAll { $0.name == d.name }
        cfg.strategies.append(StrategyEntry(name: d.name, symbol: "ES", enabled: true, parameters: d.defaults()))
        return BacktestJob(config: cfg, registry: .builtIn, store: store, source: nil)
    }

    /// `results.csv` of the grid through the engine, with sharing and skipping as given.
    static func resultsCSV(_ c: (label: String, strategy: String, axes: [String], reference: Bool), shares: Bool, skips: Bool) async throws -> String {
        let job = try job("shared-\(c.strategy)-\(c.reference)-\(shares)-\(skips)", strategy: c.strategy, reference: c.reference)
        let space = SweepSpace(axes: try c.axes.map(SweepAxis.parse))
        var sweep = try SweepJob(backtest: job, space: space)
        sweep.sharesSeries = shares
        sweep.skipsQuietBars = skips
        try await sweep.runLocally(try sweep.register(), workers: 2, kernel: nil, isCancelled: { false })
        return SweepJob.csv(try sweep.results(), names: space.names)
    }

    @Test("every built-in strategy's results.csv is the same byte for byte with and without shared series and skipping",
          arguments: cases.indices)
    func sameResults(_ i: Int) async throws {
        let c = Self.cases[i]
        let plain = try await Self.resultsCSV(c, shares: false, skips: false)
        let fast = try await Self.resultsCSV(c, shares: true, skips: true)
        #expect(fast == plain, "\(c.label)")
        // Each mode alone changes nothing either.
        #expect(try await Self.resultsCSV(c, shares: true, skips: false) == plain, "\(c.label), sharing only")
        #expect(try await Self.resultsCSV(c, shares: false, skips: true) == plain, "\(c.label), skipping only")
        // The grid traded: a comparison of empty results would prove nothing.
        let trades = plain.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = c.axes.flatMap { $0.split(separator: "=")[0].split(separator: ",") }.count
        #expect(trades.contains { Int($0[column])! > 0 }, "\(c.label)")
    }

    @Test("a sweep's results equal single backtests of the same configurations, fills and equity included", arguments: cases.indices)
    func sameAsSingleBacktests(_ i: Int) async throws {
        let c = Self.cases[i]
        let job = try Self.job("single-\(c.strategy)-\(c.reference)", strategy: c.strategy, reference: c.reference)
        let space = SweepSpace(axes: try c.axes.map(SweepAxis.parse))
        let sweep = try SweepJob(backtest: job, space: space)
        for cell in [space.cell(0), space.cell(space.count - 1)] {
            let inSweep = try sweep.run(cell, on: sweep.series).0
            var single = job
            single.config = try sweep.configuration(for: cell)
            let alone = try single.run(record: false).result
            #expect(inSweep.trades == alone.trades, "\(c.label) \(cell.values)")
            #expect(inSweep.fills == alone.fills && inSweep.equity == alone.equity && inSweep.breaches == alone.breaches)
        }
    }

    @Test("configurations asking for the same series share one computation")
    func sharedOnce() throws {
        let book = SeriesBook(bars: Self.bars.slice(0..<20_000))
        let es = Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"))
        for (fast, stop) in [(5, 8), (5, 20), (10, 8), (10, 20)] {
            let st = SMABracket(symbol: "ES", parameters: .init(fast: fast, slow: 30, stopTicks: Int64(stop), targetTicks: 2 * Int64(stop)))
            let engine = BacktestEngine(exchange: SimulatedExchange(instruments: [es], rules: .unlimited()), strategies: [st])
            engine.seriesBook = book
            _ = engine.run(book.bars)
        }
        // D depends on the windows only: (5, 30) and (10, 30).
        #expect(book.count == 2)
    }
}
