import Foundation
import Testing
import Data
import TSXLabTesting

/// `tsxlab data pull` as a child process against a `tsxlab gateway serve` child process whose tape
/// holds ESH14 and, for history, ESZ13: a window of five weeks across the December 2013 roll.
@Suite("tsxlab data pull: TopStepX history into the store across a roll, from the loopback gateway", .serialized)
struct DataPullTests {
    static let key = "pull-secret-key-5c2e7a"
    static let from = "2013-11-18", to = "2013-12-21"
    /// CME's roll date for ESZ13 is Thursday 2013-12-12: ESH14 serves from that session's open.
    static let roll = Timestamp(iso8601: "2013-12-11T23:00:00Z")!
    static let tick = TickSize("0.25")!
    let dir = TestEnvironment.temporaryDirectory("cli-pull")

    static func tape(_ code: String) throws -> BarSeries {
        try SharedData.readBars(path: TestEnvironment.shippedDataset("\(code)_1m_lean.csv.gz"), symbol: code, tickSize: tick)
    }

    /// A gateway serving ESH14 (traded) and ESZ13 (history), played to the end of its tape.
    func gateway(_ extra: [String] = []) async throws -> GatewayProcess {
        let gw = try await GatewayProcess.start(csv: TestEnvironment.shippedDataset("ESH14_1m_lean.csv.gz"), contract: "ESH14",
                                                extra: ["--history-tape", "ESZ13=" + TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz")] + extra)
        try gw.step(6000)
        return gw
    }

    func env(_ gw: GatewayProcess, _ store: String) -> [String: String] {
        ["TSXLAB_DATA_DIR": dir, "TSXLAB_STORE": store, "PROJECTX_API_URL": gw.baseURL,
         "PROJECTX_USERNAME": "trader", "PROJECTX_API_KEY": Self.key]
    }

    static let pullArgs = ["data", "pull", "ES", "--from", from, "--to", to, "--continuous", "--page-bars", "500"]

    func historyCalls(_ gw: GatewayProcess) throws -> Int { (try gw.state()["retrieveBars"] as? NSNumber)?.intValue ?? 0 }

    static func report(_ r: CLI.Result) throws -> [String: Any] {
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        return try #require(list?.first, "not a pull summary: \(r.stdout) \(r.stderr)")
    }

    static func bars(_ s: BarSeries) -> [Bar] { s.bars }

    /// The store equals the tapes bar for bar: each dated contract over the window its part of the
    /// summary names, and the continuous series ESZ13's bars before the roll and ESH14's after.
    static func expectEqualsTape(_ url: String, _ report: [String: Any]) throws {
        let store = try StoreURL.open(url)
        let parts = report["contracts"] as? [[String: Any]] ?? []
        #expect(parts.map { $0["contract"] as? String } == ["ESZ13", "ESH14"])
        for p in parts {
            let code = try #require(p["contract"] as? String)
            let w = TimeWindow(from: Timestamp(iso8601: p["from"] as! String)!, to: Timestamp(iso8601: p["to"] as! String)!)
            let stored = try store.read(SeriesKey(symbol: code, timeframe: .oneMinute), w)
            let expected = try tape(code).slice(from: w.from, to: w.to)
            #expect(!expected.isEmpty && bars(stored) == bars(expected), "\(code) \(w): \(stored.count) stored, \(expected.count) on the tape")
        }
        // The windows are the roll calendar's: ESZ13 up to the roll, ESH14 from the session before it.
        #expect(parts.first?["to"] as? String == "2013-12-11T23:00:00Z" && parts.last?["from"] as? String == "2013-12-10T23:00:00Z")
        let window = TimeWindow(from: Timestamp(iso8601: from)!, to: Timestamp(iso8601: to)!)
        let continuous = try store.read(SeriesKey(symbol: "ES", timeframe: .oneMinute), window)
        let expected = bars(try tape("ESZ13").slice(from: window.from, to: roll)) + bars(try tape("ESH14").slice(from: roll, to: window.to))
        #expect(bars(continuous) == expected, "ES continuous: \(continuous.count) stored, \(expected.count) expected")
        #expect((report["rolls"] as? [[String: Any]])?.first?["at"] as? String == "2013-12-11T23:00:00Z")
    }

    @Test("a pull across the roll equals the gateway's tape bar for bar (both dated contracts and the continuous series); a second pull asks for nothing", arguments: StoreKind.available)
    func pullAcrossRoll(kind: StoreKind) async throws {
        let gw = try await gateway()
        defer { gw.stop() }
        let url = try kind.make().url
        let before = try historyCalls(gw)
        var r = try await CLI.run(Self.pullArgs + ["--json"], environment: env(gw, url))
        #expect(r.status == 0, "\(r.stderr)")
        let report = try Self.report(r)
        let calls = try historyCalls(gw) - before
        #expect(report["calls"] as? Int == calls && calls >= 12, "pages of 500 bars over about 6,800 bars: \(calls)")
        try Self.expectEqualsTape(url, report)
        #expect(!r.stdout.contains(Self.key) && !r.stderr.contains(Self.key))

        // Everything is stored: the rerun makes no history call and changes nothing.
        let again = try historyCalls(gw)
        r = try await CLI.run(Self.pullArgs, environment: env(gw, url))
        #expect(r.status == 0 && r.stdout.contains("ESZ13 1m [2013-11-18T00:00:00Z, 2013-12-11T23:00:00Z): already stored"), "\(r.stdout)\(r.stderr)")
        #expect(try historyCalls(gw) == again)
        #expect(r.stderr.isEmpty, "progress goes to a terminal only: \(r.stderr)")
    }

    @Test("a pull killed with SIGKILL part-way leaves the store consistent; the rerun fetches only the rest and ends equal; rate-limit answers slow it without an error", arguments: StoreKind.available)
    func killedPullResumes(kind: StoreKind) async throws {
        // A tight history budget: the gateway answers 429 with Retry-After whenever it is spent.
        let gw = try await gateway(["--history-limit", "3/1"])
        defer { gw.stop() }

        // The whole pull on a store of its own: how many calls it takes.
        let whole = try kind.make().url
        var before = try historyCalls(gw)
        var r = try await CLI.run(Self.pullArgs + ["--json"], environment: env(gw, whole))
        #expect(r.status == 0, "\(r.stderr)")
        let full = try historyCalls(gw) - before
        let limited = (try gw.state()["limited429"] as? NSNumber)?.intValue ?? 0
        let slowed = try Self.report(r)["rateLimited"] as? Int ?? 0
        #expect(limited > 0 && slowed > 0, "the budget of 3 calls a second was never spent: \(limited), \(slowed)")

        // The same pull on a new store, killed once a few pages are in: the gateway answers three
        // history calls and holds the next, so the pull is surely part-way when it is killed.
        let url = try kind.make().url
        before = try historyCalls(gw)
        _ = try await gw.post("/_gateway/faults", ["holdHistoryAfter": 3])
        let (p, out) = try Collected.launch(Self.pullArgs, environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()].merging(env(gw, url)) { $1 })
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while try historyCalls(gw) - before < 3 && p.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(p.isRunning, "the pull ended before it could be killed: \(out.texts)")
        kill(p.processIdentifier, SIGKILL)
        await p.exited()
        _ = try await gw.post("/_gateway/faults", ["holdHistoryAfter": -1])
        let killed = try historyCalls(gw) - before
        #expect(killed < full)

        // Consistent: every stored bar is the tape's, and the fetched windows hold all of the tape's bars.
        let store = try StoreURL.open(url)
        for code in ["ESZ13", "ESH14"] {
            let key = SeriesKey(symbol: code, timeframe: .oneMinute)
            let tape = try Self.tape(code)
            let stored = try store.read(key, TimeWindow(from: .distantPast, to: .distantFuture))
            #expect(Set(Self.bars(stored)).isSubset(of: Set(Self.bars(tape))), "\(code): a stored bar is not the tape's")
            for w in try store.coverage(key) {
                #expect(Self.bars(try store.read(key, w)) == Self.bars(tape.slice(from: w.from, to: w.to)), "\(code) \(w)")
            }
        }

        // The rerun asks only for what the killed one did not store (at most the page in flight again).
        before = try historyCalls(gw)
        r = try await CLI.run(Self.pullArgs + ["--json"], environment: env(gw, url))
        #expect(r.status == 0, "\(r.stderr)")
        let rest = try historyCalls(gw) - before
        #expect(rest >= 1 && rest < full && killed + rest <= full + 1, "whole \(full), killed after \(killed), rerun \(rest)")
        try Self.expectEqualsTape(url, try Self.report(r))
    }

    @Test("on a terminal the pull shows its progress: the contract, bars, calls and the time left")
    func progressOnTerminal() async throws {
        let gw = try await gateway()
        defer { gw.stop() }
        // `script` runs the pull on a pseudo-terminal and copies what it wrote there to stdout.
        let command = ([CLI.binary] + Self.pullArgs).map { "'\($0)'" }.joined(separator: " ")
        let environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "TERM": "xterm"].merging(env(gw, "sqlite:" + dir + "/tty.sqlite")) { $1 }
        let r = try await Subprocess.run("/usr/bin/script", ["-qfec", command, "/dev/null"], environment: environment)
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("pulling ESZ13 ") && r.stdout.contains(" bars, ") && r.stdout.contains(" calls") && r.stdout.contains("ETA "), "\(r.stdout)")
        #expect(!r.stdout.contains(Self.key))
    }

    @Test("bad input: a specific error on stderr, a non-zero exit, and nothing stored")
    func badInput() async throws {
        let gw = try await gateway()
        defer { gw.stop() }
        let e = env(gw, "sqlite:" + dir + "/bad.sqlite")
        func pull(_ args: [String], _ environment: [String: String]) async throws -> CLI.Result {
            try await CLI.run(["data", "pull"] + args, environment: environment)
        }
        var r = try await pull(["ES", "--from", Self.from], e.filter { $0.key != "PROJECTX_USERNAME" })
        #expect(r.status == 64 && r.stderr.contains("PROJECTX_USERNAME is not set"), "\(r.stderr)")
        r = try await pull(["EZ", "--from", Self.from, "--to", Self.to], e)
        #expect(r.status == 65 && r.stderr.contains("unknown symbol 'EZ'; near matches: ES"), "\(r.stderr)")
        r = try await pull(["ES", "--from", "2099-01-01"], e)
        #expect(r.status == 64 && r.stderr.contains("the window starts at 2099-01-01T00:00:00Z, in the future"), "\(r.stderr)")
        r = try await pull(["ES", "--from", Self.from, "--to", Self.to, "--timeframe", "1s"], e)
        #expect(r.status == 65 && r.stderr.contains("the venue refuses 1s bars (code 2"), "\(r.stderr)")
        r = try await pull(["ES", "--contract", "ESM14", "--from", Self.from, "--to", Self.to], e)
        #expect(r.status == 65 && r.stderr.contains("the venue does not know ESM14 (CON.F.US.EP.M14); it lists ESH14, ESZ13"), "\(r.stderr)")
        r = try await pull(["ES", "--from", Self.to, "--to", Self.from], e)
        #expect(r.status == 64 && r.stderr.contains("is empty: --from must come before --to"), "\(r.stderr)")
        let keyFile = dir + "/key"
        try Self.key.write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o644)
        r = try await pull(["ES", "--from", Self.from], e.filter { $0.key != "PROJECTX_API_KEY" }.merging(["PROJECTX_API_KEY_FILE": keyFile]) { $1 })
        #expect(r.status == 66 && r.stderr.contains("chmod 600"), "\(r.stderr)")
        r = try await CLI.run(["data", "list", "--json"], environment: e)
        #expect(r.status == 0 && r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]", "something was stored: \(r.stdout)")
        #expect(try historyCalls(gw) <= 1, "only the refused 1s call reached the history endpoint")
    }

    @Test("--keep-fresh pulls the configured symbol and timeframes from the last stored bar; daily bars are built by the trade day; data list shows the holes a pull left")
    func keepFresh() async throws {
        let gw = try await gateway()
        defer { gw.stop() }
        let url = "sqlite:" + dir + "/fresh.sqlite"
        let e = env(gw, url)
        // Two separate windows of ESZ13: a hole between them.
        var r = try await CLI.run(["data", "pull", "ESZ13", "--from", "2013-11-18", "--to", "2013-11-19"], environment: e)
        #expect(r.status == 0, "\(r.stderr)")
        r = try await CLI.run(["data", "pull", "ES", "--from", "2013-12-02", "--to", "2013-12-04"], environment: e)
        #expect(r.status == 0, "\(r.stderr)")
        r = try await CLI.run(["data", "list", "--json"], environment: e)
        let listed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        let holes = listed.first { $0["symbol"] as? String == "ESZ13" }?["holes"] as? [[String: String]]
        #expect(holes == [["from": "2013-11-19T00:00:00Z", "to": "2013-12-02T00:00:00Z"]], "\(r.stdout)")

        let config = dir + "/pull.yaml"
        try "symbols: [ES]\ntimeframes: [1m, 1d]\ncontinuous: true\n".write(toFile: config, atomically: true, encoding: .utf8)
        let before = try historyCalls(gw)
        r = try await CLI.run(["data", "pull", "--keep-fresh", "--config", config, "--to", Self.to, "--json"], environment: e)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try historyCalls(gw) > before)
        let store = try StoreURL.open(url)
        // From the last stored bar (ESZ13 2013-12-03T23:59Z) on: the rest of ESZ13, then ESH14.
        let fresh = TimeWindow(from: Timestamp(iso8601: "2013-12-03T23:59:00Z")!, to: Timestamp(iso8601: Self.to)!)
        let esh14 = try store.read(SeriesKey(symbol: "ESH14", timeframe: .oneMinute), fresh)
        #expect(Self.bars(esh14) == Self.bars(try Self.tape("ESH14").slice(from: Self.roll.adding(seconds: -86_400), to: fresh.to)))
        // Daily bars of the continuous series: the trade days' minute bars, resampled by the CME trade day.
        let daily = try store.read(SeriesKey(symbol: "ES", timeframe: .oneDay), TimeWindow(from: .distantPast, to: .distantFuture))
        let minutes = try store.read(SeriesKey(symbol: "ES", timeframe: .oneMinute), TimeWindow(from: .distantPast, to: .distantFuture))
        let rebuilt = try minutes.resampled(to: .oneDay)
        #expect(!daily.isEmpty && daily.bars == rebuilt.bars.filter { $0.time >= daily.first!.time }, "\(daily.count) daily bars stored")
        #expect(daily.bars.contains { $0.time == Timestamp(iso8601: "2013-12-17T23:00:00Z")! }, "the 2013-12-18 trade day opens at 17:00 CT the day before")

        // Fresh now: a second run asks the history endpoint nothing.
        let again = try historyCalls(gw)
        r = try await CLI.run(["data", "pull", "--keep-fresh", "--config", config, "--to", Self.to], environment: e)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try historyCalls(gw) == again, "\(r.stdout)")
    }
}
