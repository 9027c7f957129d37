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

    func gateway() async throws -> GatewayProcess {
        let gw = try await GatewayProcess.start(csv: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), contract: "ESZ13")
        try gw.step(600)
        return gw
    }

    @Test("account, contracts, history, place, orders, cancel, stop-bracket and flatten: a line each, or JSON; the risk engine refuses with the rule's words")
    func manualCommands() async throws {
        let gw = try await gateway()
        defer { gw.stop() }
        let e = env(gw)
        var r = try await CLI.run(["live", "account"], environment: e)
        #expect(r.status == 0 && r.stdout.contains("account 50KTC-LOOPBACK-1 (#1): balance $50000"), "\(r.stderr)")
        r = try await CLI.run(["live", "contracts", "ES"], environment: e)
        #expect(r.status == 0 && r.stdout.contains("CON.F.US.EP.Z13  ESZ13  tick 0.25 = $12.5"))
        r = try await CLI.run(["live", "history", "ESZ13", "5m", "3", "--to", "2013-10-07T08:00:00Z"], environment: e)
        let lines = r.stdout.split(separator: "\n")
        #expect(r.status == 0 && lines.count == 4 && lines[0] == "time,open,high,low,close,volume" && lines[3].hasPrefix("2013-10-07T07:55:00Z,"), "\(r.stdout)\(r.stderr)")

        r = try await CLI.run(["live", "place", "ESZ13", "BUY", "1", "--limit", "1600", "--rules", "unlimited", "--json"], environment: e)
        #expect(r.status == 0, "\(r.stderr)")
        let placed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: String]
        let id = try #require(placed?["orderId"])
        r = try await CLI.run(["live", "orders"], environment: e)
        #expect(r.stdout.contains("#\(id)  BUY 1 CON.F.US.EP.Z13 limit limit 1600"))
        r = try await CLI.run(["live", "cancel", "#\(id)"], environment: e)
        #expect(r.status == 0 && r.stdout == "cancelled #\(id)\n")
        r = try await CLI.run(["live", "orders"], environment: e)
        #expect(r.stdout == "no working orders\n")

        // Over the 50K Combine's 5-contract limit: refused before anything is sent.
        r = try await CLI.run(["live", "place", "ESZ13", "SELL", "6"], environment: e)
        #expect(r.status == 65 && r.stderr.contains("refused: size would reach 6 mini-equivalents, above the limit of 5"), "\(r.stderr)")
        r = try await CLI.run(["live", "stop-bracket", "ESZ13", "SELL", "1", "1600", "1590", "1610", "--rules", "unlimited"], environment: e)
        #expect(r.status == 65 && r.stderr.contains("refused: invalid bracket: the stop-loss must be on the losing side of the entry"), "\(r.stderr)")
        r = try await CLI.run(["live", "stop-bracket", "ESZ13", "SELL", "1", "1600", "1610", "1590", "--rules", "unlimited"], environment: e)
        #expect(r.status == 0 && r.stdout.hasPrefix("placed #"), "\(r.stderr)")
        r = try await CLI.run(["live", "orders", "--json"], environment: e)
        let working = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(working.count == 3)   // the entry and its two suspended exits
        r = try await CLI.run(["live", "place", "ESZ13", "BUY", "1", "--rules", "unlimited"], environment: e)
        #expect(r.status == 0, "\(r.stderr)")
        try gw.step(1)
        r = try await CLI.run(["live", "positions"], environment: e)
        #expect(r.stdout.hasPrefix("CON.F.US.EP.Z13  long 1 @ "))
        r = try await CLI.run(["live", "flatten"], environment: e)
        #expect(r.status == 0 && r.stdout == "flatten: 3 orders cancelled, 1 positions closed\n", "\(r.stdout)\(r.stderr)")
        try gw.step(1)
        r = try await CLI.run(["live", "positions"], environment: e)
        #expect(r.stdout == "flat\n")
    }

    @Test("the API key never appears in output, errors or api_metrics; a key file others can read is refused")
    func secrets() async throws {
        let gw = try await gateway()
        defer { gw.stop() }
        let store = dir + "/secrets.db"
        let e = env(gw, ["TSXLAB_STORE": "sqlite:" + store])
        var outputs: [String] = []
        for args in [["live", "account"], ["live", "orders", "--json"], ["live", "cancel", "999"], ["live", "place", "ESZ13", "BUY", "1", "--limit", "1600.1", "--rules", "unlimited"]] {
            let r = try await CLI.run(args, environment: e)
            outputs += [r.stdout, r.stderr]
        }
        #expect(outputs.joined().contains("Order not found") || outputs.joined().contains("rejected"))
        #expect(!outputs.joined().contains(Self.key))
        let db = try #require(try StoreURL.open("sqlite:" + store) as? any SQLDatabase)
        let rows = try db.query("SELECT endpoint, method, duration_ms, status_code, success, error_message, created_at FROM api_metrics", [])
        #expect(rows.count >= 6)
        #expect(rows.contains { $0[0].text == "/api/Order/cancel" && $0[4].int == 0 && ($0[5].text ?? "").contains("code 2") })
        #expect(!rows.flatMap { $0.map(\.description) }.joined().contains(Self.key))

        // The seed's report from the same table.
        let report = try await CLI.run(["metrics", "--json"], environment: e)
        let m = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        #expect(report.status == 0 && (m?["calls"] as? Int ?? 0) == rows.count && (m?["errors"] as? Int ?? 0) >= 1, "\(report.stderr)")
        let endpoints = m?["endpoints"] as? [[String: Any]] ?? []
        #expect(endpoints.contains { $0["endpoint"] as? String == "/api/Order/cancel" && $0["errors"] as? Int == 1 })
        let keyFile = dir + "/key"
        try (Self.key + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o644)
        var r = try await CLI.run(["live", "account"], environment: env(gw, ["PROJECTX_API_KEY": "", "PROJECTX_API_KEY_FILE": keyFile]))
        #expect(r.status != 0 && r.stderr.contains("chmod 600 \(keyFile)") && !r.stderr.contains(Self.key) && !r.stdout.contains(Self.key))
        chmod(keyFile, 0o600)
        r = try await CLI.run(["live", "account"], environment: env(gw, ["PROJECTX_API_KEY": "", "PROJECTX_API_KEY_FILE": keyFile]))
        #expect(r.status == 0 && !r.stdout.contains(Self.key) && !r.stderr.contains(Self.key))
    }
}

