/// Simple moving average: the mean of the last `period` inputs (TA-Lib `SMA`).
///
/// Warm-up: `period - 1` inputs; the first value is the mean of inputs `0..<period`. The window
/// sum is updated as `sum += new - oldest`, which is exact for tick inputs (integers).
///
/// ```swift
/// var sma = SMA(period: 20)
/// if let v = sma.update(Double(bar.close.ticks)) { … }   // ticks in, ticks out
/// ```
public struct SMA: Sendable {
    public let period: Int
    @usableFromInline var ring: [Double]
    @usableFromInline var head = 0
    @usableFromInline var seen = 0
    @usableFromInline var sum = 0.0
    @usableFromInline let divisor: Double

    /// - Precondition: `period >= 1`.
    public init(period: Int) {
        checkPeriod(period, "SMA")
        self.period = period
        ring = [Double](repeating: 0, count: period)
        divisor = Double(period)
    }

    /// Inputs consumed before the first value.
    public var warmup: Int { period - 1 }
    /// True once a value is available.
    public var isReady: Bool { seen >= period }
    /// The latest value, nil while warming up.
    public var value: Double? { isReady ? sum / divisor : nil }

    /// Adds one input; returns the average of the last `period` inputs, or nil while warming up.
    @inlinable
    public mutating func update(_ x: Double) -> Double? {
        if seen < period {
            ring[seen] = x
            sum += x
            seen += 1
            return seen == period ? sum / divisor : nil
        }
        let oldest = ring[head]
        ring[head] = x
        head = head + 1 == period ? 0 : head + 1
        sum += x - oldest
        return sum / divisor
    }

    /// Forgets every input.
    public mutating func reset() { self = SMA(period: period) }
}

extension SMA {
    /// Vectorised SMA (tight loop; see the module notes on BLAS). Warm-up slots are NaN.
    public static func compute(_ input: [Double], period: Int) -> IndicatorSeries {
        checkPeriod(period, "SMA")
        return input.withUnsafeBufferPointer { x in makeSeries(x.count) { kernel(x, period, $0) } }
    }

    /// Vectorised SMA into a caller's array (resized to `input.count`); returns the warm-up count.
    @discardableResult
    public static func compute(_ input: [Double], period: Int, into output: inout [Double]) -> Int {
        checkPeriod(period, "SMA")
        return input.withUnsafeBufferPointer { x in fill(&output, x.count) { kernel(x, period, $0) } }
    }

    /// The loop both entry points share: `out[i]` for every `i`, NaN before `period - 1`.
    @inlinable
    static func kernel(_ x: UnsafeBufferPointer<Double>, _ period: Int, _ out: UnsafeMutableBufferPointer<Double>) -> Int {
        let n = x.count
        let d = Double(period)
        var sum = 0.0
        let warm = min(period - 1, n)
        for i in 0..<warm { sum += x[i]; out[i] = .nan }
        if n < period { return n }
        sum += x[period - 1]
        out[period - 1] = sum / d
        var i = period
        while i < n {
            sum += x[i] - x[i - period]
            out[i] = sum / d
            i += 1
        }
        return period - 1
    }
}
