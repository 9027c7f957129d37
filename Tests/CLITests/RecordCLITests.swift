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

    @Test("record keeps each print the gateway pushed to it once, in order; SIGINT ends it with the summary; export --ticks writes them in the ESH4 file's form")
    func recordAndExport() async throws {
        let gw = try await GatewayProcess.start(csv: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), contract: "ESZ13")
        defer { gw.stop() }
        try gw.step(20)   // prints before the recording: pushed to nobody
        let (p, out) = try Collected.launch(["record", "ESZ13", "--json"], environment: env(gw).merging(["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]) { a, _ in a })
        try await out.wait("the recording to start", timeout: TestEnvironment.hangGuard) { $0.err.contains("SIGINT or SIGTERM stops") }
        try gw.step(60)
        let sent = try #require(try gw.control("/_gateway/sent-prints")["prints"] as? [[String: Any]])
        let tick = TickSize("0.25")!
        // Read here from the JSON the gateway sent: type 0 a buy, 1 a sell.
        let delivered = try sent.filter { ($0["connections"] as? Int ?? 0) == 1 }.map { item -> TradePrint in
            let print = try #require(item["print"] as? [String: Any])
            let time = try #require(Timestamp.nanoseconds(iso8601: print["timestamp"] as? String ?? ""))
            let price = try #require((print["price"] as? NSNumber)?.doubleValue)
            return TradePrint(time: time, price: tick.ticks(nearest: price), size: (print["volume"] as? NSNumber)?.int64Value,
                              aggressor: print["type"] as? Int == 0 ? .buy : print["type"] as? Int == 1 ? .sell : nil)
        }
        #expect(delivered.count > 100 && sent.count > delivered.count)
        // Stopped once the store holds as many prints as the gateway pushed to the recorder.
        let tape = TapeStore(db: try StoreURL.open("sqlite:" + dir + "/tsxlab.sqlite") as! any SQLDatabase)
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while try tape.count("ESZ13") < delivered.count, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        kill(p.processIdentifier, SIGINT)
        await p.exited()
        #expect(p.terminationStatus == 0, "\(out.texts.err)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(out.texts.out.utf8)) as? [String: Any])
        #expect(summary["stored"] as? Int == delivered.count && summary["received"] as? Int == delivered.count)
        #expect(try tape.read("ESZ13", TimeWindow(from: .distantPast, to: .distantFuture)) == delivered)

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
