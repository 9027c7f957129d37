import Foundation
import Data
import Trading
import ProjectX

/// A request the broker hands to the gateway; the runner sends it and feeds the answer back
/// (`LiveBroker.acknowledge`). Cancels and closes are critical: they go out before placements.
public enum GatewayCommand: Sendable {
    case place(local: OrderID, PXPlaceOrderRequest)
    case modify(local: OrderID, PXModifyOrderRequest)
    case cancel(local: OrderID, gatewayID: Int64)
    case close(symbol: String, contractID: String)

    public var isCritical: Bool {
        switch self {
        case .cancel, .close: true
        case .place, .modify: false
        }
    }
}

extension GatewayCommand: CustomStringConvertible {
    /// The command as a trader reads it (the dry run logs these): `place BUY 1 CON.F.US.EP.Z13 stop
    /// 1650.25, bracket stop -8 ticks target +16 ticks, tag r-12 (order #12)`, `modify #12 stop 1651
    /// (gateway order 345)`, `cancel #12 (gateway order 345)`, `close ES (CON.F.US.EP.Z13)`.
    public var description: String {
        func prices(limit: Decimal?, stop: Decimal?, trail: Decimal?) -> String {
            [limit.map { "limit \($0)" }, stop.map { "stop \($0)" }, trail.map { "trail \($0)" }].compactMap { $0 }.joined(separator: " ")
        }
        switch self {
        case .place(let local, let r):
            func at(_ p: Decimal?) -> String { p.map { " \($0)" } ?? "" }
            let kind = switch PXOrderType(rawValue: r.type) {
            case .limit: "limit" + at(r.limitPrice)
            case .market: "market"
            case .stopLimit: "stop-limit" + at(r.stopPrice) + (r.limitPrice.map { " limit \($0)" } ?? "")
            case .stop: "stop" + at(r.stopPrice)
            case .trailingStop: "trailing stop" + at(r.trailPrice)
            case .joinBid: "join bid"
            case .joinAsk: "join ask"
            case nil: "order type \(r.type) " + prices(limit: r.limitPrice, stop: r.stopPrice, trail: r.trailPrice)
            }
            var text = "place \(r.side == PXSide.bid.rawValue ? "BUY" : "SELL") \(r.size) \(r.contractId) \(kind)"
            let legs = [r.stopLossBracket.map { "stop \($0.ticks > 0 ? "+" : "")\($0.ticks) ticks" },
                        r.takeProfitBracket.map { "target \($0.ticks > 0 ? "+" : "")\($0.ticks) ticks" }].compactMap { $0 }
            if !legs.isEmpty { text += ", bracket " + legs.joined(separator: " ") }
            if let tag = r.customTag { text += ", tag \(tag)" }
            return text + " (order \(local))"
        case .modify(let local, let r):
            let change = [r.size.map { "size \($0)" }, Optional(prices(limit: r.limitPrice, stop: r.stopPrice, trail: r.trailPrice))]
                .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return "modify \(local) \(change) (gateway order \(r.orderId))"
        case .cancel(let local, let gatewayID):
            return "cancel \(local) (gateway order \(gatewayID))"
        case .close(let symbol, let contractID):
            return "close \(symbol) (\(contractID))"
        }
    }
}

/// The gateway's answer to a command.
public enum GatewayAnswer: Sendable {
    case placed(local: OrderID, gatewayID: Int64)
    case done(GatewayCommand)
    case failed(GatewayCommand, ProjectXError)
}

/// The `Broker` strategies trade through live: the same commands, events and reports as the
/// simulated exchange, served by the ProjectX gateway.
///
/// Commands answer at once from local checks (instrument, quantity, tick grid, the shared prop-firm
/// risk engine) and become `GatewayCommand`s in `outbox`; what the gateway then does arrives from
/// the user hub (`apply(order:)`, `apply(trade:)`) and becomes `BrokerEvent`s in the shapes and order
/// the simulated exchange emits them.
///
/// Brackets: a bracket rides on the entry as the gateway's own `stopLossBracket` /
/// `takeProfitBracket` (signed ticks from the entry's fill price), so the gateway arms the exits
/// the instant the entry fills and one cancels the other there, with no round trip. Legs given as
/// prices are converted to ticks from the entry's trigger price (its stop or limit); when the entry
/// fills elsewhere (a gap through a stop), the runner moves the exits to the requested prices as
/// soon as the fill arrives. OCO groups *between* orders (the two entries of a range breakout) have
/// no gateway field, so the runner manages them: the first fill cancels the rest of its group (on
/// the same symbol).
///
/// State is guarded by one lock; the runner calls in from its own task, the status page reads.
public final class LiveBroker: SessionBroker, @unchecked Sendable {
    // @unchecked: every mutable field is touched only under `lock`.
    private let lock = NSLock()
    public let accountID: Int
    let instruments: [String: Instrument]
    let contractOf: [String: String]
    let symbolOf: [String: String]
    /// Prefix of the custom tags of this runner's orders (unique per account and run).
    public let tagPrefix: String
    let calendar: SessionCalendar

