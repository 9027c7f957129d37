import Backtest
import Data
import Foundation
import Indicators
import Reports
import Testing
import Trading

@Suite("The report's tables agree with the run")
struct ReportModelTests {
    @Test("a hand-built run: three trades, daily P&L, drawdown and months add up to the summary")
    func engineRun() throws {
        let r = Fixtures.engineRun()
        #expect(r.trades.map(\.side) == ["long", "short", "long"])
        // 15 ticks long, 8 ticks against two contracts, 12 ticks long; $3.78 of fees a contract.
        #expect(r.trades.map(\.pnl) == [Money(cents: 187_50 - 3_78), Money(cents: -2 * 100_00 - 7_56), Money(cents: 150_00 - 3_78)])
        #expect(r.trades.map(\.exitReason) == ["signal", "signal", "signal"])
        #expect(r.trades.map(\.entryPrice) == ["2500.25", "2504.00", "2506.00"])
        let daily = r.daily()
        #expect(daily.count == r.equity.count)
        #expect(daily.reduce(Money.zero) { $0 + $1.pnl } == r.netPnL)
        #expect(daily.reduce(0) { $0 + $1.trades } == r.trades.count)
        #expect(daily.allSatisfy { $0.limit == Money(cents: 1000_00) && !$0.limitHit })
        #expect(r.netPnL == r.trades.reduce(Money.zero) { $0 + $1.pnl })
        // The deepest underwater point is the summary's max drawdown.
        let uw = r.underwater()
        #expect(abs(-(uw.map(\.drawdown.dollars).min() ?? 0) - (r.summary.maxDrawdownUsd ?? 0)) < 0.005)
        // One month: its P&L is the run's.
        #expect(r.monthly().map(\.pnl) == [r.netPnL])
        let stats = r.tradeStatistics()
        #expect(stats.trades == 3 && stats.wins == 2 && stats.losses == 1)
        #expect(r.trades[1].maeUSD == Money(cents: -2 * 12_50 * r.trades[1].maeTicks))
    }

    @Test("months across a year end chain their returns on the previous month's close")
    func months() {
        let r = Fixtures.synthetic(trades: 400, days: 60)
        let months = r.monthly()
        #expect(months.map { "\($0.year)-\($0.month)" } == ["2023-12", "2024-1", "2024-2", "2024-3"])
        #expect(months.reduce(Money.zero) { $0 + $1.pnl } == r.netPnL)
        var base = r.startingBalance
        for m in months {
            #expect(abs(m.returnFraction - m.pnl.dollars / base.dollars) < 1e-12)
            base = m.endEquity
        }
    }

    @Test("a day at or below the daily loss limit, or with a daily-loss-limit breach, is marked")
    func limitDays() {
        let start = Money(cents: 50_000_00)
        let dates = [TradeDate(year: 2024, month: 1, day: 2), TradeDate(year: 2024, month: 1, day: 3), TradeDate(year: 2024, month: 1, day: 4)]
        let equity = zip(dates, [Money(cents: 49_000_00), Money(cents: 48_999_99), Money(cents: 48_500_00)]).map { d, e in
            EquityPoint(time: ZoneRules.newYork.utc(fromLocal: d.at(hour: 17, minute: 0)), tradeDate: d, balance: e, equity: e)
        }
        let summary = Fixtures.summary(trades: [], equity: equity, start: start,
                                       breaches: [("daily loss limit", "2024-01-04T15:00:00Z", "equity met the level")])
        let r = RunReport(summary: summary, configText: "account.daily_loss_limit=1000.00\n", trades: [], fills: [], equity: equity)
        #expect(r.dailyLossLimit == Money(cents: 1000_00))
        #expect(r.daily().map(\.limitHit) == [true, false, true])
        #expect(r.daily().map(\.pnl) == [Money(cents: -1000_00), Money(cents: -1), Money(cents: -499_99)])
        let off = RunReport(summary: summary, configText: "account.daily_loss_limit=off\n", trades: [], fills: [], equity: equity)
        #expect(off.dailyLossLimit == nil)
    }
}