/// The live flow the going-live guide describes, through the executables: backtest, promote, then `tsxlab live --config`
/// against the gateway, stopped with SIGTERM.
@Suite("tsxlab live --config: promoted configuration, end to end", .serialized)
struct LiveRunCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli-live-run")

    @Test("a promoted configuration trades on the gateway: one line per bar, the overnight entries placed at the cash open, SIGTERM flattens and exits 0; an edited file is refused")
    func promotedRun() async throws {
        let base = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "TSXLAB_DATA_DIR": dir]
        func tsx(_ args: [String], _ env: [String: String] = [:]) async throws -> CLI.Result {
            try await Subprocess.run(CLI.binary, args, cwd: dir, environment: base.merging(env) { $1 })
        }
        var r = try await tsx(["data", "import", TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), "--symbol", "ES", "--timeframe", "1m"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try await tsx(["backtest", "--config", TestEnvironment.packageRoot + "/examples/overnight-range.yaml", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let runID = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["runId"] as? String)
        r = try await tsx(["promote", runID, "--account", "50KTC-LOOPBACK-1"])
        #expect(r.status == 0, "\(r.stderr)")
        let file = dir + "/live-\(runID).yaml"

        let gw = try await GatewayProcess.start(csv: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), contract: "ESZ13")
        defer { gw.stop() }
        let env = ["PROJECTX_API_URL": gw.baseURL, "PROJECTX_RTC_URL": gw.baseURL, "PROJECTX_USERNAME": "trader", "PROJECTX_API_KEY": "k-live-run"]
        // Three sessions and the fourth's cash open: the ATR (3 sessions) is ready on the fourth.
        try gw.step(3 * 1380)
        // The log as the systemd unit writes it: one JSON object a line.
        let (p, collected) = try Collected.launch(["live", "--config", file, "--warmup-from", "2013-10-06", "--log-format", "json"], environment: base.merging(env) { $1 }, cwd: dir)
        try await collected.wait("the runner to start", timeout: TestEnvironment.hangGuard) { $0.err.contains("live: overnight_range on 50KTC-LOOPBACK-1 CON.F.US.EP.Z13") }
        // Play to 2013-10-10 14:30Z (past the 09:30 ET cash open): the runner places the range entries.
        let tape = try SharedData.readBars(path: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), symbol: "ES", tickSize: TickSize("0.25")!)
        let target = (0..<tape.count).filter { tape.time[$0] < Timestamp(iso8601: "2013-10-10T14:30:00Z")!.seconds }.count
        let played = try gw.state()["cursor"] as? Int ?? 0
        for _ in 0..<(target - played) / 30 { try gw.step(30); try await Task.sleep(for: .milliseconds(20)) }
        try await collected.wait("bar lines", timeout: TestEnvironment.hangGuard) { $0.out.contains("2013-10-10T14:") }
        try await collected.wait("the entries", timeout: TestEnvironment.hangGuard) { _ in ((try? gw.state()["place"] as? Int) ?? 0) >= 1 }
        p.terminate()
        await p.exited()
        let (stdout, stderr) = collected.texts
        #expect(p.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("live: stopping: cancelling working orders and closing positions"))
        #expect(stdout.split(separator: "\n").contains { $0.hasPrefix("2013-10-10T14:00:00Z close ") && $0.contains("  position ") })
        #expect(!stdout.contains("k-live-run") && !stderr.contains("k-live-run"))
        let records = stderr.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        #expect(!records.isEmpty && records.allSatisfy { $0?["time"] != nil && $0?["level"] != nil && $0?["message"] != nil }, "\(stderr)")
        #expect(records.contains { $0?["message"] == "live: stopping: cancelling working orders and closing positions" && $0?["account"] == "50KTC-LOOPBACK-1"
                                   && $0?["strategies"] == "overnight_range" && $0?["level"] == "notice" }, "\(stderr)")
        let orders = try await CLI.run(["live", "orders"], environment: env)
        #expect(orders.stdout == "no working orders\n", "\(orders.stdout)")

        // An edited configuration is refused before anything connects.
        let text = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "atr_period: 3", with: "atr_period: 4")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        r = try await tsx(["live", "--config", file], env)
        #expect(r.status == 65 && r.stderr.contains(runID), "\(r.stderr)")
    }
}

