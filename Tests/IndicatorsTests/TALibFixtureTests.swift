import Data
import Foundation
import Indicators
import Testing

/// The vectorised indicators against TA-Lib's own output on the ESM8 week
/// (`scripts/reference/indicators_talib.py`). Inputs are ticks, converted to points at the end;
/// TA-Lib ran on points. Equal to 1e-9 relative, exactly where the values are on the tick grid.
@Suite("TA-Lib fixtures (ESM8 week)")
struct TALibFixtureTests {
    let bars: BarSeries
    let columns: [String: [Double]]
    let high: [Double], low: [Double], close: [Double]

    init() throws {
        bars = try esm8Bars.get()
        let (header, rows) = try fixtureTable("talib_ESM8.csv.gz")
        var cols: [String: [Double]] = [:]
        for (j, name) in header.enumerated().dropFirst() {
            cols[name] = rows.map { $0[j].isEmpty ? .nan : Double($0[j])! }
        }
        columns = cols
        #expect(rows.count == bars.count)
        for (i, row) in rows.enumerated() where ts(String(row[0])) != bars.time[i] {
            Issue.record("fixture row \(i) is \(row[0]), the dataset's bar is \(Timestamp(seconds: bars.time[i]))")
            break
        }
        high = bars.prices(\.high); low = bars.prices(\.low); close = bars.prices(\.close)
    }

    func points(_ s: IndicatorSeries) -> [Double] { s.values.map { $0 * 0.25 } }
    func points(_ v: [Double]) -> [Double] { v.map { $0 * 0.25 } }

    func want(_ name: String) throws -> [Double] { try #require(columns[name], "fixture column \(name)") }

    /// The warm-up is NaN in TA-Lib exactly where ours is.
    func expectWarmup(_ s: IndicatorSeries, _ expected: Int, _ name: String) throws {
        #expect(s.warmup == expected, "\(name) warm-up")
        let w = try want(name)
        #expect(w.prefix(expected).allSatisfy { $0.isNaN } && !w[expected].isNaN, "TA-Lib's \(name) warm-up is \(expected)")
    }

    @Test("SMA, EMA, WMA (20) match TA-Lib")
    func movingAverages() throws {
        let sma = SMA.compute(close, period: 20), ema = EMA.compute(close, period: 20), wma = WMA.compute(close, period: 20)
        expectClose(points(sma), try want("sma20"), 0, "sma20")      // sums of ticks are exact: bit-identical
        expectClose(points(ema), try want("ema20"), 1e-12, "ema20")
        expectClose(points(wma), try want("wma20"), 1e-12, "wma20")
        try expectWarmup(sma, 19, "sma20"); try expectWarmup(ema, 19, "ema20"); try expectWarmup(wma, 19, "wma20")
    }

    @Test("true range and ATR(14), ATR(1) match TA-Lib, seeding included")
    func atr() throws {
        let tr = TrueRange.compute(high: high, low: low, close: close)
        expectClose(points(tr), try want("trange"), 0, "trange")
        try expectWarmup(tr, 1, "trange")
        let atr = ATR.compute(high: high, low: low, close: close, period: 14)
        expectClose(points(atr), try want("atr14"), 1e-9, "atr14")
        try expectWarmup(atr, 14, "atr14")
        // The first ATR is the plain mean of TR[1...14]: exact.
        #expect(points(atr)[14] == (try want("atr14"))[14])
        let atr1 = ATR.compute(high: high, low: low, close: close, period: 1)
        expectClose(points(atr1), try want("atr1"), 0, "atr1")
    }

    @Test("RSI(14) matches TA-Lib")
    func rsi() throws {
        let rsi = RSI.compute(close, period: 14)
        expectClose(rsi.values, try want("rsi14"), 1e-9, "rsi14")
        try expectWarmup(rsi, 14, "rsi14")
    }

    @Test("Bollinger bands (20, 2) and STDDEV(20) match TA-Lib")
    func bands() throws {
        let bb = BollingerBands.compute(close, period: 20, deviations: 2)
        expectClose(points(bb.upper), try want("bbupper20"), 1e-12, "bbupper20")
        expectClose(points(bb.middle), try want("bbmiddle20"), 0, "bbmiddle20")
        expectClose(points(bb.lower), try want("bblower20"), 1e-12, "bblower20")
        #expect(bb.warmup == 19)
        let sd = RollingStdDev.compute(close, period: 20)
        expectClose(points(sd), try want("stddev20"), 1e-9, "stddev20")
        try expectWarmup(sd, 19, "stddev20")
    }

    @Test("MACD(12, 26, 9) matches TA-Lib, including its aligned fast-EMA seed")
    func macd() throws {
        let m = MACD.compute(close, fast: 12, slow: 26, signal: 9)
        #expect(m.warmup == 33)
        // MACD lines are differences of ~10,000-tick EMAs: compare at 1e-9 of the price level, and
        // relative where the line is not near zero.
        for (got, name) in [(m.macd, "macd"), (m.signal, "macdsignal"), (m.histogram, "macdhist")] {
            let w = try want(name)
            #expect(w.prefix(33).allSatisfy { $0.isNaN } && got.prefix(33).allSatisfy { $0.isNaN }, "\(name) warm-up")
            var worst = 0.0
            for i in 33..<w.count { worst = max(worst, abs(got[i] * 0.25 - w[i])) }
            #expect(worst <= 1e-9 * 2_600, "\(name): largest difference \(worst) points")
        }
        // Not the free-running EMA(12): TA-Lib seeds it at bar 25.
        let free = EMA.compute(close, period: 12).values[33] - EMA.compute(close, period: 26).values[33]
        #expect(abs(free * 0.25 - (try want("macd"))[33]) > 1e-6)
    }

    @Test("highest high and lowest low (20) match TA-Lib MAX/MIN exactly")
    func extremes() throws {
        let hi = Highest.compute(high, period: 20), lo = Lowest.compute(low, period: 20)
        expectClose(points(hi), try want("max20"), 0, "max20")
        expectClose(points(lo), try want("min20"), 0, "min20")
        try expectWarmup(hi, 19, "max20")
    }

    @Test("specs compute in points what the fixture holds (the CLI's path)")
    func specs() throws {
        for (spec, column, tolerance) in [("atr:14", "atr14", 1e-9), ("rsi:14", "rsi14", 1e-9), ("ema:20", "ema20", 1e-12),
                                          ("bbupper:20:2", "bbupper20", 1e-12), ("macdhist", "macdhist", 1e-5),
                                          ("highest:20", "max20", 0), ("stddev:20", "stddev20", 1e-9), ("tr", "trange", 0)] {
            let s = try IndicatorSpec(spec).compute(bars)
            expectClose(s.values, try want(column), tolerance, spec)
        }
    }
}
