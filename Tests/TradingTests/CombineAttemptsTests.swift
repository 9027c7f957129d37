import Data
import Testing
import Trading

/// `CombineAttempts` on day results alone, with the worked examples of topstepx-rules §12 A
/// (50K Combine, no daily loss limit).
@Suite("Combine attempt bookkeeping")
struct CombineAttemptsTests {
    static let rules = RiskRules.topstepCombine(50, withDailyLossLimit: false)!
    static let day1 = TradeDate(year: 2026, month: 3, day: 2).dayNumber

    /// Replays closing day results (dollars) from trade day `day1`, opening a fresh account after
    /// each pass or failure as the exchange does; `failOn` breaches the maximum loss on that day.
    static func replay(_ results: [Int64], failOn: Set<Int> = [], rules: RiskRules = rules) -> CombineAttempts {
        var risk = RiskState(rules: rules)
        var book = CombineAttempts(rules: rules, balance: rules.startingBalance)
        var balance = rules.startingBalance
        risk.startDay(day1, balance: balance)
        book.dayStarted(day1)
        for (k, pnl) in results.enumerated() {
            let day = day1 + Int64(k)
            balance += Money(cents: pnl * 100)
            if failOn.contains(k) {
                _ = risk.enforceLossLimits(equity: risk.maxLossLevel!, at: Timestamp(seconds: 0))
            }
            risk.startDay(day + 1, balance: balance)
            if k == results.count - 1 {
                book.finish(day, risk: risk, balance: balance, traded: pnl != 0)
            } else if book.dayEnded(day, risk: risk, balance: balance, traded: pnl != 0) != nil {
                risk.reopen(at: balance, day: day + 1)
                book.opened(day: day + 1, balance: balance)
            }
        }
        return book
    }

    @Test("§12 A: +800, +600, +500, −1,100, +400, +1,000, +900 passes on the seventh day (3,100, best day 1,000, 32 %)")
    func plainPass() {
        let book = Self.replay([800, 600, 500, -1100, 400, 1000, 900])
        #expect(book.attempts.count == 1)
        let a = book.attempts[0]
        #expect(a.outcome == .passed && a.days == 7 && a.pnl == Money(cents: 3100_00) && a.bestDay == Money(cents: 1000_00))
        #expect(a.bestDayShare == 1000.0 / 3100.0)
        #expect(a.start == TradeDate(dayNumber: Self.day1) && a.end == TradeDate(dayNumber: Self.day1 + 6))
    }

    @Test("§12 A with a +1,900 sixth day: 3,100 does not pass (target 3,454.55); the seventh day's 4,000 does")
    func consistencyDelayedPass() {
        let book = Self.replay([800, 600, 500, -1100, 400, 1900, 900])
        let a = book.attempts[0]
        #expect(a.outcome == .passed && a.days == 7 && a.pnl == Money(cents: 4000_00))
        #expect(a.requiredProfit == Money(cents: 3454_55))
        #expect(a.bestDayShare == 1900.0 / 4000.0)
    }

    @Test("a failure, a fresh account measured from the balance it opened at, a pass, then an open attempt")
    func failThenPass() {
        // Day 1 +500 (level 48,500), day 2 breached at 48,500; from 48,500: +1,500 ×2 → pass (50 %);
        // +200, data ends.
        let book = Self.replay([500, -2000, 1500, 1500, 200], failOn: [1])
        #expect(book.attempts.map(\.outcome) == [.failed, .passed, .open])
        #expect(book.attempts.map(\.pnl.cents) == [-1500_00, 3000_00, 200_00])
        #expect(book.attempts.map(\.bestDay.cents) == [500_00, 1500_00, 200_00])
        #expect(book.attempts.map(\.days) == [2, 2, 1])
        #expect(book.passRate == 0.5 && book.medianDaysToPass == 2)
        #expect(book.resets == 1 && book.resetFees == Money(cents: 49_00))
    }

    @Test("a minimum number of trading days holds a pass back; days without a fill do not count")
    func minimumDays() {
        var rules = Self.rules
        rules.minimumTradingDays = 3
        // 3,000 on the third day, but only two days traded; the fourth day's 3,100 passes.
        let book = Self.replay([1500, 0, 1500, 100], rules: rules)
        #expect(book.attempts.map(\.outcome) == [.passed])
        #expect(book.attempts[0].days == 4 && book.attempts[0].tradingDays == 3)
    }

    @Test("the median of an even count of passes is the mean of the middle two; no pass, no median")
    func medians() {
        #expect(Self.replay([1000, 1000, 1000, 1500, 1500, 1]).medianDaysToPass == 2.5)
        #expect(Self.replay([100]).medianDaysToPass == nil)
        #expect(Self.replay([100]).passRate == nil)
    }

    @Test("rebased rules keep every distance: the 2,000 drawdown and the lock at the new start")
    func rebased() {
        let r = Self.rules.rebased(to: Money(cents: 48_000_00))
        #expect(r.startingBalance == Money(cents: 48_000_00) && r.maxLossLockLevel == Money(cents: 48_000_00))
        #expect(RiskState(rules: r).maxLossLevel == Money(cents: 46_000_00))
        #expect(Self.rules.resetPrice == Money(cents: 49_00))
        #expect(RiskRules.topstepCombine(100)?.resetPrice == Money(cents: 99_00))
        #expect(RiskRules.topstepCombine(150)?.resetPrice == Money(cents: 199_00))
    }
}
