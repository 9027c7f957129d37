import Data
import Synchronization

/// A series computed from a symbol's bars, one value per bar, bar after bar: the value at a bar
/// depends on that bar and the ones before it only. The one definition serves a backtest (run over
/// the whole series once, then shared) and live trading (extended as each bar finishes), so both
/// see the same numbers.
public protocol SeriesFold {
    /// The value at `bar`, the next bar of the series.
    mutating func next(_ bar: Bar) -> Double
}

/// How a shared series is made, named by a description (`sma:20`, `sma_bracket.d:10:30`). Two
/// recipes with the same key must compute the same values: within a sweep a series is computed
/// once per key and read by every configuration that asks for it.
public struct SeriesRecipe: Sendable {
    public let key: String
    /// A fresh fold, for a series that grows bar by bar.
    let start: @Sendable () -> any SeriesFold
    /// The values over a whole series, with the fold's type known (no dynamic call per bar: a
    /// fold called through its existential took three times as long, by perf on the sweep
    /// benchmark's sma-bracket grid).
    let whole: @Sendable (BarSeries) -> [Double]

    /// A recipe whose values `start()`'s fold computes.
    public init<F: SeriesFold>(_ key: String, _ start: @escaping @Sendable () -> F) {
        self.key = key
        self.start = { start() }
        self.whole = { bars in
            var fold = start()
            let n = bars.count
            return [Double](unsafeUninitializedCapacity: n) { out, count in
                bars.withColumns { bar in
                    for i in 0..<n { out[i] = fold.next(bar[i]) }
                }
                count = n
            }
        }
    }

    /// A recipe whose value at each bar is `value(bar)` alone.
    public static func map(_ key: String, _ value: @escaping @Sendable (Bar) -> Double) -> SeriesRecipe {
        SeriesRecipe(key) { MapFold(value: value) }
    }
}

struct MapFold: SeriesFold {
    let value: @Sendable (Bar) -> Double
    mutating func next(_ bar: Bar) -> Double { value(bar) }
}

/// The values of one series. In a backtest they are computed over the whole series and never
/// change (so threads share them); live, they grow by one value per finished bar.
public final class SeriesValues: @unchecked Sendable {
    /// One value per bar.
    public internal(set) var values: [Double]
    /// Where the sign of the values changes: indexes `c ≥ 1` with `sign(values[c]) ≠
    /// sign(values[c − 1])` (NaN counts as zero), ascending. Made with the values in a backtest (a
    /// `Wake.signChange` is found by binary search); empty while the series grows.
    let signChanges: [Int]
    /// The fold that extends a growing series (live); nil once computed whole.
    var fold: (any SeriesFold)?

    init(computing recipe: SeriesRecipe, over bars: BarSeries) {
        let v = recipe.whole(bars)
        values = v
        var changes: [Int] = []
        if v.count > 1 {
            var previous = Self.sign(v[0])
            for c in 1..<v.count {
                let s = Self.sign(v[c])
                if s != previous { changes.append(c) }
                previous = s
            }
        }
        signChanges = changes
        self.fold = nil
    }

    init(growing recipe: SeriesRecipe, over bars: BarSeries) {
        var fold = recipe.start()
        values = (0..<bars.count).map { fold.next(bars[$0]) }
        signChanges = []
        self.fold = fold
    }

    func append(_ bar: Bar) {
        guard var f = fold else { return }
        fold = nil
        values.append(f.next(bar))
        fold = f
    }

    @inline(__always)
    static func sign(_ x: Double) -> Int { (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0) }

    /// The first index in `from..<to` where the sign changes, or `to`.
    public func firstSignChange(from: Int, to: Int) -> Int {
        var lo = 0, hi = signChanges.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if signChanges[mid] < from { lo = mid + 1 } else { hi = mid }
        }
        return lo < signChanges.count ? min(signChanges[lo], to) : to
    }
}

/// The series of one set of bars, computed once per recipe key and shared read-only by every run
/// over those bars: a sweep hands one book to all its configurations, so an indicator ten
/// configurations ask for is computed once.
public final class SeriesBook: Sendable {
    public let bars: BarSeries
    private let computed = Mutex<[String: SeriesValues]>([:])

    public init(bars: BarSeries) { self.bars = bars }

    /// The values of `recipe` over the book's bars, computed on first request.
    public func values(_ recipe: SeriesRecipe) -> SeriesValues {
        computed.withLock { known in
            if let v = known[recipe.key] { return v }
            let v = SeriesValues(computing: recipe, over: bars)
            known[recipe.key] = v
            return v
        }
    }

    /// How many distinct series have been computed (for tests and progress).
    public var count: Int { computed.withLock { $0.count } }
}

/// The bars of one symbol as a strategy reads them through shared series: `index` is the bar
/// being handed to `onBar` (the driver sets it; strategies only read it), and every `Series` reads relative to it, so no
/// strategy can read a bar that has not finished.
///
/// In a backtest the bars are the whole run's and the series come from a `SeriesBook` (shared in
/// a sweep); live and in paper trading the bars grow as they finish and each series is extended
/// by its fold.
public final class MarketSeries {
    public let symbol: String
    /// The bars so far (live), or the whole run's (backtest: only up to `index` may be read).
    public private(set) var bars: BarSeries
    /// The index of the bar being handed to the strategies; -1 before the first.
    @inlinable public var index: Int {
        get { cursor.index }
        set { cursor.index = newValue }
    }
    /// Where the index lives: every `Series` of this market holds it, so a series outliving its
    /// run still reads memory it owns.
    @usableFromInline let cursor = BarCursor()
    let book: SeriesBook?
    var growing: [String: SeriesValues] = [:]

