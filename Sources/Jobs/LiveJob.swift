import Backtest
import Configuration
import Data
import Foundation
import Live
import Logging
import Operations
import ServiceLifecycle
import ProjectX
import Store
import Strategies
import Synchronization
import Trading

/// What a live (or paper) run trades and how: everything the command line, the configuration
/// file and the environment decided.
public struct LivePlan: Sendable {
    /// The configuration and its `live:` section (account, pin).
    public var config: RunConfiguration
    public var live: LiveSection
    /// The account to trade (its name or id); nil: the only active one.
    public var account: String?
    /// Everything but sending: each would-be command goes to the log.
    public var dryRun = false
    /// Trade a configuration that fails the promotion check (its problems become warnings).
    public var force = false
    /// History from here is replayed through the strategies before trading.
    public var warmupFrom: Timestamp
    /// The market and user hubs' base (`ws://…` or `wss://…`).
    public var rtcURL: String
    /// Serve the status page, `/status.json`, `/metrics` (and the alert endpoint) here.
    public var statusAddress: StatusAddress?
    /// Required beyond 127.0.0.1.
    public var statusToken: Secret?
    /// Turns the alert endpoint on.
    public var alertSecret: Secret?
    public var webhooks: [WebhookTarget] = []
    /// Start the risk state afresh from the replay instead of the store's (the trader checked the
    /// account at the venue after a `StoredRiskMismatch`); the store then keeps the new one.
    public var resetRiskState = false
    /// Keep every trade print the market hub delivers in the store's tape (`tsxlab live
    /// --record-tape`), and with these the quotes and the order book's updates too.
    public var recordTape = false
    public var recordQuotes = false
    public var recordDepth = false

    public struct StatusAddress: Sendable, Hashable {
        public var host: String
        public var port: UInt16
        public init(host: String, port: UInt16) { self.host = host; self.port = port }
    }

    public init(config: RunConfiguration, live: LiveSection, warmupFrom: Timestamp, rtcURL: String) {
        self.config = config; self.live = live; self.warmupFrom = warmupFrom; self.rtcURL = rtcURL
    }
}

/// The account after a bar the runner traded: what the command line prints per bar.
public struct LiveBarLine: Sendable, Hashable {
    /// The bar's symbol (one of the configuration's `data.symbols`).
    public var symbol: String = ""
    public var time: Timestamp
    /// The close, formatted on the contract's tick grid.
    public var close: String
    public var position: Int64
    public var balance: Money
    public var equity: Money
    public var dailyLossRemaining: Money?
    /// Why trading halted, once it has.
    public var halted: String?
}

/// The live runner's life from start to stop, as the application runs it: the account and
/// contract resolved, the promotion check, the broker and runner built, the day's state restored
/// from the store, the status page, notifications and metrics beside it; then, when `stop`
/// yields, the ordered shutdown (working orders cancelled and positions closed, the runner
/// stopped, observers drained, a summary notified, the endpoints closed). Paper mode is the same
/// runner with the simulated exchange as its broker.
///
/// The command line parses and prints; tests call this directly.
public struct LiveJob: Sendable {
    public let client: ProjectXClient
    /// The runner's state (orders, risk) and the promotion records.
    public let db: any SQLDatabase
    /// The bar store behind the history cache.
    public let store: any BarStore
    public let registry: ContractRegistry
    public let metrics: RunnerMetrics
    /// Progress, warnings and what the runner reports (its notes, fills, refusals), one record
    /// each; the account, contract and strategies are its metadata once known.
    public var logger = Logger(label: "tsxlab.live")
    /// The account after each bar traded live (not during the warm-up replay).
    public var onBar: @Sendable (LiveBarLine) -> Void = { _ in }

    public init(client: ProjectXClient, db: any SQLDatabase, store: any BarStore, registry: ContractRegistry, metrics: RunnerMetrics = RunnerMetrics()) {
        self.client = client; self.db = db; self.store = store; self.registry = registry; self.metrics = metrics
    }