    private var orders: [OrderID: Order] = [:]
    /// The orders still live, so the scans on every placement and fill do not grow with the day.
    private var liveIDs: Set<OrderID> = []
    private func put(_ o: Order) {
        orders[o.id] = o
        if o.status.isLive { liveIDs.insert(o.id) } else { liveIDs.remove(o.id) }
    }
    private var liveOrders: [Order] { liveIDs.compactMap { orders[$0] } }
    private var gatewayOf: [OrderID: Int64] = [:]
    private var localOf: [Int64: OrderID] = [:]
    private var localOfTag: [String: OrderID] = [:]
    private var tagOf: [OrderID: String] = [:]
    /// Price legs of brackets, to move the gateway's tick-based exits after a fill elsewhere.
    private var priceLegs: [OrderID: Bracket] = [:]
    private var cancelReasons: [OrderID: CancelReason] = [:]
    private var pendingFlatten: [String: String] = [:]
    private var waitingTrades: [Int64: [PXTrade]] = [:]
    private var seenTrades: Set<Int64> = []
    private var nextLocal: Int64
    private var daySequence = 0
    /// Earlier runs' entries found working once live, to be cancelled (`applyOrder`).
    private var staleEntries: [OrderID] = []
    /// Earlier runs' entries being settled: cancelled, or, when the fill won the race with the
    /// cancel, flattened (true once the flatten went out). While any is unsettled the strategies' entries
    /// are refused, so nothing trades beside a position no decision owns (LiveCrashTests, seed
    /// 1136489078 under load: an earlier run's market entry filled after the restart had sent
    /// the replay's own entry, and the position reached two contracts).
    private var settling: [OrderID: Bool] = [:]
    private var warming = false
    private var warmPlaced: [OrderID] = []
    private var deferred: [OrderID: GatewayCommand] = [:]
    /// The end of the replay's last bar (`beginWarmup(snapshot:until:)`).
    private var warmupEnd: Timestamp?
    private var snapshotByTag: [String: PXOrder] = [:]
    private var snapshotByID: [Int64: PXOrder] = [:]
    /// Refuses every new order from now on, before everything is cancelled and closed (the feed
    /// lost, `LiveRunner.watchFeed`): strategies that still get bars while the closes fill cannot
    /// open a position again.
    public func stopTrading(_ why: String) { lock.withLock { closing = why } }
    private var closing: String?
    private var ledgerState: Ledger
    private var riskNow: RiskState
    /// The ledger's balance as each trade day began (replayed or live): the end of the day before.
    private var dayStarts: [Int64: Money] = [:]
    private var last: [String: Int64] = [:]
    private var clock: Timestamp
    private var queued: [BrokerEvent] = []
    private var outbox: [GatewayCommand] = []
    private var strategyOf: [OrderID: String] = [:]
    /// The strategy whose calls are being served (the runner sets it), for trade attribution.
    public var currentStrategy: String? {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }
    private var current: String?

    public init(accountID: Int, instruments: [Instrument], contracts: [String: String], rules: RiskRules, startingBalance: Money,
                tagPrefix: String, calendar: SessionCalendar = .cmeEquityIndex, now: Timestamp, nextLocalID: Int64 = 1,
                risk: RiskState? = nil) {
        self.accountID = accountID
        self.instruments = Dictionary(uniqueKeysWithValues: instruments.map { ($0.symbol, $0) })
        self.contractOf = contracts
        self.symbolOf = Dictionary(uniqueKeysWithValues: contracts.map { ($1, $0) })
        self.tagPrefix = tagPrefix
        self.calendar = calendar
        self.clock = now
        self.nextLocal = nextLocalID
        ledgerState = Ledger(startingBalance: startingBalance)
        riskNow = risk ?? RiskState(rules: rules)
    }

    // MARK: Clock, prices, risk

    public var now: Timestamp { lock.withLock { clock } }

    /// Moves the market clock (the runner's, from the data it receives).
    public func advanceClock(to t: Timestamp) { lock.withLock { if t > clock { clock = t } } }

    public var ledger: Ledger { lock.withLock { ledgerState } }
    public var risk: RiskState { lock.withLock { riskNow } }

    /// Starts a trading day in the risk engine (start-of-day balance, high-water mark).
    public func beginTradeDay(_ day: Int64) {
        lock.withLock {
            dayStarts[day] = dayStarts[day] ?? ledgerState.balance
            // A state restored from the store may be ahead of a replay's early days: never back.
            guard day >= riskNow.tradeDay else { return }
            let wasLocked = riskNow.lockedToday
            if day != riskNow.tradeDay { daySequence = 0 }
            riskNow.startDay(day, balance: ledgerState.balance)
            if wasLocked && !riskNow.lockedToday { queued.append(.accountChanged(accountLocked)) }
        }
    }

    /// A traded price: marks positions and checks the loss limits on it. A breach records the
    /// rule, cancels every working order and closes every position (the shared rule engine's
    /// decision, enforced here before the next order can go out).
    public func mark(_ symbol: String, price: Int64, at t: Timestamp) {
        lock.withLock {
            if t > clock { clock = t }
            last[symbol] = price
            checkBreach()
        }
    }

    /// Marks a finished bar's range on the open trade (maximum adverse and favourable excursion).
    public func markBar(_ symbol: String, high: Int64, low: Int64) {
        lock.withLock { ledgerState.markExcursion(symbol, high: high, low: low) }
    }

    private func equityLocked() -> Money {
        var u: Int64 = 0
        for (sym, p) in ledgerState.positions where !p.isFlat {
            guard let px = last[sym], let ins = instruments[sym] else { continue }
            u += p.unrealizedTicks(at: Price(ticks: px)) * ins.tickValueCents
        }
        return ledgerState.balance + Money(cents: u)
    }

    private var accountLocked: AccountSnapshot {
        AccountSnapshot(balance: ledgerState.balance, equity: equityLocked(), risk: riskNow)
    }

    /// The loss limits on the current prices (`RiskState.enforceLossLimits`); a breach cancels
    /// every working order and closes every position.
    private func checkBreach() {
        guard ledgerState.positions.values.contains(where: { !$0.isFlat }),
              let b = riskNow.enforceLossLimits(equity: equityLocked(), at: clock) else { return }
        queued.append(.ruleBreached(b))
        flattenLocked(nil, reason: RiskState.lossLimitReason(b.rule))
        queued.append(.accountChanged(accountLocked))
    }

    // MARK: Broker commands

    public func place(_ request: OrderRequest) -> CommandResult {
        lock.withLock { placeLocked(request) }
    }

