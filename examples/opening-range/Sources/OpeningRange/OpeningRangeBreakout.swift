import Data
import Strategies
import Trading

/// Opening-range breakout: the high and low of the first `range_minutes` of the cash session
/// (09:30 New York), then a buy stop a few ticks above and a sell stop below, one cancelling the
/// other, each with a fixed bracket; entries still working at `entry_end` are cancelled. One
/// trade a day at most.
public final class OpeningRangeBreakout: CatalogStrategy {
    public let name = "opening_range"
    public let symbols: [String]
    let minutes: Int64, buffer: Int64, stop: Int64, target: Int64, quantity: Int64
    let entryEnd: LocalTime
    let calendar = SessionCalendar.cmeEquityIndex
    var day: TradeDate?
    var rangeStart = Timestamp.distantPast, rangeEnd = Timestamp.distantPast, cancelAt = Timestamp.distantPast
    var high = Int64.min, low = Int64.max
    var placed = false

    public init(symbol: String, _ p: ParameterSet) {
        symbols = [symbol]
        minutes = p.int("range_minutes"); buffer = p.int("buffer_ticks"); stop = p.int("stop_ticks")
        target = p.int("target_ticks"); quantity = p.int("quantity"); entryEnd = p.time("entry_end")
    }

    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        let date = calendar.tradeDate(containing: bar.time)
        if date != day {
            day = date
            rangeStart = LocalTime(hour: 9, minute: 30, zone: .newYork).instant(on: date)
            rangeEnd = rangeStart.adding(seconds: minutes * 60)
            cancelAt = entryEnd.instant(on: date)
            high = .min; low = .max; placed = false
        }
        if bar.time >= rangeStart && bar.time < rangeEnd {
            high = max(high, bar.high.ticks); low = min(low, bar.low.ticks)
        }
        let now = broker.now
        if !placed && high >= low && now >= rangeEnd && now < cancelAt {
            placed = true
            let bracket = Bracket(stopLoss: .ticks(stop), takeProfit: .ticks(target))
            let group = "orb-\(date)"
            _ = broker.place(OrderRequest(symbol: symbol, side: .buy, quantity: quantity, kind: .stop(Price(ticks: high + buffer)),
                                          bracket: bracket, ocoGroup: group))
            _ = broker.place(OrderRequest(symbol: symbol, side: .sell, quantity: quantity, kind: .stop(Price(ticks: low - buffer)),
                                          bracket: bracket, ocoGroup: group))
        }
        if placed && now >= cancelAt {
            for o in broker.openOrders() where o.request.purpose == .entry && o.request.symbol == symbol { _ = broker.cancel(o.id) }
        }
    }

    public static let descriptor = StrategyDescriptor(
        name: "opening_range", summary: "breakout of the first minutes of the cash session, with a bracket",
        enabledEnvironment: nil,
        parameters: [
            ParameterSpec("range_minutes", .int(1...120), default: .int(15), unit: "minutes", help: "minutes from 09:30 New York that make the range"),
            ParameterSpec("buffer_ticks", .int(0...100), default: .int(1), unit: "ticks", help: "distance of the stop entries beyond the range"),
            ParameterSpec("stop_ticks", .int(1...1000), default: .int(12), unit: "ticks", help: "stop distance from the fill"),
            ParameterSpec("target_ticks", .int(1...1000), default: .int(24), unit: "ticks", help: "target distance from the fill"),
            ParameterSpec("quantity", .int(1...100), default: .int(1), unit: "contracts", help: "contracts per trade"),
            ParameterSpec("entry_end", .time, default: .time(LocalTime(hour: 12, minute: 0, zone: .newYork)), help: "entries still working then are cancelled"),
        ],
        make: { symbol, p in OpeningRangeBreakout(symbol: symbol, p) })
}
