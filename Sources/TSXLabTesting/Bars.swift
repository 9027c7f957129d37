import Data
import Trading

/// Builds small bar series for hand-checked fixtures: prices in ticks, one bar a minute from a
/// start time inside a normal CME session (Tuesday 2019-03-05 14:30Z = 08:30 CT).
public struct BarBuilder {
    public var series: BarSeries
    public var next: Int64

    public init(symbol: String = "ES", tick: String = "0.25", start: String = "2019-03-05T14:30:00Z", timeframe: Timeframe = .oneMinute) {
        series = BarSeries(symbol: symbol, timeframe: timeframe, tickSize: TickSize(tick)!)
        next = Timestamp(iso8601: start)!.seconds
    }

    /// Appends a bar `open, high, low, close` (ticks) with `volume`, a bar length after the last.
    @discardableResult
    public mutating func bar(_ o: Int64, _ h: Int64, _ l: Int64, _ c: Int64, volume: Int64 = 100) -> Timestamp {
        precondition(h >= max(o, c) && l <= min(o, c), "inconsistent bar \(o) \(h) \(l) \(c)")
        let t = next
        series.append(Bar(t, o, h, l, c, volume))
        next += series.timeframe.fixedSeconds ?? 60
        return Timestamp(seconds: t)
    }

    /// A bar that goes open → low → high → close (the low clearly nearer the open).
    @discardableResult
    public mutating func path(_ points: Int64...) -> Timestamp {
        bar(points[0], points.max()!, points.min()!, points[points.count - 1])
    }

    /// Moves the clock (e.g. across a session break).
    public mutating func skip(seconds: Int64) { next += seconds }
}

/// A strategy that places scripted orders at given bar indexes and records what it saw.
public final class ScriptedStrategy: Strategy {
    public let name: String
    public let symbols: [String]
    public var script: [Int: [(any Broker) -> Void]] = [:]
    public private(set) var seenEvents: [BrokerEvent] = []
    public private(set) var seenBars: [Bar] = []
    public private(set) var results: [CommandResult] = []
    public var onEventHook: ((BrokerEvent, any Broker) -> Void)?

    public init(name: String = "scripted", symbol: String = "ES") {
        self.name = name
        self.symbols = [symbol]
    }

    /// After bar `index` closes, run `action` (e.g. place an order).
    public func at(_ index: Int, _ action: @escaping (any Broker) -> CommandResult) {
        script[index, default: []].append { [unowned self] b in self.results.append(action(b)) }
    }

    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        seenBars.append(bar)
        for a in script[seenBars.count - 1] ?? [] { a(broker) }
    }

    public func onEvent(_ event: BrokerEvent, broker: any Broker) {
        seenEvents.append(event)
        onEventHook?(event, broker)
    }

    public var fills: [Fill] {
        seenEvents.compactMap { if case .orderFilled(_, let f) = $0 { f } else { nil } }
    }
}