    private func reject(_ r: OrderRequest, _ why: RejectReason) -> CommandResult {
        queued.append(.orderRejected(r, why))
        return .rejected(why)
    }

    private func placeLocked(_ request: OrderRequest) -> CommandResult {
        if let closing { return reject(request, .venue(code: 0, message: "trading halted (\(closing)): no new orders")) }
        if !settling.isEmpty, request.purpose == .entry, !request.reduceOnly {
            return reject(request, .venue(code: 0, message: "an earlier run's order is being settled at the gateway: no new entries until it is"))
        }
        var request = request
        var account = self
        switch OrderGate.admit(&request, to: &account) {
        case .reject(let why): return reject(request, why)
        case .alreadyPlaced(let id): return .accepted(id)
        case .admit(let sizeCut):
            if let sizeCut { queued.append(.ruleBreached(sizeCut)) }
        }
        // The gate asked `venueRefusal` for the form already; it is built again here from the
        // admitted request (a few field reads, once per placement).
        guard let contract = contractOf[request.symbol] else { return reject(request, .unknownSymbol(request.symbol)) }
        let wire: WireForm
        switch wireForm(request) {
        case .success(let w): wire = w
        case .failure(let why): return reject(request, why)
        }
        let id = OrderID(nextLocal)
        nextLocal += 1
        // Tags are deterministic (prefix, trade day, the day's placement count): a restarted runner
        // that replays the day makes the same tags and finds its orders by them.
        // Once live, a tag an earlier run already used at the gateway (its decisions differed from
        // the replay's) is skipped: the gateway would refuse it, and finding "the order with that
        // tag" would name another decision's order.
        var tag: String
        repeat {
            daySequence += 1
            tag = request.tag?.value ?? "\(tagPrefix)-\(riskNow.tradeDay)-\(daySequence)"
        } while request.tag == nil && !warming && snapshotByTag[tag] != nil
        let order = Order(id: id, request: request, status: .pending, createdAt: clock, tradeDay: riskNow.tradeDay)
        put(order)
        localOfTag[tag] = id
        tagOf[id] = tag
        if let s = current { strategyOf[id] = s }
        if let b = request.bracket, b.hasPriceLeg { priceLegs[id] = b }
        let command = GatewayCommand.place(local: id, PXPlaceOrderRequest(accountId: accountID, contractId: contract, type: wire.type,
                                                            side: request.side == .buy ? .bid : .ask, size: Int(request.quantity),
                                                            limitPrice: wire.limit, stopPrice: wire.stop, trailPrice: wire.trail, customTag: tag,
                                                            stopLossBracket: wire.stopLoss, takeProfitBracket: wire.takeProfit))
        if warming { warmPlaced.append(id); deferred[id] = command } else { outbox.append(command) }
        return .accepted(id)
    }

    /// A request in the gateway's terms: order type, prices in points, brackets as signed ticks
    /// from the entry's reference price; what the gateway cannot express is a refusal.
    struct WireForm {
        var type: PXOrderType
        var limit: Decimal?, stop: Decimal?, trail: Decimal?
        var stopLoss: PXBracket?, takeProfit: PXBracket?
    }

    func wireForm(_ request: OrderRequest) -> Result<WireForm, RejectReason> {
        guard let ins = instruments[request.symbol] else { return .failure(.unknownSymbol(request.symbol)) }
        let tick = ins.spec.tickSize
        var w = WireForm(type: .market)
        var reference = last[request.symbol]
        switch request.kind {
        case .market: break
        case .limit(let p): w.type = .limit; w.limit = tick.decimal(p); reference = p.ticks
        case .stop(let p): w.type = .stop; w.stop = tick.decimal(p); reference = p.ticks
        case .stopLimit:
            return .failure(.invalidPrice("stop-limit orders cannot be placed through the ProjectX gateway; use a stop or a limit"))
        case .trailingStop(let d):
            guard let px = last[request.symbol] else { return .failure(.invalidPrice("a trailing stop needs a last price to trail from")) }
            w.type = .trailingStop
            w.trail = tick.decimal(Price(ticks: px - d * request.side.sign))
        }
        if let b = request.bracket {
            guard let ref = reference else { return .failure(.invalidBracket("price legs need a reference price: no trade seen yet")) }
            let sign = request.side.sign
            if let sl = b.stopLoss {
                let t: Int64 = switch sl { case .ticks(let d): -d * sign; case .price(let p): p.ticks - ref }
                guard t * sign < 0 else { return .failure(.invalidBracket("the stop-loss must be on the losing side of the entry")) }
                w.stopLoss = PXBracket(ticks: Int(t), type: .stop)
            }
            if let tp = b.takeProfit {
                let t: Int64 = switch tp { case .ticks(let d): d * sign; case .price(let p): p.ticks - ref }
                guard t * sign > 0 else { return .failure(.invalidBracket("the take-profit must be on the winning side of the entry")) }
                w.takeProfit = PXBracket(ticks: Int(t), type: .limit)
            }
        }
        return .success(w)
    }

    public func modify(_ id: OrderID, _ change: OrderChange) -> CommandResult {
        lock.withLock {
            guard let o = orders[id] else { return .rejected(.unknownOrder(id)) }
            guard o.status.isLive else { return .rejected(.orderNotWorking(id, o.status)) }
            var copy = o
            guard case .moved = copy.apply(.modify(change), at: clock) else {
                return .rejected(.invalidModification("\(change) does not fit a \(o.request.kind) order"))
            }
            if warming {
                // Replaying the day: the gateway already holds the result of this modification.
                put(copy)
                queued.append(.orderModified(copy))
                return .accepted(id)
            }
            guard let gid = gatewayOf[id], let tick = instruments[o.symbol]?.spec.tickSize else {
                return .rejected(.invalidModification("order \(id) is not acknowledged by the gateway yet"))
            }
            outbox.append(.modify(local: id, PXModifyOrderRequest(accountId: accountID, orderId: gid, size: change.quantity.map { Int($0) },
                                                                  limitPrice: change.limitPrice.map(tick.decimal), stopPrice: change.stopPrice.map(tick.decimal))))
            pendingModify[id] = copy
            return .accepted(id)
        }
    }
    private var pendingModify: [OrderID: Order] = [:]

