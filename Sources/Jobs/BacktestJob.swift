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
    /// With `data.bars_from: ticks` the series is built from the stored prints instead. With
    /// several data symbols this is the first; `loadPortfolio` reads them all.
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
        let series = try loadSeries(d.symbol)
        var finer: BarSeries?
        if let ft = d.finerTimeframe {
            let f = try BarCache(store: store, source: source).bars(SeriesKey(symbol: d.symbol, timeframe: ft), window)
            finer = f.isEmpty ? nil : f
        }
        return (series, finer)
    }

    /// Every data symbol's series, in the configured order.
    public func loadPortfolio() throws -> [BarSeries] {
        try config.data.symbols.map(loadSeries)
    }

    /// The stored bars of `symbol` over the window at the configured timeframe.
    ///
    /// - Throws: `DataError.badInput` when the window holds none.
    func loadSeries(_ symbol: String) throws -> BarSeries {
        let d = config.data
        let window = TimeWindow(from: d.from ?? .distantPast, to: d.to ?? .distantFuture)
        let key = SeriesKey(symbol: symbol, timeframe: d.timeframe(of: symbol))
        var series = try BarCache(store: store, source: source).bars(key, window)
        guard !series.isEmpty else {
            throw DataError.badInput(file: store.displayURL, line: nil, field: d.symbols.count > 1 ? "data.symbols" : "data",
                reason: "no \(key) bars \(window); import them with `tsxlab data import` (or give --source DIR)")
        }
        series.symbol = symbol
        return series
    }

    /// The enabled strategies, built from the catalog with their parameters: a strategy
    /// configured on several symbols runs once per symbol unless it trades them together.
    ///
    /// - Throws: `DataError.badInput` when none is enabled; `ConfigurationError` when one trades a
    ///   symbol the data lacks.
    public func strategies() throws -> [any Strategy] {
        try config.checkConsistency()
        let enabled = config.enabledStrategies
        guard !enabled.isEmpty else {
            throw DataError.badInput(file: config.source, line: nil, field: "strategies",
                reason: "no strategy is enabled; enable one in the file, with its *_ENABLED variable, or give --strategy NAME")
        }
        // `checkConsistency` has refused a strategy symbol the data lacks.
        return try enabled.flatMap { try StrategyCatalog.descriptor(named: $0.name).build(symbols: $0.symbols, parameters: $0.parameters) }
    }

    /// The traded contract with the configuration's commission (the first data symbol's).
    public func instrument() throws -> Instrument { try instrument(config.data.symbol) }

    /// Every data symbol's contract, in the configured order.
    public func instruments() throws -> [Instrument] { try config.data.symbols.map(instrument) }

    /// The contract of `symbol` with the configuration's commission.
    public func instrument(_ symbol: String) throws -> Instrument {
        let spec = try registry.spec(for: symbol)
        // A dated contract (ESZ13) trades under its own code with its product's spec.
        let named = ContractSpec(symbol: symbol, name: spec.name, projectXRoot: spec.projectXRoot, exchange: spec.exchange,
                                 tickSize: spec.tickSize, tickValue: spec.tickValue, feeRoundTurn: spec.feeRoundTurn,
                                 priceDecimals: spec.priceDecimals, monthCycle: spec.monthCycle,
                                 miniEquivalent: spec.miniEquivalent, source: spec.source)
        return Instrument(spec: named, feePerSide: config.exchange.commissionPerSide)
    }

    public struct Outcome: Sendable {
        public var summary: RunSummary
        public var result: BacktestResult
        /// The (first) series traded.
        public var series: BarSeries
        /// Every series traded, in the configured order (the one series of most runs).
        public var portfolio: [BarSeries]
        /// The run folder written, if any.
        public var folder: String?
    }

    /// Runs the backtest, records it in the store (when `record` and the store is SQL: the run
    /// tables are created if missing) and in a run folder: `out`, else `runsFolder/<run id>`, else none.
    public func run(out: String? = nil, runsFolder: String? = nil, record: Bool = true) throws -> Outcome {
        try config.checkConsistency()
        if config.data.symbols.count > 1 { return try runPortfolio(out: out, runsFolder: runsFolder, record: record) }
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
        let folder = try keep(summary, result, record: record, out: out, runsFolder: runsFolder, spec: spec)
        return Outcome(summary: summary, result: result, series: series, portfolio: [series], folder: folder)
    }

    /// Several data symbols on the one account: every series in one engine run.
    func runPortfolio(out: String?, runsFolder: String?, record: Bool) throws -> Outcome {
        if fidelity {
            throw DataError.badInput(file: config.source, line: nil, field: "--fidelity",
                reason: "the audit measures one series against its finer data; run it on one symbol (data.symbol)")
        }
        let portfolio = try loadPortfolio()
        let strategies = try strategies()
        let instruments = try instruments()
        for (series, ins) in zip(portfolio, instruments) where series.tickSize != ins.spec.tickSize {
            throw DataError.badInput(file: store.displayURL, line: nil, field: "tick_size",
                reason: "stored \(series.symbol) bars are at tick \(series.tickSize), the contract table says \(ins.spec.tickSize)")
        }
        let ex = SimulatedExchange(instruments: instruments, rules: config.account, config: exchangeConfig())
        let engine = BacktestEngine(exchange: ex, strategies: strategies)
        engine.recordChartLevels = record
        let result = engine.run(portfolio: portfolio)
        let runID = RunRecorder.newRunID(configHash: config.hash)
        let summary = RunSummary.make(runId: runID, result: result, strategies: StrategyGroup.labels(of: strategies),
                                      portfolio: portfolio, rules: config.account, configHash: config.hash)
        let spec: (String) -> ContractSpec? = { s in instruments.first { $0.symbol == s }?.spec ?? (try? registry.spec(for: s)) }
        let folder = try keep(summary, result, record: record, out: out, runsFolder: runsFolder, spec: spec)
        return Outcome(summary: summary, result: result, series: portfolio[0], portfolio: portfolio, folder: folder)
    }

    /// Records a finished run in the store (when `record` and the store is SQL) and in its run
    /// folder: `out`, else `runsFolder/<run id>`, else none (returned).
    func keep(_ summary: RunSummary, _ result: BacktestResult, record: Bool, out: String?, runsFolder: String?,
                spec: (String) -> ContractSpec?) throws -> String? {
        if record, let db = store as? any SQLDatabase {
            try RunRecorder.save(summary, result: result, configText: config.canonicalText, spec: spec, into: db)
        }
        let folder = out ?? runsFolder.map { $0 + "/" + summary.runId }
        if let folder {
            try RunRecorder.writeFolder(folder, summary: summary, result: result, configText: config.canonicalText, spec: spec)
        }
        return folder
    }
}
