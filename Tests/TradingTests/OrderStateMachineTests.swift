import Data
import Testing
import Trading

func makeOrder(_ kind: OrderKind = .limit(Price(ticks: 100)), qty: Int64 = 3) -> Order {
    Order(id: OrderID(1), request: OrderRequest(symbol: "ES", side: .buy, quantity: qty, kind: kind),
          status: .pending, createdAt: Timestamp(seconds: 0), tradeDay: 0)
}

@Suite("Order lifecycle: one table of (state, event)")
struct OrderStateMachineTests {
    let t = Timestamp(seconds: 1)

    @Test("pending → working → partially filled → filled, with exact average price")
    func happyPath() {
        var o = makeOrder()
        #expect(o.apply(.accept(suspended: false), at: t) == .moved(from: .pending, to: .working))
        #expect(o.apply(.fill(quantity: 1, price: Price(ticks: 100)), at: t) == .moved(from: .working, to: .partiallyFilled))
        #expect(o.apply(.fill(quantity: 2, price: Price(ticks: 99)), at: t) == .moved(from: .partiallyFilled, to: .filled))
        #expect(o.filledQuantity == 3 && o.filledCost == 298 && o.averageFillTicks == 298.0 / 3)
        #expect(o.status.isTerminal)
    }

    @Test("bracket exits wait suspended and become working on activation")
    func suspended() {
        var o = makeOrder()
        #expect(o.apply(.accept(suspended: true), at: t) == .moved(from: .pending, to: .suspended))
        #expect(o.apply(.fill(quantity: 1, price: Price(ticks: 100)), at: t) == .invalid(status: .suspended, event: "fill(quantity: 1, price: 100t)"))
        #expect(o.apply(.activate, at: t) == .moved(from: .suspended, to: .working))
    }

    @Test("terminal states accept nothing; over-fills and bad modifications are refused", arguments: [
        OrderEvent.fill(quantity: 1, price: Price(ticks: 1)), .cancel(.requested), .expire, .activate, .reject, .trigger,
        .modify(OrderChange(limitPrice: Price(ticks: 5))),
    ])
    func terminal(event: OrderEvent) {
        for end in [OrderEvent.cancel(.requested), .expire] {
            var o = makeOrder()
            o.apply(.accept(suspended: false), at: t)
            o.apply(end, at: t)
            let before = o
            if case .invalid = o.apply(event, at: t) {} else { Issue.record("\(event) accepted after \(end)") }
            #expect(o == before)
        }
        var r = makeOrder()
        #expect(r.apply(.reject, at: t) == .moved(from: .pending, to: .rejected))
    }

    @Test("fills beyond the remaining quantity and modifications that do not fit the order kind are invalid")
    func invalidEvents() {
        var o = makeOrder()
        o.apply(.accept(suspended: false), at: t)
        if case .invalid = o.apply(.fill(quantity: 4, price: Price(ticks: 100)), at: t) {} else { Issue.record("over-fill") }
        if case .invalid = o.apply(.modify(OrderChange(stopPrice: Price(ticks: 90))), at: t) {} else { Issue.record("stop on a limit") }
        o.apply(.fill(quantity: 2, price: Price(ticks: 100)), at: t)
        if case .invalid = o.apply(.modify(OrderChange(quantity: 2)), at: t) {} else { Issue.record("size below filled") }
        #expect(o.apply(.modify(OrderChange(quantity: 5, limitPrice: Price(ticks: 101))), at: t) == .moved(from: .partiallyFilled, to: .partiallyFilled))
        #expect(o.request.quantity == 5 && o.request.kind == .limit(Price(ticks: 101)) && o.remaining == 3)
    }

    @Test("a stop-limit remembers that its stop traded")
    func trigger() {
        var o = makeOrder(.stopLimit(stop: Price(ticks: 102), limit: Price(ticks: 101)))
        o.apply(.accept(suspended: false), at: t)
        #expect(!o.triggered)
        #expect(o.apply(.trigger, at: t) == .moved(from: .working, to: .working))
        #expect(o.triggered)
    }
}

@Suite("Ledger: positions, cash and FIFO round trips")
struct LedgerTests {
    let es = Instrument(spec: try! ContractRegistry.builtIn.spec(for: "ES"))
    func fill(_ side: OrderSide, _ q: Int64, _ px: Int64, _ t: Int64, _ purpose: OrderPurpose = .entry) -> Fill {
        Fill(orderID: OrderID(t), symbol: "ES", side: side, quantity: q, price: Price(ticks: px), time: Timestamp(seconds: t),
             fee: es.feePerSide * q, resolution: .exact, purpose: purpose)
    }

    @Test("scaling in and out is one trade with average prices and exact FIFO P&L")
    func scaling() {
        var l = Ledger(startingBalance: Money(cents: 50_000_00))
        l.record(fill(.buy, 1, 10000, 1), instrument: es)
        l.record(fill(.buy, 2, 10004, 2), instrument: es)
        l.record(fill(.sell, 2, 10010, 3, .exit("scale")), instrument: es)   // closes 1@10000 and 1@10004
        l.record(fill(.sell, 1, 9998, 4, .stopLoss), instrument: es)         // closes 1@10004
        #expect(l.trades.count == 1)
        let tr = l.trades[0]
        #expect(tr.quantity == 3 && tr.side == .buy && tr.exitReason == "stop")
        #expect(tr.entryPriceTicks == 30008.0 / 3 && tr.exitPriceTicks == 30018.0 / 3)
        #expect(tr.grossTicks == 10 + 6 - 6)
        #expect(tr.fees == Money(cents: 6 * 189))
        #expect(tr.pnl == Money(cents: 10 * 1250 - 6 * 189))
        #expect(l.balance == Money(cents: 50_000_00) + tr.pnl)
        #expect(l.position("ES").isFlat && l.fills.allSatisfy { $0.price.ticks > 0 })
    }

    @Test("a reversal closes one trade and opens the next with the rest of the fill")
    func reversal() {
        var l = Ledger(startingBalance: .zero)
        l.record(fill(.buy, 2, 10000, 1), instrument: es)
        l.record(fill(.sell, 3, 10008, 2, .exit("flip")), instrument: es)
        #expect(l.trades.count == 1 && l.trades[0].grossTicks == 16 && l.trades[0].quantity == 2)
        #expect(l.position("ES").quantity == -1 && l.position("ES").averagePriceTicks == 10008)
        l.record(fill(.buy, 1, 10010, 3, .stopLoss), instrument: es)
        #expect(l.trades.count == 2 && l.trades[1].side == .sell && l.trades[1].grossTicks == -2)
        // Fees of the flipping fill split by quantity: 2 to the first trade, 1 to the second.
        #expect(l.trades[0].fees == Money(cents: 189 * 2 + 189 * 2))
        #expect(l.trades[1].fees == Money(cents: 189 + 189))
        #expect(l.balance.cents == (16 - 2) * 1250 - 6 * 189)
    }

    @Test("unrealised P&L marks open lots at the given price")
    func unrealized() {
        var p = Position(symbol: "ES")
        p.apply(side: .sell, quantity: 2, price: Price(ticks: 10000), time: Timestamp(seconds: 0))
        #expect(p.unrealizedTicks(at: Price(ticks: 9990)) == 20)
        #expect(p.quantity == -2 && p.averagePriceTicks == 10000)
    }
}
