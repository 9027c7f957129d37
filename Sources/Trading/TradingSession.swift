import Data

/// One point of the equity curve: the account's equity when a trading day's session ended.
public struct EquityPoint: Hashable, Sendable {
    public var time: Timestamp
    public var tradeDate: TradeDate
    public var balance: Money
    public var equity: Money
    public init(time: Timestamp, tradeDate: TradeDate, balance: Money, equity: Money) {
        self.time = time; self.tradeDate = tradeDate; self.balance = balance; self.equity = equity
    }
}

/// The machinery around the strategies, written once for every mode: the backtest engine, the
/// paper feed and the live runner are drivers that hand it the market clock and finished bars.
///
/// It owns:
/// - the trade day: when the clock reaches a new trade day (`TradeDayClock`), the old
///   day ends (`onSessionClose`, an equity point) and the new one starts (`beginTradeDay` on the
///   broker, `onSessionOpen`);
/// - the flatten time: once a day, everything is closed when the clock reaches it;
/// - event delivery: the broker's events reach the strategy that placed the order they concern
///   (events without an order — account, position, breaches — reach every strategy), in order;
///   events a strategy causes while reacting are delivered in the same pass;
/// - the call order for a finished bar: the strategies' `onBar`, then the events they caused.
///
/// The prop-firm rules and the pre-trade checks are enforced by `RiskState` and `OrderGate`,
/// which both brokers run every command through.
///
/// Drivers: the backtest engine calls `clockReached(t)` at each boundary (`nextBoundary`) and
/// `trade(_:symbol:bar:trade:)` for the bars between (by their index in the series); a
/// bar-by-bar backtest or a paper runner calls `step` per bar; the live runner calls
/// `clockReached` per print, `deliver()` after the venue's news and `barClosed` per finished bar. The session is generic over the broker and the
/// driving strategy so the backtest's bar loop is specialised for both.
public final class TradingSession<B: SessionBroker, S: Strategy> {
    public let broker: B
    /// Every strategy, in call order.
    public let strategies: [any Strategy]
    /// What each strategy's orders and trades are attributed to (parallel to `strategies`): its
    /// name, or `name@SYMBOL` when several strategies of one name trade (one per symbol).
    public let labels: [String]
    /// The strategy the bar calls go to: the only strategy, or a `StrategyGroup` of them all.
    @usableFromInline let driver: S
    @usableFromInline let single: Bool
    /// The broker as strategies see it (converted once, not per call).
    @usableFromInline let strategyBroker: any Broker
    public var calendar: SessionCalendar { days.calendar }
    /// Flatten everything at this local time each trade day (nil: never).
    public let flattenTime: LocalTime?

    /// The trade day and when it ends.
    @usableFromInline var days: TradeDayClock
    /// The current trade day (`TradeDate.dayNumber`), `Int64.min` before the first.
    public var tradeDay: Int64 { days.day }
    /// The flatten instant of the current day.
    @usableFromInline var flattenAt = Int64.max
    @usableFromInline var flattened = false
    /// The account at the end of each trade day.
    public private(set) var equity: [EquityPoint] = []

    /// Told of each event before the strategies receive it (a live runner's observers and halts).
    public var onEvent: ((BrokerEvent) -> Void)?
    /// When set, each strategy's bar call is timed and reported here (strategy, seconds).
    public var timeStrategyCalls: ((String, Double) -> Void)? {
        didSet { timed = timeStrategyCalls != nil }
    }
    /// Whether bar calls are timed: a flag, so the bar loop tests one byte instead of copying (and
    /// retaining) the optional closure per bar.
    @usableFromInline var timed = false

    @usableFromInline var batch: [BrokerEvent] = []

    /// The markets strategies read shared series from (`ReadsSeries`), by symbol. A backtest sets
    /// them over its whole series before `start()`; otherwise `start()` makes growing ones, and
    /// each finished bar (`barClosed`, `step`) extends its symbol's.
    public var markets: [String: MarketSeries] = [:]

    /// A session whose bar calls go to `driver`. `strategies` lists every strategy (`[driver]`, or
    /// the members of a `StrategyGroup` driver).
    public init(broker: B, driver: S, strategies: [any Strategy], calendar: SessionCalendar, flattenTime: LocalTime?) {
        precondition(!strategies.isEmpty, "a trading session needs a strategy")
        self.broker = broker
        self.driver = driver
        self.strategies = strategies
        self.labels = StrategyGroup.labels(of: strategies)
        // One strategy driving directly: events go straight to it. A group, even of one, routes.
        self.single = strategies.count == 1 && (driver as AnyObject) === (strategies[0] as AnyObject)
        self.strategyBroker = broker
        self.flattenTime = flattenTime
        days = TradeDayClock(calendar: calendar)
        batch.reserveCapacity(64)
        if let group = driver as? StrategyGroup {
            let labels = self.labels
            group.willCall = { [unowned broker] k in broker.currentStrategy = labels[k] }
        }
    }

