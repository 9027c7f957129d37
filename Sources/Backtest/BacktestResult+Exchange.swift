import Data
import Trading

extension BacktestResult {
    /// The result of a run driven bar by bar through a `TradingSession` over `exchange` (its
    /// `step(_:symbol:length:)`, any number of the exchange's symbols), as `BacktestEngine.run`
    /// builds it: the exchange's trades, fills, orders, breaches and account, and the session's
    /// equity points (`session.equity`). `bars` and `seconds` are what the driver counted.
    public init(exchange: SimulatedExchange, equity: [EquityPoint], bars: Int, seconds: Double = 0) {
        let rc = exchange.resolutionCounts
        self.init(trades: exchange.ledger.trades, fills: exchange.ledger.fills, orders: exchange.allOrders, equity: equity,
                  breaches: exchange.risk.breaches, rejections: exchange.core.rejected, resolution: (rc[0], rc[1], rc[2], rc[3]),
                  account: exchange.account, startingBalance: exchange.ledger.startingBalance, bars: bars, seconds: seconds,
                  attempts: exchange.attempts, fidelity: exchange.core.audit)
    }
}
