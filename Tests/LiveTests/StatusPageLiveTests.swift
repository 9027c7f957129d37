import Foundation
import Testing
import Data
import Trading
import Live
import Operations
import TSXLabTesting

@Suite("The status page of a runner trading on the loopback gateway, in headless Chromium", .serialized)
struct StatusPageLiveTests {
    @Test("no console error; the page loads the runner's state with the position open, then the state pushed over its socket after the target filled replaces it without a reload",
          .enabled(if: Chromium.installed || TestEnvironment.isCI))
    func liveStatusPage() async throws {
        let tape = try LiveParityTests.esz13(through: "2013-10-11T00:00:00Z")
        let live = try await LiveHarness.make(tape: tape, strategies: [try LiveParityTests.overnight()])
        // 2013-10-10: long 1 from 13:30Z, its exits working; the target fills at 14:36Z.
        try await live.play(until: "2013-10-10T14:00:00Z")
        let board = StatusBoard(runner: live.runner, broker: live.broker, accountName: "50KTC-LOOPBACK-1", strategies: ["overnight_range"])
        await board.sample()
        let before = await board.snapshot()
        #expect(before.positions.map(\.quantity) == [1] && before.orders.count == 2)
        // Then the market reaches the target and the runner books the fill.
        try await live.play(until: "2013-10-10T14:40:00Z")
        await board.sample()
        let after = await board.snapshot()
        // The page's first read (its fetch) gets the state before the fill; what the socket pushes
        // after it is the runner's state now.
        final class Reads: @unchecked Sendable { let lock = NSLock(); var n = 0 }
        let reads = Reads()
        let server = try StatusServer(host: "127.0.0.1", port: 0, token: nil, metrics: RunnerMetrics()) {
            let n = reads.lock.withLock { reads.n += 1; return reads.n }
            return n == 1 ? before : await board.snapshot()
        }
        let port = try await server.start()
        let pushed = String(format: "$%.2f", after.balance)
        let out = try await Chromium.dumpDOM("http://127.0.0.1:\(port)/", beforeEach: { reads.lock.withLock { reads.n = 0 } },
                                 until: { $0.contains(#"<span id="balance" class="big">\#(pushed)</span>"#) })
        await server.stop()
        await live.stop()
        #expect(reads.lock.withLock { reads.n } >= 2)
        #expect(after.positions.isEmpty && after.orders.isEmpty && after.balance > before.balance)
        let dom = out.dom
        let balance = String(format: "$%.2f", after.balance)
        #expect(dom.contains(#"<span id="balance" class="big">\#(balance)</span>"#), "\(dom.prefix(2500))")
        #expect(dom.contains(#"<table id="positions"><tbody><tr><td>flat</td></tr></tbody></table>"#))
        #expect(dom.contains(#"<table id="orders"><tbody><tr><td>none</td></tr></tbody></table>"#))
        let console = Chromium.consoleProblems(out.log)
        #expect(console.isEmpty, "\(console)")
    }
}
