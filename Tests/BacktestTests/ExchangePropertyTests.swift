import Backtest
import Data
import Testing
import Trading
import TSXLabTesting

/// Deterministic random numbers for property tests (seeded, so a failure can be replayed).
struct Rng {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ r: ClosedRange<Int64>) -> Int64 { r.lowerBound + Int64(next() % UInt64(r.upperBound - r.lowerBound + 1)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
}

/// A strategy that throws random orders, modifications and cancels at the exchange.
final class RandomTrader: Strategy {
    let name = "random"
    let symbols = ["ES"]
    var rng: Rng
    var last: Int64 = 10_000
    init(seed: UInt64) { rng = Rng(seed) }

    func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        last = bar.close.ticks
        let r = rng.next() % 12
        let side: OrderSide = rng.chance(0.5) ? .buy : .sell
        let q = rng.int(1...3)
        let away = rng.int(1...12)
        let bracket: Bracket? = rng.chance(0.5) ? Bracket(stopLoss: .ticks(rng.int(2...15)), takeProfit: .ticks(rng.int(2...20))) : nil
        switch r {
        case 0: _ = broker.place(OrderRequest(symbol: "ES", side: side, quantity: q, kind: .market, bracket: bracket))
        case 1: _ = broker.place(OrderRequest(symbol: "ES", side: side, quantity: q, kind: .limit(Price(ticks: last - side.sign * away)), timeInForce: .gtc, bracket: bracket))
        case 2: _ = broker.place(OrderRequest(symbol: "ES", side: side, quantity: q, kind: .stop(Price(ticks: last + side.sign * away)), bracket: bracket))
        case 3: _ = broker.place(OrderRequest(symbol: "ES", side: side, quantity: q,
                                              kind: .stopLimit(stop: Price(ticks: last + side.sign * away), limit: Price(ticks: last + side.sign * (away + rng.int(-3...3)))), bracket: bracket))
        case 4: _ = broker.place(OrderRequest(symbol: "ES", side: side, quantity: q, kind: .trailingStop(distance: away)))
        case 5:
            let g = "oco-\(rng.next() % 1000)"
            _ = broker.place(OrderRequest(symbol: "ES", side: .buy, quantity: q, kind: .stop(Price(ticks: last + away)), bracket: bracket, ocoGroup: g))
            _ = broker.place(OrderRequest(symbol: "ES", side: .sell, quantity: q, kind: .stop(Price(ticks: last - away)), bracket: bracket, ocoGroup: g))
        case 6: if let o = broker.openOrders().first { _ = broker.cancel(o.id) }
        case 7:
            if let o = broker.openOrders().last, case .limit(let p) = o.request.kind {
                _ = broker.modify(o.id, OrderChange(limitPrice: Price(ticks: p.ticks + rng.int(-2...2))))
            }
        case 8: if rng.chance(0.3) { _ = broker.flatten("ES", reason: "random") }
        default: break
        }
    }
}

/// Random bars with gaps and occasional session breaks.
func randomBars(_ rng: inout Rng, count: Int) -> BarSeries {
    var b = BarBuilder(start: "2019-03-04T15:00:00Z")
    var px: Int64 = 10_000
    for _ in 0..<count {
        if rng.chance(0.01) { b.skip(seconds: rng.int(1...600) * 60) }
        let o = rng.chance(0.1) ? px + rng.int(-20...20) : px
        let c = o + rng.int(-8...8)
        let h = max(o, c) + rng.int(0...6), l = min(o, c) - rng.int(0...6)
        b.bar(o, h, l, c, volume: rng.int(1...50))
        px = c
    }
    return b.series
}

@Suite("Simulated exchange: invariants over random bars and orders")
struct ExchangePropertyTests {
    @Test("fills trade only at prices the bar reached, only while open; OCO legs never both fill; cash reconciles",
          arguments: Array(UInt64(1)...UInt64(40)))
    func invariants(seed: UInt64) throws {
        var rng = Rng(seed)
        let series = randomBars(&rng, count: 400)
        var cfg = ExchangeConfig()
        cfg.pathModel = [.nearestExtremeFirst, .worstCase, .bestCase, .stopFirst][Int(seed % 4)]
        cfg.stopSlippageTicks = Int64(seed % 3)
        cfg.marketSlippageTicks = Int64(seed % 2)
        if seed % 5 == 0 { cfg.maxVolumeShare = 0.2 }
        let rules = seed % 3 == 0 ? RiskRules(name: "t", startingBalance: Money(cents: 50_000_00), dailyLossLimit: Money(cents: 800_00))
                                  : .unlimited(Money(cents: 50_000_00))
        let ex = SimulatedExchange(instruments: [Instrument(spec: esSpec)], rules: rules, config: cfg)
        let engine = BacktestEngine(exchange: ex, strategies: [RandomTrader(seed: seed)])
        let r = engine.run(series)
        #expect(r.fills.count > 10, "the random trader should trade")

        // 1. Every fill inside its bar's range (or exactly at the last close for the end-of-data
        //    close), and never while the market is closed.
        for f in r.fills {
            let i = series.lowerBound(f.time.seconds)
            let bar = series[min(i, series.count - 1)]
            if f.purpose == .flatten("end") {
                #expect(f.price == series.last!.close)
                continue
            }
            #expect(bar.time == f.time, "fill at \(f.time) has no bar")
            #expect(f.price >= bar.low && f.price <= bar.high, "fill \(f.price) outside \(bar.low)…\(bar.high) at \(f.time)")
            #expect(cfg.calendar.isOpen(at: f.time))
        }
        // 2. OCO: at most one order of a group ever fills.
        var filledByGroup: [String: Set<OrderID>] = [:]
        for o in r.orders where o.filledQuantity > 0 { if let g = o.ocoGroup { filledByGroup[g, default: []].insert(o.id) } }
        for (g, ids) in filledByGroup { #expect(ids.count == 1, "OCO group \(g) filled \(ids)") }
        // 3. Position and cash reconcile with the fills (FIFO replayed independently here).
        var lots: [(q: Int64, px: Int64)] = []
        var realized: Int64 = 0, fees: Int64 = 0
        for f in r.fills {
            fees += f.fee.cents
            var q = f.side.sign * f.quantity
            while q != 0, let first = lots.first, (first.q > 0) != (q > 0) {
                let take = min(abs(first.q), abs(q))
                realized += (first.q > 0 ? 1 : -1) * take * (f.price.ticks - first.px)
                lots[0].q += first.q > 0 ? -take : take
                if lots[0].q == 0 { lots.removeFirst() }
                q += first.q > 0 ? take : -take
            }
            if q != 0 { lots.append((q, f.price.ticks)) }
        }
        #expect(ex.position("ES").quantity == lots.reduce(0) { $0 + $1.q })
        #expect(r.account.balance.cents == 50_000_00 + realized * esSpec.tickValue.cents - fees)
        #expect(r.trades.reduce(Money.zero) { $0 + $1.pnl } == r.account.balance - Money(cents: 50_000_00),
                "round trips add up to the account's P&L (closed at the end)")
        // 4. Bracket exits never exceed what their entry filled.
        for o in r.orders {
            guard let parent = o.parent else { continue }
            #expect(o.filledQuantity <= r.orders[Int(parent.raw) - 1].filledQuantity)
        }
        // 5. Deterministic: the same inputs give the same fills.
        let ex2 = SimulatedExchange(instruments: [Instrument(spec: esSpec)], rules: rules, config: cfg)
        let r2 = BacktestEngine(exchange: ex2, strategies: [RandomTrader(seed: seed)]).run(series)
        #expect(r2.fills == r.fills)
    }
}
