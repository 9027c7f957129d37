import Data
import Trading

/// Everything a backtest produced.
public struct BacktestResult: Sendable {
    public var trades: [Trade]
    public var fills: [Fill]
    public var orders: [Order]
    public var equity: [EquityPoint]
    public var breaches: [RuleBreach]
    public var rejections: [(OrderRequest, RejectReason)]
    /// Fills resolved exactly / by drill-down to finer bars / by the path model.
    public var resolution: (exact: Int, drillDown: Int, pathModel: Int, prints: Int)
    public var account: AccountSnapshot
    public var startingBalance: Money
    public var bars: Int
    public var seconds: Double
    /// Combine attempts on history (`ExchangeConfig.attempts`), nil when off.
    public var attempts: CombineAttempts? = nil
    /// The fidelity audit (`ExchangeConfig.fidelityAudit`), nil when off.
    public var fidelity: FidelityAudit? = nil
    /// The levels a report's price chart draws (`BacktestEngine.recordChartLevels`): each working
    /// order's price over time, then the strategies' own levels. Empty when not recorded.
    public var chartLevels: [ChartLevel] = []

    public var netPnL: Money { account.balance - startingBalance }
}

/// Feeds bars to the simulated exchange and the strategies in time order, through the one
/// `TradingSession` every mode uses.
///
/// For each bar: the session rolls the trade day when the bar belongs to a new one (day orders
/// expire, the risk state rolls, `onSessionClose`/`onSessionOpen` run) and flattens everything at
/// the configured flatten time at that bar's open; the exchange trades the bar; the strategies
/// receive the events it produced, then the finished bar. A strategy therefore never sees a bar
/// before its close, and orders it places work from the next bar on.
public final class BacktestEngine {
    public let exchange: SimulatedExchange
    public let strategies: [any Strategy]
    /// Flatten everything at this local time each trading day (nil: never).
    public var flattenTime: LocalTime?
    /// Close open positions at the last bar's close when the data ends (reason `end`).
    public var closeAtEnd = true
    /// Record the levels of working orders (with every modification and trailing move) and the
    /// strategies' own levels for a report's chart. Off in sweeps: a stored run turns it on.
    public var recordChartLevels = false

    public init(exchange: SimulatedExchange, strategies: [any Strategy], flattenTime: LocalTime? = nil) {
        self.exchange = exchange
        self.strategies = strategies
        self.flattenTime = flattenTime ?? exchange.risk.rules.flattenTime
    }

    /// The session the engine's bars go through; several strategies are driven as a group.
    func session() -> TradingSession<SimulatedExchange, StrategyGroup> {
        TradingSession(broker: exchange, strategies: strategies, calendar: exchange.config.calendar, flattenTime: flattenTime)
    }

    func session<S: Strategy>(driver: S) -> TradingSession<SimulatedExchange, S> {
        TradingSession(broker: exchange, strategy: driver, calendar: exchange.config.calendar, flattenTime: flattenTime)
    }

    /// Runs over one series (the strategies' symbol) with optional finer bars and trade prints
    /// for drill-down (prints first where they cover a bar).
    public func run(_ series: BarSeries, finer: BarSeries? = nil, prints: [TradePrint]? = nil) -> BacktestResult {
        // One strategy: the loop is specialised for its dynamic type (the existential is opened).
        if strategies.count == 1 { return run(series, finer: finer, prints: prints, driver: strategies[0]) }
        return run(series, finer: finer, prints: prints, session: session())
    }

    /// The same run with the driving strategy's type known to the caller: the bar loop is then
    /// specialised for it (the strategy's bar call can be inlined). `driver` must be the engine's
    /// only strategy.
    public func run<S: Strategy>(_ series: BarSeries, finer: BarSeries? = nil, prints: [TradePrint]? = nil, driver: S) -> BacktestResult {
        precondition(strategies.count == 1 && strategies.first === driver, "the driver must be the engine's strategy")
        return run(series, finer: finer, prints: prints, session: session(driver: driver))
    }

    func run<S: Strategy>(_ series: BarSeries, finer: BarSeries?, prints: [TradePrint]? = nil, session: TradingSession<SimulatedExchange, S>) -> BacktestResult {
        let t0 = monotonicSeconds()
        guard let s = exchange.index(of: series.symbol) else {
            preconditionFailure("the exchange has no instrument \(series.symbol)")
        }
        let length = series.timeframe.fixedSeconds ?? 0
        exchange.setFinerBars(finer, symbol: series.symbol)
        exchange.setPrints(prints, symbol: series.symbol)
        let journal = recordChartLevels ? OrderLevelJournal() : nil
        if let journal {
            // Trailing moves happen while a bar trades, before that bar's events are delivered.
            exchange.core.trailMoves = []
            session.onEvent = { [unowned exchange] e in
                Self.drainTrailMoves(exchange, into: journal)
                journal.note(e)
            }
        }
        session.start()

        let n = series.count
        barLoop(series, s, length, session)
        if n > 0 {
            let last = series[n - 1]
            exchange.setClock(last.time)
            if closeAtEnd { exchange.closeAll(at: [s: last.close.ticks], reason: "end") }
            session.deliver()
            session.endOfData(at: last.time)
            exchange.core.finishAttempts()
        }
        session.finish()
        var levels: [ChartLevel] = []
        if let journal {
            Self.drainTrailMoves(exchange, into: journal)
            levels = journal.finish(at: n > 0 ? series[n - 1].time : exchange.now)
            for case let s as any DrawsChartLevels in strategies { levels += s.chartLevels }
        }
        let rc = exchange.resolutionCounts
        return BacktestResult(
            trades: exchange.ledger.trades, fills: exchange.ledger.fills, orders: exchange.allOrders, equity: session.equity,
            breaches: exchange.risk.breaches, rejections: exchange.core.rejected,
            resolution: (rc[0], rc[1], rc[2], rc[3]), account: exchange.account,
            startingBalance: exchange.ledger.startingBalance, bars: n, seconds: monotonicSeconds() - t0,
            attempts: exchange.attempts, fidelity: exchange.core.audit, chartLevels: levels)
    }

    static func drainTrailMoves(_ exchange: SimulatedExchange, into journal: OrderLevelJournal) {
        guard let moves = exchange.core.trailMoves, !moves.isEmpty else { return }
        for m in moves { journal.trailMoved(m.order, to: m.level, at: m.time) }
        exchange.core.trailMoves = []
    }

    /// The bar loop: the exchange trades each bar, the session does the rest.
    func barLoop<S: Strategy>(_ series: BarSeries, _ s: Int, _ length: Int64, _ session: TradingSession<SimulatedExchange, S>) {
        let n = series.count
        let ex = exchange
        let symbol = series.symbol
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
            if t >= session.nextBoundary { session.clockReached(t) }
            // The bars before the next boundary (the day's end, the flatten time) need no clock
            // check: they are traded in a tight loop of their own. Bars are in time order, so the
            // stretch ends at the first bar at or after the boundary.
            let boundary = session.nextBoundary
            var end = i + 1, hi = n
            while end < hi {
                let mid = (end + hi) >> 1
                if time[mid] < boundary { end = mid + 1 } else { hi = mid }
            }
            session.trade(i..<end, symbol: symbol,
                          bar: { k in Bar(time[k], open[k], high[k], low[k], close[k], volume[k]) },
                          trade: { ex.step($0, symbol: s, length: length) })
            i = end
        }
        }}}}}}
    }
}
