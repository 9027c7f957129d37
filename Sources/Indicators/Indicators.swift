// Indicators: moving averages, ATR, RSI and the session tools strategies read, in a streaming and
// a vectorised form, plus performance statistics. Imports Data (bars, sessions) only.
//
// # Units
// Every kernel works on `Double` and answers in the unit of its input. The bar helpers below feed
// prices as **ticks** (`Double(ticks)`, exact integers), because then the running sums that SMA,
// WMA, Bollinger bands and the standard deviation keep are exact (integers below 2^53), and a
// strategy compares the result with order prices, which are ticks too. Multiply a price-unit
// result by `tickSize.value` for points (`PriceUnit.points` does it once, up front). For ES
// (0.25 = 2^-2) both routes give bit-identical results, because scaling by a power of two commutes
// with every IEEE operation; the TA-Lib fixtures, computed in points, check that.
//
// # Two forms
// - Streaming: a value type (`SMA`, `EMA`, `ATR`, …) with `mutating func update(…) -> Double?`.
//   O(1) per bar (amortised O(1) for `Highest`/`Lowest`), no allocation after `init`, `nil` while
//   warming up; `warmup` says how many inputs come before the first value.
// - Vectorised: `Kind.compute(…)` over whole arrays, returning an `IndicatorSeries` (or writing into
//   a caller's buffer) whose first `warmup` slots are NaN. Nothing else in the output is NaN
//   (except `SessionVWAP` before a session's first volume), so a warm-up value never leaks as a
//   zero or a stale number.
// The two forms run the same arithmetic in the same order, so they agree bit for bit on the same
// input (the tests demand 1e-9 and check every indicator).
//
// # OpenBLAS or loops
// Every indicator kernel is a tight loop. The indicators are recurrences (EMA, RMA, ATR, RSI, MACD)
// or sliding windows with an O(1) update (SMA, WMA, standard deviation, Bollinger bands) or a
// branch-free block scan (highest, lowest); BLAS has no primitive for either. The BLAS
// formulations that exist were measured (`tsxlab-bench indicators`, ES 2016–2018, 1,041,187 bars,
// 2-core Xeon VM, release build) and lose — see `BLASComparison` in Sources/TSXLabBench:
//   WMA(20):              O(1)-update loop 1.3 ns/bar;  one cblas_ddot per window 6.7–7.5 ns/bar
//   Bollinger(20, 2):     one fused loop   5.0 ns/bar;  SMA + deviation loops, then
//                                                      cblas_dcopy + cblas_daxpy  6.7–6.9 ns/bar
// A window as a dot product is O(n·period) plus a library call per bar; the band arithmetic is
// one multiply-add per slot, cheaper inside the loop that already has the values in registers
// than as two more passes through memory. OpenBLAS is used by the statistics batch
// (`PerformanceBatch.Method.blas`), where sums and sums of squares over many equity curves are a
// matrix-vector product and dot products; see there for its figures.
import Data

/// The output of a vectorised indicator: one value per input, NaN in the first `warmup` slots.
public struct IndicatorSeries: Sendable {
    /// One value per input bar; `values[i]` is NaN for `i < warmup`.
    public var values: [Double]
    /// The index of the first defined value (equal to `count` when the input is shorter than the
    /// warm-up).
    public var warmup: Int

    public init(values: [Double], warmup: Int) {
        self.values = values; self.warmup = min(warmup, values.count)
    }

    public var count: Int { values.count }

    /// The value at `i`, or nil during the warm-up (and for a NaN slot).
    public subscript(i: Int) -> Double? {
        let v = values[i]
        return i < warmup || v.isNaN ? nil : v
    }

    /// The defined values, from `warmup` on.
    public var defined: ArraySlice<Double> { values[warmup...] }
}

/// Builds an output array of `n` doubles with a kernel that initialises every slot and returns the
/// warm-up count.
@inlinable
func makeSeries(_ n: Int, _ kernel: (UnsafeMutableBufferPointer<Double>) -> Int) -> IndicatorSeries {
    var warmup = 0
    let values = [Double](unsafeUninitializedCapacity: n) { buf, initialized in
        warmup = kernel(buf)
        initialized = n
    }
    return IndicatorSeries(values: values, warmup: warmup)
}

/// Runs a kernel over a caller-provided array, resized to `n` (no reallocation when its capacity
/// already suffices: sweeps reuse one buffer per indicator).
@inlinable
func fill(_ output: inout [Double], _ n: Int, _ kernel: (UnsafeMutableBufferPointer<Double>) -> Int) -> Int {
    resize(&output, n)
    return output.withUnsafeMutableBufferPointer { kernel($0) }
}

/// Makes `output` hold exactly `n` values, keeping its storage when it is big enough.
@inlinable
func resize(_ output: inout [Double], _ n: Int) {
    if output.count > n { output.removeLast(output.count - n) } else if output.count < n {
        output.append(contentsOf: repeatElement(Double.nan, count: n - output.count))
    }
}

/// Which unit the bar helpers convert prices to.
public enum PriceUnit: Sendable, Hashable {
    /// Whole ticks as exact `Double` integers (the default: exact running sums).
    case ticks
    /// Index points, price = ticks × tick size.
    case points
}

extension BarSeries {
    /// One price field as doubles: `series.prices(\.close)` gives closes in ticks.
    ///
    /// One pass, one allocation; call once per series and reuse the array.
    public func prices(_ field: KeyPath<BarSeries, [Int64]>, in unit: PriceUnit = .ticks) -> [Double] {
        let scale = unit == .ticks ? 1.0 : tickSize.value
        let source = self[keyPath: field]
        return [Double](unsafeUninitializedCapacity: source.count) { out, initialized in
            source.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = Double(src[i]) * scale }
            }
            initialized = source.count
        }
    }

    /// Volumes as doubles.
    public var volumes: [Double] { volume.map(Double.init) }
}

/// Stops on a period below 1: a programming error (specs from users are checked by `IndicatorSpec`).
@inline(__always) @usableFromInline
func checkPeriod(_ period: Int, _ name: String) {
    precondition(period >= 1, "\(name) needs a period of at least 1, not \(period)")
}
