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
