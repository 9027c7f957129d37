import Data
import Indicators
import Trading

/// Trend following: a moving-average crossover held with a trailing stop.
///
/// When the fast average (SMA or EMA) crosses above the slow one, go long (closing a short
/// first); crosses below, go short. Each position carries a trailing stop `trail_ticks` behind
/// the best price, placed once the entry fills. Entries only inside the entry window; flat at the
/// end of the day.
public final class TrendFollowing: Strategy {
    public let name = "trend_following"
    public let symbols: [String]
    let p: ParameterSet
    var fastSMA: SMA, slowSMA: SMA
    var fastEMA: EMA, slowEMA: EMA
    let useEMA: Bool
    var previousDiff: Double?
    var guardian: SessionGuard
    var position: Int64 = 0
    var pending = false

    public init(symbol: String, parameters: ParameterSet) {
        symbols = [symbol]
        p = parameters
        let f = Int(parameters.int("fast_period")), s = Int(parameters.int("slow_period"))
        fastSMA = SMA(period: f); slowSMA = SMA(period: s); fastEMA = EMA(period: f); slowEMA = EMA(period: s)
        useEMA = parameters.string("ma_type") == "ema"
        guardian = SessionGuard(parameters)
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
        let c = Double(bar.close.ticks)
        let fast = useEMA ? fastEMA.update(c) : fastSMA.update(c)
        let slow = useEMA ? slowEMA.update(c) : slowSMA.update(c)
        let mayEnter = guardian.check(bar, now: broker.now, symbol: symbols[0], broker: broker)
        guard let fast, let slow else { return }
        let diff = fast - slow
        defer { previousDiff = diff }
        guard let prev = previousDiff, !pending else { return }
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
