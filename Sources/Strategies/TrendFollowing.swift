import Data
import Indicators
import Trading

/// Trend following: a moving-average crossover held with a trailing stop.
///
/// When the fast average (SMA or EMA) crosses above the slow one, go long (closing a short
/// first); crosses below, go short. Each position carries a trailing stop `trail_ticks` behind
/// the best price, placed once the entry fills. Entries only inside the entry window; flat at the
/// end of the day.
///
/// The averages are of the close in ticks, read from the market's shared series (`ema:N` or
/// `sma:N`): a sweep computes each once for every configuration that uses it, and a cross is
/// read from the averages at this bar and the one before. It declares no wake and is handed
/// every bar: its session guard flattens on the first bar it sees at or after the flatten
/// time, so a skipped bar would move the flatten.
public final class TrendFollowing: ReadsSeries {
    public let name = "trend_following"
    public let symbols: [String]
    let p: ParameterSet
    var fast: Series!, slow: Series!
    var guardian: SessionGuard
    var position: Int64 = 0
    var pending = false

    public init(symbol: String, parameters: ParameterSet) {
        symbols = [symbol]
        p = parameters
        guardian = SessionGuard(parameters)
    }

    public func attach(_ market: MarketSeries) {
        let ema = p.string("ma_type") == "ema"
        func average(_ period: Int64) -> SeriesRecipe { .indicator(ema ? .ema(Int(period)) : .sma(Int(period))) }
        fast = market.series(average(p.int("fast_period")))
        slow = market.series(average(p.int("slow_period")))
    }

    public func onEvent(_ event: BrokerEvent, broker: any Broker) {
        switch event {
        case .positionChanged(let pos) where pos.symbol == symbols[0]:
            position = pos.quantity
        case .orderFilled(let o, _) where o.request.purpose == .entry && o.symbol == symbols[0]:
            pending = false
            // Protect the new position with a trailing stop.
            _ = broker.place(OrderRequest(symbol: symbols[0], side: o.side.opposite, quantity: o.filledQuantity,
                                          kind: .trailingStop(distance: p.int("trail_ticks")), timeInForce: .gtc,
                                          reduceOnly: true, purpose: .exit("trailing_stop")))
        case _ where event.endsUnfilledEntry:
            pending = false
        default: break
        }
    }

    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        let mayEnter = guardian.check(bar, now: broker.now, symbol: symbols[0], broker: broker)
        // NaN while either average warms up: no cross until both have a value on two bars.
        let diff = fast[0] - slow[0], prev = fast[1] - slow[1]
        guard !diff.isNaN, !prev.isNaN, !pending else { return }
        let side: OrderSide
        if diff > 0 && prev <= 0 { side = .buy } else if diff < 0 && prev >= 0 { side = .sell } else { return }
        // An opposite cross closes the current position whether or not a new one may open.
        if position != 0 && (position > 0) != (side == .buy) { _ = broker.flatten(symbols[0], reason: "signal") }
        guard mayEnter, position == 0 || (position > 0) != (side == .buy) else { return }
        pending = true
        let r = broker.place(OrderRequest(symbol: symbols[0], side: side, quantity: p.int("position_size"), kind: .market))
        if r.rejection != nil { pending = false }
    }

    public static let descriptor = StrategyDescriptor(
        name: "trend_following", summary: "moving-average crossover held with a trailing stop",
        enabledEnvironment: "TREND_FOLLOWING_ENABLED",
        parameters: [
            ParameterSpec("position_size", .int(1...1000), default: .int(1), unit: "contracts", env: "TREND_FOLLOWING_POSITION_SIZE", help: "contracts per entry"),
            ParameterSpec("ma_type", .choice(["sma", "ema"]), default: .string("ema"), env: "TREND_FOLLOWING_MA_TYPE", help: "sma or ema"),
            ParameterSpec("fast_period", .int(1...1000), default: .int(20), unit: "bars", env: "TREND_FOLLOWING_FAST_PERIOD", help: "bars in the fast average"),
            ParameterSpec("slow_period", .int(2...5000), default: .int(50), unit: "bars", env: "TREND_FOLLOWING_SLOW_PERIOD", help: "bars in the slow average"),
            ParameterSpec("trail_ticks", .int(1...100_000), default: .int(24), unit: "ticks", env: "TREND_FOLLOWING_TRAIL_TICKS", help: "trailing stop distance"),
        ] + SessionGuard.parameters,
        make: { symbol, p in
            guard p.int("fast_period") < p.int("slow_period") else {
                throw DataError.badInput(file: "trend_following", line: nil, field: "fast_period", reason: "fast_period must be below slow_period")
            }
            return TrendFollowing(symbol: symbol, parameters: p)
        })
}
