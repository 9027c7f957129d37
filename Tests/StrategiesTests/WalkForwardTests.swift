import Backtest
import Data
import Strategies
import Testing
import Trading
import TSXLabTesting

@Suite("Walk-forward")
struct WalkForwardTests {
    @Test("windows tile the data: in-sample ends exactly where its out-of-sample begins, rolling or anchored")
    func windows() throws {
        var b = BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize("0.25")!)
        // Twelve months of one bar a day (the bar values do not matter here).
        var t = Timestamp(year: 2019, month: 1, day: 2).seconds
        while t < Timestamp(year: 2020, month: 1, day: 1).seconds { b.append(Bar(t, 100, 101, 99, 100, 1)); t += 86_400 }
        let rolling = WalkForward(inMonths: 3, outMonths: 1, anchored: false).windows(b)
        #expect(rolling.count == 9)
        for (k, w) in rolling.enumerated() {
            #expect(w.inSample.upperBound == w.outOfSample.lowerBound)
            #expect(b.time[w.inSample.upperBound - 1] < b.time[w.outOfSample.lowerBound])
            if k > 0 { #expect(w.outOfSample.lowerBound == rolling[k - 1].outOfSample.upperBound) }
            let first = CivilTime(utcSeconds: b.time[w.outOfSample.lowerBound])
            #expect(first.month == k + 4 && first.day == 1)
        }
        let anchored = WalkForward(inMonths: 3, outMonths: 1, anchored: true).windows(b)
        #expect(anchored.allSatisfy { $0.inSample.lowerBound == 0 })
        #expect(try WalkForward.parse("in=6,out=1,anchored") == WalkForward(inMonths: 6, outMonths: 1, anchored: true))
        #expect(throws: DataError.self) { try WalkForward.parse("in=6") }
    }

    @Test("optimisation never sees out-of-sample bars: scrambling them leaves every window's choice unchanged")
    func noPeeking() async throws {
        let series = try SharedData.loadBars("ES_1m_2016.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!,
                                             from: Timestamp(year: 2016, month: 1, day: 1), to: Timestamp(year: 2016, month: 6, day: 1))
        let space = SweepSpace(axes: [SweepAxis(name: "fast", values: ["5", "10"]), SweepAxis(name: "slow", values: ["60", "120"])])
        let wf = WalkForward(inMonths: 2, outMonths: 1, anchored: false)
        @Sendable func best(_ bars: BarSeries) async throws -> SweepCell {
            var results: [SweepOutcome] = []
            try await SweepRunner.run(space.grid(), workers: 2, isCancelled: { false }, evaluate: { cell in
                var cfg = ExchangeConfig()
                cfg.pathModel = .stopFirst
                cfg.enforceSessions = false
                let st = SMABracket(symbol: "ES", parameters: .init(fast: Int(cell.values["fast"]!)!, slow: Int(cell.values["slow"]!)!))
                let ex = SimulatedExchange(instruments: [Instrument(spec: esSpecification)], rules: .unlimited(), config: cfg)
                let r = BacktestEngine(exchange: ex, strategies: [st]).run(bars)
                return SweepOutcome(cell: cell, configHash: "\(cell.index)", trades: r.trades.count, netPnl: r.netPnL, winRate: 0,
                                    profitFactor: nil, sharpe: nil, maxDrawdown: nil, ruleBreaches: 0, seconds: 0)
            }) { results.append($0) }
            return results.max { ($0.netPnl, -$0.cell.index) < ($1.netPnl, -$1.cell.index) }!.cell
        }
        let windows = wf.windows(series)
        #expect(windows.count == 3)
        for w in windows {
            // The same window with every bar from the out-of-sample start on mirrored.
            var scrambled = series.slice(0..<w.outOfSample.lowerBound)
            let pivot = series.close[w.outOfSample.lowerBound - 1]
            for i in w.outOfSample.lowerBound..<series.count {
                let b = series[i]
                scrambled.append(Bar(b.time.seconds, 2 * pivot - b.open.ticks, 2 * pivot - b.low.ticks, 2 * pivot - b.high.ticks, 2 * pivot - b.close.ticks, b.volume))
            }
            let a = try await best(series.slice(w.inSample))
            let b = try await best(scrambled.slice(w.inSample))
            #expect(a == b)
        }
    }
}

@Suite("Sweep space")
struct SweepSpaceTests {
    @Test("axes parse lists, ranges and pairs; the grid nests the first axis outermost; neighbours step along each axis")
    func space() throws {
        #expect(try SweepAxis.parse("atr_period=10..20:2").tuples.map { $0[0] } == ["10", "12", "14", "16", "18", "20"])
        #expect(try SweepAxis.parse("sl_mult=1.5,2,2.5").tuples.map { $0[0] } == ["1.5", "2", "2.5"])
        #expect(try SweepAxis.parse("m=0.5..1:0.25").tuples.map { $0[0] } == ["0.50", "0.75", "1.00"])
        let pair = try SweepAxis.parse("stop_ticks,target_ticks=8:8,12:24")
        #expect(pair.names == ["stop_ticks", "target_ticks"] && pair.tuples == [["8", "8"], ["12", "24"]])
        let space = SweepSpace(axes: [try SweepAxis.parse("fast=5,10"), try SweepAxis.parse("slow=60,90,120"), pair])
        #expect(space.count == 12)
        #expect(space.cell(0).values == ["fast": "5", "slow": "60", "stop_ticks": "8", "target_ticks": "8"])
        #expect(space.cell(1).values["stop_ticks"] == "12" && space.cell(2).values["slow"] == "90")
        #expect(space.cell(11).values == ["fast": "10", "slow": "120", "stop_ticks": "12", "target_ticks": "24"])
        #expect(Set(space.neighbours(of: 2)) == [8, 0, 4, 3])   // fast ±1, slow ±1, bracket +1
        #expect(space.random(5, seed: 7) == space.random(5, seed: 7) && Set(space.random(5, seed: 7).map(\.index)).count == 5)
        #expect(SweepSpace.shard(space.grid(), k: 2, n: 3).map(\.index) == [1, 4, 7, 10])
    }
}
