import Backtest
import Configuration
import Data
import Foundation
import Store
import Strategies
import SweepKernel
import Synchronization
import Trading

/// A sweep used outside what it supports: not exactly one enabled strategy, or no axis.
public struct SweepSetupError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A parameter sweep as the application runs it: one strategy's configurations (cells of a
/// `SweepSpace`) backtested over one load of the bars, with the results kept in the store so a
/// rerun resumes. Runs locally on every core, as one worker of a PostgreSQL queue, or as a
/// walk-forward; each configuration is a full engine backtest, or goes through
/// `SMABracketKernel` where that models the settings.
public struct SweepJob: Sendable {
    /// The base configuration every cell starts from.
    public let base: RunConfiguration
    public let space: SweepSpace
    /// The configurations to run (the grid, a sample, or a shard of them), in grid order.
    public let cells: [SweepCell]
    public let backtest: BacktestJob
    /// The one enabled strategy of the base configuration.
    public let strategy: StrategyEntry
    public let series: BarSeries
    public let finer: BarSeries?
    /// The trade prints that decide fills inside bars (`data.ticks`), when configured.
    public let prints: [TradePrint]?
    public let instrument: Instrument
    /// The sweep's identity: a hash of the base configuration, the axes and the bars' span.
    public let sweepID: String
    /// Share indicator series between configurations: each distinct series is computed once per
    /// set of bars (the whole series, a walk-forward fold) and read by every configuration that
    /// asks for it. Off, each configuration computes its own; the results are the same.
    public var sharesSeries = true
    /// Jump over bars where nothing can happen (`BacktestEngine.skipQuietBars`); the results are
    /// the same either way.
    public var skipsQuietBars = true
    /// The shared series, one book per set of bars the configurations run on.
    let books = SeriesBooks()
    /// The bars of symbols other than the base's first (a portfolio's, or a `symbol` axis's
    /// values), loaded once when a configuration first asks.
    let otherSymbols = OtherSymbols()

    /// Loads the bars and contract of `backtest` (whose configuration is the base).
    ///
    /// - Parameter cells: the configurations to run; nil runs the whole grid.
    /// - Throws: `SweepSetupError` without an axis or without exactly one enabled strategy; the
    ///   job's errors when bars, contract or configuration are wrong.
    public init(backtest: BacktestJob, space: SweepSpace, cells: [SweepCell]? = nil) throws {
        try self.init(backtest: backtest, space: space, cells: cells, identity: space.description)
    }

    /// `identity` is what, beside the base configuration and the bars' span, tells this sweep
    /// from others: the axes for a grid, `ask-tell` for configurations that arrive one at a time
    /// (which has no axes).
    init(backtest: BacktestJob, space: SweepSpace, cells: [SweepCell]?, identity: String) throws {
        let base = backtest.config
        guard !space.names.isEmpty || identity == Self.askTellSpace else {
            throw SweepSetupError(description: "a sweep needs at least one parameter axis")
        }
        guard base.enabledStrategies.count == 1, let entry = base.enabledStrategies.first else {
            throw SweepSetupError(description: "a sweep runs one strategy (on one or several symbols): enable exactly one")
        }
        let (series, finer) = try backtest.loadBars()
        let prints = try backtest.loadPrints()
        let instrument = try backtest.instrument()
        try base.checkConsistency()
        self.base = base; self.space = space; self.cells = cells ?? space.grid(); self.backtest = backtest
        self.strategy = entry; self.series = series; self.finer = finer; self.prints = prints; self.instrument = instrument
        self.sweepID = String(SHA256.hex(Array((base.canonicalText + identity + "\(series.first!.time)…\(series.last!.time)").utf8)).prefix(16))
    }

    /// The store's database, when the store is SQL (results are then recorded and resumed).
    public var database: (any SQLDatabase)? { backtest.store as? any SQLDatabase }

    /// The base configuration with a cell's parameter values set (a grid cell has one per axis
    /// name; an ask/tell cell those its line named).
    public func configuration(for cell: SweepCell) throws -> RunConfiguration {
        var c = base
        for n in cell.values.keys.sorted() { try c.setParameter(n, value: cell.values[n]!, source: "--param") }
        return c
    }

