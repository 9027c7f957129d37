import Data
import Trading

/// Bars one at a time, as they finish (paper trading on live data): the same `TradingSession` as
/// `BacktestEngine.run`, with its state kept between calls. A test feeds a series bar by bar and
/// checks the trades equal `run`'s.
public final class IncrementalBacktest {
    public let engine: BacktestEngine
    let session: TradingSession<SimulatedExchange, StrategyGroup>
    let symbol: String
    let s: Int
    let length: Int64
    public private(set) var bars = 0

    public init(engine: BacktestEngine, symbol: String, length: Int64) {
        guard let s = engine.exchange.index(of: symbol) else { preconditionFailure("the exchange has no instrument \(symbol)") }
        self.engine = engine; self.symbol = symbol; self.length = length; self.s = s
        session = engine.session()
        session.start()
    }

    /// Trades one finished bar and hands it to the strategies.
    public func feed(_ bar: Bar) {
        let t = bar.time.seconds
        if t >= session.nextBoundary { session.clockReached(t) }
        if engine.exchange.step(bar, symbol: s, length: length) { session.deliver() }
        session.barClosed(bar, symbol: symbol)
        bars += 1
    }

    public var trades: [Trade] { engine.exchange.ledger.trades }
    public var account: AccountSnapshot { engine.exchange.account }
}
