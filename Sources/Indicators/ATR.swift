/// How the first true range and the first ATR are formed.
public enum ATRSeeding: String, Sendable, Hashable, CaseIterable {
    /// TA-Lib (`TRANGE`, `ATR`), the default: the first bar has no true range (no previous close);
    /// the first ATR, at bar `period`, is the mean of the true ranges of bars `1...period`.
    case taLib
    /// Pine Script `ta.atr` (`ta.rma(ta.tr(true), length)`): the first bar's true range is
    /// high − low; the first ATR, at bar `period − 1`, is the mean of the true ranges of bars
    /// `0..<period`. The seed's ATR zones come from a Pine script, hence this option.
    case pine
}

/// True range: max(high − low, |high − previous close|, |low − previous close|), in the unit of the
/// input (exact for ticks). The first bar has none (TA-Lib) or high − low (`.pine`).
public struct TrueRange: Sendable {
    public let seeding: ATRSeeding
    @usableFromInline var previousClose = 0.0
    @usableFromInline var hasPrevious = false

    public init(seeding: ATRSeeding = .taLib) { self.seeding = seeding }

    /// Bars consumed before the first value: 1 (TA-Lib) or 0 (Pine).
    public var warmup: Int { seeding == .taLib ? 1 : 0 }

    /// Adds one bar; returns its true range, or nil for the first bar under TA-Lib seeding.
    @inlinable
    public mutating func update(high: Double, low: Double, close: Double) -> Double? {
        defer { previousClose = close; hasPrevious = true }
        if hasPrevious { return TrueRange.value(high: high, low: low, previousClose: previousClose) }
        return seeding == .pine ? high - low : nil
    }

    /// The true range of one bar given the previous close (TA-Lib's comparisons, in its order).
    @inlinable @inline(__always)
    public static func value(high: Double, low: Double, previousClose: Double) -> Double {
        var greatest = high - low
        let up = abs(previousClose - high)
        if up > greatest { greatest = up }
        let down = abs(low - previousClose)
        if down > greatest { greatest = down }
        return greatest
    }

    public mutating func reset() { self = TrueRange(seeding: seeding) }

    /// Vectorised true range (tight loop). Slot 0 is NaN under TA-Lib seeding.
    public static func compute(high: [Double], low: [Double], close: [Double], seeding: ATRSeeding = .taLib) -> IndicatorSeries {
        precondition(high.count == low.count && low.count == close.count, "high, low and close differ in length")
        return high.withUnsafeBufferPointer { h in low.withUnsafeBufferPointer { l in close.withUnsafeBufferPointer { c in
            makeSeries(h.count) { out in
                let n = h.count
                if n == 0 { return 0 }
                out[0] = seeding == .pine ? h[0] - l[0] : .nan
                var i = 1
                while i < n { out[i] = value(high: h[i], low: l[i], previousClose: c[i - 1]); i += 1 }
                return seeding == .pine ? 0 : 1
            }
        } } }
    }
}

/// Average true range with Wilder's smoothing. Seeding per `ATRSeeding` (TA-Lib by default; Pine's
/// `ta.atr` as an option); after the seed `atr = atr·(period − 1)/period + tr/period`.
///
/// The result is in the unit of the input: feed ticks, get ticks. Warm-up: `period` bars (TA-Lib)
/// or `period − 1` (Pine). Differs from TA-Lib's `(atr·(period − 1) + tr) / period` only in the
/// last bits (the division left the loop-carried chain; the TA-Lib fixture agrees to ~1e-15).
public struct ATR: Sendable {
    public let period: Int
    public let seeding: ATRSeeding
    @usableFromInline var trueRange: TrueRange
    @usableFromInline var seen = 0
    @usableFromInline var sum = 0.0
    @usableFromInline var atr = 0.0
    @usableFromInline let keep: Double
    @usableFromInline let weight: Double

    /// - Precondition: `period >= 1`.
    public init(period: Int, seeding: ATRSeeding = .taLib) {
        checkPeriod(period, "ATR")
        self.period = period; self.seeding = seeding
        trueRange = TrueRange(seeding: seeding)
        weight = 1.0 / Double(period)
        keep = Double(period - 1) / Double(period)
    }

    /// Bars consumed before the first value.
    public var warmup: Int { seeding == .taLib ? period : period - 1 }
    public var isReady: Bool { seen >= period }
    public var value: Double? { isReady ? atr : nil }

    /// Adds one bar; returns the ATR, or nil while warming up.
    @inlinable
    public mutating func update(high: Double, low: Double, close: Double) -> Double? {
        guard let tr = trueRange.update(high: high, low: low, close: close) else { return nil }
        if seen >= period {
            atr = atr * keep + tr * weight
            return atr
        }
        sum += tr
        seen += 1
        if seen < period { return nil }
        atr = sum / Double(period)
        return atr
    }

    public mutating func reset() { self = ATR(period: period, seeding: seeding) }
}

extension ATR {
    /// Vectorised ATR (tight loop: the true range and the recurrence fused in one pass).
    public static func compute(high: [Double], low: [Double], close: [Double], period: Int, seeding: ATRSeeding = .taLib) -> IndicatorSeries {
        checkPeriod(period, "ATR")
        precondition(high.count == low.count && low.count == close.count, "high, low and close differ in length")
        return high.withUnsafeBufferPointer { h in low.withUnsafeBufferPointer { l in close.withUnsafeBufferPointer { c in
            makeSeries(h.count) { kernel(h, l, c, period, seeding, $0) }
        } } }
    }

    /// Vectorised ATR into a caller's array (resized to the input length); returns the warm-up.
    @discardableResult
    public static func compute(high: [Double], low: [Double], close: [Double], period: Int, seeding: ATRSeeding = .taLib,
                               into output: inout [Double]) -> Int {
        checkPeriod(period, "ATR")
        precondition(high.count == low.count && low.count == close.count, "high, low and close differ in length")
        return high.withUnsafeBufferPointer { h in low.withUnsafeBufferPointer { l in close.withUnsafeBufferPointer { c in
            fill(&output, h.count) { kernel(h, l, c, period, seeding, $0) }
        } } }
    }

    @inlinable
    static func kernel(_ h: UnsafeBufferPointer<Double>, _ l: UnsafeBufferPointer<Double>, _ c: UnsafeBufferPointer<Double>,
                       _ period: Int, _ seeding: ATRSeeding, _ out: UnsafeMutableBufferPointer<Double>) -> Int {
        let n = h.count
        if n == 0 { return 0 }
        let weight = 1.0 / Double(period), keep = Double(period - 1) / Double(period)
        // Index of the first true range, and of the first ATR.
        let firstTR = seeding == .taLib ? 1 : 0
        let warmup = firstTR + period - 1
        if n <= warmup {
            for i in 0..<n { out[i] = .nan }
            return n
        }
        var sum = 0.0
        if firstTR == 0 { sum = h[0] - l[0] }
        out[0] = .nan
        var i = 1
        while i < warmup {
            sum += TrueRange.value(high: h[i], low: l[i], previousClose: c[i - 1])
            out[i] = .nan
            i += 1
        }
        if warmup > 0 { sum += TrueRange.value(high: h[warmup], low: l[warmup], previousClose: c[warmup - 1]) }
        var atr = sum / Double(period)
        out[warmup] = atr
        i = warmup + 1
        while i < n {
            let tr = TrueRange.value(high: h[i], low: l[i], previousClose: c[i - 1])
            atr = atr * keep + tr * weight
            out[i] = atr
            i += 1
        }
        return warmup
    }
}
