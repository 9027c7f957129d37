import Synchronization

/// Where bars come from when neither memory nor the store has them: CSV folders now, the
/// ProjectX history endpoint later.
public protocol BarSource: Sendable {
    /// A short name for statistics and messages (`csv:/data/bars`, `projectx`).
    var name: String { get }
    /// Bars of `key` with `window.from ≤ time < window.to` (an empty series when there are none)
    /// and the tick size they are quoted in.
    func fetch(_ key: SeriesKey, _ window: TimeWindow) throws -> BarSeries
}

/// A folder of bar CSV files named `SYMBOL_TIMEFRAME[_anything].csv[.gz]`
/// (e.g. `ES_1m_2019.csv.gz`). Every file of a series is read and sliced to the window.
public struct CSVFolderSource: BarSource {
    public let folder: String
    public let registry: ContractRegistry
    public var name: String { "csv:" + folder }

    public init(folder: String, registry: ContractRegistry = .builtIn) {
        self.folder = folder; self.registry = registry
    }

    /// The files in the folder that hold `key`, sorted by name.
    public func files(for key: SeriesKey) throws -> [String] {
        let prefix = "\(key.symbol)_\(key.timeframe)"
        return try FileSystem.list(folder).filter { name in
            (name.hasPrefix(prefix + "_") || name.hasPrefix(prefix + ".")) && (name.hasSuffix(".csv") || name.hasSuffix(".csv.gz"))
        }.sorted().map { folder + "/" + $0 }
    }

    public func fetch(_ key: SeriesKey, _ window: TimeWindow) throws -> BarSeries {
        let spec = try registry.spec(for: key.symbol)
        var out = BarSeries(symbol: key.symbol, timeframe: key.timeframe, tickSize: spec.tickSize)
        for path in try files(for: key) {
            let (s, _) = try BarCSV.read(path: path, options: BarCSVOptions(symbol: key.symbol, timeframe: key.timeframe, tickSize: spec.tickSize))
            let part = s.slice(from: window.from, to: window.to)
            for i in 0..<part.count where out.last.map({ $0.time.seconds < part.time[i] }) ?? true { out.append(part[i]) }
        }
        return out
    }
}

/// Hit and miss counts and time spent, per tier.
public struct CacheTierStats: Sendable, Hashable {
    public var hits = 0
    public var misses = 0
    public var nanoseconds: UInt64 = 0
    /// Latency of each answered request, for percentiles (bounded: the latest 100,000).
    public var latencies: [UInt64] = []
    public var hitRate: Double { hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses) }
    public init() {}

    mutating func record(hit: Bool, nanos: UInt64) {
        if hit { hits += 1 } else { misses += 1 }
        nanoseconds += nanos
        if latencies.count < 100_000 { latencies.append(nanos) }
    }
}

public struct CacheStats: Sendable {
    public var memory = CacheTierStats()
    public var store = CacheTierStats()
    public var source = CacheTierStats()
    /// Bars held in memory now, and the bound.
    public var memoryBars = 0
    public var memoryCapacityBars = 0
    public var sourceFetches = 0
}

/// The three tiers of the seed bot's cache: memory (bounded LRU) → store → source.
///
/// A request inside a window already held in memory is answered from memory. Otherwise the
/// store answers when its recorded coverage spans the window; what it lacks is fetched from the
/// source (only the missing sub-windows), written through to the store, then read back.
public final class BarCache: Sendable {
    struct Entry {
        var key: SeriesKey
        var window: TimeWindow
        var series: BarSeries
        var lastUse: UInt64
    }
    struct State {
        var entries: [Entry] = []
        var bars = 0
        var clock: UInt64 = 0
        var stats = CacheStats()
    }

    public let store: any BarStore
    public let source: (any BarSource)?
    public let capacityBars: Int
    private let state: Mutex<State>

    public init(store: any BarStore, source: (any BarSource)? = nil, capacityBars: Int = 5_000_000) {
        self.store = store; self.source = source; self.capacityBars = capacityBars
        var s = State()
        s.stats.memoryCapacityBars = capacityBars
        state = Mutex(s)
    }

    public var stats: CacheStats { state.withLock { $0.stats } }

    /// Drops everything held in memory (the store is untouched).
    public func clearMemory() {
        state.withLock { $0.entries.removeAll(); $0.bars = 0; $0.stats.memoryBars = 0 }
    }

    /// Bars of `key` in `[window.from, window.to)`.
    public func bars(_ key: SeriesKey, _ window: TimeWindow) throws -> BarSeries {
        let t0 = ContinuousClock.now
        if let hit = state.withLock({ s -> BarSeries? in
            s.clock += 1
            let now = s.clock
            guard let i = s.entries.firstIndex(where: { $0.key == key && $0.window.from <= window.from && $0.window.to >= window.to })
            else { return nil }
            s.entries[i].lastUse = now
            return s.entries[i].series.slice(from: window.from, to: window.to)
        }) {
            let n = Self.nanos(since: t0)
            state.withLock { $0.stats.memory.record(hit: true, nanos: n) }
            return hit
        }
        state.withLock { $0.stats.memory.misses += 1 }

        let t1 = ContinuousClock.now
        let covered = try store.coverage(key)
        let missing = window.subtracting(covered)
        var fetched = 0
        if !missing.isEmpty, let source {
            for w in missing {
                let part = try source.fetch(key, w)
                try store.write(part, coverage: w)
                fetched += 1
            }
        }
        let series = try store.read(key, window)
        let storeNanos = Self.nanos(since: t1)
        state.withLock { s in
            s.stats.store.record(hit: missing.isEmpty, nanos: storeNanos)
            if fetched > 0 { s.stats.sourceFetches += fetched; s.stats.source.record(hit: true, nanos: storeNanos) }
            insert(&s, Entry(key: key, window: window, series: series, lastUse: s.clock))
        }
        return series
    }

    private static func nanos(since t: ContinuousClock.Instant) -> UInt64 {
        let d = (ContinuousClock.now - t).components
        return UInt64(d.seconds) * 1_000_000_000 + UInt64(d.attoseconds / 1_000_000_000)
    }

    private func insert(_ s: inout State, _ e: Entry) {
        guard e.series.count <= capacityBars else { return }
        // An entry inside the new window is redundant.
        s.entries.removeAll { old in
            let redundant = old.key == e.key && old.window.from >= e.window.from && old.window.to <= e.window.to
            if redundant { s.bars -= old.series.count }
            return redundant
        }
        s.entries.append(e)
        s.bars += e.series.count
        while s.bars > capacityBars, let lru = s.entries.indices.min(by: { s.entries[$0].lastUse < s.entries[$1].lastUse }) {
            s.bars -= s.entries[lru].series.count
            s.entries.remove(at: lru)
        }
        s.stats.memoryBars = s.bars
    }
}
