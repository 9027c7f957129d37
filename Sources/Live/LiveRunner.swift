import Foundation
import Synchronization
import Data
import Trading
import ProjectX

/// One contract the runner trades: the symbol its bars carry and its gateway contract.
public struct LiveMarket: Sendable, Hashable {
    public var symbol: String
    public var contractID: String
    public init(symbol: String, contractID: String) { self.symbol = symbol; self.contractID = contractID }
}

/// What the live runner needs to know besides its strategies.
public struct LiveRunnerSettings: Sendable {
    public var accountID: Int
    /// The first (with one contract, the only) series the strategies trade and its gateway contract.
    public var symbol: String
    public var contractID: String
    /// Every contract traded (a portfolio), in the order bars of the same time are handed on, as
    /// `BacktestEngine.run(portfolio:)` takes them; the first is `symbol` and `contractID`. With
    /// one contract (`init(accountID:symbol:contractID:)`) it follows `symbol` and `contractID`.
    public var markets: [LiveMarket] {
        get { extraMarkets.isEmpty ? [LiveMarket(symbol: symbol, contractID: contractID)] : [LiveMarket(symbol: symbol, contractID: contractID)] + extraMarkets }
        set {
            precondition(!newValue.isEmpty, "a runner trades at least one contract")
            symbol = newValue[0].symbol; contractID = newValue[0].contractID
            extraMarkets = Array(newValue.dropFirst())
        }
    }
    private var extraMarkets: [LiveMarket] = []
    public var barSeconds: Int64 = 60
    /// Everything is flattened when the market clock reaches this time each trading day (the
    /// account's cut-off, as in the backtest).
    public var flattenTime: LocalTime?
    public var calendar: SessionCalendar = .cmeEquityIndex
    /// Run everything but send no order: each command is reported and answered as not sent.
    public var dryRun = false
    /// Bound of each work queue.
    public var queueCapacity = 100_000
    /// A strategy call longer than this (seconds) is counted as an overrun.
    public var strategyBudget: Double = 0.25
    /// Take the risk state the store kept on start (`LiveRunner.resumeRisk`); false starts it
    /// afresh from the replay, which the store then keeps (`--reset-risk-state`).
    public var resumeStoredRisk = true
    /// Seconds a restarted runner waits before reading the gateway's orders when the store holds
    /// placements a killed run sent without an answer: one may still be landing, and an order
    /// that lands after the read is one the runner has already called never received.
    public var inFlightGrace: Double = 2
    /// Seconds without a trade print or a quote while the market is open after which the market
    /// feed counts as frozen (a socket that stays open and carries nothing, as ProjectX feeds are
    /// reported to do): the market hub is reconnected. Quotes count too, so a market that merely
    /// trades nothing for a while (a thin contract at night) is not taken for a frozen feed and
    /// flattened. 0: never (`live.feed.silent_seconds`).
    public var silentFeedAfter: Double = 60
    /// Seconds a hub may stay down, or the feed frozen, before the runner gives notice and, with
    /// `flattenOnFeedLoss`, flattens and halts. 0: never (`live.feed.loss_seconds`).
    public var feedLossAfter: Double = 120
    /// `live.feed.on_loss`: `flatten` (true, the default) or `keep` trading blind.
    public var flattenOnFeedLoss = true
    /// Seconds between REST snapshots of the account's positions and balance compared with the
    /// ledger (`watchVenue`); 0: never compared (`live.venue.check_seconds`).
    public var venueCheckEvery: Double = 60
    /// `live.venue.on_mismatch`: `flatten` (true, the default) or `keep`.
    public var flattenOnVenueMismatch = true
    /// A difference counts once two snapshots this many seconds apart, with no fill between,
    /// both show it: a fill on its way shows at the venue before it reaches the runner.
    public var venueConfirmAfter: Double = 2
    public init(accountID: Int, symbol: String, contractID: String) {
        self.accountID = accountID; self.symbol = symbol; self.contractID = contractID
    }

    /// Settings for several contracts on the one account (each symbol once), in the order bars
    /// of the same time are handed on.
    public init(accountID: Int, markets: [LiveMarket]) {
        precondition(!markets.isEmpty, "a runner trades at least one contract")
        precondition(Set(markets.map(\.symbol)).count == markets.count && Set(markets.map(\.contractID)).count == markets.count,
                     "each symbol and contract once")
        self.init(accountID: accountID, symbol: markets[0].symbol, contractID: markets[0].contractID)
        self.markets = markets
    }
}

/// What the runner reports to observers (metrics, notifications, the status page), in order.
public enum RunnerObservation: Sendable {
    case event(BrokerEvent)
    /// One strategy call and how long it took (seconds).
    case strategyCall(strategy: String, seconds: Double)
    case bar(Bar)
    /// Paper mode: the simulated exchange traded the bar; the position and account after it.
    case barTraded(Bar, position: Int64, account: AccountSnapshot)
    case note(String)
}

/// The runner's two bounded work queues, filled from any thread without waiting for the runner.
final class Inbox: Sendable {
    private struct Queues {
        var critical: [LiveRunner.Input] = []
        var market: [LiveRunner.Input] = []
        var cHead = 0, mHead = 0
        var dropped = 0
    }
    private let queues = Mutex(Queues())
    let capacity: Int
    init(capacity: Int) { self.capacity = capacity }

    /// False when the market queue was full and its oldest input was dropped.
    func put(_ input: LiveRunner.Input) -> Bool {
        let capacity = self.capacity
        return queues.withLock { q in
            if case .market = input {
                var ok = true
                if q.market.count - q.mHead >= capacity {
                    q.mHead += 1; q.dropped += 1; ok = false
                    // Dropped inputs are cut off once they add up to a queue's worth, so a queue
                    // that stays full keeps its size instead of growing at the front.
                    if q.mHead >= capacity { q.market.removeFirst(q.mHead); q.mHead = 0 }
                }
                q.market.append(input)
                return ok
            }
            q.critical.append(input)
            return true
        }
    }

    /// The next input, critical ones first.
    func take() -> LiveRunner.Input? {
        queues.withLock { q in Self.pop(&q.critical, &q.cHead) ?? Self.pop(&q.market, &q.mHead) }
    }

