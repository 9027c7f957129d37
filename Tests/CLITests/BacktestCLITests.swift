import Foundation
import Testing
import TSXLabTesting

@Suite("tsxlab backtest: end to end through the executable")
struct BacktestCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli-bt")
    var env: [String: String] { ["TSXLAB_DATA_DIR": dir] }
    func tsx(_ args: [String], extra: [String: String] = [:]) async throws -> CLI.Result {
        try await CLI.run(args, environment: env.merging(extra) { $1 })
    }

    @Test("the README's sma-bracket command reproduces the reference trade list and records the run")
    func smaBracket() async throws {
        var r = try await tsx(["data", "import", TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"), "--symbol", "ES", "--timeframe", "1m"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = dir + "/run"
        r = try await tsx(["backtest", "--strategy", "sma-bracket", "--param", "fast=10", "--param", "slow=30", "--param", "stop_ticks=20",
                     "--param", "target_ticks=40", "--commission", "2.50", "--symbol", "ES", "--timeframe", "1m", "--out", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(summary["trades"] as? Int == 1638)
        #expect(summary["netPnlUsd"] as? String == "-10127.50")
        let runID = try #require(summary["runId"] as? String)
        let trades = try String(contentsOfFile: out + "/trades.csv", encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",").prefix(7).joined(separator: ",") }
        let reference = try String(contentsOfFile: TestEnvironment.sharedDatasets + "/../reference/sma-bracket_ES_1m_2019_trades.csv", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(trades == reference)
        for f in ["fills.csv", "equity.csv", "run.json"] { #expect(FileManager.default.fileExists(atPath: out + "/" + f)) }
        // The run is in the store.
        let db = dir + "/tsxlab.sqlite"
        await #expect(try sqliteCount(db, "SELECT COUNT(*) FROM backtest_trades WHERE run_id = '\(runID)'") == 1638)
        await #expect(try sqliteCount(db, "SELECT COUNT(*) FROM strategy_performance WHERE run_id = '\(runID)'") == 1)
    }

    @Test("a bad configuration names every problem and exits 65; unknown strategies and parameters are refused")
    func badInput() async throws {
        let path = dir + "/bad.yaml"
        try "strategies:\n  overnight_range:\n    atr_period: 0\n    eod_flatten_time: \"16:00 America/Chicago\"\naccount:\n  rules: topstep-50k\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        var r = try await tsx(["backtest", "--config", path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("atr_period") && r.stderr.contains("outside 1…200"), "\(r.stderr)")
        try "strategies:\n  overnight_range:\n    eod_flatten_time: \"16:00 America/Chicago\"\naccount:\n  rules: topstep-50k\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        r = try await tsx(["backtest", "--config", path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("16:00 America/Chicago is after the account's flatten cut-off 15:05 America/Chicago"), "\(r.stderr)")
        r = try await tsx(["backtest", "--strategy", "moon-phase"])
        #expect(r.status == 65 && r.stderr.contains("unknown strategy 'moon-phase'"))
        r = try await tsx(["backtest", "--strategy", "sma-bracket", "--param", "fats=3"])
        #expect(r.status == 65 && r.stderr.contains("unknown parameter"))
        r = try await tsx(["backtest", "--strategy", "sma-bracket", "--symbol", "NQ"])
        #expect(r.status == 65 && r.stderr.contains("no NQ 1m bars"), "\(r.stderr)")
    }

    @Test("the seed's environment variables switch strategies on and set their parameters")
    func environment() async throws {
        var r = try await tsx(["data", "import", TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), "--symbol", "ES", "--timeframe", "1m"])
        #expect(r.status == 0)
        r = try await tsx(["backtest", "--json"], extra: ["OVERNIGHT_ENABLED": "true", "OVERNIGHT_ATR_PERIOD": "2", "OVERNIGHT_POSITION_SIZE": "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(s["strategies"] as? [String] == ["overnight_range"])
        r = try await tsx(["backtest"], extra: ["OVERNIGHT_ENABLED": "true", "OVERNIGHT_ATR_PERIOD": "abc"])
        #expect(r.status == 65 && r.stderr.contains("OVERNIGHT_ATR_PERIOD=abc"), "\(r.stderr)")
    }
}

func sqliteCount(_ db: String, _ sql: String) async throws -> Int {
    let r = try await Subprocess.run("/usr/bin/env", ["python3", "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])", db, sql])
    guard r.status == 0, let n = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw QueryFailed(description: "python3 sqlite3 query failed (\(r.status)): \(sql)\n\(r.stderr)")
    }
    return n
}

struct QueryFailed: Error, CustomStringConvertible { let description: String }

@Suite("tsxlab backtest --attempts: Combine attempts through the executable")
struct BacktestAttemptsCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli-attempts")
    var env: [String: String] { ["TSXLAB_DATA_DIR": dir] }
    func tsx(_ args: [String]) async throws -> CLI.Result { try await CLI.run(args, environment: env) }

    @Test("--attempts lists every attempt in --json and run.json: contiguous, their P&L adding up to the run's, the totals from the list")
    func attempts() async throws {
        var r = try await tsx(["data", "import", TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"), "--symbol", "ES", "--timeframe", "1m"])
        #expect(r.status == 0, "\(r.stderr)")
        let args = ["backtest", "--strategy", "sma-bracket", "--param", "fast=10", "--param", "slow=30", "--commission", "2.50",
                    "--symbol", "ES", "--timeframe", "1m", "--rules", "topstep-50k"]
        r = try await tsx(args + ["--attempts", "--json", "--out", dir + "/run"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let a = try #require(s["attempts"] as? [String: Any])
        let list = try #require(a["list"] as? [[String: Any]])
        #expect(list.count > 3)
        let outcomes = list.map { $0["outcome"] as! String }
        let passed = outcomes.filter { $0 == "passed" }.count, failed = outcomes.filter { $0 == "failed" }.count
        #expect(passed > 0 && failed > 0)
        #expect(a["passed"] as? Int == passed && a["failed"] as? Int == failed && a["resets"] as? Int == failed)
        #expect(a["resetFeesUsd"] as? String == String(format: "%.2f", Double(failed) * 49))
        #expect(abs((a["passRate"] as! Double) - Double(passed) / Double(passed + failed)) < 1e-12)
        #expect(outcomes.dropLast().allSatisfy { $0 != "open" })
        // Each attempt ends before the next begins; together they are the run.
        for k in 1..<list.count { #expect((list[k - 1]["end"] as! String) < (list[k]["start"] as! String)) }
        let cents = list.reduce(0) { $0 + Int((Double($1["pnlUsd"] as! String)! * 100).rounded()) }
        #expect(cents == Int((Double(s["netPnlUsd"] as! String)! * 100).rounded()))
        for t in list where t["outcome"] as? String == "passed" {
            let pnl = Double(t["pnlUsd"] as! String)!, best = Double(t["bestDayUsd"] as! String)!
            #expect(pnl >= max(3000, best / 0.55) - 0.005, "\(t)")
        }
        let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run/run.json"))) as! [String: Any]
        #expect((stored["attempts"] as? [String: Any])?["list"] as? [[String: Any]] != nil)
        // The text summary says the same, and a run without --attempts has no attempts.
        r = try await tsx(args + ["--attempts"])
        #expect(r.stdout.contains("  attempts \(list.count): \(passed) passed, \(failed) failed"), "\(r.stdout)")
        r = try await tsx(args + ["--json"])
        #expect(!r.stdout.contains("attempts"))
    }

    @Test("--attempts under rules that can neither pass nor fail exits 65 and says why")
    func unlimited() async throws {
        let r = try await tsx(["backtest", "--strategy", "sma-bracket", "--rules", "unlimited", "--attempts"])
        #expect(r.status == 65 && r.stderr.contains("neither a profit target nor a maximum loss"), "\(r.stderr)")
    }
}
