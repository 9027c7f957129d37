import Data
import Trading

/// The simulated exchange's state and rules, as a value type (see `SimulatedExchange`).
///
/// Several helpers that only read (`index(of:)`, `last(_:)`, `validatePrices`, `referencePrice`,
/// the `GatedAccount` answers, `touchableCount`, `nextAtPrice`, `siblingStopReached`,
/// `earliestTouch`, `exhausted`) are declared `mutating`: the commands and the matching loops that
/// call them are mutating, and a non-mutating call from there is handed a copy of the whole core
/// (several hundred bytes) each time, a dozen copies a trade.
public struct ExchangeCore: Sendable {
    public internal(set) var config: ExchangeConfig
    public var now: Timestamp = Timestamp(seconds: 0)
    /// Each symbol's next bar to trade in a portfolio of several timeframes (see `barInProgress`).
    public var nextBars: [(open: Int64, close: Int64)]?

    @usableFromInline let instruments: [Instrument]
    /// Per instrument: the tick value in cents and the fee per contract per side, read per fill
    /// without copying the instrument's specification.
    let tickCents: [Int64]
    let feePerSide: [Money]
    let symbolIndex: [String: Int]

    /// Every order ever placed: `orders[id − 1]`.
    public internal(set) var orders: [Order] = []
    /// Live orders of every symbol, in placement order, as plain values for matching (one flat
    /// array: a handful of entries, scanned without touching reference counts).
    @usableFromInline var book: [LiveOrder] = []
    /// Per order (parallel to `orders`): its bracket exits, and the strategy that placed it.
    var children: [BracketChildren] = []
    var strategyOfOrder: [String?] = []
    var tags: [ClientTag: OrderID] = [:]
    /// Numbers every OCO group (bracket groups too); see `newOrder` for named groups.
    var ocoCount: Int32 = 0

    /// Per-symbol state for the hot path, one struct per instrument (one bounds check and one
    /// cache line per bar).
    @usableFromInline var sym: [SymbolState]
    /// Finer bars per symbol for drill-down (set before a run).
    var finer: [FinerBars?]
    var prints: [FinerPrints?]
    /// A stretch of time known to be inside an open session (avoids a calendar look-up per bar);
    /// all time when sessions are not enforced, so a quiet bar tests the stretch alone.
    @usableFromInline var openFrom = Int64.max
    @usableFromInline var openUntil = Int64.min
    /// The last close of instrument `closeSymbol` (−1: none), not yet in `sym[closeSymbol].lastPrice`
    /// (see `noteClose`).
    @usableFromInline var closeSymbol = -1
    @usableFromInline var pendingClose: Int64 = 0
    /// The highest high and lowest low of `closeSymbol`'s quiet bars while a position is open, not
    /// yet in its open trade's excursion (`SymbolState.excHigh`/`excLow`; see `passesQuietly`).
    @usableFromInline var pendingHigh = Int64.min
    @usableFromInline var pendingLow = Int64.max

    public internal(set) var ledger: Ledger
    public internal(set) var risk: RiskState
    /// Combine attempts on history (`ExchangeConfig.attempts`): nil when off.
    public internal(set) var attempts: CombineAttempts?
    /// Fills at the current trade day's start (a day with more fills was a trading day).
    var fillsAtDayStart = 0
    public internal(set) var tradeDay: Int64 = Int64.min
    /// The close of the current trade day's session (UTC seconds; `Int64.min` when the day has no
    /// session, so no time is before it), looked up at the day's first order; nil until then.
    var tradeDayCloses: Int64?
    /// The trade date an order placed now belongs to (`SessionCalendar.orderTradeDay`), with the
    /// current day's close looked up once a day: per order it was 1 % of the engine's
    /// instructions with a bracket working (callgrind, `tsxlab-bench engine`).
    mutating func tradeDayNow() -> Int64 {
        guard tradeDay != Int64.min else { return config.calendar.orderTradeDay(at: now.seconds, current: tradeDay) }
        let close: Int64
        if let known = tradeDayCloses {
            close = known
        } else {
            close = config.calendar.sessionClose(tradeDay) ?? Int64.min
            tradeDayCloses = close
        }
        return config.calendar.orderTradeDay(at: now.seconds, current: tradeDay, closing: close)
    }

