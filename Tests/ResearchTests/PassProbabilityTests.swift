import Data
import Foundation
import Research
import Testing

@Suite("Monte Carlo pass probability against exact answers")
struct PassProbabilityTests {
    static let day0 = TradeDate(year: 2024, month: 1, day: 2)

    /// Rules in units of one dollar per trade: start 1,000, no consistency, no minimum days.
    static func rules(drawdown: Int64, target: Int64, basis: CombineRules.MaxLossBasis, lock: CombineRules.MaxLossLock = .none,
                      dailyLimit: Int64? = nil) -> CombineRules {
        CombineRules(name: "unit", startBalance: Money(cents: 1000_00), profitTarget: Money(cents: target * 100),
                     dailyLossLimit: dailyLimit.map { Money(cents: $0 * 100) }, maxLoss: Money(cents: drawdown * 100),
                     maxLossBasis: basis, maxLossLock: lock, consistencyShare: nil, minDays: 0, resetPrice: Money(cents: 49_00))
    }

    /// A history of ±1 trades with exactly `wins` of `wins + losses` winning, `perDay` to a day,
    /// wins and losses interleaved (so a day-block bootstrap of length 1 sees the same mix).
    static func coinHistory(wins: Int, losses: Int, perDay: Int) -> TradeHistory {
        var outcomes = Array(repeating: 1.0, count: wins) + Array(repeating: -1.0, count: losses)
        var g = SeededGenerator(seed: 7)
        outcomes.shuffle(using: &g)
        let trades = outcomes.enumerated().map { i, x in
            HistoryTrade(tradeDate: TradeDate(dayNumber: day0.dayNumber + Int64(i / perDay)), pnl: x, low: min(0, x), high: max(0, x))
        }
        return TradeHistory(trades: trades)
    }

    static func within3SE(_ e: Estimate, _ exact: Double, _ label: Comment) {
        #expect(abs(e.value - exact) <= 3 * e.se + 1e-12, "\(label): simulated \(e.value) ± \(e.se), exact \(exact)")
    }

    @Test("static drawdown: P(pass) = (1 − r^D) / (1 − r^(D+G)), gambler's ruin")
    func staticDrawdown() throws {
        let p = 0.55, r = (1 - p) / p
        let (d, g) = (5.0, 7.0)
        let exact = (1 - pow(r, d)) / (1 - pow(r, d + g))
        let history = Self.coinHistory(wins: 55, losses: 45, perDay: 1)
        let result = try PassProbability.simulate(history, rules: Self.rules(drawdown: 5, target: 7, basis: .static),
                                                  options: PassProbabilityOptions(resampling: .trades, paths: 20_000, days: 2_000, seed: 11))
        Self.within3SE(result.pass, exact, "pass")
        Self.within3SE(result.fail, 1 - exact, "fail")
        #expect(result.neither.value < 1e-3)
        #expect(result.pass.se > 0.003 && result.pass.se < 0.004)  // √(p(1−p)/20,000)
    }

    @Test("drawdown trailing the closed balance's high, no lock: [(1 − r^D) / (1 − r^(D+1))]^G")
    func trailingDrawdown() throws {
        let p = 0.6, r = (1 - p) / p
        let (d, g) = (3.0, 6.0)
        let exact = pow((1 - pow(r, d)) / (1 - pow(r, d + 1)), g)
        let history = Self.coinHistory(wins: 60, losses: 40, perDay: 1)
        // The same answer for the two trailing bases: one trade a day makes each close an EOD.
        for (basis, resampling) in [(CombineRules.MaxLossBasis.intraday, PassProbabilityOptions.Resampling.trades), (.eod, .days)] {
            let result = try PassProbability.simulate(history, rules: Self.rules(drawdown: 3, target: 6, basis: basis),
                                                      options: PassProbabilityOptions(resampling: resampling, paths: 20_000, days: 2_000, block: .fixed(1), seed: 3))
            Self.within3SE(result.pass, exact, "\(basis) pass")
            // A static level would pass far more often: the trailing level is what is measured.
            let staticPass = (1 - pow(r, d)) / (1 - pow(r, d + g))
            #expect(result.pass.value < staticPass - 0.1)
        }
    }

