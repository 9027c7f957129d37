import Backtest
import Data
import Foundation
import Indicators
import Jobs
import Reports
import Store
import Testing
import Trading
import TSXLabTesting

/// Trades two symbols on a fixed plan: after a symbol's bar `i` closes (counted per symbol), a
/// market order of one contract, which fills at that symbol's next open.
final class TwoSymbolPlan: Strategy {
    let name = "pair"
    let symbols = ["MES", "MNQ"]
    let plan: [String: [Int: OrderSide]]
    private var seen: [String: Int] = [:]

    init(_ plan: [String: [Int: OrderSide]]) { self.plan = plan }

    func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        let i = seen[symbol, default: 0]
        seen[symbol] = i + 1
        if let side = plan[symbol]?[i] { _ = broker.place(OrderRequest(symbol: symbol, side: side, quantity: 1, kind: .market)) }
    }
}

/// A run on MES and MNQ on one $50,000 account, driven bar by bar through a `TradingSession` over
/// the simulated exchange (both symbols' bars of a minute, MES first), four trade dates of three
/// one-minute bars each from Tue 2019-03-05 14:30Z, the last without a trade. Fees: MES $0.50 a
/// side, MNQ $0.25.
///
/// | date       | MES (tick $1.25)                        | MNQ (tick $0.50)                          |
/// |------------|-----------------------------------------|-------------------------------------------|
/// | 2019-03-05 | long 2501.00 → 2503.00: +8 t, $9.00     | short 7000.00 → 7005.00: −20 t, −$10.50   |
/// | 2019-03-06 | short 2503.00 → 2501.00: +8 t, $9.00    | long 7005.00 → 7015.00: +40 t, $19.50     |
/// | 2019-03-07 | long 2501.00 → 2499.00: −8 t, −$11.00   | long 7015.00 → 7025.00: +40 t, $19.50     |
///
/// MES nets $7.00 (2 of 3 winners), MNQ $28.50 (2 of 3), the account $35.50 after $4.50 of fees.
enum TwoSymbolRun {
    static let mes = try! ContractRegistry.builtIn.spec(for: "MES")
    static let mnq = try! ContractRegistry.builtIn.spec(for: "MNQ")
    static func spec(_ symbol: String) -> ContractSpec? { try? ContractRegistry.builtIn.spec(for: symbol) }

    /// Bars of one symbol: (open, high, low, close) in ticks, three a day.
    static func bars(_ symbol: String, _ days: [[(Int64, Int64, Int64, Int64)]]) -> BarSeries {
        var b = BarBuilder(symbol: symbol)
        for (d, day) in days.enumerated() {
            if d > 0 { b.skip(seconds: 86_400 - 180) }
            for (o, h, l, c) in day { b.bar(o, h, l, c) }
        }
        return b.series
    }

    static let mesBars = bars("MES", [
        [(10000, 10002, 9999, 10001), (10004, 10006, 10003, 10005), (10012, 10013, 10011, 10012)],
        [(10012, 10013, 10011, 10012), (10012, 10014, 10011, 10013), (10004, 10005, 10003, 10004)],
        [(10004, 10005, 10003, 10004), (10004, 10006, 10003, 10005), (9996, 9997, 9995, 9996)],
        [(9996, 9997, 9995, 9996), (9996, 9997, 9995, 9996), (9996, 9997, 9995, 9996)],
    ])
    static let mnqBars = bars("MNQ", [
        [(28000, 28002, 27998, 28000), (28000, 28004, 27996, 28002), (28020, 28022, 28018, 28020)],
        [(28020, 28022, 28018, 28020), (28020, 28024, 28018, 28022), (28060, 28062, 28058, 28060)],
        [(28060, 28062, 28058, 28060), (28060, 28064, 28058, 28062), (28100, 28102, 28098, 28100)],
        [(28100, 28102, 28098, 28100), (28100, 28102, 28098, 28100), (28100, 28102, 28098, 28100)],
    ])

    static let config = "account.rules=unlimited\naccount.starting_balance=50000.00\ndata.symbols=MES,MNQ\n"

