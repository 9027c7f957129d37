import Backtest
import Data
import Foundation
import Testing
import Trading
import TSXLabTesting

/// Combine attempts on history, hand-checked: a 50K Combine without the daily loss limit (target
/// $3,000, maximum loss $2,000 trailing the end-of-day high, 55 % consistency, reset $49), ES at
/// $12.50 a tick, 2 contracts ($25 a tick), no fees. Each trade day is three 1-minute bars from
/// 14:30 UTC: a flat bar at 10,000 after which the strategy buys 2 at market, the bar that fills
/// the buy at its open and moves, and a bar after which nothing happens; the sell at market fills
/// at the third bar's open.
@Suite("Combine attempts on history")
struct CombineAttemptTests {
    static let rules = RiskRules.topstepCombine(50, withDailyLossLimit: false)!

    /// Trade days in March 2019, and the second bar's low and the tick the position is sold at.
    static let days: [(date: String, low: Int64, exit: Int64)] = [
        // Attempt 1, a plain pass: +1,000 three times → 3,000, best day 33 %.
        ("2019-03-05", 10000, 10040), ("2019-03-06", 10000, 10040), ("2019-03-07", 10000, 10040),
        // Attempt 2 starts at a ledger balance of 53,000 (level 51,000): +800 raises the end-of-day
        // high to 53,800 and the level to 51,800; on the 11th the long 2 from 10,000 marks equity
        // at 51,800 at 9,920 inside the bar (9,915 low): failed at −2,000 that day, and the sell
        // the script sends after that bar is refused.
        ("2019-03-08", 10000, 10032), ("2019-03-11", 9915, 9950),
        // Attempt 3 from 51,800: +2,000, +1,000 (3,000 reaches the target, but the best day needs
        // 2,000 / 0.55 = 3,636.37), +400 (3,400), +400 (3,800): passed on the fourth day.
        ("2019-03-12", 10000, 10080), ("2019-03-13", 10000, 10040), ("2019-03-14", 10000, 10016), ("2019-03-15", 10000, 10016),
        // Attempt 4: +100, then the data ends.
        ("2019-03-18", 10000, 10004),
    ]

    static func run(attempts: Bool = true) -> (BacktestResult, ScriptedStrategy) {
        var b = BarBuilder()
        let st = ScriptedStrategy()
        for (date, low, exit) in days {
            b.next = Timestamp(iso8601: date + "T14:30:00Z")!.seconds
            let i = b.series.count
            b.bar(10000, 10000, 10000, 10000)
            st.at(i) { $0.place(order(.buy, .market, qty: 2)) }
            b.bar(10000, max(10002, exit), low, exit)
            st.at(i + 1) { $0.place(order(.sell, .market, qty: 2)) }
            b.bar(exit, exit, exit, exit)
        }
        var config = ExchangeConfig()
        config.attempts = attempts
        return (runFixture(b, st, config: config, rules: rules).0, st)
    }