    public var events: [BrokerEvent] = []
    /// Every refused command of the run, in order (also delivered as `.orderRejected`).
    public internal(set) var rejected: [(OrderRequest, RejectReason)] = []
    /// Fills by how their place in the bar was decided: exact, drill-down, path model.
    public internal(set) var resolutionCounts: [Int] = [0, 0, 0, 0]
    /// Trade prints walked to decide bars (drill-down to prints), and the bars they decided.
    public internal(set) var printsWalked = 0
    public internal(set) var barsDecidedByPrints = 0
    /// The fidelity audit (`ExchangeConfig.fidelityAudit`): nil when off.
    public internal(set) var audit: FidelityAudit?
    public var currentStrategy: String?
    /// Every move of a trailing stop (order, new level, time), for a report's chart: nil when not
    /// recorded (`SimulatedExchange.recordTrailMoves()`). A venue moves trailing stops without an event.
    public internal(set) var trailMoves: [(order: OrderID, level: Int64, time: Timestamp)]?

    // The bar being simulated.
    var barLow: Int64 = 0
    var barHigh: Int64 = 0
    var barResolution: FillResolution = .exact
    var barVolume: Int64 = 0
    var barFills: [(order: Int, quantity: Int64)] = []
    /// Set while closing positions outright (risk breach, end of data): no volume cap applies.
    var closingOut = false

    public init(instruments: [Instrument], rules: RiskRules, config: ExchangeConfig) {
        self.config = config
        self.instruments = instruments
        tickCents = instruments.map(\.tickValueCents)
        feePerSide = instruments.map(\.feePerSide)
        var idx: [String: Int] = [:]
        for (i, ins) in instruments.enumerated() { idx[ins.symbol] = i }
        symbolIndex = idx
        let n = instruments.count
        sym = Array(repeating: SymbolState(), count: n)
        finer = Array(repeating: nil, count: n)
        prints = Array(repeating: nil, count: n)
        ledger = Ledger(startingBalance: rules.startingBalance)
        risk = RiskState(rules: rules)
        if config.attempts && CombineAttempts.applies(to: rules) { attempts = CombineAttempts(rules: rules, balance: rules.startingBalance) }
        if config.fidelityAudit { audit = FidelityAudit() }
        events.reserveCapacity(64)
        if !config.enforceSessions { openFrom = Int64.min; openUntil = Int64.max }
    }

    /// Gives the exchange the trade prints of an instrument (in time order) to resolve coarse
    /// bars with: they come before finer bars wherever they cover a bar.
    public mutating func setPrints(_ prints: [TradePrint]?, symbol s: Int) {
        self.prints[s] = prints.map(FinerPrints.init)
        sym[s].hasFiner = prints != nil || finer[s] != nil
        sym[s].bandValid = false
    }

    /// Gives the exchange finer bars of an instrument to resolve coarse bars with.
    public mutating func setFinerBars(_ bars: BarSeries?, symbol s: Int) {
        finer[s] = bars.map(FinerBars.init)
        sym[s].hasFiner = bars != nil || prints[s] != nil
        sym[s].bandValid = false
    }

    /// The instrument index of `symbol`; a single-instrument exchange (the common backtest)
    /// compares one string instead of hashing it.
    mutating func index(of symbol: String) -> Int? {
        if instruments.count == 1 { return instruments[0].spec.symbol == symbol ? 0 : nil }
        return symbolIndex[symbol]
    }

    mutating func last(_ s: Int) -> Int64? { lastPrice(s) == Int64.min ? nil : lastPrice(s) }

