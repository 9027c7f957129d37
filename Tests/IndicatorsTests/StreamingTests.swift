import Data
import Foundation
import Indicators
import Testing

/// Streaming == vectorised, no look-ahead, and the edge cases, for every indicator.
///
/// Each indicator is described once as a pair (vectorised over arrays, streaming fed one bar at a
/// time), and every property below runs over the whole list.
struct IndicatorCase: CustomStringConvertible, Sendable {
    var name: String
    var warmup: Int
    var vectorised: @Sendable (BarSeries) -> [Double]
    var streaming: @Sendable (BarSeries) -> [Double]
    var description: String { name }
}

/// Feeds bars one at a time; nil becomes NaN so the two forms compare slot by slot.
func stream<S>(_ bars: BarSeries, _ state: S, _ step: (inout S, Int, BarSeries) -> Double?) -> [Double] {
    var s = state
    var out: [Double] = []
    out.reserveCapacity(bars.count)
    for i in 0..<bars.count { out.append(step(&s, i, bars) ?? .nan) }
    return out
}

func h(_ b: BarSeries, _ i: Int) -> Double { Double(b.high[i]) }
func l(_ b: BarSeries, _ i: Int) -> Double { Double(b.low[i]) }
func c(_ b: BarSeries, _ i: Int) -> Double { Double(b.close[i]) }

let indicatorCases: [IndicatorCase] = [
    IndicatorCase(name: "SMA(20)", warmup: 19, vectorised: { SMA.compute($0.prices(\.close), period: 20).values },
                  streaming: { stream($0, SMA(period: 20)) { s, i, b in s.update(c(b, i)) } }),
    IndicatorCase(name: "EMA(20)", warmup: 19, vectorised: { EMA.compute($0.prices(\.close), period: 20).values },
                  streaming: { stream($0, EMA(period: 20)) { s, i, b in s.update(c(b, i)) } }),
    IndicatorCase(name: "WMA(20)", warmup: 19, vectorised: { WMA.compute($0.prices(\.close), period: 20).values },
                  streaming: { stream($0, WMA(period: 20)) { s, i, b in s.update(c(b, i)) } }),
    IndicatorCase(name: "RMA(14)", warmup: 13, vectorised: { RMA.compute($0.prices(\.close), period: 14).values },
                  streaming: { stream($0, RMA(period: 14)) { s, i, b in s.update(c(b, i)) } }),
    IndicatorCase(name: "TR", warmup: 1,
                  vectorised: { TrueRange.compute(high: $0.prices(\.high), low: $0.prices(\.low), close: $0.prices(\.close)).values },
                  streaming: { stream($0, TrueRange()) { s, i, b in s.update(high: h(b, i), low: l(b, i), close: c(b, i)) } }),
    IndicatorCase(name: "ATR(14)", warmup: 14,
                  vectorised: { ATR.compute(high: $0.prices(\.high), low: $0.prices(\.low), close: $0.prices(\.close), period: 14).values },
                  streaming: { stream($0, ATR(period: 14)) { s, i, b in s.update(high: h(b, i), low: l(b, i), close: c(b, i)) } }),
    IndicatorCase(name: "ATR(14, pine)", warmup: 13,
                  vectorised: { ATR.compute(high: $0.prices(\.high), low: $0.prices(\.low), close: $0.prices(\.close), period: 14, seeding: .pine).values },
                  streaming: { stream($0, ATR(period: 14, seeding: .pine)) { s, i, b in s.update(high: h(b, i), low: l(b, i), close: c(b, i)) } }),
    IndicatorCase(name: "RSI(14)", warmup: 14, vectorised: { RSI.compute($0.prices(\.close), period: 14).values },
                  streaming: { stream($0, RSI(period: 14)) { s, i, b in s.update(c(b, i)) } }),
    IndicatorCase(name: "BB upper(20, 2)", warmup: 19, vectorised: { BollingerBands.compute($0.prices(\.close)).upper },
                  streaming: { stream($0, BollingerBands()) { s, i, b in s.update(c(b, i))?.upper } }),
    IndicatorCase(name: "BB lower(20, 2)", warmup: 19, vectorised: { BollingerBands.compute($0.prices(\.close)).lower },
                  streaming: { stream($0, BollingerBands()) { s, i, b in s.update(c(b, i))?.lower } }),
    IndicatorCase(name: "MACD line", warmup: 33, vectorised: { MACD.compute($0.prices(\.close)).macd },
                  streaming: { stream($0, MACD()) { s, i, b in s.update(c(b, i))?.macd } }),
    IndicatorCase(name: "MACD signal", warmup: 33, vectorised: { MACD.compute($0.prices(\.close)).signal },
                  streaming: { stream($0, MACD()) { s, i, b in s.update(c(b, i))?.signal } }),
    IndicatorCase(name: "MACD histogram (5, 5, 1)", warmup: 4, vectorised: { MACD.compute($0.prices(\.close), fast: 5, slow: 5, signal: 1).histogram },
                  streaming: { stream($0, MACD(fast: 5, slow: 5, signal: 1)) { s, i, b in s.update(c(b, i))?.histogram } }),
    IndicatorCase(name: "highest(20)", warmup: 19, vectorised: { Highest.compute($0.prices(\.high), period: 20).values },
                  streaming: { stream($0, Highest(period: 20)) { s, i, b in s.update(h(b, i)) } }),
    IndicatorCase(name: "lowest(20)", warmup: 19, vectorised: { Lowest.compute($0.prices(\.low), period: 20).values },
                  streaming: { stream($0, Lowest(period: 20)) { s, i, b in s.update(l(b, i)) } }),
    IndicatorCase(name: "stddev(20)", warmup: 19, vectorised: { RollingStdDev.compute($0.prices(\.close), period: 20).values },
                  streaming: { stream($0, RollingStdDev(period: 20)) { s, i, b in s.update(c(b, i)) } }),
    IndicatorCase(name: "VWAP", warmup: 0, vectorised: { SessionVWAP.compute($0).values },
                  streaming: { stream($0, SessionVWAP()) { s, i, b in
                      s.update(time: b.time[i], high: h(b, i), low: l(b, i), close: c(b, i), volume: Double(b.volume[i])) } }),
]

