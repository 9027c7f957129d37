import Data
import Trading

/// One point of the equity curve: the account's equity when a trading day's session ended.
public struct EquityPoint: Hashable, Sendable {
    public var time: Timestamp
    public var tradeDate: TradeDate
    public var balance: Money
    public var equity: Money
}

/// Everything a backtest produced.
public struct BacktestResult: Sendable {
    public var trades: [Trade]
    public var fills: [Fill]
    public var orders: [Order]
    public var equity: [EquityPoint]
    public var breaches: [RuleBreach]
    public var rejections: [(OrderRequest, RejectReason)]
    /// Fills resolved exactly / by drill-down to finer bars / by the path model.
    public var resolution: (exact: Int, drillDown: Int, pathModel: Int)
    public var account: AccountSnapshot
    public var startingBalance: Money
    public var bars: Int
    public var seconds: Double

    public var netPnL: Money { account.balance - startingBalance }
}

/// Feeds bars to the simulated exchange and the strategies in time order.
///
/// For each bar: a new trading day starts when the bar belongs to one (day orders expire, the risk
/// state rolls, `onSessionClose`/`onSessionOpen` run); at the configured flatten time everything
/// is closed at that bar's open; the exchange trades the bar; the strategies receive the events
/// it produced, then the finished bar. A strategy therefore never sees a bar before its close,
/// and orders it places work from the next bar on.
public final class BacktestEngine {
    public let exchange: SimulatedExchange
    public let strategies: [any Strategy]
    /// Flatten everything at this local time each trading day (nil: never).
    public var flattenTime: LocalTime?
    /// Close open positions at the last bar's close when the data ends (reason `end`).
    public var closeAtEnd = true

    var equity: [EquityPoint] = []

    public init(exchange: SimulatedExchange, strategies: [any Strategy], flattenTime: LocalTime? = nil) {
        self.exchange = exchange
        self.strategies = strategies
        self.flattenTime = flattenTime ?? exchange.risk.rules.flattenTime
    }

    /// Runs over one series (the strategies' symbol) with optional finer bars for drill-down.
    public func run(_ series: BarSeries, finer: BarSeries? = nil) -> BacktestResult {
        // One strategy object drives the loop (several are fanned out by a wrapper); passing it as
        // a generic argument keeps it borrowed, so no reference count moves per bar.
        let driver: any Strategy = strategies.count == 1 ? strategies[0] : FanOut(strategies, exchange)
        return run(series, finer: finer, driver: driver)
    }

    /// The same run with the driving strategy's type known to the caller: the bar loop is then
    /// specialised for it (the strategy's bar call can be inlined). `driver` must be the engine's
    /// only strategy.
    public func run<S: Strategy>(_ series: BarSeries, finer: BarSeries? = nil, driver: S) -> BacktestResult {
        precondition(strategies.count > 1 || strategies.first === driver, "the driver must be the engine's strategy")
        let t0 = monotonicSeconds()
        guard let s = exchange.index(of: series.symbol) else {
            preconditionFailure("the exchange has no instrument \(series.symbol)")
        }
        let length = series.timeframe.fixedSeconds ?? 0
        exchange.setFinerBars(finer, symbol: series.symbol)
        for st in strategies { exchange.currentStrategy = st.name; st.onStart(broker: exchange) }
        if strategies.count == 1 { exchange.currentStrategy = strategies[0].name }
        drain()

        let n = series.count
        let day = barLoop(series, s, length, driver)
        if n > 0 {
            let last = series[n - 1]
            exchange.setClock(last.time)
            if closeAtEnd { exchange.closeAll(at: [s: last.close.ticks], reason: "end") }
            drain()
            endDay(day, at: last.time)
        }
        for st in strategies { exchange.currentStrategy = st.name; st.onFinish(broker: exchange) }
        drain()
        let rc = exchange.resolutionCounts
        return BacktestResult(
            trades: exchange.ledger.trades, fills: exchange.ledger.fills, orders: exchange.allOrders, equity: equity,
            breaches: exchange.risk.breaches, rejections: exchange.core.rejected,
            resolution: (rc[0], rc[1], rc[2]), account: exchange.account,
            startingBalance: exchange.ledger.startingBalance, bars: n, seconds: monotonicSeconds() - t0)
    }

