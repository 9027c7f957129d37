import Data
import Trading

/// The simulated exchange: a `Broker` that fills orders against bars the way a real market could
/// have — on the tick grid, at gap opens, with brackets and OCO, sessions, fees, slippage and the
/// prop-firm risk rules — deterministically.
///
/// The engine drives it synchronously: `beginTradeDay`, then `process(bar:)` for each bar in
/// time order, then drains `events`. Nothing here allocates per bar when no order is working.
public final class SimulatedExchange: Broker {
    public let config: ExchangeConfig
    public internal(set) var now: Timestamp = Timestamp(seconds: 0)

    // Instruments, by index.
    let instruments: [Instrument]
    let symbolIndex: [String: Int]

    // Orders: `orders[id − 1]`; live (not terminal) order indexes per symbol.
    var orders: [Order] = []
    @usableFromInline var live: [[Int]]
    var children: [Int: [Int]] = [:]
    var tags: [ClientTag: OrderID] = [:]
    var strategyOfOrder: [Int: String] = [:]

    // Per-symbol mirrors for the hot path.
    @usableFromInline var positionQty: [Int64]
    @usableFromInline var lastPrice: [Int64?]
    /// The price at which equity would meet the breach level, per symbol (a virtual stop), or nil.
    var breachPrice: [Int64?]

    public internal(set) var ledger: Ledger
    public internal(set) var risk: RiskState
    public internal(set) var tradeDay: Int64 = Int64.min

    /// Events produced since the engine last drained them.
    public var events: [BrokerEvent] = []
    /// Fills by how their place in the bar was decided: exact, drill-down, path model.
    public internal(set) var resolutionCounts: [Int] = [0, 0, 0]
    /// The strategy on whose behalf orders are being placed now (for trade attribution).
    public var currentStrategy: String?

    // Bar being simulated (for clamping slipped prices into its range).
    var barLow: Int64 = 0
    var barHigh: Int64 = 0
    var barResolution: FillResolution = .exact
    var barVolume: Int64 = 0
    /// With a volume cap: quantity filled per order in the bar being simulated.
    var barFills: [(order: Int, quantity: Int64)] = []
    /// Set while closing positions outright (risk breach, end of data): no volume cap applies.
    var closingOut = false

    public init(instruments: [Instrument], rules: RiskRules, config: ExchangeConfig = ExchangeConfig()) {
        self.config = config
        self.instruments = instruments
        var idx: [String: Int] = [:]
        for (i, ins) in instruments.enumerated() { idx[ins.symbol] = i }
        self.symbolIndex = idx
        live = Array(repeating: [], count: instruments.count)
        positionQty = Array(repeating: 0, count: instruments.count)
        lastPrice = Array(repeating: nil, count: instruments.count)
        breachPrice = Array(repeating: nil, count: instruments.count)
        ledger = Ledger(startingBalance: rules.startingBalance)
        risk = RiskState(rules: rules)
        events.reserveCapacity(64)
    }

    public func index(of symbol: String) -> Int? { symbolIndex[symbol] }
    public func instrument(_ symbol: String) -> Instrument? { symbolIndex[symbol].map { instruments[$0] } }

    /// Sets the clock (the engine calls this with each bar's close before the strategy runs).
    public func setClock(_ t: Timestamp) { now = t }

    // MARK: Reports

    public func order(_ id: OrderID) -> Order? {
        let i = Int(id.raw) - 1
        return i >= 0 && i < orders.count ? orders[i] : nil
    }

    public func openOrders() -> [Order] { live.flatMap { $0.map { orders[$0] } }.sorted { $0.id < $1.id } }
    public func position(_ symbol: String) -> Position { ledger.position(symbol) }
    public func positions() -> [Position] { ledger.positions.values.filter { !$0.isFlat }.sorted { $0.symbol < $1.symbol } }
    public func fills(since: Timestamp) -> [Fill] { ledger.fills.filter { $0.time >= since } }
    public var allOrders: [Order] { orders }

