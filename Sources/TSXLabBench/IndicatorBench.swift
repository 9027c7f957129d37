import Data
import Foundation
import Indicators
import TSXLabTesting

// `tsxlab-bench indicators`: ATR(14), RSI(14), EMA(20) over ~1M ES bars, streaming and vectorised,
// in ns/bar; the other indicators for reference; the OpenBLAS formulations the kernels do not use;
// and the statistics batch (1,000 equity curves × 10,000 points) with loops and with OpenBLAS.

/// Keeps results alive so the optimiser cannot drop the work.
nonisolated(unsafe) var benchSink = 0.0

func benchIndicators() throws {
    let bars = try loadThreeYears()
    let n = Double(bars.count)
    print("== indicators: ES 1m 2016–2018, \(bars.count) bars (prices as ticks)")
    let high = bars.prices(\.high), low = bars.prices(\.low), close = bars.prices(\.close)
    var buffer = [Double](repeating: 0, count: bars.count)

    func vectorised(_ name: String, _ target: String = "target ≤ 5 ns/bar", _ body: () -> Void) {
        let t = median(measure(7) { body() })
        line("vectorised \(name)", "\(fmt(t / n * 1e9, 2)) ns/bar", target)
    }
    func streaming(_ name: String, _ target: String = "target ≤ 20 ns/bar", _ body: () -> Double) {
        let t = median(measure(5) { benchSink += body() })
        line("streaming \(name)", "\(fmt(t / n * 1e9, 2)) ns/bar", target)
    }

    // The three the issue names, into a reused buffer (the sweep path) and allocating.
    vectorised("ATR(14)") { ATR.compute(high: high, low: low, close: close, period: 14, into: &buffer); benchSink += buffer[buffer.count - 1] }
    vectorised("RSI(14)") { RSI.compute(close, period: 14, into: &buffer); benchSink += buffer[buffer.count - 1] }
    vectorised("EMA(20)") { EMA.compute(close, period: 20, into: &buffer); benchSink += buffer[buffer.count - 1] }
    vectorised("ATR+RSI+EMA, allocating outputs", "(three indicators)") {
        benchSink += ATR.compute(high: high, low: low, close: close, period: 14).values[0]
        benchSink += RSI.compute(close, period: 14).values[0] + EMA.compute(close, period: 20).values[0]
    }
    high.withUnsafeBufferPointer { h in low.withUnsafeBufferPointer { l in close.withUnsafeBufferPointer { c in
        streaming("ATR(14)") {
            var atr = ATR(period: 14), s = 0.0
            for i in 0..<h.count { s += atr.update(high: h[i], low: l[i], close: c[i]) ?? 0 }
            return s
        }
        streaming("RSI(14)") {
            var rsi = RSI(period: 14), s = 0.0
            for i in 0..<c.count { s += rsi.update(c[i]) ?? 0 }
            return s
        }
        streaming("EMA(20)") {
            var ema = EMA(period: 20), s = 0.0
            for i in 0..<c.count { s += ema.update(c[i]) ?? 0 }
            return s
        }
        streaming("ATR+RSI+EMA together, one pass", "(three indicators)") {
            var atr = ATR(period: 14), rsi = RSI(period: 14), ema = EMA(period: 20), s = 0.0
            for i in 0..<c.count {
                s += (atr.update(high: h[i], low: l[i], close: c[i]) ?? 0) + (rsi.update(c[i]) ?? 0) + (ema.update(c[i]) ?? 0)
            }
            return s
        }
        streaming("SMA(20)") {
            var sma = SMA(period: 20), s = 0.0
            for i in 0..<c.count { s += sma.update(c[i]) ?? 0 }
            return s
        }
        streaming("Bollinger(20, 2)") {
            var bb = BollingerBands(), s = 0.0
            for i in 0..<c.count { s += bb.update(c[i])?.upper ?? 0 }
            return s
        }
        streaming("highest(20)") {
            var hi = Highest(period: 20), s = 0.0
            for i in 0..<h.count { s += hi.update(h[i]) ?? 0 }
            return s
        }
    } } }

    // The rest, vectorised.
    vectorised("SMA(20)") { SMA.compute(close, period: 20, into: &buffer); benchSink += buffer[buffer.count - 1] }
    vectorised("WMA(20)") { WMA.compute(close, period: 20, into: &buffer); benchSink += buffer[buffer.count - 1] }
    vectorised("RMA(14)") { RMA.compute(close, period: 14, into: &buffer); benchSink += buffer[buffer.count - 1] }
    vectorised("stddev(20)", "") { benchSink += RollingStdDev.compute(close, period: 20).values[0] }
    var bands = BollingerBands.Series()
    vectorised("Bollinger(20, 2), 3 outputs", "") {
        BollingerBands.compute(close, period: 20, upperDeviations: 2, lowerDeviations: 2, into: &bands); benchSink += bands.upper[99]
    }
    vectorised("Bollinger(20, 2), 3 fresh arrays per call", "(page faults)") { benchSink += BollingerBands.compute(close).upper[99] }
    var macd = MACD.Series()
    vectorised("MACD(12, 26, 9), 3 outputs", "") { MACD.compute(close, into: &macd); benchSink += macd.signal[99] }
    vectorised("highest(20)", "") { benchSink += Highest.compute(high, period: 20).values[0] }
    let volume = bars.volumes
    vectorised("session VWAP", "") {
        benchSink += SessionVWAP.compute(time: bars.time, high: high, low: low, close: close, volume: volume).values[0]
    }

    // The OpenBLAS formulations (not used; see `BLASComparison`).
    vectorised("WMA(20) as cblas_ddot per window", "not used: the loop above") {
        BLASComparison.wmaByDot(close, period: 20, into: &buffer); benchSink += buffer[99]
    }
    var scratch: [Double] = []
    vectorised("Bollinger(20, 2) via cblas_dcopy/daxpy", "not used: the fused loop above") {
        BLASComparison.bollingerByAxpy(close, period: 20, deviations: 2, into: &bands, deviation: &scratch); benchSink += bands.upper[99]
    }

    try benchStatistics(closes: bars.close)
}

