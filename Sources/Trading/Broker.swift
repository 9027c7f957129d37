import Data

/// Why a command was refused. Every rejection carries one; the CLI and reports print it.
public enum RejectReason: Error, Hashable, Sendable, CustomStringConvertible {
    case offTickGrid(Price)
    case invalidQuantity(Int64)
    case sizeAboveLimit(requested: Double, limit: Double)
    case marketClosed(Timestamp)
    case unknownSymbol(String)
    case unknownOrder(OrderID)
    case orderNotWorking(OrderID, OrderStatus)
    case duplicateTag(ClientTag, existing: OrderID)
    case invalidBracket(String)
    case invalidPrice(String)
    case invalidModification(String)
    /// A prop-firm rule refused it (daily loss limit reached, account locked, …).
    case riskRule(RuleBreach.Rule, String)
    /// The live venue refused it (code and message as the gateway gave them).
    case venue(code: Int, message: String)
    /// In a portfolio of several timeframes: the symbol's bar that opened before now has not
    /// closed, so an order on it now could fill at prices from before it was placed.
    case barInProgress(symbol: String, closesAt: Timestamp)

    public var description: String {
        switch self {
        case .offTickGrid(let p): "price \(p.ticks) ticks is not on the contract's tick grid"
        case .invalidQuantity(let q): "quantity \(q) must be a positive whole number of contracts"
        case .sizeAboveLimit(let r, let l): "size would reach \(fmt(r)) mini-equivalents, above the limit of \(fmt(l))"
        case .marketClosed(let t): "market closed at \(t)"
        case .unknownSymbol(let s): "unknown symbol \(s)"
        case .unknownOrder(let id): "no order \(id)"
        case .orderNotWorking(let id, let st): "order \(id) is \(st)"
        case .duplicateTag(let tag, let id): "tag '\(tag)' already used by order \(id)"
        case .invalidBracket(let why): "invalid bracket: \(why)"
        case .invalidPrice(let why): "invalid price: \(why)"
        case .invalidModification(let why): "invalid modification: \(why)"
        case .riskRule(let rule, let why): "\(rule): \(why)"
        case .venue(let code, let msg): "gateway rejected (code \(code)): \(msg)"
        case .barInProgress(let symbol, let t): "\(symbol)'s bar closing at \(t) is still trading; orders on \(symbol) are taken from its close (place them on its own bars)"
        }
    }
}

private func fmt(_ v: Double) -> String {
    v == v.rounded() ? String(Int(v)) : String((v * 10).rounded() / 10)
}

/// A command's immediate answer: accepted for processing (what follows arrives as events), or a
/// typed rejection.
public enum CommandResult: Hashable, Sendable {
    case accepted(OrderID)
    case rejected(RejectReason)

    public var orderID: OrderID? { if case .accepted(let id) = self { id } else { nil } }
    public var rejection: RejectReason? { if case .rejected(let r) = self { r } else { nil } }
}

/// A prop-firm rule event.
public struct RuleBreach: Hashable, Sendable, CustomStringConvertible {
    public enum Rule: String, Hashable, Sendable, CustomStringConvertible {
        case dailyLossLimit = "daily loss limit"
        case maxLossLimit = "maximum loss limit"
        case positionLimit = "position limit"
        case consistency = "consistency"
        case endOfDay = "end-of-day flatten"
        case sizeReduced = "approaching daily loss limit"
        public var description: String { rawValue }
    }
    public var rule: Rule
    public var time: Timestamp
    /// Equity or day P&L at the breach, and the limit it met.
    public var value: Money
    public var limit: Money
    public var detail: String
    public init(rule: Rule, time: Timestamp, value: Money, limit: Money, detail: String) {
        self.rule = rule; self.time = time; self.value = value; self.limit = limit; self.detail = detail
    }
    public var description: String { "\(time) \(rule): \(detail)" }
}

/// The account as a broker reports it.
public struct AccountSnapshot: Hashable, Sendable {
    /// Realised balance, net of fees.
    public var balance: Money
    /// Balance plus unrealised P&L.
    public var equity: Money
    /// Balance at the start of the current trading day.
    public var dayStartBalance: Money
    /// The trailing maximum-loss level (equity at or below it ends the account).
    public var maxLossLevel: Money?
    /// Room left before the daily loss limit / the maximum loss limit (nil when not in force).
    public var dailyLossRemaining: Money?
    public var maxLossRemaining: Money?
    /// Trading refused until the next trading day (daily loss limit) or for good (maximum loss).
    public var lockedUntilNextDay: Bool
    public var failed: Bool
    public init(balance: Money, equity: Money, dayStartBalance: Money, maxLossLevel: Money?, dailyLossRemaining: Money?,
                maxLossRemaining: Money?, lockedUntilNextDay: Bool, failed: Bool) {
        self.balance = balance; self.equity = equity; self.dayStartBalance = dayStartBalance
        self.maxLossLevel = maxLossLevel; self.dailyLossRemaining = dailyLossRemaining
        self.maxLossRemaining = maxLossRemaining; self.lockedUntilNextDay = lockedUntilNextDay; self.failed = failed
    }
}

