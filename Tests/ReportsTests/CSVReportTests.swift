import Backtest
import Data
import Foundation
import Reports
import Testing
import TSXLabTesting

@Suite("CSV reports round-trip through CSV readers")
struct CSVReportTests {
    @Test("awkward text (commas, quotes, line breaks) reads back to the same fields with a Swift RFC 4180 reader")
    func swiftRoundTrip() throws {
        let r = Fixtures.synthetic(trades: 30, days: 5, strategy: "range, \"v2\"\nlate", exitReason: " eod, flatten ")
        let text = ReportCSV.trades(r)
        let rows = parseCSV(text)
        #expect(rows.first == ReportCSV.tradesFile.columns.map(\.name))
        #expect(rows.count == r.trades.count + 1)
        for (row, t) in zip(rows.dropFirst(), r.trades) {
            #expect(row.count == ReportCSV.tradesFile.columns.count)
            #expect(row[1] == t.strategy && row[11] == t.exitReason)
            #expect(Money(row[14]) == t.pnl && Money(row[12]) == t.gross && Money(row[13]) == t.fees)
            #expect(Timestamp(iso8601: row[5]) == t.entryTime && Timestamp(iso8601: row[6]) == t.entryTime)
        }
        for (file, text) in [(ReportCSV.dailyFile, ReportCSV.daily(r)), (ReportCSV.equityFile, ReportCSV.equity(r)),
                             (ReportCSV.monthlyFile, ReportCSV.monthly(r)), (ReportCSV.fillsFile, ReportCSV.fills(r))] {
            let rows = parseCSV(text)
            #expect(rows.first == file.columns.map(\.name), "\(file.name)")
            #expect(rows.dropFirst().allSatisfy { $0.count == file.columns.count }, "\(file.name)")
        }
    }

    @Test("Python's csv module reads the same fields", .enabled(if: Tools.available(Tools.python)))
    func pythonRoundTrip() async throws {
        let python = try Tools.require(Tools.python, "python3")
        let r = Fixtures.synthetic(trades: 30, days: 5, strategy: "range, \"v2\"\nlate", exitReason: "eod,flatten")
        let dir = TestEnvironment.temporaryDirectory("report-csv")
        try ReportWriter().write(r, format: .csv, to: dir)
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline="") as f:
                print(json.dumps(list(csv.reader(f))))
            """
        let out = try await Tools.run(python, ["-c", script, dir + "/trades.csv"])
        #expect(out.status == 0, "\(out.stderr)")
        let rows = try JSONDecoder().decode([[String]].self, from: Data(out.stdout.utf8))
        #expect(rows == parseCSV(try String(contentsOfFile: dir + "/trades.csv", encoding: .utf8)))
        #expect(rows.dropFirst().map { $0[1] } == r.trades.map(\.strategy))
    }

    @Test("the CLI's CSV report of a real run: documented columns, P&L that sums to the run's, drawdown that equals the summary's",
          .enabled(if: CLIRun.canRun && Tools.available(Tools.python)))
    func cliRun() async throws {
        let run = try await CLIRun.get()
        let python = try Tools.require(Tools.python, "python3")
        let folder = try await run.report("csv", label: "csv")
        let names = filesUnder(folder).map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
        #expect(names == ["README.txt", "config.txt", "daily_pnl.csv", "equity.csv", "fills.csv", "monthly_returns.csv", "run.json", "trades.csv"])
        let script = """
            import csv, json, sys
            from decimal import Decimal
            def read(name):
                with open(sys.argv[1] + "/" + name, newline="") as f:
                    reader = csv.DictReader(f)
                    rows = list(reader)
                    return rows, list(reader.fieldnames or [])
            out = {}
            for name in ["trades.csv", "fills.csv", "daily_pnl.csv", "equity.csv", "monthly_returns.csv"]:
                rows, header = read(name)
                out[name] = {"rows": len(rows), "header": header}
            trades, _ = read("trades.csv")
            daily, _ = read("daily_pnl.csv")
            equity, _ = read("equity.csv")
            monthly, _ = read("monthly_returns.csv")
            out["trades_pnl"] = str(sum(Decimal(t["pnl_usd"]) for t in trades))
            out["trades_fees"] = str(sum(Decimal(t["fees_usd"]) for t in trades))
            out["daily_pnl"] = str(sum(Decimal(d["pnl_usd"]) for d in daily))
            out["monthly_pnl"] = str(sum(Decimal(m["pnl_usd"]) for m in monthly))
            out["min_drawdown"] = str(min(Decimal(e["drawdown_usd"]) for e in equity))
            out["limit_days"] = sum(1 for d in daily if d["limit_hit"] == "true")
            out["wins"] = sum(1 for t in trades if Decimal(t["pnl_usd"]) > 0)
            print(json.dumps(out))
            """
        let out = try await Tools.run(python, ["-c", script, folder])
        #expect(out.status == 0, "\(out.stderr)")
        let j = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        for f in ReportCSV.files {
            let entry = j[f.name] as? [String: Any]
            #expect(entry?["header"] as? [String] == f.columns.map(\.name), "\(f.name)")
        }
        let s = run.summary
        #expect((j["trades.csv"] as? [String: Any])?["rows"] as? Int == s.trades)
        #expect(Money(j["trades_pnl"] as? String ?? "") == Money(s.netPnlUsd))
        #expect(Money(j["daily_pnl"] as? String ?? "") == Money(s.netPnlUsd))
        #expect(Money(j["monthly_pnl"] as? String ?? "") == Money(s.netPnlUsd))
        #expect(Money(j["trades_fees"] as? String ?? "") == Money(s.feesUsd))
        #expect(j["wins"] as? Int == s.wins)
        let dd = try #require(Double(j["min_drawdown"] as? String ?? ""))
        #expect(abs(-dd - (s.maxDrawdownUsd ?? 0)) < 0.005)
        #expect((j["limit_days"] as? Int ?? 0) >= 1)
        // Every column is documented in the folder's README.
        let readme = try String(contentsOfFile: folder + "/README.txt", encoding: .utf8)
        for f in ReportCSV.files { for c in f.columns { #expect(readme.contains("  " + c.name + " "), "\(f.name) \(c.name)") } }
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/run.json")))
        #expect(summary == s)
    }
}