    /// The last traded price of `s` in ticks (`Int64.min` before its first bar), wherever it is
    /// kept (see `noteClose`).
    @inlinable
    func lastPrice(_ s: Int) -> Int64 { s == closeSymbol ? pendingClose : sym[s].lastPrice }

    // MARK: Reports

    @inline(__always)
    public func order(_ id: OrderID) -> Order? {
        let i = Int(id.raw) - 1
        return i >= 0 && i < orders.count ? orders[i] : nil
    }

    /// `account` and `order(_:)` for callers that hold the core in a class (`SimulatedExchange`):
    /// a non-mutating call on a class's stored struct first copies the whole struct, every
    /// array retained, since the class could change it meanwhile; a mutating one works in place.
    mutating func accountInPlace() -> AccountSnapshot { account }
    mutating func orderInPlace(_ id: OrderID) -> Order? { order(id) }

    public func openOrders() -> [Order] { book.map { orders[$0.index] }.sorted { $0.id < $1.id } }

    /// Indexes (into `orders`) of the live orders of symbol `s`.
    func liveIndexes(_ s: Int) -> [Int] { book.filter { $0.symbol == s }.map(\.index) }

    @inline(__always)
    public var account: AccountSnapshot {
        AccountSnapshot(balance: ledger.balance, equity: equity(), risk: risk)
    }

    /// Balance plus unrealised P&L at the last traded prices.
    @inline(__always)
    public func equity() -> Money {
        var u: Int64 = 0
        for s in 0..<instruments.count where sym[s].position != 0 && lastPrice(s) != Int64.min {
            u += ledger.position(instruments[s].symbol).unrealizedTicks(at: Price(ticks: lastPrice(s))) * instruments[s].tickValueCents
        }
        return ledger.balance + Money(cents: u)
    }

    // MARK: Commands

    /// A portfolio of several timeframes: each symbol's next bar to trade (its open and close, in
    /// UTC seconds), kept by the engine; nil otherwise. While a symbol's bar that opened before
    /// now has yet to trade, commands on it are refused (`barInProgress`): they would act on
    /// prices from before they were given.
    public func barInProgress(_ s: Int) -> RejectReason? {
        guard let next = nextBars?[s], next.open < now.seconds else { return nil }
        return .barInProgress(symbol: instruments[s].symbol, closesAt: Timestamp(seconds: next.close))
    }

    public mutating func place(_ request: OrderRequest) -> CommandResult {
        var request = request
        if nextBars != nil, let s = index(of: request.symbol), let why = barInProgress(s) { return reject(request, why) }
        switch OrderGate.admit(&request, to: &self) {
        case .reject(let why): return reject(request, why)
        case .alreadyPlaced(let id): return .accepted(id)
        case .admit(let sizeCut):
            if let sizeCut { events.append(.ruleBreached(sizeCut)) }
        }
        // The gate found the symbol; a single-instrument exchange compares one string.
        let s = index(of: request.symbol)!
        let id = newOrder(request, s, parent: nil)
        if let b = request.bracket { attachBracket(b, to: id, s) }
        return .accepted(id)
    }

    public mutating func modify(_ id: OrderID, _ change: OrderChange) -> CommandResult {
        guard let o = order(id) else { return .rejected(.unknownOrder(id)) }
        guard o.status.isLive else { return .rejected(.orderNotWorking(id, o.status)) }
        if nextBars != nil, let s = index(of: o.symbol), let why = barInProgress(s) { return .rejected(why) }
        var copy = o
        guard case .moved = copy.apply(.modify(change), at: now) else {
            return .rejected(.invalidModification("\(change) does not fit a \(o.request.kind) order"))
        }
        if let s = index(of: o.symbol), let why = validatePrices(copy.request, s, isModify: true) { return .rejected(why) }
        let i = Int(id.raw) - 1
        orders[i] = copy
        syncBook(i)
        events.append(.orderModified(copy))
        return .accepted(id)
    }