    /// Exact P(pass by day h) and P(fail by day h) for i.i.d. ±1 trades (win probability p),
    /// `perDay` trades a day, a static drawdown D, target G at the day's end, and a daily loss
    /// limit L that stops the day at −L (the maximum loss wins a tie, as in the replay).
    static func exactDailyLimit(p: Double, perDay: Int, d: Int, g: Int, l: Int, days: Int) -> (pass: Double, fail: Double) {
        // alive[x + d]: probability of being alive at a day's start with profit x, −d < x < g.
        var alive = [Double](repeating: 0, count: d + g + 1)
        alive[d] = 1
        var pass = 0.0, fail = 0.0
        for _ in 0..<days {
            var next = [Double](repeating: 0, count: d + g + 1)
            for x in (-d + 1)..<g where alive[x + d] > 0 {
                // Day P&L y from −perDay…perDay; `running` holds paths still trading.
                var running: [Int: Double] = [0: alive[x + d]]
                var stopped = [Int: Double]()
                for _ in 0..<perDay {
                    var after = [Int: Double]()
                    for (y, q) in running {
                        after[y + 1, default: 0] += q * p
                        let down = y - 1
                        if x + down <= -d { fail += q * (1 - p) }                 // maximum loss first (or tied)
                        else if down <= -l { stopped[down, default: 0] += q * (1 - p) }  // the day stops at −L
                        else { after[down, default: 0] += q * (1 - p) }
                    }
                    running = after
                }
                for (y, q) in running.merging(stopped, uniquingKeysWith: +) {
                    if x + y >= g { pass += q } else { next[x + y + d] += q }
                }
            }
            alive = next
        }
        return (pass, fail)
    }

    @Test("a daily loss limit agrees with an exact dynamic program over the P&L grid")
    func dailyLossLimit() throws {
        let (p, perDay, d, g, l, days) = (0.5, 4, 6, 5, 2, 15)
        let exact = Self.exactDailyLimit(p: p, perDay: perDay, d: d, g: g, l: l, days: days)
        let history = Self.coinHistory(wins: 200, losses: 200, perDay: perDay)
        let rules = Self.rules(drawdown: Int64(d), target: Int64(g), basis: .static, dailyLimit: Int64(l))
        let result = try PassProbability.simulate(history, rules: rules, options: PassProbabilityOptions(resampling: .trades, paths: 20_000, days: days, seed: 5))
        Self.within3SE(result.pass, exact.pass, "pass")
        Self.within3SE(result.fail, exact.fail, "fail")
        Self.within3SE(result.neither, 1 - exact.pass - exact.fail, "neither")
        // Without the limit the same trades fail more often, by more than the test can miss.
        let unlimited = Self.exactDailyLimit(p: p, perDay: perDay, d: d, g: g, l: 100, days: days)
        #expect(unlimited.fail - result.fail.value > 5 * result.fail.se)
    }

    @Test("the same seed gives the same answer; days to pass and resets are consistent with the counts")
    func summary() throws {
        let history = Self.coinHistory(wins: 60, losses: 40, perDay: 3)
        let rules = Self.rules(drawdown: 6, target: 8, basis: .eod, lock: .startBalance)
        let options = PassProbabilityOptions(resampling: .days, paths: 3_000, days: 30, block: .auto, seed: 9)
        let a = try PassProbability.simulate(history, rules: rules, options: options)
        let b = try PassProbability.simulate(history, rules: rules, options: options)
        #expect(a == b)
        var other = options
        other.seed = 10
        #expect(try PassProbability.simulate(history, rules: rules, options: other) != a)
        #expect(a.passesByDay.reduce(0, +) == Int((a.pass.value * 3_000).rounded()))
        #expect(abs(a.pass.value + a.fail.value + a.neither.value - 1) < 1e-12)
        let resets = try #require(a.expectedResets)
        #expect(abs(resets.value - a.fail.value / a.pass.value) < 1e-12)
        #expect(abs(try #require(a.expectedResetCost).value - resets.value * 49) < 1e-9)
        let days = a.daysToPass.map(\.days)
        #expect(days == days.sorted() && days.first! >= 1 && days.last! <= 30)
        #expect(a.meanBlockLength >= 1)
    }

