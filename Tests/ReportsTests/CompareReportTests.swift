import Backtest
import Data
import Foundation
import Reports
import Testing
import Trading
import TSXLabTesting

/// Hand-built runs for the comparison: trades at minutes after 2024-01-02 09:30 ET, one equity
/// point per given trade date.
private enum Hand {
    static let open = Timestamp(iso8601: "2024-01-02T14:30:00Z")!

    static func trade(_ seq: Int, _ side: String, _ quantity: Int64 = 1, at minute: Int64, pnl cents: Int64, symbol: String = "ES",
                      strategy: String = "breakout", exitAfter: Int64 = 20, exitReason: String = "target") -> ReportTrade {
        let entry = open.adding(seconds: minute * 60)
        return ReportTrade(seq: seq, strategy: strategy, symbol: symbol, side: side, quantity: quantity, entryTime: entry, entryPrice: "4700.00",
                           exitTime: entry.adding(seconds: exitAfter * 60), exitPrice: "4701.00", exitReason: exitReason,
                           pnl: Money(cents: cents), fees: Money(cents: 378), maeTicks: 2, mfeTicks: 4, tickValue: Money(cents: 1250))
    }

    static func run(_ id: String, _ trades: [ReportTrade], config: String = "", dates: [TradeDate] = [TradeDate(year: 2024, month: 1, day: 2)]) -> RunReport {
        let start = Money(cents: 50_000_00)
        let net = trades.reduce(Money.zero) { $0 + $1.pnl }
        let equity = dates.enumerated().map { k, d in
            let e = k == dates.count - 1 ? start + net : start
            return EquityPoint(time: ZoneRules.newYork.utc(fromLocal: d.at(hour: 17, minute: 0)), tradeDate: d, balance: e, equity: e)
        }
        return RunReport(summary: Fixtures.summary(runId: id, trades: trades, equity: equity, start: start), configText: config,
                         trades: trades, fills: [], equity: equity)
    }
}

@Suite("CompareReport model: trades only one run took, configuration differences, differences of the headline figures")
struct CompareReportModelTests {
    @Test("a trade matches on symbol, side, size and entry time; exits, P&L and strategy may differ; repeated entries match by count")
    func tradesOnlyInOne() {
        let a = Hand.run("A", [
            Hand.trade(1, "long", at: 0, pnl: 500_00),                          // in B, exited elsewhere
            Hand.trade(2, "short", at: 30, pnl: -250_00),                       // only A
            Hand.trade(3, "long", 2, at: 60, pnl: 240_00),                      // B took it with 1 contract: only A
            Hand.trade(4, "long", at: 90, pnl: 100_00),                         // in B once
            Hand.trade(5, "long", at: 90, pnl: 110_00),                         // the second at the same time: only A
        ])
        let b = Hand.run("B", [
            Hand.trade(1, "long", at: 0, pnl: -120_00, strategy: "renamed", exitAfter: 5, exitReason: "stop"),
            Hand.trade(2, "long", 1, at: 60, pnl: 120_00),                      // only B
            Hand.trade(3, "long", at: 90, pnl: 100_00),
            Hand.trade(4, "long", at: 0, pnl: 75_00, symbol: "NQ"),             // another contract: only B
        ])
        let c = RunComparison([a, b])
        #expect(c.trades.map(\.runID) == ["A", "B"])
        #expect(c.trades[0].onlyHere.map(\.seq) == [2, 3, 5])
        #expect(c.trades[1].onlyHere.map(\.seq) == [2, 4])
        #expect(c.trades.map(\.matched) == [2, 2])
        #expect(c.trades.map(\.total) == [5, 4])
        #expect(c.trades[0].onlyHerePnL == Money(cents: -250_00 + 240_00 + 110_00))
        #expect(c.trades[1].onlyHerePnL == Money(cents: 120_00 + 75_00))
        #expect(c.tradesInEveryRun == 2)
    }

    @Test("with three runs a trade two of them took is no run's own; every run's common trades are counted once")
    func threeRuns() {
        let k1 = { Hand.trade($0, "long", at: 0, pnl: 10_00) }, k2 = { Hand.trade($0, "short", at: 10, pnl: 20_00) }
        let k3 = { Hand.trade($0, "long", at: 20, pnl: 30_00) }, k4 = { Hand.trade($0, "short", at: 40, pnl: -40_00) }
        let c = RunComparison([Hand.run("A", [k1(1), k2(2), k3(3)]), Hand.run("B", [k1(1), k2(2)]), Hand.run("C", [k1(1), k4(2)])])
        #expect(c.trades.map { $0.onlyHere.map(\.seq) } == [[3], [], [2]])
        #expect(c.trades.map(\.matched) == [2, 2, 1])
        #expect(c.tradesInEveryRun == 1)
    }