@Suite("Streaming and vectorised forms")
struct StreamingTests {
    @Test("streaming equals vectorised to 1e-9 on the ESM8 week (in fact bit for bit)", arguments: indicatorCases)
    func agree(_ k: IndicatorCase) throws {
        let bars = try esm8Bars.get()
        let v = k.vectorised(bars), s = k.streaming(bars)
        expectClose(s, v, 1e-9, k.name)
        #expect(zip(s, v).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "\(k.name): not bit-identical")
        #expect(v.prefix(k.warmup).allSatisfy { $0.isNaN }, "\(k.name): warm-up slots must be NaN")
        #expect(!v.dropFirst(k.warmup).contains { $0.isNaN }, "\(k.name): no NaN after the warm-up")
    }

    @Test("no look-ahead: values on a truncated series equal the same slots of the full series", arguments: indicatorCases)
    func prefix(_ k: IndicatorCase) throws {
        let full = try esm8Bars.get()
        let all = k.vectorised(full)
        // Cut points inside the warm-up, at a session boundary and mid-session.
        for cut in [1, k.warmup, k.warmup + 1, 1_377, 1_380, 4_001] where cut <= full.count {
            let part = k.vectorised(full.slice(0..<cut))
            expectClose(part, Array(all.prefix(cut)), 0, "\(k.name) cut at \(cut)")
            // And the streaming value at bar i, taken when bar i arrives, is the final value.
            let streamed = k.streaming(full.slice(0..<cut))
            expectClose(streamed, Array(all.prefix(cut)), 0, "\(k.name) streamed to \(cut)")
        }
    }

