import Data

/// Builds the bars strategies consume from the trade stream: prints aggregate into bars of a
/// fixed length aligned to UTC (as stored bars are), and a bar is finished once the market clock
/// (a later print or a quote's timestamp) reaches its end. A print older than the open bar (late
/// delivery) is counted in no bar and reported by `latePrints`.
public struct BarBuilder: Sendable {
    public let length: Int64
    private var open: Bar?
    public private(set) var latePrints = 0

    public init(length: Int64) { self.length = length }

    /// Adds a print; returns the bar it finished, if the print belongs to a later bar.
    public mutating func add(price: Int64, volume: Int64, at t: Int64) -> Bar? {
        let start = t - ((t % length) + length) % length
        var finished: Bar?
        if let b = open {
            if start < b.time.seconds { latePrints += 1; return nil }
            if start > b.time.seconds { finished = b; open = nil }
        }
        if var b = open {
            b.high = Price(ticks: max(b.high.ticks, price)); b.low = Price(ticks: min(b.low.ticks, price))
            b.close = Price(ticks: price); b.volume += volume
            open = b
        } else {
            open = Bar(start, price, price, price, price, volume)
        }
        return finished
    }

    /// The clock reached `t`: the open bar is finished if it ends at or before `t`.
    public mutating func advance(to t: Int64) -> Bar? {
        guard let b = open, b.time.seconds + length <= t else { return nil }
        open = nil
        return b
    }

    /// The bar being built.
    public var forming: Bar? { open }
}