extension LiveRunCLITests {
    @Test("paper mode: the gateway's market data, the simulated exchange's fills, no order sent to the gateway")
    func paper() async throws {
        let base = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "TSXLAB_DATA_DIR": dir]
        let gw = try await GatewayProcess.start(csv: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), contract: "ESZ13")
        defer { gw.stop() }
        try gw.step(3 * 1380)
        let (p, collected) = try Collected.launch(["live", "--config", TestEnvironment.packageRoot + "/examples/overnight-range.yaml", "--paper", "--warmup-from", "2013-10-06"],
                                                  environment: base.merging(["PROJECTX_API_URL": gw.baseURL, "PROJECTX_RTC_URL": gw.baseURL,
                                                                             "PROJECTX_USERNAME": "trader", "PROJECTX_API_KEY": "k-paper"]) { $1 }, cwd: dir)
        try await collected.wait("paper mode to start", timeout: TestEnvironment.hangGuard) { $0.err.contains("paper: overnight_range on CON.F.US.EP.Z13") }
        for _ in 0..<40 { try gw.step(30); try await Task.sleep(for: .milliseconds(10)) }
        try await collected.wait("paper bar lines", timeout: TestEnvironment.hangGuard) { $0.out.contains("(paper)") }
        p.terminate()
        await p.exited()
        let (stdout, stderr) = collected.texts
        #expect(p.terminationStatus == 0, "\(stderr)")
        #expect(stdout.split(separator: "\n").contains { $0.hasPrefix("2013-10-09T") && $0.hasSuffix("(paper)") })
        #expect(stderr.contains("paper: ") && stderr.contains(" trades, net "))
        // Paper mode sends nothing: the gateway (alive, so its state has the counter) placed no order.
        let state = try gw.state()
        #expect(state["ordersPlaced"] as? Int == 0 && state["place"] == nil)
    }
}

