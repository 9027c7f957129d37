// The second example of docs/writing-a-strategy.md (shared series and wake conditions): DocsTests
// checks that the page's Swift blocks are text of these files, and MovingAverageCrossExampleTests
// runs it with and without skipping.
// BEGIN EXAMPLE
import Data
import Indicators
import Strategies
import Trading

/// The fast EMA minus the slow one, in ticks; NaN until both have warmed up.
struct EMASpread: SeriesFold {
    var fast: EMA, slow: EMA
    mutating func next(_ bar: Bar) -> Double {
        let close = Double(bar.close.ticks)
        let f = fast.update(close), s = slow.update(close)   // both, every bar
        guard let f, let s else { return .nan }
        return f - s
    }
}

/// Buys when the fast EMA crosses above the slow one and sells when it crosses below, with a
/// bracket; one position at a time.
public final class MovingAverageCross: CatalogStrategy, ReadsSeries, DeclaresWake {
    public let name = "ma_cross"
    public let symbols: [String]
    let p: ParameterSet
    var spread: Series!           // shared by every configuration with the same two periods
    var crossing = Wake.nothing
    var flat = true
    var pending = false

    public init(symbol: String, parameters: ParameterSet) {
        symbols = [symbol]
        p = parameters
    }

    public func attach(_ market: MarketSeries) {
        let fast = Int(p.int("fast")), slow = Int(p.int("slow"))
        spread = market.series(SeriesRecipe("ma_cross.spread:\(fast):\(slow)") {
            EMASpread(fast: EMA(period: fast), slow: EMA(period: slow))
        })
        crossing = .signChange(of: spread)
    }

    /// Flat, only a crossing can make it act; holding, only the exit (an event) can.
    public var waitingFor: Wake { flat && !pending ? crossing : .nothing }

    public func onEvent(_ event: BrokerEvent, broker: any Broker) {
        switch event {
        case .positionChanged(let position) where position.symbol == symbols[0]:
            flat = position.isFlat
            pending = false
        case _ where event.endsUnfilledEntry:
            pending = false
        default:
            break
        }
    }

    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        guard flat, !pending else { return }
        let now = spread[0], before = spread[1]
        let side: OrderSide
        if now > 0 && before <= 0 { side = .buy } else if now < 0 && before >= 0 { side = .sell } else { return }
        pending = true
        let result = broker.place(OrderRequest(
            symbol: symbols[0], side: side, quantity: 1, kind: .market,
            bracket: Bracket(stopLoss: .ticks(p.int("stop_ticks")), takeProfit: .ticks(p.int("target_ticks")))))
        if result.rejection != nil { pending = false }
    }

    public static let descriptor = StrategyDescriptor(
        name: "ma_cross", summary: "an EMA crossing, entered with a bracket",
        enabledEnvironment: nil,
        parameters: [
            ParameterSpec("fast", .int(1...1000), default: .int(10), unit: "bars", help: "bars in the fast EMA"),
            ParameterSpec("slow", .int(2...5000), default: .int(40), unit: "bars", help: "bars in the slow EMA"),
            ParameterSpec("stop_ticks", .int(1...100_000), default: .int(16), unit: "ticks", help: "stop distance from the fill"),
            ParameterSpec("target_ticks", .int(1...100_000), default: .int(32), unit: "ticks", help: "target distance from the fill"),
        ],
        make: { symbol, p in MovingAverageCross(symbol: symbol, parameters: p) })
}