    /// The first instant at which `clockReached` has anything to do (the day's end or its flatten
    /// time): a driver may skip the call for earlier times.
    @inlinable public var nextBoundary: Int64 { flattened ? days.dayEnds : min(days.dayEnds, flattenAt) }

    // MARK: Lifecycle

    /// Calls every strategy's `onStart`, then delivers what they caused.
    public func start() {
        for case let st as any ReadsSeries in strategies {
            for symbol in st.symbols { st.attach(market(symbol)) }
        }
        for (k, st) in strategies.enumerated() { broker.currentStrategy = labels[k]; st.onStart(broker: strategyBroker) }
        if single { broker.currentStrategy = labels[0] }
        deliver()
    }

    /// Ends the current trade day at `time` (the data ended): `onSessionClose`, an equity point.
    public func endOfData(at time: Timestamp) {
        if tradeDay != Int64.min { endDay(tradeDay, at: time) }
    }

    /// Calls every strategy's `onFinish`, then delivers what they caused.
    public func finish() {
        for (k, st) in strategies.enumerated() { broker.currentStrategy = labels[k]; st.onFinish(broker: strategyBroker) }
        if single { broker.currentStrategy = labels[0] }
        deliver()
    }

    /// The market of `symbol`: the one set, or a growing one made now.
    func market(_ symbol: String) -> MarketSeries {
        if let m = markets[symbol] { return m }
        let tick = broker.instrument(symbol)?.spec.tickSize ?? TickSize(units: 1, scale: 0)
        let m = MarketSeries(growing: BarSeries(symbol: symbol, timeframe: Timeframe(1, .minute), tickSize: tick))
        markets[symbol] = m
        return m
    }

    /// A finished bar of a growing market (live, paper, a bar-by-bar backtest) extends it.
    @inlinable
    func extendMarket(_ bar: Bar, _ symbol: String) {
        if !markets.isEmpty, let m = markets[symbol], m.isGrowing { m.append(bar) }
    }

    // MARK: Clock

    /// The market clock reached `t` (UTC seconds): rolls the trade day when `t` is in the open
    /// session of a new one, and flattens everything at the day's flatten time. Events of the
    /// roll are delivered; the flatten's events are left for the driver's next `deliver()` (in a
    /// backtest they reach the strategies after the bar at the flatten time has traded).
    public func clockReached(_ t: Int64) {
        let ended = days.day
        if let d = days.reach(t) { roll(to: d, from: ended, at: t) }
        if t >= flattenAt && !flattened {
            flattened = true
            broker.advanceClock(to: Timestamp(seconds: t))
            _ = broker.flatten(nil, reason: "eod")
        }
    }

    func roll(to d: Int64, from ended: Int64, at t: Int64) {
        if ended != Int64.min { endDay(ended, at: Timestamp(seconds: t)) }
        let td = TradeDate(dayNumber: d)
        broker.advanceClock(to: Timestamp(seconds: t))
        broker.beginTradeDay(d)
        flattened = false
        flattenAt = flattenTime.map { $0.instant(on: td).seconds } ?? Int64.max
        for (k, st) in strategies.enumerated() { broker.currentStrategy = labels[k]; st.onSessionOpen(td, broker: strategyBroker) }
        if single { broker.currentStrategy = labels[0] }
        deliver()
    }

    func endDay(_ day: Int64, at t: Timestamp) {
        let td = TradeDate(dayNumber: day)
        for (k, st) in strategies.enumerated() { broker.currentStrategy = labels[k]; st.onSessionClose(td, broker: strategyBroker) }
        if single { broker.currentStrategy = labels[0] }
        deliver()
        let a = broker.account
        equity.append(EquityPoint(time: t, tradeDate: td, balance: a.balance, equity: a.equity))
    }

    // MARK: Bars and events

    /// The bars at `indexes` of `symbol`, inside one stretch of the day (none of them at or after
    /// `nextBoundary`, except possibly the first, for which `clockReached` was called): each is
    /// traded by `trade` (true when the broker then has events), the events are delivered, the
    /// strategies get the finished bar, then the events they caused. This is the backtest's bar
    /// loop; the engine hands it its bar arrays (`bar(i)`, by the series' own index: an offset
    /// added per bar cost an overflow check and a spilled register, 9 % more instructions per
    /// bar by callgrind) and its exchange's step (`trade`).
    ///
    /// Always inlined into the driver's loop, where the broker's type is known: called as a
    /// generic function it reached the exchange through witness tables and the bars through
    /// closures, and the engine lost 23-30 % of its bars/s on the 1M-bar ES series
    /// (`scripts/bench.sh engine sma`, against the loop before the session). What the loop reads
    /// of the session is read once per stretch, not per bar.
    @inlinable @inline(__always)
    public func trade(_ indexes: Range<Int>, symbol: String, bar: (Int) -> Bar, trade: (Bar) -> Bool) {
        if timed || !single {
            for k in indexes {
                let b = bar(k)
                if trade(b) { deliver() }
                handBar(b, symbol: symbol)
            }
            return
        }
        let st = driver, strategyBroker = self.strategyBroker, broker = self.broker
        for k in indexes {
            let b = bar(k)
            if trade(b) { deliverToSingle() }
            st.onBar(b, symbol: symbol, broker: strategyBroker)
            if broker.hasEvents { deliverToSingle() }
        }
    }

