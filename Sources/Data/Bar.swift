/// One OHLCV bar, stamped at its start in UTC; prices in ticks of the series' contract.
public struct Bar: Hashable, Sendable {
    public var time: Timestamp
    public var open: Price
    public var high: Price
    public var low: Price
    public var close: Price
    /// Contracts (shares for equities) traded in the bar.
    public var volume: Int64

    public init(time: Timestamp, open: Price, high: Price, low: Price, close: Price, volume: Int64) {
        self.time = time; self.open = open; self.high = high; self.low = low; self.close = close
        self.volume = volume
    }

    /// Builds a bar from tick counts.
    public init(_ seconds: Int64, _ o: Int64, _ h: Int64, _ l: Int64, _ c: Int64, _ v: Int64) {
        self.init(time: Timestamp(seconds: seconds), open: Price(ticks: o), high: Price(ticks: h),
                  low: Price(ticks: l), close: Price(ticks: c), volume: v)
    }

    /// True when high ≥ max(open, close), low ≤ min(open, close) and volume ≥ 0.
    public var isConsistent: Bool {
        high >= open && high >= close && low <= open && low <= close && high >= low && volume >= 0
    }
}

/// Bars of one symbol and timeframe in structure-of-arrays form, in strictly increasing time.
///
/// This is the shape the backtest and indicator loops read: each field is one contiguous array.
public struct BarSeries: Sendable, Equatable {
    public var symbol: String
    public var timeframe: Timeframe
    public var tickSize: TickSize
    /// Bar start, seconds since the epoch (UTC).
    public var time: [Int64] = []
    /// Prices in ticks.
    public var open: [Int64] = []
    public var high: [Int64] = []
    public var low: [Int64] = []
    public var close: [Int64] = []
    public var volume: [Int64] = []

    public init(symbol: String, timeframe: Timeframe, tickSize: TickSize) {
        self.symbol = symbol; self.timeframe = timeframe; self.tickSize = tickSize
    }

    public init(symbol: String, timeframe: Timeframe, tickSize: TickSize, bars: some Sequence<Bar>) {
        self.init(symbol: symbol, timeframe: timeframe, tickSize: tickSize)
        for b in bars { append(b) }
    }

    public var count: Int { time.count }
    public var isEmpty: Bool { time.isEmpty }

    public mutating func reserveCapacity(_ n: Int) {
        time.reserveCapacity(n); open.reserveCapacity(n); high.reserveCapacity(n)
        low.reserveCapacity(n); close.reserveCapacity(n); volume.reserveCapacity(n)
    }

    @inlinable
    public mutating func append(_ b: Bar) {
        time.append(b.time.seconds); open.append(b.open.ticks); high.append(b.high.ticks)
        low.append(b.low.ticks); close.append(b.close.ticks); volume.append(b.volume)
    }

    public subscript(i: Int) -> Bar {
        Bar(time[i], open[i], high[i], low[i], close[i], volume[i])
    }

    public var bars: [Bar] { (0..<count).map { self[$0] } }

    public var first: Bar? { isEmpty ? nil : self[0] }
    public var last: Bar? { isEmpty ? nil : self[count - 1] }

    /// Index of the first bar with time ≥ `t` (binary search).
    public func lowerBound(_ t: Int64) -> Int {
        var lo = 0, hi = time.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if time[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The bars in `[from, to)`.
    public func slice(from: Timestamp, to: Timestamp) -> BarSeries {
        let a = lowerBound(from.seconds), b = max(a, lowerBound(to.seconds))
        return slice(a..<b)
    }

    public func slice(_ r: Range<Int>) -> BarSeries {
        var s = BarSeries(symbol: symbol, timeframe: timeframe, tickSize: tickSize)
        s.time = Array(time[r]); s.open = Array(open[r]); s.high = Array(high[r])
        s.low = Array(low[r]); s.close = Array(close[r]); s.volume = Array(volume[r])
        return s
    }
}

/// A series' six columns as raw buffers, for loops over many bars: no bounds check per field per
/// bar, and one closure where six nested ones would be. Valid only inside `withColumns`.
public struct BarColumns {
    public let time: UnsafeBufferPointer<Int64>, open: UnsafeBufferPointer<Int64>, high: UnsafeBufferPointer<Int64>
    public let low: UnsafeBufferPointer<Int64>, close: UnsafeBufferPointer<Int64>, volume: UnsafeBufferPointer<Int64>

    @usableFromInline
    init(_ time: UnsafeBufferPointer<Int64>, _ open: UnsafeBufferPointer<Int64>, _ high: UnsafeBufferPointer<Int64>,
         _ low: UnsafeBufferPointer<Int64>, _ close: UnsafeBufferPointer<Int64>, _ volume: UnsafeBufferPointer<Int64>) {
        self.time = time; self.open = open; self.high = high; self.low = low; self.close = close; self.volume = volume
    }

    public var count: Int { time.count }

    /// The bar at `i`.
    @inlinable
    public subscript(i: Int) -> Bar { Bar(time[i], open[i], high[i], low[i], close[i], volume[i]) }
}

extension BarSeries {
    /// Calls `body` with the columns as raw buffers (see `BarColumns`).
    @inlinable
    public func withColumns<R>(_ body: (BarColumns) throws -> R) rethrows -> R {
        try time.withUnsafeBufferPointer { t in
        try open.withUnsafeBufferPointer { o in
        try high.withUnsafeBufferPointer { h in
        try low.withUnsafeBufferPointer { l in
        try close.withUnsafeBufferPointer { c in
        try volume.withUnsafeBufferPointer { v in
            try body(BarColumns(t, o, h, l, c, v))
        }}}}}}
    }
}