    /// The reference's worked example A (50K, no DLL): +800, +600, +500, −1,100, +400, +1,000, +900,
    /// one trade a day; `adverse` and `favourable` give excursions by 1-based day.
    static func exampleA(adverse: [Int: Double] = [:], favourable: [Int: Double] = [:], day6: Double = 1000,
                         more: [Double] = [900]) -> TradeHistory {
        let pnl: [Double] = [800, 600, 500, -1100, 400, day6] + more
        return TradeHistory(trades: pnl.enumerated().map { i, x in
            HistoryTrade(tradeDate: TradeDate(dayNumber: day0.dayNumber + Int64(i)), pnl: x, fees: 0,
                         adverse: adverse[i + 1] ?? 0, favourable: favourable[i + 1] ?? 0)
        })
    }

    @Test("replay by hand: a pass, an intraday breach of the EOD-trailing level, a consistency-delayed pass")
    func handChecked() throws {
        let rules = try CombineRules.load("topstep-50k")
        var h = Self.exampleA()
        #expect(PassProbability.replay(h, rules: rules, order: Array(0..<7)) == (.passed, 7))
        // Day 5: an open loss marks equity at 49,880, at or below the 49,900 level → failed that day.
        h = Self.exampleA(adverse: [5: 920])
        #expect(PassProbability.replay(h, rules: rules, order: Array(0..<7)) == (.failed, 5))
        h = Self.exampleA(adverse: [5: 899])
        #expect(PassProbability.replay(h, rules: rules, order: Array(0..<7)) == (.passed, 7))
        // Day 6 of +1,900 makes 3,100 but needs 1,900 / 0.55 = 3,454.55: +300, then +100 passes on day 8.
        h = Self.exampleA(day6: 1900, more: [300, 100])
        #expect(PassProbability.replay(h, rules: rules, order: Array(0..<8)) == (.passed, 8))
        // An unrealised +1,500 on day 5 does not move an EOD level (49,900), but does an intraday
        // one (52,300 − 2,000 locked at 50,000): day 6 dipping 1,250 from 51,200 fails only the latter.
        h = Self.exampleA(adverse: [6: 1250], favourable: [5: 1500])
        #expect(PassProbability.replay(h, rules: rules, order: Array(0..<7)) == (.passed, 7))
        var intraday = rules
        intraday.maxLossBasis = .intraday
        #expect(PassProbability.replay(h, rules: intraday, order: Array(0..<7)) == (.failed, 6))
        // With the optional $1,000 DLL, day 2 marked down 1,100 (level 48,800 far below) stops at
        // −1,000 and closes there: 1,500 of profit after day 7 instead of a pass.
        let dll = try CombineRules.load("topstep-50k-dll")
        h = Self.exampleA(adverse: [2: 1100])
        #expect(PassProbability.replay(h, rules: rules, order: Array(0..<7)) == (.passed, 7))
        #expect(PassProbability.replay(h, rules: dll, order: Array(0..<7)) == (.neither, 7))
        // The limit does not save a day whose maximum loss level is the higher one: day 5 (level
        // 49,900, 900 below its start) marked down 1,100 fails with or without it.
        h = Self.exampleA(adverse: [5: 1100])
        #expect(PassProbability.replay(h, rules: dll, order: Array(0..<7)) == (.failed, 5))
    }
}
