import Backtest
import Data
import Foundation
import Reports
import Testing
import Trading
import TSXLabTesting

@Suite("The HTML report shows the fidelity audit")
struct FidelityReportTests {
    /// A market buy with a 4-tick bracket at bar 0's close; bar 1 reaches both exits and its
    /// prints go to the stop first: best (high first) fills the target, the other models the stop.
    static func audit() throws -> FidelityAudit {
        var b = BarBuilder()
        b.bar(400, 400, 400, 400)
        let t = b.bar(400, 405, 396, 404)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market, timeInForce: .day,
                                         bracket: Bracket(stopLoss: .ticks(4), takeProfit: .ticks(4)))) }
        let prints = [400, 396, 405].enumerated().map { TradePrint(time: (t.seconds + Int64($0.offset) + 1) * 1_000_000_000, price: Int64($0.element)) }
        var config = ExchangeConfig()
        config.fidelityAudit = true
        let es = Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"), feePerSide: .zero)
        let engine = BacktestEngine(exchange: SimulatedExchange(instruments: [es], rules: .unlimited(), config: config), strategies: [st])
        engine.closeAtEnd = false
        var a = try #require(engine.run(b.series, prints: prints).fidelity)
        a.netPnlUsd = "-50.00"
        for m in a.scores.indices { a.scores[m].netPnlUsd = m == 2 ? "50.00" : "-50.00" }
        return a
    }

    @Test("an audited run has the section after the headline: one row a model, and the bar the models disagreed on")
    func section() throws {
        var r = Fixtures.engineRun()
        #expect(!RunHTML.render(r).contains("<section id=\"fidelity\">"), "no audit, no section")
        r.summary.fidelity = try Self.audit()
        let html = RunHTML.render(r)
        let i = try #require(html.range(of: "<section id=\"fidelity\">"))
        #expect(html.range(of: "<section id=\"headline\">")!.lowerBound < i.lowerBound)
        #expect(html.contains("1 ambiguous bar (two or more things could fill) decided by finer data: 1 by trade prints, 0 by finer bars"))
        #expect(html.contains("the run made -$50.00"))
        for row in ["<td>nearest</td><td class=\"num\">0</td><td class=\"num\">0.0%</td><td class=\"num\">0</td><td class=\"num\">-$50.00</td>",
                    "<td>best</td><td class=\"num\">1</td><td class=\"num\">100.0%</td><td class=\"num\">0</td><td class=\"num\">$50.00</td>",
                    "<td>2019-03-05T14:31:00Z</td><td>best</td><td>#1 buy 1 @ 100.00; #2 sell 1 @ 99.00</td><td>#1 buy 1 @ 100.00; #3 sell 1 @ 101.00</td>"] {
            #expect(html.contains(row), "\(row)")
        }
    }

    @Test("the audit survives the store: the summary's JSON decodes with it, and a summary without one decodes")
    func roundTrip() throws {
        var s = Fixtures.engineRun().summary
        s.fidelity = try Self.audit()
        let back = try JSONDecoder().decode(RunSummary.self, from: Data(s.json.utf8))
        #expect(back.fidelity == s.fidelity)
        #expect(try JSONDecoder().decode(RunSummary.self, from: Data(Fixtures.engineRun().summary.json.utf8)).fidelity == nil)
    }
}
