import Foundation
import Testing
import TSXLabTesting

@Suite("tsxlab backtest --attempts: Combine attempts through the executable")
struct BacktestAttemptsCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli-attempts")
    var env: [String: String] { ["TSXLAB_DATA_DIR": dir] }
    func tsx(_ args: [String]) async throws -> CLI.Result { try await CLI.run(args, environment: env) }

    @Test("the engineering notes' --attempts command lists every attempt in --json and run.json: contiguous, their P&L adding up to the run's, the totals from the list")
    func attempts() async throws {
        var r = try await tsx(["data", "import", TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"), "--symbol", "ES", "--timeframe", "1m"])
        #expect(r.status == 0, "\(r.stderr)")
        // The command of the notes on Combine attempts, as written.
        let readme = try String(contentsOfFile: TestEnvironment.packageRoot + "/docs/engineering/combine-and-overfitting.md", encoding: .utf8)
        let command = try #require(readme.split(separator: "\n").first { $0.hasPrefix("tsxlab backtest ") && $0.hasSuffix(" --attempts") })
        let args = command.split(separator: " ").dropFirst().dropLast().map(String.init)
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
        // The figures the notes quote.
        #expect(r.stdout.contains("  attempts 26: 4 passed, 21 failed, 1 open; pass rate 16%, median days to pass 12, resets 21 (1029.00 USD)"), "\(r.stdout)")
        #expect(readme.contains("makes 26 attempts: 4 passes, 21 failures (pass rate 16 %, median 12 days to pass, $1,029 of\nresets)"))
        r = try await tsx(args + ["--json"])
        #expect(!r.stdout.contains("attempts"))
    }

    @Test("--attempts under rules that can neither pass nor fail exits 65 and says why")
    func unlimited() async throws {
        let r = try await tsx(["backtest", "--strategy", "sma-bracket", "--rules", "unlimited", "--attempts"])
        #expect(r.status == 65 && r.stderr.contains("neither a profit target nor a maximum loss"), "\(r.stderr)")
    }
}