    /// The run's result and summary (the summary's series is MES's: the engine's run on several
    /// series names its own).
    static func make() -> (summary: RunSummary, result: BacktestResult) {
        let exchange = SimulatedExchange(instruments: [Instrument(spec: mes, feePerSide: Money("0.50")!),
                                                       Instrument(spec: mnq, feePerSide: Money("0.25")!)],
                                         rules: .unlimited(Money("50000")!))
        let strategy = TwoSymbolPlan([
            "MES": [0: .buy, 1: .sell, 3: .sell, 4: .buy, 6: .buy, 7: .sell],
            "MNQ": [0: .sell, 1: .buy, 3: .buy, 4: .sell, 6: .buy, 7: .sell],
        ])
        let session = TradingSession(broker: exchange, strategies: [strategy], calendar: exchange.config.calendar, flattenTime: nil)
        session.start()
        for k in 0..<mesBars.count {
            session.step(mesBars[k], symbol: "MES", length: 60)
            session.step(mnqBars[k], symbol: "MNQ", length: 60)
        }
        // The end of the data, as the engine ends a run.
        let last = mesBars[mesBars.count - 1].time
        exchange.setClock(last)
        exchange.closeAll(at: [:], reason: "end")
        session.deliver()
        session.endOfData(at: last)
        session.finish()
        let result = BacktestResult(exchange: exchange, equity: session.equity, bars: mesBars.count + mnqBars.count)
        let summary = RunSummary.make(runId: "20190305-000000-pair", result: result, strategies: ["pair"], series: mesBars,
                                      rules: .unlimited(Money("50000")!), configHash: "pair", now: Date(timeIntervalSince1970: 1_551_800_000))
        return (summary, result)
    }
}

