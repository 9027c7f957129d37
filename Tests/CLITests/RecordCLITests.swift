import Foundation
import Testing
import Data
import TSXLabTesting

/// `tsxlab record` as a child process on a `tsxlab gateway serve` child process, then `tsxlab
/// data export --ticks`.
@Suite("tsxlab record and data export --ticks against the loopback gateway", .serialized)
struct RecordCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli-record")

    func env(_ gw: GatewayProcess) -> [String: String] {
        ["TSXLAB_DATA_DIR": dir, "PROJECTX_API_URL": gw.baseURL, "PROJECTX_RTC_URL": gw.hubURL,
         "PROJECTX_USERNAME": "trader", "PROJECTX_API_KEY": "record-key-3b1f"]
    }

    /// What the gateway pushed to exactly one connection (the recorder's) with `target`.
    static func delivered(_ sent: [[String: Any]], _ target: String) -> [[String: Any]] {
        sent.filter { $0["target"] as? String == target && $0["connections"] as? Int == 1 }.compactMap { $0["item"] as? [String: Any] }
    }

    static func ns(_ item: [String: Any], _ key: String = "timestamp") throws -> Int64 {
        try #require(Timestamp.nanoseconds(iso8601: item[key] as? String ?? ""))
    }

    static func ticks(_ value: Any?, _ tick: TickSize) -> Int64? { (value as? NSNumber).map { tick.ticks(nearest: $0.doubleValue) } }

    @Test("record keeps each print, quote and depth update the gateway pushed to it once, in order; SIGINT ends it with the summary; export --ticks writes the prints in the ESH4 file's form")
    func recordAndExport() async throws {
        let gw = try await GatewayProcess.start(csv: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), contract: "ESZ13")
        defer { gw.stop() }
        try gw.step(20)   // prints before the recording: pushed to nobody
        let (p, out) = try Collected.launch(["record", "ESZ13", "--quotes", "--depth", "--json"], environment: env(gw).merging(["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]) { a, _ in a })
        try await out.wait("the recording to start", timeout: TestEnvironment.hangGuard) { $0.err.contains("SIGINT or SIGTERM stops") }
        try gw.step(60)
        let sent = try #require(try gw.control("/_gateway/sent-market")["sent"] as? [[String: Any]])
        let tick = TickSize("0.25")!
        // Read here from the JSON the gateway sent: type 0 a buy, 1 a sell.
        let delivered = try Self.delivered(sent, "GatewayTrade").map { print -> TradePrint in
            TradePrint(time: try Self.ns(print), price: try #require(Self.ticks(print["price"], tick)), size: (print["volume"] as? NSNumber)?.int64Value,
                       aggressor: print["type"] as? Int == 0 ? .buy : print["type"] as? Int == 1 ? .sell : nil)
        }
        let quotes = try Self.delivered(sent, "GatewayQuote").map { q in
            QuoteRecord(time: try Self.ns(q), bid: Self.ticks(q["bestBid"], tick), ask: Self.ticks(q["bestAsk"], tick), last: Self.ticks(q["lastPrice"], tick),
                        volume: (q["volume"] as? NSNumber)?.int64Value)
        }
        let depth = try Self.delivered(sent, "GatewayDepth").map { d in
            DepthUpdate(time: try Self.ns(d), type: (d["type"] as? NSNumber)?.int64Value ?? -1, price: try #require(Self.ticks(d["price"], tick)),
                        volume: (d["volume"] as? NSNumber)?.int64Value, resting: (d["currentVolume"] as? NSNumber)?.int64Value)
        }
        #expect(delivered.count > 100 && sent.filter { $0["target"] as? String == "GatewayTrade" }.count > delivered.count)
        #expect(quotes.count > 10 && depth.count > 10)
        // Stopped once the store holds as many prints as the gateway pushed to the recorder.
        let tape = TapeStore(db: try StoreURL.open("sqlite:" + dir + "/tsxlab.sqlite") as! any SQLDatabase)
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        let all = TimeWindow(from: .distantPast, to: .distantFuture)
        while try tape.count("ESZ13") < delivered.count || tape.quotes("ESZ13", all).count < quotes.count || tape.depth("ESZ13", all).count < depth.count,
              Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        kill(p.processIdentifier, SIGINT)
        await p.exited()
        #expect(p.terminationStatus == 0, "\(out.texts.err)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(out.texts.out.utf8)) as? [String: Any])
        #expect(summary["stored"] as? Int == delivered.count && summary["received"] as? Int == delivered.count)
        #expect(summary["quotes"] as? Int == quotes.count && summary["depthUpdates"] as? Int == depth.count)
        #expect(try tape.read("ESZ13", all) == delivered)
        #expect(try tape.quotes("ESZ13", all) == quotes)
        #expect(try tape.depth("ESZ13", all) == depth)

        let r = try await CLI.run(["data", "export", "--symbol", "ESZ13", "--ticks", "--out", "-"], environment: env(gw))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == TapeCSV.text(delivered, tickSize: tick, decimals: 2))
        #expect(r.stdout.hasPrefix("timestamp,price,size,aggressor\n2013-10-06T22:"))

        // Bad requests are named.
        let both = try await CLI.run(["data", "export", "--symbol", "ESZ13", "--ticks", "--timeframe", "1m", "--out", "-"], environment: env(gw))
        #expect(both.status == 64 && both.stderr.contains("--ticks or --timeframe, not both"), "\(both.stderr)")
        let unknown = try await CLI.run(["data", "export", "--symbol", "NQZ13", "--ticks", "--out", "-"], environment: env(gw))
        #expect(unknown.status != 0 && unknown.stderr.contains("no recorded prints of NQZ13; recorded: ESZ13"), "\(unknown.stderr)")
    }
}
