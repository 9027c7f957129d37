// The example of docs/writing-a-strategy.md: DocsTests checks that the page's Swift block is this
// file's text between the markers, and ChannelBreakoutExampleTests runs it, so the example compiles
// and trades as the page says.
// BEGIN EXAMPLE
import Data
import Indicators
import Strategies
import Trading

/// Buys when a bar closes above the highest high of the `lookback` bars before it, with a
/// bracket of `stop_ticks` and `target_ticks` from the fill; one position at a time.
public final class ChannelBreakout: CatalogStrategy {
    public let name = "channel_breakout"
    public let symbols: [String]
    let p: ParameterSet
    var highest: Highest
    var channelHigh: Double?      // highest high of the bars before this one (nil while warming up)
    var flat = true
    var pending = false           // an entry is on its way

    public init(symbol: String, parameters: ParameterSet) {
        symbols = [symbol]
        p = parameters
        highest = Highest(period: Int(parameters.int("lookback")))
    }

    public func onEvent(_ event: BrokerEvent, broker: any Broker) {
        switch event {
        case .positionChanged(let position) where position.symbol == symbols[0]:
            flat = position.isFlat
            pending = false
        case .orderRejected(let request, _) where request.purpose == .entry:
            pending = false
        case .orderCancelled(let order, _) where order.request.purpose == .entry && order.filledQuantity == 0:
            pending = false
        case .orderExpired(let order) where order.request.purpose == .entry && order.filledQuantity == 0:
            pending = false
        default:
            break
        }
    }

    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        defer { channelHigh = highest.update(Double(bar.high.ticks)) }
        guard flat, !pending, let channel = channelHigh, Double(bar.close.ticks) > channel else { return }
        pending = true
        let result = broker.place(OrderRequest(
            symbol: symbols[0], side: .buy, quantity: p.int("quantity"), kind: .market,
            bracket: Bracket(stopLoss: .ticks(p.int("stop_ticks")), takeProfit: .ticks(p.int("target_ticks")))))
        if result.rejection != nil { pending = false }
    }

    public static let descriptor = StrategyDescriptor(
        name: "channel_breakout", summary: "a close above the highest high of the last bars, bought with a bracket",
        enabledEnvironment: nil,
        parameters: [
            ParameterSpec("lookback", .int(2...10_000), default: .int(60), help: "bars in the channel"),
            ParameterSpec("stop_ticks", .int(1...100_000), default: .int(16), help: "stop distance from the fill, in ticks"),
            ParameterSpec("target_ticks", .int(1...100_000), default: .int(32), help: "target distance from the fill, in ticks"),
            ParameterSpec("quantity", .int(1...1000), default: .int(1), help: "contracts per trade"),
        ],
        make: { symbol, p in ChannelBreakout(symbol: symbol, parameters: p) })
}
// END EXAMPLE
