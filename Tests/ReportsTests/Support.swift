import Backtest
import Data
import Foundation
import Reports
import Testing
import Trading
import TSXLabTesting

let esSpec = try! ContractRegistry.builtIn.spec(for: "ES")

/// External programs the report tests drive: Python (csv, nbformat, pandas), Jupyter and headless
/// Chromium. `scripts/test.sh` installs them; under CI (`CI=true`) a test that needs one never skips,
/// it fails naming what is missing.
enum Tools {
    typealias Output = Subprocess.Output

    static func run(_ executable: String, _ args: [String], cwd: String? = nil, environment: [String: String]? = nil,
                    input: String? = nil, timeout: Double = 300) async throws -> Output {
        try await Subprocess.run(executable, args, cwd: cwd, environment: environment, input: input, timeout: timeout)
    }

    /// `run` on the calling thread, for the one-time probes below (a static is set up synchronously).
    static func runBlocking(_ executable: String, _ args: [String]) throws -> Output {
        try Subprocess.runBlocking(executable, args)
    }

    static func executable(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// Any Python 3 (the standard library's csv module is all the CSV tests need).
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["TSXLAB_PYTHON"] ?? "", venvPython, "/usr/bin/python3", "/usr/local/bin/python3"]
        return candidates.first { !$0.isEmpty && executable($0) }
    }()

    /// The virtual environment `scripts/test.sh` makes for pandas, matplotlib, nbformat and nbconvert.
    static let venvPython = TestEnvironment.packageRoot + "/.build-venv/bin/python"

    /// A Python that imports pandas, matplotlib and nbformat, or nil.
    static let notebookPython: String? = {
        let candidates = [ProcessInfo.processInfo.environment["TSXLAB_PYTHON"] ?? "", venvPython, "/usr/bin/python3"]
        return candidates.first { c in
            !c.isEmpty && executable(c) && ((try? runBlocking(c, ["-c", "import pandas, matplotlib, nbformat"]))?.status == 0)
        }
    }()

    /// `jupyter` beside the notebook Python, when nbconvert and a kernel are installed there.
    static let jupyter: String? = {
        guard let py = notebookPython else { return nil }
        let j = URL(fileURLWithPath: py).deletingLastPathComponent().appendingPathComponent("jupyter").path
        guard executable(j), (try? runBlocking(py, ["-c", "import nbconvert, ipykernel"]))?.status == 0 else { return nil }
        return j
    }()

    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first(where: executable)

    /// Whether a test that needs `tool` runs: when it is there, and always under CI.
    static func available(_ tool: String?) -> Bool { tool != nil || TestEnvironment.isCI }

    static func require(_ tool: String?, _ what: String) throws -> String {
        guard let tool else {
            Issue.record("\(what) is not installed: scripts/test.sh installs it (CI=true never skips this test)")
            throw CancellationError()
        }
        return tool
    }
}

/// One real backtest run through the built executable, shared by the tests that need it: the
/// shared ES sample imported into a fresh SQLite store and the mean-reversion strategy run under
/// a TopStepX 50K Combine's rules (103 trades, two rule breaches, one day at the daily loss
/// limit). A fake API key sits in the environment of every command.
struct CLIRun: Sendable {
    static let dataset = "ES_1m_2023-09-24_2023-10-09.csv.gz"
    static let secret = "sk-test-4f9c2a7e1b8d6035aa17c9e2"
    static let token = "tok-test-8e1d2c3b4a596877f0e1"

    let dir: String
    let environment: [String: String]
    let summary: RunSummary

    var runID: String { summary.runId }

    /// Made once, by whichever test asks first; the others wait for it without holding a thread.
    static let shared = Task { () throws(TestFailure) -> CLIRun in
        do { return try await make() } catch { throw TestFailure("\(error)") }
    }

    static var canRun: Bool { SharedData.exists(dataset) || TestEnvironment.isCI }

    static func get() async throws -> CLIRun { try await shared.value }

