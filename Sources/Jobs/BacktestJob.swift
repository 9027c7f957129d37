import Backtest
import Configuration
import Data
import Foundation
import Strategies
import Trading

/// One backtest as the application runs it: a configuration wired to bars (through the cache
/// tiers), the enabled strategies, the contract and the simulated exchange; the result recorded in
/// the store and, when asked, a run folder. No trading logic here: the engine trades.
public struct BacktestJob: Sendable {
    public var config: RunConfiguration
    public var registry: ContractRegistry
    public var store: any BarStore
    public var source: (any BarSource)?
    /// Run the fidelity audit (`FidelityAudit`): score each path model on the ambiguous bars finer
    /// data decides, and run the bars alone under each model for the P&L it would have reported.
    public var fidelity = false

    public init(config: RunConfiguration, registry: ContractRegistry, store: any BarStore, source: (any BarSource)?) {
        self.config = config; self.registry = registry; self.store = store; self.source = source
    }

    /// The simulated exchange's settings from the configuration's `exchange` section.
    public func exchangeConfig() -> ExchangeConfig {
        var c = ExchangeConfig()
        c.pathModel = PathModel(rawValue: config.exchange.pathModel) ?? .nearestExtremeFirst
        c.stopSlippageTicks = config.exchange.stopSlippageTicks
        c.marketSlippageTicks = config.exchange.marketSlippageTicks
        c.enforceSessions = config.exchange.enforceSessions
        c.limitFillOnPrints = ExchangeConfig.LimitFill(rawValue: config.exchange.limitFill) ?? .through
        c.attempts = config.attempts
        c.fidelityAudit = fidelity
        return c
    }

    /// The stored trade prints the configuration names (`data.ticks`) over its window, nil when
    /// it names none.
    ///
    /// - Throws: `DataError.badInput` when the store holds no prints of that contract.
    public func loadPrints() throws -> [TradePrint]? {
        guard let symbol = config.data.ticks else { return nil }
        let tape = try TapeStore(store, storeURL: store.displayURL)
        guard try tape.list().contains(where: { $0.symbol == symbol && $0.count > 0 }) else {
            throw DataError.badInput(file: store.displayURL, line: nil, field: "data.ticks",
                reason: "no stored prints of \(symbol); import them with `tsxlab data import --ticks` or record them with `tsxlab record`")
        }
        return try tape.read(symbol, TimeWindow(from: config.data.from ?? .distantPast, to: config.data.to ?? .distantFuture))
    }

    /// Loads the bars through the cache tiers (memory → store → source): the configuration's
    /// series and, when it names one, the finer series for drill-down (nil when none is stored).
    /// With `data.bars_from: ticks` the series is built from the stored prints instead.
    ///
    /// - Throws: `DataError.badInput` when the window holds no bars.
    public func loadBars() throws -> (BarSeries, BarSeries?) {
        let d = config.data
        let window = TimeWindow(from: d.from ?? .distantPast, to: d.to ?? .distantFuture)
        if d.barsFromTicks, let ticks = d.ticks {
            // Tick replay: the bars from the prints; they also decide every fill (`loadPrints`).
            guard let built = try TickBars.build(from: TapeStore(store, storeURL: store.displayURL), symbol: ticks, timeframe: d.timeframe, window: window),
                  !built.bars.isEmpty else {
                throw DataError.badInput(file: store.displayURL, line: nil, field: "data.bars_from",
                    reason: "no stored prints of \(ticks) \(window) to build \(d.timeframe) bars from; import them with `tsxlab data import --ticks` or record them with `tsxlab record`")
            }
            var series = built.bars
            series.symbol = d.symbol
            return (series, nil)
        }
        let cache = BarCache(store: store, source: source)
        let key = SeriesKey(symbol: d.symbol, timeframe: d.timeframe)
        var series = try cache.bars(key, window)
        guard !series.isEmpty else {
            throw DataError.badInput(file: store.displayURL, line: nil, field: "data",
                reason: "no \(key) bars \(window); import them with `tsxlab data import` (or give --source DIR)")
        }
        series.symbol = d.symbol
        var finer: BarSeries?
        if let ft = d.finerTimeframe {
            let f = try cache.bars(SeriesKey(symbol: d.symbol, timeframe: ft), window)
            finer = f.isEmpty ? nil : f
        }
        return (series, finer)
    }

