import Data
import Foundation
import Reports
import Store
import TSXLabTesting

/// `tsxlab-bench chart`: a stored run of 50,000 trades over a million one-minute bars, its report
/// written, and opened in headless Chromium: time to the chart's first paint, and to show the next
/// trade date (one pan of a day).
///
/// The page is measured from inside: a script placed after the chart's own reads
/// `performance.now()` (milliseconds since navigation began) once the first trade date has been
/// drawn (`takeScreenshot()` renders the chart synchronously), then draws each following date the
/// same way and takes the median. All of it runs before the load event, so `--dump-dom` prints it.
func benchChart() throws {
    let dir = TestEnvironment.temporaryDirectory("tsxlab-bench-chart")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    print("== chart: a stored 50,000-trade run over 1,000,000 one-minute bars, its HTML report in headless Chromium")
    let store = try StoreSchema.open("sqlite:" + dir + "/bench.sqlite")
    let catalog = try RunCatalog(store: store)
    var t0 = monotonicSeconds()
    let runID = try ChartBenchmark.storeRun(bars: 1_000_000, trades: 50_000, into: store)
    line("store the run (bars, trades, levels)", "\(fmt(monotonicSeconds() - t0, 2)) s")
    t0 = monotonicSeconds()
    let report = try catalog.load(runID)
    line("load the run with its bars", "\(fmt((monotonicSeconds() - t0) * 1000, 0)) ms",
         "\(Fmt.grouped(UInt64(report.bars?.count ?? 0))) bars, \(Fmt.grouped(UInt64(report.levels.count))) levels")
    t0 = monotonicSeconds()
    let html = RunHTML.render(report)
    line("render the HTML report", "\(fmt((monotonicSeconds() - t0) * 1000, 0)) ms", "\(fmt(Double(html.utf8.count) / 1_048_576, 1)) MB")
    guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        line("chart in Chromium", "skipped", "no chromium on this machine (apt-get install chromium)")
        return
    }
    let page = dir + "/report.html"
    try html.replacingOccurrences(of: "</body>", with: "<script>" + ChartBenchmark.probe + "</script></body>")
        .write(toFile: page, atomically: true, encoding: .utf8)
    var paints: [Double] = [], pans: [Double] = []
    for k in 0..<3 {
        let m = try ChartBenchmark.measure(chromium: chromium, page: page, profile: dir + "/profile-\(k)")
        paints.append(m.firstPaint); pans.append(m.pan)
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    line("time to the chart's first paint", "\(fmt(median(paints), 0)) ms", "median of 3 page loads (\(paints.map { fmt($0, 0) }.joined(separator: ", ")))")
    line("show the next trade date (pan one day)", "\(fmt(median(pans), 1)) ms", "median of 3 × the median of 20 days")
}

enum ChartBenchmark {
    /// Reads the times inside the page and writes them where `--dump-dom` shows them.
    static let probe = """
        (function(){var box=document.getElementById('price-chart'),c=box&&box.tsxlab,out={};
        if(!c){out.error='no chart';}else{c.chart.takeScreenshot();out.firstPaint=performance.now();
        var t=[],q=c.day();for(var i=0;i<20&&q+1<c.days;i++){q++;var a=performance.now();c.show(q);c.chart.takeScreenshot();t.push(performance.now()-a);}
        t.sort(function(x,y){return x-y;});out.pan=t.length?t[t.length>>1]:0;}
        var pre=document.createElement('pre');pre.id='bench';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);})();
        """

    struct Measurement: Decodable { var firstPaint: Double; var pan: Double }