    public var account: AccountSnapshot {
        let eq = equity()
        let dll = risk.dailyLossLevel.map { eq - $0 }
        let mll = risk.maxLossLevel.map { eq - $0 }
        return AccountSnapshot(balance: ledger.balance, equity: eq, dayStartBalance: risk.dayStartBalance,
                               maxLossLevel: risk.maxLossLevel, dailyLossRemaining: dll, maxLossRemaining: mll,
                               lockedUntilNextDay: risk.lockedToday, failed: risk.failed)
    }

    /// Balance plus unrealised P&L at the last traded prices.
    public func equity() -> Money {
        var u: Int64 = 0
        for s in 0..<instruments.count where positionQty[s] != 0 {
            guard let px = lastPrice[s] else { continue }
            u += ledger.position(instruments[s].symbol).unrealizedTicks(at: Price(ticks: px)) * instruments[s].tickValueCents
        }
        return ledger.balance + Money(cents: u)
    }

    // MARK: Commands

    public func place(_ request: OrderRequest) -> CommandResult {
        var request = request
        guard let s = symbolIndex[request.symbol] else { return reject(request, .unknownSymbol(request.symbol)) }
        guard request.quantity > 0 else { return reject(request, .invalidQuantity(request.quantity)) }
        if let tag = request.tag, let existing = tags[tag] {
            // Idempotent placement: the same request under the same tag is the same order.
            if orders[Int(existing.raw) - 1].request == request { return .accepted(existing) }
            return reject(request, .duplicateTag(tag, existing: existing))
        }
        if config.rejectWhenClosed && !config.calendar.isOpen(at: now) { return reject(request, .marketClosed(now)) }
        if let why = validatePrices(request, s) { return reject(request, why) }

        // Risk: orders that add exposure pass the prop-firm checks; the safety buffer may cut size.
        let adds = addsRisk(request, s)
        if adds {
            let allowed = risk.allowedQuantity(request.quantity, equity: equity())
            if allowed < request.quantity {
                let before = request.quantity
                request.quantity = allowed
                events.append(.ruleBreached(RuleBreach(
                    rule: .sizeReduced, time: now, value: equity(), limit: risk.dailyLossLevel ?? .zero,
                    detail: "daily loss limit within the safety buffer: size cut from \(before) to \(allowed)")))
            }
        }
        let exposure = exposureAfter(request, s)
        if let why = risk.check(addsRisk: adds, exposureAfter: exposure, at: now,
                                tradeDate: config.calendar.tradeDate(containing: now)) {
            return reject(request, why)
        }

        let id = newOrder(request, s, parent: nil)
        if let b = request.bracket { attachBracket(b, to: id, s) }
        return .accepted(id)
    }

    public func modify(_ id: OrderID, _ change: OrderChange) -> CommandResult {
        guard let o = order(id) else { return .rejected(.unknownOrder(id)) }
        guard o.status.isLive else { return .rejected(.orderNotWorking(id, o.status)) }
        var copy = o
        guard case .moved = copy.apply(.modify(change), at: now) else {
            return .rejected(.invalidModification("\(change) does not fit a \(o.request.kind) order"))
        }
        if let s = symbolIndex[o.symbol], let why = validatePrices(copy.request, s, isModify: true) { return .rejected(why) }
        orders[Int(id.raw) - 1] = copy
        events.append(.orderModified(copy))
        return .accepted(id)
    }

    public func cancel(_ id: OrderID) -> CommandResult {
        guard let o = order(id) else { return .rejected(.unknownOrder(id)) }
        guard o.status.isLive else { return .rejected(.orderNotWorking(id, o.status)) }
        cancelOrder(Int(id.raw) - 1, .requested)
        return .accepted(id)
    }