    public func cancel(_ id: OrderID) -> CommandResult {
        lock.withLock { cancelLocked(id, .requested) }
    }

    private func cancelLocked(_ id: OrderID, _ why: CancelReason) -> CommandResult {
        guard let o = orders[id] else { return .rejected(.unknownOrder(id)) }
        guard o.status.isLive else { return .rejected(.orderNotWorking(id, o.status)) }
        cancelReasons[id] = cancelReasons[id] ?? why
        if let gid = gatewayOf[id], !warming { outbox.append(.cancel(local: id, gatewayID: gid)) }
        return .accepted(id)
    }

    public func flatten(_ symbol: String?, reason: String) -> CommandResult {
        lock.withLock {
            if let symbol, instruments[symbol] == nil { return .rejected(.unknownSymbol(symbol)) }
            flattenLocked(symbol, reason: reason)
            return .accepted(OrderID(0))
        }
    }

    /// Cancels the working orders, then closes the positions with `Position/closeContract`, which
    /// only ever closes (a market order could open a reverse position if the venue had already
    /// liquidated).
    private func flattenLocked(_ symbol: String?, reason: String) {
        for o in liveOrders where symbol == nil || o.symbol == symbol {
            _ = cancelLocked(o.id, .flatten(reason))
        }
        for (sym, p) in ledgerState.positions where !p.isFlat && (symbol == nil || sym == symbol) {
            guard let contract = contractOf[sym] else { continue }
            pendingFlatten[sym] = reason
            if !warming { outbox.append(.close(symbol: sym, contractID: contract)) }
        }
    }

    // MARK: Reports

    public func order(_ id: OrderID) -> Order? { lock.withLock { orders[id] } }
    public func openOrders() -> [Order] { lock.withLock { liveOrders.sorted { $0.id < $1.id } } }
    public var allOrders: [Order] { lock.withLock { orders.values.sorted { $0.id < $1.id } } }
    public func position(_ symbol: String) -> Position { lock.withLock { ledgerState.position(symbol) } }
    public func positions() -> [Position] { lock.withLock { ledgerState.positions.values.filter { !$0.isFlat }.sorted { $0.symbol < $1.symbol } } }
    public func fills(since: Timestamp) -> [Fill] { lock.withLock { ledgerState.fills.filter { $0.time >= since } } }
    public var trades: [Trade] { lock.withLock { ledgerState.trades } }
    public var account: AccountSnapshot { lock.withLock { accountLocked } }

    /// What a status page shows, read under one acquisition of the broker's lock (the trading
    /// path takes that lock for every command; five separate reads would contend five times).
    public func statusView() -> (now: Timestamp, account: AccountSnapshot, rules: RiskRules, positions: [Position], openOrders: [Order]) {
        lock.withLock {
            (clock, accountLocked, riskNow.rules, ledgerState.positions.values.filter { !$0.isFlat }.sorted { $0.symbol < $1.symbol },
             liveOrders.sorted { $0.id < $1.id })
        }
    }
    public func instrument(_ symbol: String) -> Instrument? { instruments[symbol] }
    public var tradesSeen: Int { lock.withLock { seenTrades.count } }
    public var nextLocalID: Int64 { lock.withLock { nextLocal } }

    // MARK: The runner's side

    /// Commands to send, critical ones (cancels, closes) first.
    public func takeOutbox() -> [GatewayCommand] {
        lock.withLock {
            let out = outbox.filter(\.isCritical) + outbox.filter { !$0.isCritical }
            outbox = []
            return out
        }
    }

    public var hasEvents: Bool { lock.withLock { !queued.isEmpty } }

    public func takeEvents(into buffer: inout [BrokerEvent]) {
        lock.withLock { swap(&queued, &buffer) }
    }

    public func owner(of id: OrderID) -> String? { lock.withLock { strategyOf[id] } }

    public var hasWork: Bool { lock.withLock { !queued.isEmpty || !outbox.isEmpty } }

    /// The gateway's answer to a command.
    public func acknowledge(_ answer: GatewayAnswer) {
        lock.withLock {
            switch answer {
            case .placed(let local, let gid):
                bind(local, gid)
                if var o = orders[local], o.status == .pending {
                    o.apply(.accept(suspended: false), at: clock)
                    put(o)
                    queued.append(.orderAccepted(o))
                }
                flushWaitingTrades(gid)
            case .done(.modify(let local, _)):
                if let m = pendingModify.removeValue(forKey: local), var o = orders[local], o.status.isLive {
                    o.request = m.request
                    o.updatedAt = clock
                    put(o)
                    queued.append(.orderModified(o))
                }
            case .done: break
            case .failed(.place(let local, _), let error):
                guard var o = orders[local], o.status == .pending else { return }
                if case .ambiguous = error { return }   // the runner reconciles by tag
                o.apply(.reject, at: clock)
                put(o)
                let why: RejectReason = if case .rejected(_, let code, let message) = error { .venue(code: code, message: message ?? "") }
                    else { .venue(code: -1, message: error.description) }
                queued.append(.orderRejected(o.request, why))
            case .failed(.modify(let local, _), _):
                pendingModify[local] = nil
            case .failed(.close(let sym, _), _):
                // Already flat at the gateway (it may have liquidated first): nothing to close.
                if ledgerState.position(sym).isFlat { pendingFlatten[sym] = nil }
            case .failed(.cancel, _):
                break   // the order's own events say whether it filled or was cancelled
            }
        }
    }