    public mutating func cancel(_ id: OrderID) -> CommandResult {
        guard let o = order(id) else { return .rejected(.unknownOrder(id)) }
        guard o.status.isLive else { return .rejected(.orderNotWorking(id, o.status)) }
        if nextBars != nil, let s = index(of: o.symbol), let why = barInProgress(s) { return .rejected(why) }
        cancelOrder(Int(id.raw) - 1, .requested)
        return .accepted(id)
    }

    public mutating func flatten(_ symbol: String?, reason: String) -> CommandResult {
        // `index(of:)` compares one string on a single-instrument exchange; hashing the symbol
        // and copying the book's indexes per flatten were 1.5 % of the overnight-range sweep (perf).
        var one = -1
        if let symbol {
            guard let s = index(of: symbol) else { return .rejected(.unknownSymbol(symbol)) }
            one = s
        }
        let targets = one >= 0 ? one..<(one + 1) : 0..<instruments.count
        var last: OrderID?
        for s in targets {
            cancelEach(.flatten(reason)) { $0.symbol == s }
            let q = sym[s].position
            if q != 0 {
                last = newOrder(OrderRequest(symbol: instruments[s].symbol, side: q > 0 ? .sell : .buy, quantity: abs(q),
                                             kind: .market, reduceOnly: true, purpose: .flatten(reason)), s, parent: nil)
            }
        }
        return .accepted(last ?? OrderID(0))
    }

    // MARK: Session and day

    /// Starts trade date `day`: day orders of earlier days expire, and the risk state rolls the
    /// previous day's result into its high-water mark and lifts a daily lock.
    public mutating func beginTradeDay(_ day: Int64) {
        guard day != tradeDay else { return }
        let ended = tradeDay
        tradeDay = day
        tradeDayCloses = nil
        for s in 0..<instruments.count {
            for i in liveIndexes(s) where orders[i].request.timeInForce == .day && orders[i].tradeDay < day {
                expireOrder(i)
            }
        }
        let wasLocked = risk.lockedToday
        risk.startDay(day, balance: ledger.balance)
        // Tested by the setting, not by `attempts != nil`, which copied the whole book each day.
        let reopened = config.attempts && judgeAttempt(endedDay: ended, newDay: day)
        recomputeBreach()
        if wasLocked || reopened { events.append(.accountChanged(account)) }
    }

    /// Closes every position at the given prices now (end of data), cancelling working orders.
    public mutating func closeAll(at prices: [Int: Int64], reason: String) {
        closingOut = true
        defer { closingOut = false }
        for s in 0..<instruments.count {
            for i in liveIndexes(s) { cancelOrder(i, .flatten(reason)) }
            let q = sym[s].position
            guard q != 0, let px = prices[s] ?? last(s) else { continue }
            newOrder(OrderRequest(symbol: instruments[s].symbol, side: q > 0 ? .sell : .buy, quantity: abs(q),
                                  kind: .market, reduceOnly: true, purpose: .flatten(reason)), s, parent: nil)
            barLow = px; barHigh = px; barResolution = .exact
            execute(orders.count - 1, s, at: px)
        }
    }

    // MARK: Order book plumbing

