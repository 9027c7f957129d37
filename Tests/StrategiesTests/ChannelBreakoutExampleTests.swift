import Backtest
import Data
import Strategies
import Testing
import Trading
import TSXLabTesting

/// The strategy guide's example trades as the guide says: a close above the channel is bought at
/// the next bar's open and the bracket takes it out.
@Suite("the strategy guide's example")
struct ChannelBreakoutExampleTests {
    @Test("a close above the last three highs is bought at the next open and leaves at the target")
    func breakoutToTarget() throws {
        let d = ChannelBreakout.descriptor
        var params = d.defaults()
        try params.set("lookback", text: "3", source: "test")
        let strategy = try d.build(symbol: "ES", parameters: params)
        // The lines docs/writing-a-strategy.md shows.
        var b = BarBuilder()
        for _ in 0..<3 { b.bar(10000, 10002, 9998, 10000) }
        b.bar(10000, 10010, 10000, 10008)   // closes above 10002: buy
        b.bar(10008, 10009, 10007, 10008)   // filled at the open, 10008
        b.bar(10008, 10045, 10007, 10040)   // the target, 10008 + 32 ticks
        let exchange = SimulatedExchange(instruments: [Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"))], rules: .unlimited())
        let result = BacktestEngine(exchange: exchange, strategies: [strategy]).run(b.series)
        let r = result
        #expect(r.trades.count == 1)
        let t = try #require(r.trades.first)
        #expect(t.side == .buy && t.entryPriceTicks == 10008 && t.exitPriceTicks == 10040 && t.grossTicks == 32, "\(t)")
    }
}

@Suite("Registering a trader's strategies")
struct StrategyRegistrationTests {
    func descriptor(_ name: String, parameters: [ParameterSpec] = []) -> StrategyDescriptor {
        StrategyDescriptor(name: name, summary: "test", enabledEnvironment: nil, parameters: parameters, make: { symbol, p in
            ChannelBreakout(symbol: symbol, parameters: ChannelBreakout.descriptor.defaults())
        })
    }

    @Test("a name taken, not a lower-case identifier, or a parameter declared twice is refused, and nothing of the list is registered")
    func refused() throws {
        let before = StrategyCatalog.all.map(\.name)
        #expect { try StrategyCatalog.register([descriptor("fresh_one"), descriptor("sma_bracket")]) } throws: {
            "\($0)".contains("'sma_bracket' is already registered")
        }
        #expect { try StrategyCatalog.register([descriptor("My-Breakout")]) } throws: {
            "\($0)".contains("'My-Breakout' is not a strategy name")
        }
        let twice = ParameterSpec("lookback", .int(1...10), default: .int(2), help: "x")
        #expect { try StrategyCatalog.register([descriptor("twice", parameters: [twice, twice])]) } throws: {
            "\($0)".contains("lookback") && "\($0)".contains("declared twice")
        }
        #expect(StrategyCatalog.all.map(\.name) == before)
        #expect(throws: (any Error).self) { try StrategyCatalog.descriptor(named: "fresh_one") }
    }
}
