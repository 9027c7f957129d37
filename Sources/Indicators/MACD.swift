/// MACD as TA-Lib's `MACD` computes it (fast 12, slow 26, signal 9 by default):
/// - the slow EMA is seeded at input `slow − 1` with the SMA of inputs `0..<slow`;
/// - the fast EMA is seeded **at the same input** with the SMA of the `fast` inputs ending there
///   (TA-Lib aligns the two; a free-running EMA(fast) would differ for the first few hundred bars);
/// - macd = fast − slow from input `slow − 1`; the signal is an EMA(signal) of macd seeded with the
///   SMA of its first `signal` values; histogram = macd − signal.
/// All three are first reported at input `slow + signal − 2` (33 for 12/26/9), TA-Lib's lookback.
/// EMA arithmetic is `EMA`'s (k = 2/(period + 1)).
public struct MACD: Sendable {
    /// One reading.
    public struct Value: Sendable, Hashable {
        public var macd: Double
        public var signal: Double
        public var histogram: Double
        @inlinable public init(macd: Double, signal: Double, histogram: Double) {
            self.macd = macd; self.signal = signal; self.histogram = histogram
        }
    }

    /// The three lines over a whole series; NaN in the first `warmup` slots.
    public struct Series: Sendable {
        public var macd: [Double]
        public var signal: [Double]
        public var histogram: [Double]
        public var warmup: Int
        /// Empty, to pass to `compute(_:fast:slow:signal:into:)`.
        public init() { macd = []; signal = []; histogram = []; warmup = 0 }
    }

    public let fast: Int
    public let slow: Int
    public let signalPeriod: Int
    @usableFromInline let kFast: Double
    @usableFromInline let kSlow: Double
    @usableFromInline let kSignal: Double
    @usableFromInline var seen = 0
    @usableFromInline var fastSum = 0.0
    @usableFromInline var slowSum = 0.0
    @usableFromInline var signalSum = 0.0
    @usableFromInline var fastEMA = 0.0
    @usableFromInline var slowEMA = 0.0
    @usableFromInline var signalEMA = 0.0

    /// - Precondition: `1 <= fast <= slow` and `signal >= 1`.
    public init(fast: Int = 12, slow: Int = 26, signal: Int = 9) {
        precondition(fast >= 1 && slow >= fast && signal >= 1, "MACD needs 1 <= fast <= slow and signal >= 1")
        self.fast = fast; self.slow = slow; self.signalPeriod = signal
        kFast = 2.0 / Double(fast + 1); kSlow = 2.0 / Double(slow + 1); kSignal = 2.0 / Double(signal + 1)
    }

    /// Inputs consumed before the first value: slow + signal − 2.
    public var warmup: Int { slow + signalPeriod - 2 }
    public var isReady: Bool { seen > warmup }

    /// Adds one input; returns macd, signal and histogram, or nil while warming up.
    @inlinable
    public mutating func update(_ x: Double) -> Value? {
        let i = seen
        seen += 1
        if i < slow - 1 {
            slowSum += x
            if i >= slow - fast { fastSum += x }
            return nil
        }
        let macd: Double
        if i == slow - 1 {
            slowSum += x
            fastSum += x
            slowEMA = slowSum / Double(slow)
            fastEMA = fastSum / Double(fast)
        } else {
            slowEMA = EMA.step(slowEMA, x, kSlow)
            fastEMA = EMA.step(fastEMA, x, kFast)
        }
        macd = fastEMA - slowEMA
        let j = i - (slow - 1)          // index of this macd value
        if j < signalPeriod - 1 {
            signalSum += macd
            return nil
        }
        if j == signalPeriod - 1 {
            signalSum += macd
            signalEMA = signalSum / Double(signalPeriod)
        } else {
            signalEMA = EMA.step(signalEMA, macd, kSignal)
        }
        return Value(macd: macd, signal: signalEMA, histogram: macd - signalEMA)
    }

    public mutating func reset() { self = MACD(fast: fast, slow: slow, signal: signalPeriod) }

    /// Vectorised MACD (tight loop: three coupled recurrences).
    public static func compute(_ input: [Double], fast: Int = 12, slow: Int = 26, signal: Int = 9) -> Series {
        var out = Series()
        compute(input, fast: fast, slow: slow, signal: signal, into: &out)
        return out
    }

    /// Vectorised MACD into a caller's series (arrays resized to `input.count`, storage kept).
    public static func compute(_ input: [Double], fast: Int = 12, slow: Int = 26, signal: Int = 9, into out: inout Series) {
        precondition(fast >= 1 && slow >= fast && signal >= 1, "MACD needs 1 <= fast <= slow and signal >= 1")
        let n = input.count
        let warmup = slow + signal - 2
        let kFast = 2.0 / Double(fast + 1), kSlow = 2.0 / Double(slow + 1), kSignal = 2.0 / Double(signal + 1)
        resize(&out.macd, n); resize(&out.signal, n); resize(&out.histogram, n)
        out.warmup = min(warmup, n)
        input.withUnsafeBufferPointer { x in
            out.macd.withUnsafeMutableBufferPointer { mo in
                out.signal.withUnsafeMutableBufferPointer { so in
                    out.histogram.withUnsafeMutableBufferPointer { ho in
                        for i in 0..<min(warmup, n) { mo[i] = .nan; so[i] = .nan; ho[i] = .nan }
                        guard n > warmup else { return }
                        var slowSum = 0.0, fastSum = 0.0
                        for i in 0..<slow {
                            slowSum += x[i]
                            if i >= slow - fast { fastSum += x[i] }
                        }
                        var slowEMA = slowSum / Double(slow), fastEMA = fastSum / Double(fast)
                        var macd = fastEMA - slowEMA
                        var signalSum = macd
                        var i = slow
                        while i <= warmup {
                            slowEMA = EMA.step(slowEMA, x[i], kSlow)
                            fastEMA = EMA.step(fastEMA, x[i], kFast)
                            macd = fastEMA - slowEMA
                            signalSum += macd
                            i += 1
                        }
                        var signalEMA = signalSum / Double(signal)
                        mo[warmup] = macd; so[warmup] = signalEMA; ho[warmup] = macd - signalEMA
                        while i < n {
                            slowEMA = EMA.step(slowEMA, x[i], kSlow)
                            fastEMA = EMA.step(fastEMA, x[i], kFast)
                            macd = fastEMA - slowEMA
                            signalEMA = EMA.step(signalEMA, macd, kSignal)
                            mo[i] = macd; so[i] = signalEMA; ho[i] = macd - signalEMA
                            i += 1
                        }
                    }
                }
            }
        }
    }
}