    /// The enabled strategies, built for `symbol`.
    func strategies(_ cfg: RunConfiguration, symbol: String) throws -> [any Strategy] {
        let built: [any Strategy] = try cfg.enabledStrategies.map {
            try StrategyCatalog.descriptor(named: $0.name).build(symbol: symbol, parameters: $0.parameters)
        }
        guard !built.isEmpty else { throw LiveSetupError("\(cfg.source): no strategy is enabled") }
        return built
    }

    /// The enabled strategies for the traded markets: with one, built for it (as always); with
    /// several (`data.symbols`), as the backtest builds them: each on the symbols its entry lists
    /// (every data symbol by default), one strategy per symbol unless it trades them together.
    func strategies(_ cfg: RunConfiguration, markets: [TradedMarket]) throws -> [any Strategy] {
        if markets.count == 1 { return try strategies(cfg, symbol: cfg.data.symbol) }
        let enabled = cfg.enabledStrategies
        guard !enabled.isEmpty else { throw LiveSetupError("\(cfg.source): no strategy is enabled (strategies: enable one)") }
        return try enabled.flatMap { e in
            for sym in e.symbols where !cfg.data.symbols.contains(sym) {
                throw LiveSetupError("\(cfg.source): strategies.\(e.name).symbols: \(sym) is not among data.symbols (\(cfg.data.symbols.joined(separator: ", "))); add it there or trade one of those")
            }
            return try StrategyCatalog.descriptor(named: e.name).build(symbols: e.symbols, parameters: e.parameters)
        }
    }

    /// One traded contract: the gateway's contract, the product's spec, and the instrument the
    /// strategies, the broker and the bars know it by.
    struct TradedMarket: Sendable {
        var contract: PXContract
        var spec: ContractSpec
        var instrument: Instrument
        var symbol: String { instrument.spec.symbol }
    }

    /// Every configured symbol resolved to a gateway contract, in the configured order. One symbol
    /// trades as it always has (under its product's symbol); several trade each under its
    /// configured name, as the portfolio backtest names them.
    func markets(_ cfg: RunConfiguration) async throws -> [TradedMarket] {
        let symbols = cfg.data.symbols.isEmpty ? [cfg.data.symbol] : cfg.data.symbols
        guard Set(symbols.map { $0.uppercased() }).count == symbols.count else {
            throw LiveSetupError("\(cfg.source): data.symbols lists \(symbols.joined(separator: ", ")): give each symbol once")
        }
        if symbols.count == 1 {
            let (contract, spec) = try await client.contract(for: symbols[0], registry: registry)
            return [TradedMarket(contract: contract, spec: spec, instrument: Instrument(spec: spec, feePerSide: cfg.exchange.commissionPerSide))]
        }
        let job = BacktestJob(config: cfg, registry: registry, store: store, source: nil)
        var out: [TradedMarket] = []
        for symbol in symbols {
            let (contract, spec) = try await client.contract(for: symbol, registry: registry)
            guard !out.contains(where: { $0.contract.id == contract.id }) else {
                throw LiveSetupError("\(cfg.source): data.symbols: \(symbol) is the gateway contract \(contract.id) again; list each contract once")
            }
            out.append(TradedMarket(contract: contract, spec: spec, instrument: try job.instrument(symbol)))
        }
        return out
    }

