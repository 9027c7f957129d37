import Data

/// Identifies an order within one broker (the gateway's `orderId`; the simulated exchange counts
/// from 1).
public struct OrderID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var raw: Int64
    @inlinable public init(_ raw: Int64) { self.raw = raw }
    @inlinable public static func < (a: OrderID, b: OrderID) -> Bool { a.raw < b.raw }
    public var description: String { "#\(raw)" }
}

/// The client's own tag for an order (ProjectX `customTag`): unique per account, so placing the
/// same tag twice can never create two orders.
public struct ClientTag: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var value: String
    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }
    public var description: String { value }
}

public enum OrderSide: Int8, Hashable, Sendable, CustomStringConvertible {
    case buy = 1
    case sell = -1

    /// +1 for buy, −1 for sell.
    @inlinable public var sign: Int64 { Int64(rawValue) }
    @inlinable public var opposite: OrderSide { self == .buy ? .sell : .buy }
    public var description: String { self == .buy ? "BUY" : "SELL" }
}

/// What kind of order, with its prices in ticks.
public enum OrderKind: Hashable, Sendable, CustomStringConvertible {
    /// Fills at the next available price.
    case market
    /// Rests at `price`; fills at that price or better.
    case limit(Price)
    /// Becomes a market order when the market trades at or through `stop`.
    case stop(Price)
    /// Becomes a limit order at `limit` when the market trades at or through `stop`.
    case stopLimit(stop: Price, limit: Price)
    /// A stop that follows the market at `distance` ticks, ratcheting only in the order's favour.
    case trailingStop(distance: Int64)

    public var description: String {
        switch self {
        case .market: "market"
        case .limit(let p): "limit \(p.ticks)t"
        case .stop(let p): "stop \(p.ticks)t"
        case .stopLimit(let s, let l): "stop \(s.ticks)t limit \(l.ticks)t"
        case .trailingStop(let d): "trailing stop \(d)t"
        }
    }
}

public enum TimeInForce: Hashable, Sendable {
    /// Expires at the end of the trading session it was placed in.
    case day
    /// Good till cancelled.
    case gtc
}

/// One exit leg of a bracket: a distance in ticks from the entry's fill price (ProjectX's
/// `stopLossBracket`/`takeProfitBracket` ticks, always given here as a positive distance), or
/// an absolute price.
public enum BracketLeg: Hashable, Sendable {
    case ticks(Int64)
    case price(Price)

    /// The leg's price for an entry filled at `fill` on `side`; `adverse` is true for the
    /// stop-loss (below a long entry), false for the take-profit.
    @inlinable
    public func price(entry fill: Price, side: OrderSide, adverse: Bool) -> Price {
        switch self {
        case .price(let p): return p
        case .ticks(let d): return Price(ticks: fill.ticks + (adverse ? -d : d) * side.sign)
        }
    }
}

/// Stop-loss and take-profit exits attached to an entry: they exist only for the quantity the
/// entry has filled, and one filling cancels the other (OCO).
public struct Bracket: Hashable, Sendable {
    public var stopLoss: BracketLeg?
    public var takeProfit: BracketLeg?
    @inlinable
    public init(stopLoss: BracketLeg? = nil, takeProfit: BracketLeg? = nil) {
        self.stopLoss = stopLoss; self.takeProfit = takeProfit
    }
}

/// A request to place an order.
public struct OrderRequest: Hashable, Sendable {
    public var symbol: String
    public var side: OrderSide
    public var quantity: Int64
    public var kind: OrderKind
    public var timeInForce: TimeInForce
    public var tag: ClientTag?
    public var bracket: Bracket?
    /// An order that closes or reduces a position only (bracket exits, flattening).
    public var reduceOnly: Bool
    /// Orders sharing an OCO group cancel each other when one fills (entries on both sides of
    /// a range, for instance). Bracket exits are linked automatically.
    public var ocoGroup: String?
    /// What the order is for; becomes the exit reason of a trade it closes.
    public var purpose: OrderPurpose

    @inlinable
    public init(symbol: String, side: OrderSide, quantity: Int64, kind: OrderKind,
                timeInForce: TimeInForce = .day, tag: ClientTag? = nil, bracket: Bracket? = nil,
                reduceOnly: Bool = false, ocoGroup: String? = nil, purpose: OrderPurpose = .entry) {
        self.symbol = symbol; self.side = side; self.quantity = quantity; self.kind = kind
        self.timeInForce = timeInForce; self.tag = tag; self.bracket = bracket
        self.reduceOnly = reduceOnly; self.ocoGroup = ocoGroup; self.purpose = purpose
    }
}

/// A change to a working order: new prices and/or size (nil keeps the current value).
public struct OrderChange: Hashable, Sendable {
    public var quantity: Int64?
    public var limitPrice: Price?
    public var stopPrice: Price?
    public var trailDistance: Int64?
    public init(quantity: Int64? = nil, limitPrice: Price? = nil, stopPrice: Price? = nil, trailDistance: Int64? = nil) {
        self.quantity = quantity; self.limitPrice = limitPrice; self.stopPrice = stopPrice; self.trailDistance = trailDistance
    }
}

