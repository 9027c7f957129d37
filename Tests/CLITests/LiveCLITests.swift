import Foundation
import Testing
import Data
import TSXLabTesting

/// `tsxlab live …` by hand, through the executable, against a `tsxlab gateway serve` process.
@Suite("tsxlab live: manual commands against the loopback gateway", .serialized)
struct LiveCLITests {
    static let key = "cli-secret-key-9d41f0"
    let dir = TestEnvironment.temporaryDirectory("cli-live")

    func env(_ gw: GatewayProcess, _ extra: [String: String] = [:]) -> [String: String] {
        ["TSXLAB_DATA_DIR": dir, "PROJECTX_API_URL": gw.baseURL, "PROJECTX_RTC_URL": gw.baseURL,
         "PROJECTX_USERNAME": "trader", "PROJECTX_API_KEY": Self.key].merging(extra) { $1 }
    }

    func gateway() throws -> GatewayProcess {
        let gw = try GatewayProcess(csv: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), contract: "ESZ13")
        try gw.step(600)
        return gw
    }

    @Test("account, contracts, history, place, orders, cancel, stop-bracket and flatten: a line each, or JSON; the risk engine refuses with the rule's words")
    func manualCommands() throws {
        let gw = try gateway()
        defer { gw.stop() }
        let e = env(gw)
        var r = try CLI.run(["live", "account"], environment: e)
        #expect(r.status == 0 && r.stdout.contains("account 50KTC-LOOPBACK-1 (#1): balance $50000"), "\(r.stderr)")
        r = try CLI.run(["live", "contracts", "ES"], environment: e)
        #expect(r.status == 0 && r.stdout.contains("CON.F.US.EP.Z13  ESZ13  tick 0.25 = $12.5"))
        r = try CLI.run(["live", "history", "ESZ13", "5m", "3", "--to", "2013-10-07T08:00:00Z"], environment: e)
        let lines = r.stdout.split(separator: "\n")
        #expect(r.status == 0 && lines.count == 4 && lines[0] == "time,open,high,low,close,volume" && lines[3].hasPrefix("2013-10-07T07:55:00Z,"), "\(r.stdout)\(r.stderr)")

        r = try CLI.run(["live", "place", "ESZ13", "BUY", "1", "--limit", "1600", "--rules", "unlimited", "--json"], environment: e)
        #expect(r.status == 0, "\(r.stderr)")
        let placed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: String]
        let id = try #require(placed?["orderId"])
        r = try CLI.run(["live", "orders"], environment: e)
        #expect(r.stdout.contains("#\(id)  BUY 1 CON.F.US.EP.Z13 limit limit 1600"))
        r = try CLI.run(["live", "cancel", "#\(id)"], environment: e)
        #expect(r.status == 0 && r.stdout == "cancelled #\(id)\n")
        r = try CLI.run(["live", "orders"], environment: e)
        #expect(r.stdout == "no working orders\n")

        // Over the 50K Combine's 5-contract limit: refused before anything is sent.
        r = try CLI.run(["live", "place", "ESZ13", "SELL", "6"], environment: e)
        #expect(r.status == 65 && r.stderr.contains("refused: size would reach 6 mini-equivalents, above the limit of 5"), "\(r.stderr)")
        r = try CLI.run(["live", "stop-bracket", "ESZ13", "SELL", "1", "1600", "1590", "1610", "--rules", "unlimited"], environment: e)
        #expect(r.status == 65 && r.stderr.contains("refused: invalid bracket: the stop-loss must be on the losing side of the entry"), "\(r.stderr)")
        r = try CLI.run(["live", "stop-bracket", "ESZ13", "SELL", "1", "1600", "1610", "1590", "--rules", "unlimited"], environment: e)
        #expect(r.status == 0 && r.stdout.hasPrefix("placed #"), "\(r.stderr)")
        r = try CLI.run(["live", "orders", "--json"], environment: e)
        let working = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(working.count == 3)   // the entry and its two suspended exits
        r = try CLI.run(["live", "place", "ESZ13", "BUY", "1", "--rules", "unlimited"], environment: e)
        #expect(r.status == 0, "\(r.stderr)")
        try gw.step(1)
        r = try CLI.run(["live", "positions"], environment: e)
        #expect(r.stdout.hasPrefix("CON.F.US.EP.Z13  long 1 @ "))
        r = try CLI.run(["live", "flatten"], environment: e)
        #expect(r.status == 0 && r.stdout == "flatten: 3 orders cancelled, 1 positions closed\n", "\(r.stdout)\(r.stderr)")
        try gw.step(1)
        r = try CLI.run(["live", "positions"], environment: e)
        #expect(r.stdout == "flat\n")
    }

    @Test("the API key never appears in output, errors or api_metrics; a key file others can read is refused")
    func secrets() throws {
        let gw = try gateway()
        defer { gw.stop() }
        let store = dir + "/secrets.db"
        let e = env(gw, ["TSXLAB_STORE": "sqlite:" + store])
        var outputs: [String] = []
        for args in [["live", "account"], ["live", "orders", "--json"], ["live", "cancel", "999"], ["live", "place", "ESZ13", "BUY", "1", "--limit", "1600.1", "--rules", "unlimited"]] {
            let r = try CLI.run(args, environment: e)
            outputs += [r.stdout, r.stderr]
        }
        #expect(outputs.joined().contains("Order not found") || outputs.joined().contains("rejected"))
        #expect(!outputs.joined().contains(Self.key))
        let db = try #require(try StoreURL.open("sqlite:" + store) as? any SQLDatabase)
        let rows = try db.query("SELECT endpoint, method, duration_ms, status_code, success, error_message, created_at FROM api_metrics", [])
        #expect(rows.count >= 6)
        #expect(rows.contains { $0[0].text == "/api/Order/cancel" && $0[4].int == 0 && ($0[5].text ?? "").contains("code 2") })
        #expect(!rows.flatMap { $0.map(\.description) }.joined().contains(Self.key))

        let keyFile = dir + "/key"
        try (Self.key + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o644)
        var r = try CLI.run(["live", "account"], environment: env(gw, ["PROJECTX_API_KEY": "", "PROJECTX_API_KEY_FILE": keyFile]))
        #expect(r.status != 0 && r.stderr.contains("chmod 600 \(keyFile)") && !r.stderr.contains(Self.key) && !r.stdout.contains(Self.key))
        chmod(keyFile, 0o600)
        r = try CLI.run(["live", "account"], environment: env(gw, ["PROJECTX_API_KEY": "", "PROJECTX_API_KEY_FILE": keyFile]))
        #expect(r.status == 0 && !r.stdout.contains(Self.key) && !r.stderr.contains(Self.key))
    }
}
