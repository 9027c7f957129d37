import Data
import Trading

/// Bars one at a time, as they finish (paper trading on live data): the same per-bar steps as
/// `run`'s loop — day roll, flatten time, the exchange trades the bar, events, then the strategies'
/// `onBar` — with the loop's state kept between calls. A test feeds a series bar by bar and checks
/// the trades equal `run`'s.
public final class IncrementalBacktest {
    public let engine: BacktestEngine
    let symbol: String
    let s: Int
    let length: Int64
    var day = Int64.min
    var dayEnds = Int64.min
    var flattenAt = Int64.max
    var flattened = false
    public private(set) var bars = 0

    public init(engine: BacktestEngine, symbol: String, length: Int64) {
        precondition(engine.exchange.index(of: symbol) != nil, "the exchange has no instrument \(symbol)")
        self.engine = engine; self.symbol = symbol; self.length = length
        s = engine.exchange.index(of: symbol)!
        let ex = engine.exchange
        for st in engine.strategies { ex.currentStrategy = st.name; st.onStart(broker: ex) }
        if engine.strategies.count == 1 { ex.currentStrategy = engine.strategies[0].name }
        engine.drain()
    }

    /// Trades one finished bar and hands it to the strategies.
    public func feed(_ bar: Bar) {
        let ex = engine.exchange
        let cal = ex.config.calendar
        let t = bar.time.seconds
        if t >= dayEnds {
            let d = cal.tradeDayNumber(containing: t)
            if d != day {
                if day != Int64.min { engine.endDay(day, at: bar.time) }
                day = d
                let td = TradeDate(dayNumber: d)
                ex.setClock(bar.time)
                ex.beginTradeDay(d)
                flattened = false
                flattenAt = engine.flattenTime.map { $0.instant(on: td).seconds } ?? Int64.max
                dayEnds = cal.session(for: td)?.close.seconds ?? (t + 1)
                for st in engine.strategies { ex.currentStrategy = st.name; st.onSessionOpen(td, broker: ex) }
                engine.drain()
            } else {
                dayEnds = t + 1
            }
        }
        if t >= flattenAt && !flattened {
            flattened = true
            ex.setClock(bar.time)
            _ = ex.flatten(nil, reason: "eod")
        }
        if ex.step(bar, symbol: s, length: length) { engine.drain() }
        for st in engine.strategies {
            if engine.strategies.count > 1 { ex.currentStrategy = st.name }
            st.onBar(bar, symbol: symbol, broker: ex)
        }
        if ex.hasEvents { engine.drain() }
        bars += 1
    }

    public var trades: [Trade] { engine.exchange.ledger.trades }
    public var account: AccountSnapshot { engine.exchange.account }
}