/// Lifecycle of an order. Terminal: filled, cancelled, rejected, expired.
public enum OrderStatus: Hashable, Sendable, CustomStringConvertible {
    /// Received, not yet acknowledged by the venue.
    case pending
    /// A bracket exit waiting for its entry to fill (ProjectX "Suspended").
    case suspended
    /// Resting at the venue.
    case working
    case partiallyFilled
    case filled
    case cancelled
    case rejected
    case expired

    public var isTerminal: Bool {
        switch self {
        case .filled, .cancelled, .rejected, .expired: true
        default: false
        }
    }

    /// Can still fill (now or once its entry fills).
    public var isLive: Bool { !isTerminal }

    public var description: String {
        switch self {
        case .pending: "pending"
        case .suspended: "suspended"
        case .working: "working"
        case .partiallyFilled: "partially filled"
        case .filled: "filled"
        case .cancelled: "cancelled"
        case .rejected: "rejected"
        case .expired: "expired"
        }
    }
}

/// Why an order was cancelled.
public enum CancelReason: Hashable, Sendable, CustomStringConvertible {
    case requested
    /// The other leg of its OCO group filled.
    case ocoFilled(OrderID)
    /// Its entry was cancelled before filling, so the bracket exit has nothing to protect.
    case parentCancelled(OrderID)
    /// The position it protected was closed.
    case positionClosed
    /// End-of-day flatten, a risk-rule breach, or an explicit flatten.
    case flatten(String)

    public var description: String {
        switch self {
        case .requested: "cancelled on request"
        case .ocoFilled(let id): "OCO: \(id) filled"
        case .parentCancelled(let id): "entry \(id) cancelled"
        case .positionClosed: "position closed"
        case .flatten(let why): "flatten: \(why)"
        }
    }
}

/// The state of one order as a broker reports it.
///
/// An order travels in every event about it, so copies are frequent: its request and OCO group
/// (a dozen fields, several strings, fixed after placement but for modifications) live in one
/// shared, copy-on-write box, and a copy of an order costs one reference instead of a string
/// retain per field. Equality and hashing are by value, as for any struct.
public struct Order: Hashable, Sendable {
    public let id: OrderID
    @usableFromInline var placed: Placed
    public var status: OrderStatus
    public var filledQuantity: Int64 = 0
    /// Sum of fill price × quantity, in ticks (exact average: `filledCost / filledQuantity`).
    public var filledCost: Int64 = 0
    /// The entry this order protects (bracket exits).
    public var parent: OrderID?
    /// Stop-limit: the stop has traded and the order now rests as a limit.
    public var triggered = false
    /// Trailing stop: the current stop level.
    public var trailStop: Price?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// The trade date the order was placed on (for day orders).
    public var tradeDay: Int64

    public init(id: OrderID, request: OrderRequest, status: OrderStatus, createdAt: Timestamp, tradeDay: Int64) {
        self.id = id; self.placed = Placed(request, ocoGroup: request.ocoGroup); self.status = status
        self.createdAt = createdAt; self.updatedAt = createdAt; self.tradeDay = tradeDay
    }

    public var request: OrderRequest {
        @inlinable _read { yield placed.request }
        @inlinable _modify {
            if !isKnownUniquelyReferenced(&placed) { placed = Placed(placed.request, ocoGroup: placed.ocoGroup) }
            yield &placed.request
        }
    }

    /// Orders that cancel this one when it fills, and that it cancels.
    public var ocoGroup: String? {
        @inlinable _read { yield placed.ocoGroup }
        @inlinable _modify {
            if !isKnownUniquelyReferenced(&placed) { placed = Placed(placed.request, ocoGroup: placed.ocoGroup) }
            yield &placed.ocoGroup
        }
    }

    @inlinable public var remaining: Int64 { placed.request.quantity - filledQuantity }
    @inlinable public var side: OrderSide { placed.request.side }
    @inlinable public var symbol: String { placed.request.symbol }

    /// The average fill price in ticks (fractional when fills were at several prices).
    public var averageFillTicks: Double? {
        filledQuantity == 0 ? nil : Double(filledCost) / Double(filledQuantity)
    }

    /// The box behind `request` and `ocoGroup`; compared and hashed by contents.
    @usableFromInline
    final class Placed: Hashable, @unchecked Sendable {
        // @unchecked: written only through `Order`'s `_modify` accessors, which copy the box first
        // unless the order holds the only reference (copy-on-write), so a shared box never changes.
        @usableFromInline var request: OrderRequest
        @usableFromInline var ocoGroup: String?
        @usableFromInline init(_ request: OrderRequest, ocoGroup: String?) { self.request = request; self.ocoGroup = ocoGroup }
        @usableFromInline static func == (a: Placed, b: Placed) -> Bool {
            a === b || (a.request == b.request && a.ocoGroup == b.ocoGroup)
        }
        @usableFromInline func hash(into h: inout Hasher) { h.combine(request); h.combine(ocoGroup) }
    }
}