    private func bind(_ local: OrderID, _ gid: Int64) {
        let first = gatewayOf[local] == nil
        gatewayOf[local] = gid
        localOf[gid] = local
        // A cancel asked for before the venue's id was known (the placement still on its way, a
        // flatten at shutdown) goes out now that it can name the order.
        if first, cancelReasons[local] != nil, orders[local]?.status.isLive == true, !warming {
            outbox.append(.cancel(local: local, gatewayID: gid))
        }
    }

    /// A `GatewayUserOrder` event (or an order from a REST snapshot): status changes, bracket
    /// exits the gateway created, modifications.
    public func apply(order px: PXOrder) {
        lock.withLock {
            applyOrder(px)
            cancelStaleEntries()
        }
    }

    /// Cancels the earlier runs' entries `applyOrder` found working (after their state is applied,
    /// so a cancel goes to a working order).
    private func cancelStaleEntries() {
        let stale = staleEntries
        staleEntries = []
        for id in stale {
            settling[id] = false
            _ = cancelLocked(id, .requested)
        }
        settle()
    }

    /// Moves the earlier runs' entries being settled along: one that ended unfilled is settled;
    /// one that filled (its fill beat the cancel) has the symbol flattened, as any flatten does
    /// (working orders cancelled, the position closed with `Position/closeContract`, the
    /// strategies told), and is settled once the position is flat.
    private func settle() {
        for (id, flattened) in settling {
            guard let o = orders[id], o.status.isTerminal else { continue }
            if o.filledQuantity == 0 { settling[id] = nil; continue }
            if !flattened {
                flattenLocked(o.symbol, reason: "an earlier run's entry filled after the restart")
                settling[id] = true
            } else if ledgerState.position(o.symbol).isFlat && !liveOrders.contains(where: { $0.parent == id }) {
                settling[id] = nil
            }
        }
    }

    /// Whether the gateway's order `px` is the decision `o`: the same side and size. A tag names
    /// the n-th decision of a trade day; after a restart the replay's n-th decision can differ from
    /// the one an earlier run sent (that run saw its fills later than their bars, under load), and
    /// binding a BUY decision to a SELL order booked the venue's fills on the wrong side
    /// (LiveCrashTests, seed 1066865262 on a loaded machine).
    private func decisionMatches(_ px: PXOrder, _ o: Order) -> Bool {
        (px.side == 0) == (o.side == .buy) && Int64(px.size) == o.request.quantity
    }

    /// The local decision a gateway order's tag names, when it is that decision.
    private func decision(taggedAs px: PXOrder) -> OrderID? {
        guard let tag = px.customTag, let l = localOfTag[tag], let o = orders[l], o.status.isLive || o.status == .filled,
              decisionMatches(px, o) else { return nil }
        return l
    }

    /// Whether `px` carries this runner's tag: a decision of this or an earlier run.
    private func isOwn(_ px: PXOrder) -> Bool { px.customTag?.hasPrefix(tagPrefix + "-") == true }

    private func applyOrder(_ px: PXOrder) {
        var local = localOf[px.id]
        if local == nil, let l = decision(taggedAs: px) { bind(l, px.id); local = l }
        if local == nil, let parent = px.parentOrderId, let pl = localOf[parent], let entry = orders[pl], let sym = symbolOf[px.contractId],
           let tick = instruments[sym]?.spec.tickSize {
            // A bracket exit the gateway created for our entry.
            let id = OrderID(nextLocal); nextLocal += 1
            var o = Order(id: id, request: ProjectXTranslation.bracketExit(px, entry: entry, symbol: sym, tick: tick),
                          status: .pending, createdAt: clock, tradeDay: riskNow.tradeDay)
            o.parent = pl
            put(o)
            if let s = strategyOf[pl] { strategyOf[id] = s }
            bind(id, px.id)
            local = id
        }
        if local == nil, let sym = symbolOf[px.contractId] {
            // An order we did not place (the venue's liquidation, a manual order): tracked so its
            // fills are attributed.
            let id = OrderID(nextLocal); nextLocal += 1
            put(Order(id: id, request: ProjectXTranslation.foreignOrder(px, symbol: sym, reason: pendingFlatten[sym] ?? "venue"),
                      status: .pending, createdAt: clock, tradeDay: riskNow.tradeDay))
            bind(id, px.id)
            local = id
            // An entry of an earlier run that no decision of the strategy's is (see `endWarmup`),
            // still working once live: cancelled, so it cannot trade beside the strategy's own.
            if isOwn(px), px.parentOrderId == nil, !px.orderStatus.isTerminal, !warming { staleEntries.append(id) }
        }
        guard let id = local, var o = orders[id] else { return }
        for step in ProjectXTranslation.steps(local: o.status, venue: px.orderStatus) {
            var why = CancelReason.requested
            switch step {
            case .accept(let suspended): o.apply(.accept(suspended: suspended), at: clock)
            case .activate: o.apply(.activate, at: clock)
            case .reprice:
                guard let tick = instruments[o.symbol]?.spec.tickSize, let change = ProjectXTranslation.change(of: o, shown: px, tick: tick),
                      case .moved = o.apply(.modify(change), at: clock) else { continue }
                pendingModify[id] = nil
            case .cancel:
                why = cancelReasons.removeValue(forKey: id) ?? inferredCancelReason(o)
                o.apply(.cancel(why), at: clock)
            case .expire:
                o.apply(.expire, at: clock)
                // A close that expired unfilled (the day ended first) closes nothing: the flatten
                // it carried is over, and a later liquidation is named by what causes it.
                if case .flatten = o.request.purpose, o.filledQuantity == 0 { pendingFlatten[o.symbol] = nil }
            case .reject: o.apply(.reject, at: clock)
            }
            put(o)
            queued.append(BrokerEvent(step: step, order: o, cancelReason: why))
        }
    }