/// A `tsxlab` process left running, its output collected as it comes.
extension LiveRunCLITests {
    @Test("at start every problem with the file, the environment and the flags is named at once")
    func preflight() async throws {
        let hook = dir + "/hook.url"
        try "https://discord.example/api/webhooks/1/x".write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o644)
        let r = try await Subprocess.run(CLI.binary, ["live", "--config", dir + "/missing.yaml", "--http", "0.0.0.0:8080", "--rules", "topstep-75k"],
                                   environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "TSXLAB_DATA_DIR": dir,
                                                 "TSXLAB_DISCORD_WEBHOOK_FILE": hook])
        #expect(r.status == 64)
        #expect(r.stderr.contains("cannot start the live runner (5 problems):"), "\(r.stderr)")
        for piece in ["PROJECTX_USERNAME is not set", "cannot read the configuration file \(dir)/missing.yaml", "--rules must be topstep-50k",
                      "TSXLAB_DISCORD_WEBHOOK_FILE: the secret file \(hook) has mode 644", "--http 0.0.0.0:8080 listens beyond loopback"] {
            #expect(r.stderr.contains(piece), "\(piece)")
        }
        #expect(!r.stderr.contains("discord.example"))
    }
}

extension LiveRunCLITests {
    @Test("a configuration whose rules do not fit the account is refused at start: exit 65, both sides and the preset that fits on stderr, no order sent")
    func rulesThatDoNotFitTheAccount() async throws {
        let base = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "TSXLAB_DATA_DIR": dir]
        let file = dir + "/overnight-150k.yaml"
        let text = try String(contentsOfFile: TestEnvironment.packageRoot + "/examples/overnight-range.yaml", encoding: .utf8)
            .replacingOccurrences(of: "rules: topstep-50k", with: "rules: topstep-150k")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let gw = try await GatewayProcess.start(csv: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), contract: "ESZ13", extra: ["--account", "50"])
        defer { gw.stop() }
        try gw.step(3 * 1380)
        let env = ["PROJECTX_API_URL": gw.baseURL, "PROJECTX_RTC_URL": gw.baseURL, "PROJECTX_USERNAME": "trader", "PROJECTX_API_KEY": "k-mismatch"]
        let r = try await Subprocess.run(CLI.binary, ["live", "--config", file, "--force", "--warmup-from", "2013-10-06"], cwd: dir,
                                         environment: base.merging(env) { $1 })
        #expect(r.status == 65, "\(r.stderr)")
        for piece in ["the configured rules do not fit the account; nothing was sent",
                      "configured: account.rules topstep-150k, starting balance $150000.00",
                      "account:    50KTC-LOOPBACK-1 (#1), balance $50000.00",
                      "set account.rules: topstep-50k in \(file)"] {
            #expect(r.stderr.contains(piece), "\(piece)\n\(r.stderr)")
        }
        #expect(!r.stderr.contains("live: overnight_range on"))
        let state = try gw.state()
        #expect(state["ordersPlaced"] as? Int == 0 && state["place"] == nil)
    }
}