    /// The input at `head`, if any; an emptied queue starts again at the front of its buffer.
    private static func pop(_ queue: inout [LiveRunner.Input], _ head: inout Int) -> LiveRunner.Input? {
        guard head < queue.count else { return nil }
        let i = queue[head]; head += 1
        if head == queue.count { queue.removeAll(keepingCapacity: true); head = 0 }
        return i
    }

    var isEmpty: Bool { queues.withLock { $0.cHead == $0.critical.count && $0.mHead == $0.market.count } }
    /// Market inputs dropped so far because the queue was full.
    var dropped: Int { queues.withLock { $0.dropped } }
}

/// The runner's counters behind a lock, so readers never queue on the runner's actor.
final class StatsBox: Sendable {
    private let value = Mutex(LiveRunnerStats())
    func set(_ v: LiveRunnerStats) { value.withLock { $0 = v } }
    func get() -> LiveRunnerStats { value.withLock { $0 } }
}

/// Counters a status line or the metrics page reads.
public struct LiveRunnerStats: Sendable {
    public var barsProcessed = 0
    public var lastBar: Bar?
    public var prints = 0
    public var commandsSent = 0
    public var commandErrors = 0
    public var reconnects = 0
    public var reconciliations = 0
    public var strategyOverruns = 0
    public var droppedMarketInputs = 0
    public var halted: String?
    /// What is wrong with the feed now (a hub down, the market feed frozen), nil when nothing.
    public var feedTrouble: String?
    /// How the venue's view of the account differs from the ledger, as last confirmed; nil when they agree.
    public var venueMismatch: String?
    /// REST snapshots of the venue's positions and balance compared with the ledger.
    public var venueChecks = 0
    public var warmupBars = 0
    public var backfilledBars = 0
    public var lastErrors: [String] = []
}