    /// The bar loop; returns the last trade day it saw.
    func barLoop<S: Strategy>(_ series: BarSeries, _ s: Int, _ length: Int64, _ strategy: S) -> Int64 {
        let cal = exchange.config.calendar
        var day = Int64.min
        var dayEnds = Int64.min      // first instant after the current day's session
        var flattenAt = Int64.max
        var flattened = false
        let n = series.count
        // Plain local arrays and references: the loop touches no reference count per bar.
        let ex = exchange
        let broker: any Broker = ex
        let symbol = series.symbol
        let single = strategies.count == 1
        @inline(__always) func deliver() { if single { drain(to: strategy) } else { drain() } }
        // The bar arrays as raw buffers: no bounds check per field per bar (`i < n` holds).
        series.time.withUnsafeBufferPointer { time in
        series.open.withUnsafeBufferPointer { open in
        series.high.withUnsafeBufferPointer { high in
        series.low.withUnsafeBufferPointer { low in
        series.close.withUnsafeBufferPointer { close in
        series.volume.withUnsafeBufferPointer { volume in
        var i = 0
        while i < n {
            let t = time[i]
            if t >= dayEnds {
                let d = cal.tradeDayNumber(containing: t)
                if d != day {
                    if day != Int64.min { endDay(day, at: Timestamp(seconds: t)) }
                    day = d
                    let td = TradeDate(dayNumber: d)
                    ex.setClock(Timestamp(seconds: t))
                    ex.beginTradeDay(d)
                    flattened = false
                    flattenAt = flattenTime.map { $0.instant(on: td).seconds } ?? Int64.max
                    dayEnds = cal.session(for: td)?.close.seconds ?? (t + 1)
                    for st in strategies { ex.currentStrategy = st.name; st.onSessionOpen(td, broker: ex) }
                    drain()
                } else {
                    dayEnds = t + 1
                }
            }
            if t >= flattenAt && !flattened {
                flattened = true
                ex.setClock(Timestamp(seconds: t))
                _ = ex.flatten(nil, reason: "eod")
            }
            // The bars before the next boundary (the day's end, the flatten time) need neither
            // check: they are traded in a tight loop of their own. Bars are in time order, so the
            // stretch ends at the first bar at or after the boundary.
            let boundary = flattened ? dayEnds : min(dayEnds, flattenAt)
            var end = i + 1, hi = n
            while end < hi {
                let mid = (end + hi) >> 1
                if time[mid] < boundary { end = mid + 1 } else { hi = mid }
            }
            for j in i..<end {
                let bar = Bar(time[j], open[j], high[j], low[j], close[j], volume[j])
                if ex.step(bar, symbol: s, length: length) { deliver() }
                strategy.onBar(bar, symbol: symbol, broker: broker)
                if ex.hasEvents { deliver() }
            }
            i = end
        }
        }}}}}}
        return day
    }

    func endDay(_ day: Int64, at t: Timestamp) {
        let td = TradeDate(dayNumber: day)
        for st in strategies { exchange.currentStrategy = st.name; st.onSessionClose(td, broker: exchange) }
        drain()
        let a = exchange.account
        equity.append(EquityPoint(time: t, tradeDate: td, balance: a.balance, equity: a.equity))
    }

    /// Hands the exchange's events to every strategy, in order; events produced while a strategy
    /// reacts are delivered in the same pass.
    func drain() {
        if strategies.count == 1 { drain(to: strategies[0]); return }
        while exchange.hasEvents {
            swap(&exchange.core.events, &batch)
            for e in batch {
                for st in strategies { exchange.currentStrategy = st.name; st.onEvent(e, broker: exchange) }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// `drain()` for an engine with one strategy, specialised for its type when the caller knows
    /// it (the bar loop), so its event handler is called directly.
    func drain<S: Strategy>(to single: S) {
        let ex = exchange
        // Take the batch out of the exchange (events produced while the strategy reacts collect in
        // a fresh buffer and are delivered in the next pass), keeping both buffers' capacity.
        while ex.hasEvents {
            swap(&ex.core.events, &batch)
            // Each event is moved out of the batch (an event holds whole orders: a copy costs more
            // than a strategy's reaction to it); its slot gets a payload-free stand-in so the
            // batch stays fully initialised and `removeAll` below clears it cheaply.
            batch.withUnsafeMutableBufferPointer { events in
                guard let base = events.baseAddress else { return }
                for k in events.indices {
                    let e = (base + k).move()
                    (base + k).initialize(to: Self.vacated)
                    single.onEvent(e, broker: ex)
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
    private var batch: [BrokerEvent] = []
    /// What a delivered event's slot holds until the batch is cleared (no references inside).
    private static let vacated = BrokerEvent.accountChanged(AccountSnapshot(
        balance: .zero, equity: .zero, dayStartBalance: .zero, maxLossLevel: nil, dailyLossRemaining: nil,
        maxLossRemaining: nil, lockedUntilNextDay: false, failed: false))
}

/// Several strategies on one account, called in order for every bar.
final class FanOut: Strategy {
    let name = "fan-out"
    let members: [any Strategy]
    unowned let exchange: SimulatedExchange
    var symbols: [String] { members.flatMap(\.symbols) }
    init(_ members: [any Strategy], _ exchange: SimulatedExchange) { self.members = members; self.exchange = exchange }
    func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        for st in members {
            exchange.currentStrategy = st.name
            st.onBar(bar, symbol: symbol, broker: broker)
        }
    }
}
