import Trading
import Backtest
import Data
import Foundation
import Reports
import Testing
import TSXLabTesting

@Suite("The HTML report: self-contained, escaped, and rendered by a real browser")
struct HTMLReportTests {
    @Test("one file with no external resource: no URL, link, iframe, font or remote script; a policy forbids fetching")
    func selfContained() throws {
        let html = RunHTML.render(Fixtures.synthetic(trades: 300, days: 30))
        for banned in ["http://", "https://", "<link", "<iframe", "<img", "@import", "url(", "src=", "@font-face", "<object", "<embed"] {
            #expect(!html.contains(banned), "found \(banned)")
        }
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none'"))
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<meta name=\"viewport\""))
        for chart in ["equity", "drawdown", "daily", "histogram"] { #expect(html.contains("data-chart=\"\(chart)\"")) }
        for section in ["headline", "equity", "daily", "monthly", "distribution", "trades", "breaches", "configuration"] {
            #expect(html.contains("<section id=\"\(section)\">"))
        }
    }

    @Test("run text is escaped in the page and in the embedded table data")
    func escaping() {
        let evil = "<script>alert('x')</script>"
        let html = RunHTML.render(Fixtures.synthetic(trades: 40, days: 5, strategy: evil, exitReason: "</script><b>"))
        #expect(!html.contains(evil) && !html.contains("</script><b>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("\\u003cscript\\u003ealert('x')\\u003c/script\\u003e"))
        // Exactly one script element runs (the table's), plus the JSON data block.
        #expect(html.components(separatedBy: "<script>").count == 2)
        #expect(html.components(separatedBy: "<script type=\"application/json\"").count == 2)
    }

    @Test("the charts have axes: tick labels in dollars and trade dates, the daily loss limit drawn")
    func axes() {
        let r = Fixtures.engineRun()
        let html = RunHTML.render(r)
        #expect(html.contains(">$50,000<") || html.contains(">$50,100<"))
        #expect(html.contains(">Mar 5<") || html.contains(">Mar 6<"))
        #expect(html.contains("daily loss limit -$1,000.00"))
        #expect(html.contains("class=\"y-axis\"") && html.contains("class=\"x-axis\""))
        // The monthly table shows the month's return and dollars.
        #expect(html.contains(Fmt.usd(r.netPnL)))
    }

    @Test("a run without trades still renders every section")
    func noTrades() {
        let start = Money(cents: 50_000_00)
        let d = TradeDate(year: 2024, month: 1, day: 2)
        let eq = [EquityPoint(time: ZoneRules.newYork.utc(fromLocal: d.at(hour: 17, minute: 0)), tradeDate: d, balance: start, equity: start)]
        let r = RunReport(summary: Fixtures.summary(trades: [], equity: eq, start: start), configText: "", trades: [], fills: [], equity: eq)
        let html = RunHTML.render(r)
        #expect(html.contains("The run made no trades.") && html.contains("No trades"))
        #expect(html.contains("data-chart=\"equity\""))
    }

    @Test("in headless Chromium: no errors, no requests, charts with size, the summary's numbers, a working table; and on a phone",
          .enabled(if: CLIRun.canRun && Tools.available(Tools.chromium)))
    func browser() async throws {
        let chromium = try Tools.require(Tools.chromium, "chromium")
        let run = try await CLIRun.get()
        let html = try await run.report("html", label: "html")
        #expect(html.hasSuffix("/report.html"))
        let (p, log) = try await Browser.probe(chromium, html: html, width: 1280, height: 900)
        #expect(p.errors.isEmpty, "\(p.errors)")
        #expect(!log.contains("Uncaught") && !log.contains("Refused to"), "\(log.suffix(2000))")
        #expect(p.resources == 0, "the page fetched \(p.resources) resources")
        #expect(Set(p.svgs.map(\.chart)) == ["equity", "drawdown", "daily", "histogram"])
        for s in p.svgs { #expect(s.width > 300 && s.height > 80, "\(s.chart) is \(s.width)×\(s.height)") }
        // The figures shown are the run's.
        let s = run.summary
        #expect(parseUSD(p.stats["net_pnl"] ?? "") == Double(s.netPnlUsd))
        #expect(parseUSD(p.stats["ending_balance"] ?? "") == Double(s.endingBalanceUsd))
        #expect(parseUSD(p.stats["fees"] ?? "") == Double(s.feesUsd))
        #expect(p.stats["trades"] == String(s.trades))
        #expect(p.stats["win_rate"] == String(format: "%.1f%%", s.winRate * 100))
        #expect(p.stats["profit_factor"] == s.profitFactor.map { String(format: "%.2f", $0) })
        #expect(p.stats["sharpe"] == s.sharpe.map { String(format: "%.2f", $0) })
        #expect(p.stats["sortino"] == s.sortino.map { String(format: "%.2f", $0) })
        #expect(abs((parseUSD(p.stats["max_drawdown"] ?? "") ?? 0) + (s.maxDrawdownUsd ?? 0)) < 0.005)
        #expect(abs((parseUSD(p.stats["expectancy"] ?? "") ?? 0) - s.expectancyUsd) < 0.005)
        #expect(p.stats["breaches"] == String(s.ruleBreaches.count))
        // The trades table: first page, sorting by P&L both ways, the next page.
        #expect(p.rows == 25 && p.initialInfo == "Trades 1–25 of \(s.trades)")
        let report = try RunCatalog(store: try StoreURL.open("sqlite:" + run.dir + "/data/tsxlab.sqlite")).load(run.runID)
        let pnls = report.trades.map(\.pnl)
        #expect(p.ascFirst == Fmt.usd(pnls.min()!) && p.descFirst == Fmt.usd(pnls.max()!))
        #expect(p.info == "Trades 26–50 of \(s.trades)")
        // A laptop screenshot, and a phone: nothing wider than the screen outside the scroll boxes.
        let size = try await Browser.screenshot(chromium, html: html, png: run.dir + "/report.png", width: 1280, height: 900)
        #expect(size == (1280, 900))
        let (phone, _) = try await Browser.probe(chromium, html: html, width: 390, height: 844)
        #expect(phone.errors.isEmpty && phone.overflow <= 0, "page \(phone.overflow) px wider than the phone")
        for s in phone.svgs { #expect(s.width > 0 && s.height > 0, "\(s.chart) on a phone is \(s.width)×\(s.height)") }
    }

    @Test("the browser probe does catch a failing script (a control for the test above)", .enabled(if: Tools.available(Tools.chromium)))
    func probeControl() async throws {
        let chromium = try Tools.require(Tools.chromium, "chromium")
        let dir = TestEnvironment.temporaryDirectory("report-probe")
        let path = try ReportWriter().write(Fixtures.engineRun(), format: .html, to: dir)
        let (p, _) = try await Browser.probe(chromium, html: path, width: 1280, height: 900, inject: "<script>undefinedFunction()</script>")
        #expect(p.errors.contains { $0.contains("undefinedFunction") }, "\(p.errors)")
        #expect(p.rows == 3 && p.svgs.count == 4)
    }
}
