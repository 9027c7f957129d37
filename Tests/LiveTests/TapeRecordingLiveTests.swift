import Foundation
import Testing
import Data
import ProjectX
import TSXLabTesting
@testable import Live

@Suite("Recording the tape from a live runner, over real sockets", .serialized)
struct TapeRecordingLiveTests {
    static let tape = { try! LiveParityTests.esz13(through: "2013-10-09T00:00:00Z") }()

    @Test("prints, quotes and depth recorded by the runner over a session with a dropped socket equal what the gateway sent, each once, in order")
    func droppedSocket() async throws {
        let (store, _, _) = try StoreKind.sqlite.make()
        let tapeStore = TapeStore(db: try #require(store as? any SQLDatabase))
        let recorder = TapeRecorder(tape: tapeStore)
        let live = try await LiveHarness.make(tape: Self.tape, strategies: [try LiveParityTests.overnight()], recorder: recorder)
        try await live.play(40)
        // The sockets drop and stay refused while the tape plays on: the prints of those bars
        // reach nobody. Then the runner may come back.
        _ = try await live.gw.post("/_gateway/faults", ["dropSockets": true, "refuseHubs": true])
        let r = try await live.gw.post("/_gateway/step", ["bars": 15])
        let cursor = try #require(r["cursor"] as? Int)
        _ = try await live.gw.post("/_gateway/faults", ["refuseHubs": false])
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while true {
            let stats = await live.runner.stats
            if stats.barsProcessed >= cursor - 1 && stats.reconnects >= 2 { break }
            guard Date() < deadline else { Issue.record("the runner did not reconnect and catch up: \(stats.barsProcessed) bars, \(stats.reconnects) reconnects"); break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await live.play(40)
        let everything = try #require(try await live.gw.post("/_gateway/sent-market")["sent"] as? [[String: Any]])
        let sent = everything.filter { $0["target"] as? String == "GatewayTrade" }
        // `play` waits for the prints; a bar's last quote and depth update may still be on their
        // way to the runner: wait until the recorder was handed as many as went out to it.
        func delivered(_ target: String) -> Int { everything.filter { $0["target"] as? String == target && $0["connections"] as? Int == 1 }.count }
        let (quotesOut, depthOut) = (delivered("GatewayQuote"), delivered("GatewayDepth"))
        let handed = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while recorder.tallies.received.quotes < quotesOut || recorder.tallies.received.depth < depthOut {
            guard Date() < handed else { Issue.record("the recorder was handed \(recorder.tallies.received), the gateway sent \(quotesOut) quotes and \(depthOut) depth updates"); break }
            try await Task.sleep(for: .milliseconds(20))
        }
        await recorder.finish()
        await live.stop()

        // What went out to a connection, as the tape keeps it; every print went to one connection
        // at most (the runner's), so none can arrive twice.
        let tick = TickSize("0.25")!
        #expect(sent.allSatisfy { ($0["connections"] as? Int ?? 0) <= 1 })
        let delivered = try sent.filter { ($0["connections"] as? Int ?? 0) == 1 }.map { item -> TradePrint in
            let json = try JSONValue.parse(Data(try JSONSerialization.data(withJSONObject: item["item"]!)))
            return try #require(try PXTradePrint(json: json).tapePrint(tick: tick))
        }
        #expect(sent.count > delivered.count, "some prints went out while the runner was away")
        #expect(delivered.count > 100)
        let recorded = try tapeStore.read("ESZ13", TimeWindow(from: .distantPast, to: .distantFuture))
        #expect(recorded == delivered, "\(Self.difference(recorded, delivered))")
        #expect(recorder.counts.failures == 0 && recorder.counts.stored == recorded.count)
        // The quotes and depth updates the runner got, the same way.
        func items(_ target: String) throws -> [JSONValue] {
            try everything.filter { $0["target"] as? String == target && $0["connections"] as? Int == 1 }
                .map { try JSONValue.parse(Data(try JSONSerialization.data(withJSONObject: $0["item"]!))) }
        }
        let all = TimeWindow(from: .distantPast, to: .distantFuture)
        let quotes = try items("GatewayQuote").compactMap { try PXQuote(json: $0).tapeQuote(tick: tick) }
        let depth = try items("GatewayDepth").compactMap { DepthUpdate(json: $0, tick: tick) }
        #expect(quotes.count > 50 && depth.count > 50)
        let storedQuotes = try tapeStore.quotes("ESZ13", all)
        #expect(storedQuotes == quotes, "\(Self.difference(storedQuotes, quotes))")
        let storedDepth = try tapeStore.depth("ESZ13", all)
        #expect(storedDepth == depth, "\(Self.difference(storedDepth, depth))")
    }

    /// Where a recorded stream first parts from what was sent: the counts and the items around.
    static func difference<T: Equatable>(_ recorded: [T], _ sent: [T]) -> String {
        let first = zip(recorded, sent).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(recorded.count, sent.count)
        let near = max(0, first - 2)..<(first + 3)
        return "recorded \(recorded.count), sent \(sent.count), first difference at \(first); recorded there \(recorded[near.clamped(to: recorded.indices)]), sent there \(sent[near.clamped(to: sent.indices)])"
    }
}