    static func make() async throws -> CLIRun {
        let dir = TestEnvironment.temporaryDirectory("report-cli")
        let env = ["TSXLAB_DATA_DIR": dir + "/data", "TOPSTEPX_API_KEY": secret, "PROJECTX_TOKEN": token]
        // A .env in the working folder counts as environment for `tsxlab backtest` too.
        try "TOPSTEPX_API_KEY=\(secret)\nTOPSTEPX_USERNAME=trader@example.com\n".write(toFile: dir + "/.env", atomically: true, encoding: .utf8)
        var r = try await tsx(["data", "import", TestEnvironment.sharedDataset(dataset), "--symbol", "ES", "--timeframe", "1m"], dir: dir, env: env)
        guard r.status == 0 else { throw TestFailure("import failed: \(r.stderr)") }
        r = try await tsx(["backtest", "--strategy", "mean_reversion", "--rules", "topstep-50k", "--symbol", "ES", "--timeframe", "1m", "--json"], dir: dir, env: env)
        guard r.status == 0 else { throw TestFailure("backtest failed: \(r.stderr)") }
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(r.stdout.utf8))
        return CLIRun(dir: dir, environment: env, summary: summary)
    }

    /// Runs `tsxlab` in `dir` with `env` on top of a minimal environment.
    static func tsx(_ args: [String], dir: String, env: [String: String]) async throws -> Tools.Output {
        var e = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        for (k, v) in env { e[k] = v }
        return try await Tools.run(CLI.binary, args, cwd: dir, environment: e)
    }

    func tsx(_ args: [String], extra: [String: String] = [:]) async throws -> Tools.Output {
        try await Self.tsx(args, dir: dir, env: environment.merging(extra) { $1 })
    }

    /// Writes a report of the run in `format` into a fresh folder and returns the printed path.
    func report(_ format: String, label: String) async throws -> String {
        let out = dir + "/\(label)-\(UUID().uuidString.prefix(6))"
        let r = try await tsx(["report", runID, "--format", format, "--out", out])
        guard r.status == 0 else { throw TestFailure("report --format \(format) failed (\(r.status)): \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs made in memory, for tests that need exact control.
enum Fixtures {
    /// Three trade dates of hand-built ES bars: a long win, a short loss and a long win, one a day,
    /// under a 50K Combine's rules.
    static func engineRun(strategyName: String = "scripted") -> RunReport {
        let (summary, result, config) = engineResult(strategyName: strategyName)
        return RunReport(summary: summary, result: result, configText: config, spec: { _ in esSpec })
    }

    /// The bars behind `engineRun`: three one-minute bars on each of three days.
    static func engineBars() -> BarSeries {
        var b = BarBuilder()
        // Day 1 (Tue 2019-03-05): buy at 2500.00, sell at 2504.00.
        b.bar(10000, 10002, 9999, 10001); b.bar(10001, 10016, 10000, 10015); b.bar(10016, 10017, 10014, 10016)
        b.skip(seconds: 86_400 - 180)
        // Day 2: short at 2504.00, cover at 2506.00.
        b.bar(10016, 10017, 10015, 10016); b.bar(10016, 10025, 10015, 10024); b.bar(10024, 10025, 10023, 10024)
        b.skip(seconds: 86_400 - 180)
        // Day 3: buy at 2506.00, sell at 2509.00.
        b.bar(10024, 10025, 10023, 10024); b.bar(10024, 10037, 10023, 10036); b.bar(10036, 10037, 10035, 10036)
        return b.series
    }

    /// The run behind `engineRun`, as the engine produced it, with its chart levels recorded: a
    /// buy limit at 2497.50 rests on day 1 from the first bar's close until the day's orders expire.
    static func engineResult(strategyName: String = "scripted") -> (RunSummary, BacktestResult, String) {
        let series = engineBars()
        let st = ScriptedStrategy(name: strategyName)
        st.at(0) { $0.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .limit(Price(ticks: 9990)))) }
        st.at(0) { $0.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market)) }
        st.at(1) { $0.place(OrderRequest(symbol: "ES", side: .sell, quantity: 1, kind: .market, purpose: .exit("signal"))) }
        st.at(3) { $0.place(OrderRequest(symbol: "ES", side: .sell, quantity: 2, kind: .market)) }
        st.at(4) { $0.place(OrderRequest(symbol: "ES", side: .buy, quantity: 2, kind: .market, purpose: .exit("signal"))) }
        st.at(6) { $0.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market)) }
        st.at(7) { $0.place(OrderRequest(symbol: "ES", side: .sell, quantity: 1, kind: .market, purpose: .exit("signal"))) }
        let rules = RiskRules.topstepCombine(50)!
        let ex = SimulatedExchange(instruments: [Instrument(spec: esSpec)], rules: rules)
        let engine = BacktestEngine(exchange: ex, strategies: [st])
        engine.recordChartLevels = true
        let result = engine.run(series)
        let summary = RunSummary.make(runId: "20190305-000000-fixture", result: result, strategies: [strategyName], series: series,
                                      rules: rules, configHash: "feed", now: Date(timeIntervalSince1970: 1_551_800_000))
        let config = "account.rules=TopStepX 50K Combine\naccount.starting_balance=50000.00\naccount.daily_loss_limit=1000.00\ndata.symbol=ES\n"
        return (summary, result, config)
    }

    /// A summary decoded from JSON with the fields a report reads (`RunSummary`'s memberwise
    /// initialiser is internal to Backtest).
    static func summary(runId: String = "synthetic", trades: [ReportTrade], equity: [EquityPoint], start: Money,
                        breaches: [(String, String, String)] = [], rules: String = "TopStepX 50K Combine") -> RunSummary {
        let net = trades.reduce(Money.zero) { $0 + $1.pnl }
        let fees = trades.reduce(Money.zero) { $0 + $1.fees }
        let wins = trades.filter { $0.pnl.cents > 0 }.count
        let object: [String: Any] = [
            "runId": runId, "createdAt": "2026-11-25T12:00:00Z", "strategies": ["synthetic"], "symbol": "ES", "timeframe": "1m",
            "dataFrom": equity.first.map { Timestamp(seconds: $0.time.seconds - 86_400).iso8601 } ?? "2024-01-01T00:00:00Z",
            "dataTo": equity.last?.time.iso8601 ?? "2024-01-02T00:00:00Z", "bars": 1000, "trades": trades.count,
            "longs": trades.filter { $0.side == "long" }.count, "shorts": trades.filter { $0.side == "short" }.count,
            "wins": wins, "winRate": trades.isEmpty ? 0 : Double(wins) / Double(trades.count), "netPnlUsd": net.description,
            "grossProfitUsd": 0, "grossLossUsd": 0, "feesUsd": fees.description, "expectancyUsd": trades.isEmpty ? 0 : net.dollars / Double(trades.count),
            "startingBalanceUsd": start.description, "endingBalanceUsd": (start + net).description,
            "ruleBreaches": breaches.map { ["rule": $0.0, "time": $0.1, "detail": $0.2] },
            "fillResolution": ["exact": 0, "drillDown": 0, "pathModel": 0], "rules": rules, "configHash": "abc",
            "codeVersion": "0.1.0", "seconds": 0.01,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object)
        return try! JSONDecoder().decode(RunSummary.self, from: data)
    }

    /// `count` trades over `days` weekdays from 2023-12-26 (crossing a year end), with fields that
    /// test CSV and HTML quoting in the strategy and exit-reason text.
    static func synthetic(trades count: Int, days: Int = 40, strategy: String = "synthetic", exitReason: String = "target") -> RunReport {
        var rng = SeededGenerator(seed: 42)
        let start = Money(cents: 50_000_00)
        var dates: [TradeDate] = []
        var d = TradeDate(year: 2023, month: 12, day: 26)
        while dates.count < days {
            if !d.isWeekend { dates.append(d) }
            d = d.adding(days: 1)
        }
        var trades: [ReportTrade] = []
        var equity: [EquityPoint] = []
        var balance = start
        for (k, date) in dates.enumerated() {
            let n = count / days + (k < count % days ? 1 : 0)
            let open = ZoneRules.newYork.utc(fromLocal: date.at(hour: 9, minute: 30)).seconds
            for i in 0..<n {
                let ticks = Int64.random(in: -24...24, using: &rng)
                let fees = Money(cents: 378)
                let pnl = Money(cents: ticks * 1250) - fees
                let entry = Timestamp(seconds: open + Int64(i) * 60)
                trades.append(ReportTrade(
                    seq: trades.count + 1, strategy: strategy, symbol: "ES", side: ticks % 2 == 0 ? "long" : "short", quantity: 1,
                    entryTime: entry, entryPrice: "4700.00", exitTime: entry.adding(seconds: 60),
                    exitPrice: String(4700 + Double(ticks) / 4), exitReason: exitReason, pnl: pnl, fees: fees,
                    maeTicks: Int64.random(in: 0...30, using: &rng), mfeTicks: Int64.random(in: 0...30, using: &rng), tickValue: Money(cents: 1250)))
                balance += pnl
            }
            let close = ZoneRules.newYork.utc(fromLocal: date.at(hour: 17, minute: 0))
            equity.append(EquityPoint(time: close, tradeDate: date, balance: balance, equity: balance))
        }
        let summary = Self.summary(trades: trades, equity: equity, start: start)
        let config = "account.rules=TopStepX 50K Combine\naccount.starting_balance=50000.00\naccount.daily_loss_limit=1000.00\n"
        return RunReport(summary: summary, configText: config, trades: trades, fills: [], equity: equity)
    }
}