    /// A bar finished (the broker's clock is at its close): the strategies' `onBar`, then the
    /// events they caused.
    @inlinable
    public func barClosed(_ bar: Bar, symbol: String) {
        extendMarket(bar, symbol)
        handBar(bar, symbol: symbol)
    }

    /// The strategies (their indexes in `strategies`) trading `symbol`, for a driver handing a
    /// portfolio's bars with `handBar(_:symbol:to:)`.
    public func strategyIndexes(trading symbol: String) -> [Int] {
        strategies.indices.filter { strategies[$0].symbols.contains(symbol) }
    }

    /// A finished bar of a market the driver holds whole (a backtest's portfolio), handed to the
    /// strategies at `indexes` (from `strategyIndexes(trading:)`), then the events they caused.
    /// Looking the strategies and the market up by symbol per bar cost a portfolio run most of
    /// its time (string hashing and compares; perf, `tsxlab-bench portfolio`).
    @inlinable
    public func handBar(_ bar: Bar, symbol: String, to indexes: [Int]) {
        if timed {
            timedBar(bar, symbol)
        } else if single {
            driver.onBar(bar, symbol: symbol, broker: strategyBroker)
        } else {
            for k in indexes {
                broker.currentStrategy = labels[k]
                strategies[k].onBar(bar, symbol: symbol, broker: strategyBroker)
            }
        }
        if broker.hasEvents { deliver() }
    }

    /// `barClosed` once the market holds the bar.
    @inlinable
    func handBar(_ bar: Bar, symbol: String) {
        if timed {
            timedBar(bar, symbol)
        } else {
            driver.onBar(bar, symbol: symbol, broker: strategyBroker)
        }
        if broker.hasEvents { deliver() }
    }

    @usableFromInline
    func timedBar(_ bar: Bar, _ symbol: String) {
        guard let timer = timeStrategyCalls else { return }
        for (k, st) in strategies.enumerated() where st.symbols.contains(symbol) {
            broker.currentStrategy = labels[k]
            let t0 = monotonicSeconds()
            st.onBar(bar, symbol: symbol, broker: strategyBroker)
            timer(labels[k], monotonicSeconds() - t0)
        }
        if single { broker.currentStrategy = labels[0] }
    }

    /// Hands the broker's events to the strategies, in order, until none is left.
    @inlinable
    public func deliver() {
        if single { deliverToSingle() } else { deliverRouted() }
    }