    @Test("a pass, a fail on an intraday breach of the trailing maximum loss, a pass delayed by consistency, and an open attempt")
    func attemptsOnHistory() throws {
        let (r, st) = Self.run()
        let book = try #require(r.attempts)
        let a = book.attempts
        #expect(a.map(\.outcome) == [.passed, .failed, .passed, .open])
        #expect(a.map(\.start.description) == ["2019-03-05", "2019-03-08", "2019-03-12", "2019-03-18"])
        #expect(a.map(\.end.description) == ["2019-03-07", "2019-03-11", "2019-03-15", "2019-03-18"])
        #expect(a.map(\.days) == [3, 2, 4, 1])
        #expect(a.map(\.tradingDays) == [3, 2, 4, 1])
        #expect(a.map(\.pnl.cents) == [3000_00, -1200_00, 3800_00, 100_00])
        #expect(a.map(\.bestDay.cents) == [1000_00, 800_00, 2000_00, 100_00])
        #expect(a[0].bestDayShare == 1000.0 / 3000.0)
        #expect(a[1].bestDayShare == nil, "a losing attempt has no best-day share")
        #expect(a[2].bestDayShare == 2000.0 / 3800.0)
        #expect(a.map { $0.requiredProfit?.cents } == [3000_00, 3000_00, 3636_37, 3000_00])
        #expect(a[1].detail.contains("equity 51800.00 met the maximum loss limit level 51800.00"), "\(a[1].detail)")

        // The failing trade: the long 2 from 10,000 stopped at 9,920 by the breach.
        let failing = try #require(r.trades.first { $0.exitReason == "max_loss_limit" })
        #expect(failing.exitPriceTicks == 9920 && failing.pnl == Money(cents: -2000_00))
        #expect(r.breaches.map(\.rule) == [.maxLossLimit])
        // The strategy kept trading: every day has its trade; the failed account refused the sell on
        // the 11th, and the fresh one took the buy on the 12th.
        #expect(r.trades.count == Self.days.count)
        #expect(st.results.enumerated().filter { $0.element.orderID == nil }.map(\.offset) == [9])
        #expect(st.results[10].orderID != nil)

        #expect(book.passed == 2 && book.failed == 1)
        #expect(book.passRate == 2.0 / 3.0)
        #expect(book.medianDaysToPass == 3.5)
        #expect(book.resets == 1 && book.resetFees == Money(cents: 49_00))
        // The ledger carries on: the run's P&L is the attempts' P&L together.
        #expect(r.netPnL.cents == a.reduce(0) { $0 + $1.pnl.cents })
    }

    @Test("without attempts the same history is one account: its maximum loss locked at 50,000 after the first pass, so the 11th does not fail it")
    func withoutAttempts() {
        let (r, st) = Self.run(attempts: false)
        #expect(r.attempts == nil)
        #expect(r.breaches.isEmpty)
        #expect(r.trades.count == Self.days.count)
        #expect(r.trades[4].exitPriceTicks == 9950 && r.trades[4].pnl == Money(cents: -1250_00))
        #expect(r.netPnL == Money(cents: 6450_00))
        #expect(st.results.allSatisfy { $0.orderID != nil })
    }

    @Test("the summary lists the attempts with the pass rate, median days to pass and reset fees")
    func summary() throws {
        let (r, _) = Self.run()
        var b = BarBuilder()
        b.bar(1, 1, 1, 1)
        let s = RunSummary.make(runId: "r", result: r, strategies: ["scripted"], series: b.series, rules: Self.rules, configHash: "h")
        let a = try #require(s.attempts)
        #expect(a.list.map(\.outcome) == ["passed", "failed", "passed", "open"])
        #expect(a.list.map(\.pnlUsd) == ["3000.00", "-1200.00", "3800.00", "100.00"])
        #expect(a.passRate == 2.0 / 3.0 && a.medianDaysToPass == 3.5)
        #expect(a.resets == 1 && a.resetFeesUsd == "49.00" && a.resetPriceUsd == "49.00")
        #expect(s.json.contains("\"attempts\""))
        let plain = RunSummary.make(runId: "r", result: Self.run(attempts: false).0, strategies: ["scripted"], series: b.series,
                                    rules: Self.rules, configHash: "h")
        #expect(!plain.json.contains("attempts"), "a run without attempts prints the summary it always did")
    }

    @Test("the summary's time is written as Foundation's ISO 8601 formatter writes it (seconds, UTC, Z)")
    func summaryTime() {
        let (r, _) = Self.run()
        var b = BarBuilder()
        b.bar(1, 1, 1, 1)
        for seconds in [0.0, 1_551_744_000.75, 1_796_601_599.999, -86_400.5] {
            let now = Date(timeIntervalSince1970: seconds)
            let made = RunSummary.make(runId: "r", result: r, strategies: ["scripted"], series: b.series, rules: Self.rules, configHash: "h", now: now)
            #expect(made.createdAt == ISO8601DateFormatter().string(from: now))
        }
    }
}