    /// Why the gateway cancelled an order we did not ask to cancel: its OCO partner or its
    /// entry's fill, or a closed position.
    private func inferredCancelReason(_ o: Order) -> CancelReason {
        if let p = o.parent {
            let siblings = orders.values.filter { $0.parent == p && $0.id != o.id }
            if let filled = siblings.first(where: { $0.filledQuantity > 0 }) { return .ocoFilled(filled.id) }
            if let entry = orders[p], entry.status == .cancelled { return .parentCancelled(p) }
        }
        return ledgerState.position(o.symbol).isFlat ? .positionClosed : .requested
    }

    /// A `GatewayUserTrade` event (or a trade from a REST snapshot). Each trade id is booked once,
    /// whichever way it arrives; a trade of an order not yet known waits for it.
    public func apply(trade t: PXTrade) {
        lock.withLock {
            guard !t.voided, !seenTrades.contains(t.id) else { return }
            guard localOf[t.orderId] != nil else { waitingTrades[t.orderId, default: []].append(t); return }
            book(t)
            settle()
        }
    }

    private func flushWaitingTrades(_ gid: Int64) {
        guard let ts = waitingTrades.removeValue(forKey: gid) else { return }
        for t in ts.sorted(by: { $0.id < $1.id }) where !seenTrades.contains(t.id) { book(t) }
    }

    private func book(_ t: PXTrade) {
        guard let id = localOf[t.orderId], var o = orders[id], let ins = instruments[o.symbol],
              ins.spec.tickSize.ticks(decimal: t.price) != nil else { return }
        // Seen once its price reads, even if it fills nothing (an over-fill is not booked twice).
        seenTrades.insert(t.id)
        guard let f = ProjectXTranslation.fill(t, remaining: o.remaining, tick: ins.spec.tickSize, clock: clock) else { return }
        let time = f.time, qty = f.quantity, ticks = f.price.ticks
        // A trade may arrive before the order's own news: the order is accepted (and a suspended
        // exit live) by it first.
        if o.status == .pending { o.apply(.accept(suspended: false), at: time); queued.append(.orderAccepted(o)) }
        if o.status == .suspended { o.apply(.activate, at: time) }
        o.apply(.fill(quantity: qty, price: f.price), at: time)
        put(o)
        var purpose = o.request.purpose
        var breach: RuleBreach?
        if case .flatten(let why) = purpose {
            if let reason = pendingFlatten[o.symbol] {
                purpose = .flatten(reason)
            } else if why == "venue" {
                // The venue liquidated before our own check saw the price: the limit it met is
                // recorded here, at the fill's price and time, as the simulated exchange records it.
                let pos = ledgerState.position(o.symbol)
                let equity = equityLocked() + Money(cents: (pos.unrealizedTicks(at: Price(ticks: ticks))
                    - pos.unrealizedTicks(at: Price(ticks: last[o.symbol] ?? ticks))) * ins.tickValueCents)
                if let b = riskNow.enforceLossLimits(equity: equity, at: time) {
                    breach = b
                    purpose = .flatten(RiskState.lossLimitReason(b.rule))
                    o.request.purpose = purpose
                    put(o)
                }
            }
        }
        if let breach {
            queued.append(.ruleBreached(breach))
            flattenLocked(nil, reason: RiskState.lossLimitReason(breach.rule))
        }
        let fill = Fill(orderID: id, symbol: o.symbol, side: o.side, quantity: qty, price: f.price, time: time,
                        fee: f.fee, resolution: .exact, purpose: purpose)
        ledgerState.record(fill, instrument: ins, strategy: strategyOf[id])
        last[o.symbol] = last[o.symbol] ?? ticks
        queued.append(.orderFilled(o, fill))
        queued.append(.positionChanged(ledgerState.position(o.symbol)))
        if ledgerState.position(o.symbol).isFlat { pendingFlatten[o.symbol] = nil }
        // OCO groups between orders are the runner's to enforce, within the symbol, as the
        // simulated exchange groups them: strategies on other symbols may name their groups alike
        // (the overnight range's `overnight-DATE` on MES and NQ; `LivePortfolioParityTests`).
        if let g = o.ocoGroup {
            for other in liveOrders where other.id != id && other.ocoGroup == g && other.symbol == o.symbol {
                _ = cancelLocked(other.id, .ocoFilled(id))
            }
        }
        // Exits given as prices: the gateway set them as ticks from the trigger price; move them
        // to the requested prices if the entry filled elsewhere.
        if let legs = priceLegs[id] {
            for child in liveOrders where child.parent == id {
                guard let gid = gatewayOf[child.id] else { continue }
                let want: Price? = child.request.purpose == .stopLoss ? (legs.stopLoss.map { $0.price(entry: Price(ticks: ticks), side: o.side, adverse: true) })
                    : (legs.takeProfit.map { $0.price(entry: Price(ticks: ticks), side: o.side, adverse: false) })
                guard let want else { continue }
                let have: Int64? = switch child.request.kind { case .stop(let p): p.ticks; case .limit(let p): p.ticks; default: nil }
                if have != want.ticks {
                    let tick = ins.spec.tickSize
                    let isStop = child.request.purpose == .stopLoss
                    outbox.append(.modify(local: child.id, PXModifyOrderRequest(accountId: accountID, orderId: gid,
                                                                               limitPrice: isStop ? nil : tick.decimal(want), stopPrice: isStop ? tick.decimal(want) : nil)))
                }
            }
        }
        checkBreach()
        // Dated by the fill that reached the stop, as the simulated exchange dates it.
        if riskNow.rules.consistencyGovernor, let b = riskNow.enforceConsistency(equity: equityLocked(), at: time) {
            queued.append(.ruleBreached(b))
            flattenLocked(nil, reason: "consistency")
        }
        queued.append(.accountChanged(accountLocked))
    }

