import Data
import Trading

/// Buys 1 at the market with a bracket at the close of every `minutes`-th minute between `from`
/// and `through` (UTC) when nothing is open or working: the strategy of
/// `scripts/reference/tick_replay_reference.py`, for the drill-down-to-prints reference test and
/// benchmark.
public final class EveryFewMinutes: Strategy {
    public let name = "every_few_minutes"
    public let symbols: [String]
    let minutes: Int64, stop: Int64, target: Int64, from: Int64, through: Int64

    public init(symbol: String = "ES", minutes: Int64 = 5, stop: Int64, target: Int64, from: Timestamp, through: Timestamp) {
        symbols = [symbol]
        self.minutes = minutes; self.stop = stop; self.target = target; self.from = from.seconds; self.through = through.seconds
    }

    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        let t = bar.time.seconds
        guard t % (minutes * 60) == 0, t >= from, t <= through, broker.position(symbol).quantity == 0, broker.openOrders().isEmpty else { return }
        _ = broker.place(OrderRequest(symbol: symbol, side: .buy, quantity: 1, kind: .market, timeInForce: .day,
                                      bracket: Bracket(stopLoss: .ticks(stop), takeProfit: .ticks(target))))
    }
}