    /// What a live and a paper run share: the runner's settings for the contracts, the market hub
    /// (a feed silent for 30 s counts as stale), and each symbol's history through the three tiers
    /// (memory → store → the history endpoint).
    func marketFeed(_ plan: LivePlan, accountID: Int, markets: [TradedMarket], now: Timestamp)
        -> (settings: LiveRunnerSettings, market: HubClient, cache: BarCache, history: @Sendable (String, TimeWindow) async throws -> [Bar]) {
        let cfg = plan.config
        var settings = LiveRunnerSettings(accountID: accountID, markets: markets.map { LiveMarket(symbol: $0.symbol, contractID: $0.contract.id) })
        settings.barSeconds = cfg.data.timeframe.fixedSeconds ?? 60
        settings.flattenTime = cfg.account.flattenTime
        let client = self.client
        var timing = HubTiming()
        timing.staleAfter = 30
        let market = HubClient(url: plan.rtcURL + "/hubs/market", timing: timing) { try await client.token(replacing: $0) }
        let source = ProjectXBarSource(client: client, contracts: Dictionary(uniqueKeysWithValues: markets.map { ($0.symbol, $0.contract.id) }),
                                       tickSizes: Dictionary(uniqueKeysWithValues: markets.map { ($0.symbol, $0.spec.tickSize) }))
        let cache = BarCache(store: store, source: source)
        var histories: [String: @Sendable (TimeWindow) async throws -> [Bar]] = [:]
        for m in markets { histories[m.symbol] = source.history(SeriesKey(symbol: m.symbol, timeframe: cfg.data.timeframe), cache: cache, now: now) }
        let each = histories
        return (settings, market, cache, { symbol, window in
            guard let h = each[symbol] else { throw LiveSetupError("no history for \(symbol): it is not among the traded symbols") }
            return try await h(window)
        })
    }

