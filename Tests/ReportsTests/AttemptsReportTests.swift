import Backtest
import Data
import Foundation
import Reports
import Testing
import Trading

@Suite("The HTML report lists Combine attempts")
struct AttemptsReportTests {
    /// A failed attempt (day 1 +500, day 2 breached at 48,500), a pass (+1,500 twice) and an
    /// open one (+200), as the exchange's bookkeeping records them.
    static func attempts() -> CombineAttempts {
        let rules = RiskRules.topstepCombine(50, withDailyLossLimit: false)!
        var risk = RiskState(rules: rules)
        var book = CombineAttempts(rules: rules, balance: rules.startingBalance)
        var balance = rules.startingBalance
        let day1 = TradeDate(year: 2026, month: 3, day: 2).dayNumber
        risk.startDay(day1, balance: balance)
        book.dayStarted(day1)
        let results: [Int64] = [500, -2000, 1500, 1500, 200]
        for (k, pnl) in results.enumerated() {
            let day = day1 + Int64(k)
            balance += Money(cents: pnl * 100)
            if k == 1 { _ = risk.enforceLossLimits(equity: risk.maxLossLevel!, at: Timestamp(seconds: 0)) }
            risk.startDay(day + 1, balance: balance)
            if k == results.count - 1 {
                book.finish(day, risk: risk, balance: balance, traded: true)
            } else if book.dayEnded(day, risk: risk, balance: balance, traded: true) != nil {
                risk.reopen(at: balance, day: day + 1)
                book.opened(day: day + 1, balance: balance)
            }
        }
        return book
    }

    @Test("a run with attempts has the section: pass rate, median days to pass, reset fees and one row an attempt")
    func section() throws {
        var r = Fixtures.engineRun()
        #expect(!RunHTML.render(r).contains("<section id=\"attempts\">"), "no attempts, no section")
        r.summary.attempts = RunSummary.Attempts(Self.attempts())
        let html = RunHTML.render(r)
        let i = try #require(html.range(of: "<section id=\"attempts\">"))
        #expect(html.range(of: "<section id=\"headline\">")!.lowerBound < i.lowerBound)
        #expect(html.contains("data-stat=\"pass_rate\"><span class=\"label\">Pass rate</span><span class=\"value\">50%</span>"))
        #expect(html.contains("data-stat=\"median_days_to_pass\"><span class=\"label\">Median days to pass</span><span class=\"value\">2</span>"))
        #expect(html.contains("data-stat=\"reset_fees\"><span class=\"label\">Reset fees</span><span class=\"value\">$49.00</span>"))
        #expect(html.components(separatedBy: "data-outcome=").count - 1 == 3)
        for row in ["<td>2026-03-02</td><td>2026-03-03</td><td><span class=\"neg\" data-outcome=\"failed\">failed</span></td><td class=\"num\">2</td><td class=\"num\">-$1,500.00</td>",
                    "<td>2026-03-04</td><td>2026-03-05</td><td><span class=\"pos\" data-outcome=\"passed\">passed</span></td><td class=\"num\">2</td><td class=\"num\">$3,000.00</td><td class=\"num\">$1,500.00</td><td class=\"num\">50.0%</td>",
                    "data-outcome=\"open\">open</span></td><td class=\"num\">1</td><td class=\"num\">$200.00</td>"] {
            #expect(html.contains(row), "\(row)")
        }
    }

    @Test("the attempts survive the store: the summary's JSON decodes with them, and an older summary without them decodes")
    func roundTrip() throws {
        var s = Fixtures.engineRun().summary
        s.attempts = RunSummary.Attempts(Self.attempts())
        let back = try JSONDecoder().decode(RunSummary.self, from: Data(s.json.utf8))
        #expect(back.attempts == s.attempts)
        let old = Fixtures.engineRun().summary
        #expect(try JSONDecoder().decode(RunSummary.self, from: Data(old.json.utf8)).attempts == nil)
    }
}
