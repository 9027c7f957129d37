/// Relative strength index with Wilder's smoothing, seeded like TA-Lib's `RSI` (default
/// compatibility): the first value, at input `period`, uses the plain means of the gains and losses
/// of the first `period` changes; after it each average moves as `avg·(period − 1)/period +
/// change/period`. RSI = 100 · avgGain / (avgGain + avgLoss).
///
/// Flat input: when avgGain + avgLoss is within ±1e-14 (TA-Lib's `TA_IS_ZERO`, in input units) the
/// RSI is 0, as TA-Lib answers (Pine's `ta.rsi` answers 100 there). Warm-up: `period` inputs.
public struct RSI: Sendable {
    public let period: Int
    @usableFromInline var previous = 0.0
    @usableFromInline var started = false
    @usableFromInline var seen = 0
    @usableFromInline var gain = 0.0
    @usableFromInline var loss = 0.0
    @usableFromInline let keep: Double
    @usableFromInline let weight: Double

    /// - Precondition: `period >= 1`.
    public init(period: Int) {
        checkPeriod(period, "RSI")
        self.period = period
        weight = 1.0 / Double(period)
        keep = Double(period - 1) / Double(period)
    }

    public var warmup: Int { period }
    public var isReady: Bool { seen >= period }
    public var value: Double? { isReady ? RSI.ratio(gain, loss) : nil }
    /// Wilder's average gain and loss (≥ 0), nil while warming up.
    public var averages: (gain: Double, loss: Double)? { isReady ? (gain, loss) : nil }

    /// Adds one input; returns the RSI (0…100), or nil while warming up.
    @inlinable
    public mutating func update(_ x: Double) -> Double? {
        guard started else { previous = x; started = true; return nil }
        let change = x - previous
        previous = x
        let up = change > 0 ? change : 0.0
        let down = change < 0 ? -change : 0.0
        if seen >= period {
            gain = gain * keep + up * weight
            loss = loss * keep + down * weight
            return RSI.ratio(gain, loss)
        }
        gain += up
        loss += down
        seen += 1
        if seen < period { return nil }
        gain /= Double(period)
        loss /= Double(period)
        return RSI.ratio(gain, loss)
    }

    public mutating func reset() { self = RSI(period: period) }

    @inlinable @inline(__always)
    static func ratio(_ gain: Double, _ loss: Double) -> Double {
        let total = gain + loss
        return total > -1e-14 && total < 1e-14 ? 0 : 100 * (gain / total)
    }
}

extension RSI {
    /// Vectorised RSI (tight loop: a recurrence). Warm-up slots are NaN.
    public static func compute(_ input: [Double], period: Int) -> IndicatorSeries {
        checkPeriod(period, "RSI")
        return input.withUnsafeBufferPointer { x in makeSeries(x.count) { kernel(x, period, $0) } }
    }

    /// Vectorised RSI into a caller's array (resized to `input.count`); returns the warm-up count.
    @discardableResult
    public static func compute(_ input: [Double], period: Int, into output: inout [Double]) -> Int {
        checkPeriod(period, "RSI")
        return input.withUnsafeBufferPointer { x in fill(&output, x.count) { kernel(x, period, $0) } }
    }

    @inlinable
    static func kernel(_ x: UnsafeBufferPointer<Double>, _ period: Int, _ out: UnsafeMutableBufferPointer<Double>) -> Int {
        let n = x.count
        if n <= period {
            for i in 0..<n { out[i] = .nan }
            return n
        }
        let weight = 1.0 / Double(period), keep = Double(period - 1) / Double(period)
        var gain = 0.0, loss = 0.0
        out[0] = .nan
        var i = 1
        while i <= period {
            let change = x[i] - x[i - 1]
            gain += change > 0 ? change : 0.0
            loss += change < 0 ? -change : 0.0
            if i < period { out[i] = .nan }
            i += 1
        }
        gain /= Double(period)
        loss /= Double(period)
        out[period] = ratio(gain, loss)
        while i < n {
            let change = x[i] - x[i - 1]
            gain = gain * keep + (change > 0 ? change : 0.0) * weight
            loss = loss * keep + (change < 0 ? -change : 0.0) * weight
            out[i] = ratio(gain, loss)
            i += 1
        }
        return period
    }
}