    @discardableResult
    mutating func newOrder(_ request: OrderRequest, _ s: Int, parent: Int?, suspended: Bool = false, bracketGroup: Int32? = nil) -> OrderID {
        let id = OrderID(Int64(orders.count + 1))
        // Built in place in `orders` (one copy of the order fewer per placement).
        orders.append(Order(id: id, request: request, status: .pending, createdAt: now, tradeDay: tradeDayNow()))
        let i = orders.count - 1
        if let parent { orders[i].parent = OrderID(Int64(parent + 1)) }
        orders[i].apply(.accept(suspended: suspended), at: now)
        if case .trailingStop(let d) = request.kind, !suspended, let px = last(s) {
            orders[i].trailStop = Price(ticks: request.side == .sell ? px - d : px + d)
        }
        var oco: Int32 = -1
        if let bracketGroup {
            oco = bracketGroup
        } else if let g = request.ocoGroup {
            // A named group joins the live orders of that name (the OCO cancel only ever looks at
            // live orders, so a name whose orders are all done may as well start a new number).
            // Found by scanning the small book, not by a name table: a table of every name ever
            // used hashed a string per order and grew every day, 5 % of the overnight-range
            // sweep (perf on `tsxlab-bench sweep`, shared series, skipping).
            for e in book where e.oco >= 0 && e.parent < 0 && orders[e.index].ocoGroup == g { oco = e.oco; break }
            if oco < 0 { oco = ocoCount; ocoCount += 1 }
        }
        sym[s].live += 1
        if case .trailingStop = request.kind { sym[s].trailing += 1 }
        book.append(LiveOrder(index: i, symbol: s, sign: request.side.sign, kind: .market, suspended: suspended,
                                 reduceOnly: request.reduceOnly, isStopLoss: request.purpose == .stopLoss,
                                 isTakeProfit: request.purpose == .takeProfit, oco: oco, parent: parent ?? -1))
        syncBook(i)
        if let tag = request.tag { tags[tag] = id }
        strategyOfOrder.append(currentStrategy)
        children.append(BracketChildren())
        events.append(.orderAccepted(orders[i]))
        return id
    }

    /// Copies an order's prices and state into its book entry.
    mutating func syncBook(_ i: Int) {
        guard let k = book.firstIndex(where: { $0.index == i }) else { return }
        var e = book[k]
        // Field reads (no copy of the whole order).
        switch orders[i].request.kind {
        case .market: e.kind = .market
        case .limit(let p): e.kind = .limit; e.limit = p.ticks
        case .stop(let p): e.kind = .stop; e.stop = p.ticks
        case .stopLimit(let st, let l): e.kind = .stopLimit; e.stop = st.ticks; e.limit = l.ticks
        case .trailingStop(let d): e.kind = .trailing; e.trailDistance = d
        }
        e.triggered = orders[i].triggered
        // A limit that the last price already satisfies takes liquidity (fills at the print);
        // any other rests and, on prints, fills at its own price.
        e.marketable = e.kind == .limit && e.satisfied(at: lastPrice(e.symbol))
        if let t = orders[i].trailStop { e.trail = t.ticks; e.hasTrail = true }
        e.suspended = orders[i].status == .suspended
        book[k] = e
        sym[e.symbol].bandValid = false
    }

    /// Bracket exits are good till cancelled: they live as long as the position they protect (a
    /// day entry that expires unfilled takes them with it; a flat position cancels them).
    mutating func attachBracket(_ b: Bracket, to id: OrderID, _ s: Int) {
        let pi = Int(id.raw) - 1
        // Only the fields the legs need (not a copy of the whole entry order).
        let symbol = orders[pi].request.symbol, side = orders[pi].request.side, quantity = orders[pi].request.quantity
        // Concatenation rather than interpolation: the same text, several times cheaper per trade.
        let group = "bracket-" + String(id.raw)
        let reference = Price(ticks: referencePrice(orders[pi].request.kind, s) ?? 0)
        // A bracket's legs form their own OCO group, numbered without the name table (the name
        // is for reports; another order naming the same text does not join the bracket).
        let oco = ocoCount
        ocoCount += 1
        var kids = BracketChildren()
        if let sl = b.stopLoss {
            newOrder(OrderRequest(symbol: symbol, side: side.opposite, quantity: quantity,
                                  kind: .stop(sl.price(entry: reference, side: side, adverse: true)),
                                  timeInForce: .gtc, reduceOnly: true, ocoGroup: group, purpose: .stopLoss), s, parent: pi, suspended: true, bracketGroup: oco)
            kids.stopLoss = orders.count - 1
        }
        if let tp = b.takeProfit {
            newOrder(OrderRequest(symbol: symbol, side: side.opposite, quantity: quantity,
                                  kind: .limit(tp.price(entry: reference, side: side, adverse: false)),
                                  timeInForce: .gtc, reduceOnly: true, ocoGroup: group, purpose: .takeProfit), s, parent: pi, suspended: true, bracketGroup: oco)
            kids.takeProfit = orders.count - 1
        }
        children[pi] = kids
    }