    static func measure(chromium: String, page: String, profile: String) throws -> Measurement {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
                       "--window-size=1280,900", "--dump-dom", "file://" + page]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let a = text.range(of: "<pre id=\"bench\">"), let b = text.range(of: "</pre>", range: a.upperBound..<text.endIndex) else {
            throw BenchError("chromium printed no measurement (exit \(p.terminationStatus))")
        }
        return try JSONDecoder().decode(Measurement.self, from: Data(text[a.upperBound..<b.lowerBound].utf8))
    }

    /// A random walk of `bars` one-minute bars over whole CME sessions from 2019-01-02, and
    /// `trades` trades spread evenly over its trade dates (entry on a bar, exit ten bars later, a
    /// stop and a target level while each is open), stored through the run tables.
    static func storeRun(bars count: Int, trades: Int, into store: any BarStore) throws -> String {
        let calendar = SessionCalendar.cmeEquityIndex
        var series = BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize("0.25")!)
        series.reserveCapacity(count)
        var g = SeededGenerator(seed: 11)
        var price: Int64 = 10_000
        var day = TradeDate(year: 2019, month: 1, day: 2)
        var dayStarts: [Int] = []
        while series.count < count {
            if let s = calendar.session(for: day) {
                dayStarts.append(series.count)
                var t = s.open.seconds
                while t < s.close.seconds && series.count < count {
                    let o = price, c = max(4, o + Int64(g.next() % 9) - 4)
                    series.append(Bar(t, o, max(o, c) + Int64(g.next() % 3), min(o, c) - Int64(g.next() % 3), c, 100))
                    price = c
                    t += 60
                }
            }
            day = day.adding(days: 1)
        }
        try store.write(series, coverage: nil)
        let spec = try ContractRegistry.builtIn.spec(for: "ES")
        var tradeRows: [RunTradeRow] = [], levels: [RunLevelRow] = [], equity: [RunEquityRow] = []
        let perDay = max(1, trades / dayStarts.count + 1)
        var k = 0
        var balance = Money(cents: 150_000_00)
        for (d, start) in dayStarts.enumerated() {
            let end = d + 1 < dayStarts.count ? dayStarts[d + 1] : series.count
            let step = max(1, (end - start - 12) / perDay)
            var i = start
            while i + 10 < end && k < trades && i < start + perDay * step {
                let long = k % 2 == 0
                let entry = series.close[i], exit = series.close[i + 10]
                let ticks = (exit - entry) * (long ? 1 : -1)
                let pnl = Money(cents: ticks * 1250 - 378)
                balance += pnl
                let tIn = Timestamp(seconds: series.time[i] + 60), tOut = Timestamp(seconds: series.time[i + 10] + 60)
                tradeRows.append(RunTradeRow(strategy: "synthetic", symbol: "ES", side: long ? "long" : "short", quantity: 1,
                                             entryTime: tIn.description, entryPrice: spec.format(Price(ticks: entry)), exitTime: tOut.description,
                                             exitPrice: spec.format(Price(ticks: exit)), exitReason: ticks > 0 ? "target" : "stop",
                                             pnlUsd: pnl.description, feesUsd: "3.78", maeTicks: 4, mfeTicks: 4))
                for (name, offset) in [("stop", -12), ("target", 16)] {
                    let level = entry + Int64(offset) * (long ? 1 : -1)
                    levels.append(RunLevelRow(symbol: "ES", name: name, orderID: Int64(3 * k + (name == "stop" ? 2 : 3)), side: long ? "sell" : "buy",
                                              timeFrom: tIn.description, timeTo: tOut.description, price: spec.format(Price(ticks: level))))
                }
                k += 1
                i += step
            }
            let close = Timestamp(seconds: series.time[end - 1] + 60)
            let td = calendar.tradeDate(containing: Timestamp(seconds: series.time[start]))
            equity.append(RunEquityRow(time: close.description, tradeDate: td.description, balanceUsd: balance.description, equityUsd: balance.description))
        }
        let runID = "bench-chart"
        let summary: [String: Any] = [
            "runId": runID, "createdAt": "2026-01-01T00:00:00Z", "strategies": ["synthetic"], "symbol": "ES", "timeframe": "1m",
            "dataFrom": Timestamp(seconds: series.time[0]).description, "dataTo": Timestamp(seconds: series.time[series.count - 1]).description,
            "bars": series.count, "trades": tradeRows.count, "longs": (tradeRows.count + 1) / 2, "shorts": tradeRows.count / 2, "wins": 0,
            "winRate": 0, "netPnlUsd": (balance - Money(cents: 150_000_00)).description, "grossProfitUsd": 0, "grossLossUsd": 0,
            "feesUsd": "0.00", "expectancyUsd": 0, "startingBalanceUsd": "150000.00", "endingBalanceUsd": balance.description,
            "ruleBreaches": [] as [Any], "fillResolution": ["exact": 2 * tradeRows.count, "drillDown": 0, "pathModel": 0],
            "rules": "TopStepX 150K Combine", "configHash": "bench", "codeVersion": ProductVersion.string, "seconds": 0.1,
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self)
        let run = RunRow(runID: runID, createdAt: "2026-01-01T00:00:00Z", kind: "backtest", configHash: "bench",
                         configText: "account.rules=TopStepX 150K Combine\naccount.starting_balance=150000.00\n",
                         symbol: "ES", timeframe: "1m", dataFrom: Timestamp(seconds: series.time[0]).description,
                         dataTo: Timestamp(seconds: series.time[series.count - 1]).description, codeVersion: ProductVersion.string, summaryJSON: json)
        guard let db = store as? any SQLDatabase else { throw BenchError("the bench store is not SQL") }
        try RunTables(db: db).insert(run, trades: tradeRows, fills: [], equity: equity, performance: [], levels: levels)
        return runID
    }
}
