/// Exponential moving average with smoothing `k = 2 / (period + 1)`, seeded like TA-Lib's `EMA`
/// (default compatibility): the first value, at input `period - 1`, is the SMA of the first
/// `period` inputs; after it `ema = (x - ema) * k + ema` (TA-Lib's arithmetic, term for term).
///
/// Pine Script's `ta.ema` seeds the same way. Warm-up: `period - 1` inputs.
public struct EMA: Sendable {
    public let period: Int
    /// The smoothing factor, 2 / (period + 1).
    public let k: Double
    @usableFromInline var seen = 0
    @usableFromInline var sum = 0.0
    @usableFromInline var ema = 0.0

    /// - Precondition: `period >= 1`.
    public init(period: Int) {
        checkPeriod(period, "EMA")
        self.period = period
        self.k = 2.0 / Double(period + 1)
    }

    public var warmup: Int { period - 1 }
    public var isReady: Bool { seen >= period }
    public var value: Double? { isReady ? ema : nil }

    /// Adds one input; returns the EMA, or nil while warming up.
    @inlinable
    public mutating func update(_ x: Double) -> Double? {
        if seen >= period {
            ema = EMA.step(ema, x, k)
            return ema
        }
        sum += x
        seen += 1
        if seen < period { return nil }
        ema = sum / Double(period)
        return ema
    }

    public mutating func reset() { self = EMA(period: period) }

    /// One smoothing step, TA-Lib's `((x - prev) * k) + prev`.
    @inlinable @inline(__always)
    static func step(_ prev: Double, _ x: Double, _ k: Double) -> Double { (x - prev) * k + prev }
}

extension EMA {
    /// Vectorised EMA (tight loop: a recurrence has no BLAS form). Warm-up slots are NaN.
    public static func compute(_ input: [Double], period: Int) -> IndicatorSeries {
        checkPeriod(period, "EMA")
        return input.withUnsafeBufferPointer { x in makeSeries(x.count) { kernel(x, period, $0) } }
    }

    /// Vectorised EMA into a caller's array (resized to `input.count`); returns the warm-up count.
    @discardableResult
    public static func compute(_ input: [Double], period: Int, into output: inout [Double]) -> Int {
        checkPeriod(period, "EMA")
        return input.withUnsafeBufferPointer { x in fill(&output, x.count) { kernel(x, period, $0) } }
    }

    @inlinable
    static func kernel(_ x: UnsafeBufferPointer<Double>, _ period: Int, _ out: UnsafeMutableBufferPointer<Double>) -> Int {
        let n = x.count
        let k = 2.0 / Double(period + 1)
        var sum = 0.0
        let warm = min(period - 1, n)
        for i in 0..<warm { sum += x[i]; out[i] = .nan }
        if n < period { return n }
        sum += x[period - 1]
        var ema = sum / Double(period)
        out[period - 1] = ema
        var i = period
        while i < n {
            ema = step(ema, x[i], k)
            out[i] = ema
            i += 1
        }
        return period - 1
    }
}