    /// `deliver()` with one strategy: each event is moved out of the batch (an event holds whole
    /// orders: a copy costs more than a strategy's reaction to it) and handed to the driver,
    /// whose type is known here, so its handler is called directly. Inlinable (specialised in the
    /// driver's module) but left to the compiler to inline: forced inline into the bar loop it made
    /// the engine's "bracket working" figure 2 % slower and "nothing working" 3 % slower than this
    /// (`scripts/bench.sh engine`, A/B on a quiet machine).
    @inlinable
    func deliverToSingle() {
        let st = driver
        while broker.hasEvents {
            broker.takeEvents(into: &batch)
            let observer = onEvent
            batch.withUnsafeMutableBufferPointer { events in
                guard let base = events.baseAddress else { return }
                for k in events.indices {
                    let e = (base + k).move()
                    // The slot gets a payload-free stand-in so the batch stays initialised and
                    // `removeAll` below clears it cheaply.
                    (base + k).initialize(to: vacated)
                    observer?(e)
                    st.onEvent(e, broker: strategyBroker)
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// `deliver()` with several strategies: an event about an order goes to the strategy that
    /// placed it (to all when the broker does not know, e.g. a venue's own liquidation); a
    /// position's change or a refused order to the strategies trading its symbol; the account's
    /// changes and rule breaches to every strategy.
    @usableFromInline
    func deliverRouted() {
        while broker.hasEvents {
            broker.takeEvents(into: &batch)
            for e in batch {
                onEvent?(e)
                if let id = e.orderID, let owner = broker.owner(of: id), let k = labels.firstIndex(of: owner) {
                    broker.currentStrategy = owner
                    strategies[k].onEvent(e, broker: strategyBroker)
                } else if let symbol = e.symbol, strategies.contains(where: { $0.symbols.contains(symbol) }) {
                    // A position or a refused order of one symbol: the strategies trading it.
                    for (k, st) in strategies.enumerated() where st.symbols.contains(symbol) {
                        broker.currentStrategy = labels[k]
                        st.onEvent(e, broker: strategyBroker)
                    }
                } else {
                    for (k, st) in strategies.enumerated() { broker.currentStrategy = labels[k]; st.onEvent(e, broker: strategyBroker) }
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}

/// What a delivered event's slot holds until the batch is cleared (no references inside).
@usableFromInline
let vacated = BrokerEvent.accountChanged(AccountSnapshot(
    balance: .zero, equity: .zero, dayStartBalance: .zero, maxLossLevel: nil, dailyLossRemaining: nil,
    maxLossRemaining: nil, lockedUntilNextDay: false, failed: false))

extension TradingSession where S == StrategyGroup {
    /// A session over several strategies on one account, called in the order given.
    public convenience init(broker: B, strategies: [any Strategy], calendar: SessionCalendar, flattenTime: LocalTime?) {
        self.init(broker: broker, driver: StrategyGroup(strategies), strategies: strategies, calendar: calendar, flattenTime: flattenTime)
    }
}

extension TradingSession {
    /// A session over one strategy.
    public convenience init(broker: B, strategy: S, calendar: SessionCalendar, flattenTime: LocalTime?) {
        self.init(broker: broker, driver: strategy, strategies: [strategy], calendar: calendar, flattenTime: flattenTime)
    }
}

/// Several strategies on one account, called in order for every bar of a symbol they trade; the
/// session names each to the broker before its call (order and trade attribution).
public final class StrategyGroup: Strategy {
    public let name = "group"
    public let members: [any Strategy]
    public let symbols: [String]
    /// Set by the session: names the member (by its index) about to be called to the broker.
    var willCall: (Int) -> Void = { _ in }
    /// The members trading the symbol of the last bar, found again only when the symbol changes
    /// (one string compare a bar, not each member's symbol list asked per bar).
    private var lastSymbol = ""
    private var trading: [Int] = []
    public init(_ members: [any Strategy]) {
        self.members = members
        var seen = Set<String>()
        symbols = members.flatMap(\.symbols).filter { seen.insert($0).inserted }
    }
    /// What each strategy's orders and trades are attributed to: its name when no other has it,
    /// else `name@SYMBOL` (one strategy configured on several symbols runs once per symbol).
    public static func labels(of strategies: [any Strategy]) -> [String] {
        strategies.map { st in
            strategies.filter { $0.name == st.name }.count == 1 ? st.name : st.name + "@" + st.symbols.joined(separator: "+")
        }
    }

    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        if symbol != lastSymbol {
            lastSymbol = symbol
            trading = members.indices.filter { members[$0].symbols.contains(symbol) }
        }
        for k in trading {
            willCall(k)
            members[k].onBar(bar, symbol: symbol, broker: broker)
        }
    }
}

/// A broker that fills orders itself against each finished bar: the simulated exchange, which
/// makes a paper runner and a bar-by-bar backtest.
public protocol BarTradingBroker: SessionBroker {
    /// Trades one finished bar of `symbol` (`length` seconds long) and moves the clock to its
    /// close; true when events are waiting.
    func trade(_ bar: Bar, symbol: String, length: Int64) -> Bool
}

extension TradingSession where B: BarTradingBroker {
    /// One finished bar, as the backtest's loop takes it: the clock at its open (day roll,
    /// flatten time), the broker trades it, the events, then the strategies' `onBar`.
    public func step(_ bar: Bar, symbol: String, length: Int64) {
        let t = bar.time.seconds
        if t >= nextBoundary { clockReached(t) }
        extendMarket(bar, symbol)
        trade(0..<1, symbol: symbol, bar: { _ in bar }, trade: { broker.trade($0, symbol: symbol, length: length) })
    }
}

extension BrokerEvent {
    /// The symbol of a position's change or a refused order (nil for the others: an order event
    /// goes to its owner, an account event to everyone).
    public var symbol: String? {
        switch self {
        case .positionChanged(let p): p.symbol
        case .orderRejected(let r, _): r.symbol
        default: nil
        }
    }

    /// The order an event concerns, if any.
    public var orderID: OrderID? {
        switch self {
        case .orderAccepted(let o), .orderWorking(let o), .orderModified(let o), .orderFilled(let o, _),
             .orderCancelled(let o, _), .orderExpired(let o): o.id
        case .orderRejected, .positionChanged, .accountChanged, .ruleBreached: nil
        }
    }
}
