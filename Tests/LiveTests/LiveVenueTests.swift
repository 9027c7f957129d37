import Foundation
import Testing
import Data
import ProjectX
import Trading
import Configuration
import TSXLabTesting
@testable import Live

/// The venue's view of the account (positions and balance) against the runner's ledger: the
/// comparison itself case by case, then over real sockets with the loopback gateway's faults —
/// a fill whose events never arrived, and a balance the venue moved by itself.
@Suite("Live runner: the venue's positions and balance checked against the ledger", .serialized)
struct LiveVenueTests {
    static let es = "CON.F.US.EP.Z13", nq = "CON.F.US.ENQ.Z13"
    typealias Book = VenueComparison.Book

    @Test("positions by contract: one the runner did not open, one the venue does not hold, one of another size; agreement sets the baseline")
    func positions() {
        let agree = VenueComparison.differences(venue: Book(positions: [Self.es: 1], balance: Money(cents: 5_000_000)),
                                                ledger: Book(positions: [Self.es: 1], balance: Money(cents: 4_999_000), fees: Money(cents: 210)),
                                                baseline: nil)
        #expect(agree.problems.isEmpty)
        #expect(agree.baseline == VenueComparison.Baseline(offset: Money(cents: 1_000), fees: Money(cents: 210)))

        let differ = VenueComparison.differences(venue: Book(positions: [Self.es: -1, Self.nq: 2, "CON.F.US.MES.Z13": 0], balance: Money(cents: 5_000_000)),
                                                 ledger: Book(positions: [Self.es: 1, "CON.F.US.RTY.Z13": 3], balance: Money(cents: 5_000_000)),
                                                 baseline: nil)
        #expect(differ.problems == [
            "CON.F.US.ENQ.Z13: the venue is long 2, the runner's ledger flat (a position the runner did not open)",
            "CON.F.US.EP.Z13: the venue is short 1, the runner's ledger long 1 (a position of another size)",
            "CON.F.US.RTY.Z13: the venue is flat, the runner's ledger long 3 (a position the venue does not hold)",
        ])
        #expect(differ.baseline == nil, "no baseline while the positions differ")
    }

    @Test("the balance: each side's move since the baseline may differ by at most the fees the ledger counted since then")
    func balance() {
        let base = VenueComparison.Baseline(offset: Money(cents: 1_000), fees: Money(cents: 420))
        func problems(venue: Int64, ledger: Int64, fees: Int64) -> [String] {
            VenueComparison.differences(venue: Book(positions: [:], balance: Money(cents: venue)),
                                        ledger: Book(positions: [:], balance: Money(cents: ledger), fees: Money(cents: fees)), baseline: base).problems
        }
        // The ledger lost $12.50 on a trade with $4.20 of fees; the venue charged no fee: $4.20 apart, allowed.
        #expect(problems(venue: 5_001_000 - 1_250, ledger: 5_000_000 - 1_250 - 420, fees: 840).isEmpty)
        // The same trade with the venue charging $8.41 where the ledger counted $4.20: $4.21 apart, beyond the fees.
        #expect(problems(venue: 5_001_000 - 1_250 - 841, ledger: 5_000_000 - 1_250 - 420, fees: 840) == [
            "balance: the venue's moved $-4.21 apart from the runner's fills since the comparison began (venue $49989.09, ledger $49983.30; fees counted since then $4.20)",
        ])
        // No trade, a $250 charge at the venue.
        #expect(problems(venue: 5_001_000 - 25_000, ledger: 5_000_000, fees: 420).count == 1)
        // Without the venue's balance only positions are compared.
        #expect(VenueComparison.differences(venue: Book(positions: [:], balance: nil), ledger: Book(positions: [:], balance: .zero), baseline: base).problems.isEmpty)
    }

    @Test("live.venue settings: read from the file, written back, and every bad value named")
    func settings() throws {
        let s = try LiveSection(fields: ["venue.check_seconds": "15", "venue.on_mismatch": "keep"], source: "f.yaml")
        #expect(s.venue.checkSeconds == 15 && !s.venue.flattenOnMismatch)
        #expect(try LiveSection(fields: [:], source: "f.yaml").venue == VenueWatch())
        let again = try LiveSection(fields: try #require(try RunConfiguration.liveSection(yaml: s.yaml, source: "g.yaml")), source: "g.yaml")
        #expect(again.venue == s.venue)
        #expect(throws: PromotionError.badSetting(source: "f.yaml", problems: [
            "live.feed.loss_seconds: 'soon' is not a number of seconds (0 or more; 0 switches it off)",
            "live.venue.check_seconds: '-5' is not a number of seconds (0 or more; 0 switches it off)",
            "live.venue.on_mismatch: 'ignore' is neither flatten nor keep",
            "live.venue.every: unknown setting (known: check_seconds, on_mismatch)",
        ])) {
            try LiveSection(fields: ["feed.loss_seconds": "soon", "venue.check_seconds": "-5", "venue.on_mismatch": "ignore", "venue.every": "3"], source: "f.yaml")
        }
    }

    /// A market order placed at the venue by someone other than the runner (a REST client of its own).
    static func placeBehindTheRunner(_ live: LiveHarness, side: PXSide) async throws {
        let other = ProjectXClient(baseURL: live.gw.baseURL, credentials: APICredentials(userName: "trader", apiKey: Secret(LoopbackGateway.key)))
        _ = try await other.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .market, side: side, size: 1))
    }

    @Test("a fill whose events the user hub never delivered: the REST snapshot shows a position the ledger lacks; confirmed, it is noted, shown, closed at the venue, and no new order is taken")
    func positionTheRunnerDidNotOpen() async throws {
        let live = try await LiveHarness.make(tape: LiveFeedTests.tape, strategies: [ScriptedStrategy()]) { $0.venueCheckEvery = 1 }
        let notes = Notes()
        await live.runner.observe { notes.take($0) }
        try await live.play(2)
        #expect(await live.runner.stats.venueChecks >= 1, "the start compares once")
        #expect(await live.runner.stats.halted == nil)

        _ = try await live.gw.post("/_gateway/faults", ["silentUser": true])
        try await Self.placeBehindTheRunner(live, side: .bid)
        _ = try await live.gw.post("/_gateway/step", ["bars": 1])     // the order fills at the venue
        #expect(try await live.client.openPositions(accountId: 1).map(\.size) == [1])
        try await live.wait("the difference confirmed and acted on") { await live.runner.stats.halted?.hasPrefix("venue mismatch: ") == true }
        let said = "the venue's view of the account differs from the runner's: \(Self.es): the venue is long 1, the runner's ledger flat (a position the runner did not open)"
        // The venue also took the opening fill's fee ($1.89), which the ledger never saw.
        #expect(notes.contains(said + "; balance: the venue's moved $-1.89 apart from the runner's fills since the comparison began (venue $49998.11, ledger $50000.00; fees counted since then $0.00)"
                               + ": cancelling working orders, closing every position and halting (live.venue.on_mismatch: flatten)"), "\(notes.all)")
        #expect(await live.runner.stats.venueMismatch?.hasPrefix(said.dropFirst("the venue's view of the account differs from the runner's: ".count)) == true)
        #expect(live.broker.positions().isEmpty, "the ledger never heard of it")
        // The close went to the venue by contract, and fills as the market moves.
        try await live.wait("the venue's position closed") {
            _ = try await live.gw.post("/_gateway/step", ["bars": 1])
            return try await live.client.openPositions(accountId: 1).isEmpty
        }
        let after = live.broker.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market))
        #expect(after.rejection.map { "\($0)" }?.contains("trading halted (the venue's view differs)") == true, "\(after)")
        await live.stop()
    }

    @Test("a balance the venue moved by itself (a $250 charge), with on_mismatch keep: noted once and shown, and trading goes on")
    func balanceMovedAtTheVenue() async throws {
        let live = try await LiveHarness.make(tape: LiveFeedTests.tape, strategies: [try LiveParityTests.overnight()]) {
            $0.flattenOnVenueMismatch = false
        }
        let notes = Notes()
        await live.runner.observe { notes.take($0) }
        try await live.play(3)
        _ = try await live.gw.post("/_gateway/faults", ["adjustBalance": -250])
        // The account event brings the check forward from the configured minute.
        try await live.wait("the balance difference confirmed") { await live.runner.stats.venueMismatch != nil }
        let shown = try #require(await live.runner.stats.venueMismatch)
        #expect(shown.hasPrefix("balance: the venue's moved $-250.00 apart from the runner's fills since the comparison began"), "\(shown)")
        #expect(notes.contains("the venue's view of the account differs from the runner's: " + shown + "; trading on (live.venue.on_mismatch: keep)"), "\(notes.all)")
        try await live.play(3)
        #expect(await live.runner.stats.halted == nil)
        #expect(await live.runner.stats.barsProcessed == 6)
        #expect(notes.all.filter { $0.contains("the venue's view of the account differs") }.count == 1, "noted once: \(notes.all)")
        await live.stop()
    }
}