    /// Registers the sweep in the store (once) and returns the cells still to run: those without
    /// a result, and those whose result was recorded before the store kept each configuration's
    /// end-of-session balances (run once more to fill them in: the overfitting statistics need them).
    public func register() throws -> [SweepCell] {
        guard let db = database else { return cells }
        try StoreSchema.migrate(db)
        let tables = SweepTables(db: db)
        try tables.register(SweepRow(sweepID: sweepID, createdAt: SweepTables.now(), strategy: strategy.name,
                                     symbol: base.data.symbols.joined(separator: ","), timeframe: series.timeframe.description, dataFrom: series.first!.time.description,
                                     dataTo: series.last!.time.description, space: space.description, baseConfig: base.canonicalText,
                                     cells: space.count))
        let done = try tables.finishedConfigHashes(sweepID).intersection(try tables.configHashesWithDailyBalances(sweepID))
        return try cells.filter { !done.contains(try configuration(for: $0).hash) }
    }

    /// One configuration as a full engine backtest on `bars` (the base's first symbol; a
    /// configuration trading other symbols reads theirs over the same span): the result, its
    /// summary and the configuration hash.
    public func run(_ cell: SweepCell, on bars: BarSeries) throws -> (BacktestResult, RunSummary, String) {
        let c = try configuration(for: cell)
        let strategies = try c.enabledStrategies.flatMap { try StrategyCatalog.descriptor(named: $0.name).build(symbols: $0.symbols, parameters: $0.parameters) }
        if c.data.symbols == [bars.symbol] {
            let ex = SimulatedExchange(instruments: [instrument], rules: c.account, config: backtest.exchangeConfig())
            let engine = BacktestEngine(exchange: ex, strategies: strategies)
            engine.skipQuietBars = skipsQuietBars
            if sharesSeries { engine.seriesBook = books.book(for: bars) }
            let result = engine.run(bars, finer: finer, prints: prints)
            let summary = RunSummary.make(runId: "", result: result, strategies: strategies.map(\.name), series: bars,
                                          rules: c.account, configHash: c.hash)
            return (result, summary, c.hash)
        }
        let portfolio = try c.data.symbols.map { $0 == bars.symbol ? bars : try otherSymbols.bars($0, job: backtest, spanOf: bars) }
        let ex = SimulatedExchange(instruments: try c.data.symbols.map(backtest.instrument), rules: c.account, config: backtest.exchangeConfig())
        let engine = BacktestEngine(exchange: ex, strategies: strategies)
        engine.skipQuietBars = skipsQuietBars
        if sharesSeries, portfolio.count == 1 { engine.seriesBook = books.book(for: portfolio[0]) }
        let result = engine.run(portfolio: portfolio)
        let summary = RunSummary.make(runId: "", result: result, strategies: StrategyGroup.labels(of: strategies), portfolio: portfolio,
                                      rules: c.account, configHash: c.hash)
        return (result, summary, c.hash)
    }

    /// The kernel that runs these cells when the sweep is of `sma_bracket` with settings
    /// `SMABracketKernel` models (same results as the engine: its tests pin that); nil sends every
    /// configuration through the engine.
    public func kernel(for cells: [SweepCell]) throws -> SMABracketKernel? {
        guard let p = try kernelParameters(for: cells) else { return nil }
        return SMABracketKernel(series: series, instrument: instrument, rules: base.account, config: backtest.exchangeConfig(), parameters: p)
    }

    /// The kernel parameters of these cells when `SMABracketKernel` models every one of them; nil
    /// sends them through the engine.
    func kernelParameters(for cells: [SweepCell]) throws -> [SMABracketKernel.Parameters]? {
        // The kernel trades bars only (prints go through the engine), of the base's one symbol.
        guard prints == nil, base.data.symbols.count == 1,
              try cells.allSatisfy({ try configuration(for: $0).data.symbols == base.data.symbols }) else { return nil }
        return try Self.smaBracketKernelParameters(cells.map(configuration), base: base, entry: strategy,
                                                   exchange: backtest.exchangeConfig(), finer: finer)
    }

