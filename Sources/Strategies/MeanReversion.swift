import Data
import Indicators
import Trading

/// Mean reversion for ranging markets: fade an RSI extreme when price has also stretched away
/// from its moving average, with a bracket.
///
/// Long when RSI(`rsi_period`) ≤ `oversold` and the close is at least `deviation_pts` below
/// SMA(`ma_period`); short on the mirror image. One position at a time, entries only inside the
/// entry window, a bracket of `stop_ticks` / `target_ticks` from the fill, flat at the end of the
/// day. The first signal waits for the indicators' warm-up.
///
/// RSI and SMA are of the close in ticks, read from the market's shared series (`rsi:N`,
/// `sma:N`): a sweep computes each once for every configuration with the same period. It
/// declares no wake and is handed every bar: its session guard flattens on the first bar it
/// sees at or after the flatten time, so a skipped bar would move the flatten.
public final class MeanReversion: ReadsSeries {
    public let name = "mean_reversion"
    public let symbols: [String]
    let p: ParameterSet
    var rsi: Series!
    var ma: Series!
    var guardian: SessionGuard
    var flat = true
    var pending = false
    var tick = 0.25

    public init(symbol: String, parameters: ParameterSet) {
        symbols = [symbol]
        p = parameters
        guardian = SessionGuard(parameters)
    }

    public func attach(_ market: MarketSeries) {
        rsi = market.series(.indicator(.rsi(Int(p.int("rsi_period")))))
        ma = market.series(.indicator(.sma(Int(p.int("ma_period")))))
    }

    public func onStart(broker: any Broker) {
        if let ins = broker.instrument(symbols[0]) { tick = ins.spec.tickSize.value }
    }

    public func onEvent(_ event: BrokerEvent, broker: any Broker) {
        switch event {
        case .positionChanged(let pos) where pos.symbol == symbols[0]: flat = pos.isFlat; pending = false
        case _ where event.endsUnfilledEntry:
            pending = false
        default: break
        }
    }

    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        let c = Double(bar.close.ticks)
        let r = rsi[0], m = ma[0]
        let mayEnter = guardian.check(bar, now: broker.now, symbol: symbols[0], broker: broker)
        // NaN while warming up.
        guard mayEnter, flat, !pending, !r.isNaN, !m.isNaN else { return }
        let deviation = p.double("deviation_pts") / tick
        let side: OrderSide
        if r <= p.double("oversold") && c <= m - deviation { side = .buy }
        else if r >= p.double("overbought") && c >= m + deviation { side = .sell }
        else { return }
        pending = true
        let result = broker.place(OrderRequest(symbol: symbols[0], side: side, quantity: p.int("position_size"), kind: .market,
                                               bracket: Bracket(stopLoss: .ticks(p.int("stop_ticks")), takeProfit: .ticks(p.int("target_ticks")))))
        if result.rejection != nil { pending = false }
    }

    public static let descriptor = StrategyDescriptor(
        name: "mean_reversion", summary: "RSI extremes away from a moving average, faded with a bracket",
        enabledEnvironment: "MEAN_REVERSION_ENABLED",
        parameters: [
            ParameterSpec("position_size", .int(1...1000), default: .int(1), unit: "contracts", env: "MEAN_REVERSION_POSITION_SIZE", help: "contracts per entry"),
            ParameterSpec("rsi_period", .int(2...500), default: .int(14), unit: "bars", env: "MEAN_REVERSION_RSI_PERIOD", help: "bars in the RSI"),
            ParameterSpec("oversold", .double(0...100), default: .double(30), env: "MEAN_REVERSION_RSI_OVERSOLD", help: "RSI at or below which to buy"),
            ParameterSpec("overbought", .double(0...100), default: .double(70), env: "MEAN_REVERSION_RSI_OVERBOUGHT", help: "RSI at or above which to sell"),
            ParameterSpec("ma_period", .int(2...1000), default: .int(20), unit: "bars", env: "MEAN_REVERSION_MA_PERIOD", help: "bars in the moving average"),
            ParameterSpec("deviation_pts", .double(0...10_000), default: .double(2), unit: "points", env: "MEAN_REVERSION_DEVIATION_PTS", help: "points from the average needed"),
            ParameterSpec("stop_ticks", .int(1...100_000), default: .int(16), unit: "ticks", env: "MEAN_REVERSION_STOP_TICKS", help: "stop distance from the fill"),
            ParameterSpec("target_ticks", .int(1...100_000), default: .int(16), unit: "ticks", env: "MEAN_REVERSION_TARGET_TICKS", help: "target distance from the fill"),
        ] + SessionGuard.parameters,
        make: { symbol, p in
            guard p.double("oversold") < p.double("overbought") else {
                throw DataError.badInput(file: "mean_reversion", line: nil, field: "oversold", reason: "oversold must be below overbought")
            }
            return MeanReversion(symbol: symbol, parameters: p)
        })
}
