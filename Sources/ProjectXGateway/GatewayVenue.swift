import Foundation
import Data
import Trading
import Backtest
import ProjectX

/// A recorded market the gateway replays: one contract's bars. The gateway trades one tape or
/// several (a portfolio: one contract each, played in time order). Other dated contracts of a
/// tape's product (`history`) are served by the contract and history endpoints only (not traded),
/// up to the replay clock: a pull across a roll sees both months.
public struct GatewayTape: Sendable {
    public var series: BarSeries
    public var contract: ContractID
    public init(series: BarSeries, contract: ContractID) { self.series = series; self.contract = contract }
}

/// What the venue wants sent to hub clients after a change.
public enum GatewayPush: Sendable {
    case user(target: String, accountID: Int, arguments: [ProjectX.JSONValue])
    case market(target: String, contractID: String, kind: MarketStream, arguments: [ProjectX.JSONValue])
}

public enum MarketStream: String, Sendable { case quotes, trades, depth }

/// The gateway's trading venue: accounts, contracts, tokens, and orders filled by the simulated
/// exchange from a replayed tape. All its state is in this actor; the HTTP and hub layers only
/// translate.
public actor GatewayVenue {
    public let config: GatewayConfig
    let exchange: SimulatedExchange
    let registry: ContractRegistry
    var contracts: [PXContract] = []
    var symbolOfContract: [String: String] = [:]
    var contractOfSymbol: [String: String] = [:]
    /// The traded tapes, one contract each (of distinct symbols), in the order bars of the same
    /// time are played.
    let tapes: [GatewayTape]
    /// Per tape, the index of its next bar to play.
    var cursors: [Int]
    /// The tapes whose last bar played has not been closed by its bar-end quote yet (`closeBar`).
    var unclosed: [Int] = []
    var lastClosed: [Int] = []
    /// Further dated contracts, served by the contract and history endpoints only.
    let history: [GatewayTape]
    /// Bars played so far, over every tape.
    public var cursor: Int { cursors.reduce(0, +) }
    /// The trade day, rolled by the rule every broker uses.
    var days: TradeDayClock
    var tags: [String: Int64] = [:]
    var trades: [PXTrade] = []
    var nextTradeID: Int64 = 1
    var nextPositionID = 1
    var positionIDs: [String: Int] = [:]
    var books: [String: Position] = [:]
    var placedCount = 0
    var clock: Timestamp

    // Tokens and limits.
    var tokens: [String: Int64] = [:]
    var tokenSerial = 0
    var historyWindow: [Date] = []
    var generalWindow: [Date] = []
    public var faults = GatewayFaults()
    public private(set) var counters: [String: Int] = [:]
    var hubsDownUntil: Date?

    /// Where pushes go (the hub layer installs it).
    var push: @Sendable ([GatewayPush]) -> Void = { _ in }

    public init(config: GatewayConfig, tape: GatewayTape?, history: [GatewayTape] = [], registry: ContractRegistry = .builtIn) {
        self.init(config: config, tapes: tape.map { [$0] } ?? [], history: history, registry: registry)
    }

    /// A venue trading several tapes on its one account: their bars play in time order, bars of
    /// the same time in the order of `tapes` (as `BacktestEngine.run(portfolio:)` trades them),
    /// each contract filling on its own tick grid. Each tape's symbol appears once.
    public init(config: GatewayConfig, tapes: [GatewayTape], history: [GatewayTape] = [], registry: ContractRegistry = .builtIn) {
        precondition(Set(tapes.map(\.series.symbol)).count == tapes.count, "one tape per symbol")
        self.config = config
        self.registry = registry
        self.tapes = tapes
        cursors = tapes.map { _ in 0 }
        self.history = history
        var exchangeConfig = ExchangeConfig()
        exchangeConfig.rejectWhenClosed = true
        var instruments: [Instrument] = []
        for spec in registry.specs.values.sorted(by: { $0.symbol < $1.symbol }) { instruments.append(Instrument(spec: spec)) }
        exchange = SimulatedExchange(instruments: instruments, rules: config.rules, config: exchangeConfig)
        days = TradeDayClock(calendar: exchangeConfig.calendar)
        let first = tapes.compactMap { $0.series.first?.time }.min()
        let start = first ?? Timestamp(seconds: Int64(Date().timeIntervalSince1970))
        clock = start
        for spec in registry.specs.values.sorted(by: { $0.symbol < $1.symbol }) {
            let id: ContractID
            if let t = tapes.first(where: { $0.series.symbol == spec.symbol }) { id = t.contract } else {
                id = ContractID.front(symbol: spec.symbol, on: CivilTime(utcSeconds: start.seconds), cycle: spec.monthCycle)
            }
            let pxID = id.projectXID(registry: registry)
            contracts.append(PXContract(
                id: pxID, name: id.cmeCode, description: "\(spec.name): \(id.cmeCode)",
                tickSize: Decimal(string: spec.tickSize.description) ?? 0, tickValue: spec.tickValue.decimal,
                activeContract: true, symbolId: "F.US.\(spec.projectXRoot)"))
            symbolOfContract[pxID] = spec.symbol
            contractOfSymbol[spec.symbol] = pxID
        }
        for h in history {
            guard let spec = registry.specs[h.contract.symbol] else { continue }
            let pxID = h.contract.projectXID(registry: registry)
            guard !contracts.contains(where: { $0.id == pxID }) else { continue }
            contracts.append(PXContract(
                id: pxID, name: h.contract.cmeCode, description: "\(spec.name): \(h.contract.cmeCode)",
                tickSize: Decimal(string: spec.tickSize.description) ?? 0, tickValue: spec.tickValue.decimal,
                activeContract: false, symbolId: "F.US.\(spec.projectXRoot)"))
        }
        exchange.setClock(start)
        if let first {
            if let d = days.reach(first.seconds) { exchange.beginTradeDay(d) }
        }
    }

    func setPush(_ f: @escaping @Sendable ([GatewayPush]) -> Void) { push = f }

    func count(_ key: String) { counters[key, default: 0] += 1 }

    // MARK: Tokens

    public func login(user: String, key: String) -> PXLoginResponse {
        count("login")
        if config.users.isEmpty ? key.isEmpty : config.users[user] != key {
            return PXLoginResponse(token: nil, errorCode: 3, errorMessage: "Invalid credentials")
        }
        return PXLoginResponse(token: issueToken(user))
    }

    func issueToken(_ user: String) -> String {
        tokenSerial += 1
        let exp = Int64(Date().timeIntervalSince1970) + config.tokenLifetime
        let t = JWT.make(subject: user, expiry: exp, nonce: String(tokenSerial))
        tokens[t] = exp
        return t
    }

    public func isValid(token: String) -> Bool {
        guard let exp = tokens[token] else { return false }
        return exp > Int64(Date().timeIntervalSince1970)
    }

    public func validate(token: String) -> PXValidateResponse {
        count("validate")
        guard isValid(token: token) else { return PXValidateResponse(newToken: nil, errorCode: 3, errorMessage: "Expired token") }
        let fresh = issueToken("rotated")
        if config.revokeOnRotation { tokens[token] = nil }
        return PXValidateResponse(newToken: fresh)
    }

    /// Counts a request against its budget; the seconds to wait when it is over the limit.
    public func admit(history: Bool) -> Int? {
        if let n = faults.rateLimit, n > 0 {
            faults.rateLimit = n - 1
            count("injected429")
            return faults.retryAfter ?? 1
        }
        let now = Date()
        let (limit, window) = history ? config.historyLimit : config.generalLimit
        var w = history ? historyWindow : generalWindow
        w.removeAll { now.timeIntervalSince($0) >= window }
        defer { if history { historyWindow = w } else { generalWindow = w } }
        guard w.count < limit else {
            count("limited429")
            return Int((window - now.timeIntervalSince(w[0])).rounded(.up))
        }
        w.append(now)
        return nil
    }

    public func applyFaults(_ f: GatewayFaults) -> GatewayFaults {
        if let v = f.rejectOrders { faults.rejectOrders = v }
        if let v = f.rateLimit { faults.rateLimit = v }
        if let v = f.retryAfter { faults.retryAfter = v }
        if let v = f.slowMs { faults.slowMs = v }
        if let v = f.loseNextPlaceAnswer { faults.loseNextPlaceAnswer = v }
        if let v = f.nullErrorMessages { faults.nullErrorMessages = v }
        if let v = f.refuseHubs { faults.refuseHubs = v }
        if let v = f.holdHistoryAfter { faults.holdHistoryAfter = v < 0 ? nil : v }
        if f.expireTokens == true { tokens = [:]; count("tokensExpired") }
        if f.restart == true {
            tokens = [:]
            hubsDownUntil = Date().addingTimeInterval(Double(f.downMs ?? 500) / 1000)
            count("restarts")
        }
        return faults
    }

    /// Cash adjustments posted by the `adjustBalance` fault, in dollars.
    private var balanceAdjustment: Decimal = 0

    public var hubsRefusing: Bool { faults.refuseHubs == true || (hubsDownUntil.map { Date() < $0 } ?? false) }

    public var slowMs: Int { faults.slowMs ?? 0 }

    /// Whether a history call arriving now is held (`holdHistoryAfter`); one that is not counts
    /// against the calls still to answer.
    public func holdsHistoryCall() -> Bool {
        guard let left = faults.holdHistoryAfter else { return false }
        if left > 0 { faults.holdHistoryAfter = left - 1; return false }
        return true
    }

    /// Whether history calls are held now.
    public var holdingHistory: Bool { faults.holdHistoryAfter == 0 }
    /// Rejections go out with `errorMessage: null` (the `nullErrorMessages` fault).
    public var nullsErrorMessages: Bool { faults.nullErrorMessages ?? false }

    // MARK: Reads

    /// Posts a cash adjustment (the `adjustBalance` fault): the account's balance moves by
    /// `amount` beside what its fills made; the account event to push is returned.
    public func adjustBalance(by amount: Decimal) -> [GatewayPush] {
        balanceAdjustment += amount
        count("balanceAdjustments")
        guard let a = accounts().first else { return [] }
        return [.user(target: "GatewayUserAccount", accountID: config.accountID, arguments: PXUserEventPayload.encode(a, shape: config.payloadShape))]
    }

    public func accounts() -> [PXAccount] {
        let a = exchange.account
        return [PXAccount(id: config.accountID, name: config.accountName, balance: a.balance.decimal + balanceAdjustment,
                          canTrade: !(a.lockedUntilNextDay || a.failed), isVisible: true, simulated: true)]
    }

    public func searchContracts(_ text: String) -> [PXContract] {
        let q = text.uppercased()
        guard !q.isEmpty else { return Array(contracts.prefix(20)) }
        // Fuzzy on name as the real one is: "NQ" also finds names merely containing it.
        return Array(contracts.filter { $0.name.uppercased().contains(q) || $0.id.uppercased().contains(q) || $0.description.uppercased().contains(q) }.prefix(20))
    }

    public func allContracts() -> [PXContract] { contracts }

    public func contract(id: String) -> PXContract? { contracts.first { $0.id.caseInsensitiveCompare(id) == .orderedSame } }

    /// Bars of the tape already played (the gateway does not show the future), aggregated to
    /// `unit × unitNumber`, newest first, at most `limit`.
    public func bars(_ r: PXRetrieveBarsRequest) -> PXRetrieveBarsResponse {
        count("retrieveBars")
        guard contract(id: r.contractId) != nil else { return PXRetrieveBarsResponse(bars: nil, errorCode: 1, errorMessage: "Contract not found") }
        guard let unit = PXBarUnit(rawValue: r.unit) else { return PXRetrieveBarsResponse(bars: nil, errorCode: 2, errorMessage: "Invalid unit") }
        guard r.unitNumber > 0 else { return PXRetrieveBarsResponse(bars: nil, errorCode: 3, errorMessage: "Invalid unit number") }
        guard (1...20_000).contains(r.limit) else { return PXRetrieveBarsResponse(bars: nil, errorCode: 4, errorMessage: "Invalid limit") }
        guard let (served, cursor) = servedTape(r.contractId),
              let start = PXTime.parse(r.startTime), let end = PXTime.parse(r.endTime) else { return PXRetrieveBarsResponse(bars: []) }
        let s = served.series
        guard let target = Timeframe(projectXUnit: unit.rawValue, unitNumber: r.unitNumber) else {
            return PXRetrieveBarsResponse(bars: nil, errorCode: 3, errorMessage: "Invalid unit number")
        }
        // An expired contract's second and minute bars, when the venue keeps none (`expiredMinuteHistory`).
        if !config.expiredMinuteHistory, let width = target.fixedSeconds, width < 3600, !target.isSessionBased {
            let e = served.contract.expirationDate
            let today = CivilTime(utcSeconds: clock.seconds)
            if CivilTime.daysFromCivil(year: today.year, month: today.month, day: today.day) > CivilTime.daysFromCivil(year: e.year, month: e.month, day: e.day) {
                count("expiredMinuteHistory")
                return PXRetrieveBarsResponse(bars: [])
            }
        }
        // Only what has been played: the gateway never shows the future. Coarser bars come from
        // the product's own resampling (UTC-aligned intraday, session-aware days, weeks, months).
        let played = s.slice(0..<cursor).slice(from: start, to: end)
        let grouped: BarSeries
        do { grouped = target == s.timeframe ? played : try played.resampled(to: target, calendar: exchange.config.calendar) } catch {
            return PXRetrieveBarsResponse(bars: nil, errorCode: 2, errorMessage: "the loopback tape holds \(s.timeframe) bars and cannot serve \(target) bars")
        }
        var out = (0..<grouped.count).map { (grouped.time[$0], grouped.open[$0], grouped.high[$0], grouped.low[$0], grouped.close[$0], grouped.volume[$0]) }
        // The newest bar is still forming while the replay clock has not reached its end (for
        // days, weeks and months: while the next bar of the tape still falls in it).
        if !r.includePartialBar, let last = out.last {
            let forming: Bool
            if let width = target.fixedSeconds, !target.isSessionBased {
                forming = clock.seconds < last.0 + width
            } else if cursor < s.count, let next = try? s.slice(cursor - 1..<cursor + 1).resampled(to: target, calendar: exchange.config.calendar) {
                forming = next.count == 1
            } else {
                forming = false
            }
            if forming { out.removeLast() }
        }
        let tick = s.tickSize
        let bars = out.suffix(r.limit).reversed().map { b in
            PXBar(t: PXTime.format(Timestamp(seconds: b.0)), o: tick.decimal(Price(ticks: b.1)), h: tick.decimal(Price(ticks: b.2)),
                  l: tick.decimal(Price(ticks: b.3)), c: tick.decimal(Price(ticks: b.4)), v: b.5)
        }
        return PXRetrieveBarsResponse(bars: Array(bars))
    }

    /// The tape serving a contract id with the number of its bars played: the traded tape's
    /// cursor, or a history tape's bars before the replay clock.
    func servedTape(_ contractID: String) -> (GatewayTape, Int)? {
        if let k = tapes.firstIndex(where: { contractOfSymbol[$0.series.symbol]?.caseInsensitiveCompare(contractID) == .orderedSame }) {
            return (tapes[k], cursors[k])
        }
        guard let h = history.first(where: { $0.contract.projectXID(registry: registry).caseInsensitiveCompare(contractID) == .orderedSame }) else { return nil }
        return (h, h.series.lowerBound(clock.seconds))
    }

    public func orders(statuses: Set<Int>? = nil, contractID: String? = nil, from: Timestamp? = nil, to: Timestamp? = nil) -> [PXOrder] {
        exchange.allOrders.compactMap(pxOrder).filter { o in
            (statuses.map { $0.contains(o.status) } ?? true) && (contractID.map { $0 == o.contractId } ?? true)
                && (from.map { f in PXTime.parse(o.creationTimestamp).map { $0 >= f } ?? true } ?? true)
                && (to.map { e in PXTime.parse(o.creationTimestamp).map { $0 < e } ?? true } ?? true)
        }
    }

    public func order(id: Int64) -> PXOrder? { exchange.order(OrderID(id)).flatMap(pxOrder) }

    public func positions() -> [PXPosition] {
        exchange.positions().compactMap { p in
            guard let cid = contractOfSymbol[p.symbol], let spec = registry.specs[p.symbol], let avg = p.averagePriceTicks else { return nil }
            return PXPosition(id: positionID(p.symbol), accountId: config.accountID, contractId: cid,
                              creationTimestamp: PXTime.format(p.lots.first?.time ?? clock), type: p.quantity > 0 ? 1 : 2,
                              size: Int(abs(p.quantity)), averagePrice: decimal(avgTicks: abs(avg), spec.tickSize))
        }
    }

    public func tradeList(from: Timestamp?, to: Timestamp?) -> [PXTrade] {
        trades.filter { t in
            guard let ts = PXTime.parse(t.creationTimestamp) else { return true }
            return (from.map { ts >= $0 } ?? true) && (to.map { ts < $0 } ?? true)
        }
    }

    func positionID(_ symbol: String) -> Int {
        if let id = positionIDs[symbol] { return id }
        let id = nextPositionID; nextPositionID += 1; positionIDs[symbol] = id
        return id
    }

    func decimal(avgTicks: Double, _ tick: TickSize) -> Decimal {
        Decimal(avgTicks) * (Decimal(string: tick.description) ?? 1)
    }

    func pxOrder(_ o: Order) -> PXOrder? {
        guard let cid = contractOfSymbol[o.symbol], let spec = registry.specs[o.symbol] else { return nil }
        let tick = spec.tickSize
        var type = PXOrderType.market, limit: Decimal?, stop: Decimal?
        switch o.request.kind {
        case .market: type = .market
        case .limit(let p): type = .limit; limit = tick.decimal(p)
        case .stop(let p): type = .stop; stop = tick.decimal(p)
        case .stopLimit(let s, let l): type = .stopLimit; stop = tick.decimal(s); limit = tick.decimal(l)
        case .trailingStop: type = .trailingStop; stop = o.trailStop.map(tick.decimal)
        }
        let status: PXOrderStatus = switch o.status {
        case .pending: .pending
        case .suspended: .suspended
        case .working, .partiallyFilled: .open
        case .filled: .filled
        case .cancelled: .cancelled
        case .rejected: .rejected
        case .expired: .expired
        }
        return PXOrder(id: o.id.raw, accountId: config.accountID, contractId: cid, symbolId: "F.US.\(spec.projectXRoot)",
                       creationTimestamp: PXTime.format(o.createdAt), updateTimestamp: PXTime.format(o.updatedAt),
                       status: status, type: type, side: o.side == .buy ? .bid : .ask, size: Int(o.request.quantity),
                       limitPrice: limit, stopPrice: stop, fillVolume: Int(o.filledQuantity),
                       filledPrice: o.averageFillTicks.map { decimal(avgTicks: $0, tick) },
                       customTag: o.request.tag?.value, parentOrderId: o.parent?.raw)
    }

    // MARK: Orders

    public func place(_ r: PXPlaceOrderRequest) -> PXPlaceOrderResponse {
        count("place")
        guard r.accountId == config.accountID else { return PXPlaceOrderResponse(error: .accountNotFound, message: "Account not found") }
        guard let symbol = symbolOfContract[r.contractId], let spec = registry.specs[symbol] else {
            return PXPlaceOrderResponse(error: .contractNotFound, message: "Contract not found")
        }
        if let n = faults.rejectOrders, n > 0 {
            faults.rejectOrders = n - 1
            return PXPlaceOrderResponse(error: .orderRejected, message: "Order rejected (injected fault)")
        }
        if let tag = r.customTag, tags[tag] != nil {
            // A reused tag is an OrderRejected (code 2) with no order id: the reference gives it no
            // code of its own (§4.4), and a client finds its order by the tag, never by this text.
            return PXPlaceOrderResponse(error: .orderRejected, message: "Custom tag '\(tag)' is already in use")
        }
        guard r.size > 0 else { return PXPlaceOrderResponse(error: .orderRejected, message: "Invalid order size") }
        guard let side = PXSide(rawValue: r.side) else { return PXPlaceOrderResponse(error: .orderRejected, message: "Invalid side") }
        let tick = spec.tickSize
        func refuse(_ why: String) -> PXPlaceOrderResponse { PXPlaceOrderResponse(error: .orderRejected, message: why) }
        /// The price in ticks, or the refusal naming the field.
        func ticks(_ d: Decimal?, _ what: String) -> (Price?, PXPlaceOrderResponse?) {
            guard let d else { return (nil, refuse("\(what) is required")) }
            guard let t = tick.ticks(decimal: d) else { return (nil, refuse("Invalid \(what) \(d): not a multiple of the tick size \(tick)")) }
            return (Price(ticks: t), nil)
        }
        let kind: OrderKind
        switch PXOrderType(rawValue: r.type) {
        case .market: kind = .market
        case .limit:
            let (p, refusal) = ticks(r.limitPrice, "limitPrice")
            guard let p else { return refusal! }
            kind = .limit(p)
        case .stop:
            let (p, refusal) = ticks(r.stopPrice, "stopPrice")
            guard let p else { return refusal! }
            kind = .stop(p)
        case .trailingStop:
            let (level, refusal) = ticks(r.trailPrice, "trailPrice")
            guard let level else { return refusal! }
            guard let last = lastPrice(symbol) else { return refuse("No price to trail from") }
            let distance = abs(last - level.ticks)
            guard distance > 0, distance <= 1000 else { return refuse("Invalid trail distance \(distance) ticks") }
            kind = .trailingStop(distance: distance)
        case .joinBid, .joinAsk:
            guard let last = lastPrice(symbol) else { return refuse("No quote to join") }
            kind = .limit(Price(ticks: last))
        default:
            return refuse("Invalid order type \(r.type)")
        }
        let long = side == .bid
        var bracket: Bracket?
        if r.stopLossBracket != nil || r.takeProfitBracket != nil {
            var b = Bracket()
            if let sl = r.stopLossBracket {
                guard sl.type == PXOrderType.stop.rawValue || sl.type == PXOrderType.trailingStop.rawValue else {
                    return PXPlaceOrderResponse(error: .orderRejected, message: "Invalid stop loss type (\(sl.type == 1 ? "Limit" : String(sl.type)))")
                }
                if long ? sl.ticks >= 0 : sl.ticks <= 0 {
                    return PXPlaceOrderResponse(error: .orderRejected, message: "Invalid stop loss ticks (\(sl.ticks)). Ticks should be \(long ? "less" : "greater") than zero when \(long ? "longing" : "going short").")
                }
                b.stopLoss = .ticks(Int64(abs(sl.ticks)))
            }
            if let tp = r.takeProfitBracket {
                if long ? tp.ticks <= 0 : tp.ticks >= 0 {
                    return PXPlaceOrderResponse(error: .orderRejected, message: "Invalid take profit ticks (\(tp.ticks)). Ticks should be \(long ? "greater" : "less") than zero when \(long ? "longing" : "going short").")
                }
                b.takeProfit = .ticks(Int64(abs(tp.ticks)))
            }
            bracket = b
        }
        let request = OrderRequest(symbol: symbol, side: long ? .buy : .sell, quantity: Int64(r.size), kind: kind,
                                   tag: r.customTag.map { ClientTag($0) }, bracket: bracket)
        exchange.setClock(clock)
        switch exchange.place(request) {
        case .accepted(let id):
            placedCount += 1
            if let tag = r.customTag { tags[tag] = id.raw }
            publishExchangeEvents()
            return PXPlaceOrderResponse(orderId: id.raw)
        case .rejected(let why):
            _ = exchange.takeEvents()
            let code: PXPlaceOrderError = switch why {
            case .marketClosed: .outsideTradingHours
            case .unknownSymbol: .contractNotFound
            case .riskRule, .sizeAboveLimit: .accountViolation
            default: .orderRejected
            }
            return PXPlaceOrderResponse(error: code, message: why.description)
        }
    }

    /// Consumes one "lose the answer" fault: the order was taken, the client must not learn it.
    public func takeLostAnswerFault() -> Bool {
        guard let n = faults.loseNextPlaceAnswer, n > 0 else { return false }
        faults.loseNextPlaceAnswer = n - 1
        return true
    }

    public func modify(_ r: PXModifyOrderRequest) -> PXEmptyResponse {
        count("modify")
        guard r.accountId == config.accountID else { return PXEmptyResponse(errorCode: 1, errorMessage: "Account not found") }
        guard let o = exchange.order(OrderID(r.orderId)), let spec = registry.specs[o.symbol] else {
            return PXEmptyResponse(errorCode: 2, errorMessage: "Order not found")
        }
        let tick = spec.tickSize
        var change = OrderChange(quantity: r.size.map(Int64.init))
        if let l = r.limitPrice {
            guard let t = tick.ticks(decimal: l) else { return PXEmptyResponse(errorCode: 3, errorMessage: "Invalid price \(l)") }
            change.limitPrice = Price(ticks: t)
        }
        if let s = r.stopPrice {
            guard let t = tick.ticks(decimal: s) else { return PXEmptyResponse(errorCode: 3, errorMessage: "Invalid price \(s)") }
            change.stopPrice = Price(ticks: t)
        }
        exchange.setClock(clock)
        switch exchange.modify(OrderID(r.orderId), change) {
        case .accepted: publishExchangeEvents(); return PXEmptyResponse()
        case .rejected(let why): _ = exchange.takeEvents(); return PXEmptyResponse(errorCode: 3, errorMessage: why.description)
        }
    }

    public func cancel(_ r: PXCancelOrderRequest) -> PXEmptyResponse {
        count("cancel")
        guard r.accountId == config.accountID else { return PXEmptyResponse(errorCode: 1, errorMessage: "Account not found") }
        guard exchange.order(OrderID(r.orderId)) != nil else { return PXEmptyResponse(errorCode: 2, errorMessage: "Order not found") }
        exchange.setClock(clock)
        switch exchange.cancel(OrderID(r.orderId)) {
        case .accepted: publishExchangeEvents(); return PXEmptyResponse()
        case .rejected(let why): _ = exchange.takeEvents(); return PXEmptyResponse(errorCode: 3, errorMessage: why.description)
        }
    }

    /// Closes (part of) a position with a market order; working orders stay, as on the real gateway.
    public func close(accountID: Int, contractID: String, size: Int?) -> PXEmptyResponse {
        count("close")
        guard accountID == config.accountID else { return PXEmptyResponse(errorCode: 1, errorMessage: "Account not found") }
        guard let symbol = symbolOfContract[contractID] else { return PXEmptyResponse(errorCode: 3, errorMessage: "Contract not found") }
        let p = exchange.position(symbol)
        guard !p.isFlat else { return PXEmptyResponse(errorCode: 2, errorMessage: "Position not found") }
        let qty = Int64(size ?? Int(abs(p.quantity)))
        guard qty > 0, qty <= abs(p.quantity) else { return PXEmptyResponse(errorCode: 5, errorMessage: "Invalid close size") }
        exchange.setClock(clock)
        let r = exchange.place(OrderRequest(symbol: symbol, side: p.quantity > 0 ? .sell : .buy, quantity: qty, kind: .market,
                                            reduceOnly: true, purpose: .exit("close")))
        switch r {
        case .accepted: publishExchangeEvents(); return PXEmptyResponse()
        case .rejected(let why):
            _ = exchange.takeEvents()
            return PXEmptyResponse(errorCode: size == nil ? 5 : 6, errorMessage: why.description)
        }
    }

    func lastPrice(_ symbol: String) -> Int64? {
        guard let k = tapes.firstIndex(where: { $0.series.symbol == symbol }), cursors[k] > 0 else { return nil }
        return tapes[k].series.close[cursors[k] - 1]
    }

    // MARK: Replay

    /// The replay clock (the close of the last bar played).
    public var now: Timestamp { clock }
    /// Bars on every tape.
    public var tapeCount: Int { tapes.reduce(0) { $0 + $1.series.count } }
    /// The contracts the gateway trades (one per tape), in the tapes' order.
    public var tradedContracts: [String] { tapes.compactMap { contractOfSymbol[$0.series.symbol] } }

    /// The tape whose bar plays next: the earliest next bar, the first tape listed on a tie.
    func nextTape() -> Int? {
        var j: Int?, earliest = Int64.max
        for k in tapes.indices where cursors[k] < tapes[k].series.count {
            let t = tapes[k].series.time[cursors[k]]
            if t < earliest { earliest = t; j = k }
        }
        return j
    }

    /// The start of the next bar to play (nil: every tape played out).
    public var nextBarTime: Timestamp? { nextTape().map { Timestamp(seconds: tapes[$0].series.time[cursors[$0]]) } }

    public var tradeCount: Int { trades.count }

    /// Plays the next `n` bars (over several tapes: the earliest next bar each time, the first
    /// tape listed on a tie, as a portfolio backtest takes them): for each, the market prints (open, the extremes in the order the
    /// exchange assumes, close) go to market-hub subscribers, the simulated exchange trades the
    /// bar (fills go to user-hub subscribers), and a quote stamped at the bar's end tells clients
    /// the bar is complete. Returns the number of bars played.
    /// With `boundary: false` the bar-end quote of the last bar played is held back until
    /// `closeBar()`: a test then lets the client settle the bar's fills before it learns the bar is
    /// over (`POST /_gateway/step {"bars": 1, "boundary": false}`, then `POST /_gateway/tick`).
    @discardableResult
    public func step(_ n: Int, boundary: Bool = true) -> Int { play(n, minutes: false, boundary: boundary) }

    /// Plays every bar of the next `n` bar times (`step` counts bars; with several tapes a
    /// minute is one bar of each tape that has one), `boundary` as for `step`.
    @discardableResult
    public func stepMinutes(_ n: Int, boundary: Bool = true) -> Int { play(n, minutes: true, boundary: boundary) }

    /// Plays bars until `n` bars (or, with `minutes`, `n` bar times) have played. The bar-end
    /// quotes of a bar time go out once every tape's bar of that time has played, in the tapes'
    /// order: a client learns the bars of a minute are over after all their prints and fills, as
    /// a portfolio backtest trades every symbol's bar before the clock moves on.
    func play(_ n: Int, minutes: Bool, boundary: Bool) -> Int {
        var played = 0, times = 0
        while (minutes ? times : played) < n, let k = nextTape() {
            let s = tapes[k].series
            let length = s.timeframe.fixedSeconds ?? 60
            guard let si = exchange.index(of: s.symbol), let cid = contractOfSymbol[s.symbol] else { return played }
            let bar = s[cursors[k]]
            // The trade day rolls by the rule every broker uses (`TradeDayClock`).
            if let d = days.reach(bar.time.seconds) {
                exchange.setClock(bar.time)
                exchange.beginTradeDay(d)
                publishExchangeEvents()
            }
            var pushes: [GatewayPush] = []
            let tick = s.tickSize
            let up = bar.close >= bar.open
            let path = [bar.open, up ? bar.low : bar.high, up ? bar.high : bar.low, bar.close]
            let vols = split(bar.volume, 4)
            var prints: [ProjectX.JSONValue] = []
            for (k, p) in path.enumerated() {
                let t = bar.time.seconds + (k == 3 ? length - 1 : Int64(k) * length / 3)
                let print = PXTradePrint(symbolId: "F.US.\(registry.specs[s.symbol]?.projectXRoot ?? s.symbol)", price: tick.decimal(p),
                                         timestamp: PXTime.format(Timestamp(seconds: t)), type: k % 2, volume: vols[k])
                if let v = try? ProjectX.JSONValue(encoding: print) { prints.append(v) }
            }
            pushes.append(.market(target: "GatewayTrade", contractID: cid, kind: .trades, arguments: [.string(cid), .array(prints)]))
            push(pushes)
            exchange.setClock(bar.time)
            // The venue's own cut-off (TopStepX liquidates at 15:10 CT): before the bar trades.
            let d = days.day
            let cutoff = Self.cutoff.instant(on: TradeDate(dayNumber: d)).seconds
            if d != Int64.min && bar.time.seconds >= cutoff && cutoffDay != d {
                cutoffDay = d
                _ = exchange.flatten(nil, reason: "venue cut-off")
            }
            _ = exchange.step(bar, symbol: si, length: length)
            // With positions in several contracts each one's risk stop follows the others'
            // prices, as the portfolio backtest re-marks them after each bar.
            if tapes.count > 1 { exchange.core.remarkRiskStops() }
            cursors[k] += 1
            unclosed.append(k)
            clock = bar.time.adding(seconds: length)
            publishExchangeEvents()
            played += 1
            guard nextBarTime != bar.time else { continue }
            times += 1
            if boundary || (minutes ? times : played) < n { closeBar() }
        }
        return played
    }

    static let cutoff = LocalTime(hour: 15, minute: 10, zone: .chicago)
    var cutoffDay = Int64.min

    /// Sends the quote stamped at the end of the last bar played: clients building bars from
    /// prints learn the bar is finished.
    public func closeBar() {
        // Nothing new played: the last bar time's quotes again (a client may ask twice).
        let closing = unclosed.isEmpty ? lastClosed : unclosed
        unclosed = []
        lastClosed = closing
        for k in closing { closeBar(tape: k) }
    }

    func closeBar(tape k: Int) {
        guard cursors[k] > 0, let cid = contractOfSymbol[tapes[k].series.symbol] else { return }
        let s = tapes[k].series, cursor = cursors[k]
        let tick = s.tickSize
        let close = Price(ticks: s.close[cursor - 1])
        let quote = PXQuote(symbol: "F.US.\(registry.specs[s.symbol]?.projectXRoot ?? s.symbol)", lastPrice: tick.decimal(close),
                            bestBid: tick.decimal(close - 1), bestAsk: tick.decimal(close), volume: nil, timestamp: PXTime.format(clock))
        if let q = try? ProjectX.JSONValue(encoding: quote) {
            push([.market(target: "GatewayQuote", contractID: cid, kind: .quotes, arguments: [.string(cid), q])])
        }
        push([.market(target: "GatewayDepth", contractID: cid, kind: .depth, arguments: [.string(cid), .array(depth(close: close, volume: s.volume[cursor - 1], tick: tick))])])
    }

    /// The order book at the end of the bar played last, derived from the tape (the tape holds no
    /// book): a reset, then the best bid one tick under the close and the best ask at it, and five
    /// levels each side whose resting size falls off with the distance, from the bar's volume.
    /// DOM types as the reference lists them: 6 reset, 4 best bid, 3 best ask, 2 bid, 1 ask.
    func depth(close: Price, volume: Int64, tick: TickSize) -> [ProjectX.JSONValue] {
        let time = ProjectX.JSONValue.string(PXTime.format(clock))
        func level(_ type: Int, _ price: Price, _ size: Int64) -> ProjectX.JSONValue {
            .object(["timestamp": time, "type": .number(Decimal(type)), "price": .number(tick.decimal(price)),
                     "volume": .number(Decimal(size)), "currentVolume": .number(Decimal(size))])
        }
        var out: [ProjectX.JSONValue] = [.object(["timestamp": time, "type": .number(6), "price": .number(0), "volume": .number(0), "currentVolume": .number(0)])]
        let top = max(1, volume / 20)
        out.append(level(4, close - 1, top))
        out.append(level(3, close, top))
        for k in 0..<5 {
            let size = max(1, top * Int64(k + 2) / 2)
            out.append(level(2, close - Int64(1 + k), size))
            out.append(level(1, close + Int64(k), size))
        }
        return out
    }

    func split(_ v: Int64, _ parts: Int) -> [Int64] {
        var out = [Int64](repeating: v / Int64(parts), count: parts)
        out[parts - 1] += v - out.reduce(0, +)
        return out
    }

    /// Turns the exchange's events into user-hub pushes (order, trade, position, account).
    func publishExchangeEvents() {
        let events = exchange.takeEvents()
        guard !events.isEmpty else { return }
        var pushes: [GatewayPush] = []
        let acct = config.accountID
        let shape = config.payloadShape
        var accountChanged = false
        for e in events {
            switch e {
            case .orderAccepted(let o), .orderWorking(let o), .orderModified(let o), .orderCancelled(let o, _), .orderExpired(let o):
                if let px = pxOrder(o) { pushes.append(.user(target: "GatewayUserOrder", accountID: acct, arguments: PXUserEventPayload.encode(px, shape: shape))) }
            case .orderFilled(let o, let fill):
                if let px = pxOrder(o) { pushes.append(.user(target: "GatewayUserOrder", accountID: acct, arguments: PXUserEventPayload.encode(px, shape: shape))) }
                if let t = recordTrade(fill) { pushes.append(.user(target: "GatewayUserTrade", accountID: acct, arguments: PXUserEventPayload.encode(t, shape: shape))) }
                accountChanged = true
            case .positionChanged(let p):
                guard let cid = contractOfSymbol[p.symbol], let spec = registry.specs[p.symbol] else { continue }
                let px = PXPosition(id: positionID(p.symbol), accountId: acct, contractId: cid, creationTimestamp: PXTime.format(clock),
                                    type: p.quantity >= 0 ? 1 : 2, size: Int(abs(p.quantity)),
                                    averagePrice: p.averagePriceTicks.map { decimal(avgTicks: abs($0), spec.tickSize) } ?? 0)
                pushes.append(.user(target: "GatewayUserPosition", accountID: acct, arguments: PXUserEventPayload.encode(px, shape: shape)))
            case .accountChanged:
                accountChanged = true
            case .orderRejected, .ruleBreached:
                break
            }
        }
        if accountChanged, let a = accounts().first {
            pushes.append(.user(target: "GatewayUserAccount", accountID: acct, arguments: PXUserEventPayload.encode(a, shape: shape)))
        }
        push(pushes)
    }

    /// Books a fill as a gateway trade: gross realised P&L on the closing part, nil for an opening fill.
    func recordTrade(_ f: Fill) -> PXTrade? {
        guard let cid = contractOfSymbol[f.symbol], let spec = registry.specs[f.symbol] else { return nil }
        var book = books[f.symbol] ?? Position(symbol: f.symbol)
        let (realized, closed) = book.apply(side: f.side, quantity: f.quantity, price: f.price, time: f.time)
        books[f.symbol] = book
        let pnl: Decimal? = closed > 0 ? spec.value(ofTicks: realized).decimal : nil
        let t = PXTrade(id: nextTradeID, accountId: config.accountID, contractId: cid, creationTimestamp: PXTime.format(f.time),
                        price: spec.tickSize.decimal(f.price), profitAndLoss: pnl, fees: f.fee.decimal,
                        side: f.side == .buy ? 0 : 1, size: Int(f.quantity), orderId: f.orderID.raw)
        nextTradeID += 1
        trades.append(t)
        return t
    }

    public func stateSummary() -> [String: ProjectX.JSONValue] {
        var out: [String: ProjectX.JSONValue] = [
            "cursor": .number(Decimal(cursor)), "bars": .number(Decimal(tapeCount)), "time": .string(clock.iso8601),
            "ordersPlaced": .number(Decimal(placedCount)), "trades": .number(Decimal(trades.count)),
            "openOrders": .number(Decimal(exchange.openOrders().count)),
        ]
        for (k, v) in counters { out[k] = .number(Decimal(v)) }
        return out
    }
}