    /// The price an order is expected to fill near (for validating and pricing bracket legs).
    mutating func referencePrice(_ kind: OrderKind, _ s: Int) -> Int64? {
        switch kind {
        case .market, .trailingStop: last(s)
        case .limit(let p), .stop(let p): p.ticks
        case .stopLimit(_, let l): l.ticks
        }
    }

    mutating func validatePrices(_ r: OrderRequest, _ s: Int, isModify: Bool = false) -> RejectReason? {
        switch r.kind {
        case .stop(let p), .stopLimit(let p, _):
            if config.rejectStopsThroughMarket, let last = last(s), !isModify {
                if r.side == .buy && p.ticks <= last {
                    return .invalidPrice("buy stop \(instruments[s].spec.format(p)) is at or below the last price \(instruments[s].spec.format(Price(ticks: last)))")
                }
                if r.side == .sell && p.ticks >= last {
                    return .invalidPrice("sell stop \(instruments[s].spec.format(p)) is at or above the last price \(instruments[s].spec.format(Price(ticks: last)))")
                }
            }
        case .trailingStop(let d):
            if d <= 0 { return .invalidPrice("trailing distance must be at least one tick") }
        default: break
        }
        if let b = r.bracket, let ref = referencePrice(r.kind, s) {
            let entry = Price(ticks: ref)
            if let sl = b.stopLoss {
                if case .ticks(let d) = sl, d <= 0 { return .invalidBracket("stop-loss distance must be a positive number of ticks") }
                let p = sl.price(entry: entry, side: r.side, adverse: true)
                if (p.ticks - ref) * r.side.sign >= 0 {
                    return .invalidBracket("stop-loss \(instruments[s].spec.format(p)) is not on the losing side of the entry \(instruments[s].spec.format(entry))")
                }
            }
            if let tp = b.takeProfit {
                if case .ticks(let d) = tp, d <= 0 { return .invalidBracket("take-profit distance must be a positive number of ticks") }
                let p = tp.price(entry: entry, side: r.side, adverse: false)
                if (p.ticks - ref) * r.side.sign <= 0 {
                    return .invalidBracket("take-profit \(instruments[s].spec.format(p)) is not on the winning side of the entry \(instruments[s].spec.format(entry))")
                }
            }
        }
        return nil
    }

    mutating func reject(_ r: OrderRequest, _ why: RejectReason) -> CommandResult {
        events.append(.orderRejected(r, why))
        rejected.append((r, why))
        return .rejected(why)
    }

    mutating func removeLive(_ i: Int) {
        guard let k = book.firstIndex(where: { $0.index == i }) else { return }
        sym[book[k].symbol].live -= 1
        if book[k].kind == .trailing { sym[book[k].symbol].trailing -= 1 }
        sym[book[k].symbol].bandValid = false
        book.remove(at: k)
    }

    mutating func cancelOrder(_ i: Int, _ why: CancelReason) {
        guard orders[i].status.isLive else { return }
        orders[i].apply(.cancel(why), at: now)
        removeLive(i)
        events.append(.orderCancelled(orders[i], why))
        // An entry cancelled before any fill takes its bracket with it.
        if orders[i].filledQuantity == 0 {
            for k in children[i] { cancelOrder(k, .parentCancelled(orders[i].id)) }
        }
    }