    @Test("a change in a future bar changes no earlier value", arguments: indicatorCases)
    func futureIndependence(_ k: IndicatorCase) throws {
        var bars = try esm8Bars.get().slice(0..<600)
        let before = k.vectorised(bars)
        let i = 400
        bars.high[i] += 40; bars.close[i] += 40; bars.low[i] -= 40; bars.volume[i] *= 50
        let after = k.vectorised(bars)
        expectClose(Array(after.prefix(i)), Array(before.prefix(i)), 0, "\(k.name) before bar \(i)")
        #expect(after[i] != before[i] || k.name.hasPrefix("MACD histogram"),   // fast = slow: always 0
                "\(k.name): the changed bar should move its own value")
    }

    @Test("a series shorter than the warm-up gives only NaN, warm-up = count, and streaming only nil", arguments: indicatorCases)
    func shorterThanPeriod(_ k: IndicatorCase) throws {
        guard k.warmup > 0 else { return }
        let bars = try esm8Bars.get().slice(0..<k.warmup)
        #expect(k.vectorised(bars).allSatisfy { $0.isNaN })
        #expect(k.streaming(bars).allSatisfy { $0.isNaN })
        #expect(SMA.compute([1, 2, 3], period: 5).warmup == 3)
        #expect(ATR.compute(high: [2], low: [1], close: [1], period: 14).values.count == 1)
        #expect(SMA.compute([], period: 5).values.isEmpty)
    }

    @Test("values through the vectorised API's subscript are nil during warm-up")
    func subscriptIsNilDuringWarmup() {
        let s = SMA.compute([1, 2, 3, 4, 5], period: 3)
        #expect(s[0] == nil && s[1] == nil && s[2] == 2 && s[4] == 4 && s.warmup == 2)
        #expect(Array(s.defined) == [2, 3, 4])
        var out = [Double](repeating: 7, count: 10)
        #expect(SMA.compute([1, 2, 3, 4, 5], period: 3, into: &out) == 2)
        #expect(out.count == 5 && out[0].isNaN && out[4] == 4)
    }

    @Test("constant prices: zero deviation, zero true range, RSI 0 as in TA-Lib, averages equal the price")
    func constantPrices() {
        let x = [Double](repeating: 10_800, count: 60)
        #expect(SMA.compute(x, period: 20).defined.allSatisfy { $0 == 10_800 })
        #expect(EMA.compute(x, period: 20).defined.allSatisfy { $0 == 10_800 })
        #expect(WMA.compute(x, period: 20).defined.allSatisfy { $0 == 10_800 })
        #expect(RollingStdDev.compute(x, period: 20).defined.allSatisfy { $0 == 0 })
        let bb = BollingerBands.compute(x)
        #expect(bb.upper[30] == 10_800 && bb.lower[30] == 10_800)
        #expect(RSI.compute(x, period: 14).defined.allSatisfy { $0 == 0 })
        #expect(ATR.compute(high: x, low: x, close: x, period: 14).defined.allSatisfy { $0 == 0 })
        #expect(MACD.compute(x).histogram[40] == 0)
    }

    @Test("hand-checked small values")
    func handChecked() {
        // SMA(3) of 1…5: 2, 3, 4. EMA(3), k = 0.5: seed 2, then (4−2)/2+2 = 3, (5−3)/2+3 = 4.
        #expect(Array(EMA.compute([1, 2, 3, 4, 5], period: 3).defined) == [2, 3, 4])
        // WMA(3) of 1, 2, 3: (1 + 4 + 9) / 6; then of 2, 3, 10: (2 + 6 + 30) / 6.
        let wma: [Double] = Array(WMA.compute([1, 2, 3, 10], period: 3).defined)
        let wmaWant: [Double] = [14.0 / 6, 38.0 / 6]
        #expect(wma == wmaWant)
        // RMA(2): seed (4 + 8)/2 = 6, then 0.5·2 + 0.5·6 = 4.
        #expect(Array(RMA.compute([4, 8, 2], period: 2).defined) == [6, 4])
        // TR: bar 1 gaps up over the previous close 10: max(2, |14−10|, |12−10|) = 4.
        var tr = TrueRange()
        #expect(tr.update(high: 11, low: 9, close: 10) == nil)
        #expect(tr.update(high: 14, low: 12, close: 13) == 4)
        var pineTR = TrueRange(seeding: .pine)
        #expect(pineTR.update(high: 11, low: 9, close: 10) == 2)
        // ATR(2), TA-Lib: no TR for bar 0; TR[1] = 4, TR[2] = max(13−11, |13−13|, |11−13|) = 2.
        var atr = ATR(period: 2)
        #expect(atr.update(high: 11, low: 9, close: 10) == nil)
        #expect(atr.update(high: 14, low: 12, close: 13) == nil)
        #expect(atr.update(high: 13, low: 11, close: 12) == 3)            // TR 2 → (4 + 2) / 2
        #expect(atr.update(high: 18, low: 12, close: 17) == 4.5)          // TR 6 → 3·½ + 6·½
        var pine = ATR(period: 2, seeding: .pine)
        #expect(pine.update(high: 11, low: 9, close: 10) == nil)
        #expect(pine.update(high: 14, low: 12, close: 13) == 3)           // (2 + 4) / 2
        // RSI(2): changes +2, −1 → gain 1, loss 0.5 → 66.67; then +3 → gain 2, loss 0.25.
        var rsi = RSI(period: 2)
        #expect(rsi.update(10) == nil && rsi.update(12) == nil)
        #expect(abs(rsi.update(11)! - 200.0 / 3) < 1e-12)
        #expect(abs(rsi.update(14)! - 100 * 2 / 2.25) < 1e-12)
        // Highest over a window that slides past its maximum.
        #expect(Array(Highest.compute([5, 1, 4, 2, 3, 0], period: 3).defined) == [5, 4, 4, 3])
        #expect(Array(Lowest.compute([5, 1, 4, 2, 3, 0], period: 3).defined) == [1, 1, 2, 0])
    }

    @Test("session VWAP restarts at each trade date's 17:00 CT open, across gaps, and is exact for ticks")
    func vwapAnchoring() {
        // Tuesday 2019-03-12 trade date: bars at 21:00Z Monday (16:00 CT break → Tuesday), 22:00Z (17:00 CT open).
        // Then Tuesday 20:59Z (15:59 CT, still Tuesday), a gap, and 22:00Z Tuesday = Wednesday's session.
        let bars = series([
            Bar(ts("2019-03-11T20:59:00Z"), 100, 103, 99, 101, 10),   // Monday's session
            Bar(ts("2019-03-11T22:00:00Z"), 100, 102, 98, 100, 10),   // Tuesday opens
            Bar(ts("2019-03-12T14:30:00Z"), 100, 110, 100, 105, 30),  // gap of 16.5 h inside the session
            Bar(ts("2019-03-12T20:59:00Z"), 104, 104, 104, 104, 0),   // no volume: VWAP unchanged
            Bar(ts("2019-03-12T22:00:00Z"), 90, 93, 90, 90, 5),       // Wednesday opens
        ])
        let v = SessionVWAP.compute(bars)
        #expect(v.values[0] == 101)                                      // (103 + 99 + 101) / 3
        #expect(v.values[1] == 100)                                      // restarted
        let expected: Double = (300.0 * 10 + 315.0 * 30) / 120    // Σ(h+l+c)·v / 3Σv
        #expect(v.values[2] == expected)
        #expect(v.values[3] == v.values[2])
        #expect(v.values[4] == 91)
        var s = SessionVWAP()
        _ = s.update(time: bars.time[0], high: 103, low: 99, close: 101, volume: 10)
        #expect(s.tradeDate == TradeDate(year: 2019, month: 3, day: 11))
        _ = s.update(time: bars.time[1], high: 102, low: 98, close: 100, volume: 10)
        #expect(s.tradeDate == TradeDate(year: 2019, month: 3, day: 12))
        var empty = SessionVWAP()
        #expect(empty.update(time: bars.time[0], high: 1, low: 1, close: 1, volume: 0) == nil)
    }
}