    @Test("configuration: keys that differ or that one run lacks, in the runs' order; the rest counted; secrets compared masked")
    func configDiff() {
        let a = Hand.run("A", [], config: "account.rules=topstep-50k\nstrategy.fast=10\nstrategy.slow=30\napi_key=first-secret-value\nnote=same\n")
        let b = Hand.run("B", [], config: "account.rules=topstep-50k\nstrategy.fast=5\napi_key=other-secret-value\nnote=same\nstrategy.stop=12\n")
        let c = RunComparison([a, b])
        #expect(c.configDifferences == [
            RunComparison.ConfigDifference(key: "strategy.fast", values: ["10", "5"]),
            RunComparison.ConfigDifference(key: "strategy.slow", values: ["30", nil]),
            RunComparison.ConfigDifference(key: "strategy.stop", values: [nil, "12"]),
        ])
        #expect(c.identicalConfigKeys == 3)
        let same = RunComparison([a, a])
        #expect(same.configDifferences.isEmpty && same.identicalConfigKeys == 5)
    }

    @Test("headline figures per run, and each later run's difference from the first, of the numbers shown")
    func statDifferences() throws {
        let a = Hand.run("A", [Hand.trade(1, "long", at: 0, pnl: 500_00), Hand.trade(2, "short", at: 30, pnl: -250_00), Hand.trade(3, "long", at: 60, pnl: 120_50)])
        let b = Hand.run("B", [Hand.trade(1, "long", at: 0, pnl: 500_00), Hand.trade(2, "short", at: 30, pnl: -300_00)])
        let c = RunComparison([a, b])
        #expect(c.stats.map(\.id) == RunHTML.stats(a, a.tradeStatistics()).map(\.id))
        func row(_ id: String) throws -> RunComparison.StatRow { try #require(c.stats.first { $0.id == id }) }
        #expect(try row("net_pnl").values == ["$370.50", "$200.00"])
        #expect(try row("net_pnl").differences == [RunComparison.Figure(minor: -170_50, decimals: 2, unit: .usd)])
        #expect(try row("net_pnl").differenceText(run: 1) == "-$170.50")
        #expect(try row("ending_balance").differenceText(run: 1) == "-$170.50")
        #expect(try row("trades").differenceText(run: 1) == "-1")
        #expect(try row("win_rate").values == ["66.7%", "50.0%"])
        #expect(try row("win_rate").differenceText(run: 1) == "-16.7 pp")
        #expect(try row("expectancy").differenceText(run: 1) == "-$23.50")
        #expect(try row("fees").differenceText(run: 1) == "-$3.78")
        #expect(try row("fees").better == -1 && row("net_pnl").better == 1)
        // Neither summary has a drawdown or a profit factor: no difference to show.
        #expect(try row("max_drawdown").differenceText(run: 1) == "n/a")
        #expect(try row("streaks").differenceText(run: 1) == "n/a")
        // The reverse order negates every difference.
        let back = RunComparison([b, a])
        #expect(back.stats.first { $0.id == "net_pnl" }?.differenceText(run: 1) == "+$170.50")
    }

    @Test("figures print as signed differences in their unit")
    func figureText() {
        typealias F = RunComparison.Figure
        #expect(F(minor: 123_45, decimals: 2, unit: .usd).differenceText == "+$123.45")
        #expect(F(minor: 0, decimals: 2, unit: .usd).differenceText == "$0.00")
        #expect(F(minor: -5, decimals: 2, unit: .percent).differenceText == "-0.05 pp")
        #expect(F(minor: 27, decimals: 2, unit: .ratio).differenceText == "+0.27")
        #expect(F(minor: -3, decimals: 0, unit: .count).differenceText == "-3")
        #expect(F(-1.25, decimals: 1, unit: .ratio) == F(minor: -13, decimals: 1, unit: .ratio))
        #expect(F(Double.nan, decimals: 2, unit: .ratio) == nil)
    }
}

