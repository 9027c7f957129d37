import Foundation
import Testing
import TSXLabTesting

/// An empty path or URL (`--store ""`, `TSXLAB_STORE=` from an unset variable in a script) is
/// refused with exit 64 naming the option, and nothing is written: not in the data directory, the
/// home folder or the working folder.
@Suite("tsxlab: empty paths and URLs are refused with the option named")
struct EmptyLocationCLITests {
    /// Each command with the arguments it needs to parse; the option under test is added after them
    /// (a repeated option's last value counts).
    static let commands: [String: [String]] = [
        "data import": ["data", "import", "x.csv", "--symbol", "ES", "--timeframe", "1m"],
        "data pull": ["data", "pull", "ES", "--from", "2013-11-18"],
        "record": ["record", "ES"],
        "data export": ["data", "export", "--symbol", "ES", "--timeframe", "1m", "--out", "-"],
        "data list": ["data", "list"],
        "data resample": ["data", "resample", "--symbol", "ES", "--from-timeframe", "1m", "--to-timeframe", "1h"],
        "data roll": ["data", "roll", "--symbol", "ES", "--timeframe", "1m", "--contracts", "ESZ13"],
        "data stats": ["data", "stats"],
        "backtest": ["backtest"],
        "sweep": ["sweep"],
        "report": ["report", "latest"],
        "serve": ["serve", "--port", "0"],
        "indicators": ["indicators", "--symbol", "ES", "--timeframe", "1m", "--indicator", "atr:14", "--out", "-"],
        "stats": ["stats"],
        "stats summary": ["stats", "summary"],
        "stats overfitting": ["stats", "overfitting"],
        "combine": ["combine", "latest"],
        "gateway serve": ["gateway", "serve"],
        "promote": ["promote", "latest", "--account", "A"],
        "live run": ["live", "run", "--config", "live.yaml"],
        "live check": ["live", "check", "--config", "live.yaml"],
        "live account": ["live", "account"],
        "live contracts": ["live", "contracts"],
        "live history": ["live", "history", "ES", "1m", "10"],
        "live positions": ["live", "positions"],
        "live orders": ["live", "orders"],
        "live place": ["live", "place", "ES", "BUY", "1"],
        "live stop-bracket": ["live", "stop-bracket", "ES", "BUY", "1", "1", "1", "1"],
        "live cancel": ["live", "cancel", "1"],
        "live flatten": ["live", "flatten"],
        "metrics": ["metrics"],
        "docs generate": ["docs", "generate"],
        "new strategy": ["new", "strategy", "MyBreakout", "--tsxlab-path", "."],
    ]

    /// Options that name a file, folder or URL: these names, or a value shown as `<file>` or `<url>`.
    static let locationNames: Set<String> = ["store", "contracts-file", "config", "source", "env-file", "out", "csv", "url", "equity", "trades", "html", "returns", "dir", "tsxlab-path", "tsxlab-url"]

