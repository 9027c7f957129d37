import Data

/// A price held from one time to another, drawn on a report's price chart: a working order's stop
/// or limit (with a new level after each modification or trailing move), or a level a strategy
/// draws for itself (an overnight range's edges, a day's ATR zone).
public struct ChartLevel: Hashable, Sendable {
    /// What the level is: an order's purpose (`entry`, `stop`, `target`, or a strategy's exit
    /// label), or the strategy's own name for it (`overnight high`).
    public var name: String
    public var symbol: String
    public var from: Timestamp
    public var to: Timestamp
    public var priceTicks: Int64
    /// The order that held this level; nil for a strategy's own level.
    public var orderID: OrderID?
    /// The order's side; nil for a strategy's own level.
    public var side: OrderSide?

    public init(name: String, symbol: String, from: Timestamp, to: Timestamp, priceTicks: Int64,
                orderID: OrderID? = nil, side: OrderSide? = nil) {
        self.name = name; self.symbol = symbol; self.from = from; self.to = to; self.priceTicks = priceTicks
        self.orderID = orderID; self.side = side
    }
}

/// A strategy with levels of its own to draw on the report's price chart. The engine reads
/// `chartLevels` once, when the run ends.
public protocol DrawsChartLevels: Strategy {
    var chartLevels: [ChartLevel] { get }
}

/// Turns a broker's order events into the levels its working orders held: one `ChartLevel` per
/// stretch of time an order rested at one price. Told of every event (a trading session's
/// `onEvent`) and of trailing-stop moves, which a venue makes without an event.
public final class OrderLevelJournal {
    struct Open { var from: Timestamp; var price: Int64 }
    /// Orders working now, and the level each rests at (when it has one).
    var working: [OrderID: Order] = [:]
    var open: [OrderID: Open] = [:]
    public private(set) var levels: [ChartLevel] = []

    public init() {}

    /// The price an order rests at while it works: the trigger of a stop (the limit once a stop-limit
    /// has triggered), the limit of a limit, the current level of a trailing stop; nil for a market
    /// order or a trailing stop that has no level yet.
    static func restingPrice(_ o: Order) -> Int64? {
        switch o.request.kind {
        case .market: nil
        case .limit(let p): p.ticks
        case .stop(let p): p.ticks
        case .stopLimit(let s, let l): o.triggered ? l.ticks : s.ticks
        case .trailingStop: o.trailStop?.ticks
        }
    }

    public func note(_ event: BrokerEvent) {
        switch event {
        case .orderAccepted(let o), .orderWorking(let o), .orderModified(let o):
            guard o.status == .working || o.status == .partiallyFilled else { return }
            working[o.id] = o
            rest(o.id, at: o.updatedAt, price: Self.restingPrice(o))
        case .orderFilled(let o, _):
            if o.status == .filled { end(o.id, at: o.updatedAt) }
        case .orderCancelled(let o, _), .orderExpired(let o):
            end(o.id, at: o.updatedAt)
        default:
            break
        }
    }

    /// A trailing stop moved to `level` at `time`.
    public func trailMoved(_ id: OrderID, to level: Int64, at time: Timestamp) {
        guard working[id] != nil else { return }
        rest(id, at: time, price: level)
    }

    func rest(_ id: OrderID, at time: Timestamp, price: Int64?) {
        if let current = open[id] {
            if current.price == price { return }
            close(id, at: time)
        }
        guard let price else { return }
        open[id] = Open(from: time, price: price)
    }

    func end(_ id: OrderID, at time: Timestamp) {
        close(id, at: time)
        working[id] = nil
    }

    func close(_ id: OrderID, at time: Timestamp) {
        guard let o = open.removeValue(forKey: id), let order = working[id] else { return }
        levels.append(ChartLevel(name: order.request.purpose.reason, symbol: order.symbol, from: o.from, to: time,
                                 priceTicks: o.price, orderID: id, side: order.side))
    }

    /// The levels, with orders still working closed at `end`, in the order they began.
    public func finish(at end: Timestamp) -> [ChartLevel] {
        for id in open.keys.sorted() { close(id, at: end) }
        open = [:]
        return levels.sorted { ($0.from, $0.orderID?.raw ?? 0) < ($1.from, $1.orderID?.raw ?? 0) }
    }
}
