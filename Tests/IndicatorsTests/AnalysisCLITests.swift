import Foundation
import Testing
import TSXLabTesting

/// `tsxlab indicators` and `tsxlab stats` end to end through the executable (`CLI.binary`:
/// `TSXLAB_BIN`, else `.build/debug/tsxlab`).
@Suite("tsxlab indicators and stats")
struct AnalysisCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli-ind")
    var env: [String: String] { ["TSXLAB_DATA_DIR": dir] }
    func tsx(_ args: String...) async throws -> CLI.Result { try await CLI.run(args, environment: env) }

    @Test("indicators over stored ESM8 bars: named columns, empty warm-up cells, TA-Lib's values")
    func indicatorsMatchTALib() async throws {
        var r = try await tsx("data", "import", SharedData.path(esm8Name), "--symbol", "ESM8", "--timeframe", "1m")
        #expect(r.status == 0, "\(r.stderr)")
        r = try await tsx("indicators", "--symbol", "ESM8", "--timeframe", "1m", "--indicator", "atr:14", "--indicator", "RSI:14",
                    "--indicator", "ema:20", "--indicator", "macdsignal:12:26:9", "--out", "-")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.first == "timestamp,atr:14,RSI:14,ema:20,macdsignal:12:26:9")
        #expect(lines.count == 6_788)
        #expect(lines[1] == "2018-05-06T22:00:00Z,,,,")
        let (header, rows) = try fixtureTable("talib_ESM8.csv.gz")
        let columns = ["atr14", "rsi14", "ema20", "macdsignal"].map { header.firstIndex(of: $0)! }
        for (i, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(cells[0] == rows[i][0])
            for (k, col) in columns.enumerated() {
                let want = rows[i][col], got = cells[k + 1]
                guard want.isEmpty == got.isEmpty else { Issue.record("row \(i) column \(k): '\(got)' vs '\(want)'"); return }
                if !want.isEmpty && !close(Double(got)!, Double(want)!, k == 3 ? 1e-6 : 1e-9) {
                    Issue.record("row \(i) \(header[col]): \(got) vs \(want)"); return
                }
            }
        }
        r = try await tsx("indicators", "--symbol", "ESM8", "--timeframe", "1m", "--from", "2018-05-08T13:30:00Z",
                    "--to", "2018-05-08T13:35:00Z", "--indicator", "sma:3", "--out", dir + "/five.csv")
        #expect(r.status == 0 && r.stderr.contains("wrote 5 rows"))
        let five = try String(contentsOfFile: dir + "/five.csv", encoding: .utf8).split(separator: "\n")
        #expect(five.count == 6 && five[1].hasSuffix(",") && five[2].hasSuffix(",") && !five[3].hasSuffix(","))
    }

    @Test("bad specs exit 64 naming the spec; a series with no bars exits 65")
    func badSpecs() async throws {
        for spec in ["atr:0", "foo:3", "macd:26:12:9", "rsi", "bbupper:20:x", "vwap:3"] {
            let r = try await tsx("indicators", "--symbol", "ES", "--timeframe", "1m", "--indicator", spec, "--out", "-")
            #expect(r.status == 64, "\(spec): \(r.status)")
            #expect(r.stderr.contains("'\(spec)'"), "\(spec): \(r.stderr)")
        }
        let r = try await tsx("indicators", "--symbol", "NQ", "--timeframe", "1m", "--indicator", "atr:14", "--out", "-")
        #expect(r.status == 65 && r.stderr.contains("no NQ 1m bars") && r.stdout.isEmpty)
    }

    @Test("stats --json on the empyrical fixtures; --capital for a P&L file; missing and bad files")
    func stats() async throws {
        var r = try await tsx("stats", "--equity", fixturePath("stats_ES_2019_buyhold_equity.csv"),
                        "--trades", fixturePath("stats_ES_2019_rth_trades.csv"), "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: [String: Any]]
        #expect(close(json["equity"]!["sharpe"] as! Double, 1.9754317263857335))
        #expect(close(json["equity"]!["sortino"] as! Double, 2.818833998726923))
        let dd = json["equity"]!["maxDrawdownPercent"] as! [String: Any]
        #expect(close(dd["fraction"] as! Double, 0.08294081507270086) && dd["peak"] as? String == "2019-04-30T20:59:00Z")
        #expect(json["trades"]!["wins"] as? Int == 143 && close(json["trades"]!["profitFactor"] as! Double, 1.2601801189160653))
        #expect(json["equity"]!.keys.contains("exposure") && json["equity"]!["exposure"] is NSNull)
        try "timestamp,equity\n2019-01-02T14:30:00Z,0\n2019-01-02T20:00:00Z,250\n".write(toFile: dir + "/pnl.csv", atomically: true, encoding: .utf8)
        r = try await tsx("stats", "--equity", dir + "/pnl.csv")
        #expect(r.status == 65 && r.stderr.contains("must stay positive") && r.stderr.contains("--capital"))
        r = try await tsx("stats", "--equity", dir + "/pnl.csv", "--capital", "50000")
        #expect(r.status == 0 && r.stdout.contains("0.50%"), "\(r.stdout)\(r.stderr)")
        r = try await tsx("stats", "--trades", dir + "/missing.csv")
        #expect(r.status == 66)
        try "pnl\n10\nten\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
        r = try await tsx("stats", "--trades", dir + "/bad.csv")
        #expect(r.status == 65 && r.stderr.contains("bad.csv:3 field 'pnl'"), "\(r.stderr)")
        r = try await tsx("stats")
        #expect(r.status == 64)
    }
}