    /// Trades the plan on the account until `stop` yields, then shuts down in order.
    ///
    /// - Throws: `PromotionError` for a configuration the store never tested (or edited since its
    ///   pin) unless `force`; `AccountRulesMismatch` when the configuration's account rules do not
    ///   fit the venue's account (`AccountRulesFit`; never forced); `StoredRiskMismatch` when the
    ///   stored risk state contradicts the rules or the account (`StoredRiskCheck`; unless
    ///   `resetRiskState`); `LiveStateUnreadable` for a stored state that cannot be read; `LiveSetupError`,
    ///   `ProjectXError` and store errors as set-up fails.
    /// `stop` yielding begins the shutdown (the command line turns SIGTERM and SIGINT into it).
    public func run(_ plan: LivePlan, until stop: AsyncStream<Void>? = nil) async throws {
        let cfg = plan.config
        for w in try Promotion.verify(configHash: cfg.hash, pin: plan.live.pin, db: db, force: plan.force) { logger.warning("\(w)") }
        let account = try await client.activeAccount(named: plan.account)
        // The configured rules must fit the venue's account before anything can trade.
        let fit = AccountRulesFit.check(cfg.account, against: account, source: cfg.source)
        for w in fit.warnings { logger.warning("\(w)") }
        if let refusal = fit.refusal { throw refusal }
        let markets = try await markets(cfg)
        let spec = markets[0].spec
        let contractIDs = markets.map(\.contract.id).joined(separator: ",")
        let strategies = try strategies(cfg, markets: markets)
        let names = StrategyGroup.labels(of: strategies)
        var log = logger
        log[metadataKey: "account"] = "\(account.name)"
        log[metadataKey: "contract"] = "\(contractIDs)"
        log[metadataKey: "strategies"] = "\(names.joined(separator: ","))"
        let state = LiveStateStore(db: db, account: String(account.id))
        let saved = try state.load()
        // The stored risk state (high-water mark, day start, locks, tally) is carried on unless it
        // contradicts the rules or the account (`StoredRiskCheck`).
        if let saved, !plan.resetRiskState {
            let stored = StoredRiskCheck.check(saved.risk, rules: cfg.account, against: account)
            for w in stored.warnings { logger.warning("\(w)") }
            if let refusal = stored.refusal { throw refusal }
        }
        let now = Timestamp(seconds: Int64(Date().timeIntervalSince1970))
        // The ledger starts where the account stood before the replayed span's fills.
        let replayed = try await client.searchTrades(accountId: account.id, from: Timestamp(seconds: plan.warmupFrom.seconds - 86_400))
        let before = Money(decimal: account.balance - replayed.reduce(Decimal(0)) { $0 + ($1.profitAndLoss ?? 0) - $1.fees })
        let broker = LiveBroker(accountID: account.id, instruments: markets.map(\.instrument),
                                contracts: Dictionary(uniqueKeysWithValues: markets.map { ($0.symbol, $0.contract.id) }), rules: cfg.account,
                                startingBalance: before, tagPrefix: saved?.tagPrefix ?? "tsx-\(cfg.hash.prefix(8))", now: Timestamp(seconds: 0))
        let feed = marketFeed(plan, accountID: account.id, markets: markets, now: now)
        let specs = Dictionary(uniqueKeysWithValues: markets.map { ($0.symbol, $0.instrument.spec) })
        var settings = feed.settings
        settings.dryRun = plan.dryRun
        settings.resumeStoredRisk = !plan.resetRiskState
        settings.silentFeedAfter = plan.live.feed.silentSeconds
        settings.feedLossAfter = plan.live.feed.lossSeconds
        settings.flattenOnFeedLoss = plan.live.feed.flattenOnLoss
        settings.venueCheckEvery = plan.live.venue.checkSeconds
        settings.flattenOnVenueMismatch = plan.live.venue.flattenOnMismatch
        let client = self.client
        let user = HubClient(url: plan.rtcURL + "/hubs/user") { try await client.token(replacing: $0) }
        let cache = feed.cache
        let dryRun = plan.dryRun, commandLog = log
        let runner = LiveRunner(client: client, broker: broker, strategies: strategies, settings: settings, userHub: user, marketHub: feed.market,
                                state: state, symbolHistory: feed.history) { cmd in
            if dryRun { commandLog.info("dry run: would send \(cmd)") }
        }
        // Day-to-day operation: metrics, notifications, the status page.
        let metrics = self.metrics
        let notifier = Notifier(targets: plan.webhooks)
        await notifier.start()
        let board = StatusBoard(runner: runner, broker: broker, accountName: account.name, strategies: names)
        let observers = await runner.relayObservations(metrics: metrics, notifier: notifier, board: board, logger: log) { symbol, p in
            (specs[symbol] ?? spec).format(p)
        }
        var statusServer: StatusServer?
        if let address = plan.statusAddress {
            let alerts = plan.alertSecret.map { secret in
                AlertEndpoint(secret: secret, symbols: specs,
                              maxQuantity: Int64(cfg.account.maxMiniEquivalents.map { $0 / spec.miniEquivalent } ?? 10)) { request, flatten in
                    await runner.perform { b in request.map { b.place($0) } ?? b.flatten(flatten, reason: "alert") }
                }
            }
            let server = try StatusServer(host: address.host, port: address.port, token: plan.statusToken, metrics: metrics, alerts: alerts) { await board.snapshot() }
            let bound = try await server.start()
            log.notice("live: status page at http://\(address.host):\(bound)/ (metrics at /metrics)")
            statusServer = server
        }
        let recorder = plan.recordTape ? TapeRecorder(tape: TapeStore(db: db)) : nil
        if let recorder {
            await runner.recordTape(recorder, quotes: plan.recordQuotes, depth: plan.recordDepth)
            log.notice("live: recording the tape of \(contractIDs) in the store")
        }
        try await runner.start(resumeFrom: plan.warmupFrom)
        let warm = await runner.stats.warmupBars
        let risk = broker.risk
        let levels = "high-water mark $\(risk.highWaterMark), maximum-loss level \(risk.maxLossLevel.map { "$\($0)" } ?? "none"), start-of-day balance $\(risk.dayStartBalance)"
            + (risk.failed ? ", account ended by the maximum loss" : risk.lockedToday ? ", locked for the day" : "")
        if let saved, !plan.resetRiskState {
            log.notice("live: risk state from the store (kept on trade day \(TradeDate(dayNumber: saved.risk.tradeDay))): \(levels)")
        } else {
            log.notice("live: risk state started afresh from the replay and the rules' starting balance\(plan.resetRiskState ? " (--reset-risk-state)" : " (none stored)"): \(levels)")
        }
        log.notice("live: \(names.joined(separator: ", ")) on \(account.name) \(contractIDs)\(plan.dryRun ? " (dry run)" : ""); replayed \(warm) bars")
        // The parts as services of one group: shut down in reverse order (trading, then the
        // status page, then the notifier), when `stop` yields.
        let trading = TradingService(runner: runner, broker: broker, observers: observers, notifier: notifier, metrics: metrics,
                                     cache: cache, specs: specs, log: log, recorder: recorder, onBar: onBar)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: NotifierService(notifier: notifier, log: log), serviceName: "notifier")]
        if let statusServer { services.append(.init(service: StatusService(server: statusServer, log: log), serviceName: "status page")) }
        services.append(.init(service: trading, serviceName: "trading"))
        for k in services.indices {
            services[k].successTerminationBehavior = .gracefullyShutdownGroup
            services[k].failureTerminationBehavior = .gracefullyShutdownGroup
        }
        try await runServiceGroup(services, logger: log, until: stop)
    }

    /// Paper trading until `stop` yields: bars built from the market hub's prints, traded by the
    /// simulated exchange with the configuration's exchange settings and account rules, through
    /// the same runner. Nothing is sent to the gateway. Returns the session's trades and account.
    public func paper(_ plan: LivePlan, until stop: AsyncStream<Void>) async throws -> (trades: [Trade], account: AccountSnapshot) {
        let cfg = plan.config
        for w in try Promotion.verify(configHash: cfg.hash, pin: plan.live.pin, db: db, force: true) { logger.warning("\(w)") }
        let markets = try await markets(cfg)
        let single = markets.count == 1
        // One symbol: strategies built for the product's symbol the bars carry (as always).
        let strategies = single ? try strategies(cfg, symbol: markets[0].symbol) : try strategies(cfg, markets: markets)
        let names = StrategyGroup.labels(of: strategies).joined(separator: ", ")
        let job = BacktestJob(config: cfg, registry: registry, store: store, source: nil)
        let exchange = SimulatedExchange(instruments: markets.map(\.instrument), rules: cfg.account, config: job.exchangeConfig())
        let now = Timestamp(seconds: Int64(Date().timeIntervalSince1970))
        let feed = marketFeed(plan, accountID: 0, markets: markets, now: now)
        let specs = Dictionary(uniqueKeysWithValues: markets.map { ($0.symbol, $0.instrument.spec) })
        // The live runner with the simulated exchange as its broker: the same bars from the same
        // prints, each traded as the backtest trades it.
        let runner = LiveRunner(paper: exchange, client: client, strategies: strategies, settings: feed.settings, marketHub: feed.market,
                                symbolHistory: feed.history)
        let replaying = Mutex(true)
        let onBar = self.onBar
        let first = markets[0].spec
        await runner.observePaperBars { symbol, b, pos, a in
            guard !replaying.withLock({ $0 }) else { return }
            onBar(LiveBarLine(symbol: symbol, time: b.time, close: (specs[symbol] ?? first).format(b.close), position: pos, balance: a.balance,
                              equity: a.equity, dailyLossRemaining: a.dailyLossRemaining, halted: nil))
        }
        try await runner.startPaper(warmupFrom: plan.warmupFrom)
        replaying.withLock { $0 = false }
        let replayed = await runner.stats.warmupBars
        logger.notice("paper: \(names) on \(markets.map(\.contract.id).joined(separator: ",")); replayed \(replayed) bars")
        for await _ in stop { break }
        await runner.stop()
        let summary = await runner.summary()
        logger.notice("paper: \(summary.trades.count) trades, net \(summary.account.balance - cfg.account.startingBalance)")
        return summary
    }
}
