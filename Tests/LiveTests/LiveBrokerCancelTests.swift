import Foundation
import Testing
import Data
import Trading
import ProjectX
@testable import Live

@Suite("LiveBroker: a cancel before the venue's id is known")
struct LiveBrokerCancelTests {
    @Test("a cancel asked for while the placement is on its way goes out when the placement's answer names the order; once only")
    func cancelWhilePlacing() throws {
        let spec = try ContractRegistry.builtIn.spec(for: "ES")
        let broker = LiveBroker(accountID: 1, instruments: [Instrument(spec: spec)], contracts: ["ES": "CON.F.US.EP.Z13"], rules: .unlimited(),
                                startingBalance: Money(cents: 50_000_00), tagPrefix: "t", now: Timestamp(seconds: 1_381_147_200))
        guard case .accepted(let id) = broker.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .limit(Price(ticks: 6_000)))) else {
            Issue.record("the placement was refused"); return
        }
        guard case .place(let local, _)? = broker.takeOutbox().first else { Issue.record("no placement queued"); return }
        #expect(local == id)
        // Cancelled (a flatten at shutdown) before the gateway answered: nothing can name it yet.
        _ = broker.flatten(nil, reason: "shutdown")
        #expect(broker.takeOutbox().isEmpty)
        broker.acknowledge(.placed(local: id, gatewayID: 4_242))
        let out = broker.takeOutbox()
        #expect(out.count == 1)
        if case .cancel(let l, let gid)? = out.first { #expect(l == id && gid == 4_242) } else { Issue.record("no cancel: \(out)") }
        // A later event naming the same order sends nothing more.
        broker.acknowledge(.placed(local: id, gatewayID: 4_242))
        #expect(broker.takeOutbox().isEmpty)
    }
}

@Suite("LiveBroker: an earlier run's entry whose fill beats the cancel after a restart")
struct LiveBrokerSettlingTests {
    static let contract = "CON.F.US.EP.Z13"
    static func order(_ id: Int64, _ status: PXOrderStatus, type: PXOrderType, side: PXSide, filled: Int = 0, tag: String? = nil,
                      parent: Int64? = nil) -> PXOrder {
        PXOrder(id: id, accountId: 1, contractId: contract, symbolId: nil, creationTimestamp: "2013-10-07T13:39:00Z", updateTimestamp: "2013-10-07T13:39:00Z",
                status: status, type: type, side: side, size: 1, limitPrice: type == .limit ? Decimal(string: "1672") : nil,
                stopPrice: type == .stop ? Decimal(string: "1668") : nil, fillVolume: filled, filledPrice: filled > 0 ? Decimal(string: "1670") : nil,
                customTag: tag, parentOrderId: parent)
    }
    static func trade(_ id: Int64, order: Int64, side: Int) -> PXTrade {
        PXTrade(id: id, accountId: 1, contractId: contract, creationTimestamp: "2013-10-07T13:39:30Z", price: Decimal(string: "1670")!,
                profitAndLoss: nil, fees: Decimal(string: "2.09")!, side: side, size: 1, voided: false, orderId: order)
    }

    @Test("the entry is cancelled; when it fills first the symbol is flattened (its exits cancelled, the position closed), and the strategies' entries are refused until the position is flat")
    func fillBeatsCancel() throws {
        let spec = try ContractRegistry.builtIn.spec(for: "ES")
        let broker = LiveBroker(accountID: 1, instruments: [Instrument(spec: spec)], contracts: ["ES": Self.contract], rules: .unlimited(),
                                startingBalance: Money(cents: 50_000_00), tagPrefix: "t", now: Timestamp(iso8601: "2013-10-07T13:39:00Z")!)
        // An earlier run's market entry (its tag, no decision of this run's replay) still working, with its bracket exits.
        let entry = Self.order(10, .open, type: .market, side: .bid, tag: "t-15985-7")
        let stop = Self.order(11, .suspended, type: .stop, side: .ask, parent: 10), target = Self.order(12, .suspended, type: .limit, side: .ask, parent: 10)
        broker.beginWarmup(snapshot: [entry, stop, target])
        broker.endWarmup()
        let cancels = broker.takeOutbox().compactMap { if case .cancel(_, let gid) = $0 { gid } else { nil } }
        #expect(cancels == [10], "the earlier run's entry is cancelled at once")
        let entryRequest = OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market)
        #expect(broker.place(entryRequest).rejection != nil, "no entry while the earlier run's is being settled")
        // The fill beat the cancel: the gateway fills the entry and wakes its exits.
        broker.apply(trade: Self.trade(7, order: 10, side: 0))
        broker.apply(order: Self.order(10, .filled, type: .market, side: .bid, filled: 1, tag: "t-15985-7"))
        broker.apply(order: Self.order(11, .open, type: .stop, side: .ask, parent: 10))
        broker.apply(order: Self.order(12, .open, type: .limit, side: .ask, parent: 10))
        let out = broker.takeOutbox()
        #expect(out.contains { if case .close(let s, _) = $0 { s == "ES" } else { false } }, "the position is closed: \(out)")
        #expect(Set(out.compactMap { if case .cancel(_, let gid) = $0 { gid } else { nil } }) == Set<Int64>([11, 12]), "its exits are cancelled: \(out)")
        #expect(broker.position("ES").quantity == 1)
        #expect(broker.place(entryRequest).rejection != nil, "still settling: the position is open")
        // The close fills, the exits are cancelled: settled, and the strategy may enter again.
        broker.apply(order: Self.order(20, .filled, type: .market, side: .ask, filled: 1))
        broker.apply(trade: Self.trade(8, order: 20, side: 1))
        broker.apply(order: Self.order(11, .cancelled, type: .stop, side: .ask, parent: 10))
        broker.apply(order: Self.order(12, .cancelled, type: .limit, side: .ask, parent: 10))
        #expect(broker.position("ES").isFlat)
        #expect(broker.place(entryRequest).rejection == nil, "settled: entries go out again")
    }

    @Test("an earlier run's entry the cancel reaches in time is settled by the cancel alone: nothing is flattened")
    func cancelInTime() throws {
        let spec = try ContractRegistry.builtIn.spec(for: "ES")
        let broker = LiveBroker(accountID: 1, instruments: [Instrument(spec: spec)], contracts: ["ES": Self.contract], rules: .unlimited(),
                                startingBalance: Money(cents: 50_000_00), tagPrefix: "t", now: Timestamp(iso8601: "2013-10-07T13:39:00Z")!)
        broker.beginWarmup(snapshot: [Self.order(10, .open, type: .limit, side: .bid, tag: "t-15985-7")])
        broker.endWarmup()
        _ = broker.takeOutbox()
        broker.apply(order: Self.order(10, .cancelled, type: .limit, side: .bid, tag: "t-15985-7"))
        #expect(!broker.takeOutbox().contains { if case .close = $0 { true } else { false } })
        #expect(broker.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market)).rejection == nil)
    }
}