    /// (command, option) for every location option the executable's own help lists.
    static func locationOptions() throws -> [(command: String, option: String)] {
        let r = try Subprocess.runBlocking(CLI.binary, ["--experimental-dump-help"])
        let root = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        var out: [(String, String)] = []
        func walk(_ c: [String: Any], _ path: [String]) {
            for a in c["arguments"] as? [[String: Any]] ?? [] where a["kind"] as? String == "option" {
                let names = (a["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                let valueName = a["valueName"] as? String ?? ""
                if let long = names.first(where: { $0.count > 1 }), locationNames.contains(long) || valueName == "file" || valueName == "url" {
                    out.append((path.joined(separator: " "), long))
                }
            }
            for s in c["subcommands"] as? [[String: Any]] ?? [] { walk(s, path + [s["commandName"] as! String]) }
        }
        walk(root["command"] as! [String: Any], [])
        return out
    }

    /// Runs with a fresh folder as home, data directory and working folder; returns the result and
    /// every file the run left there.
    func run(_ args: [String], _ extra: [String: String] = [:]) async throws -> (CLI.Result, [String]) {
        let dir = TestEnvironment.temporaryDirectory("empty-loc")
        var env = ["PATH": "/usr/bin:/bin", "HOME": dir, "TSXLAB_DATA_DIR": dir + "/data"]
        for (k, v) in extra { env[k] = v }
        let r = try await Subprocess.run(CLI.binary, args, cwd: dir, environment: env)
        let left = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []
        return (r, left)
    }

    @Test("every path or URL option of every command: an empty value exits 64 naming the option and writes nothing")
    func everyLocationOption() async throws {
        let options = try Self.locationOptions()
        #expect(options.count >= 50, "\(options.count) location options found in --experimental-dump-help")
        for (command, option) in options {
            // `combine` takes a run id or --trades, not both: --trades is tried without the id.
            let base = command == "combine" && option == "trades" ? ["combine"]
                : try #require(Self.commands[command], "no arguments listed for `\(command)`")
            let (r, left) = try await run(base + ["--\(option)", ""])
            #expect(r.status == 64, "\(command) --\(option) \"\": exit \(r.status)\n\(r.stderr)")
            #expect(r.stderr.contains("--\(option) is empty"), "\(command) --\(option) \"\": \(r.stderr)")
            #expect(left.isEmpty, "\(command) --\(option) \"\" left \(left)")
            #expect(r.stdout.isEmpty)
        }
    }

    @Test("`--store \"\"` and `--store=` refuse the import instead of using the default SQLite store")
    func emptyStoreFlag() async throws {
        let csv = TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz")
        for args in [["--store", ""], ["--store="], ["--store", "sqlite:"], ["--store", " "]] {
            let (r, left) = try await run(["data", "import", csv, "--symbol", "ESZ13", "--timeframe", "1m"] + args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("--store"), "\(args): \(r.stderr)")
            #expect(left.isEmpty, "\(args) left \(left)")
        }
    }

    @Test("an empty data file argument exits 64 naming it")
    func emptyFileArgument() async throws {
        let (r, left) = try await run(["data", "import", TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), "", "--symbol", "ES", "--timeframe", "1m"])
        #expect(r.status == 64 && r.stderr.contains("<files> is empty"), "\(r.stderr)")
        #expect(left.isEmpty, "left \(left)")
    }

    @Test("empty path and URL variables exit 64 naming the variable: TSXLAB_STORE, TSXLAB_CONTRACTS, TSXLAB_DATA_DIR, the live URLs and files")
    func emptyVariables() async throws {
        let csv = TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz")
        let cases: [(String, [String])] = [
            ("TSXLAB_STORE", ["data", "import", csv, "--symbol", "ESZ13", "--timeframe", "1m"]),
            ("TSXLAB_CONTRACTS", ["data", "list"]),
            ("TSXLAB_DATA_DIR", ["backtest", "--strategy", "sma_bracket"]),
            ("PROJECTX_API_URL", ["live", "account"]),
            ("PROJECTX_RTC_URL", ["live", "account"]),
            ("PROJECTX_API_KEY_FILE", ["live", "account"]),
            ("TSXLAB_HTTP_TOKEN_FILE", ["live", "run", "--config", "live.yaml"]),
            ("TSXLAB_WEBHOOK_URL_FILE", ["live", "run", "--config", "live.yaml"]),
        ]
        for (variable, args) in cases {
            let (r, left) = try await run(args, [variable: ""])
            #expect(r.status == 64, "\(variable)=: exit \(r.status)\n\(r.stderr)")
            #expect(r.stderr.contains("\(variable) is empty"), "\(variable)=: \(r.stderr)")
            #expect(left.isEmpty, "\(variable)= left \(left)")
        }
        let (r, _) = try await run(["data", "list"], ["TSXLAB_STORE": "sqlite:"])
        #expect(r.status == 64 && r.stderr.contains("TSXLAB_STORE 'sqlite:' names no file"), "\(r.stderr)")
    }

    @Test("a missing value exits 64 naming the option")
    func missingValues() async throws {
        for (args, option) in [(["data", "list", "--store"], "--store"), (["data", "export", "--symbol", "ES", "--timeframe", "1m", "--out"], "--out"),
                               (["backtest", "--config", "--symbol", "ES"], "--config")] {
            let (r, left) = try await run(args)
            #expect(r.status == 64 && r.stderr.contains("Missing value for '\(option)"), "\(args): \(r.stderr)")
            #expect(left.isEmpty)
        }
    }

    @Test("a store given by a real value still works beside the checks")
    func realValuesPass() async throws {
        let (r, _) = try await run(["data", "list", "--json", "--store", "sqlite:store.sqlite"])
        #expect(r.status == 0, "\(r.stderr)")
    }
}
