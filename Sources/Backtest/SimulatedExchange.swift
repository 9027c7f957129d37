import Data
import Trading

/// The simulated exchange: a `Broker` that fills orders against bars the way a real market could
/// have — on the tick grid, at gap opens, with brackets and OCO, sessions, fees, slippage and the
/// prop-firm risk rules — deterministically.
///
/// The engine drives it synchronously: `beginTradeDay`, then `process(_:symbol:length:finer:)`
/// for each bar in time order, then drains `events`. The state lives in `ExchangeCore`, a value
/// type, so one bar is one exclusive access and the matching loops read plain data (no
/// reference counting, no hashing, no allocation when nothing trades).
public final class SimulatedExchange: BarTradingBroker {
    public var core: ExchangeCore

    public init(instruments: [Instrument], rules: RiskRules, config: ExchangeConfig = ExchangeConfig()) {
        core = ExchangeCore(instruments: instruments, rules: rules, config: config)
    }

    public var config: ExchangeConfig { core.config }
    public var now: Timestamp { core.now }
    public var ledger: Ledger { core.ledger }
    public var risk: RiskState { core.risk }
    /// Combine attempts so far (nil unless `ExchangeConfig.attempts`).
    public var attempts: CombineAttempts? { core.attempts }
    public var resolutionCounts: [Int] { core.resolutionCounts }
    public var allOrders: [Order] { core.orders }
    public var hasEvents: Bool { !core.events.isEmpty }
    public func takeEvents(into buffer: inout [BrokerEvent]) { swap(&core.events, &buffer) }
    public func owner(of id: OrderID) -> String? {
        let i = Int(id.raw) - 1
        return i >= 0 && i < core.strategyOfOrder.count ? core.strategyOfOrder[i] : nil
    }
    public var currentStrategy: String? {
        get { core.currentStrategy }
        set { core.currentStrategy = newValue }
    }

    public func index(of symbol: String) -> Int? { core.symbolIndex[symbol] }
    public func instrument(_ symbol: String) -> Instrument? { core.symbolIndex[symbol].map { core.instruments[$0] } }
    /// Sets the clock, also backwards (the end of data closes at the last bar's open time).
    public func setClock(_ t: Timestamp) { core.now = t }
    public func advanceClock(to t: Timestamp) { if t > core.now { core.now = t } }
    public func beginTradeDay(_ day: Int64) { core.beginTradeDay(day) }
    public func closeAll(at prices: [Int: Int64], reason: String) { core.closeAll(at: prices, reason: reason) }

    /// Trades one bar of the instrument at index `s`; `length` is the bar's duration in seconds.
    @inlinable
    public func process(_ bar: Bar, symbol s: Int, length: Int64) {
        core.process(bar, symbol: s, length: length)
    }

    /// Trades one bar, then moves the clock to its close; true when events are waiting.
    @inlinable @inline(__always)
    public func step(_ bar: Bar, symbol s: Int, length: Int64) -> Bool {
        core.step(bar, symbol: s, length: length)
    }

    /// A bar handed on its own (paper trading, a bar-by-bar backtest): traded, then every risk
    /// stop re-marked as a portfolio run does after each bar (nothing to do with one position).
    public func trade(_ bar: Bar, symbol: String, length: Int64) -> Bool {
        guard let s = core.index(of: symbol) else { preconditionFailure("the exchange has no instrument \(symbol)") }
        let events = core.step(bar, symbol: s, length: length)
        core.remarkRiskStops()
        return events || hasEvents
    }

    /// Trade prints of an instrument, for resolving coarse bars: the finest data there is.
    public func setPrints(_ prints: [TradePrint]?, symbol: String) {
        if let s = core.symbolIndex[symbol] { core.setPrints(prints, symbol: s) }
    }

    /// Finer bars of an instrument, for resolving coarse bars (drill-down).
    public func setFinerBars(_ bars: BarSeries?, symbol: String) {
        if let s = core.symbolIndex[symbol] { core.setFinerBars(bars, symbol: s) }
    }

    // Broker
    public func place(_ request: OrderRequest) -> CommandResult { core.place(request) }
    public func modify(_ id: OrderID, _ change: OrderChange) -> CommandResult { core.modify(id, change) }
    public func cancel(_ id: OrderID) -> CommandResult { core.cancel(id) }
    public func flatten(_ symbol: String?, reason: String) -> CommandResult { core.flatten(symbol, reason: reason) }
    public func order(_ id: OrderID) -> Order? { core.orderInPlace(id) }
    public func openOrders() -> [Order] { core.openOrders() }
    public func position(_ symbol: String) -> Position { core.ledger.position(symbol) }
    public func positions() -> [Position] { core.ledger.positions.values.filter { !$0.isFlat }.sorted { $0.symbol < $1.symbol } }
    public func fills(since: Timestamp) -> [Fill] { core.ledger.fills.filter { $0.time >= since } }
    public var trades: [Trade] { core.ledger.trades }
    public var account: AccountSnapshot { core.accountInPlace() }
}

/// A live order as the matching loops see it: plain values only.
@usableFromInline
struct LiveOrder: Sendable {
    @usableFromInline enum Kind: UInt8, Sendable { case market, limit, stop, stopLimit, trailing }
    @usableFromInline var index: Int
    @usableFromInline var symbol: Int
    /// +1 buy, −1 sell.
    @usableFromInline var sign: Int64
    @usableFromInline var kind: Kind
    /// Stop (stop, stop-limit) or limit price.
    @usableFromInline var stop: Int64 = 0
    @usableFromInline var limit: Int64 = 0
    @usableFromInline var trailDistance: Int64 = 0
    @usableFromInline var trail: Int64 = 0
    @usableFromInline var hasTrail = false
    @usableFromInline var triggered = false
    /// A limit the market already satisfied when it was placed or moved.
    @usableFromInline var marketable = false
    @usableFromInline var suspended: Bool
    @usableFromInline var reduceOnly: Bool
    @usableFromInline var isStopLoss: Bool
    @usableFromInline var isTakeProfit: Bool
    /// Interned OCO group, −1 for none.
    @usableFromInline var oco: Int32
    /// Index of the entry a bracket exit belongs to, −1 for none.
    @usableFromInline var parent: Int

    /// The price that makes it trade (nil for a market order or an unset trail).
    @inlinable var trigger: Int64? {
        switch kind {
        case .market: nil
        case .limit: limit
        case .stop: stop
        case .stopLimit: triggered ? limit : stop
        case .trailing: hasTrail ? trail : nil
        }
    }

    /// Whether it trades if the market prints `px` now.
    @inlinable func satisfied(at px: Int64) -> Bool {
        let buy = sign > 0
        switch kind {
        case .market: return true
        case .limit: return buy ? px <= limit : px >= limit
        case .stop: return buy ? px >= stop : px <= stop
        case .stopLimit:
            if triggered { return buy ? px <= limit : px >= limit }
            return buy ? px >= stop : px <= stop
        case .trailing: return hasTrail && (buy ? px >= trail : px <= trail)
        }
    }

    /// Stop-like orders take slippage; limits fill at their price or better.
    @inlinable var isStopLike: Bool {
        switch kind {
        case .market, .stop, .trailing: true
        case .stopLimit: !triggered
        case .limit: false
        }
    }
}