    mutating func expireOrder(_ i: Int) {
        guard orders[i].status.isLive else { return }
        orders[i].apply(.expire, at: now)
        removeLive(i)
        events.append(.orderExpired(orders[i]))
        if orders[i].filledQuantity == 0 {
            for k in children[i] where orders[k].status.isLive { expireOrder(k) }
        }
    }
}

/// The hot-path state of one instrument.
@usableFromInline
struct SymbolState: Sendable {
    // Eight-byte fields first, flags last.
    /// Live orders (so the hot path tests one integer).
    @usableFromInline var live = 0
    /// Live trailing stops among them (their levels follow the path through every busy bar).
    @usableFromInline var trailing = 0
    /// Signed position.
    @usableFromInline var position: Int64 = 0
    /// Last traded price; `Int64.min` until the first bar.
    @usableFromInline var lastPrice = Int64.min
    /// The price at which equity would meet the breach level (a virtual stop), when `hasBreach`.
    @usableFromInline var breachPrice: Int64 = 0
    /// Best and worst prices since the open trade's last fill (pushed to the ledger at fills).
    @usableFromInline var excHigh: Int64 = 0
    @usableFromInline var excLow: Int64 = 0
    /// The band a bar must leave to reach anything (a working order's trigger, a market order, the
    /// risk stop): a bar with `low > reachDown` and `high < reachUp` reaches nothing. Recomputed
    /// from the book when `bandValid` is false (every change to the book, the position or the
    /// breach level clears it).
    @usableFromInline var reachDown = Int64.min
    @usableFromInline var reachUp = Int64.max
    @usableFromInline var hasBreach = false
    @usableFromInline var hasFiner = false
    @usableFromInline var bandValid = false
}

/// The bracket exits of an entry, as indexes into `orders` (−1 for none); iterates stop-loss
/// first, as the legs were placed.
struct BracketChildren: Sequence, Sendable {
    var stopLoss = -1
    var takeProfit = -1

    func makeIterator() -> Iterator { Iterator(legs: self) }

    struct Iterator: IteratorProtocol {
        let legs: BracketChildren
        var k = 0
        mutating func next() -> Int? {
            while k < 2 {
                let v = k == 0 ? legs.stopLoss : legs.takeProfit
                k += 1
                if v >= 0 { return v }
            }
            return nil
        }
    }
}

/// The order gate's view of the simulated account.
extension ExchangeCore: GatedAccount {
    mutating public func trades(_ symbol: String) -> Bool { index(of: symbol) != nil }
    mutating public func order(tagged tag: ClientTag) -> Order? { tags[tag].flatMap { order($0) } }
    mutating public func venueRefusal(_ request: OrderRequest) -> RejectReason? {
        if config.rejectWhenClosed && !config.calendar.isOpen(at: now) { return .marketClosed(now) }
        return validatePrices(request, index(of: request.symbol)!)
    }
    mutating public func positionQuantity(_ symbol: String) -> Int64 { index(of: symbol).map { sym[$0].position } ?? 0 }
    mutating public func equityNow() -> Money { equity() }
    public var riskState: RiskState { risk }
    /// Inside the current day's session the trade date is the exchange's current one, so placing
    /// an order costs no calendar look-up.
    public var gateTime: (now: Timestamp, tradeDate: TradeDate) {
        mutating get { (now, TradeDate(dayNumber: tradeDayNow())) }
    }
    mutating public func forEachExposure(_ body: (String, Double, Int64, Int64, Int64) -> Void) {
        for i in 0..<instruments.count {
            var buys: Int64 = 0, sells: Int64 = 0
            for e in book where e.symbol == i && !e.reduceOnly && !e.suspended {
                if e.sign > 0 { buys += orders[e.index].remaining } else { sells += orders[e.index].remaining }
            }
            body(instruments[i].symbol, instruments[i].spec.miniEquivalent, sym[i].position, buys, sells)
        }
    }
}
