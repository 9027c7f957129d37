import Foundation
import Data
import Trading
import ProjectX

/// How the ProjectX gateway's news becomes our order lifecycle, as data: one table over (our
/// order's status, the status the gateway reports) giving the lifecycle steps to apply, in
/// order, and the translations of the gateway's order and trade shapes. `LiveBroker` applies the
/// steps to its orders and emits one `BrokerEvent` per step (`BrokerEvent.init(step:order:)`),
/// the events the simulated exchange emits for the same lifecycle. No I/O: the table is tested on
/// its own, and the `Broker` conformance suite exercises it over real sockets.
public enum ProjectXTranslation {
    /// A lifecycle step of one of our orders.
    public enum Step: Hashable, Sendable {
        case accept(suspended: Bool)
        /// A suspended bracket exit became live (its entry filled).
        case activate
        /// The gateway shows other prices or size than ours: a modification (ours acknowledged,
        /// or one made elsewhere).
        case reprice
        case cancel
        case expire
        case reject
    }

    /// What the gateway's `venue` status means for our order in status `local`. Fills are not
    /// here: they are booked from trade events, which carry price, size and fees (`fill`).
    public static func steps(local: OrderStatus, venue: PXOrderStatus) -> [Step] {
        switch (venue, local) {
        case (.open, .pending), (.pending, .pending), (.pendingCancellation, .pending): [.accept(suspended: false)]
        case (.open, .suspended), (.pending, .suspended), (.pendingCancellation, .suspended): [.activate]
        case (.open, .working), (.open, .partiallyFilled), (.pending, .working), (.pending, .partiallyFilled),
             (.pendingCancellation, .working), (.pendingCancellation, .partiallyFilled): [.reprice]
        case (.suspended, .pending): [.accept(suspended: true)]
        case (.cancelled, .pending): [.accept(suspended: false), .cancel]
        case (.expired, .pending): [.accept(suspended: false), .expire]
        case (.rejected, .pending): [.reject]
        case (.cancelled, .suspended), (.cancelled, .working), (.cancelled, .partiallyFilled): [.cancel]
        case (.expired, .suspended), (.expired, .working), (.expired, .partiallyFilled): [.expire]
        // Our lifecycle has no refusal after acceptance: an order the gateway calls rejected once
        // it worked has ended, as a cancellation ends it.
        case (.rejected, .suspended), (.rejected, .working), (.rejected, .partiallyFilled): [.cancel]
        case (.filled, .pending), (.none, .pending): [.accept(suspended: false)]
        // A suspended exit the gateway still holds suspended, a fill shown before its trade
        // arrives, and any news of an order that has ended: nothing to do.
        case (.suspended, _), (.filled, _), (.none, _), (_, .filled), (_, .cancelled), (_, .rejected), (_, .expired): []
        }
    }

    /// The modification the gateway's view of `order` shows against ours, if any.
    public static func change(of order: Order, shown px: PXOrder, tick: TickSize) -> OrderChange? {
        let stop = px.stopPrice.flatMap(tick.ticks(decimal:)), limit = px.limitPrice.flatMap(tick.ticks(decimal:))
        var change = OrderChange()
        switch order.request.kind {
        case .stop(let p): if let stop, stop != p.ticks { change.stopPrice = Price(ticks: stop) }
        case .limit(let p): if let limit, limit != p.ticks { change.limitPrice = Price(ticks: limit) }
        default: break
        }
        if Int64(px.size) != order.request.quantity && Int64(px.size) > order.filledQuantity { change.quantity = Int64(px.size) }
        return change == OrderChange() ? nil : change
    }

    /// The request of an order the gateway created for our entry (a bracket exit): a stop or a
    /// limit on the other side, reduce-only.
    public static func bracketExit(_ px: PXOrder, entry: Order, symbol: String, tick: TickSize) -> OrderRequest {
        let isStop = px.type == PXOrderType.stop.rawValue || px.type == PXOrderType.trailingStop.rawValue
        let kind: OrderKind = isStop ? .stop(Price(ticks: px.stopPrice.flatMap(tick.ticks(decimal:)) ?? 0))
            : .limit(Price(ticks: px.limitPrice.flatMap(tick.ticks(decimal:)) ?? 0))
        return OrderRequest(symbol: symbol, side: entry.side.opposite, quantity: Int64(px.size), kind: kind,
                            reduceOnly: true, purpose: isStop ? .stopLoss : .takeProfit)
    }

    /// The request of an order we did not place (the venue's liquidation, a manual order): a
    /// market order that closes, named `reason`.
    public static func foreignOrder(_ px: PXOrder, symbol: String, reason: String) -> OrderRequest {
        OrderRequest(symbol: symbol, side: px.side == 0 ? .buy : .sell, quantity: Int64(px.size), kind: .market,
                     reduceOnly: true, purpose: .flatten(reason))
    }

    /// A trade of one of our orders as a fill's figures: price in ticks, the quantity it fills
    /// (at most what the order has left), its time (the broker's clock when the gateway sent
    /// none), the fee. Nil for a price off the tick grid or nothing left to fill.
    public static func fill(_ t: PXTrade, remaining: Int64, tick: TickSize, clock: Timestamp)
        -> (price: Price, quantity: Int64, time: Timestamp, fee: Money)? {
        guard let ticks = tick.ticks(decimal: t.price) else { return nil }
        let quantity = min(Int64(t.size), remaining)
        guard quantity > 0 else { return nil }
        return (Price(ticks: ticks), quantity, PXTime.parse(t.creationTimestamp) ?? clock, Money(decimal: t.fees))
    }
}

extension BrokerEvent {
    /// The event that reports a lifecycle step of `order` (already applied to it), as the
    /// simulated exchange reports the same step.
    init(step: ProjectXTranslation.Step, order: Order, cancelReason: CancelReason) {
        switch step {
        case .accept: self = .orderAccepted(order)
        case .activate: self = .orderWorking(order)
        case .reprice: self = .orderModified(order)
        case .cancel: self = .orderCancelled(order, cancelReason)
        case .expire: self = .orderExpired(order)
        case .reject: self = .orderRejected(order.request, .venue(code: 0, message: "rejected by the gateway"))
        }
    }
}
