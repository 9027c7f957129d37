import Data

/// A trading strategy. It sees bars, its broker's events and the account only through these
/// calls and the `Broker` it is handed, so the same object runs in backtest, sweep and live.
///
/// The engine calls, for each bar in time order: `onEvent` for every event the broker produced
/// while the bar traded (fills, cancellations, breaches), then `onBar` with the finished bar.
/// Orders placed in `onBar` work from the next bar on; a market order fills at the next bar's
/// open. A strategy never sees a bar before it has finished.
public protocol Strategy: AnyObject {
    /// A short name used in trade lists and the store (`overnight_range`, `sma_bracket`).
    var name: String { get }
    /// The symbols whose bars the strategy wants.
    var symbols: [String] { get }

    func onStart(broker: any Broker)
    func onBar(_ bar: Bar, symbol: String, broker: any Broker)
    func onEvent(_ event: BrokerEvent, broker: any Broker)
    /// The trading session of `tradeDate` opened / closed.
    func onSessionOpen(_ tradeDate: TradeDate, broker: any Broker)
    func onSessionClose(_ tradeDate: TradeDate, broker: any Broker)
    func onFinish(broker: any Broker)
}

extension Strategy {
    public func onStart(broker: any Broker) {}
    public func onEvent(_ event: BrokerEvent, broker: any Broker) {}
    public func onSessionOpen(_ tradeDate: TradeDate, broker: any Broker) {}
    public func onSessionClose(_ tradeDate: TradeDate, broker: any Broker) {}
    public func onFinish(broker: any Broker) {}
}