@Suite("CompareReport page: self-contained, escaped, one line per run over the union of their dates")
struct CompareReportHTMLTests {
    @Test("one file that loads nothing; every section; a row per headline figure with a cell per run and a difference per later run")
    func page() {
        let a = Fixtures.synthetic(trades: 120, days: 20)
        var b = Fixtures.synthetic(trades: 60, days: 30)
        b.summary.runId = "other"
        let html = CompareHTML.render([a, b])
        for banned in ["http://", "https://", "<link", "<iframe", "<img", "@import", "url(", "src=", "@font-face", "<object", "<embed"] {
            #expect(!html.contains(banned), "found \(banned)")
        }
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none'"))
        for section in ["runs", "equity", "statistics", "configuration", "trades"] { #expect(html.contains("<section id=\"\(section)\">")) }
        let stats = RunHTML.stats(a, a.tradeStatistics())
        #expect(html.components(separatedBy: "<tr data-stat=").count - 1 == stats.count)
        #expect(html.components(separatedBy: "class=\"num value\" data-run=\"synthetic\"").count - 1 == stats.count)
        #expect(html.components(separatedBy: "class=\"num value\" data-run=\"other\"").count - 1 == stats.count)
        #expect(html.components(separatedBy: "data-delta-run=\"other\"").count - 1 == stats.count + 1)  // and its header
        #expect(html.contains("data-stat=\"net_pnl\""))
        #expect(html.components(separatedBy: "<g class=\"series\"").count - 1 == 2)
        #expect(html.contains("Δ other vs first run"))
    }

    @Test("run ids, strategies, exit reasons and configuration values are escaped; no script but the page's own")
    func escaping() {
        let evil = "<script>alert('x')</script>"
        let a = Hand.run("<b>run&1</b>", [Hand.trade(1, "long", at: 0, pnl: 10_00, strategy: evil)], config: "note=<img src=x>\n")
        let b = Hand.run("B\"", [Hand.trade(1, "short", at: 5, pnl: 10_00, exitReason: "</script><b>")], config: "note=plain\n")
        let html = CompareHTML.render([a, b])
        #expect(!html.contains(evil) && !html.contains("</script><b>") && !html.contains("<img src=x>") && !html.contains("<b>run&1</b>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("data-run=\"&lt;b&gt;run&amp;1&lt;/b&gt;\"") && html.contains("data-run=\"B&quot;\""))
        #expect(html.contains("&lt;img src=x&gt;"))
        // The shared trades-table script (idle here) and the legend's.
        #expect(html.components(separatedBy: "<script>").count == 3)
    }

    @Test("the equity chart's date axis spans every run's trade dates, one line per run")
    func unionOfDates() {
        let jan = (2...4).map { TradeDate(year: 2024, month: 1, day: $0) }
        let feb = (1...5).map { TradeDate(year: 2024, month: 2, day: $0) }
        let chart = SVGChart.equityOverlay([
            SVGChart.EquitySeries(label: "jan", days: jan.map(\.dayNumber), equity: [50_000, 50_100, 50_050]),
            SVGChart.EquitySeries(label: "feb", days: feb.map(\.dayNumber), equity: [50_000, 49_900, 49_950, 50_200, 50_300]),
        ], start: 50_000)
        #expect(chart.contains(">Jan 8<") && chart.contains(">Feb 5<"), "\(chart)")
        #expect(chart.contains("data-run=\"jan\"") && chart.contains("data-run=\"feb\""))
        #expect(chart.contains("class=\"start-balance\"") && chart.contains("class=\"y-axis\""))
        #expect(SVGChart.equityOverlay([], start: nil).contains("No equity points"))
    }

    @Test("one run or none still renders; one run has no difference columns")
    func fewRuns() {
        let one = CompareHTML.render([Fixtures.engineRun()])
        #expect(one.contains("data-stat=\"net_pnl\"") && !one.contains("data-delta-run"))
        #expect(CompareHTML.render([]).contains("0 runs compared"))
    }

    @Test("secret environment values are scrubbed from the written page")
    func scrubbed() throws {
        let secret = "sk-compare-5b7e1c9d2a"
        let a = Hand.run("A", [], config: "note=\(secret)\n"), b = Hand.run("B", [], config: "note=x\n")
        let dir = TestEnvironment.temporaryDirectory("compare-scrub")
        let path = try ReportWriter(scrubber: SecretScrubber(environment: ["TOPSTEPX_API_KEY": secret])).writeComparison([a, b], to: dir + "/out")
        #expect(path == dir + "/out/report.html")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(secret) && text.contains(">***<"))
        #expect(ReportWriter.comparisonFolder(runIDs: ["a", "b"]) == "reports/compare-a-b")
        let many = (1...12).map { "20261125-120007-4147499\($0)" }
        #expect(ReportWriter.comparisonFolder(runIDs: many) == "reports/compare-\(many[0])-\(many[1])-and-10-more")
    }
}

/// Two real backtests of the shipped ES sample (the sma-bracket strategy with a 20-tick and a
/// 12-tick stop) in a store of their own, made once for the tests below.
private struct CompareRuns: Sendable {
    let dir: String
    let env: [String: String]
    let first: RunSummary
    let second: RunSummary

