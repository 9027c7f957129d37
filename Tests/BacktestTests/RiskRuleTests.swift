import Backtest
import Data
import Testing
import Trading
import TSXLabTesting

@Suite("Prop-firm risk rules in the simulated exchange")
struct RiskRuleTests {
    let dllRules = RiskRules(name: "test", startingBalance: Money(cents: 50_000_00), dailyLossLimit: Money(cents: 1000_00))

    @Test("a day that breaches the daily loss limit is flattened at the breach and the rest of the day is refused")
    func dailyLossLimit() {
        var b = BarBuilder()
        b.bar(10000, 10000, 10000, 10000)
        b.bar(10000, 10002, 9998, 10000)       // long 2 at 10000
        b.bar(9990, 9995, 9950, 9955)          // equity meets 49,000 at 9960: −40 ticks × 2 × $12.50
        b.bar(9955, 9960, 9950, 9955)
        b.skip(seconds: 9 * 3600)              // 17:34 CT: the next trade date
        b.bar(9955, 9960, 9950, 9955)
        b.bar(9955, 9960, 9950, 9955)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market, qty: 2)) }
        st.at(2) { $0.place(order(.buy, .market)) }
        st.at(4) { $0.place(order(.buy, .limit(p(9000)))) }
        let (r, ex) = runFixture(b, st, rules: dllRules)
        #expect(r.fills.map(\.price.ticks) == [10000, 9960])
        #expect(r.trades.first?.exitReason == "daily_loss_limit")
        #expect(r.trades.first?.pnl == Money(cents: -1000_00))
        #expect(r.breaches.map(\.rule) == [.dailyLossLimit])
        #expect(st.results[1].rejection == .riskRule(.dailyLossLimit, "trading is locked for the rest of the day"))
        #expect(st.results[2].orderID != nil, "the next trading day accepts orders again")
        #expect(!ex.account.lockedUntilNextDay)
    }

    @Test("a bar that gaps through the daily loss level flattens at the open")
    func gapThroughLimit() {
        var b = BarBuilder()
        b.bar(10000, 10000, 10000, 10000)
        b.bar(10000, 10002, 9998, 10000)
        b.bar(9900, 9905, 9890, 9895)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market, qty: 2)) }
        let r = runFixture(b, st, rules: dllRules).0
        #expect(r.fills.map(\.price.ticks) == [10000, 9900])
    }

    @Test("the trailing maximum loss trails end-of-day highs, not intraday ones, and locks at the start balance")
    func trailingMaxLoss() throws {
        // topstepx-rules §12 A: 50K Combine, days +800, +600, +500, −1,100, +400, +1,000.
        var rs = RiskState(rules: try #require(RiskRules.topstepCombine(50, withDailyLossLimit: false)))
        var balance = Money(cents: 50_000_00)
        rs.startDay(1, balance: balance)
        #expect(rs.maxLossLevel == Money(cents: 48_000_00))
        var levels: [Int64] = []
        for (k, pnl) in [800, 600, 500, -1100, 400, 1000].enumerated() {
            balance += Money(cents: Int64(pnl) * 100)
            rs.startDay(Int64(k + 2), balance: balance)
            levels.append(rs.maxLossLevel!.cents / 100)
        }
        #expect(levels == [48_800, 49_400, 49_900, 49_900, 49_900, 50_000])
        balance += Money(cents: 900_00)
        rs.startDay(9, balance: balance)
        #expect(rs.maxLossLevel == Money(cents: 50_000_00), "locked at the starting balance for good")
        #expect(rs.bestDay == Money(cents: 1000_00))
        let (share, target) = rs.consistency(balance: balance)
        #expect(abs(share! - 1000.0 / 3100.0) < 1e-12 && target == Money(cents: 3000_00))
    }

    @Test("consistency raises the effective target to best day ÷ 55 %")
    func consistencyTarget() throws {
        var rs = RiskState(rules: try #require(RiskRules.topstepCombine(50)))
        rs.startDay(1, balance: Money(cents: 50_000_00))
        rs.startDay(2, balance: Money(cents: 51_800_00))
        #expect(rs.consistency(balance: Money(cents: 51_800_00)).effectiveTarget == Money(cents: 3272_73))
    }

    @Test("a maximum-loss breach ends the account: flattened, and every later order refused")
    func maxLossEndsAccount() {
        let rules = RiskRules(name: "t", startingBalance: Money(cents: 50_000_00), maxLossDrawdown: Money(cents: 2000_00),
                              maxLossLockLevel: Money(cents: 50_000_00))
        var b = BarBuilder()
        b.bar(10000, 10000, 10000, 10000)
        b.bar(10000, 10001, 9999, 10000)       // long 4
        b.bar(10000, 10001, 9950, 9955)        // 48,000 at −40 ticks × 4 × 12.50 = −2,000 → 9960
        b.skip(seconds: 9 * 3600)
        b.bar(9955, 9960, 9950, 9955)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market, qty: 4)) }
        st.at(3) { $0.place(order(.buy, .market)) }
        let (r, ex) = runFixture(b, st, rules: rules)
        #expect(r.fills.map(\.price.ticks) == [10000, 9960])
        #expect(r.breaches.map(\.rule) == [.maxLossLimit])
        #expect(ex.account.failed)
        #expect(st.results[1].rejection == .riskRule(.maxLossLimit, "the account breached its maximum loss limit; no further orders"))
    }

    @Test("position limits count mini-equivalents; the safety buffer cuts size near the daily limit")
    func sizeLimits() throws {
        let rules = try #require(RiskRules.topstepCombine(50))
        var b = BarBuilder(start: "2019-03-05T15:00:00Z")   // 09:00 CT
        b.bar(10000, 10000, 10000, 10000)
        b.bar(10000, 10000, 10000, 10000)
        b.bar(9880, 9881, 9870, 9880)                       // −120 ticks on 1: −1,500 → DLL headroom 500 < buffer 250? no: 1000−1500
        b.bar(9880, 9881, 9879, 9880)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market, qty: 6)) }
        st.at(0) { $0.place(order(.buy, .market, qty: 5)) }
        let (r, _) = runFixture(b, st, rules: rules)
        #expect(st.results[0].rejection == .sizeAboveLimit(requested: 6, limit: 5))
        #expect(st.results[1].orderID != nil)
        #expect(r.fills.first?.quantity == 5)

        // Safety buffer: with 250 of the 1,000 DLL left or less, new entries are cut to 1.
        var c = BarBuilder(start: "2019-03-05T15:00:00Z")
        c.bar(10000, 10000, 10000, 10000)
        c.bar(10000, 10000, 10000, 10000)                   // long 1 at 10000
        c.bar(9940, 9941, 9939, 9940)                       // −60 ticks = −750: 250 left
        c.bar(9940, 9941, 9939, 9940)
        let st2 = ScriptedStrategy()
        st2.at(0) { $0.place(order(.buy, .market)) }
        st2.at(2) { $0.place(order(.buy, .limit(p(9000)), qty: 3)) }
        let (_, ex2) = runFixture(c, st2, rules: rules)
        #expect(ex2.order(OrderID(2))?.request.quantity == 1)
        #expect(st2.seenEvents.contains { if case .ruleBreached(let rb) = $0 { rb.rule == .sizeReduced } else { false } })
    }

    @Test("entries are refused after the cut-off and everything is flat at the flatten time")
    func endOfDay() throws {
        let rules = try #require(RiskRules.topstepCombine(50))   // no entries from 15:00 CT, flat at 15:05 CT
        var b = BarBuilder(start: "2019-03-05T20:58:00Z")        // 14:58 CST
        for _ in 0..<10 { b.bar(10000, 10001, 9999, 10000) }
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market)) }                          // 14:58: fills 14:59
        st.at(2) { $0.place(order(.buy, .limit(p(9990)))) }                  // 15:00: refused
        let (r, ex) = runFixture(b, st, rules: rules)
        #expect(st.results[1].rejection == .riskRule(.endOfDay, "no new entries after 15:00 America/Chicago"))
        #expect(r.trades.map(\.exitReason) == ["eod"])
        #expect(r.trades.first?.exitTime == Timestamp(iso8601: "2019-03-05T21:05:00Z"))
        #expect(ex.position("ES").isFlat)
    }
}
