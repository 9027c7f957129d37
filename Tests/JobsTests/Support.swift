import Backtest
import Data
import Trading
import TSXLabTesting

let esSpec = try! ContractRegistry.builtIn.spec(for: "ES")

/// Runs a scripted strategy over hand-built bars on the simulated exchange.
func runFixture(_ b: BarBuilder, _ st: ScriptedStrategy, fee: Money = .zero) -> (BacktestResult, SimulatedExchange) {
    let ex = SimulatedExchange(instruments: [Instrument(spec: esSpec, feePerSide: fee)], rules: .unlimited(), config: ExchangeConfig())
    return (BacktestEngine(exchange: ex, strategies: [st]).run(b.series, finer: nil), ex)
}

func order(_ side: OrderSide, _ kind: OrderKind, qty: Int64 = 1) -> OrderRequest {
    OrderRequest(symbol: "ES", side: side, quantity: qty, kind: kind, timeInForce: .day, tag: nil, bracket: nil, ocoGroup: nil)
}