    static let shared = Task { () throws(TestFailure) -> CompareRuns in
        do { return try await make() } catch { throw TestFailure("\(error)") }
    }

    static func make() async throws -> CompareRuns {
        let dir = TestEnvironment.temporaryDirectory("compare-cli")
        let env = ["TSXLAB_DATA_DIR": dir + "/data", "TOPSTEPX_API_KEY": CLIRun.secret]
        let r = try await CLIRun.tsx(["data", "import", TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), "--symbol", "ES", "--timeframe", "1m"], dir: dir, env: env)
        guard r.status == 0 else { throw TestFailure("import failed: \(r.stderr)") }
        func backtest(stop: Int) async throws -> RunSummary {
            let r = try await CLIRun.tsx(["backtest", "--strategy", "sma-bracket", "--param", "fast=10", "--param", "slow=30", "--param", "stop_ticks=\(stop)",
                                          "--param", "target_ticks=40", "--symbol", "ES", "--timeframe", "1m", "--json"], dir: dir, env: env)
            guard r.status == 0 else { throw TestFailure("backtest failed: \(r.stderr)") }
            return try JSONDecoder().decode(RunSummary.self, from: Data(r.stdout.utf8))
        }
        let first = try await backtest(stop: 20)
        let second = try await backtest(stop: 12)
        return CompareRuns(dir: dir, env: env, first: first, second: second)
    }

    /// `tsxlab` in `cwd` (default: the runs' folder) over the runs' store.
    func tsx(_ args: [String], cwd: String? = nil) async throws -> Tools.Output {
        try await CLIRun.tsx(args, dir: cwd ?? dir, env: env)
    }
}

/// What the comparison page shows, read in the browser after load.
private struct CompareProbe: Decodable, Sendable {
    /// stat id → run id → the value cell's text.
    var values: [String: [String: String]]
    /// stat id → later run id → the difference cell's text.
    var deltas: [String: [String: String]]
    /// run id → [trades, matched in another run, only in this run].
    var overlap: [String: [String]]
    var pressed: String?
    var visibility: String?
}

private enum CompareBrowser {
    static let script = """
        window.addEventListener('load',function(){setTimeout(function(){
        var out={values:{},deltas:{},overlap:{}};
        document.querySelectorAll('tr[data-stat]').forEach(function(tr){var v={},d={};
        tr.querySelectorAll('td[data-run]').forEach(function(td){v[td.getAttribute('data-run')]=td.textContent;});
        tr.querySelectorAll('td[data-delta-run]').forEach(function(td){d[td.getAttribute('data-delta-run')]=td.textContent;});
        out.values[tr.getAttribute('data-stat')]=v;out.deltas[tr.getAttribute('data-stat')]=d;});
        document.querySelectorAll('table.overlap tr[data-run]').forEach(function(tr){
        out.overlap[tr.getAttribute('data-run')]=['total','matched','only'].map(function(k){return tr.querySelector('[data-count='+k+']').textContent;});});
        var b=document.querySelector('.legend button[data-toggle="0"]');
        if(b){b.click();out.pressed=b.getAttribute('aria-pressed');
        var g=document.querySelector('svg[data-chart="equity-compare"] g.series[data-index="0"]');out.visibility=g&&g.getAttribute('visibility');}
        var pre=document.createElement('pre');pre.id='compare-probe';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);},0);});
        """

