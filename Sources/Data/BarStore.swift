import Foundation

/// Identifies one stored series: a symbol at a timeframe.
public struct SeriesKey: Hashable, Sendable, CustomStringConvertible {
    public var symbol: String
    public var timeframe: Timeframe
    public init(symbol: String, timeframe: Timeframe) { self.symbol = symbol; self.timeframe = timeframe }
    public var description: String { "\(symbol) \(timeframe)" }
}

/// A half-open time window `[from, to)` in UTC.
public struct TimeWindow: Hashable, Sendable, CustomStringConvertible {
    public var from: Timestamp
    public var to: Timestamp
    public init(from: Timestamp, to: Timestamp) { self.from = from; self.to = to }
    public var isEmpty: Bool { to <= from }
    public var description: String {
        switch (from <= .distantPast, to >= .distantFuture) {
        case (true, true): "all time"
        case (true, false): "before \(to)"
        case (false, true): "from \(from) on"
        case (false, false): "[\(from), \(to))"
        }
    }

    /// The parts of `self` not covered by `covered` (which need not be sorted or disjoint).
    public func subtracting(_ covered: [TimeWindow]) -> [TimeWindow] {
        var gaps: [TimeWindow] = []
        var cursor = from
        for w in covered.sorted(by: { $0.from < $1.from }) where w.to > cursor && w.from < to {
            if w.from > cursor { gaps.append(TimeWindow(from: cursor, to: min(w.from, to))) }
            cursor = max(cursor, w.to)
            if cursor >= to { break }
        }
        if cursor < to { gaps.append(TimeWindow(from: cursor, to: to)) }
        return gaps
    }

    /// Merges overlapping or touching windows.
    public static func union(_ ws: [TimeWindow]) -> [TimeWindow] {
        var out: [TimeWindow] = []
        for w in ws.sorted(by: { $0.from < $1.from }) where !w.isEmpty {
            if let last = out.last, w.from <= last.to {
                out[out.count - 1].to = max(last.to, w.to)
            } else {
                out.append(w)
            }
        }
        return out
    }
}

/// What a store knows about one series.
public struct SeriesInfo: Hashable, Sendable {
    public var key: SeriesKey
    public var tickSize: TickSize
    public var count: Int
    public var first: Timestamp?
    public var last: Timestamp?
    public init(key: SeriesKey, tickSize: TickSize, count: Int, first: Timestamp?, last: Timestamp?) {
        self.key = key; self.tickSize = tickSize; self.count = count; self.first = first; self.last = last
    }
}

/// The outcome of an idempotent write: how many bars were new, changed or already stored as given.
public struct UpsertResult: Hashable, Sendable {
    public var inserted: Int
    public var updated: Int
    public var unchanged: Int
    public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.inserted = inserted; self.updated = updated; self.unchanged = unchanged
    }
    public var total: Int { inserted + updated + unchanged }
}

/// A durable home for bars. Two implementations pass one conformance suite: `SQLiteBarStore`
/// (embedded default) and `PostgresBarStore` (libpq).
///
/// Every write is one transaction: it lands whole or not at all. Writes are upserts keyed by
/// (symbol, timeframe, timestamp), so writing the same bars twice changes nothing.
/// Implementations guard their connection internally and may be shared across tasks.
public protocol BarStore: AnyObject, Sendable {
    /// The store's URL with any password removed (safe to print).
    var displayURL: String { get }

    /// The newest schema migration applied.
    func schemaVersion() throws -> Int

    /// Upserts a series in one transaction and records `coverage` (the window the bars were taken
    /// from, gaps included) as fetched. Refuses a series whose tick size differs from the one
    /// already stored for that key.
    @discardableResult
    func write(_ series: BarSeries, coverage: TimeWindow?) throws -> UpsertResult

    /// Bars of a series with `from ≤ time < to`, in time order. An unknown series reads as empty
    /// with `tickSize` taken from `fallbackTickSize` (or the store's record when it has one).
    func read(_ key: SeriesKey, _ window: TimeWindow, fallbackTickSize: TickSize?) throws -> BarSeries

    /// Every stored series with its count and first/last bar.
    func listSeries() throws -> [SeriesInfo]

    /// The windows recorded as fetched for a series, merged.
    func coverage(_ key: SeriesKey) throws -> [TimeWindow]

    /// The number of bars stored for a series (0 for an unknown one).
    func count(_ key: SeriesKey) throws -> Int
}

extension BarStore {
    public func read(_ key: SeriesKey, _ window: TimeWindow) throws -> BarSeries {
        try read(key, window, fallbackTickSize: nil)
    }
}

/// Opens stores from URLs: `sqlite:PATH` (or a bare path ending in `.sqlite`/`.db`),
/// `postgres://user[:password]@host[:port]/db` (`postgresql://` too).
public enum StoreURL {
    /// The default store: `sqlite:<data directory>/tsxlab.sqlite`, where the data directory is
    /// `TSXLAB_DATA_DIR`, else `$XDG_DATA_HOME/tsxlab`, else `~/.local/share/tsxlab`.
    public static func defaultURL(environment: [String: String]) -> String {
        "sqlite:" + dataDirectory(environment: environment) + "/tsxlab.sqlite"
    }

    public static func dataDirectory(environment: [String: String]) -> String {
        if let d = environment["TSXLAB_DATA_DIR"], !d.isEmpty { return d }
        if let x = environment["XDG_DATA_HOME"], !x.isEmpty { return x + "/tsxlab" }
        return (environment["HOME"] ?? ".") + "/.local/share/tsxlab"
    }

    /// The URL chosen by flag, else `TSXLAB_STORE`, else the default.
    public static func resolve(flag: String?, environment: [String: String]) -> String {
        if let f = flag, !f.isEmpty { return f }
        if let e = environment["TSXLAB_STORE"], !e.isEmpty { return e }
        return defaultURL(environment: environment)
    }

    public static func open(_ url: String) throws -> any BarStore {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try PostgresBarStore(url: url)
        }
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            return try SQLiteBarStore(path: path)
        }
        if url.hasSuffix(".sqlite") || url.hasSuffix(".db") { return try SQLiteBarStore(path: url) }
        throw DataError.badInput(file: "store URL", line: nil, field: nil,
            reason: "'\(redact(url))' is not a store URL: use sqlite:PATH or postgres://user@host:port/db")
    }

    /// The URL with the password replaced by `***`.
    public static func redact(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url.range(of: "@", range: scheme.upperBound..<url.endIndex)
        else { return url }
        let userinfo = url[scheme.upperBound..<at.lowerBound]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at.lowerBound...])
    }
}