@Suite("Results per symbol and combined")
struct SymbolReportTests {
    @Test("a run on MES and MNQ: each symbol's trades and figures are the hand-checked ones, and they add up to the run's")
    func figures() throws {
        let (s, r) = TwoSymbolRun.make()
        #expect(r.trades.map { "\($0.symbol) \($0.side == .buy ? "long" : "short") \($0.pnl)" } == [
            "MES long 9.00", "MNQ short -10.50", "MES short 9.00", "MNQ long 19.50", "MES long -11.00", "MNQ long 19.50",
        ])
        #expect(s.netPnlUsd == "35.50" && s.trades == 6 && s.feesUsd == "4.50")
        let symbols = try #require(s.symbols)
        #expect(symbols.map(\.symbol) == ["MES", "MNQ"])
        let (mes, mnq) = (symbols[0], symbols[1])
        #expect([mes.trades, mes.longs, mes.shorts, mes.wins, mes.fills] == [Int]([3, 2, 1, 2, 6]))
        #expect([mnq.trades, mnq.longs, mnq.shorts, mnq.wins, mnq.fills] == [Int]([3, 2, 1, 2, 6]))
        #expect(mes.netPnlUsd == "7.00" && mes.feesUsd == "3.00" && mes.grossProfitUsd == 18 && mes.grossLossUsd == -11)
        #expect(mnq.netPnlUsd == "28.50" && mnq.feesUsd == "1.50" && mnq.grossProfitUsd == 39 && mnq.grossLossUsd == -10.5)
        #expect(mes.profitFactor == 18.0 / 11 && mnq.profitFactor == 39 / 10.5)
        #expect(mes.expectancyUsd == 7.0 / 3 && mnq.expectancyUsd == 9.5)
        // Exactly the run's: counts and money add up.
        #expect(symbols.map(\.trades).reduce(0, +) == s.trades && symbols.map(\.fills).reduce(0, +) == r.fills.count)
        #expect(symbols.map(\.wins).reduce(0, +) == s.wins && symbols.map(\.longs).reduce(0, +) == s.longs
                && symbols.map(\.shorts).reduce(0, +) == s.shorts)
        #expect(symbols.compactMap { Money($0.netPnlUsd) }.reduce(.zero, +) == Money(s.netPnlUsd))
        #expect(symbols.compactMap { Money($0.feesUsd) }.reduce(.zero, +) == Money(s.feesUsd))
        #expect(symbols.map(\.grossProfitUsd).reduce(0, +) == s.grossProfitUsd && symbols.map(\.grossLossUsd).reduce(0, +) == s.grossLossUsd)
        // Each symbol's equity: the starting balance plus its closed trades at each day's end.
        let curves = RunSummary.equityBySymbol(r.trades.map { ($0.symbol, $0.exitTime, $0.pnl) }, points: r.equity)
        #expect(r.equity.map(\.tradeDate.description) == ["2019-03-05", "2019-03-06", "2019-03-07", "2019-03-08"])
        #expect(curves == [SymbolEquity(symbol: "MES", pnl: ["9.00", "18.00", "7.00", "7.00"].map { Money($0)! }),
                           SymbolEquity(symbol: "MNQ", pnl: ["-10.50", "9.00", "28.50", "28.50"].map { Money($0)! })])
        for k in r.equity.indices {
            #expect(curves.map { $0.pnl[k] }.reduce(.zero, +) == r.equity[k].equity - r.startingBalance)
        }
        // MES falls $11.00 from its peak on the last day; MNQ only rises after its first close.
        #expect(mes.maxDrawdownUsd == 11 && abs((mes.maxDrawdownPercent ?? 0) - 11 / 50_018.0 * 100) < 1e-12)
        #expect(mnq.maxDrawdownUsd == nil && s.maxDrawdownUsd == nil)
        let mesCurve = try Performance.statistics(of: EquityCurve(time: r.equity.map(\.time.seconds), equity: [50_009, 50_018, 50_007, 50_007]))
        #expect(mes.sharpe == mesCurve.sharpe && mes.sortino == mesCurve.sortino)
        // Daily returns 50018/50009 − 1 and 50007/50018 − 1 (the last two points share 2019-03-08):
        // mean −1.9977e-5 over a sample deviation of 2.8276e-4, times √252.
        #expect(abs((mes.sharpe ?? 0) - -1.1215) < 0.0005, "\(mes.sharpe ?? 0)")
    }

    @Test("the run folder: symbols.csv and equity_by_symbol.csv with the hand-checked figures; trades and fills name their symbol")
    func runFolder() throws {
        let (s, r) = TwoSymbolRun.make()
        let folder = TestEnvironment.temporaryDirectory("symbols-folder") + "/run"
        try RunRecorder.writeFolder(folder, summary: s, result: r, configText: TwoSymbolRun.config, spec: TwoSymbolRun.spec)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
                == ["config.txt", "equity.csv", "equity_by_symbol.csv", "fills.csv", "run.json", "symbols.csv", "trades.csv"])
        // Sharpe on daily returns (×√252): MES's as in `figures`; MNQ's two returns 19.50/49989.50 and
        // 19.50/50009 barely differ; the account's are 28.50/49998.50 and 8.50/50027. No losing day
        // for MNQ or the account: Sortino 0 (undefined), and no drawdown after the first close.
        #expect(try String(contentsOfFile: folder + "/symbols.csv", encoding: .utf8) == """
            symbol,trades,longs,shorts,wins,win_rate,net_pnl_usd,gross_profit_usd,gross_loss_usd,fees_usd,profit_factor,expectancy_usd,sharpe,sortino,max_drawdown_usd,max_drawdown_pct,fills
            MES,3,2,1,2,0.6667,7.00,18.00,-11.00,3.00,1.6364,2.33,-1.1215,-2.0393,11.00,0.0220,6
            MNQ,3,2,1,2,0.6667,28.50,39.00,-10.50,1.50,3.7143,9.50,57563.0963,0.0000,,,6
            combined,6,4,2,4,0.6667,35.50,57.00,-21.50,4.50,2.6512,5.92,20.7585,0.0000,,,12

            """)
        #expect(try String(contentsOfFile: folder + "/equity_by_symbol.csv", encoding: .utf8) == """
            time,trade_date,MES_pnl_usd,MNQ_pnl_usd,total_pnl_usd
            2019-03-06T14:30:00Z,2019-03-05,9.00,-10.50,-1.50
            2019-03-07T14:30:00Z,2019-03-06,18.00,9.00,27.00
            2019-03-08T14:30:00Z,2019-03-07,7.00,28.50,35.50
            2019-03-08T14:32:00Z,2019-03-08,7.00,28.50,35.50

            """)
        let trades = try String(contentsOfFile: folder + "/trades.csv", encoding: .utf8).split(separator: "\n")
        #expect(trades.first?.hasSuffix(",strategy,symbol") == true)
        #expect(trades.dropFirst().map { $0.split(separator: ",").last.map(String.init) ?? "" } == ["MES", "MNQ", "MES", "MNQ", "MES", "MNQ"])
        #expect(trades[1].hasPrefix("long,2019-03-05T14:31:00Z,2501.00,2019-03-05T14:32:00Z,2503.00,"))
        #expect(trades[2].hasPrefix("short,2019-03-05T14:31:00Z,7000.00,2019-03-05T14:32:00Z,7005.00,"))
        let fills = try String(contentsOfFile: folder + "/fills.csv", encoding: .utf8).split(separator: "\n")
        #expect(fills.first?.hasPrefix("time,symbol,") == true)
        #expect(fills.dropFirst().filter { $0.split(separator: ",")[1] == "MES" }.count == 6)
        #expect(fills.dropFirst().filter { $0.split(separator: ",")[1] == "MNQ" }.count == 6)
    }

    @Test("--json and run.json carry a symbols array with each symbol's figures; it decodes back to the summary")
    func json() throws {
        let (s, _) = TwoSymbolRun.make()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(s.json.utf8)) as? [String: Any])
        let symbols = try #require(object["symbols"] as? [[String: Any]])
        #expect(symbols.map { $0["symbol"] as? String } == ["MES", "MNQ"])
        #expect(symbols.map { $0["netPnlUsd"] as? String } == ["7.00", "28.50"])
        #expect(symbols.map { $0["trades"] as? Int } == [3, 3])
        #expect(symbols.map { $0["fills"] as? Int } == [6, 6])
        #expect(try JSONDecoder().decode(RunSummary.self, from: Data(s.json.utf8)) == s)
    }

    @Test("each symbol's figures are stored with the run and read back by the report, on SQLite and PostgreSQL alike",
          arguments: StoreKind.available)
    func store(kind: StoreKind) throws {
        let (s, r) = TwoSymbolRun.make()
        let (store, _, _) = try kind.make()
        let db = try #require(store as? any SQLDatabase)
        try RunRecorder.save(s, result: r, configText: TwoSymbolRun.config, spec: TwoSymbolRun.spec, into: db)
        #expect(try StoreSchema.version(db) >= 8)
        #expect(try db.query("SELECT symbol, trades, net_pnl_usd, fees_usd, fills FROM backtest_symbols WHERE run_id = $1 ORDER BY seq",
                             [.text(s.runId)]).map { $0.map { $0.text ?? "" } }
                == [["MES", "3", "7.00", "3.00", "6"], ["MNQ", "3", "28.50", "1.50", "6"]])
        #expect(try RunTables(db: db).symbolRows(of: s.runId) == s.symbols!.map(RunRecorder.symbolRow))
        #expect(try db.query("SELECT DISTINCT symbol FROM backtest_trades WHERE run_id = $1 ORDER BY symbol", [.text(s.runId)])
                    .map { $0[0].text } == ["MES", "MNQ"])
        let loaded = try RunCatalog(store: store).load(s.runId)
        let memory = RunReport(summary: s, result: r, configText: TwoSymbolRun.config, spec: TwoSymbolRun.spec)
        #expect(loaded.symbols == s.symbols!)
        #expect(loaded.trades == memory.trades && loaded.equity == memory.equity)
        #expect(loaded.equityBySymbol() == memory.equityBySymbol() && loaded.equityBySymbol().count == 2)
        for f in ReportFormat.allCases {
            #expect(ReportWriter().files(loaded, format: f).map(\.text) == ReportWriter().files(memory, format: f).map(\.text))
        }
        // The symbols' figures come from the table: a changed row shows in the report.
        try db.execute("UPDATE backtest_symbols SET fills = 7 WHERE run_id = $1 AND symbol = 'MES'", [.text(s.runId)])
        #expect(try RunCatalog(store: store).load(s.runId).symbols.map(\.fills) == [7, 6])
    }

    @Test("the HTML report: a sortable table of the symbols beside the combined row, and an equity line per symbol plus the account's")
    func html() throws {
        let (s, r) = TwoSymbolRun.make()
        let report = RunReport(summary: s, result: r, configText: TwoSymbolRun.config, spec: TwoSymbolRun.spec)
        let html = RunHTML.render(report)
        #expect(html.contains("<a href=\"#symbols\">Symbols</a>") && html.contains("<section id=\"symbols\">"))
        #expect(html.contains("<table class=\"sortable symbols\" id=\"symbols-table\">"))
        for symbol in ["MES", "MNQ"] { #expect(html.contains("<tr data-symbol=\"\(symbol)\">")) }
        #expect(html.contains("<tfoot><tr data-symbol=\"combined\">"))
        // The net P&L cells: shown in dollars, sorted by the exact amount.
        #expect(html.contains("<td class=\"num pos\" data-key=\"7\">$7.00</td>") && html.contains("<td class=\"num pos\" data-key=\"28.5\">$28.50</td>"))
        #expect(html.contains("<td class=\"num pos\" data-key=\"35.5\">$35.50</td>"))
        // One equity chart with three lines: the account, then each symbol.
        #expect(html.components(separatedBy: "data-chart=\"equity\"").count == 2)
        for (k, label) in ["combined", "MES", "MNQ"].enumerated() {
            #expect(html.contains("<g class=\"series\" data-index=\"\(k)\" data-symbol=\"\(label)\">"))
        }
        #expect(html.contains("var t=document.getElementById('symbols-table')"))
    }

    @Test("in headless Chromium the symbols table sorts by a column, the combined row stays last, and the equity chart draws three lines",
          .enabled(if: Tools.available(Tools.chromium)))
    func browser() async throws {
        let chromium = try Tools.require(Tools.chromium, "chromium")
        let (s, r) = TwoSymbolRun.make()
        let dir = TestEnvironment.temporaryDirectory("symbols-html")
        let path = try ReportWriter().write(RunReport(summary: s, result: r, configText: TwoSymbolRun.config, spec: TwoSymbolRun.spec),
                                            format: .html, to: dir)
        let probe = Browser.errorCapture + """
            window.addEventListener('load',function(){setTimeout(function(){
            var t=document.getElementById('symbols-table'),out={errors:window.__errors};
            function order(){return Array.prototype.map.call(t.querySelectorAll('tbody tr'),function(r){return r.getAttribute('data-symbol');});}
            var net=t.tHead.rows[0].cells[5],pf=t.tHead.rows[0].cells[9];
            net.click();out.netAscending=order();net.click();out.netDescending=order();out.sort=net.getAttribute('aria-sort');
            pf.click();out.profitFactorAscending=order();
            out.last=t.querySelector('tfoot tr').getAttribute('data-symbol');
            out.lines=Array.prototype.map.call(document.querySelectorAll('svg[data-chart="equity"] g.series'),function(g){
            var b=g.querySelector('path').getBoundingClientRect();return g.getAttribute('data-symbol')+(b.width>100?'':' (not drawn)');});
            var pre=document.createElement('pre');pre.id='symbols-probe';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);},0);});
            """
        struct Probe: Decodable {
            var errors: [String]
            var netAscending, netDescending, profitFactorAscending, lines: [String]
            var sort, last: String
        }
        let page = try String(contentsOfFile: path, encoding: .utf8)
        let probed = path.replacingOccurrences(of: ".html", with: "-probe.html")
        try page.replacingOccurrences(of: "<head>", with: "<head><script>" + probe + "</script>").write(toFile: probed, atomically: true, encoding: .utf8)
        let (p, log): (Probe, String) = try await Browser.dump(chromium, "file://" + probed, width: 1280, height: 900, marker: "symbols-probe")
        #expect(p.errors.isEmpty, "\(p.errors)")
        #expect(!log.contains("Uncaught") && !log.contains("Refused to"), "\(log.suffix(2000))")
        #expect(p.netAscending == ["MES", "MNQ"] && p.netDescending == ["MNQ", "MES"] && p.sort == "descending")
        #expect(p.profitFactorAscending == ["MES", "MNQ"])
        #expect(p.last == "combined")
        #expect(p.lines == ["combined", "MES", "MNQ"])
    }

    @Test("a run on one symbol gains nothing: no symbols in its summary, folder, store rows, report files or page")
    func singleSymbolUnchanged() throws {
        let (summary, result, config) = Fixtures.engineResult()
        #expect(summary.symbols == nil && !summary.json.contains("symbols"))
        let folder = TestEnvironment.temporaryDirectory("single-folder") + "/run"
        try RunRecorder.writeFolder(folder, summary: summary, result: result, configText: config, spec: { _ in esSpec })
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
                == ["config.txt", "equity.csv", "fills.csv", "run.json", "trades.csv"])
        let (store, _, _) = try StoreKind.sqlite.make()
        let db = try #require(store as? any SQLDatabase)
        try RunRecorder.save(summary, result: result, configText: config, spec: { _ in esSpec }, into: db)
        #expect(try db.query("SELECT COUNT(*) FROM backtest_symbols", []).first?.first?.int == 0)
        let report = try RunCatalog(store: store).load(summary.runId)
        #expect(report.symbols.isEmpty && report.equityBySymbol().isEmpty)
        #expect(ReportWriter().files(report, format: .csv).map(\.name)
                == ["trades.csv", "fills.csv", "daily_pnl.csv", "equity.csv", "monthly_returns.csv", "run.json", "config.txt", "README.txt"])
        let html = RunHTML.render(report)
        #expect(!html.contains("symbols-table") && !html.contains("data-symbol") && !html.contains("id=\"symbols\""))
        #expect(!html.contains("getElementById('symbols-table')") && !html.contains(".swatch"))
    }
}
