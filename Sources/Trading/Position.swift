import Data

/// A net position in one contract, kept as FIFO lots so realised P&L is exact.
public struct Position: Hashable, Sendable {
    public struct Lot: Hashable, Sendable {
        /// Signed: positive long, negative short.
        public var quantity: Int64
        public var price: Price
        public var time: Timestamp
    }

    public let symbol: String
    public private(set) var lots: [Lot] = []
    /// Signed net quantity: positive long, negative short, 0 flat.
    public private(set) var quantity: Int64 = 0
    /// Sum over open lots of quantity × price, in ticks (signed like the quantity).
    public private(set) var openCost: Int64 = 0

    public init(symbol: String) { self.symbol = symbol }

    @inlinable public var isFlat: Bool { quantity == 0 }

    /// Average entry price of the open lots, in (possibly fractional) ticks.
    public var averagePriceTicks: Double? { quantity == 0 ? nil : Double(openCost) / Double(quantity) }

    /// Unrealised P&L in ticks × contracts at `mark`.
    @inlinable public func unrealizedTicks(at mark: Price) -> Int64 { quantity * mark.ticks - openCost }

    /// Applies a fill; returns the realised P&L in ticks × contracts (FIFO) and the quantity that
    /// closed existing lots.
    @discardableResult
    public mutating func apply(side: OrderSide, quantity q: Int64, price: Price, time: Timestamp) -> (realizedTicks: Int64, closed: Int64) {
        var signed = side.sign * q
        var realized: Int64 = 0
        var closed: Int64 = 0
        // Close against the oldest lots of the opposite sign first.
        while signed != 0, let first = lots.first, (first.quantity > 0) != (signed > 0) {
            let take = min(abs(first.quantity), abs(signed))
            let lotSign: Int64 = first.quantity > 0 ? 1 : -1
            realized += lotSign * take * (price.ticks - first.price.ticks)
            closed += take
            if take == abs(first.quantity) {
                lots.removeFirst()
            } else {
                lots[0].quantity -= lotSign * take
            }
            signed += lotSign * take
        }
        if signed != 0 { lots.append(Lot(quantity: signed, price: price, time: time)) }
        quantity = lots.reduce(0) { $0 + $1.quantity }
        openCost = lots.reduce(0) { $0 + $1.quantity * $1.price.ticks }
        return (realized, closed)
    }
}