/// 1,000 curves × 10,000 points, each a long or short of one ES over a stretch of real closes.
func benchStatistics(closes: [Int64]) throws {
    let curves = 1_000, points = 10_000
    var equity = [Double](repeating: 0, count: curves * points)
    let stride = max(1, (closes.count - points) / curves)
    for c in 0..<curves {
        let start = c * stride, side = c % 2 == 0 ? 1.0 : -1.0
        for j in 0..<points { equity[c * points + j] = 200_000 + side * 12.5 * Double(closes[start + j] - closes[start]) }
    }
    let values = Double(curves * points)
    print("== statistics: \(curves) equity curves × \(points) points (Sharpe, Sortino, volatility, drawdown, returns)")
    let defaultThreads = BLASThreads.current
    func run(_ label: String, _ method: PerformanceBatch.Method) {
        let t = median(measure(5) { benchSink += PerformanceBatch.compute(equity: equity, curves: curves, points: points, method: method).sharpe[0] })
        line(label, "\(fmt(t * 1000, 1)) ms", "\(fmt(t / values * 1e9, 2)) ns/point")
    }
    run("batch, plain loops (default)", .loops)
    run("batch, OpenBLAS dgemv/ddot, \(defaultThreads) threads", .blas)
    BLASThreads.set(1)
    run("batch, OpenBLAS dgemv/ddot, 1 thread", .blas)
    BLASThreads.set(defaultThreads)
    let single = median(measure(3) {
        for c in 0..<100 {
            let row = Array(equity[(c * points)..<((c + 1) * points)])
            benchSink += Performance.sharpe(zip(row.dropFirst(), row).map { $0 / $1 - 1 })
        }
    }) * 10
    line("one curve at a time (Performance.sharpe), ×1000", "\(fmt(single * 1000, 1)) ms", "(allocating returns per curve)")
}
