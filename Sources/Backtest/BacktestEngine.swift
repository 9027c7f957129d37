import CPrefetch
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
    /// Jump over bars where nothing can happen when the strategy says what it is waiting for
    /// (`DeclaresWake`): no order or risk stop reachable, none of its wake conditions true. The
    /// results are the same either way; off, every bar is handed to the strategy.
    public var skipQuietBars = true
    /// The shared series of the run's bars (a sweep hands every configuration the same book); nil,
    /// or a book over other bars, makes one for the run.
    public var seriesBook: SeriesBook?

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

    /// Runs over several series on the one account (a portfolio): their bars are traded in time
    /// order of their closes, bars closing together in the order of `portfolio`; each symbol fills on its own
    /// instrument's tick grid with its own fees, and the account's rules apply to all of them
    /// together. A strategy is handed the bars of the symbols it lists (`Strategy.symbols`).
    /// The series may differ in timeframe (see `portfolioLoop`). One series is `run(_:)`.
    public func run(portfolio: [BarSeries]) -> BacktestResult {
        precondition(!portfolio.isEmpty, "a run needs a series")
        if portfolio.count == 1 { return run(portfolio[0]) }
        precondition(Set(portfolio.map(\.symbol)).count == portfolio.count, "each symbol once")
        if strategies.count == 1 { return run(portfolio: portfolio, driver: strategies[0]) }
        return run(portfolio, finer: nil, prints: nil, session: session())
    }

    func run<S: Strategy>(portfolio: [BarSeries], driver: S) -> BacktestResult {
        run(portfolio, finer: nil, prints: nil, session: session(driver: driver))
    }

    func run<S: Strategy>(_ series: BarSeries, finer: BarSeries?, prints: [TradePrint]? = nil, session: TradingSession<SimulatedExchange, S>) -> BacktestResult {
        run([series], finer: finer, prints: prints, session: session)
    }

    func run<S: Strategy>(_ portfolio: [BarSeries], finer: BarSeries?, prints: [TradePrint]?, session: TradingSession<SimulatedExchange, S>) -> BacktestResult {
        let t0 = monotonicSeconds()
        let symbolIndexes = portfolio.map { series in
            guard let s = exchange.index(of: series.symbol) else { preconditionFailure("the exchange has no instrument \(series.symbol)") }
            return s
        }
        if portfolio.count == 1 {
            exchange.setFinerBars(finer, symbol: portfolio[0].symbol)
            exchange.setPrints(prints, symbol: portfolio[0].symbol)
        }
        let journal = recordChartLevels ? OrderLevelJournal() : nil
        if let journal {
            // Trailing moves happen while a bar trades, before that bar's events are delivered.
            exchange.core.trailMoves = []
            session.onEvent = { [unowned exchange] e in
                Self.drainTrailMoves(exchange, into: journal)
                journal.note(e)
            }
        }
        // Strategies reading shared series get the run's markets (whole series; the bar loop
        // moves their index); the others never see them.
        var markets: [MarketSeries?] = portfolio.map { _ in nil }
        if strategies.contains(where: { $0 is any ReadsSeries }) {
            for (k, series) in portfolio.enumerated() {
                let m = MarketSeries(book: book(for: series))
                markets[k] = m
                session.markets[series.symbol] = m
            }
        }
        session.start()

        if portfolio.count > 1 {
            portfolioLoop(portfolio, symbolIndexes, session, markets)
        } else {
            let series = portfolio[0], s = symbolIndexes[0]
            let length = series.timeframe.fixedSeconds ?? 0
            if skipQuietBars, strategies.count == 1, session.timeStrategyCalls == nil, let waking = strategies[0] as? any DeclaresWake {
                let cursor = markets[0] ?? MarketSeries(growing: BarSeries(symbol: series.symbol, timeframe: series.timeframe, tickSize: series.tickSize))
                skippingBarLoop(series, s, length, session, cursor, waking)
            } else {
                barLoop(series, s, length, session, markets[0])
            }
        }
        // The data ends at the latest last bar; each symbol closes at its own last close.
        var lastTime: Timestamp?
        var closes: [Int: Int64] = [:]
        for (k, series) in portfolio.enumerated() where !series.isEmpty {
            let last = series[series.count - 1]
            closes[symbolIndexes[k]] = last.close.ticks
            if lastTime.map({ last.time > $0 }) ?? true { lastTime = last.time }
        }
        if let lastTime {
            exchange.setClock(lastTime)
            if closeAtEnd { exchange.closeAll(at: closes, reason: "end") }
            session.deliver()
            session.endOfData(at: lastTime)
            exchange.core.finishAttempts()
        }
        session.finish()
        var levels: [ChartLevel] = []
        if let journal {
            Self.drainTrailMoves(exchange, into: journal)
            levels = journal.finish(at: lastTime ?? exchange.now)
            for case let s as any DrawsChartLevels in strategies { levels += s.chartLevels }
        }
        let rc = exchange.resolutionCounts
        return BacktestResult(
            trades: exchange.ledger.trades, fills: exchange.ledger.fills, orders: exchange.allOrders, equity: session.equity,
            breaches: exchange.risk.breaches, rejections: exchange.core.rejected,
            resolution: (rc[0], rc[1], rc[2], rc[3]), account: exchange.account,
            startingBalance: exchange.ledger.startingBalance, bars: portfolio.reduce(0) { $0 + $1.count }, seconds: monotonicSeconds() - t0,
            attempts: exchange.attempts, fidelity: exchange.core.audit, chartLevels: levels)
    }

    /// The bar loop of a portfolio, one time at a time: the bars that close next (of every series
    /// whose next bar closes then) are traded by the exchange, each from its open and in the
    /// order the series are listed, and their events delivered; then each is handed to the
    /// strategies trading its symbol (a symbol none trades is only traded, for its fills and
    /// marks). Orders given then work from the next bars on, as in a run of one series. After
    /// each bar, every symbol's risk stop follows the account's equity across positions.
    ///
    /// With several timeframes, a coarser bar closes after finer ones that opened later: commands
    /// on its symbol are refused until it has traded (`ExchangeCore.barInProgress`), so nothing
    /// fills at a price from before it was asked for.
    func portfolioLoop<S: Strategy>(_ portfolio: [BarSeries], _ symbolIndexes: [Int], _ session: TradingSession<SimulatedExchange, S>,
                                    _ markets: [MarketSeries?]) {
        let ex = exchange
        let count = portfolio.count
        let lengths = portfolio.map { $0.timeframe.fixedSeconds ?? 0 }
        let times = portfolio.map(\.time), counts = portfolio.map(\.count), symbols = portfolio.map(\.symbol)
        // The strategies each symbol's bars go to, found once.
        let trading = symbols.map { session.strategyIndexes(trading: $0) }
        let mixed = Set(lengths).count > 1
        if mixed { ex.core.nextBars = Array(repeating: (Int64.max, Int64.max), count: ex.core.instruments.count) }
        var next = [Int](repeating: 0, count: count)
        // Each series' next bar's open and close (`Int64.max` once it has none): the scan for
        // the next close reads these alone; with several timeframes the exchange is told them.
        var nextOpen = [Int64](repeating: Int64.max, count: count), nextClose = nextOpen
        func advance(_ k: Int) {
            let i = next[k]
            if i < counts[k] { nextOpen[k] = times[k][i]; nextClose[k] = times[k][i] &+ lengths[k] } else { nextOpen[k] = Int64.max; nextClose[k] = Int64.max }
            if mixed { ex.core.nextBars![symbolIndexes[k]] = (nextOpen[k], nextClose[k]) }
        }
        for k in 0..<count { advance(k) }
        var slice: [Int] = []
        slice.reserveCapacity(count)
        while true {
            // The next close, and the series whose next bar closes then, in the listed order.
            var closing = Int64.max
            for k in 0..<count where nextClose[k] < closing { closing = nextClose[k] }
            guard closing != Int64.max else { break }
            slice.removeAll(keepingCapacity: true)
            var latestOpen = Int64.min
            for k in 0..<count where nextClose[k] == closing { slice.append(k); latestOpen = max(latestOpen, nextOpen[k]) }
            if latestOpen >= session.nextBoundary { session.clockReached(latestOpen) }
            var traded = false
            for k in slice {
                let bar = portfolio[k][next[k]]
                // Each bar trades from its open, as in a run of its series alone: its fills are
                // stamped inside it.
                ex.setClock(bar.time)
                if ex.step(bar, symbol: symbolIndexes[k], length: lengths[k]) { traded = true }
                ex.core.remarkRiskStops()
            }
            if traded { session.deliver() }
            for k in slice {
                let i = next[k]
                next[k] = i + 1
                advance(k)
                guard !trading[k].isEmpty else { continue }
                markets[k]?.index = i
                session.handBar(portfolio[k][i], symbol: symbols[k], to: trading[k])
            }
        }
    }

    static func drainTrailMoves(_ exchange: SimulatedExchange, into journal: OrderLevelJournal) {
        guard let moves = exchange.core.trailMoves, !moves.isEmpty else { return }
        for m in moves { journal.trailMoved(m.order, to: m.level, at: m.time) }
        exchange.core.trailMoves = []
    }

    /// The shared-series book for `series`: the engine's when it is over these bars.
    func book(for series: BarSeries) -> SeriesBook {
        if let b = seriesBook, b.bars.count == series.count, b.bars.symbol == series.symbol,
           b.bars.time.first == series.time.first, b.bars.time.last == series.time.last {
            return b
        }
        return SeriesBook(bars: series)
    }

    /// The bar loop: the exchange trades each bar, the session does the rest.
    func barLoop<S: Strategy>(_ series: BarSeries, _ s: Int, _ length: Int64, _ session: TradingSession<SimulatedExchange, S>,
                              _ market: MarketSeries?) {
        let n = series.count
        let ex = exchange
        let symbol = series.symbol
        // The bar arrays as raw buffers: no bounds check per field per bar (`i < n` holds).
        series.withColumns { bars in
        let time = bars.time
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
            if let market {
                session.trade(i..<end, symbol: symbol,
                              bar: { k in market.index = k; return bars[k] },
                              trade: { ex.step($0, symbol: s, length: length) })
            } else {
                // No strategy reads the market: its index is not kept (a store a bar cost the
                // "nothing working" figure of `tsxlab-bench engine` 10 %).
                session.trade(i..<end, symbol: symbol,
                              bar: { k in bars[k] },
                              trade: { ex.step($0, symbol: s, length: length) })
            }
            i = end
        }
        }
    }

    /// The bar loop for a strategy that says what it is waiting for: within each stretch of the
    /// day, bars on which the exchange can fill nothing (no working order's price, no risk stop
    /// reached: its reach band) and none of the strategy's wake conditions holds pass in a scan
    /// of the bar arrays, marking only the last price and the open trade's excursion as the
    /// exchange does for a quiet bar; the other bars go through the session one at a time, as in
    /// `barLoop`. The strategy is asked again what it waits for after each bar it was handed.
    func skippingBarLoop<S: Strategy>(_ series: BarSeries, _ s: Int, _ length: Int64, _ session: TradingSession<SimulatedExchange, S>,
                                      _ market: MarketSeries, _ waking: any DeclaresWake) {
        let n = series.count
        let ex = exchange
        let symbol = series.symbol
        series.withColumns { bars in
        let time = bars.time, open = bars.open, high = bars.high, low = bars.low, close = bars.close
        // The first index in `from..<to` whose bar starts at or after `t`. Bars start at least
        // `length` apart, so the answer is at most the probe `from + ⌈(t − time[from]) / length⌉`
        // (or `to`, when that lies beyond): on unbroken bars it is exactly the probe, found with
        // two reads; past a session break or a gap it lies a little before it, found by galloping
        // back. With no fixed length (or bars closer than it), galloping forward from `from`.
        // Each ends with a binary search of the last stride. Galloping forward read enough
        // scattered times to be a fifth of the skipping loop's time in the overnight-range sweep,
        // and, when the answer was `to`, still a tenth (perf annotate, `tsxlab-bench sweep`).
        // A jump lands on a bar far from the last one read: its columns (and the close before
        // it) are asked for together when the probe is computed, so their cache misses overlap
        // instead of following one another (the probe's time, then the close, then the bar). The
        // landing's loads were about half the skipping loop's own time in a six-year overnight-
        // range search; the hint made a 1,500-configuration search 3 % faster (four runs in turn,
        // median wall 18.1 s against 18.7 s).
        @inline(__always) func prefetchBar(_ c: Int) {
            tsx_prefetch(time.baseAddress! + c); tsx_prefetch(open.baseAddress! + c); tsx_prefetch(high.baseAddress! + c)
            tsx_prefetch(low.baseAddress! + c); tsx_prefetch(close.baseAddress! + (c &- 1)); tsx_prefetch(bars.volume.baseAddress! + c)
        }
        func firstAtOrAfter(_ t: Int64, _ from: Int, _ to: Int) -> Int {
            guard from < to, time[from] < t else { return from }
            var lo = from &+ 1, hi = to
            if length > 0 {
                let span = (t &- time[from] &+ length &- 1) / length
                let c = span < Int64(to &- from) ? from &+ Int(span) : to
                if c < to { prefetchBar(c) }
                if c == to || time[c] >= t {
                    if time[c &- 1] < t { return c }
                    hi = c &- 1
                    var step = 1
                    while hi &- step >= lo {
                        let p = hi &- step
                        if time[p] < t { lo = p &+ 1; break }
                        hi = p
                        step &<<= 1
                    }
                    while lo < hi {
                        let mid = (lo &+ hi) >> 1
                        if time[mid] < t { lo = mid &+ 1 } else { hi = mid }
                    }
                    return lo
                }
                lo = c &+ 1
            }
            var step = 1
            while lo &+ step < hi && time[lo &+ step] < t { lo &+= step &+ 1; step &<<= 1 }
            hi = min(hi, lo &+ step)
            while lo < hi {
                let mid = (lo + hi) >> 1
                if time[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        var i = 0
        while i < n {
            let t = time[i]
            if t >= session.nextBoundary { session.clockReached(t) }
            let end = firstAtOrAfter(session.nextBoundary, i + 1, n)
            var k = i
            while k < end {
                let wake = waking.waitingFor
                // Events still waiting (the flatten's at a boundary) are delivered with a traded bar.
                if !wake.everyBar && !ex.hasEvents {
                    // How far the strategy can sleep: its next wake by time or by a series' sign.
                    var limit = end
                    if wake.closeAtOrAfter != Int64.max { limit = firstAtOrAfter(wake.closeAtOrAfter &- length, k, limit) }
                    for v in wake.signChanges { limit = v.firstSignChange(from: k, to: limit) }
                    // Where the exchange and the strategy's price conditions allow bars to pass.
                    let band = ex.core.quietBand(s, at: time[k])
                    if band.until != Int64.max { limit = firstAtOrAfter(band.until, k, limit) }
                    let down = max(band.down, wake.lowAtOrBelow), up = min(band.up, wake.highAtOrAbove)
                    // The bars' highest high and lowest low come with the scan: the open trade's
                    // excursion, when a position is held.
                    var highest = Int64.min, lowest = Int64.max
                    let j: Int
                    if down == Int64.min && up == Int64.max && !ex.core.holdsPosition(s) {
                        // Nothing can leave an open band and no excursion is kept: the bars need
                        // not be read. The overnight range waits so from the session's open to
                        // the cash open; scanning those bars anyway was half the skipping loop's
                        // own time in the overnight-range sweep (perf annotate).
                        j = limit
                    } else {
                        j = Self.firstLeaving(low, high, down: down, up: up, from: k, to: limit, highest: &highest, lowest: &lowest)
                    }
                    if j > k {
                        ex.core.passQuietly(s, close: close[j - 1], high: highest, low: lowest, now: time[j - 1] &+ length)
                        k = j
                        if k == end { break }
                    }
                }
                session.trade(k..<(k + 1), symbol: symbol,
                              bar: { k in market.index = k; return bars[k] },
                              trade: { ex.step($0, symbol: s, length: length) })
                k += 1
            }
            i = end
        }
        }
    }

    /// The first index in `from..<to` whose bar reaches `down` or below or `up` or above, or `to`;
    /// `highest` and `lowest` take in the bars before it. Four bars a branch while none leaves
    /// (most bars of a skip): the compares are combined without short-circuiting. A loop with a
    /// branch per bar took a quarter of the overnight-range grid's time with shared series (perf,
    /// `tsxlab-bench sweep`); 64-bit SIMD compares are emulated on baseline x86-64 and were no
    /// faster. The extremes are kept in the same pass: a second pass over the bars passed, for a
    /// held position's excursion, read the columns twice.
    @inline(__always)
    static func firstLeaving(_ low: UnsafeBufferPointer<Int64>, _ high: UnsafeBufferPointer<Int64>, down: Int64, up: Int64,
                             from: Int, to: Int, highest: inout Int64, lowest: inout Int64) -> Int {
        var j = from, most = highest, least = lowest
        while j &+ 4 <= to {
            // 1 where a bar leaves the band: a flag, not a branch.
            @inline(__always) func leaves(_ m: Int) -> UInt8 { (low[m] <= down ? 1 : 0) | (high[m] >= up ? 1 : 0) }
            if (leaves(j) | leaves(j &+ 1)) | (leaves(j &+ 2) | leaves(j &+ 3)) != 0 { break }
            most = max(most, max(max(high[j], high[j &+ 1]), max(high[j &+ 2], high[j &+ 3])))
            least = min(least, min(min(low[j], low[j &+ 1]), min(low[j &+ 2], low[j &+ 3])))
            j &+= 4
        }
        while j < to && low[j] > down && high[j] < up { most = max(most, high[j]); least = min(least, low[j]); j &+= 1 }
        highest = most; lowest = least
        return j
    }
}
