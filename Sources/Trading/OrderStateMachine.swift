import Data

/// What can happen to an order.
public enum OrderEvent: Hashable, Sendable {
    /// The venue acknowledged it; `suspended` for a bracket exit whose entry has not filled.
    case accept(suspended: Bool)
    /// A suspended bracket exit becomes live because its entry filled.
    case activate
    /// A stop-limit's stop traded: it now rests as a limit.
    case trigger
    case fill(quantity: Int64, price: Price)
    case modify(OrderChange)
    case cancel(CancelReason)
    case reject
    case expire
}

/// The result of applying an event: the new status, or why the event is not allowed in the
/// current state (a bug in the caller, or a late event for a finished order).
public enum OrderTransition: Hashable, Sendable {
    case moved(from: OrderStatus, to: OrderStatus)
    case invalid(status: OrderStatus, event: String)
}

extension Order {
    /// The order lifecycle as one table: every (status, event) pair is decided here and nowhere
    /// else. Returns the transition; on `.invalid` the order is unchanged.
    @discardableResult
    public mutating func apply(_ event: OrderEvent, at time: Timestamp) -> OrderTransition {
        let from = status
        let to: OrderStatus?
        switch (status, event) {
        case (.pending, .accept(let suspended)):
            to = suspended ? .suspended : .working
        case (.pending, .reject):
            to = .rejected
        case (.pending, .cancel), (.suspended, .cancel), (.working, .cancel), (.partiallyFilled, .cancel):
            to = .cancelled
        case (.suspended, .activate):
            to = .working
        case (.suspended, .expire), (.working, .expire), (.partiallyFilled, .expire):
            to = .expired
        case (.working, .trigger), (.partiallyFilled, .trigger):
            triggered = true
            to = status
        case (.working, .fill(let q, let p)), (.partiallyFilled, .fill(let q, let p)):
            guard q > 0, q <= remaining else { to = nil; break }
            filledQuantity += q
            filledCost += q * p.ticks
            to = filledQuantity == request.quantity ? .filled : .partiallyFilled
        case (.pending, .modify(let c)), (.suspended, .modify(let c)), (.working, .modify(let c)), (.partiallyFilled, .modify(let c)):
            guard applyChange(c) else { to = nil; break }
            to = status
        case (.pending, _), (.suspended, _), (.working, _), (.partiallyFilled, _),
             (.filled, _), (.cancelled, _), (.rejected, _), (.expired, _):
            to = nil
        }
        guard let to else { return .invalid(status: from, event: "\(event)") }
        status = to
        updatedAt = time
        return .moved(from: from, to: to)
    }

    /// Applies a modification; false when it does not fit the order (a limit price on a stop
    /// order, a size below what has filled).
    private mutating func applyChange(_ c: OrderChange) -> Bool {
        if let q = c.quantity {
            guard q > filledQuantity, q > 0 else { return false }
        }
        var kind = request.kind
        switch kind {
        case .market:
            if c.limitPrice != nil || c.stopPrice != nil || c.trailDistance != nil { return false }
        case .limit(let p):
            if c.stopPrice != nil || c.trailDistance != nil { return false }
            kind = .limit(c.limitPrice ?? p)
        case .stop(let p):
            if c.limitPrice != nil || c.trailDistance != nil { return false }
            kind = .stop(c.stopPrice ?? p)
        case .stopLimit(let s, let l):
            if c.trailDistance != nil { return false }
            kind = .stopLimit(stop: c.stopPrice ?? s, limit: c.limitPrice ?? l)
        case .trailingStop(let d):
            if c.limitPrice != nil { return false }
            if let nd = c.trailDistance, nd <= 0 { return false }
            kind = .trailingStop(distance: c.trailDistance ?? d)
            if let sp = c.stopPrice { trailStop = sp }
        }
        request.kind = kind
        if let q = c.quantity { request.quantity = q }
        return true
    }
}
