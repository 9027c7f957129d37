import Data

/// How a fill's place inside its bar was decided.
public enum FillResolution: Int8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Only one thing could happen in the bar (or the fill came from a live venue).
    case exact
    /// Several orders could trade in the bar and finer bars of the same instrument decided.
    case drillDown
    /// Several orders could trade in the bar and the intrabar path model decided.
    case pathModel
    /// The bar's trade prints decided, one by one in time order.
    case prints

    public var description: String {
        switch self {
        case .exact: "exact"
        case .drillDown: "drill-down"
        case .pathModel: "path model"
        case .prints: "prints"
        }
    }
}

/// One execution.
public struct Fill: Hashable, Sendable {
    public var orderID: OrderID
    public var symbol: String
    public var side: OrderSide
    public var quantity: Int64
    public var price: Price
    public var time: Timestamp
    /// Fee charged for this fill (per side × quantity).
    public var fee: Money
    public var resolution: FillResolution
    /// What the order was for (entry, stop-loss, target, exit, flatten).
    public var purpose: OrderPurpose

    @inlinable
    public init(orderID: OrderID, symbol: String, side: OrderSide, quantity: Int64, price: Price, time: Timestamp,
                fee: Money, resolution: FillResolution, purpose: OrderPurpose) {
        self.orderID = orderID; self.symbol = symbol; self.side = side; self.quantity = quantity
        self.price = price; self.time = time; self.fee = fee; self.resolution = resolution; self.purpose = purpose
    }
}

/// Why an order exists; it becomes the exit reason of the trade it closes.
public enum OrderPurpose: Hashable, Sendable, CustomStringConvertible {
    case entry
    case stopLoss
    case takeProfit
    /// A strategy's own exit, with its label (`signal`, `breakeven`, …).
    case exit(String)
    /// Closed by the venue or the risk engine: `eod`, `daily_loss_limit`, `max_loss_limit`, `end`.
    case flatten(String)

    /// The trade list's `exit_reason`: `stop`, `target`, or the label.
    public var reason: String {
        switch self {
        case .entry: "entry"
        case .stopLoss: "stop"
        case .takeProfit: "target"
        case .exit(let l): l
        case .flatten(let l): l
        }
    }
    public var description: String { reason }
}
