/// Rolling population standard deviation over `period` inputs (TA-Lib `STDDEV`, `nbdev` 1):
/// sqrt(mean(x²) − mean(x)²) of the window.
///
/// Computed from sums of **shifted** values, (x − K) and (x − K)², with K re-chosen as the newest
/// input every `period` inputs (the sums are then rebuilt from the window: amortised O(1)). Raw
/// sums of squares of prices near 10,000 ticks cancel catastrophically (a 20-bar deviation of 2
/// ticks loses ~9 of 16 digits, as TA-Lib up to 0.4 did); shifted by a recent price the terms are a
/// few ticks, and for tick inputs every sum is an exact integer, so only the final divisions round.
/// Agrees with TA-Lib 0.6+ (which also fixed this) to ~1e-13.
///
/// A variance that rounds to zero or below gives 0. (TA-Lib also zeroes variances below 1e-8 in
/// input units; that threshold is not kept, because in points it wipes out real deviations of
/// small-priced contracts such as 6E, and in ticks it never matters.) Warm-up: `period − 1`.
public struct RollingStdDev: Sendable {
    public let period: Int
    /// The deviation is multiplied by this (TA-Lib's `optInNbDev`).
    public let deviations: Double
    @usableFromInline var ring: [Double]
    @usableFromInline var head = 0
    @usableFromInline var seen = 0
    /// Raw window sum (the mean, as SMA computes it).
    @usableFromInline var sum = 0.0
    /// Shift and the sums of shifted values and their squares.
    @usableFromInline var shift = 0.0
    @usableFromInline var shifted = 0.0
    @usableFromInline var shiftedSquares = 0.0
    @usableFromInline let divisor: Double

    /// - Precondition: `period >= 1`.
    public init(period: Int, deviations: Double = 1) {
        checkPeriod(period, "standard deviation")
        self.period = period; self.deviations = deviations
        ring = [Double](repeating: 0, count: period)
        divisor = Double(period)
    }

    public var warmup: Int { period - 1 }
    public var isReady: Bool { seen >= period }
    /// The window mean (the SMA), nil while warming up.
    public var mean: Double? { isReady ? sum / divisor : nil }
    public var value: Double? { isReady ? RollingStdDev.deviation(shifted, shiftedSquares, divisor) * deviations : nil }

    /// Adds one input; returns `deviations` × the population standard deviation, or nil.
    @inlinable
    public mutating func update(_ x: Double) -> Double? {
        guard push(x) else { return nil }
        return RollingStdDev.deviation(shifted, shiftedSquares, divisor) * deviations
    }

    /// Moves the window; true once it is full.
    @inlinable @inline(__always)
    mutating func push(_ x: Double) -> Bool {
        if seen < period {
            ring[seen] = x
            sum += x
            seen += 1
            if seen == period { recenter(x) }
            return seen == period
        }
        let oldest = ring[head]
        ring[head] = x
        head = head + 1 == period ? 0 : head + 1
        seen += 1
        sum += x - oldest
        if head == 0 {
            recenter(x)
        } else {
            let a = x - shift, b = oldest - shift
            shifted += a - b
            shiftedSquares += a * a - b * b
        }
        return true
    }

    /// Rebuilds the shifted sums around `k` from the window (the ring is in time order here: its
    /// head is at slot 0).
    @inlinable
    mutating func recenter(_ k: Double) {
        shift = k
        var s = 0.0, q = 0.0
        for v in ring { let d = v - k; s += d; q += d * d }
        shifted = s; shiftedSquares = q
    }

    public mutating func reset() { self = RollingStdDev(period: period, deviations: deviations) }

    /// sqrt(squares/n − (sum/n)²) of shifted sums, 0 when that is not positive.
    @inlinable @inline(__always)
    static func deviation(_ sum: Double, _ squares: Double, _ n: Double) -> Double {
        let mean = sum / n
        let variance = squares / n - mean * mean
        return variance > 0 ? variance.squareRoot() : 0
    }
}

extension RollingStdDev {
    /// Vectorised rolling standard deviation (tight loop; see the module notes). NaN warm-up.
    public static func compute(_ input: [Double], period: Int, deviations: Double = 1) -> IndicatorSeries {
        checkPeriod(period, "standard deviation")
        return input.withUnsafeBufferPointer { x in
            makeSeries(x.count) { out in
                kernel(x, period) { i, _, sd in out[i] = sd * deviations } nan: { out[$0] = .nan }
            }
        }
    }

