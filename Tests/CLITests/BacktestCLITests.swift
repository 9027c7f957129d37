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

    @Test("the engineering notes' sma-bracket command reproduces the reference trade list and records the run")
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

    @Test("--symbol repeated trades a portfolio on one account: per-symbol lines and JSON, the run folder's per-symbol files, and the store's rows; a symbol without bars is named")
    func portfolio() async throws {
        for (file, symbol) in [("MES_1m_2023-11-26_2023-12-11.csv.gz", "MES"), ("NQ_1m_2023-11-19_2023-12-04.csv.gz", "NQ")] {
            let r = try await tsx(["data", "import", TestEnvironment.sharedDataset(file), "--symbol", symbol, "--timeframe", "1m"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let window = ["--from", "2023-11-27", "--to", "2023-12-02"]
        let out = dir + "/portfolio"
        var r = try await tsx(["backtest", "--strategy", "sma-bracket", "--symbol", "MES", "--symbol", "NQ", "--out", out] + window)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("sma_bracket@MES, sma_bracket@NQ on MES,NQ 1m"), "\(r.stdout)")
        #expect(r.stdout.contains("\n  MES: trades ") && r.stdout.contains("\n  NQ: trades "), "\(r.stdout)")
        let symbols = try String(contentsOfFile: out + "/symbols.csv", encoding: .utf8).split(separator: "\n")
        #expect(symbols.map { $0.split(separator: ",").first ?? "" } == ["symbol", "MES", "NQ", "combined"])
        r = try await tsx(["backtest", "--strategy", "sma-bracket", "--symbol", "MES", "--symbol", "NQ", "--json"] + window)
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let rows = try #require(summary["symbols"] as? [[String: Any]])
        #expect(rows.map { $0["symbol"] as? String } == ["MES", "NQ"])
        #expect(rows.reduce(0) { $0 + ($1["trades"] as? Int ?? 0) } == summary["trades"] as? Int)
        let runID = try #require(summary["runId"] as? String)
        await #expect(try sqliteCount(dir + "/tsxlab.sqlite", "SELECT COUNT(DISTINCT symbol) FROM backtest_trades WHERE run_id = '\(runID)'") == 2)
        r = try await tsx(["backtest", "--strategy", "sma-bracket", "--symbol", "MES", "--symbol", "MNQ"] + window)
        #expect(r.status != 0)
        #expect(r.stderr.contains("no MNQ 1m bars"), "\(r.stderr)")
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