    public func flatten(_ symbol: String?, reason: String) -> CommandResult {
        var last: OrderID?
        let targets: [Int] = symbol.map { s in symbolIndex[s].map { [$0] } ?? [] } ?? Array(0..<instruments.count)
        if let symbol, symbolIndex[symbol] == nil { return .rejected(.unknownSymbol(symbol)) }
        for s in targets {
            for i in live[s] { cancelOrder(i, .flatten(reason)) }
            let q = positionQty[s]
            if q != 0 {
                let req = OrderRequest(symbol: instruments[s].symbol, side: q > 0 ? .sell : .buy, quantity: abs(q),
                                       kind: .market, reduceOnly: true, purpose: .flatten(reason))
                last = newOrder(req, s, parent: nil)
            }
        }
        return .accepted(last ?? OrderID(0))
    }

    // MARK: Session and day

    /// Starts trade date `day`: day orders of earlier days expire, and the risk state rolls the
    /// previous day's result into its high-water mark and lifts a daily lock.
    public func beginTradeDay(_ day: Int64) {
        guard day != tradeDay else { return }
        tradeDay = day
        for s in 0..<instruments.count {
            for i in live[s] where orders[i].request.timeInForce == .day && orders[i].tradeDay < day {
                expireOrder(i)
            }
        }
        let wasLocked = risk.lockedToday
        risk.startDay(day, balance: ledger.balance)
        recomputeBreach()
        if wasLocked { events.append(.accountChanged(account)) }
    }

    // MARK: Order book plumbing

    @discardableResult
    func newOrder(_ request: OrderRequest, _ s: Int, parent: Int?, suspended: Bool = false) -> OrderID {
        let id = OrderID(Int64(orders.count + 1))
        var o = Order(id: id, request: request, status: .pending, createdAt: now, tradeDay: tradeDay)
        if let parent { o.parent = OrderID(Int64(parent + 1)) }
        o.apply(.accept(suspended: suspended), at: now)
        if case .trailingStop(let d) = request.kind, !suspended, let px = lastPrice[s] {
            o.trailStop = Price(ticks: request.side == .sell ? px - d : px + d)
        }
        orders.append(o)
        live[s].append(orders.count - 1)
        if let tag = request.tag { tags[tag] = id }
        if let strategy = currentStrategy { strategyOfOrder[orders.count - 1] = strategy }
        events.append(.orderAccepted(o))
        return id
    }

    /// Bracket exits are good till cancelled: they live as long as the position they protect (a
    /// day entry that expires unfilled takes them with it; a flat position cancels them).
    func attachBracket(_ b: Bracket, to id: OrderID, _ s: Int) {
        let pi = Int(id.raw) - 1
        let parent = orders[pi]
        let group = "bracket-\(id.raw)"
        let exitSide = parent.side.opposite
        let reference = Price(ticks: referencePrice(parent, s) ?? 0)
        var kids: [Int] = []
        if let sl = b.stopLoss {
            let req = OrderRequest(symbol: parent.symbol, side: exitSide, quantity: parent.request.quantity,
                                   kind: .stop(sl.price(entry: reference, side: parent.side, adverse: true)),
                                   timeInForce: .gtc, reduceOnly: true, ocoGroup: group, purpose: .stopLoss)
            newOrder(req, s, parent: pi, suspended: true)
            kids.append(orders.count - 1)
        }
        if let tp = b.takeProfit {
            let req = OrderRequest(symbol: parent.symbol, side: exitSide, quantity: parent.request.quantity,
                                   kind: .limit(tp.price(entry: reference, side: parent.side, adverse: false)),
                                   timeInForce: .gtc, reduceOnly: true, ocoGroup: group, purpose: .takeProfit)
            newOrder(req, s, parent: pi, suspended: true)
            kids.append(orders.count - 1)
        }
        children[pi] = kids
    }

    /// The price an order is expected to fill near (for validating and placing bracket legs).
    func referencePrice(_ o: Order, _ s: Int) -> Int64? {
        switch o.request.kind {
        case .market: lastPrice[s]
        case .limit(let p): p.ticks
        case .stop(let p): p.ticks
        case .stopLimit(_, let l): l.ticks
        case .trailingStop: lastPrice[s]
        }
    }

