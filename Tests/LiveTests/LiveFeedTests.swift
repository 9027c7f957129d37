import Foundation
import Synchronization
import Testing
import Data
import ProjectX
import Configuration
import Trading
import TSXLabTesting
@testable import Live

/// The notes a runner gave (what the operations layer turns into notifications), collected.
final class Notes: Sendable {
    private let texts = Mutex<[String]>([])
    func take(_ o: RunnerObservation) { if case .note(let t) = o { texts.withLock { $0.append(t) } } }
    func contains(_ part: String) -> Bool { texts.withLock { $0.contains { $0.contains(part) } } }
    var all: [String] { texts.withLock { $0 } }
}

extension LiveHarness {
    /// Waits until `done` holds, up to the hang guard; the failure names `what`.
    func wait(_ what: String, _ done: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while try await !done() {
            guard Date() < deadline else {
                let s = await runner.stats
                Issue.record("\(what): not reached (reconnects \(s.reconnects), bars \(s.barsProcessed), feed \(s.feedTrouble ?? "ok"), errors \(s.lastErrors))")
                throw HarnessError.stalled(what)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Hub stops and a frozen feed, made by the loopback gateway's faults over real sockets: each is
/// noticed, the hubs come back (with a new token where the old one may be why), and a feed that
/// cannot come back within the configured time is given notice and flattened.
@Suite("Live runner: hubs closed by the server, logged out, a frozen feed, a feed lost", .serialized)
struct LiveFeedTests {
    static let tape = LiveFaultTests.tape

    @Test("a close message that allows no reconnect and a GatewayLogout: both hubs reconnect with a new token, and the bars go on")
    func closedAndLoggedOut() async throws {
        let live = try await LiveHarness.make(tape: Self.tape, strategies: [try LiveParityTests.overnight()])
        let notes = Notes()
        await live.runner.observe { notes.take($0) }
        try await live.play(5)

        let renewals = await live.client.renewals, reconnects = await live.runner.stats.reconnects
        _ = try await live.gw.post("/_gateway/faults", ["closeHubs": true, "allowReconnect": false])
        try await live.wait("both hubs back after the close") { await live.runner.stats.reconnects >= reconnects + 2 }
        #expect(await live.client.renewals > renewals, "a close that allows no reconnect is answered with a new token")
        #expect(notes.contains("the server closed the hub"), "\(notes.all)")
        try await live.play(3)
        #expect(await live.runner.stats.barsProcessed == 8)

        let renewed = await live.client.renewals, back = await live.runner.stats.reconnects
        _ = try await live.gw.post("/_gateway/faults", ["logout": true])
        try await live.wait("both hubs back after GatewayLogout") { await live.runner.stats.reconnects >= back + 2 }
        #expect(await live.client.renewals > renewed)
        #expect(notes.contains("the gateway logged this session out"), "\(notes.all)")
        try await live.play(3)
        #expect(await live.runner.stats.barsProcessed == 11)
        #expect(await live.runner.stats.halted == nil)
        await live.stop()
    }

    @Test("a market feed that freezes with its socket open: after the configured silence the market hub reconnects once, with a new token; the missed bars arrive and prints flow again")
    func frozenFeed() async throws {
        let live = try await LiveHarness.make(tape: Self.tape, strategies: [try LiveParityTests.overnight()])
        let notes = Notes()
        await live.runner.observe { notes.take($0) }
        // The harness plays bars in lock step; under load a second may pass between two of them,
        // which a one-second watch would take for a frozen feed. It is switched on for the freeze only.
        try await live.play(5)
        await live.runner.adjust { $0.silentFeedAfter = 1 }
        let reconnects = await live.runner.stats.reconnects, renewals = await live.client.renewals
        _ = try await live.gw.post("/_gateway/faults", ["silent": true])
        // The tape moves on four bars that the frozen connection does not carry.
        _ = try await live.gw.post("/_gateway/step", ["bars": 4, "boundary": false])
        _ = try await live.gw.post("/_gateway/tick")
        try await live.wait("the market hub reconnected and the four bars closed") {
            let s = await live.runner.stats
            return s.reconnects > reconnects && s.barsProcessed >= 9
        }
        #expect(notes.contains("market feed frozen: no trade print or quote for 1 s while the market is open; reconnecting the market hub with a new token"), "\(notes.all)")
        #expect(await live.client.renewals > renewals)
        // The new connection carries the tape again (the watch off, so that no second reconnect
        // can drop what this step sends).
        await live.runner.adjust { $0.silentFeedAfter = 0 }
        let prints = await live.runner.stats.prints
        _ = try await live.gw.post("/_gateway/step", ["bars": 1, "boundary": false])
        try await live.wait("prints on the new connection") { await live.runner.stats.prints > prints }
        await live.stop()
    }

    @Test("hubs refused beyond the configured time with a position open: a notice, the exits cancelled and the position closed at the gateway, and no new order taken")
    func feedLost() async throws {
        let live = try await LiveHarness.make(tape: Self.tape, strategies: [try LiveParityTests.overnight()]) {
            $0.feedLossAfter = 2
            $0.flattenOnFeedLoss = true
        }
        let notes = Notes()
        await live.runner.observe { notes.take($0) }
        // 2013-10-10: long from 13:30Z with its two exits working.
        try await live.play(until: "2013-10-10T14:00:00Z")
        #expect(try await live.client.openPositions(accountId: 1).count == 1)
        #expect(live.broker.openOrders().count == 2)
        // The gateway goes away for ten minutes: sockets dropped, hub connections refused.
        _ = try await live.gw.post("/_gateway/faults", ["restart": true, "downMs": 600_000])
        try await live.wait("the feed loss acted on") { await live.runner.stats.halted?.hasPrefix("feed lost: ") == true }
        #expect(notes.contains("feed lost for "), "\(notes.all)")   // the seconds it says depend on when the watch ran
        #expect(await live.runner.stats.feedTrouble?.contains("hub down since") == true)
        // REST still works: the cancels and the close went out, and the close fills as the market
        // moves on (the tape plays; the runner, without its hubs, sees none of it).
        try await live.wait("the position closed at the gateway") {
            _ = try await live.gw.post("/_gateway/step", ["bars": 1])
            let flat = try await live.client.openPositions(accountId: 1).isEmpty
            let idle = try await live.client.workingOrders(accountId: 1).isEmpty
            return flat && idle
        }
        let after = live.broker.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market))
        #expect(after.rejection.map { "\($0)" }?.contains("trading halted (feed lost)") == true, "\(after)")
        await live.stop()
    }

    @Test("live.feed settings: read from the file, and every bad value named")
    func settings() throws {
        let s = try LiveSection(fields: ["feed.silent_seconds": "15", "feed.loss_seconds": "0", "feed.on_loss": "keep"], source: "f.yaml")
        #expect(s.feed.silentSeconds == 15 && s.feed.lossSeconds == 0 && !s.feed.flattenOnLoss)
        #expect(try LiveSection(fields: [:], source: "f.yaml").feed == FeedWatch())
        let again = try LiveSection(fields: try #require(try RunConfiguration.liveSection(yaml: s.yaml, source: "g.yaml")), source: "g.yaml")
        #expect(again.feed == s.feed)
        #expect(throws: PromotionError.badSetting(source: "f.yaml", problems: [
            "live.feed.silent_seconds: '-1' is not a number of seconds (0 or more; 0 switches it off)",
            "live.feed.on_loss: 'panic' is neither flatten nor keep",
            "live.feed.timeout: unknown setting (known: silent_seconds, loss_seconds, on_loss)",
        ])) {
            try LiveSection(fields: ["feed.silent_seconds": "-1", "feed.on_loss": "panic", "feed.timeout": "3"], source: "f.yaml")
        }
    }
}
