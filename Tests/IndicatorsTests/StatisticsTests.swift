import Data
import Foundation
import Indicators
import Testing

/// Equity and trade statistics against empyrical-reloaded and a plain-Python reference
/// (`scripts/reference/stats_empyrical.py`), the documented undefined cases, and the batch form.
@Suite("Performance statistics")
struct StatisticsTests {
    let expected: [String: [String: String]]

    init() throws {
        var e: [String: [String: String]] = [:]
        for row in try fixtureTable("stats_expected.csv").rows { e[String(row[0]), default: [:]][String(row[1])] = String(row[2]) }
        expected = e
    }

    func want(_ curve: String, _ metric: String) throws -> Double {
        Double(try #require(expected[curve]?[metric], "fixture lacks \(curve).\(metric)"))!
    }
    func wantTime(_ curve: String, _ metric: String) throws -> Int64? {
        let s = try #require(expected[curve]?[metric], "fixture lacks \(curve).\(metric)")
        return s.isEmpty ? nil : ts(s)
    }
    func curve(_ name: String) throws -> EquityCurve { try EquityCurve(csv: try fixtureText(name), source: name) }

    @Test("equity statistics match empyrical (Sharpe, Sortino, volatility, annual return, max drawdown, Calmar) and the Python drawdown dates", arguments: [
        ("buyhold", "stats_ES_2019_buyhold_equity.csv"), ("rth", "stats_ES_2019_rth_equity.csv"),
    ])
    func equityMatchesEmpyrical(_ name: String, _ file: String) throws {
        let c = try curve(file)
        let s = try Performance.statistics(of: c)   // trade-date periods: one point per trade date here
        #expect(s.periods == Int(try want(name, "returns")))
        for (got, metric) in [(s.sharpe, "sharpe"), (s.sortino, "sortino"), (s.annualVolatility, "annual_volatility"),
                              (s.annualisedReturn, "annual_return"), (s.calmar, "calmar"), (s.totalReturn, "total_return"),
                              (s.cagr ?? .nan, "cagr"), (s.maxDrawdownPercent?.fraction ?? .nan, "max_drawdown")] {
            let w = try want(name, metric)
            #expect(close(got, metric == "max_drawdown" ? -w : w), "\(name) \(metric): \(got) vs \(w)")
        }
        let byAmount = try #require(s.maxDrawdown), byFraction = try #require(s.maxDrawdownPercent)
        #expect(close(byAmount.amount, try want(name, "max_drawdown_amount")))
        #expect(byAmount.peak.seconds == (try wantTime(name, "max_drawdown_amount_peak")))
        #expect(byAmount.trough.seconds == (try wantTime(name, "max_drawdown_amount_trough")))
        #expect(byAmount.recovery?.seconds == (try wantTime(name, "max_drawdown_amount_recovery")))
        #expect(byFraction.peak.seconds == (try wantTime(name, "max_drawdown_fraction_peak")))
        #expect(byFraction.trough.seconds == (try wantTime(name, "max_drawdown_fraction_trough")))
        #expect(byFraction.recovery?.seconds == (try wantTime(name, "max_drawdown_fraction_recovery")))
        #expect(byFraction.duration == Int64(try want(name, "max_drawdown_fraction_duration")))
        #expect(s.longestDrawdown?.duration == Int64(try want(name, "longest_drawdown_duration")))
        // As-given periods are the same here: the file already has one point per trade date.
        let given = try Performance.statistics(of: c, options: .init(periods: .asGiven))
        #expect(given.sharpe == s.sharpe && given.sortino == s.sortino)
    }

    @Test("trade statistics match the reference: win rate, profit factor, expectancy, streaks, exposure, MAE/MFE")
    func tradesMatchReference() throws {
        let trades = try TradeRecord.parse(csv: try fixtureText("stats_ES_2019_rth_trades.csv"), source: "trades")
        let s = Performance.statistics(of: trades)
        let n = "rth_trades"
        for (got, metric) in [(s.trades, "trades"), (s.wins, "wins"), (s.losses, "losses"),
                              (s.longestWinStreak, "longest_win_streak"), (s.longestLossStreak, "longest_loss_streak")] {
            let w = Int(try want(n, metric))
            #expect(got == w, "\(metric)")
        }
        for (got, metric) in [(s.netProfit, "net_profit"), (s.grossProfit, "gross_profit"), (s.grossLoss, "gross_loss"),
                              (s.winRate, "win_rate"), (s.profitFactor ?? .nan, "profit_factor"), (s.expectancy, "expectancy"),
                              (s.averageWin, "average_win"), (s.averageLoss, "average_loss"), (s.largestWin, "largest_win"),
                              (s.largestLoss, "largest_loss"), (s.exposure ?? .nan, "exposure"), (s.averageMAE ?? .nan, "average_mae"),
                              (s.averageMFE ?? .nan, "average_mfe"), (s.worstMAE ?? .nan, "worst_mae"), (s.bestMFE ?? .nan, "best_mfe")] {
            let w = try want(n, metric)
            #expect(close(got, w), "\(metric): \(got) vs \(w)")
        }
    }

    @Test("MAE/MFE from bars equal the reference's, trade by trade")
    func excursionsFromBars() throws {
        let bars = try es2019Bars.get()
        let trades = try TradeRecord.parse(csv: try fixtureText("stats_ES_2019_rth_trades.csv"), source: "trades")
        let (_, rows) = try fixtureTable("stats_ES_2019_rth_trades.csv")
        for (t, row) in zip(trades, rows) {
            let entry = Int64((Double(row[3])! * 4).rounded())
            let (mae, mfe) = TradeExcursion.compute(bars, entryTime: t.entryTime!, exitTime: t.exitTime!, entryPrice: entry, side: .long)
            #expect(Double(mae) * 12.5 == t.mae && Double(mfe) * 12.5 == t.mfe, "\(row[0])")
        }
        // A short mirrors it.
        let one = series([Bar(0, 100, 104, 97, 101, 1), Bar(60, 101, 102, 99, 100, 1)])
        #expect(TradeExcursion.compute(one, entryTime: 0, exitTime: 120, entryPrice: 100, side: .short) == (-4, 3))
        #expect(TradeExcursion.compute(one, entryTime: 0, exitTime: 0, entryPrice: 100, side: .long) == (0, 0))
    }

    @Test("a flat curve: Sharpe, Sortino, volatility and Calmar are 0 (documented), not NaN; no drawdown")
    func flatCurve() throws {
        let c = EquityCurve(time: (0..<10).map { Int64($0) * 86_400 + ts("2019-01-07T20:00:00Z") }, equity: Array(repeating: 50_000, count: 10))
        let s = try Performance.statistics(of: c)
        #expect(s.sharpe == 0 && s.sortino == 0 && s.annualVolatility == 0 && s.calmar == 0 && s.totalReturn == 0)
        #expect(s.maxDrawdown == nil && s.longestDrawdown == nil)
        #expect(Performance.sharpe([0.01, 0.01, 0.01]) == 0)      // constant non-zero returns: zero variance
        #expect(Performance.sharpe([0.01]) == 0 && Performance.sortino([0.01]) == 0)
        #expect(Performance.sortino([0.01, 0.02]) == 0)             // no losing period: 0 by definition
        #expect(Performance.sharpe([]) == 0)
    }

    @Test("small hand-checked curve: returns by trade date, drawdown dates, exposure from positions")
    func handChecked() throws {
        // Points (trade dates of the CME calendar): Mon 07 start 100, Mon 07 20:00Z 110, Tue 08 21:00Z
        // (15:00 CT) 99, Tue 08 23:30Z (Wed's session) 99, Wed 09 20:00Z 121.
        let t = ["2019-01-07T14:00:00Z", "2019-01-07T20:00:00Z", "2019-01-08T21:00:00Z", "2019-01-08T23:30:00Z", "2019-01-09T20:00:00Z"].map(ts)
        let c = EquityCurve(time: t, equity: [100, 110, 99, 99, 121], position: [1, 0, 0, 2, 0])
        let (closes, returns) = try Performance.periodReturns(c)
        #expect(closes == [t[1], t[2], t[4]])
        #expect(zip(returns, [0.1, -0.1, 121.0 / 99 - 1]).allSatisfy { close($0, $1, 1e-15) })
        let s = try Performance.statistics(of: c)
        let dd = try #require(s.maxDrawdown)
        #expect(dd.amount == 11 && close(dd.fraction, 0.1, 1e-15))
        #expect(dd.peak.seconds == t[1] && dd.trough.seconds == t[2] && dd.recovery?.seconds == t[4] && dd.duration == t[4] - t[1])
        // In the market from t0 to t1 and from t3 to t4.
        #expect(close(s.exposure!, Double((t[1] - t[0]) + (t[4] - t[3])) / Double(t[4] - t[0]), 1e-15))
        #expect(close(s.totalReturn, 0.21, 1e-15))
        let m = returns.reduce(0, +) / 3
        let sd = (returns.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 2).squareRoot()
        #expect(close(s.sharpe, m / sd * 252.0.squareRoot(), 1e-14))
        let downside = (0.01 / 3).squareRoot()
        #expect(close(s.sortino, m * 252 / (downside * 252.0.squareRoot()), 1e-14))
    }

    @Test("equity must stay positive and time must increase")
    func invalidCurves() {
        #expect(throws: StatisticsError.nonPositiveEquity(index: 1, time: Timestamp(seconds: 60), equity: 0)) {
            try Performance.statistics(of: EquityCurve(time: [0, 60], equity: [100, 0]))
        }
        #expect(throws: StatisticsError.timeNotIncreasing(index: 1, time: Timestamp(seconds: 0))) {
            try Performance.statistics(of: EquityCurve(time: [0, 0], equity: [100, 101]))
        }
        #expect(throws: StatisticsError.empty) { try Performance.statistics(of: EquityCurve(time: [], equity: [])) }
    }

    @Test("a single trade, all-losing trades, breakevens and no trades")
    func tradeEdgeCases() {
        let one = Performance.statistics(of: [TradeRecord(pnl: 125)])
        #expect(one.trades == 1 && one.wins == 1 && one.winRate == 1 && one.expectancy == 125 && one.profitFactor == nil)
        #expect(one.largestWin == 125 && one.largestLoss == 0 && one.longestWinStreak == 1 && one.exposure == nil)
        let losers = Performance.statistics(of: [-50, -25.5, -100].map { TradeRecord(pnl: $0) })
        #expect(losers.winRate == 0 && losers.profitFactor == 0 && losers.averageWin == 0 && losers.payoffRatio == 0)
        #expect(losers.averageLoss == -175.5 / 3 && losers.largestLoss == -100 && losers.longestLossStreak == 3)
        let mixed = Performance.statistics(of: [10, 10, 0, 10, -5, -5, 0, -5].map { TradeRecord(pnl: $0) })
        #expect(mixed.longestWinStreak == 2 && mixed.longestLossStreak == 2 && mixed.breakeven == 2 && mixed.winRate == 3.0 / 8)
        #expect(mixed.profitFactor == 2 && mixed.payoffRatio == 2)
        let none = Performance.statistics(of: [])
        #expect(none.trades == 0 && none.winRate == 0 && none.expectancy == 0 && none.profitFactor == nil)
        // Overlapping trades count their shared time once.
        let overlap = Performance.statistics(of: [TradeRecord(pnl: 1, entryTime: 0, exitTime: 100),
                                                  TradeRecord(pnl: 1, entryTime: 50, exitTime: 150),
                                                  TradeRecord(pnl: 1, entryTime: 300, exitTime: 400)])
        #expect(overlap.exposure == 250.0 / 400)
    }

    @Test("CSV input: aliases, epoch seconds, positions, and errors that name the line and field")
    func csvInput() throws {
        let c = try EquityCurve(csv: "# comment\nTime,Balance,Position\n1546383600,100,1\n2019-01-02T00:00:00Z,101,\n", source: "e.csv")
        #expect(c.time == [1_546_383_600, 1_546_387_200] && c.equity == [100, 101] && c.position == [1, 0])
        #expect(throws: DataError.badInput(file: "e.csv", line: 3, field: "equity", reason: "'x' is not a number")) {
            try EquityCurve(csv: "timestamp,equity\n0,100\n60,x\n", source: "e.csv")
        }
        do {
            _ = try EquityCurve(csv: "when,equity\n0,1\n", source: "e.csv")
            Issue.record("a file without a time column must fail")
        } catch let e as DataError {
            #expect(e.description.contains("no 'timestamp' column"))
        }
        let t = try TradeRecord.parse(csv: "side,pnl,entry_time,exit_time,mae\nlong,-12.5,0,60,\nshort,\"30\",60,120,-25\n", source: "t.csv")
        #expect(t == [TradeRecord(pnl: -12.5, entryTime: 0, exitTime: 60), TradeRecord(pnl: 30, entryTime: 60, exitTime: 120, mae: -25)])
    }

    @Test("batch statistics equal the single-curve ones, loops and OpenBLAS alike", arguments: PerformanceBatch.Method.allCases)
    func batch(_ method: PerformanceBatch.Method) throws {
        // 40 curves of 500 daily points from real closes (a buy or a sell of one ES at each offset),
        // one flat curve and one that goes through zero.
        let closes = try es2019Bars.get().close
        let points = 500, curves = 42
        var equity: [Double] = []
        for c in 0..<40 {
            let side = c % 2 == 0 ? 1.0 : -1.0
            let start = c * 3_000
            for j in 0..<points { equity.append(100_000 + side * 12.5 * Double(closes[start + j * 400] - closes[start])) }
        }
        equity += Array(repeating: 50_000, count: points)
        equity += (0..<points).map { 1_000 - Double($0) * 3 }
        let r = PerformanceBatch.compute(equity: equity, curves: curves, points: points, method: method)
        for c in 0..<40 {
            let row = Array(equity[(c * points)..<((c + 1) * points)])
            let s = try Performance.statistics(of: EquityCurve(time: (0..<points).map { Int64($0) * 86_400 }, equity: row),
                                               options: .init(periods: .asGiven))
            #expect(close(r.sharpe[c], s.sharpe, 1e-11) && close(r.sortino[c], s.sortino, 1e-11), "curve \(c) \(method)")
            #expect(close(r.annualVolatility[c], s.annualVolatility, 1e-11) && close(r.annualisedReturn[c], s.annualisedReturn, 1e-13))
            #expect(close(r.maxDrawdown[c], s.maxDrawdownPercent?.fraction ?? 0, 1e-15) && r.maxDrawdownAmount[c] == (s.maxDrawdown?.amount ?? 0))
            #expect(r.totalReturn[c] == s.totalReturn)
        }
        #expect(r.sharpe[40] == 0 && r.sortino[40] == 0 && r.maxDrawdown[40] == 0)
        #expect(r.sharpe[41].isNaN && r.maxDrawdown[41].isNaN)
        let other = PerformanceBatch.compute(equity: equity, curves: curves, points: points, method: method == .loops ? .blas : .loops)
        expectClose(r.sharpe, other.sharpe, 1e-11, "loops vs blas")
    }
}
