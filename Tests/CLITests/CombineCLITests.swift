import Data
import Foundation
import Testing
import TSXLabTesting

/// `tsxlab combine` and `tsxlab stats overfitting` end to end through the executable.
@Suite("tsxlab combine and stats overfitting")
struct CombineCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli-combine")
    var env: [String: String] { ["TSXLAB_DATA_DIR": dir] }
    func tsx(_ args: String...) async throws -> CLI.Result { try await CLI.run(args, environment: env) }

    /// Twenty trade days of ES trades in tsxlab's trades.csv format: mostly winners, one day
    /// with a deep adverse excursion.
    func tradesFile() throws -> String {
        var csv = "side,entry_time,entry_price,exit_time,exit_price,exit_reason,pnl_usd,quantity,gross_usd,fees_usd,mae_ticks,mfe_ticks,strategy,symbol\n"
        // April 2024's first twenty weekdays (no holiday): 1–5, 8–12, 15–19, 22–26.
        for d in 0..<20 {
            let day = String(format: "2024-04-%02d", 1 + d / 5 * 7 + d % 5)
            let pnl = d % 4 == 3 ? "-346.28" : "496.22"
            let mae = d == 7 ? "60" : "8"
            csv += "long,\(day)T14:30:00Z,5100.00,\(day)T15:30:00Z,5110.00,target,\(pnl),1,500.00,3.78,\(mae),40,sma,ES\n"
        }
        let path = dir + "/trades.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("combine --json reports the probabilities with standard errors, days to pass and resets; --html is offline")
    func combineJSON() async throws {
        let trades = try tradesFile()
        let r = try await tsx("combine", "--trades", trades, "--rules", "topstep-50k", "--paths", "2000", "--days", "30",
                              "--seed", "4", "--json", "--html", dir + "/combine.html")
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["p_pass", "se_pass", "p_fail", "se_fail", "p_neither", "se_neither", "days_to_pass", "expected_resets", "mean_block_length"] {
            #expect(obj[key] != nil, "missing \(key)")
        }
        let p = try #require(obj["p_pass"] as? Double), f = try #require(obj["p_fail"] as? Double), n = try #require(obj["p_neither"] as? Double)
        #expect(abs(p + f + n - 1) < 1e-9 && p > 0.2)
        #expect(obj["history_days"] as? Int == 20 && obj["history_trades"] as? Int == 20)
        let se = try #require(obj["se_pass"] as? Double)
        #expect(abs(se - (p * (1 - p) / 2000).squareRoot()) < 1e-12)
        let html = try String(contentsOfFile: dir + "/combine.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("P(pass)") && !html.contains("http://") && !html.contains("https://"))
        let text = try await tsx("combine", "--trades", trades, "--rules", "topstep-50k", "--paths", "500", "--resample", "trades")
        #expect(text.status == 0 && text.stdout.contains("P(pass)") && text.stdout.contains("trade by trade"), "\(text.stderr)")
    }

    @Test("a malformed trades file and a bad rules file are named by file, line and field (exit 65)")
    func badInput() async throws {
        let bad = dir + "/bad.csv"
        try "exit_time,pnl_usd\n2024-03-01T15:30:00Z,12.50\n2024-03-02T15:30:00Z,twelve\n".write(toFile: bad, atomically: true, encoding: .utf8)
        var r = try await tsx("combine", "--trades", bad)
        #expect(r.status == 65 && r.stderr.contains("bad.csv:3 field 'pnl_usd': 'twelve' is not a number"), "\(r.stderr)")
        try "exit_time,profit\n".write(toFile: bad, atomically: true, encoding: .utf8)
        r = try await tsx("combine", "--trades", bad)
        #expect(r.status == 65 && r.stderr.contains("bad.csv:1 field 'pnl_usd': no pnl_usd column"), "\(r.stderr)")
        let rules = dir + "/firm.yaml"
        try "start_balance: 50000\nprofit_target: 3000\ndaily_loss_limit: none\nmax_loss: 2000\nmax_loss_basis: trailing\n"
            .write(toFile: rules, atomically: true, encoding: .utf8)
        r = try await tsx("combine", "--trades", try tradesFile(), "--rules", rules)
        #expect(r.status == 65 && r.stderr.contains("firm.yaml:5 field 'max_loss_basis': 'trailing' is not one of static, eod, intraday"), "\(r.stderr)")
        r = try await tsx("combine", "--trades", try tradesFile(), "--rules", "topstep-75k")
        #expect(r.status == 66 && r.stderr.contains("topstep-50k"), "\(r.stderr)")
    }

    @Test("stats overfitting --json gives pbo, psr, dsr and their inputs, equal to the reference fixture")
    func overfittingJSON() async throws {
        let fixture = TestEnvironment.packageRoot + "/Tests/ResearchTests/Fixtures/overfitting_returns.csv"
        let r = try await tsx("stats", "overfitting", "--returns", fixture, "--blocks", "8", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(abs((obj["pbo"] as? Double ?? -1) - 0.4714285714285714) < 1e-12)
        #expect(abs((obj["dsr"] as? Double ?? -1) - 0.5847866899096472) < 1e-9)
        #expect(abs((obj["psr"] as? Double ?? -1) - 0.9830014922228698) < 1e-9)
        #expect(obj["trials"] as? Int == 24 && obj["observations"] as? Int == 1003 && obj["blocks"] as? Int == 8 && obj["rows_left_out"] as? Int == 3)
        for key in ["skewness", "kurtosis", "trial_sharpe_variance", "expected_maximum_sharpe", "probability_of_loss", "degradation_slope"] {
            #expect(obj[key] is Double, "missing \(key)")
        }
        let text = try await tsx("stats", "overfitting", "--returns", fixture)
        #expect(text.status == 0 && text.stdout.contains("DSR 0.58:") && text.stdout.contains("12870 splits"), "\(text.stderr)")
        let bad = dir + "/m.csv"
        try "date,a,b\n2024-01-02,0.01,0.02\n2024-01-03,0.01,x\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let e = try await tsx("stats", "overfitting", "--returns", bad)
        #expect(e.status == 65 && e.stderr.contains("m.csv:3 field 'b': 'x' is not a number"), "\(e.stderr)")
        let odd = try await tsx("stats", "overfitting", "--returns", fixture, "--blocks", "7")
        #expect(odd.status == 64)
    }

    @Test("a sweep reports PSR, DSR and PBO of its choice: summary, --json, results.meta.csv and the report")
    func sweepOverfitting() async throws {
        var r = try await tsx("data", "import", TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"), "--symbol", "ES", "--timeframe", "1m")
        #expect(r.status == 0, "\(r.stderr)")
        let sweep = ["sweep", "--strategy", "sma-bracket", "--param", "fast=5,10,20", "--param", "slow=60,120", "--symbol", "ES",
                     "--commission", "2.50", "--from", "2019-01-01", "--to", "2019-07-01"]
        r = try await CLI.run(sweep + ["--json", "--out", dir + "/sweep"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let o = try #require(obj["overfitting"] as? [String: Any])
        #expect(o["trials"] as? Int == 6 && (o["observations"] as? Int ?? 0) > 120)
        let ranking = try #require(obj["ranking"] as? [[String: String]])
        #expect(o["chosen"] as? String == "fast=\(ranking[0]["fast"]!) slow=\(ranking[0]["slow"]!)")
        for key in ["pbo", "psr", "dsr"] {
            let v = try #require(o[key] as? Double, "\(key)")
            #expect(v >= 0 && v <= 1)
        }
        #expect((o["dsr"] as! Double) <= (o["psr"] as! Double))
        let meta = try String(contentsOfFile: dir + "/sweep/results.meta.csv", encoding: .utf8)
        #expect(meta.hasPrefix("name,value,meaning\n") && meta.contains("\npbo,") && meta.contains("\ndsr,") && meta.contains("DSR "))
        // results.csv itself is unchanged: a header and one row per configuration.
        #expect(try String(contentsOfFile: dir + "/sweep/results.csv", encoding: .utf8).split(separator: "\n").count == 7)
        let html = try String(contentsOfFile: dir + "/sweep/report.html", encoding: .utf8)
        #expect(html.contains("Is the winner real?") && html.contains("PBO") && !html.contains("https://"))
        // The stored sweep's page (`tsxlab report SWEEP_ID`) shows the same PBO, PSR and DSR as the
        // sweep's own summary: the store keeps each configuration's daily balances.
        let sweepID = try #require(obj["sweep_id"] as? String)
        func storedSection(_ folder: String) async throws -> String {
            let r = try await tsx("report", sweepID, "--out", folder)
            #expect(r.status == 0, "\(r.stderr)")
            let page = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
            guard let start = page.range(of: "<section id=\"overfitting\">"), let end = page.range(of: "</section>", range: start.upperBound..<page.endIndex)
            else { return "" }
            return String(page[start.lowerBound..<end.upperBound])
        }
        let section = try await storedSection(dir + "/stored")
        let pbo = o["pbo"] as! Double, psr = o["psr"] as! Double, dsr = o["dsr"] as! Double
        #expect(section.contains(">\(String(format: "%.3f", psr))<") && section.contains(">\(String(format: "%.3f", dsr))<")
                && section.contains(">\(String(format: "%.3f", pbo)) (16 blocks"), "\(section)")
        #expect(section.contains(String(format: "PSR %.2f:", psr)) && section.contains(String(format: "DSR %.2f:", dsr))
                && section.contains(String(format: "PBO %.2f:", pbo)) && section.contains(o["chosen"] as! String))
        #expect(html.contains(section), "the --out report is the stored sweep's page")
        // Resumed from the store, the statistics still cover every configuration, the same numbers.
        r = try await CLI.run(sweep + ["--json"], environment: env)
        #expect(r.status == 0 && r.stderr.contains("6 already done, resuming"), "\(r.stderr)")
        let resumed = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let ro = try #require(resumed["overfitting"] as? [String: Any])
        #expect(ro["pbo"] as? Double == pbo && ro["psr"] as? Double == psr && ro["dsr"] as? Double == dsr && ro["trials"] as? Int == 6)
        // A sweep recorded before the store kept daily balances: its page says the statistics are
        // unavailable and why; running the sweep again fills them in, with the same numbers.
        let store = try #require(try StoreURL.open("sqlite:" + dir + "/tsxlab.sqlite") as? SQLiteBarStore)
        try store.execute("DELETE FROM sweep_daily_balances; UPDATE sweeps SET chosen_config_hash = NULL, chosen_by = NULL")
        let old = try await storedSection(dir + "/stored-old")
        #expect(old.contains("Unavailable for this sweep") && old.contains("recorded before the store kept their daily balances")
                && !old.contains("<td>PSR</td>"), "\(old)")
        r = try await CLI.run(sweep, environment: env)
        #expect(r.status == 0 && r.stderr.contains("6 configurations in") && r.stdout.contains("over the 6 configurations with daily returns"),
                "\(r.stderr)\n\(r.stdout)")
        #expect(try await storedSection(dir + "/stored-again") == section)
        r = try await CLI.run(sweep.map { $0 == "2019-07-01" ? "2019-06-01" : $0 }, environment: env)
        #expect(r.stdout.contains("PBO ") && r.stdout.contains("DSR ") && r.stdout.contains("PSR "), "\(r.stdout)")
        // Walk-forward: each window's choice judged on its in-sample days.
        r = try await CLI.run(sweep + ["--walk-forward", "in=3,out=1", "--json"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let wf = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let windows = try #require(wf["windows"] as? [[String: Any]])
        #expect(windows.count == 3)
        for w in windows {
            let pbo = try #require(w["inSamplePbo"] as? Double), psr = try #require(w["inSamplePsr"] as? Double)
            let dsr = try #require(w["inSampleDsr"] as? Double)
            #expect(pbo >= 0 && pbo <= 1 && dsr <= psr)
        }
    }

    @Test("the engineering notes' combine and stats overfitting examples that name real files run as written")
    func readmeExamples() async throws {
        let readme = try String(contentsOfFile: TestEnvironment.packageRoot + "/docs/engineering/combine-and-overfitting.md", encoding: .utf8)
        let examples = readme.split(separator: "\n").map { String($0.split(separator: "#").first ?? "").trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("tsxlab combine --trades ../") || $0.hasPrefix("tsxlab stats overfitting --returns Tests/") }
        #expect(examples.count == 2)
        for example in examples {
            // Paths in the notes are relative to the package root.
            let args = example.split(separator: " ").dropFirst().map { a in
                a.contains("/") && !a.hasPrefix("/") ? TestEnvironment.packageRoot + "/" + a : String(a)
            }
            let r = try await CLI.run(args, environment: env)
            #expect(r.status == 0 && (r.stdout.contains("P(pass)") || r.stdout.contains("PBO ")), "\(example): \(r.stderr)")
        }
    }

    @Test("combine latest reads the stored run: its trades and every session of its equity curve")
    func storedRun() async throws {
        var r = try await tsx("data", "import", TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"), "--symbol", "ES", "--timeframe", "1m")
        #expect(r.status == 0, "\(r.stderr)")
        r = try await tsx("backtest", "--strategy", "sma-bracket", "--param", "fast=10", "--param", "slow=30", "--param", "stop_ticks=20",
                          "--param", "target_ticks=40", "--commission", "2.50", "--symbol", "ES", "--from", "2019-01-01", "--to", "2019-04-01",
                          "--out", dir + "/run", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let trades = try #require(summary["trades"] as? Int)
        let sessions = try String(contentsOfFile: dir + "/run/equity.csv", encoding: .utf8).split(separator: "\n").count - 1
        r = try await tsx("combine", "latest", "--rules", "topstep-50k", "--paths", "2000", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let fromRun = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(fromRun["history_trades"] as? Int == trades && fromRun["history_days"] as? Int == sessions)
        #expect((fromRun["source"] as? String ?? "").hasPrefix("run "))
        r = try await tsx("combine", "--trades", dir + "/run/trades.csv", "--rules", "topstep-50k", "--paths", "2000", "--json")
        let fromFile = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(fromFile["history_trades"] as? Int == trades && (fromFile["history_days"] as? Int ?? 0) <= sessions)
        r = try await tsx("combine", "no-such-run")
        #expect(r.status != 0 && r.stderr.contains("no-such-run"), "\(r.stderr)")
    }
}