/// An RFC 4180 reader (quoted fields with doubled quotes and embedded line breaks), to prove the
/// writer's output reads back to the same fields.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = ""
    var quoted = false, i = text.startIndex
    while i < text.endIndex {
        let c = text[i]
        if quoted {
            if c == "\"" {
                let n = text.index(after: i)
                if n < text.endIndex && text[n] == "\"" { field.append("\""); i = n } else { quoted = false }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(field); field = ""
        } else if c == "\n" || c == "\r\n" {
            row.append(field); field = ""; rows.append(row); row = []
        } else {
            field.append(c)
        }
        i = text.index(after: i)
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

/// Every regular file under a folder.
func filesUnder(_ folder: String) -> [String] {
    let fm = FileManager.default
    guard let e = fm.enumerator(atPath: folder) else { return [] }
    return e.compactMap { $0 as? String }.map { folder + "/" + $0 }.filter {
        var dir: ObjCBool = false
        return fm.fileExists(atPath: $0, isDirectory: &dir) && !dir.boolValue
    }
}

/// Headless Chromium driving a report page: a probe script injected at the top of `<head>` records
/// script errors, console errors and policy violations from the first moment, and after load writes
/// what the page shows (chart sizes, headline figures, the trades table after sorting and paging) as
/// JSON into the DOM, which `--dump-dom` prints.
enum Browser {
    struct Box: Decodable, Sendable { var chart: String; var width: Double; var height: Double }
    struct Probe: Decodable, Sendable {
        var errors: [String]
        var svgs: [Box]
        var stats: [String: String]
        var overflow: Double
        var resources: Int
        var rows: Int?
        var initialInfo: String?
        var ascFirst: String?
        var descFirst: String?
        var info: String?
    }

    /// The probe's first part, shared by every page's probe: script errors, rejected promises,
    /// console errors and policy violations, recorded in `window.__errors` from the first moment.
    static let errorCapture = """
        window.__errors=[];
        window.addEventListener('error',function(e){window.__errors.push('error: '+(e.message||e.type));},true);
        window.addEventListener('unhandledrejection',function(e){window.__errors.push('rejection: '+e.reason);});
        var __ce=console.error;console.error=function(){window.__errors.push('console: '+Array.prototype.join.call(arguments,' '));__ce.apply(console,arguments);};
        document.addEventListener('securitypolicyviolation',function(e){window.__errors.push('csp: '+e.violatedDirective+' '+e.blockedURI);});
        """

    static let probeScript = errorCapture + """
        window.addEventListener('load',function(){setTimeout(function(){
        var out={errors:window.__errors,svgs:[],stats:{},overflow:document.documentElement.scrollWidth-window.innerWidth,
        resources:performance.getEntriesByType('resource').length};
        document.querySelectorAll('svg.chart').forEach(function(s){var r=s.getBoundingClientRect();
        out.svgs.push({chart:s.getAttribute('data-chart'),width:r.width,height:r.height});});
        document.querySelectorAll('[data-stat]').forEach(function(d){out.stats[d.getAttribute('data-stat')]=d.querySelector('.value').textContent;});
        var t=document.getElementById('trades-table');
        if(t){out.rows=t.tBodies[0].rows.length;out.initialInfo=document.getElementById('trades-info').textContent;
        var th=t.tHead.rows[0].cells[7];th.click();out.ascFirst=t.tBodies[0].rows[0].cells[7].textContent;
        th.click();out.descFirst=t.tBodies[0].rows[0].cells[7].textContent;
        document.getElementById('trades-next').click();out.info=document.getElementById('trades-info').textContent;}
        var pre=document.createElement('pre');pre.id='tsxlab-probe';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);},0);});
        """

    static func flags(width: Int, height: Int, profile: String) -> [String] {
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
         "--user-data-dir=" + profile, "--window-size=\(width),\(height)"]
    }

    /// Opens `html` (a copy with the probe injected) at a window size and returns what the probe saw
    /// and Chromium's stderr (with console logging on).
    static func probe(_ chromium: String, html: String, width: Int, height: Int, inject extra: String = "") async throws -> (Probe, String) {
        let page = try String(contentsOfFile: html, encoding: .utf8)
        guard let head = page.range(of: "<head>") else { throw TestFailure("no <head> in \(html)") }
        let probed = page.replacingCharacters(in: head, with: "<head><script>" + probeScript + "</script>" + extra)
        let copy = html.replacingOccurrences(of: ".html", with: "-probe-\(width).html")
        try probed.write(toFile: copy, atomically: true, encoding: .utf8)
        return try await dump(chromium, "file://" + copy, width: width, height: height)
    }

    /// Loads `target` (a `file://` or `http://` address) in headless Chromium, lets its scripts
    /// run, and decodes the JSON a probe wrote into `<pre id="MARKER">`; also Chromium's stderr
    /// (with console logging on).
    static func dump<P: Decodable>(_ chromium: String, _ target: String, width: Int, height: Int, marker: String = "tsxlab-probe",
                                   budget: Int = 5000) async throws -> (P, String) {
        let profile = TestEnvironment.temporaryDirectory("chromium-profile")
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let out = try await Tools.run(chromium, flags(width: width, height: height, profile: profile)
            + ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=\(budget)", "--dump-dom", target], timeout: TestEnvironment.hangGuard)
        guard out.status == 0 else { throw TestFailure("chromium exited \(out.status): \(out.stderr.suffix(2000))") }
        guard let a = out.stdout.range(of: "<pre id=\"\(marker)\">"),
              let b = out.stdout.range(of: "</pre>", range: a.upperBound..<out.stdout.endIndex) else {
            throw TestFailure("the probe wrote nothing: the page did not finish loading.\n\(out.stderr.suffix(2000))")
        }
        let json = String(out.stdout[a.upperBound..<b.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return (try JSONDecoder().decode(P.self, from: Data(json.utf8)), out.stderr)
    }

    /// Takes a screenshot of a page (a file path, or an `http://` address) after its scripts ran,
    /// and returns the PNG's pixel size.
    static func screenshot(_ chromium: String, html: String, png: String, width: Int, height: Int) async throws -> (Int, Int) {
        let profile = TestEnvironment.temporaryDirectory("chromium-profile")
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let target = html.contains("://") ? html : "file://" + html
        let out = try await Tools.run(chromium, flags(width: width, height: height, profile: profile)
            + ["--virtual-time-budget=5000", "--screenshot=" + png, target], timeout: TestEnvironment.hangGuard)
        guard out.status == 0, let data = FileManager.default.contents(atPath: png), data.count > 24 else {
            throw TestFailure("no screenshot (\(out.status)): \(out.stderr.suffix(2000))")
        }
        let b = [UInt8](data)
        guard b[0] == 0x89, b[1] == 0x50, b[2] == 0x4E, b[3] == 0x47 else { throw TestFailure("\(png) is not a PNG") }
        func be32(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        return (be32(16), be32(20))
    }
}

/// `-$1,234.50` → -1234.50.
func parseUSD(_ text: String) -> Double? {
    Double(text.replacingOccurrences(of: "$", with: "").replacingOccurrences(of: ",", with: ""))
}
