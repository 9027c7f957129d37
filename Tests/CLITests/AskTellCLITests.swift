import Foundation
import Testing
import TSXLabTesting

/// `tsxlab sweep … --ask-tell` through the executable: the answers equal a grid's results.csv rows,
/// the process answers each line before the next is written, and an outside optimiser (the Optuna
/// example) drives it to the grid's best.
@Suite("tsxlab sweep --ask-tell: end to end through the executable")
struct AskTellCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli-ask-tell")
    var env: [String: String] { ["TSXLAB_DATA_DIR": dir] }
    func tsx(_ args: [String], input: String? = nil) async throws -> CLI.Result { try await CLI.run(args, environment: env, input: input) }

    /// The shipped sample, rolled into ES as the docs do.
    func importSample() async throws {
        for c in ["ESZ13", "ESH14"] {
            let r = try await tsx(["data", "import", TestEnvironment.shippedDataset("\(c)_1m_lean.csv.gz"), "--symbol", c, "--timeframe", "1m"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let r = try await tsx(["data", "roll", "--symbol", "ES", "--timeframe", "1m", "--contracts", "ESZ13,ESH14"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// Runs the grid `base + axes` with --out, then the same configurations as ask/tell lines (the
    /// grid's parameter cells as JSON values), and requires each answer's fields to be the row's.
    func expectAnswersEqualGrid(_ base: [String], axes: [String], label: String) async throws -> String {
        var r = try await tsx(base + axes.flatMap { ["--param", $0] } + ["--out", dir + "/" + label])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try csvRows(dir + "/\(label)/results.csv")
        let names = Array(try String(contentsOfFile: dir + "/\(label)/results.csv", encoding: .utf8).prefix { $0 != "\n" }
            .split(separator: ",").map(String.init).prefix { $0 != "trades" })
        #expect(rows.count >= 6 && rows.contains { $0["trades"] != "0" })
        let lines = rows.map { row in "{" + names.map { "\"\($0)\": \(row[$0]!)" }.joined(separator: ", ") + "}" }
        r = try await tsx(base + ["--ask-tell"], input: lines.joined(separator: "\n") + "\n")
        #expect(r.status == 0, "\(r.stderr)")
        let answers = r.stdout.split(separator: "\n").map(String.init)
        #expect(answers.count == rows.count, "one answer a line: \(r.stdout)")
        for (row, answer) in zip(rows, answers) { #expect(try FlatJSON.fields(answer) == row, "\(answer)") }
        return r.stderr
    }

    @Test("overnight_range (engine): each answer's fields are the grid's results.csv row for the configuration")
    func engineEqualsGrid() async throws {
        try await importSample()
        let stderr = try await expectAnswersEqualGrid(["sweep", "--config", TestEnvironment.packageRoot + "/examples/overnight-range.yaml"],
                                                      axes: ["atr_multiplier_sl=0.5,1,1.5", "atr_multiplier_tp=0.5,1"], label: "overnight")
        #expect(stderr.contains("6 evaluated, 0 refused"), "\(stderr)")
    }

    @Test("sma_bracket (sweep kernel): each answer's fields are the grid's results.csv row; a bad line is answered and the session goes on; the session is a stored sweep with a report")
    func kernelEqualsGrid() async throws {
        try await importSample()
        let base = ["sweep", "--strategy", "sma-bracket", "--symbol", "ES", "--commission", "2.50"]
        _ = try await expectAnswersEqualGrid(base, axes: ["fast=5..20:5", "slow=30,60", "stop_ticks,target_ticks=8:16,20:40"], label: "sma")
        let r = try await tsx(base + ["--ask-tell"], input: "{\"fast\": 20, \"slow\": 60, \"stop_ticks\": 8, \"target_ticks\": 16}\n{\"slow\": \"60\"}\n{\"fast\": 25}\n")
        #expect(r.status == 0, "\(r.stderr)")
        let answers = r.stdout.split(separator: "\n").map(String.init)
        #expect(answers.count == 3)
        #expect(try FlatJSON.fields(answers[0])["net_pnl_usd"] == "1540.00")
        #expect(answers[1] == #"{"line": 2, "error": "\"slow\" takes a JSON number (whole number 2 … 10000 bars), not a string: send e.g. {\"slow\": 30}"}"#)
        #expect(r.stderr.contains("error: line 2 (slow): \"slow\" takes a JSON number"), "\(r.stderr)")
        #expect(try FlatJSON.fields(answers[2])["fast"] == "25")
        // Recorded as a sweep: the report names its configurations.
        let id = try #require(r.stderr.firstMatch(of: /ask\/tell sweep ([0-9a-f]{16})/)?.1)
        #expect(r.stderr.contains("2 evaluated, 1 refused"), "\(r.stderr)")
        let report = try await tsx(["report", String(id), "--format", "csv", "--out", dir + "/ask-tell-report"])
        #expect(report.status == 0, "\(report.stderr)")
        // The sweep's table has the parameters of its first configuration: fast=25 alone (slow and
        // the bracket from the base) is recorded but not a row of it.
        #expect(try csvRows(dir + "/ask-tell-report/results.csv").count == 16)
        await #expect(try sqliteCount(dir + "/tsxlab.sqlite", "SELECT COUNT(*) FROM sweep_results WHERE sweep_id = '\(id)'") == 17)
        // What ask/tell does not take is refused before anything runs.
        let refused = try await tsx(base + ["--ask-tell", "--param", "fast=5,10"], input: "")
        #expect(refused.status == 64 && refused.stderr.contains("drop --param"), "\(refused.stderr)")
    }

    @Test("a tsxlab process over pipes answers each line before the next is written, and ends with the input")
    func streams() async throws {
        try await importSample()
        let (p, collected) = try Collected.launch(["sweep", "--strategy", "sma-bracket", "--symbol", "ES", "--commission", "2.50", "--ask-tell"],
                                                  environment: env.merging(["PATH": "/usr/bin:/bin", "HOME": dir]) { a, _ in a }, stdin: .pipe)
        let input = try #require(p.standardInput)
        defer { if p.isRunning { p.terminate() } }
        let lines = ["{\"fast\": 5, \"slow\": 30}", "not json", "{\"fast\": 10, \"slow\": 60, \"stop_ticks\": 12, \"target_ticks\": 24}"]
        for (k, line) in lines.enumerated() {
            // Nothing beyond the answers to the lines written so far, then this line's answer.
            #expect(collected.texts.out.split(separator: "\n").count == k)
            input.write(Data((line + "\n").utf8))
            try await collected.wait("the answer to line \(k + 1)", timeout: TestEnvironment.hangGuard) { $0.out.split(separator: "\n").count == k + 1 }
        }
        let answers = collected.texts.out.split(separator: "\n").map(String.init)
        #expect(try FlatJSON.fields(answers[0])["fast"] == "5" && answers[1].hasPrefix("{\"line\": 2, \"error\": \"not JSON"))
        #expect(try FlatJSON.fields(answers[2])["stop_ticks"] == "12")
        try input.close()
        await p.exited()
        #expect(p.terminationStatus == 0)
    }
}

/// The Optuna example (examples/optuna-sma-bracket) with the built tsxlab: it must find the
/// standard grid's best configuration on the 2019 file in fewer evaluations than the grid has.
@Suite("examples/optuna-sma-bracket: Optuna drives tsxlab over ask/tell")
struct OptunaExampleTests {
    /// A Python that imports optuna, or nil.
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["TSXLAB_PYTHON"] ?? "", TestEnvironment.packageRoot + "/.build-venv/bin/python"]
        return candidates.first { c in
            !c.isEmpty && FileManager.default.isExecutableFile(atPath: c) && ((try? Subprocess.runBlocking(c, ["-c", "import optuna"]))?.status == 0)
        }
    }()

    @Test("Optuna's seeded TPE finds the grid's best sma-bracket configuration on the 2019 file in fewer evaluations than the grid",
          .enabled(if: python != nil || TestEnvironment.isCI, "optuna is installed into .build-venv by scripts/test.sh"))
    func findsTheGridsBest() async throws {
        let python = try #require(Self.python, "no Python with optuna: run scripts/test.sh, which installs it into .build-venv")
        let r = try await Subprocess.run(python, [TestEnvironment.packageRoot + "/examples/optuna-sma-bracket/optimise.py", "--tsxlab", CLI.binary,
                                                  "--data", TestEnvironment.sharedDataset("ES_1m_2019.csv.gz")],
                                         environment: ["PATH": "/usr/bin:/bin", "HOME": TestEnvironment.temporaryDirectory("optuna")])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let grid = try #require(r.stdout.firstMatch(of: /grid: (\d+) configurations \(tsxlab sweep\); best by net P&L: (.+), net (-?[0-9.]+) USD/))
        let found = try #require(r.stdout.firstMatch(of: /found the grid's best after (\d+) evaluations \((\d+) trials\) against the grid's (\d+): (.+), net (-?[0-9.]+) USD/),
                                 "\(r.stdout)")
        #expect(Int(grid.1) == 100 && Int(found.3) == 100)
        #expect(Int(found.1)! < Int(found.3)!, "fewer evaluations than the grid")
        #expect(found.4 == grid.2 && found.5 == grid.3, "the configuration and net P&L the grid measured")
    }
}