    /// `Browser.probe`'s checks and this page's own reading, in one load of a probed copy.
    static func probe(_ chromium: String, html: String, width: Int, height: Int) async throws -> (Browser.Probe, CompareProbe, String) {
        let page = try String(contentsOfFile: html, encoding: .utf8)
        guard let head = page.range(of: "<head>") else { throw TestFailure("no <head> in \(html)") }
        let probed = page.replacingCharacters(in: head, with: "<head><script>" + Browser.probeScript + "</script><script>" + script + "</script>")
        let copy = html.replacingOccurrences(of: ".html", with: "-compare-probe-\(width).html")
        try probed.write(toFile: copy, atomically: true, encoding: .utf8)
        let profile = TestEnvironment.temporaryDirectory("chromium-profile")
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let out = try await Tools.run(chromium, Browser.flags(width: width, height: height, profile: profile)
            + ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", "file://" + copy], timeout: 90)
        guard out.status == 0 else { throw TestFailure("chromium exited \(out.status): \(out.stderr.suffix(2000))") }
        func read<T: Decodable>(_ id: String, as: T.Type) throws -> T {
            guard let a = out.stdout.range(of: "<pre id=\"\(id)\">"),
                  let b = out.stdout.range(of: "</pre>", range: a.upperBound..<out.stdout.endIndex) else {
                throw TestFailure("the probe \(id) wrote nothing: the page did not finish loading.\n\(out.stderr.suffix(2000))")
            }
            let json = String(out.stdout[a.upperBound..<b.lowerBound])
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
            return try JSONDecoder().decode(T.self, from: Data(json.utf8))
        }
        return (try read("tsxlab-probe", as: Browser.Probe.self), try read("compare-probe", as: CompareProbe.self), out.stderr)
    }
}

@Suite("CompareReport command: tsxlab report RUN_A RUN_B")
struct CompareReportCLITests {
    /// The package root, from this file's place in it (Tests/ReportsTests/…).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test("two backtests side by side in headless Chromium: each run's net P&L as its --json summary says, the differences, the trades; no error, no request; a phone without sideways scrolling",
          .enabled(if: Tools.available(Tools.chromium)))
    func browser() async throws {
        let chromium = try Tools.require(Tools.chromium, "chromium")
        let runs = try await CompareRuns.shared.value
        let (a, b) = (runs.first, runs.second)
        let r = try await runs.tsx(["report", a.runId, b.runId])
        #expect(r.status == 0, "\(r.stderr)")
        let html = URL(fileURLWithPath: runs.dir + "/reports/compare-\(a.runId)-\(b.runId)/report.html").standardizedFileURL.path
        #expect(r.stdout == html + "\n")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(!text.contains(CLIRun.secret))

        let (p, c, log) = try await CompareBrowser.probe(chromium, html: html, width: 1280, height: 900)
        #expect(p.errors.isEmpty, "\(p.errors)")
        #expect(!log.contains("Uncaught") && !log.contains("Refused to"), "\(log.suffix(2000))")
        #expect(p.resources == 0, "the page fetched \(p.resources) resources")
        #expect(p.svgs.map(\.chart) == ["equity-compare"])
        for s in p.svgs { #expect(s.width > 300 && s.height > 80, "\(s.chart) is \(s.width)×\(s.height)") }
        // Each run's net P&L exactly as its summary, and the difference of the two.
        let netA = try #require(Money(a.netPnlUsd)), netB = try #require(Money(b.netPnlUsd))
        #expect(c.values["net_pnl"]?[a.runId].flatMap(parseUSD) == Double(a.netPnlUsd))
        #expect(c.values["net_pnl"]?[b.runId].flatMap(parseUSD) == Double(b.netPnlUsd))
        #expect(c.values["net_pnl"] == [a.runId: Fmt.usd(netA), b.runId: Fmt.usd(netB)])
        let diff = netB - netA
        #expect(c.deltas["net_pnl"] == [b.runId: (diff.cents > 0 ? "+" : "") + Fmt.usd(diff)])
        // Every difference shown is the difference of the two figures shown beside it.
        func number(_ text: String) -> Double? {
            Double(text.replacingOccurrences(of: "$", with: "").replacingOccurrences(of: ",", with: "")
                .replacingOccurrences(of: " pp", with: "").replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "+", with: ""))
        }
        var checked = 0
        for (stat, values) in c.values {
            guard let va = values[a.runId].flatMap(number), let vb = values[b.runId].flatMap(number) else { continue }
            let d = try #require(c.deltas[stat]?[b.runId].flatMap(number), "\(stat): \(c.deltas[stat] ?? [:])")
            #expect(abs(d - (vb - va)) < 1e-9, "\(stat): \(values) → \(d)")
            checked += 1
        }
        #expect(checked >= 12, "\(c.values)")
        #expect(c.values["trades"] == [a.runId: String(a.trades), b.runId: String(b.trades)])
        #expect(c.deltas["trades"] == [b.runId: (b.trades > a.trades ? "+" : "") + String(b.trades - a.trades)])
        // The trades each run took alone, as the model counts them from the stored runs.
        let catalog = try RunCatalog(store: try StoreURL.open("sqlite:" + runs.dir + "/data/tsxlab.sqlite"))
        let model = RunComparison([try catalog.load(a.runId), try catalog.load(b.runId)])
        for o in model.trades {
            #expect(c.overlap[o.runID] == [String(o.total), String(o.matched), String(o.onlyHere.count)])
        }
        #expect(model.trades.allSatisfy { $0.matched > 0 && !$0.onlyHere.isEmpty }, "the two stops should share some trades and not others")
        #expect(model.configDifferences.map(\.key) == ["strategy.sma_bracket.stop_ticks"])
        // The legend hides a run's line.
        #expect(c.pressed == "false" && c.visibility == "hidden")

        // A phone: nothing wider than the screen outside the scroll boxes.
        let (phone, _, _) = try await CompareBrowser.probe(chromium, html: html, width: 390, height: 844)
        #expect(phone.errors.isEmpty && phone.overflow <= 0, "page \(phone.overflow) px wider than the phone")
        for s in phone.svgs { #expect(s.width > 0 && s.height > 0, "\(s.chart) on a phone is \(s.width)×\(s.height)") }

        // The screenshot in the documentation (docs/backtesting.md).
        try FileManager.default.createDirectory(atPath: Self.packageRoot + "/docs/screenshots", withIntermediateDirectories: true)
        let size = try await Browser.screenshot(chromium, html: html, png: Self.packageRoot + "/docs/screenshots/compare.png", width: 1280, height: 900)
        #expect(size == (1280, 900))
    }

    @Test("csv or notebook with several runs is a usage error (64) and writes nothing")
    func formatRefused() async throws {
        let runs = try await CompareRuns.shared.value
        for format in ["csv", "notebook"] {
            let cwd = TestEnvironment.temporaryDirectory("compare-refused")
            let r = try await runs.tsx(["report", runs.first.runId, runs.second.runId, "--format", format], cwd: cwd)
            #expect(r.status == 64, "\(r.stderr)")
            #expect(r.stderr.contains("--format \(format) takes one run; 2 runs are compared on one HTML page"), "\(r.stderr)")
            #expect(r.stdout.isEmpty && filesUnder(cwd).isEmpty, "\(filesUnder(cwd))")
            let out = cwd + "/out"
            let o = try await runs.tsx(["report", "latest", runs.first.runId, "--format", format, "--out", out], cwd: cwd)
            #expect(o.status == 64 && !FileManager.default.fileExists(atPath: out))
        }
    }

    @Test("an unknown id among several names it and lists the newest runs; nothing written")
    func unknown() async throws {
        let runs = try await CompareRuns.shared.value
        let cwd = TestEnvironment.temporaryDirectory("compare-unknown")
        let r = try await runs.tsx(["report", runs.first.runId, "20200101-000000-deadbeef"], cwd: cwd)
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("no run '20200101-000000-deadbeef'") && r.stderr.contains(runs.second.runId), "\(r.stderr)")
        #expect(r.stdout.isEmpty && filesUnder(cwd).isEmpty)
    }

    @Test("`latest` counts among the ids, and --out chooses the folder")
    func latestAndOut() async throws {
        let runs = try await CompareRuns.shared.value
        let out = runs.dir + "/mine-\(UUID().uuidString.prefix(6))"
        let r = try await runs.tsx(["report", runs.first.runId, "latest", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == URL(fileURLWithPath: out + "/report.html").standardizedFileURL.path + "\n")
        // Both runs were made in the same second: `latest` is whichever the store lists first.
        let latest = try #require(try RunCatalog(store: try StoreURL.open("sqlite:" + runs.dir + "/data/tsxlab.sqlite")).newest(1).first?.runID)
        let text = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(text.contains("data-delta-run=\"\(latest)\"") && text.contains("data-run=\"\(runs.first.runId)\""))
    }
}