    func validatePrices(_ r: OrderRequest, _ s: Int, isModify: Bool = false) -> RejectReason? {
        let last = lastPrice[s]
        switch r.kind {
        case .stop(let p), .stopLimit(let p, _):
            if config.rejectStopsThroughMarket, let last, !r.reduceOnly || !isModify {
                if r.side == .buy && p.ticks <= last { return .invalidPrice("buy stop \(instruments[s].spec.format(p)) is at or below the last price \(instruments[s].spec.format(Price(ticks: last)))") }
                if r.side == .sell && p.ticks >= last { return .invalidPrice("sell stop \(instruments[s].spec.format(p)) is at or above the last price \(instruments[s].spec.format(Price(ticks: last)))") }
            }
        case .trailingStop(let d):
            if d <= 0 { return .invalidPrice("trailing distance must be at least one tick") }
        default: break
        }
        if let b = r.bracket, let ref = (r.kind == .market ? last : referencePriceOf(r.kind)) {
            let entry = Price(ticks: ref)
            if let sl = b.stopLoss {
                if case .ticks(let d) = sl, d <= 0 { return .invalidBracket("stop-loss distance must be a positive number of ticks") }
                let p = sl.price(entry: entry, side: r.side, adverse: true)
                if (p.ticks - ref) * r.side.sign >= 0 { return .invalidBracket("stop-loss \(instruments[s].spec.format(p)) is not on the losing side of the entry \(instruments[s].spec.format(entry))") }
            }
            if let tp = b.takeProfit {
                if case .ticks(let d) = tp, d <= 0 { return .invalidBracket("take-profit distance must be a positive number of ticks") }
                let p = tp.price(entry: entry, side: r.side, adverse: false)
                if (p.ticks - ref) * r.side.sign <= 0 { return .invalidBracket("take-profit \(instruments[s].spec.format(p)) is not on the winning side of the entry \(instruments[s].spec.format(entry))") }
            }
        }
        return nil
    }

    func referencePriceOf(_ k: OrderKind) -> Int64? {
        switch k {
        case .limit(let p), .stop(let p): p.ticks
        case .stopLimit(_, let l): l.ticks
        default: nil
        }
    }

    func addsRisk(_ r: OrderRequest, _ s: Int) -> Bool {
        if r.reduceOnly { return false }
        let q = positionQty[s]
        return !(q != 0 && (q > 0) != (r.side == .buy) && r.quantity <= abs(q))
    }

    /// Open mini-equivalents across all products if `r` filled in full.
    func exposureAfter(_ r: OrderRequest, _ s: Int) -> Double {
        var total = 0.0
        for i in 0..<instruments.count {
            var q = positionQty[i]
            if i == s { q += r.side.sign * r.quantity }
            total += Double(abs(q)) * instruments[i].spec.miniEquivalent
        }
        return total
    }

    func reject(_ r: OrderRequest, _ why: RejectReason) -> CommandResult {
        events.append(.orderRejected(r, why))
        return .rejected(why)
    }

    func removeLive(_ i: Int) {
        guard let s = symbolIndex[orders[i].symbol], let k = live[s].firstIndex(of: i) else { return }
        live[s].remove(at: k)
    }

    func cancelOrder(_ i: Int, _ why: CancelReason) {
        guard orders[i].status.isLive else { return }
        orders[i].apply(.cancel(why), at: now)
        removeLive(i)
        events.append(.orderCancelled(orders[i], why))
        // An entry cancelled before any fill takes its bracket with it.
        if orders[i].filledQuantity == 0, let kids = children[i] {
            for k in kids { cancelOrder(k, .parentCancelled(orders[i].id)) }
        }
    }

    func expireOrder(_ i: Int) {
        guard orders[i].status.isLive else { return }
        orders[i].apply(.expire, at: now)
        removeLive(i)
        events.append(.orderExpired(orders[i]))
        if orders[i].filledQuantity == 0, let kids = children[i] {
            for k in kids where orders[k].status.isLive { expireOrder(k) }
        }
    }
}