    /// The enabled strategies, built from the catalog with their parameters.
    ///
    /// - Throws: `DataError.badInput` when none is enabled or one trades another symbol than the bars.
    public func strategies() throws -> [any Strategy] {
        try config.checkConsistency()
        let enabled = config.enabledStrategies
        guard !enabled.isEmpty else {
            throw DataError.badInput(file: config.source, line: nil, field: "strategies",
                reason: "no strategy is enabled; enable one in the file, with its *_ENABLED variable, or give --strategy NAME")
        }
        return try enabled.map { e in
            guard e.symbol == config.data.symbol else {
                throw DataError.badInput(file: config.source, line: nil, field: "strategies.\(e.name).symbol",
                    reason: "\(e.symbol) differs from the data symbol \(config.data.symbol); one backtest trades one series")
            }
            return try StrategyCatalog.descriptor(named: e.name).build(symbol: e.symbol, parameters: e.parameters)
        }
    }

    /// The traded contract with the configuration's commission.
    public func instrument() throws -> Instrument {
        let spec = try registry.spec(for: config.data.symbol)
        // A dated contract (ESZ13) trades under its own code with its product's spec.
        let named = ContractSpec(symbol: config.data.symbol, name: spec.name, projectXRoot: spec.projectXRoot, exchange: spec.exchange,
                                 tickSize: spec.tickSize, tickValue: spec.tickValue, feeRoundTurn: spec.feeRoundTurn,
                                 priceDecimals: spec.priceDecimals, monthCycle: spec.monthCycle,
                                 miniEquivalent: spec.miniEquivalent, source: spec.source)
        return Instrument(spec: named, feePerSide: config.exchange.commissionPerSide)
    }

    public struct Outcome: Sendable {
        public var summary: RunSummary
        public var result: BacktestResult
        public var series: BarSeries
        /// The run folder written, if any.
        public var folder: String?
    }

    /// Runs the backtest, records it in the store (when `record` and the store is SQL: the run
    /// tables are created if missing) and in a run folder: `out`, else `runsFolder/<run id>`, else none.
    public func run(out: String? = nil, runsFolder: String? = nil, record: Bool = true) throws -> Outcome {
        try config.checkConsistency()
        let (series, finer) = try loadBars()
        let strategies = try strategies()
        let ins = try instrument()
        guard series.tickSize == ins.spec.tickSize else {
            throw DataError.badInput(file: store.displayURL, line: nil, field: "tick_size",
                reason: "stored \(series.symbol) bars are at tick \(series.tickSize), the contract table says \(ins.spec.tickSize)")
        }
        let prints = try loadPrints()
        if fidelity && finer == nil && prints == nil {
            throw DataError.badInput(file: config.source, line: nil, field: "--fidelity",
                reason: "the audit needs finer data to measure the path models against: name stored prints with data.ticks (or --ticks), or finer bars with data.finer_timeframe")
        }
        let ex = SimulatedExchange(instruments: [ins], rules: config.account, config: exchangeConfig())
        let engine = BacktestEngine(exchange: ex, strategies: strategies)
        engine.recordChartLevels = record
        var result = engine.run(series, finer: finer, prints: prints)
        if fidelity, var audit = result.fidelity {
            // What each model would have reported on the bars alone: the same run, fresh
            // strategies, no finer data.
            audit.netPnlUsd = result.netPnL.description
            for (m, model) in PathModel.allCases.enumerated() {
                var c = exchangeConfig()
                c.fidelityAudit = false
                c.pathModel = model
                let alone = BacktestEngine(exchange: SimulatedExchange(instruments: [ins], rules: config.account, config: c),
                                           strategies: try self.strategies()).run(series)
                audit.scores[m].netPnlUsd = alone.netPnL.description
            }
            result.fidelity = audit
        }
        let runID = RunRecorder.newRunID(configHash: config.hash)
        let summary = RunSummary.make(runId: runID, result: result, strategies: strategies.map(\.name), series: series,
                                      rules: config.account, configHash: config.hash)
        let spec: (String) -> ContractSpec? = { $0 == ins.symbol ? ins.spec : (try? registry.spec(for: $0)) }
        if record, let db = store as? any SQLDatabase {
            try RunRecorder.save(summary, result: result, configText: config.canonicalText, spec: spec, into: db)
        }
        let folder = out ?? runsFolder.map { $0 + "/" + runID }
        if let folder {
            try RunRecorder.writeFolder(folder, summary: summary, result: result, configText: config.canonicalText, spec: spec)
        }
        return Outcome(summary: summary, result: result, series: series, folder: folder)
    }
}