extension AccountSnapshot {
    /// The snapshot of an account with this balance and equity under `risk`'s limits (the simulated
    /// exchange and the live broker report it the same way).
    public init(balance: Money, equity: Money, risk: RiskState) {
        self.init(balance: balance, equity: equity, dayStartBalance: risk.dayStartBalance, maxLossLevel: risk.maxLossLevel,
                  dailyLossRemaining: risk.dailyLossLevel.map { equity - $0 }, maxLossRemaining: risk.maxLossLevel.map { equity - $0 },
                  lockedUntilNextDay: risk.lockedToday, failed: risk.failed)
    }
}

/// What happened, in the same shapes in backtest and live. Strategies receive these in order.
public enum BrokerEvent: Hashable, Sendable {
    case orderAccepted(Order)
    case orderRejected(OrderRequest, RejectReason)
    /// A suspended bracket exit became live because its entry filled.
    case orderWorking(Order)
    case orderModified(Order)
    /// A fill; the order's status says whether it is now filled or partially filled.
    case orderFilled(Order, Fill)
    case orderCancelled(Order, CancelReason)
    case orderExpired(Order)
    case positionChanged(Position)
    case accountChanged(AccountSnapshot)
    case ruleBreached(RuleBreach)
}

/// The one interface strategies trade through. Served by the simulated exchange in backtests
/// and sweeps and by the ProjectX client live.
///
/// Commands answer at once — accepted for processing or a typed rejection — and what happens next
/// arrives as `BrokerEvent`s. Reports rebuild state after a restart or reconnect. Calls are
/// synchronous so a backtest drives the broker in one loop on one core with no task hop; a live
/// implementation hands commands to its own actor and answers with local validation only.
public protocol Broker: AnyObject {
    /// The broker's clock: the current bar's close in a backtest, the wall clock live.
    var now: Timestamp { get }

    func place(_ request: OrderRequest) -> CommandResult
    func modify(_ id: OrderID, _ change: OrderChange) -> CommandResult
    func cancel(_ id: OrderID) -> CommandResult
    /// Cancels every working order of `symbol` (all symbols when nil) and closes the positions at
    /// market.
    func flatten(_ symbol: String?, reason: String) -> CommandResult

    // Reports.
    func order(_ id: OrderID) -> Order?
    func openOrders() -> [Order]
    func position(_ symbol: String) -> Position
    func positions() -> [Position]
    func fills(since: Timestamp) -> [Fill]
    /// The round trips closed so far, in the order they closed.
    var trades: [Trade] { get }
    var account: AccountSnapshot { get }
    /// The contract specification the broker trades a symbol with.
    func instrument(_ symbol: String) -> Instrument?

    // Events out.
    /// True when events are waiting to be taken.
    var hasEvents: Bool { get }
    /// Moves the events produced since the last call, in order, into `buffer` (which must be
    /// empty); the broker keeps `buffer`'s old storage for the next events, so a loop that takes
    /// events allocates nothing.
    func takeEvents(into buffer: inout [BrokerEvent])
}

extension Broker {
    /// The events produced since the last call, in order.
    public func takeEvents() -> [BrokerEvent] {
        var out: [BrokerEvent] = []
        takeEvents(into: &out)
        return out
    }
}

/// What the trading session drives besides the commands a strategy gives: the market clock, the
/// trade day, and whose calls the broker is serving. Strategies see only `Broker`.
public protocol SessionBroker: Broker {
    /// Moves the broker's clock forward to `t` (never back).
    func advanceClock(to t: Timestamp)
    /// Starts trade day `day` (a `TradeDate.dayNumber`): day orders of earlier days expire, the
    /// risk state rolls its day (start-of-day balance, high-water mark, daily lock). Idempotent.
    func beginTradeDay(_ day: Int64)
    /// The strategy whose calls are being served, for attributing orders and trades.
    var currentStrategy: String? { get set }
    /// The strategy that placed order `id`, when the broker knows it.
    func owner(of id: OrderID) -> String?
}

extension Broker {
    /// Places a stop-market entry with a bracket: the seed's `stop_bracket SYMBOL SIDE QTY ENTRY
    /// STOP TARGET`, prices in ticks.
    public func stopBracket(symbol: String, side: OrderSide, quantity: Int64, entry: Price, stop: Price, target: Price,
                            tag: ClientTag? = nil, ocoGroup: String? = nil) -> CommandResult {
        place(OrderRequest(symbol: symbol, side: side, quantity: quantity, kind: .stop(entry), tag: tag,
                           bracket: Bracket(stopLoss: .price(stop), takeProfit: .price(target)), ocoGroup: ocoGroup))
    }
}