    /// Settles state against a REST snapshot after a (re)connect: trades not yet booked are booked
    /// in id order (none twice), and order states are brought up to date.
    public func reconcile(orders snapshot: [PXOrder], trades: [PXTrade]) {
        lock.withLock {
            for o in snapshot.sorted(by: { $0.id < $1.id }) where o.orderStatus != .filled { applyOrder(o) }
            for t in trades.sorted(by: { $0.id < $1.id }) where !t.voided && !seenTrades.contains(t.id) {
                if localOf[t.orderId] == nil, let o = snapshot.first(where: { $0.id == t.orderId }) { applyOrder(o) }
                if localOf[t.orderId] != nil { book(t) } else { waitingTrades[t.orderId, default: []].append(t) }
            }
            for o in snapshot where o.orderStatus == .filled { applyOrder(o) }
            cancelStaleEntries()
        }
    }

    /// Orders of this runner whose placement outcome is unknown (sent, no answer): the runner
    /// looks them up by tag.
    public var unacknowledged: [(OrderID, String)] {
        lock.withLock {
            liveOrders.filter { $0.status == .pending && gatewayOf[$0.id] == nil }.compactMap { o in tagOf[o.id].map { (o.id, $0) } }
        }
    }

    // MARK: Resuming after a restart

    /// Starts replaying history: commands are not sent; orders the strategies place are found at
    /// the gateway by their tags (`snapshot`: the gateway's orders over the replayed span).
    /// `until`: the end of the last bar the replay will play (see `warmupBind`).
    public func beginWarmup(snapshot: [PXOrder], until end: Timestamp? = nil) {
        lock.withLock {
            warming = true
            warmupEnd = end
            for o in snapshot {
                snapshotByID[o.id] = o
                if let t = o.customTag { snapshotByTag[t] = o }
            }
        }
    }


    /// Replays what the gateway did before `end`: fills (each booked once) and the cancellations
    /// and expiries its snapshot dates before `end`.
    public func warmupAdvance(to end: Timestamp, trades: [PXTrade]) {
        lock.withLock {
            for t in trades.sorted(by: { $0.id < $1.id }) where !seenTrades.contains(t.id) {
                guard let ts = PXTime.parse(t.creationTimestamp), ts < end else { continue }
                // An order the replay has no matching decision for (yet): the gateway's, tracked
                // so its fills are booked as they happened.
                if localOf[t.orderId] == nil, let o = snapshotByID[t.orderId], decision(taggedAs: o) == nil {
                    applyOrder(o)
                }
                guard localOf[t.orderId] != nil else { continue }
                book(t)
                // Bracket exits come alive with their entry's fill.
                if let entry = localOf[t.orderId] {
                    for c in liveOrders where c.parent == entry && c.status == .suspended {
                        var child = c
                        child.apply(.activate, at: ts); put(child)
                        queued.append(.orderWorking(child))
                    }
                }
            }
            for (gid, local) in localOf {
                guard let px = snapshotByID[gid], var o = orders[local], o.status.isLive,
                      let at = px.updateTimestamp.flatMap(PXTime.parse), at < end else { continue }
                switch px.orderStatus {
                case .cancelled:
                    let why = cancelReasons.removeValue(forKey: local) ?? inferredCancelReason(o)
                    if o.status == .pending { o.apply(.accept(suspended: false), at: at) }
                    o.apply(.cancel(why), at: at); put(o)
                    queued.append(.orderCancelled(o, why))
                case .expired:
                    o.apply(.expire, at: at); put(o)
                    queued.append(.orderExpired(o))
                default: break
                }
            }
        }
    }

    /// Binds the orders placed since the last call to the gateway's orders with the same tags,
    /// with the bracket exits the gateway made for them.
    public func warmupBind() {
        lock.withLock {
            let placed = warmPlaced
            warmPlaced = []
            for id in placed {
                guard let tag = tagOf[id], let px = snapshotByTag[tag], var o = orders[id] else { continue }
                // The gateway's order with this tag is another decision (an earlier run's n-th
                // decision of the day differed): this one was never sent, and is refused below.
                guard decisionMatches(px, o), localOf[px.id] == nil else { continue }
                bind(id, px.id)
                deferred[id] = nil
                o.apply(.accept(suspended: false), at: clock); put(o)
                queued.append(.orderAccepted(o))
                for child in snapshotByID.values.filter({ $0.parentOrderId == px.id }).sorted(by: { $0.id < $1.id }) {
                    var suspended = child
                    suspended.status = PXOrderStatus.suspended.rawValue
                    applyOrder(suspended)
                }
            }
            // A decision the gateway does not hold, made before the replay's last bar, was never
            // sent (a replayed span before any run traded, or a run killed before it went out)
            // and never will be (`endWarmup` refuses it): refused now, at its own bar, so the
            // strategy goes on deciding through the rest of the replay as the runs that traded
            // did, and its later decisions carry the tags they had then. Left pending to the end
            // it kept the strategy out of every later decision, and after a restart the orders
            // the earlier runs placed were not the strategy's own (`ReplayRestartTests`).
            guard let end = warmupEnd else { return }
            for id in placed where deferred[id] != nil {
                guard var o = orders[id], o.status == .pending, o.createdAt < end else { continue }
                deferred[id] = nil
                o.apply(.reject, at: clock); put(o)
                queued.append(.orderRejected(o.request, .venue(code: 0, message: "placed before the restart and never received by the gateway; not sent late")))
            }
        }
    }

