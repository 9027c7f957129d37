import Foundation
import Testing
import Data
import Trading
import Backtest
import ProjectX
import TSXLabTesting
@testable import Live

/// One numbered case of the `Broker` conformance suite: a tape of one-minute ES bars, what a
/// scripted strategy does after which bar, and what must hold afterwards. Every case runs against
/// both brokers — the simulated exchange in process (a backtest) and `LiveBroker` over real
/// sockets to a `tsxlab gateway serve` process replaying the same bars — and both must give the
/// same outcome (fills, trades, rule breaches, refusals, final order states).
struct ConformanceCase: Sendable, CustomTestStringConvertible {
    let number: Int
    let title: String
    /// (minutes after 2013-10-07 14:00 UTC, open, high, low, close) in points.
    let bars: [(Int64, Double, Double, Double, Double)]
    var rules = ConformanceCase.plainRules
    /// Gateway faults to switch on before the bar of that index plays (live only).
    var faults: [Int: [String: Bool]] = [:]
    let script: @Sendable (ScriptedStrategy) -> Void
    let check: @Sendable (ConformanceOutcome) -> Void

    var testDescription: String { String(format: "%02d ", number) + title }

    static let start = Timestamp(iso8601: "2013-10-07T14:00:00Z")!.seconds
    static let plainRules = RiskRules(name: "conformance", startingBalance: Money(cents: 50_000_00))

    /// The bars as the series a backtest reads.
    var series: BarSeries {
        var s = BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize("0.25")!)
        for (m, o, h, l, c) in bars {
            s.append(Bar(Self.start + m * 60, ticks(o), ticks(h), ticks(l), ticks(c), 1000))
        }
        return s
    }

    /// The bars as the CSV file the gateway replays.
    func writeCSV() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(number)-\(UUID().uuidString).csv").path
        var text = "timestamp,open,high,low,close,volume\n"
        for (m, o, h, l, c) in bars {
            text += "\(Timestamp(seconds: Self.start + m * 60).iso8601),\(o),\(h),\(l),\(c),1000\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The gateway's own rules for the venue-enforced limits of `rules` (TopStepX liquidates at
    /// the daily and maximum loss levels itself).
    var gatewayArgs: [String] {
        var args = ["--account", "unlimited"]
        if let d = rules.dailyLossLimit { args += ["--daily-loss-limit", "\(d.dollars)"] }
        if let m = rules.maxLossDrawdown {
            args += ["--max-loss", "\(m.dollars)", "--max-loss-lock", rules.maxLossLockLevel.map { "\($0.dollars)" } ?? "none"]
        }
        return args
    }
}

func ticks(_ points: Double) -> Int64 { Int64((points * 4).rounded()) }
func px(_ points: Double) -> Price { Price(ticks: ticks(points)) }
func req(_ side: OrderSide, _ kind: OrderKind, qty: Int64 = 1, bracket: Bracket? = nil, tif: TimeInForce = .day, tag: String? = nil,
         oco: String? = nil, symbol: String = "ES") -> OrderRequest {
    OrderRequest(symbol: symbol, side: side, quantity: qty, kind: kind, timeInForce: tif, tag: tag.map { ClientTag($0) }, bracket: bracket, ocoGroup: oco)
}

/// What a case compares between the brokers, in the words of a trade list.
struct ConformanceOutcome: Equatable, CustomStringConvertible {
    /// "bar side qty @price purpose", in order.
    var fills: [String]
    /// "entry bar → exit bar side qty net-ticks reason".
    var trades: [String]
    /// "bar rule".
    var breaches: [String]
    /// Why commands were refused (the rejection's text; a venue's refusal carries the same text).
    var refusals: [String]
    /// "purpose side status filled/quantity", sorted.
    var orders: [String]
    var position: Int64
    /// What the script's commands answered: accepted / rejected.
    var answers: [String]

    var description: String {
        "fills \(fills)\ntrades \(trades)\nbreaches \(breaches)\nrefusals \(refusals)\norders \(orders)\nposition \(position)\nanswers \(answers)"
    }

