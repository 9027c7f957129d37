import Data
import Trading

/// Bars one at a time, as they finish (paper trading on live data): the same `TradingSession` as
/// `BacktestEngine.run`, with its state kept between calls. A test feeds a series bar by bar and
/// checks the trades equal `run`'s.
public final class IncrementalBacktest {
    public let engine: BacktestEngine
    let session: TradingSession<SimulatedExchange, StrategyGroup>
    let symbol: String
    let length: Int64
    public private(set) var bars = 0

    public init(engine: BacktestEngine, symbol: String, length: Int64) {
        precondition(engine.exchange.index(of: symbol) != nil, "the exchange has no instrument \(symbol)")
        self.engine = engine; self.symbol = symbol; self.length = length
        session = engine.session()
        session.start()
    }

    /// Trades one finished bar and hands it to the strategies.
    public func feed(_ bar: Bar) {
        session.step(bar, symbol: symbol, length: length)
        bars += 1
    }

    public var trades: [Trade] { engine.exchange.ledger.trades }
    public var account: AccountSnapshot { engine.exchange.account }
}
