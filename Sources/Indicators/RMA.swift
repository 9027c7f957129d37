/// Wilder's running moving average as Pine Script's `ta.rma` defines it: `alpha = 1 / period`, the
/// first value (at input `period - 1`) is the SMA of the first `period` inputs, then
/// `rma = alpha·x + (1 − alpha)·rma`. Warm-up: `period - 1` inputs.
///
/// `ATR` and `RSI` apply the same smoothing to true ranges and to gains/losses.
public struct RMA: Sendable {
    public let period: Int
    @usableFromInline let alpha: Double
    @usableFromInline let keep: Double
    @usableFromInline var seen = 0
    @usableFromInline var sum = 0.0
    @usableFromInline var rma = 0.0

    /// - Precondition: `period >= 1`.
    public init(period: Int) {
        checkPeriod(period, "RMA")
        self.period = period
        alpha = 1.0 / Double(period)
        keep = 1.0 - alpha
    }

    public var warmup: Int { period - 1 }
    public var isReady: Bool { seen >= period }
    public var value: Double? { isReady ? rma : nil }

    /// Adds one input; returns the RMA, or nil while warming up.
    @inlinable
    public mutating func update(_ x: Double) -> Double? {
        if seen >= period {
            rma = alpha * x + keep * rma
            return rma
        }
        sum += x
        seen += 1
        if seen < period { return nil }
        rma = sum / Double(period)
        return rma
    }

    public mutating func reset() { self = RMA(period: period) }
}

extension RMA {
    /// Vectorised RMA (tight loop: a recurrence). Warm-up slots are NaN.
    public static func compute(_ input: [Double], period: Int) -> IndicatorSeries {
        checkPeriod(period, "RMA")
        return input.withUnsafeBufferPointer { x in makeSeries(x.count) { kernel(x, period, $0) } }
    }

    /// Vectorised RMA into a caller's array (resized to `input.count`); returns the warm-up count.
    @discardableResult
    public static func compute(_ input: [Double], period: Int, into output: inout [Double]) -> Int {
        checkPeriod(period, "RMA")
        return input.withUnsafeBufferPointer { x in fill(&output, x.count) { kernel(x, period, $0) } }
    }

    @inlinable
    static func kernel(_ x: UnsafeBufferPointer<Double>, _ period: Int, _ out: UnsafeMutableBufferPointer<Double>) -> Int {
        let n = x.count
        let alpha = 1.0 / Double(period), keep = 1.0 - alpha
        var sum = 0.0
        let warm = min(period - 1, n)
        for i in 0..<warm { sum += x[i]; out[i] = .nan }
        if n < period { return n }
        sum += x[period - 1]
        var rma = sum / Double(period)
        out[period - 1] = rma
        var i = period
        while i < n {
            rma = alpha * x[i] + keep * rma
            out[i] = rma
            i += 1
        }
        return period - 1
    }
}