    init(fills: [Fill], trades: [Trade], breaches: [RuleBreach], events: [BrokerEvent], orders: [Order], position: Int64,
         results: [CommandResult], bars: BarSeries) {
        func bar(_ t: Timestamp) -> Int {
            (0..<bars.count).last { bars.time[$0] <= t.seconds } ?? -1
        }
        func points(_ t: Int64) -> String { String(format: "%.2f", Double(t) / 4) }
        self.fills = fills.map { "b\(bar($0.time)) \($0.side == .buy ? "buy" : "sell") \($0.quantity) @\(points($0.price.ticks)) \($0.purpose)" }
        self.trades = trades.map { "b\(bar($0.entryTime))→b\(bar($0.exitTime)) \($0.side == .buy ? "long" : "short") \($0.quantity) \($0.grossTicks)t \($0.exitReason)" }
        self.breaches = breaches.map { "b\(bar($0.time)) \($0.rule)" }
        self.refusals = events.compactMap {
            guard case .orderRejected(_, let why) = $0 else { return nil }
            if case .venue(_, let message) = why { return message }
            return why.description
        }
        // A refused order is compared by its refusal: the simulated exchange refuses before an
        // order exists, the gateway's broker after its order was sent.
        self.orders = orders.filter { $0.status != .rejected }.map { "\($0.request.purpose) \($0.side == .buy ? "buy" : "sell") \($0.status) \($0.filledQuantity)/\($0.request.quantity)" }.sorted()
        self.position = position
        // A gateway placement answers "accepted" and may be refused later by the venue: the
        // comparison is of refusals (above), the answers are checked by the case where it matters.
        self.answers = results.map { if case .rejected(let r) = $0 { "rejected: \(r)" } else { "accepted" } }
    }
}

@Suite("Broker conformance: one body per case, the simulated exchange and LiveBroker over real sockets", .serialized)
struct BrokerConformanceTests {
    static func simulated(_ c: ConformanceCase) -> ConformanceOutcome {
        let st = ScriptedStrategy()
        c.script(st)
        let ex = SimulatedExchange(instruments: [Instrument(spec: try! ContractRegistry.builtIn.spec(for: "ES"))], rules: c.rules)
        let engine = BacktestEngine(exchange: ex, strategies: [st])
        engine.closeAtEnd = false
        let r = engine.run(c.series)
        return ConformanceOutcome(fills: r.fills, trades: r.trades, breaches: r.breaches, events: st.seenEvents, orders: r.orders,
                                  position: ex.position("ES").quantity, results: st.results, bars: c.series)
    }

    static func gateway(_ c: ConformanceCase) async throws -> ConformanceOutcome {
        let st = ScriptedStrategy()
        c.script(st)
        let csv = try c.writeCSV()
        defer { try? FileManager.default.removeItem(atPath: csv) }
        // The runner owns the strategy while it runs; its record is read once the runner has
        // settled every input (below), on this task.
        nonisolated(unsafe) let strategies: [any Strategy] = [st]
        let live = try await LiveHarness.make(tape: c.series, strategies: strategies, gatewayArgs: c.gatewayArgs, rules: c.rules, csv: csv)
        for k in 0..<c.series.count {
            if let f = c.faults[k] { _ = try await live.gw.post("/_gateway/faults", f) }
            try await live.playBar(k)
        }
        // Everything sent has been answered and every push applied.
        try await live.settle { true }
        let b = live.broker
        let outcome = ConformanceOutcome(fills: b.ledger.fills, trades: b.ledger.trades, breaches: b.risk.breaches, events: st.seenEvents,
                                         orders: b.allOrders, position: b.position("ES").quantity, results: st.results, bars: c.series)
        await live.stop()
        return outcome
    }

    @Test("conformance", arguments: ConformanceCases.all)
    func conformance(_ c: ConformanceCase) async throws {
        let sim = Self.simulated(c)
        c.check(sim)
        let live = try await Self.gateway(c)
        #expect(live.fills == sim.fills, "fills")
        #expect(live.trades == sim.trades, "trades")
        #expect(live.breaches == sim.breaches, "rule breaches")
        #expect(live.refusals == sim.refusals, "refusals")
        #expect(live.orders == sim.orders, "final order states")
        #expect(live.position == sim.position, "position")
        if live != sim { print("case \(c.number) simulated:\n\(sim)\ngateway:\n\(live)") }
    }
}