    /// The sliding-window loop the standard deviation and Bollinger bands share, in the streaming
    /// form's exact order: calls `emit(i, mean, deviation)` for every full window and `nan(i)` for
    /// the warm-up slots. Public for the benchmark's OpenBLAS comparison (`tsxlab-bench indicators`).
    @inlinable
    public static func kernel(_ x: UnsafeBufferPointer<Double>, _ period: Int,
                       emit: (Int, Double, Double) -> Void, nan: (Int) -> Void) -> Int {
        let n = x.count
        let d = Double(period)
        var sum = 0.0
        let warm = min(period - 1, n)
        for i in 0..<warm { sum += x[i]; nan(i) }
        if n < period { return n }
        var shift = 0.0, shifted = 0.0, shiftedSquares = 0.0
        var i = period - 1
        var untilRecenter = 0          // inputs until the next recentring: when (i + 1) % period == 0
        sum += x[i]
        while true {
            if untilRecenter == 0 {
                untilRecenter = period
                shift = x[i]
                shifted = 0; shiftedSquares = 0
                for j in (i + 1 - period)...i { let v = x[j] - shift; shifted += v; shiftedSquares += v * v }
            }
            emit(i, sum / d, deviation(shifted, shiftedSquares, d))
            i += 1
            if i >= n { break }
            untilRecenter -= 1
            let v = x[i], old = x[i - period]
            sum += v - old
            if untilRecenter != 0 {
                let a = v - shift, b = old - shift
                shifted += a - b
                shiftedSquares += a * a - b * b
            }
        }
        return period - 1
    }
}

/// Bollinger bands (TA-Lib `BBANDS` with an SMA middle): middle = SMA(period), upper/lower =
/// middle ± k × the population standard deviation of the same window. Warm-up: `period − 1`.
public struct BollingerBands: Sendable {
    /// One reading of the three bands.
    public struct Value: Sendable, Hashable {
        public var upper: Double
        public var middle: Double
        public var lower: Double
        @inlinable public init(upper: Double, middle: Double, lower: Double) {
            self.upper = upper; self.middle = middle; self.lower = lower
        }
    }

    /// The three bands over a whole series; NaN in the first `warmup` slots of each.
    public struct Series: Sendable {
        public var upper: [Double]
        public var middle: [Double]
        public var lower: [Double]
        public var warmup: Int
        /// Empty, to pass to `compute(_:period:upperDeviations:lowerDeviations:into:)`.
        public init() { upper = []; middle = []; lower = []; warmup = 0 }
        init(upper: [Double], middle: [Double], lower: [Double], warmup: Int) {
            self.upper = upper; self.middle = middle; self.lower = lower; self.warmup = warmup
        }
    }

    public let period: Int
    public let upperDeviations: Double
    public let lowerDeviations: Double
    @usableFromInline var window: RollingStdDev

    /// - Precondition: `period >= 1`.
    public init(period: Int = 20, deviations: Double = 2) {
        self.init(period: period, upperDeviations: deviations, lowerDeviations: deviations)
    }

    public init(period: Int, upperDeviations: Double, lowerDeviations: Double) {
        self.period = period; self.upperDeviations = upperDeviations; self.lowerDeviations = lowerDeviations
        window = RollingStdDev(period: period)
    }

    public var warmup: Int { period - 1 }
    public var isReady: Bool { window.isReady }

    /// Adds one input; returns the bands, or nil while warming up.
    @inlinable
    public mutating func update(_ x: Double) -> Value? {
        guard window.push(x) else { return nil }
        let middle = window.sum / window.divisor
        let sd = RollingStdDev.deviation(window.shifted, window.shiftedSquares, window.divisor)
        return Value(upper: middle + upperDeviations * sd, middle: middle, lower: middle - lowerDeviations * sd)
    }

    public mutating func reset() { window.reset() }

    /// Vectorised bands: one fused loop writing all three outputs (4.9–5.0 ns/bar against 6.7–6.9 for the
    /// loops plus `cblas_dcopy`/`cblas_daxpy`; see `BLASComparison` in Sources/TSXLabBench).
    public static func compute(_ input: [Double], period: Int = 20, deviations: Double = 2) -> Series {
        compute(input, period: period, upperDeviations: deviations, lowerDeviations: deviations)
    }

    public static func compute(_ input: [Double], period: Int, upperDeviations: Double, lowerDeviations: Double) -> Series {
        var out = Series()
        compute(input, period: period, upperDeviations: upperDeviations, lowerDeviations: lowerDeviations, into: &out)
        return out
    }

    /// Vectorised bands into a caller's series (its arrays resized to `input.count`, storage kept:
    /// sweeps reuse one; three fresh 8 MB arrays per call cost more in page faults than the loop).
    public static func compute(_ input: [Double], period: Int, upperDeviations: Double, lowerDeviations: Double,
                               into out: inout Series) {
        checkPeriod(period, "Bollinger bands")
        let n = input.count
        resize(&out.upper, n); resize(&out.middle, n); resize(&out.lower, n)
        out.warmup = input.withUnsafeBufferPointer { x in
            out.upper.withUnsafeMutableBufferPointer { u in
                out.middle.withUnsafeMutableBufferPointer { m in
                    out.lower.withUnsafeMutableBufferPointer { l in
                        RollingStdDev.kernel(x, period) { i, mean, sd in
                            u[i] = mean + upperDeviations * sd; m[i] = mean; l[i] = mean - lowerDeviations * sd
                        } nan: { i in u[i] = .nan; m[i] = .nan; l[i] = .nan }
                    }
                }
            }
        }
    }
}