    /// The outcome of one cell on the whole series, through `kernel` when given; with `daily`,
    /// the balance at each of its sessions' ends is recorded there under the cell's index.
    public func evaluate(_ cell: SweepCell, kernel: SMABracketKernel?, daily: DailyBalances? = nil) throws -> SweepOutcome {
        if let kernel {
            let c = try configuration(for: cell)
            let run = kernel.run(Self.smaBracketParameters(c.enabledStrategies[0].parameters), strategy: SMABracket.descriptor.name)
            daily?.record(cell.index, Self.sessions(run.equity))
            let summary = RunSummary.make(runId: "", kernelRun: run, strategies: [SMABracket.descriptor.name], series: series,
                                          rules: c.account, configHash: c.hash)
            return SweepOutcome(cell: cell, configHash: c.hash, summary: summary)
        }
        let (result, summary, hash) = try run(cell, on: series)
        daily?.record(cell.index, Self.sessions(result.equity))
        return SweepOutcome(cell: cell, configHash: hash, summary: summary)
    }

    /// What `runLocally` did.
    public struct LocalRun: Sendable {
        /// Cells finished (and recorded).
        public var finished: Int
        /// Each finished cell's balance at every session's end, by cell index: the inputs of
        /// `overfitting(_:chosen:)`.
        public var dailyBalances: [Int: [SessionBalance]]
    }

    /// Runs `cells` on `workers` parallel tasks, recording each result and its end-of-session
    /// balances in the store as it finishes (one transaction; a result already there, from before
    /// the store kept balances, is kept and gains them); `onResult` sees each with the count
    /// finished so far. Stops launching new cells once `isCancelled` answers true (those under way
    /// finish and are kept).
    ///
    /// - Parameter kernel: from `kernel(for:)`, or nil for full engine backtests.
    /// - Returns: how many cells finished, and their end-of-session balances.
    @discardableResult
    public func runLocally(_ cells: [SweepCell], workers: Int, kernel: SMABracketKernel?, isCancelled: @escaping @Sendable () -> Bool,
                           onResult: (SweepOutcome, Int) throws -> Void = { _, _ in }) async throws -> LocalRun {
        let tables = database.map { SweepTables(db: $0) }
        let daily = DailyBalances()
        var finished = 0
        try await SweepRunner.run(cells, workers: workers, isCancelled: isCancelled,
                                  evaluate: { try self.evaluate($0, kernel: kernel, daily: daily) }) { r in
            finished += 1
            if let tables {
                let balances = dailyBalancesRow(cell: r.cell.index, configHash: r.configHash, sessions: daily.sessions(of: r.cell.index) ?? [])
                try tables.db.transaction {
                    try tables.insert(Self.row(r), sweepID: sweepID, ignoringDuplicate: true)
                    try tables.insert(balances, sweepID: sweepID)
                }
            }
            try onResult(r, finished)
        }
        return LocalRun(finished: finished, dailyBalances: daily.byCell)
    }

    /// Every result the store holds for this sweep (earlier, resumed runs included), in grid order;
    /// empty when the store is not SQL.
    public func results() throws -> [SweepOutcome] {
        guard let db = database else { return [] }
        return try SweepTables(db: db).results(sweepID).map { row in
            SweepOutcome(cell: space.cell(row.cell), configHash: row.configHash, trades: row.trades, netPnl: Money(row.netPnlUsd) ?? .zero,
                         winRate: row.winRate, profitFactor: row.profitFactor, sharpe: row.sharpe, maxDrawdown: row.maxDrawdownUsd,
                         ruleBreaches: row.ruleBreaches, seconds: row.seconds)
        }
    }

    /// A result as its store row (`params`: `name=value` pairs in name order).
    public static func row(_ r: SweepOutcome) -> SweepResultRow {
        let params = r.cell.values.keys.sorted().map { "\($0)=\(r.cell.values[$0]!)" }.joined(separator: " ")
        return SweepResultRow(configHash: r.configHash, cell: r.cell.index, params: params, trades: r.trades, netPnlUsd: r.netPnl.description,
                              winRate: r.winRate, profitFactor: r.profitFactor, sharpe: r.sharpe, maxDrawdownUsd: r.maxDrawdown,
                              ruleBreaches: r.ruleBreaches, seconds: r.seconds)
    }