    /// The whole run's bars, with the series of `book` (which must be over the same bars).
    public init(book: SeriesBook) {
        self.book = book
        bars = book.bars
        symbol = book.bars.symbol
    }

    /// Bars that arrive one at a time (`append`), starting from `history`.
    public init(growing history: BarSeries) {
        book = nil
        bars = history
        symbol = history.symbol
        cursor.index = history.count - 1
    }

    /// Whether the series grow bar by bar (live, paper) rather than being computed whole.
    public var isGrowing: Bool { book == nil }

    /// The series `recipe` describes, computed (or shared) on first request.
    public func series(_ recipe: SeriesRecipe) -> Series {
        if let book { return Series(book.values(recipe), self) }
        if let v = growing[recipe.key] { return Series(v, self) }
        let v = SeriesValues(growing: recipe, over: bars)
        growing[recipe.key] = v
        return Series(v, self)
    }

    /// A finished bar of a growing market: the bars and every series asked for so far grow by one.
    public func append(_ bar: Bar) {
        precondition(isGrowing, "a backtest's market holds its whole series")
        bars.append(bar)
        for v in growing.values { v.append(bar) }
        cursor.index = bars.count - 1
    }

    /// The bar being handed to the strategies.
    public var bar: Bar { bars[index] }
}

/// The bar a market is at, shared by the market and its series.
public final class BarCursor {
    @usableFromInline var index = -1
    init() {}
}

/// A shared series as a strategy reads it: `s[0]` is the value at the bar being handed to
/// `onBar`, `s[1]` the bar before, and so on (NaN before the first bar).
public struct Series {
    @usableFromInline let store: SeriesValues
    @usableFromInline let cursor: BarCursor

    init(_ store: SeriesValues, _ market: MarketSeries) {
        self.store = store
        self.cursor = market.cursor
    }

    @inlinable
    public subscript(barsAgo: Int) -> Double {
        precondition(barsAgo >= 0, "a series is read at the current bar (0) or earlier ones")
        let k = cursor.index &- barsAgo
        return k >= 0 ? store.values[k] : .nan
    }

    /// The values' storage, for the engine's wake search.
    public var values: SeriesValues { store }
}

/// A strategy that reads shared series: before `onStart` the session hands it the market of each
/// of its symbols, and it asks there for the series it needs (`market.series(recipe)`).
public protocol ReadsSeries: Strategy {
    func attach(_ market: MarketSeries)
}

/// What a strategy is waiting for when it has nothing to do on a bar: the backtest engine then
/// jumps over the bars where none of it can be true and where no working order or risk stop can
/// be reached, instead of calling `onBar` on each. Any one condition wakes the strategy; events
/// (fills, cancels, breaches) and the trade day's roll always reach it.
///
/// The contract: on a bar where none of its conditions holds and no event reached it, the
/// strategy's `onBar` changes nothing (no order, no state that matters later). A strategy keeps it
/// by reading what it needs from shared series (`ReadsSeries`) rather than from bars it saw.
/// Results are the same with and without skipping; tests run every built-in strategy both ways.
public struct Wake: Sendable {
    /// Every bar (the default for strategies that declare nothing).
    public var everyBar = false
    /// The first bar that closes at or after this instant (UTC seconds).
    public var closeAtOrAfter = Int64.max
    /// The first bar whose high reaches this price (ticks).
    public var highAtOrAbove = Int64.max
    /// The first bar whose low reaches this price (ticks).
    public var lowAtOrBelow = Int64.min
    /// The first bar at which the sign of one of these series differs from the bar before.
    public var signChanges: [SeriesValues] = []

    public init() {}

    public static let everyBar: Wake = { var w = Wake(); w.everyBar = true; return w }()
    /// Nothing on bars: only events and the trade day's roll.
    public static let nothing = Wake()

    public static func barClosing(atOrAfter t: Timestamp) -> Wake { var w = Wake(); w.closeAtOrAfter = t.seconds; return w }
    public static func high(atOrAbove ticks: Int64) -> Wake { var w = Wake(); w.highAtOrAbove = ticks; return w }
    public static func low(atOrBelow ticks: Int64) -> Wake { var w = Wake(); w.lowAtOrBelow = ticks; return w }
    /// A price leaving `(low, high)`: a bar reaching `high` or above, or `low` or below.
    public static func price(leaving low: Int64, _ high: Int64) -> Wake { var w = Wake(); w.lowAtOrBelow = low; w.highAtOrAbove = high; return w }
    /// The sign of `series` changing (for a difference of two series: a crossing).
    public static func signChange(of series: Series) -> Wake { var w = Wake(); w.signChanges = [series.values]; return w }

    /// Either condition.
    public func or(_ other: Wake) -> Wake {
        var w = self
        w.everyBar = everyBar || other.everyBar
        w.closeAtOrAfter = min(closeAtOrAfter, other.closeAtOrAfter)
        w.highAtOrAbove = min(highAtOrAbove, other.highAtOrAbove)
        w.lowAtOrBelow = max(lowAtOrBelow, other.lowAtOrBelow)
        // Most wakes name no series: appending an empty list still cost 1.6 % of the
        // overnight-range grid (perf, `tsxlab-bench sweep`).
        if !other.signChanges.isEmpty { w.signChanges += other.signChanges }
        return w
    }
}

/// A strategy that says what it is waiting for (see `Wake`). Asked after each bar it was handed
/// and after events reached it.
public protocol DeclaresWake: Strategy {
    var waitingFor: Wake { get }
}