/// Runs strategies live: market data from the market hub builds the bars they consume, orders go
/// through `LiveBroker` and the gateway, and fills come back from the user hub.
///
/// Paper mode is the same runner with the simulated exchange in place of `LiveBroker`
/// (`init(paper:...)` with any `BarTradingBroker`): the market hub's prints build the same bars,
/// and each finished bar is traded by the exchange and handed to the strategies exactly as
/// `tsxlab backtest` does (`TradingSession.step`); nothing is sent to the gateway.
///
/// Scheduling: one actor, two bounded queues. User-hub events and gateway answers (fills, order
/// states: critical work) are always taken before market data and the strategy work it causes;
/// cancels and closes leave through their own sender, never behind a placement. When the market
/// queue is full the oldest market input is dropped and counted (a later print or quote carries
/// the clock forward); the critical queue is never dropped from.
public actor LiveRunner {
    /// The broker the strategies trade through: `gateway`, or in paper mode the simulated exchange.
    let broker: any SessionBroker
    /// The gateway's broker; nil in paper mode.
    public nonisolated let gateway: LiveBroker?
    /// Paper mode: a finished bar of a symbol traded by the broker and handed to the strategies
    /// (the session's `step`, specialised for the paper broker's type).
    let paper: ((Bar, String) -> Void)?
    let client: ProjectXClient
    /// Fixed for the run; tests change the feed watch's times between steps (`adjust`).
    private(set) var settings: LiveRunnerSettings
    /// The user hub (orders, trades, account); a paper runner has none.
    let userHub: HubClient?
    let marketHub: HubClient
    /// The contracts traded, in the order bars of one time are handed on (`settings.markets`).
    let markets: [LiveMarket]
    /// Each contract's symbol, by contract id.
    let symbolOfContract: [String: String]
    /// Each contract's bars being built from its prints, by contract id (each on its own tick size).
    var builders: [String: BarBuilder]
    /// The start of the last bar handed on, per symbol: a bar is handed on once.
    var lastBarTime: [String: Int64] = [:]
    /// The machinery around the strategies, shared with the backtest: trade day, flatten time,
    /// event delivery.
    let session: any RunnerSession
    nonisolated let inbox: Inbox
    /// Rung (from any thread) when an input is queued; the loop drains the inbox at each ring.
    /// Rings coalesce: one waiting is enough, whatever was queued meanwhile.
    nonisolated let doorbell: AsyncStream<Void>.Continuation
    let rings: AsyncStream<Void>
    var loop: Task<Void, Never>?
    /// Watches the feed (`watchFeed`) while live.
    var watchdog: Task<Void, Never>?
    /// When each hub went down ("user", "market"), while it is down.
    var hubDownSince: [String: Date] = [:]
    /// When the last trade print or quote arrived (wall clock), and since when the market feed has been
    /// frozen, across the reconnects that tried to revive it.
    var lastMarketDataAt = Date()
    var frozenSince: Date?
    /// The feed has been lost longer than `feedLossAfter` and the runner acted on it.
    var feedLost = false
    /// The venue's view of the account (user-hub events, REST snapshots) and the comparison's
    /// state (`watchVenue`).
    var venue = VenueState()
    var inFlight = 0
    /// The senders' queues: cancels and closes, and placements and modifications.
    var criticalOut: AsyncStream<GatewayCommand>.Continuation?
    var normalOut: AsyncStream<GatewayCommand>.Continuation?
    public internal(set) var stats = LiveRunnerStats()
    /// The latest counters, readable without waiting for the runner (status page, metrics).
    public nonisolated var currentStats: LiveRunnerStats { published.get() }
    nonisolated let published = StatsBox()
    /// The bars the strategies were given (the latest 100,000 or more), for checks against
    /// history: every contract's, in the order handed on (`closedBars(of:)` for one symbol's).
    public private(set) var closedBars: [Bar] = []
    /// The symbol of each of `closedBars`.
    public private(set) var closedSymbols: [String] = []
    /// Bars handed on since the start (`closedBars` keeps the latest of them).
    public private(set) var closedCount = 0
    /// The bars handed on after the first `count` ever handed on (the latest `limit` of them), with
    /// their symbols, and the count handed on so far: a reporter that prints each bar once asks
    /// again from that count. Copied inside the runner, so the reporter never holds the whole
    /// array while bars are appended.
    public func closedBars(since count: Int, limit: Int = 10_000) -> (bars: [(symbol: String, bar: Bar)], count: Int) {
        let first = max(closedBars.count - (closedCount - count), closedBars.count - limit, 0)
        return ((first..<closedBars.count).map { (closedSymbols[$0], closedBars[$0]) }, closedCount)
    }
    /// The bars of `symbol` the strategies were given (of the latest `closedBars`).
    public func closedBars(of symbol: String) -> [Bar] {
        closedBars.indices.filter { closedSymbols[$0] == symbol }.map { closedBars[$0] }
    }
    var observers: [@Sendable (RunnerObservation) -> Void] = []
    /// Keeps every trade print received (`recordTape`), and the quotes and depth updates when
    /// asked; nil: prints only build bars.
    var recorder: TapeRecorder?
    var recordQuotes = false, recordDepth = false
    /// The symbol the tape keeps each contract's prints under (by contract id): its CME code
    /// (`ESZ13`), worked out once, not per record.
    let tapeSymbols: [String: String]

    /// Hands every trade print received from now on to `recorder` (nil: no longer), with `quotes`
    /// the quotes too, and with `depth` the order book's updates (subscribed to at start, so
    /// asked for before `start`).
    public func recordTape(_ recorder: TapeRecorder?, quotes: Bool = false, depth: Bool = false) {
        self.recorder = recorder
        recordQuotes = recorder != nil && quotes
        recordDepth = recorder != nil && depth
    }

    /// Adds an observer; it is called on the runner's task, so it must only hand work off.
    public func observe(_ f: @escaping @Sendable (RunnerObservation) -> Void) { observers.append(f) }
    /// Paper mode: called after each bar the exchange traded with the bar's symbol, the position
    /// in it and the account (on the runner's task: it must only hand work off).
    public func observePaperBars(_ f: @escaping @Sendable (_ symbol: String, Bar, _ position: Int64, AccountSnapshot) -> Void) { paperBarObservers.append(f) }
    var paperBarObservers: [@Sendable (String, Bar, Int64, AccountSnapshot) -> Void] = []
    func tell(_ o: RunnerObservation) { for f in observers { f(o) } }
    var started = false
    /// Called with each command the runner sends (dry run: the command it would send).
    let onCommand: @Sendable (GatewayCommand) -> Void
    let state: LiveStateStore?
    /// Where each symbol's history comes from (the three-tier cache in the CLI); the history
    /// endpoint when nil.
    let history: (@Sendable (String, TimeWindow) async throws -> [Bar])?
    var savedFills = -1
    var savedDay = Int64.min
    var savedLocked = false

    enum Input: Sendable {
        case user(String, [JSONValue])
        case market(String, [JSONValue])
        case answer(GatewayAnswer)
        case connected(hub: String, reconnect: Bool)
        case disconnected(hub: String, String)
    }

    /// `history` (one contract) or `symbolHistory` (any number: the symbol's bars) supplies the
    /// warm-up and backfill bars; the history endpoint when neither is given.
    public init(client: ProjectXClient, broker: LiveBroker, strategies: sending [any Strategy], settings: LiveRunnerSettings,
                userHub: HubClient, marketHub: HubClient, state: LiveStateStore? = nil,
                history: (@Sendable (TimeWindow) async throws -> [Bar])? = nil,
                symbolHistory: (@Sendable (String, TimeWindow) async throws -> [Bar])? = nil,
                onCommand: @escaping @Sendable (GatewayCommand) -> Void = { _ in }) {
        let session = TradingSession(broker: broker, strategies: strategies, calendar: settings.calendar, flattenTime: settings.flattenTime)
        self.init(client: client, broker: broker, gateway: broker, paper: nil, session: session, settings: settings, userHub: userHub,
                  marketHub: marketHub, state: state, history: Self.history(history, symbolHistory, settings), onCommand: onCommand)
    }

    /// A paper runner: the market hub's data, the simulated exchange's fills (`exchange` trades
    /// every symbol of `settings.markets`), no orders sent. `history` (one contract) or
    /// `symbolHistory` supplies the warm-up bars.
    public init<B: BarTradingBroker>(paper exchange: sending B, client: ProjectXClient, strategies: sending [any Strategy], settings: LiveRunnerSettings,
                                     marketHub: HubClient, history: (@Sendable (TimeWindow) async throws -> [Bar])? = nil,
                                     symbolHistory: (@Sendable (String, TimeWindow) async throws -> [Bar])? = nil) {
        let session = TradingSession(broker: exchange, strategies: strategies, calendar: settings.calendar, flattenTime: settings.flattenTime)
        let length = settings.barSeconds
        let bySymbol = LiveRunner.history(history, symbolHistory, settings)
        self.init(client: client, broker: exchange, gateway: nil, paper: { bar, symbol in session.step(bar, symbol: symbol, length: length) },
                  session: session, settings: settings, userHub: nil, marketHub: marketHub, state: nil,
                  history: bySymbol, onCommand: { _ in })
    }

    /// One history source by symbol: `symbolHistory`, or `history` (one contract's) for its symbol.
    static func history(_ one: (@Sendable (TimeWindow) async throws -> [Bar])?, _ bySymbol: (@Sendable (String, TimeWindow) async throws -> [Bar])?,
                        _ settings: LiveRunnerSettings) -> (@Sendable (String, TimeWindow) async throws -> [Bar])? {
        if let bySymbol { return bySymbol }
        guard let one else { return nil }
        precondition(settings.markets.count == 1, "several contracts take their history by symbol (symbolHistory:)")
        return { _, window in try await one(window) }
    }

    private init(client: ProjectXClient, broker: sending any SessionBroker, gateway: LiveBroker?, paper: sending ((Bar, String) -> Void)?,
                 session: sending any RunnerSession, settings: LiveRunnerSettings, userHub: HubClient?, marketHub: HubClient,
                 state: LiveStateStore?, history: (@Sendable (String, TimeWindow) async throws -> [Bar])?,
                 onCommand: @escaping @Sendable (GatewayCommand) -> Void) {
        self.client = client
        self.broker = broker
        self.gateway = gateway
        self.paper = paper
        self.session = session
        self.settings = settings
        self.userHub = userHub
        self.marketHub = marketHub
        self.state = state
        self.history = history
        self.onCommand = onCommand
        markets = settings.markets
        symbolOfContract = Dictionary(settings.markets.map { ($0.contractID, $0.symbol) }, uniquingKeysWith: { a, _ in a })
        builders = Dictionary(settings.markets.map { ($0.contractID, BarBuilder(length: settings.barSeconds)) }, uniquingKeysWith: { a, _ in a })
        inbox = Inbox(capacity: settings.queueCapacity)
        tapeSymbols = Dictionary(settings.markets.map { ($0.contractID, ContractID(projectX: $0.contractID)?.cmeCode ?? $0.contractID) },
                                 uniquingKeysWith: { a, _ in a })
        (rings, doorbell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Starts the strategies through the session, which from now on tells the runner of each
    /// event and each strategy call's duration.
    func startSession() {
        session.onEvent = { [unowned self] e in self.observed(e) }
        session.timeStrategyCalls = { [unowned self] name, seconds in self.strategyCalled(name, seconds) }
        session.start()
    }

    /// Connects both hubs, subscribes, settles state from a REST snapshot, and starts the loop.
    ///
    /// `resumeFrom`: a restarted runner first replays the bars since then (from the history
    /// endpoint) through its strategies, with the gateway's orders and fills of that span: the
    /// strategies rebuild their state, the orders they place are found at the gateway by their
    /// tags instead of being sent again. With or without a replay, the risk state is the store's
    /// (`resumeRisk`).
    public func start(resumeFrom: Timestamp? = nil) async throws {
        // A paper runner has no user hub and sends nothing: it starts as paper.
        guard let userHub else { return try await startPaper(warmupFrom: resumeFrom) }
        guard !started else { return }
        started = true
        startSenders()
        await take(from: userHub, market: false)
        await take(from: marketHub, market: true)
        try await userHub.start()
        try await marketHub.start()
        try await userHub.subscribe("SubscribeAccounts")
        for s in ["SubscribeOrders", "SubscribePositions", "SubscribeTrades"] {
            try await userHub.subscribe(s, [.number(Decimal(settings.accountID))])
        }
        startSession()
        if let from = resumeFrom { try await warmUp(from: from) }
        try resumeRisk()
        try await reconcile()
        try await checkVenueAtStart()
        try await subscribeMarkets()
        loop = Task { await self.run() }
        lastMarketDataAt = Date()
        watchdog = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                await self?.watchFeed()
                await self?.watchVenue()
            }
        }
        dispatch()
    }

    /// Starts a paper runner: the bars since `warmupFrom` (from `history`) go through the
    /// strategies first, then the market hub's live data.
    public func startPaper(warmupFrom: Timestamp?) async throws {
        guard !started, paper != nil else { return }
        started = true
        await take(from: marketHub, market: true)
        try await marketHub.start()
        startSession()
        if let from = warmupFrom {
            for (symbol, bar) in try await historyBars(from: from) { closeBar(bar, symbol: symbol) }
            stats.warmupBars = stats.barsProcessed
        }
        try await subscribeMarkets()
        loop = Task { await self.run() }
    }

    /// Every contract's trades and quotes (and, when recording it, depth) on the market hub.
    func subscribeMarkets() async throws {
        for m in markets {
            try await marketHub.subscribe("SubscribeContractTrades", [.string(m.contractID)])
            try await marketHub.subscribe("SubscribeContractQuotes", [.string(m.contractID)])
            if recordDepth { try await marketHub.subscribe("SubscribeContractMarketDepth", [.string(m.contractID)]) }
        }
    }

    /// Stops: hubs closed, senders finished, strategies told.
    public func stop(_ why: String = "stopped") async {
        session.finish()
        watchdog?.cancel()
        await userHub?.stop()
        await marketHub.stop()
        loop?.cancel()
        doorbell.finish()
        criticalOut?.finish()
        normalOut?.finish()
        stats.halted = stats.halted ?? why
    }

    /// Starts the loop and the senders without connecting the hubs: inputs then come from
    /// `ingest(market:)` (benchmarks, recorded days).
    public func startOffline() {
        guard !started else { return }
        started = true
        startSenders()
        startSession()
        loop = Task { await self.run() }
    }

    /// Has `hub`'s events come into the runner's queues straight from its socket's reader thread
    /// (see `HubClient.deliver(to:)`): `start` does this for both hubs, a benchmark for its own.
    public nonisolated func take(from hub: HubClient, market: Bool) async {
        let name = market ? "market" : "user"
        await hub.deliver { [weak self] e in self?.receive(e, hub: name) }
    }

    /// One market-hub record as it arrived on the socket (JSON, without its separator); any thread.
    public nonisolated func ingest(market record: Data) {
        guard case .invocation(_, let target, let args)? = try? HubMessage.decode(record) else { return }
        enqueue(.market(target, args))
    }

    /// Runs a command through the broker on the runner's task (an alert, a manual action), then
    /// delivers its events and sends what it queued, as for the strategies' own orders.
    public func perform(_ body: @Sendable (any Broker) -> CommandResult) -> CommandResult {
        let r = body(broker)
        deliverEvents()
        dispatch()
        persist()
        return r
    }

    /// The trades closed so far and the account, as the strategies' broker reports them.
    public func summary() -> (trades: [Trade], account: AccountSnapshot) { (broker.trades, broker.account) }

    /// Sends what the broker queued outside the runner's own inputs (a shutdown flatten).
    public func nudge() {
        deliverEvents()
        dispatch()
        persist()
    }

    /// Nothing queued, nothing in flight: every input received so far has been handled.
    public var isIdle: Bool { inbox.isEmpty && inFlight == 0 && !(gateway?.hasWork ?? broker.hasEvents) }

    // MARK: Inputs

    nonisolated func receive(_ e: HubEvent, hub: String) {
        switch e {
        case .message(let target, let args):
            enqueue(hub == "user" ? .user(target, args) : .market(target, args))
        case .connected(let reconnect):
            if reconnect { enqueue(.connected(hub: hub, reconnect: true)) }
        case .disconnected(let why):
            enqueue(.disconnected(hub: hub, why))
        case .stopped:
            break
        }
    }

    nonisolated func enqueue(_ input: Input) {
        if !inbox.put(input) { queueFull.store(true, ordering: .relaxed) }
        doorbell.yield()
    }
    /// Set by whichever thread found the market queue full; cleared by the runner when it reports it.
    nonisolated let queueFull = Atomic<Bool>(false)

    /// The loop: drains the queues at each ring.
    func run() async {
        for await _ in rings { await drainQueues() }
    }

    func drainQueues() async {
        while let i = inbox.take() { await handle(i) }
        if queueFull.exchange(false, ordering: .relaxed) {
            stats.droppedMarketInputs = inbox.dropped
            note("market queue full (\(settings.queueCapacity)): dropped the oldest inputs")
        }
    }

    func handle(_ input: Input) async {
        switch input {
        case .user(let target, let args):
            switch target {
            case "GatewayUserOrder":
                for o in PXUserEventPayload.entities(PXOrder.self, from: args) where o.accountId == settings.accountID { gateway?.apply(order: o) }
            case "GatewayUserTrade":
                for t in PXUserEventPayload.entities(PXTrade.self, from: args) where t.accountId == settings.accountID { gateway?.apply(trade: t) }
            case "GatewayLogout":
                // The session was ended at the gateway: both hubs come back with a new token.
                note("the gateway logged this session out: reconnecting both hubs with a new token")
                await userHub?.reconnect("GatewayLogout", newToken: true)
                await marketHub.reconnect("GatewayLogout", newToken: true)
            case "GatewayUserPosition":
                for p in PXUserEventPayload.entities(PXPosition.self, from: args) where p.accountId == settings.accountID {
                    venue.book.positions[p.contractId] = p.size == 0 ? nil : Int64(p.signedSize)
                }
                venueEventSeen()
            case "GatewayUserAccount":
                for a in PXUserEventPayload.entities(PXAccount.self, from: args) where a.id == settings.accountID {
                    venue.book.balance = Money(decimal: a.balance)
                }
                venueEventSeen()
            default:
                break
            }
        case .answer(let a):
            inFlight -= 1
            if case .failed(let cmd, let e) = a {
                stats.commandErrors += 1
                note("\(describe(cmd)): \(e)")
            }
            gateway?.acknowledge(a)
            recordAnswer(a)
        case .connected(let hub, _):
            stats.reconnects += 1
            hubDownSince[hub] = nil
            if hub == "market" { lastMarketDataAt = Date() }
            do {
                if hub == "user" { try await reconcile() } else { try await backfill() }
            } catch {
                note("after the \(hub) hub reconnected: \(error)")
            }
        case .disconnected(let hub, let why):
            // Once per outage: the failed attempts to reconnect that follow are not news (each
            // note is a notification).
            if hubDownSince[hub] == nil {
                note("\(hub) hub disconnected: \(why)")
                hubDownSince[hub] = Date()
            }
        case .market(let target, let args):
            handleMarket(target, args)
        }
        deliverEvents()
        dispatch()
        persist()
        published.set(stats)
    }

    func recordAnswer(_ a: GatewayAnswer) {
        guard let state, let gateway else { return }
        let (local, gid, status): (OrderID, Int64?, String)
        switch a {
        case .placed(let l, let g): (local, gid, status) = (l, g, "accepted")
        case .failed(.place(let l, _), let e):
            if case .ambiguous = e { (local, gid, status) = (l, nil, "unknown") } else { (local, gid, status) = (l, nil, "rejected") }
        default: return
        }
        guard let o = gateway.order(local), let tag = gateway.tag(of: local) else { return }
        do { try state.record(tag: tag, order: o, gatewayID: gid, strategy: nil, status: status, at: gateway.now) }
        catch { note("cannot record order \(tag): \(error)") }
    }

    /// A trade print or a quote came: the feed is alive (`watchFeed`).
    func marketDataArrived() {
        lastMarketDataAt = Date()
        frozenSince = nil
    }

    func handleMarket(_ target: String, _ args: [JSONValue]) {
        guard args.count >= 2, let contract = args[0].string, let symbol = symbolOfContract[contract],
              let tick = broker.instrument(symbol)?.spec.tickSize else { return }
        let tapeSymbol = tapeSymbols[contract] ?? contract
        switch target {
        case "GatewayTrade":
            let prints: [PXTradePrint]
            if case .array(let items) = args[1] { prints = (try? items.map { p throws(PayloadShapeError) in try PXTradePrint(json: p) }) ?? [] }
            else { prints = (try? PXTradePrint(json: args[1])).map { [$0] } ?? [] }
            // Life on the feed (`watchFeed`): once per record, not per print.
            if !prints.isEmpty { marketDataArrived() }
            if let recorder { recorder.record(prints.compactMap { $0.tapePrint(tick: tick) }, symbol: tapeSymbol, tickSize: tick) }
            for p in prints {
                guard let t = PXTime.parse(p.timestamp), let px = tick.ticks(decimal: p.price) else { continue }
                stats.prints += 1
                if let done = builders[contract]?.add(price: px, volume: p.volume, at: t.seconds) { closeBar(done, symbol: symbol) }
                // At the gateway the market clock and the loss limits move with every print; a
                // paper runner's exchange trades whole bars (`closeBar`).
                guard let gateway else { continue }
                clockReached(t.seconds)
                gateway.mark(symbol, price: px, at: t)
                deliverEvents()
            }
        case "GatewayQuote":
            guard let q = try? PXQuote(json: args[1]), let ts = q.timestamp.flatMap(PXTime.parse) else { return }
            if recordQuotes, let recorder, let r = q.tapeQuote(tick: tick) { recorder.record([r], symbol: tapeSymbol, tickSize: tick) }
            marketDataArrived()
            if let done = builders[contract]?.advance(to: ts.seconds) { closeBar(done, symbol: symbol) }
            if gateway != nil { clockReached(ts.seconds) }
        case "GatewayDepth":
            guard recordDepth, let recorder else { return }
            let items: [JSONValue] = if case .array(let a) = args[1] { a } else { [args[1]] }
            recorder.record(items.compactMap { DepthUpdate(json: $0, tick: tick) }, symbol: tapeSymbol, tickSize: tick)
        default:
            break
        }
    }

    /// The market clock reached `t`: the session rolls the day and flattens at its time.
    func clockReached(_ t: Int64) {
        broker.advanceClock(to: Timestamp(seconds: t))
        let day = session.tradeDay
        if t >= session.nextBoundary { session.clockReached(t) }
        if session.tradeDay != day, stats.halted?.hasPrefix("daily") == true { stats.halted = nil }
        deliverEvents()
    }

    func closeBar(_ bar: Bar, symbol: String) {
        // A bar is handed on once: after a reconnect the backfill from history and the prints
        // still arriving for the same minute can both finish it.
        if let last = lastBarTime[symbol], bar.time.seconds <= last { return }
        lastBarTime[symbol] = bar.time.seconds
        stats.barsProcessed += 1
        stats.lastBar = bar
        closedBars.append(bar)
        closedSymbols.append(symbol)
        closedCount += 1
        if !observers.isEmpty { tell(.bar(bar)) }
        if closedBars.count > 200_000 { closedBars.removeFirst(100_000); closedSymbols.removeFirst(100_000) }
        if let paper {
            // The day roll, the exchange trading the bar, events, the strategies: a backtest's step.
            paper(bar, symbol)
            if !observers.isEmpty || !paperBarObservers.isEmpty {
                let position = broker.position(symbol).quantity, account = broker.account
                tell(.barTraded(bar, position: position, account: account))
                for f in paperBarObservers { f(symbol, bar, position, account) }
            }
            return
        }
        // Strategies read the bar's close time from the broker's clock, as in a backtest.
        broker.advanceClock(to: Timestamp(seconds: bar.time.seconds + settings.barSeconds))
        gateway?.markBar(symbol, high: bar.high.ticks, low: bar.low.ticks)
        deliverEvents()
        session.barClosed(bar, symbol: symbol)
    }

    /// A strategy's bar call took `seconds`: observed, and counted when over budget.
    func strategyCalled(_ name: String, _ seconds: Double) {
        if !observers.isEmpty { tell(.strategyCall(strategy: name, seconds: seconds)) }
        if seconds > settings.strategyBudget {
            stats.strategyOverruns += 1
            note("\(name) took longer than \(settings.strategyBudget) s on the bar of \(stats.lastBar.map { "\($0.time)" } ?? "-")")
        }
    }

    /// Hands the broker's events to the strategies through the session (events they cause are
    /// delivered in the same pass).
    func deliverEvents() { session.deliver() }

    /// Each event on its way to the strategies: observers are told, a loss-limit breach is
    /// shown as a halt (the strategies keep receiving bars, as in a backtest; the risk rules
    /// refuse their orders).
    func observed(_ e: BrokerEvent) {
        if !observers.isEmpty { tell(.event(e)) }
        if case .ruleBreached(let b) = e, b.rule == .dailyLossLimit || b.rule == .maxLossLimit {
            stats.halted = "\(b.rule): \(b.detail)"
            note("halted: \(b.description)")
        }
    }

    // MARK: Commands

    /// The senders, two tasks: cancels and closes leave through one, placements and
    /// modifications through the other, so a cancel never waits behind a placement.
    func startSenders() {
        let client = self.client, dry = settings.dryRun, account = settings.accountID
        for (critical, priority) in [(true, TaskPriority.high), (false, TaskPriority.medium)] {
            let (commands, queue) = AsyncStream.makeStream(of: GatewayCommand.self)
            if critical { criticalOut = queue } else { normalOut = queue }
            Task.detached(priority: priority) { [weak self] in
                for await cmd in commands {
                    let answer = dry ? GatewayAnswer.failed(cmd, .rejected(endpoint: "dry run", code: 0, message: "dry run: not sent"))
                        : await Self.send(cmd, client, account)
                    self?.enqueue(.answer(answer))
                }
            }
        }
    }

    /// Sends what the broker queued: cancels and closes on the critical sender.
    func dispatch() {
        guard let gateway else { return }
        for cmd in gateway.takeOutbox() {
            if case .place(let local, let r) = cmd, let state, let o = gateway.order(local), let tag = r.customTag {
                // Written before it leaves: a runner killed now finds the order by its tag.
                do {
                    try state.record(tag: tag, order: o, gatewayID: nil, strategy: nil, status: "sending", at: gateway.now)
                } catch {
                    gateway.acknowledge(.failed(cmd, .rejected(endpoint: "store", code: -1, message: "not sent: the store refused the order's record (\(error))")))
                    continue
                }
            }
            inFlight += 1
            stats.commandsSent += 1
            onCommand(cmd)
            (cmd.isCritical ? criticalOut : normalOut)?.yield(cmd)
        }
    }

    static func send(_ cmd: GatewayCommand, _ client: ProjectXClient, _ account: Int) async -> GatewayAnswer {
        do {
            switch cmd {
            case .place(let local, let r):
                return .placed(local: local, gatewayID: try await client.placeOrder(r))
            case .modify(_, let r):
                try await client.modifyOrder(r)
            case .cancel(_, let gid):
                try await client.cancelOrder(accountId: account, orderId: gid)
            case .close(_, let contract):
                try await client.closePosition(accountId: account, contractId: contract)
            }
            return .done(cmd)
        } catch let e as ProjectXError {
            return .failed(cmd, e)
        } catch {
            return .failed(cmd, .transport(endpoint: "\(cmd)", reason: "\(error)"))
        }
    }

    /// A REST snapshot of orders and trades settles what happened while a socket was down.
    func reconcile() async throws {
        guard let gateway else { return }
        stats.reconciliations += 1
        let since = Timestamp(seconds: broker.now.seconds - 3 * 86_400)
        let working = try await client.workingOrders(accountId: settings.accountID)
        let recent = try await client.searchOrders(accountId: settings.accountID, from: since)
        let trades = try await client.searchTrades(accountId: settings.accountID, from: since)
        var byID: [Int64: PXOrder] = [:]
        for o in recent + working { byID[o.id] = o }
        gateway.reconcile(orders: Array(byID.values), trades: trades)
        // Placements whose answer was lost: found by tag, or known never to have arrived.
        for (local, tag) in gateway.unacknowledged {
            if let o = byID.values.first(where: { $0.customTag == tag }) {
                gateway.acknowledge(.placed(local: local, gatewayID: o.id))
                gateway.apply(order: o)
            }
        }
        // Records of placements whose answer never came (a runner killed with the order on its way,
        // an answer lost): the gateway's order with the tag completes them, so the store names
        // every order the gateway holds for this account.
        if let state {
            let byTag = Dictionary(byID.values.compactMap { o in o.customTag.map { ($0, o.id) } }, uniquingKeysWith: max)
            do {
                for r in try state.orders() where r.gatewayID == nil {
                    if let gid = byTag[r.tag] { try state.acknowledge(tag: r.tag, gatewayID: gid, at: gateway.now) }
                }
            } catch {
                note("cannot complete the order records: \(error)")
            }
        }
        deliverEvents()
    }

    /// Replays the bars since `from` (see `start(resumeFrom:)`).
    func warmUp(from: Timestamp) async throws {
        guard let gateway else { return }
        // Placements a killed run sent and never heard back about: given time to land before the
        // gateway's orders are read (LiveCrashTests kills runs with orders in flight).
        let unanswered = try state?.orders().filter { $0.gatewayID == nil && $0.status == "sending" } ?? []
        if !unanswered.isEmpty { try await Task.sleep(for: .seconds(settings.inFlightGrace)) }
        let bars = try await historyBars(from: from)
        let since = Timestamp(seconds: from.seconds - 86_400)
        var byID: [Int64: PXOrder] = [:]
        for o in try await client.searchOrders(accountId: settings.accountID, from: since) { byID[o.id] = o }
        for o in try await client.workingOrders(accountId: settings.accountID) { byID[o.id] = o }
        // Those the gateway does not hold after the wait never reached it: recorded so, and the
        // next restart does not wait for them again.
        let held = Set(byID.values.compactMap(\.customTag))
        for r in unanswered where !held.contains(r.tag) {
            do { try state?.settle(tag: r.tag, status: "not received", at: broker.now) }
            catch { note("cannot record order \(r.tag) as not received: \(error)") }
        }
        let trades = try await client.searchTrades(accountId: settings.accountID, from: since)
        // Each contract's bar replays with that contract's fills (another contract's fills of the
        // same minute come with its own bar, as its bar traded them).
        var tradesOf: [String: [PXTrade]] = [:]
        for t in trades { tradesOf[symbolOfContract[t.contractId] ?? settings.symbol, default: []].append(t) }
        let last = bars.map(\.1.time.seconds).max()
        gateway.beginWarmup(snapshot: Array(byID.values), until: last.map { Timestamp(seconds: $0 + settings.barSeconds) })
        for (symbol, bar) in bars {
            let end = Timestamp(seconds: bar.time.seconds + settings.barSeconds)
            clockReached(bar.time.seconds)
            gateway.warmupAdvance(to: end, trades: markets.count == 1 ? trades : tradesOf[symbol] ?? [])
            gateway.mark(symbol, price: bar.close.ticks, at: Timestamp(seconds: end.seconds - 1))
            deliverEvents()
            closeBar(bar, symbol: symbol)
            gateway.warmupBind()
            deliverEvents()
        }
        gateway.endWarmup()
        stats.warmupBars = bars.count
    }

    /// The risk state the store kept replaces the one the replay built, on every start: the
    /// high-water mark, start-of-day balance, locks and consistency tally are the store's, carried
    /// to the replay's last day by the start-of-day balances its fills gave. A replay starts
    /// from the rules' starting balance and sees only its own days, so its mark would lose an
    /// older peak (`LiveJobTests.highWaterMarkFromThreeWeeksAgo`). Without a stored state (a
    /// first run) the replay's state stays. An unreadable stored state stops the start.
    func resumeRisk() throws {
        guard settings.resumeStoredRisk, let gateway, let state, let saved = try state.load() else { return }
        gateway.resumeRisk(from: saved.risk)
    }

    /// Bars missed while the market hub was down, from the history endpoint: the strategies see
    /// every bar, late rather than never.
    func backfill() async throws {
        // From the earliest contract's last bar: each contract keeps only the bars after its own.
        guard stats.lastBar != nil, let earliest = markets.compactMap({ lastBarTime[$0.symbol] }).min() else { return }
        let from = Timestamp(seconds: earliest + settings.barSeconds)
        var done = Set<String>()
        for (symbol, bar) in try await historyBars(from: from) where !done.contains(symbol) {
            guard bar.time.seconds > (lastBarTime[symbol] ?? .min) else { continue }
            // The bar being built from live prints now is finished by them, not here (nor are
            // that contract's later ones).
            if let cid = markets.first(where: { $0.symbol == symbol })?.contractID, let forming = builders[cid]?.forming,
               forming.time.seconds <= bar.time.seconds {
                done.insert(symbol)
                continue
            }
            clockReached(bar.time.seconds)
            closeBar(bar, symbol: symbol)
            stats.backfilledBars += 1
        }
    }

    /// Every contract's finished bars from `from` on, in the order they are handed on (by time,
    /// bars of one time in the contracts' order): through `history` (the cache) when given, else
    /// the endpoint.
    func historyBars(from: Timestamp) async throws -> [(String, Bar)] {
        var each: [[Bar]] = []
        for m in markets { each.append(try await historyBars(m, from: from)) }
        if each.count == 1 { return each[0].map { (markets[0].symbol, $0) } }
        var out: [(String, Bar)] = []
        out.reserveCapacity(each.reduce(0) { $0 + $1.count })
        var next = [Int](repeating: 0, count: each.count)
        while true {
            var j = -1, earliest = Int64.max
            for k in each.indices where next[k] < each[k].count && each[k][next[k]].time.seconds < earliest {
                earliest = each[k][next[k]].time.seconds; j = k
            }
            guard j >= 0 else { return out }
            out.append((markets[j].symbol, each[j][next[j]]))
            next[j] += 1
        }
    }

    /// One contract's finished bars from `from` on.
    func historyBars(_ market: LiveMarket, from: Timestamp) async throws -> [Bar] {
        let until = Timestamp(seconds: 4_102_444_800)
        if let history { return try await history(market.symbol, TimeWindow(from: from, to: until)) }
        let unit: PXBarUnit = settings.barSeconds % 60 == 0 ? .minute : .second
        let n = Int(unit == .minute ? settings.barSeconds / 60 : settings.barSeconds)
        let raw = try await client.retrieveBars(contractId: market.contractID, unit: unit, unitNumber: n, start: from, end: until)
        guard let tick = broker.instrument(market.symbol)?.spec.tickSize else { return [] }
        return raw.compactMap { b in
            guard let t = PXTime.parse(b.t), let o = tick.ticks(decimal: b.o), let h = tick.ticks(decimal: b.h),
                  let l = tick.ticks(decimal: b.l), let c = tick.ticks(decimal: b.c) else { return nil }
            return Bar(t.seconds, o, h, l, c, b.v)
        }
    }

    /// Drops everything without a word to the strategies or the store, as a killed process would
    /// (tests of restarts).
    public func kill() async {
        loop?.cancel()
        doorbell.finish()
        criticalOut?.finish()
        normalOut?.finish()
        await userHub?.stop()
        await marketHub.stop()
    }

    /// Writes the runner state when fills, the day or the locks changed.
    func persist() {
        guard let state, let gateway else { return }
        let risk = gateway.risk
        let fills = gateway.fillCount
        guard fills != savedFills || risk.tradeDay != savedDay || risk.isLocked != savedLocked else { return }
        do {
            try state.save(tagPrefix: gateway.tagPrefix, nextLocalID: gateway.nextLocalID, risk: risk, account: gateway.account, at: gateway.now)
            savedFills = fills; savedDay = risk.tradeDay; savedLocked = risk.isLocked
        } catch {
            note("cannot save the runner state: \(error)")
        }
    }

    func describe(_ cmd: GatewayCommand) -> String {
        switch cmd {
        case .place(let l, let r): "place \(l) (\(r.customTag ?? "-"))"
        case .modify(let l, _): "modify \(l)"
        case .cancel(let l, _): "cancel \(l)"
        case .close(let s, _): "close \(s)"
        }
    }

    /// Changes settings read on each use (the feed watch's times): tests switch the silence watch
    /// on only around the step that freezes the feed, so that a slow lock-step bar before it is
    /// not taken for a frozen feed.
    func adjust(_ change: (inout LiveRunnerSettings) -> Void) { change(&settings) }

    /// The feed watch, four times a second while live. A market feed without a print or quote for
    /// `silentFeedAfter` seconds while the market is open (by the market clock, moved on by the
    /// wall clock since the last message) is reconnected, once until data comes again. A hub down, or the feed frozen, for
    /// `feedLossAfter` seconds is given notice once and, with `flattenOnFeedLoss`, everything is
    /// cancelled and closed and no new order is taken (`halted`); the feed coming back does not
    /// resume trading, a restart does.
    func watchFeed() async {
        let now = Date()
        let quiet = now.timeIntervalSince(lastMarketDataAt)
        let marketNow = Timestamp(seconds: broker.now.seconds + Int64(quiet))
        // Once per frozen spell: a feed still silent after a fresh connection is left to the loss
        // timer (reconnecting every few seconds would only drop what does arrive).
        if settings.silentFeedAfter > 0, frozenSince == nil, hubDownSince["market"] == nil, quiet >= settings.silentFeedAfter,
           session.calendar.isOpen(at: marketNow) {
            frozenSince = lastMarketDataAt
            let why = "no trade print or quote for \(Int(settings.silentFeedAfter.rounded(.up))) s while the market is open"
            note("market feed frozen: \(why); reconnecting the market hub with a new token")
            await marketHub.reconnect(why, newToken: true)
        }
        func wall(_ d: Date) -> String { Timestamp(seconds: Int64(d.timeIntervalSince1970)).iso8601 }
        var trouble: String?
        var since: Date?
        if let (hub, at) = hubDownSince.min(by: { $0.value < $1.value }) {
            trouble = "\(hub) hub down since \(wall(at))"; since = at
        }
        if let f = frozenSince, since.map({ f < $0 }) ?? true {
            trouble = "market feed frozen since \(wall(f))"; since = f
        }
        stats.feedTrouble = trouble
        defer { published.set(stats) }
        guard let since else { if !settings.flattenOnFeedLoss { feedLost = false }; return }
        let lostFor = now.timeIntervalSince(since)
        guard settings.feedLossAfter > 0, lostFor >= settings.feedLossAfter, !feedLost, let trouble else { return }
        feedLost = true
        guard settings.flattenOnFeedLoss, let gateway else {
            note("feed lost for \(Int(lostFor)) s (\(trouble)); trading on (live.feed.on_loss: keep)")
            return
        }
        note("feed lost for \(Int(lostFor)) s (\(trouble)): cancelling working orders, closing positions and halting (live.feed.on_loss: flatten)")
        halt("feed lost", status: "feed lost: \(trouble)")
    }

    /// Takes no new order from now on, cancels everything working and closes the positions the
    /// ledger holds (and, by contract, `alsoClosing`: positions only the venue holds). A new
    /// order is refused naming `why`; the status shows `status` until a restart.
    func halt(_ why: String, status: String, alsoClosing contracts: [String] = []) {
        guard let gateway else { return }
        gateway.stopTrading(why)
        _ = gateway.flatten(nil, reason: why)
        gateway.closeAtVenue(contracts)
        stats.halted = status
        deliverEvents()
        dispatch()
    }

    func note(_ message: String) {
        if !observers.isEmpty { tell(.note(message)) }
        stats.lastErrors.append(message)
        if stats.lastErrors.count > 20 { stats.lastErrors.removeFirst() }
    }
}

/// What the runner drives: the `TradingSession` over `LiveBroker`, or in paper mode over the
/// simulated exchange (the session's broker type differs; the runner needs only these calls).
protocol RunnerSession: AnyObject {
    var tradeDay: Int64 { get }
    var calendar: SessionCalendar { get }
    var nextBoundary: Int64 { get }
    func start()
    func finish()
    func clockReached(_ t: Int64)
    func deliver()
    func barClosed(_ bar: Bar, symbol: String)
    var onEvent: ((BrokerEvent) -> Void)? { get set }
    var timeStrategyCalls: ((String, Double) -> Void)? { get set }
}

extension TradingSession: RunnerSession {}
