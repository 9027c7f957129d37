import Backtest
import Data
import Trading

/// Backtests a strategy over hand-built bars, for a strategy's own tests (the template's and the
/// example package's): the simulated exchange with the built-in contract of the bars' symbol,
/// no fees unless given, and the trades as lines a test compares with the ones it expects.
public enum StrategyHarness {
    /// Runs `strategy` over `bars` (and, when given, the trade prints that decide inside them).
    public static func backtest(_ strategy: any Strategy, _ bars: BarSeries, rules: RiskRules = .unlimited(),
                                feePerSide: Money = .zero, config: ExchangeConfig = ExchangeConfig(),
                                prints: [TradePrint]? = nil) throws -> BacktestResult {
        let spec = try ContractRegistry.builtIn.spec(for: bars.symbol)
        let exchange = SimulatedExchange(instruments: [Instrument(spec: spec, feePerSide: feePerSide)], rules: rules, config: config)
        return BacktestEngine(exchange: exchange, strategies: [strategy]).run(bars, prints: prints)
    }

    /// Each trade as `long 1 2019-03-05T14:33:00Z 100.25 → 2019-03-05T14:36:00Z 102.25 target`
    /// (prices at the bars' tick size).
    public static func lines(_ result: BacktestResult, tick: TickSize) -> [String] {
        result.trades.map { t in
            let side = t.side == .buy ? "long" : "short"
            return "\(side) \(t.quantity) \(t.entryTime.iso8601) \(tick.format(Price(ticks: Int64(t.entryPriceTicks)))) → "
                + "\(t.exitTime.iso8601) \(tick.format(Price(ticks: Int64(t.exitPriceTicks)))) \(t.exitReason)"
        }
    }
}
