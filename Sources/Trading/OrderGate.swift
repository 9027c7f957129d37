import Data

/// What the order gate reads of an account. The simulated exchange and the live broker answer
/// from their own books; the checks themselves are `OrderGate`'s, written once.
///
/// Requirements are `mutating` so the simulated exchange's core (a value type held by a class)
/// answers in place, without a copy of itself per call.
public protocol GatedAccount {
    /// Whether the account trades `symbol`.
    mutating func trades(_ symbol: String) -> Bool
    /// The order placed under `tag`, if any.
    mutating func order(tagged tag: ClientTag) -> Order?
    /// The venue's refusal of the request's form (prices off the grid or through the market, an
    /// order type it cannot take, the market closed), or nil.
    mutating func venueRefusal(_ request: OrderRequest) -> RejectReason?
    /// The signed position in `symbol` (contracts; negative short).
    mutating func positionQuantity(_ symbol: String) -> Int64
    /// Balance plus unrealised P&L now.
    mutating func equityNow() -> Money
    /// The prop-firm rules' running state.
    var riskState: RiskState { get }
    /// The broker's clock and the trade date it is in.
    var gateTime: (now: Timestamp, tradeDate: TradeDate) { mutating get }
    /// Calls `body` for every instrument the account trades with its mini-equivalent, its signed
    /// position and the remaining quantity of its working entries (orders that add exposure and
    /// can fill now: not reduce-only, not a suspended bracket exit) on each side.
    mutating func forEachExposure(_ body: (_ symbol: String, _ miniEquivalent: Double, _ position: Int64,
                                           _ workingBuys: Int64, _ workingSells: Int64) -> Void)
}

/// The pre-trade checks every order passes, in backtest, sweep, paper and live alike:
///
/// 1. the symbol is traded, the quantity a positive whole number;
/// 2. a client tag already used answers with the order placed under it when the request is the
///    same (idempotent placement after a restart), and is refused otherwise;
/// 3. the venue's own refusal of the form (`GatedAccount.venueRefusal`);
/// 4. for an order that adds exposure: near the daily loss limit (within the rules' safety
///    buffer) the size is cut to the reduced quantity; then the rules refuse it when the account
///    failed or is locked for the day, when the open contracts in mini-equivalents — the
///    position plus every working entry on the larger side, this one included — would exceed the
///    size limit, or at and after the no-new-entries time.
public enum OrderGate {
    public enum Decision: Hashable, Sendable {
        /// Admitted; `sizeCut` is the record of a size cut (the request's quantity was lowered).
        case admit(sizeCut: RuleBreach?)
        /// The same request under the same tag: the order placed before.
        case alreadyPlaced(OrderID)
        case reject(RejectReason)
    }

    /// Runs `request` through the checks against `account`; may lower its quantity.
    @inlinable
    public static func admit<A: GatedAccount>(_ request: inout OrderRequest, to account: inout A) -> Decision {
        guard account.trades(request.symbol) else { return .reject(.unknownSymbol(request.symbol)) }
        guard request.quantity > 0 else { return .reject(.invalidQuantity(request.quantity)) }
        if let tag = request.tag, let existing = account.order(tagged: tag) {
            return existing.request == request ? .alreadyPlaced(existing.id) : .reject(.duplicateTag(tag, existing: existing.id))
        }
        if let why = account.venueRefusal(request) { return .reject(why) }

        let adds = addsExposure(request, position: account.positionQuantity(request.symbol))
        let risk = account.riskState
        var sizeCut: RuleBreach?
        if adds && risk.rules.safetyBuffer != nil {
            let equity = account.equityNow()
            let allowed = risk.allowedQuantity(request.quantity, equity: equity)
            if allowed < request.quantity {
                let (now, _) = account.gateTime
                sizeCut = RuleBreach(rule: .sizeReduced, time: now, value: equity, limit: risk.dailyLossLevel ?? .zero,
                                     detail: "daily loss limit within the safety buffer: size cut from \(request.quantity) to \(allowed)")
                request.quantity = allowed
            }
        }
        let exposure = risk.rules.maxMiniEquivalents == nil ? 0 : exposureAfter(request, &account)
        let (now, tradeDate) = account.gateTime
        if let why = risk.check(addsRisk: adds, exposureAfter: exposure, at: now, tradeDate: tradeDate) { return .reject(why) }
        return .admit(sizeCut: sizeCut)
    }

    /// Whether an order adds exposure: anything but a reduce-only order or one that only reduces
    /// the position it trades against.
    @inlinable
    public static func addsExposure(_ r: OrderRequest, position q: Int64) -> Bool {
        if r.reduceOnly { return false }
        return !(q != 0 && (q > 0) != (r.side == .buy) && r.quantity <= abs(q))
    }

    /// Mini-equivalents across all products in the worst case: each product's position plus
    /// every working entry on one side (and `r` on its side) filling, whichever side is larger.
    /// This is how the platform refuses working orders that would push the position over the limit.
    @inlinable
    public static func exposureAfter<A: GatedAccount>(_ r: OrderRequest, _ account: inout A) -> Double {
        var total = 0.0
        account.forEachExposure { symbol, mini, position, buys, sells in
            var longSide = position + buys, shortSide = position - sells
            if symbol == r.symbol {
                if r.side == .buy { longSide += r.quantity } else { shortSide -= r.quantity }
            }
            total += Double(max(abs(longSide), abs(shortSide))) * mini
        }
        return total
    }
}