    /// Ends the replay: an order the strategies placed on the last replayed bar that the gateway
    /// does not have is sent now (its tag is new to the gateway, so it cannot be taken twice);
    /// older ones are refused to the strategy rather than sent late.
    public func endWarmup() {
        lock.withLock {
            warming = false
            // An earlier run's entry that no replayed decision is (that run decided otherwise: it
            // saw its fills later than their bars), still working at the gateway, would trade
            // beside the strategy's own decisions: cancelled before any of them goes out.
            for px in snapshotByID.values.sorted(by: { $0.id < $1.id }) where px.parentOrderId == nil && isOwn(px) && !px.orderStatus.isTerminal {
                if let l = localOf[px.id] {
                    if strategyOf[l] == nil { staleEntries.append(l) }
                } else {
                    applyOrder(px)
                    // Its bracket exits, so a fill that beats the cancel finds them to cancel.
                    for child in snapshotByID.values.filter({ $0.parentOrderId == px.id }).sorted(by: { $0.id < $1.id }) { applyOrder(child) }
                }
            }
            cancelStaleEntries()
            for (id, cmd) in deferred.sorted(by: { $0.key < $1.key }) {
                guard var o = orders[id], o.status == .pending else { continue }
                // Its tag names another order at the gateway (`warmupBind` did not bind it): sent,
                // it would be refused as a tag already used, and found as that other order.
                let tagTaken = tagOf[id].map { snapshotByTag[$0] != nil } ?? false
                if o.createdAt >= clock && !tagTaken && (settling.isEmpty || o.request.purpose != .entry) {
                    outbox.append(cmd)
                } else if !settling.isEmpty && o.request.purpose == .entry {
                    // It decided beside an earlier run's entry that is still being cancelled (or
                    // closed): not sent, so the two cannot both trade.
                    o.apply(.reject, at: clock); put(o)
                    queued.append(.orderRejected(o.request, .venue(code: 0, message: "an earlier run's order is being settled at the gateway: not sent")))
                } else {
                    // A decision of the past the gateway never saw: not sent late.
                    o.apply(.reject, at: clock); put(o)
                    queued.append(.orderRejected(o.request, .venue(code: 0, message: "placed before the restart and never received by the gateway; not sent late")))
                }
            }
            deferred = [:]
        }
    }

    /// Takes the stored risk state in place of the one the replay built, carried forward to the
    /// trade day the replay reached (or the stored day, when it reached none) with the
    /// start-of-day balances the replay's fills gave (`RiskState.init(rules:restoring:through:dayStarts:)`).
    /// Returns the state now in force.
    @discardableResult
    public func resumeRisk(from snapshot: RiskState.Snapshot) -> RiskState {
        lock.withLock {
            let day = max(riskNow.tradeDay, snapshot.tradeDay)
            let wasLocked = riskNow.isLocked
            riskNow = RiskState(rules: riskNow.rules, restoring: snapshot, through: day, dayStarts: dayStarts)
            if wasLocked != riskNow.isLocked { queued.append(.accountChanged(accountLocked)) }
            return riskNow
        }
    }

    /// The custom tag of an order this runner placed.
    public func tag(of id: OrderID) -> String? {
        lock.withLock { tagOf[id] }
    }

    public var fillCount: Int { lock.withLock { ledgerState.fills.count } }

    /// The ledger as the venue's view is compared with it: positions by contract, the realised
    /// balance and the fees counted (`VenueComparison`).
    public func venueBook() -> VenueComparison.Book {
        lock.withLock {
            var positions: [String: Int64] = [:]
            for (sym, p) in ledgerState.positions where !p.isFlat {
                positions[contractOf[sym] ?? sym, default: 0] += p.quantity
            }
            return VenueComparison.Book(positions: positions, balance: ledgerState.balance, fees: ledgerState.feesPaid)
        }
    }

    /// Closes, with `Position/closeContract`, positions the venue holds in contracts the ledger
    /// has none in (a venue mismatch: the runner's flatten closes only what it knows of).
    public func closeAtVenue(_ contractIDs: [String]) {
        lock.withLock {
            let symbolOf = Dictionary(contractOf.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
            for c in contractIDs { outbox.append(.close(symbol: symbolOf[c] ?? c, contractID: c)) }
        }
    }
}

extension Bracket {
    /// A leg given as a price (not ticks from the fill).
    var hasPriceLeg: Bool {
        for leg in [stopLoss, takeProfit] { if case .price? = leg { return true } }
        return false
    }
}

/// The order gate's view of the live account (read under the broker's lock: `placeLocked` holds it).
extension LiveBroker: GatedAccount {
    public func trades(_ symbol: String) -> Bool { instruments[symbol] != nil && contractOf[symbol] != nil }
    public func order(tagged tag: ClientTag) -> Order? { localOfTag[tag.value].flatMap { orders[$0] } }
    public func venueRefusal(_ request: OrderRequest) -> RejectReason? {
        if case .failure(let why) = wireForm(request) { return why }
        return nil
    }
    public func positionQuantity(_ symbol: String) -> Int64 { ledgerState.position(symbol).quantity }
    public func equityNow() -> Money { equityLocked() }
    public var riskState: RiskState { riskNow }
    /// The trade date of an order placed now, as the simulated exchange dates it
    /// (`SessionCalendar.orderTradeDay`).
    public var gateTime: (now: Timestamp, tradeDate: TradeDate) {
        (clock, TradeDate(dayNumber: calendar.orderTradeDay(at: clock.seconds, current: riskNow.tradeDay)))
    }
    public func forEachExposure(_ body: (String, Double, Int64, Int64, Int64) -> Void) {
        for (symbol, ins) in instruments {
            var buys: Int64 = 0, sells: Int64 = 0
            for o in liveOrders where o.symbol == symbol && o.status != .suspended && !o.request.reduceOnly && o.parent == nil {
                if o.side == .buy { buys += o.remaining } else { sells += o.remaining }
            }
            body(symbol, ins.spec.miniEquivalent, ledgerState.position(symbol).quantity, buys, sells)
        }
    }
}