@Suite("Sliding windows against their definitions")
struct SlidingWindowTests {
    /// Deterministic pseudo-random inputs: tick-like integers with runs and jumps, and fractions.
    func inputs(_ n: Int, seed: UInt64, integers: Bool) -> [Double] {
        var state = seed
        var x = 10_000.0
        return (0..<n).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let step = Double(Int64(bitPattern: state >> 33) % 9) - 4
            x += integers ? step : step * 0.37
            return x
        }
    }

    @Test("highest, lowest, SMA and stddev equal the naive window formulas for many periods and lengths",
          arguments: [1, 2, 3, 7, 20, 64])
    func naive(_ period: Int) {
        for (n, integers) in [(0, true), (1, true), (period, true), (period + 1, false), (3 * period + 5, true), (500, false)] {
            let x = inputs(n, seed: UInt64(period * 1_000 + n), integers: integers)
            let hi = Highest.compute(x, period: period), lo = Lowest.compute(x, period: period)
            let sma = SMA.compute(x, period: period), sd = RollingStdDev.compute(x, period: period)
            var streamHi = Highest(period: period), streamSD = RollingStdDev(period: period)
            for i in 0..<n {
                let sh = streamHi.update(x[i]), ss = streamSD.update(x[i])
                guard i >= period - 1 else {
                    #expect(hi.values[i].isNaN && lo.values[i].isNaN && sd.values[i].isNaN && sh == nil && ss == nil)
                    continue
                }
                let w = x[(i + 1 - period)...i]
                let mean = w.reduce(0, +) / Double(period)
                let variance = w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(period)
                #expect(hi.values[i] == w.max()! && lo.values[i] == w.min()! && sh == w.max()!, "n \(n) i \(i)")
                #expect(close(sma.values[i], mean, 1e-12))
                #expect(abs(sd.values[i] - variance.squareRoot()) <= 1e-9 * max(1, variance.squareRoot()), "sd n \(n) i \(i)")
                #expect(ss == sd.values[i])
            }
        }
    }
}
