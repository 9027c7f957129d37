import Foundation
import Testing
import TSXLabTesting

@Suite("tsxlab data: end to end through the executable")
struct DataCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli")
    var env: [String: String] { ["TSXLAB_DATA_DIR": dir] }

    func tsx(_ args: String...) async throws -> CLI.Result { try await CLI.run(args, environment: env) }

    @Test("import, list, roll, resample and export work on the shipped sample, and re-import changes nothing")
    func mainFlow() async throws {
        let z = TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz")
        var r = try await tsx("data", "import", z, "--symbol", "ESZ13", "--timeframe", "1m")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("16673 rows") && r.stdout.contains("16673 new"))
        r = try await tsx("data", "import", z, "--symbol", "ESZ13", "--timeframe", "1m", "--json")
        let reports = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        #expect(reports.first?["unchanged"] as? Int == 16673 && reports.first?["inserted"] as? Int == 0)
        r = try await tsx("data", "import", TestEnvironment.shippedDataset("ESH14_1m_lean.csv.gz"), "--symbol", "ESH14", "--timeframe", "1m")
        #expect(r.status == 0)
        r = try await tsx("data", "roll", "--symbol", "ES", "--timeframe", "1m", "--contracts", "ESZ13,ESH14")
        #expect(r.status == 0 && r.stdout.contains("roll ESZ13 → ESH14 at 2013-12-11T23:00:00Z"), "\(r.stdout)\(r.stderr)")
        r = try await tsx("data", "resample", "--symbol", "ES", "--from-timeframe", "1m", "--to-timeframe", "1h")
        #expect(r.status == 0, "\(r.stderr)")
        r = try await tsx("data", "list", "--json")
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        #expect(Set(list.map { "\($0["symbol"]!) \($0["timeframe"]!)" }) == ["ES 1m", "ES 1h", "ESZ13 1m", "ESH14 1m"])
        r = try await tsx("data", "export", "--symbol", "ESZ13", "--timeframe", "1m", "--out", "-")
        #expect(r.stdout == (try gunzipText(z)))
        r = try await tsx("data", "export", "--symbol", "ESZ13", "--timeframe", "1m", "--from", "2013-10-07T13:30:00Z", "--to", "2013-10-07T13:33:00Z", "--out", "-")
        #expect(r.stdout.split(separator: "\n").count == 4)
    }

    @Test("commands started together on a new SQLite store all succeed: each waits for the others' locks, the schema is migrated once and every import lands")
    func concurrentCommands() async throws {
        let z = TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz")
        let symbols = ["ESZ13", "ESH14", "ESM14", "ESU14", "ESZ14", "ESH15"]
        let env = self.env
        let all = try await withThrowingTaskGroup(of: (String, CLI.Result).self) { group in
            for k in 0..<(symbols.count * 2) {
                let args = k < symbols.count ? ["data", "import", z, "--symbol", symbols[k], "--timeframe", "1m"] : ["data", "list"]
                group.addTask { ("\(k) \(args.joined(separator: " "))", try await CLI.run(args, environment: env)) }
            }
            return try await group.reduce(into: [String: CLI.Result]()) { $0[$1.0] = $1.1 }
        }
        for (command, r) in all.sorted(by: { $0.key < $1.key }) { #expect(r.status == 0, "\(command): \(r.stderr)") }
        let r = try await tsx("data", "list", "--json")
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(Set(list.map { "\($0["symbol"]!) \($0["bars"]!)" }) == Set(symbols.map { "\($0) 16673" }), "\(r.stdout)")
    }

    @Test("bad data exits 65 with file, line and field on stderr, and nothing on stdout")
    func badInput() async throws {
        let path = dir + "/bad.csv"
        try "timestamp,open,high,low,close,volume\n2019-01-01T23:00:00Z,1,2,0.5,1,3\n2019-01-01T23:01:00Z,1,2,0.5,1,x\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try await tsx("data", "import", path, "--symbol", "ES", "--timeframe", "1m")
        #expect(r.status == 65)
        #expect(r.stderr.contains("\(path):3 field 'volume'"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let list = try await tsx("data", "list", "--json")
        #expect(list.stdout.contains("[\n\n]") || list.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }

    @Test("a missing file exits 66, an unknown symbol 65 with the way out, a bad timeframe 64")
    func otherFailures() async throws {
        var r = try await tsx("data", "import", dir + "/none.csv", "--symbol", "ES", "--timeframe", "1m")
        #expect(r.status == 66 && r.stderr.contains("none.csv"))
        r = try await tsx("data", "import", TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), "--symbol", "FOO", "--timeframe", "1m")
        #expect(r.status == 65 && r.stderr.contains("unknown symbol 'FOO'") && r.stderr.contains("--tick-size"))
        r = try await tsx("data", "import", "x.csv", "--symbol", "ES", "--timeframe", "7q")
        #expect(r.status == 64)
        r = try await CLI.run(["data", "list"], environment: ["TSXLAB_STORE": "postgres://u:pw-secret@127.0.0.1:1/x?connect_timeout=2"])
        #expect(r.status == 69 && !r.stderr.contains("pw-secret"))
    }

    @Test("tick files: import --ticks, resample --from-ticks and export --ticks; a bad file exits 65 naming file, line and field and keeps what was stored")
    func ticks() async throws {
        let esh4 = TestEnvironment.sharedDataset("ESH4_trades_2023-12-25_1800-1900ET.csv.gz")
        var r = try await tsx("data", "import", "--ticks", esh4, "--symbol", "ESH4", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(report["prints"] as? Int == 2_973 && report["withAggressor"] as? Int == 2_972 && report["first"] as? String == "2023-12-25T23:00:00.000000000Z")
        r = try await tsx("data", "list", "--ticks", "--json")
        let tapes = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(tapes.count == 1 && tapes.first?["symbol"] as? String == "ESH4" && tapes.first?["prints"] as? Int == 2_973
                && tapes.first?["last"] as? String == "2023-12-25T23:59:56.799167221Z", "\(r.stdout)")
        r = try await tsx("data", "list")
        #expect(r.stdout.contains("trade prints of ESH4 are stored too: `tsxlab data list --ticks`"), "\(r.stdout)")
        // The prints come back out in the file's own form.
        r = try await tsx("data", "export", "--symbol", "ESH4", "--ticks", "--out", "-")
        #expect(r.stdout == (try gunzipText(esh4)))
        r = try await tsx("data", "resample", "--from-ticks", "--symbol", "ESH4", "--to-timeframe", "1m", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let built = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: String])
        #expect(built["prints"] == "2973" && built["bars"] == "60" && built["printsWithoutSize"] == "0")
        r = try await tsx("data", "export", "--symbol", "ESH4", "--timeframe", "1m", "--out", "-")
        let fixture = TestEnvironment.packageRoot + "/Tests/DataTests/Fixtures/tickbars_ESH4_1m.csv"
        #expect(r.stdout == (try String(contentsOfFile: fixture, encoding: .utf8)), "the reference script's bars")

        let bad = dir + "/bad-ticks.csv"
        try "timestamp,price,size,aggressor\n2023-12-25T23:00:00Z,4800.25,44,\n2023-12-25T23:00:01Z,4800.30,1,B\n".write(toFile: bad, atomically: true, encoding: .utf8)
        r = try await tsx("data", "import", "--ticks", bad, "--symbol", "ESH4")
        #expect(r.status == 65 && r.stdout.isEmpty)
        #expect(r.stderr.contains("\(bad):3 field 'price'") && r.stderr.contains("--round-to-tick"), "\(r.stderr)")
        r = try await tsx("data", "export", "--symbol", "ESH4", "--ticks", "--out", "-")
        #expect(r.stdout == (try gunzipText(esh4)), "the stored prints are untouched")
        r = try await tsx("data", "import", "--ticks", esh4, "--symbol", "ESH4", "--timeframe", "1m")
        #expect(r.status == 64 && r.stderr.contains("not both"))
        r = try await tsx("data", "resample", "--from-ticks", "--symbol", "NQH4", "--to-timeframe", "1m")
        #expect(r.status == 65 && r.stderr.contains("no stored prints of NQH4") && r.stderr.contains("ESH4"), "\(r.stderr)")
    }

    @Test("every data command the data layer's notes list answers --help")
    func readmeCommands() async throws {
        let readme = try String(contentsOfFile: TestEnvironment.packageRoot + "/docs/engineering/data.md", encoding: .utf8)
        let commands = Set(readme.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard words.count >= 3, words[0] == "tsxlab", words[1] == "data" else { return nil }
            return String(words[2])
        })
        #expect(commands.count >= 6)
        for c in commands {
            let r = try await tsx("data", c, "--help")
            #expect(r.status == 0, "tsxlab data \(c) --help: \(r.stderr)")
        }
    }
}

func gunzipText(_ path: String) throws -> String { String(decoding: try SharedData.readBytes(path: path), as: UTF8.self) }
