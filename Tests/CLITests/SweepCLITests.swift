import Data
import Foundation
import Testing
import TSXLabTesting

@Suite("tsxlab sweep: end to end through the executable")
struct SweepCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli-sweep")
    var env: [String: String] { ["TSXLAB_DATA_DIR": dir] }
    func tsx(_ args: [String]) async throws -> CLI.Result { try await CLI.run(args, environment: env) }

    static let grid = ["sweep", "--strategy", "sma-bracket", "--param", "fast=5,10,20,30,50", "--param", "slow=60,90,120,160,200",
                       "--param", "stop_ticks,target_ticks=8:8,12:24,20:40,40:80", "--symbol", "ES", "--commission", "2.50"]

    @Test("the standard grid equals the reference grid; an interrupted (half) sweep resumes without computing a cell twice")
    func gridAndResume() async throws {
        var r = try await tsx(["data", "import", TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"), "--symbol", "ES", "--timeframe", "1m"])
        #expect(r.status == 0, "\(r.stderr)")
        // First half only (as a job array's shard would), then the whole grid: the rerun resumes.
        r = try await tsx(Self.grid + ["--shard", "1/2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("50 configurations in"))
        // In a pipe the progress comes as a line at each tenth, with its count, and not at the end.
        for tenth in 1...9 { #expect(r.stderr.contains("sweep \(tenth * 10)%  \(tenth * 5)/50  "), "\(r.stderr)") }
        #expect(!r.stderr.contains("sweep 100%"), "\(r.stderr)")
        let out = dir + "/sweep"
        r = try await tsx(Self.grid + ["--out", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("sma-bracket sweep kernel"), "the reference settings take the kernel: \(r.stderr)")
        #expect(r.stderr.contains("50 already done, resuming") && r.stderr.contains("50 configurations in"), "\(r.stderr)")
        let ours = try csvRows(out + "/results.csv")
        let reference = try csvRows(TestEnvironment.sharedDatasets + "/../reference/sma-bracket_ES_1m_2019_grid.csv")
        #expect(ours.count == 100 && reference.count == 100)
        func key(_ row: [String: String]) -> String { ["fast", "slow", "stop_ticks", "target_ticks"].map { row[$0]! }.joined(separator: "/") }
        let want = Dictionary(uniqueKeysWithValues: reference.map { (key($0), [$0["trades"]!, $0["net_pnl_usd"]!]) })
        for row in ours { #expect([row["trades"]!, row["net_pnl_usd"]!] == want[key(row)], "config \(key(row))") }
        // One row per configuration in the store: nothing was computed twice.
        await #expect(try sqliteCount(dir + "/tsxlab.sqlite", "SELECT COUNT(*) FROM sweep_results") == 100)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect((json["ranking"] as? [[String: String]])?.first?["net_pnl_usd"] == "15790.00")
        // The sweep's report: heatmap and top configurations (HTML), the results table (CSV).
        let sweepID = try #require(json["sweep_id"] as? String)
        r = try await tsx(["report", sweepID, "--out", dir + "/sweep-report"])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: dir + "/sweep-report/report.html", encoding: .utf8)
        #expect(html.contains("15,790") && html.contains("<svg") && !html.contains("http://") && !html.contains("https://"))
        r = try await tsx(["report", String(sweepID.prefix(8)), "--format", "csv", "--out", dir + "/sweep-report"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try csvRows(dir + "/sweep-report/results.csv").count == 100)
        // A third run finds everything done.
        r = try await tsx(Self.grid)
        #expect(r.stderr.contains("100 already done") && r.stderr.contains("0 configurations in"), "\(r.stderr)")
    }

    @Test("walk-forward: windows, the stitched out-of-sample result, and the in/out comparison in the sweep's report")
    func walkForward() async throws {
        var r = try await tsx(["data", "import", TestEnvironment.sharedDataset("ES_1m_2016.csv.gz"), "--symbol", "ES", "--timeframe", "1m"])
        #expect(r.status == 0)
        let args = ["sweep", "--strategy", "sma-bracket", "--param", "fast=5,10,20", "--param", "slow=60,120", "--symbol", "ES",
                    "--commission", "2.50", "--from", "2016-01-01", "--to", "2016-10-01", "--walk-forward", "in=3,out=1"]
        r = try await tsx(args + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let windows = try #require(json["windows"] as? [[String: Any]])
        #expect(windows.count == 6)
        let stitched = windows.compactMap { Money($0["outOfSampleNetPnlUsd"] as? String ?? "") }.reduce(Money.zero, +)
        #expect(json["stitched_out_of_sample_net_pnl_usd"] as? String == stitched.description)
        r = try await tsx(args)   // the table form, which also stores the windows
        #expect(r.stdout.contains("stitched out of sample"))
        let sweepID = try #require(r.stderr.split(separator: " ").dropFirst().first.map { String($0.dropLast()) })
        r = try await tsx(["report", sweepID, "--out", dir + "/wf"])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: dir + "/wf/report.html", encoding: .utf8)
        #expect(html.contains("Walk-forward in=3,out=1, optimising net_pnl"))
        // Successive halving over the same windows: every configuration on the first, the better
        // half on each next one; the report shows the latest walk-forward, named as such.
        r = try await tsx(args + ["--halving"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("rolling, successive halving (6 → 3 → 2 → 1 → 1 → 1 configurations), optimising net_pnl"), "\(r.stdout)")
        #expect(r.stdout.contains("stitched out of sample") && r.stdout.contains("configs"))
        r = try await tsx(["report", sweepID, "--out", dir + "/wf-halving"])
        #expect(try String(contentsOfFile: dir + "/wf-halving/report.html", encoding: .utf8)
            .contains("Walk-forward in=3,out=1, successive halving, optimising net_pnl"))
        r = try await tsx(Array(args.dropLast(2)) + ["--halving"])
        #expect(r.status == 64 && r.stderr.contains("--halving drops configurations window by window of a walk-forward"), "\(r.stderr)")
    }

    @Test("the sma-bracket sweep kernel and --engine-only write the same results.csv, statistics included")
    func kernelEqualsEngine() async throws {
        let args = ["sweep", "--strategy", "sma-bracket", "--param", "fast=5,20", "--param", "slow=60,160",
                    "--param", "stop_ticks,target_ticks=8:8,40:80", "--param", "quantity=1,2", "--symbol", "ES", "--commission", "2.50",
                    "--from", "2019-01-01", "--to", "2019-04-01"]
        var results: [String] = []
        for engineOnly in [false, true] {
            let d = TestEnvironment.temporaryDirectory("cli-sweep-kernel")
            let env = ["TSXLAB_DATA_DIR": d]
            var r = try await CLI.run(["data", "import", TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"), "--symbol", "ES", "--timeframe", "1m"], environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            r = try await CLI.run(args + ["--out", d + "/out"] + (engineOnly ? ["--engine-only"] : []), environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("sma-bracket sweep kernel") == !engineOnly, "\(r.stderr)")
            results.append(try String(contentsOfFile: d + "/out/results.csv", encoding: .utf8))
        }
        #expect(results[0].split(separator: "\n").count == 17)
        #expect(results[0] == results[1])
    }

    @Test("bad axes are refused before anything runs")
    func badAxes() async throws {
        var r = try await tsx(["sweep", "--strategy", "sma-bracket", "--param", "fast=5,x"])
        #expect(r.status == 65 && r.stderr.contains("'x' is not a whole number"), "\(r.stderr)")
        r = try await tsx(["sweep", "--strategy", "sma-bracket", "--param", "fast=9..3"])
        #expect(r.status == 65 && r.stderr.contains("runs backwards"), "\(r.stderr)")
        r = try await tsx(["sweep", "--strategy", "sma-bracket", "--param", "stop_ticks,target_ticks=8:8,12"])
        #expect(r.status == 65 && r.stderr.contains("paired values"), "\(r.stderr)")
    }
}

/// Rows of a CSV file with a header, as dictionaries (plain split: no quoted fields here).
func csvRows(_ path: String) throws -> [[String: String]] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    guard let header = lines.first else { return [] }
    return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
}