    /// `results.csv`: the parameters by name, then `trades`, `net_pnl_usd` and the statistics.
    public static func csv(_ rows: [SweepOutcome], names: [String]) -> String {
        var out = (names + resultColumns).joined(separator: ",") + "\n"
        for r in rows {
            out += (names.map { r.cell.values[$0] ?? "" } + resultFields(r)).joined(separator: ",") + "\n"
        }
        return out
    }

    /// The result columns of `results.csv`, after the parameters (and the fields of an ask/tell answer).
    public static let resultColumns = ["trades", "net_pnl_usd", "win_rate", "profit_factor", "sharpe", "max_drawdown_usd", "rule_breaches", "config_hash"]

    /// A result's cells under `resultColumns`, as `results.csv` writes them (empty: no value).
    public static func resultFields(_ r: SweepOutcome) -> [String] {
        let f = { (v: Double?) in v.map { String(format: "%.6f", $0) } ?? "" }
        return [String(r.trades), r.netPnl.description, f(r.winRate), f(r.profitFactor), f(r.sharpe), f(r.maxDrawdown),
                String(r.ruleBreaches), r.configHash]
    }

    /// The kernel parameters of every configuration when the sweep is of `sma_bracket` and each
    /// configuration's settings are ones `SMABracketKernel` models (same account rules throughout);
    /// nil sends the sweep through the engine.
    public static func smaBracketKernelParameters(_ configs: [RunConfiguration], base: RunConfiguration, entry: StrategyEntry,
                                                  exchange: ExchangeConfig, finer: BarSeries?) throws -> [SMABracketKernel.Parameters]? {
        guard try StrategyCatalog.descriptor(named: entry.name).name == SMABracket.descriptor.name else { return nil }
        var out: [SMABracketKernel.Parameters] = []
        for c in configs {
            guard c.enabledStrategies.count == 1, c.account == base.account,
                  try StrategyCatalog.descriptor(named: c.enabledStrategies[0].name).name == SMABracket.descriptor.name,
                  SMABracketKernel.models(config: exchange, rules: c.account, finer: finer) else { return nil }
            let p = smaBracketParameters(c.enabledStrategies[0].parameters)
            guard p.fast > 0, p.fast < p.slow, p.stopTicks > 0, p.targetTicks > 0, p.quantity > 0 else { return nil }
            out.append(p)
        }
        return out
    }

    public static func smaBracketParameters(_ p: ParameterSet) -> SMABracketKernel.Parameters {
        SMABracketKernel.Parameters(fast: Int(p.int("fast")), slow: Int(p.int("slow")), stopTicks: p.int("stop_ticks"),
                                    targetTicks: p.int("target_ticks"), quantity: p.int("quantity"))
    }
}

/// The bars of a sweep's other symbols, each read once (the base's window) and cut to the span of
/// the bars a configuration runs on (the whole series, a walk-forward fold).
final class OtherSymbols: Sendable {
    private let loaded = Mutex<[String: BarSeries]>([:])

    func bars(_ symbol: String, job: BacktestJob, spanOf bars: BarSeries) throws -> BarSeries {
        let whole = try loaded.withLock { known in
            if let s = known[symbol] { return s }
            let s = try job.loadSeries(symbol)
            known[symbol] = s
            return s
        }
        guard let first = bars.first?.time, let last = bars.last?.time else { return whole.slice(from: .distantPast, to: .distantPast) }
        return whole.slice(from: first, to: Timestamp(seconds: last.seconds + 1))
    }
}

/// The shared-series books of a sweep, one per set of bars (the whole series, each walk-forward
/// fold), made on first request and kept for the sweep's life.
final class SeriesBooks: Sendable {
    private let books = Mutex<[String: SeriesBook]>([:])

    func book(for bars: BarSeries) -> SeriesBook {
        let key = "\(bars.symbol) \(bars.timeframe) \(bars.count) \(bars.time.first ?? 0) \(bars.time.last ?? 0)"
        return books.withLock { known in
            if let b = known[key] { return b }
            let b = SeriesBook(bars: bars)
            known[key] = b
            return b
        }
    }
}
