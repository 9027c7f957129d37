import Backtest
import Data
import Foundation
import Reports
import Testing
import TSXLabTesting

/// The report's price chart: the embedded library, the data it is handed, and what headless
/// Chromium shows of a real run.
@Suite("The price chart with trades")
struct PriceChartTests {
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static func label(_ d: TradeDate) -> String { weekdays[d.weekday] + " " + d.description }

    /// The page as rendered for a run with bars, and the library's file.
    static func pageAndLibrary() throws -> (String, String) {
        var r = Fixtures.engineRun()
        r.bars = Fixtures.engineBars()
        let html = RunHTML.render(r)
        let url = try #require(Bundle.allBundles.lazy.compactMap {
            $0.url(forResource: "lightweight-charts.standalone.production", withExtension: "js", subdirectory: "Resources")
        }.first ?? URL(fileURLWithPath: TestEnvironment.packageRoot + "/Sources/Reports/Resources/lightweight-charts.standalone.production.js"))
        return (html, try String(contentsOf: url, encoding: .utf8))
    }

    @Test("the library is embedded whole, once, credited in the footer; the rest of the page still fetches nothing")
    func embedded() throws {
        let (html, library) = try Self.pageAndLibrary()
        #expect(library.hasPrefix("/*!\n * @license\n * TradingView Lightweight Charts™ v4.1.3"))
        #expect(html.components(separatedBy: "<script>" + library + "</script>").count == 2)
        #expect(html.contains("drawn by TradingView Lightweight Charts™ (tradingview.com), Apache License 2.0"))
        let page = html.replacingOccurrences(of: library, with: "")
        for banned in ["http://", "https://", "<link", "<iframe", "<img", "@import", "url(", "src=", "@font-face", "<object", "<embed"] {
            #expect(!page.contains(banned), "found \(banned)")
        }
        #expect(page.contains("<section id=\"chart\">") && page.contains("data-chart=\"price\""))
        // The licence ships beside it.
        let licence = try String(contentsOfFile: TestEnvironment.packageRoot + "/Sources/Reports/Resources/lightweight-charts.LICENSE", encoding: .utf8)
        #expect(licence.contains("Apache License") && licence.contains("Version 2.0, January 2004"))
    }

    @Test("the chart's data: the bars decode to the run's, each trade date is its bars, the levels are the run's")
    func data() throws {
        var r = Fixtures.engineRun()
        let bars = Fixtures.engineBars()
        r.bars = bars
        let html = RunHTML.render(r)
        let start = try #require(html.range(of: "<script type=\"application/json\" id=\"chart-data\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8)) as? [String: Any])
        // Decoding as the page does: times step from t0; open from the previous close; high, low and close from the open.
        let dt = json["dt"] as! [Int64], o = json["o"] as! [Int64], h = json["h"] as! [Int64], l = json["l"] as! [Int64], c = json["c"] as! [Int64]
        var t = json["t0"] as! Int64, close = json["c0"] as! Int64
        for i in 0..<bars.count {
            t += dt[i]
            let open = close + o[i]
            close = open + c[i]
            #expect(t == ZoneRules.newYork.localSeconds(Timestamp(seconds: bars.time[i])))
            #expect([open, open + h[i], open - l[i], close] == [bars.open[i], bars.high[i], bars.low[i], bars.close[i]])
        }
        let days = json["days"] as! [[Any]]
        #expect(days.map { $0[0] as! String } == ["Tue 2019-03-05", "Wed 2019-03-06", "Thu 2019-03-07"])
        #expect(days.map { [$0[1] as! Int, $0[2] as! Int] } == [[0, 3], [3, 6], [6, 9]])
        #expect((json["trades"] as! [[Any]]).map { $0[0] as! Int } == r.trades.map(\.seq))
        let levels = json["levels"] as! [[Any]]
        #expect(levels.count == 1 && levels[0][0] as? String == "entry" && levels[0][4] as? String == "2497.50")
    }

    @Test("a run whose bars the store lacks says so in place of the chart")
    func noBars() {
        let html = RunHTML.render(Fixtures.engineRun())
        #expect(html.contains("The store holds no ES 1m bars for this run&#39;s dates, so the price chart is not drawn."))
        #expect(!html.contains("id=\"chart-data\"") && !html.contains("LightweightCharts"))
    }

    /// What the page shows: read after the chart has drawn, then after a click on a trade row.
    static let probe = Browser.errorCapture + """
        window.addEventListener('load',function(){requestAnimationFrame(function(){requestAnimationFrame(function(){
        var box=document.getElementById('price-chart'),out={};
        out.day=box.getAttribute('data-day');out.markers=box.getAttribute('data-markers');out.info=document.getElementById('pc-info').textContent;
        out.canvases=String(box.querySelectorAll('canvas').length);out.height=String(Math.round(box.getBoundingClientRect().height));
        var rows=document.getElementById('trades-table').tBodies[0].rows,row=rows[rows.length-1];
        out.clicked=row.cells[0].textContent;row.dispatchEvent(new MouseEvent('click',{bubbles:true}));
        out.dayAfter=box.getAttribute('data-day');out.focus=box.getAttribute('data-focus');out.markersAfter=box.getAttribute('data-markers');
        document.getElementById('pc-next').click();out.dayNext=box.getAttribute('data-day');
        out.overflow=String(document.documentElement.scrollWidth-window.innerWidth);
        out.resources=String(performance.getEntriesByType('resource').length);out.errors=window.__errors.join(' | ');
        var pre=document.createElement('pre');pre.id='chart-probe';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);});});});
        """

    static func look(_ chromium: String, html: String, width: Int, height: Int) async throws -> [String: String] {
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let copy = html.replacingOccurrences(of: ".html", with: "-chart-\(width).html")
        try page.replacingOccurrences(of: "<head>", with: "<head><script>" + probe + "</script>").write(toFile: copy, atomically: true, encoding: .utf8)
        let (seen, _): ([String: String], String) = try await Browser.dump(chromium, "file://" + copy, width: width, height: height,
                                                                          marker: "chart-probe", budget: 10000)
        return seen
    }

    @Test("in headless Chromium: the first trade's day with its markers, a click on a trade row moves the chart to it, next day, on a laptop and a phone",
          .enabled(if: CLIRun.canRun && Tools.available(Tools.chromium)))
    func browser() async throws {
        let chromium = try Tools.require(Tools.chromium, "chromium")
        let run = try await CLIRun.get()
        let html = try await run.report("html", label: "chart")
        let report = try RunCatalog(store: try StoreURL.open("sqlite:" + run.dir + "/data/tsxlab.sqlite")).load(run.runID)
        let bars = try #require(report.bars)
        let calendar = SessionCalendar.cmeEquityIndex
        func day(_ t: Timestamp) -> TradeDate { calendar.tradeDate(containing: t) }
        /// Entries and exits drawn on a trade date: each trade's entry on its entry's date, its exit on its exit's.
        func markers(_ d: TradeDate) -> Int { report.trades.filter { day($0.entryTime) == d }.count + report.trades.filter { day($0.exitTime) == d }.count }
        let first = try #require(report.trades.first)
        let last = report.trades[min(report.trades.count, 25) - 1]
        #expect(day(first.entryTime) != day(last.entryTime), "the fixture's 25th trade falls on another day than its first")
        for (width, height) in [(1280, 900), (390, 844)] {
            let p = try await Self.look(chromium, html: html, width: width, height: height)
            #expect(p["errors"] == "" && p["resources"] == "0", "\(p)")
            #expect(Int(p["overflow"] ?? "") ?? 1 <= 0, "page \(p["overflow"] ?? "?") px wider than the window")
            #expect(p["day"] == Self.label(day(first.entryTime)))
            #expect(p["markers"] == String(markers(day(first.entryTime))))
            let barsThatDay = (0..<bars.count).filter { day(Timestamp(seconds: bars.time[$0])) == day(first.entryTime) }.count
            #expect(p["info"]?.hasPrefix("\(barsThatDay) bars, ") == true, "\(p["info"] ?? "")")
            #expect(Int(p["canvases"] ?? "") ?? 0 > 0 && Int(p["height"] ?? "") ?? 0 >= 300)
            #expect(p["clicked"] == String(last.seq) && p["focus"] == String(last.seq))
            #expect(p["dayAfter"] == Self.label(day(last.entryTime)) && p["markersAfter"] == String(markers(day(last.entryTime))))
            #expect(p["dayNext"] == Self.label(calendar.nextTradingDay(after: day(last.entryTime))), "\(p)")
        }
        // The README's picture of the chart, made here by the test command's Chromium.
        let shot = TestEnvironment.packageRoot + "/docs/screenshots/report-chart.png"
        try FileManager.default.createDirectory(atPath: TestEnvironment.packageRoot + "/docs/screenshots", withIntermediateDirectories: true)
        let size = try await Browser.screenshot(chromium, html: html, png: shot, width: 1280, height: 1250)
        #expect(size == (1280, 1250))
    }
}
