import CSQLite
import Synchronization

/// The embedded default store: one SQLite file (WAL, prepared statements, one transaction per
/// write). Safe to share across tasks: the connection sits behind a mutex.
public final class SQLiteBarStore: BarStore {
    private let conn: Mutex<SQLiteConnection>
    public let displayURL: String

    /// Opens (creating if needed) the database file at `path` and applies pending migrations.
    /// The parent folder is created when missing.
    public init(path: String) throws {
        if path != ":memory:", let slash = path.lastIndex(of: "/") {
            let dir = String(path[..<slash])
            if !dir.isEmpty { try FileSystem.makeDirectories(dir) }
        }
        let c = try SQLiteConnection(path: path)
        try c.exec("PRAGMA journal_mode=WAL")
        try c.exec("PRAGMA synchronous=NORMAL")
        try c.exec("PRAGMA busy_timeout=10000")
        try c.exec("PRAGMA cache_size=-65536")
        try c.exec("PRAGMA temp_store=MEMORY")
        try SQLiteBarStore.migrate(c)
        displayURL = c.url
        conn = Mutex(c)
    }

    static func migrate(_ c: SQLiteConnection) throws {
        try c.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
        let q = try c.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        _ = try q.step()
        let current = Int(q.int64(0))
        for m in Migrations.all where m.version > current {
            try c.transaction {
                for sql in m.sqlite { try c.exec(sql) }
                let ins = try c.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, strftime('%s','now'))")
                ins.bind(1, Int64(m.version)); ins.bind(2, m.name)
                _ = try ins.step()
            }
        }
    }

    public func schemaVersion() throws -> Int {
        try conn.withLock { c in
            let q = try c.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            _ = try q.step()
            return Int(q.int64(0))
        }
    }

    /// Runs arbitrary SQL (tests and migrations of later features).
    public func execute(_ sql: String) throws {
        try conn.withLock { try $0.exec(sql) }
    }

    public func write(_ series: BarSeries, coverage: TimeWindow?) throws -> UpsertResult {
        try conn.withLock { c in
            try c.transaction {
                let sym = series.symbol, tf = series.timeframe.description
                try Self.checkTickSize(c, sym, tf, series.tickSize)
                var result = UpsertResult()
                if !series.isEmpty {
                    let before = try Self.count(c, sym, tf, series.time[0], series.time[series.count - 1] + 1)
                    let ins = try c.prepare("""
                        INSERT INTO historical_bars (symbol, timeframe, timestamp, open, high, low, close, volume)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                        ON CONFLICT (symbol, timeframe, timestamp) DO UPDATE SET
                          open = excluded.open, high = excluded.high, low = excluded.low,
                          close = excluded.close, volume = excluded.volume
                        WHERE open IS NOT excluded.open OR high IS NOT excluded.high OR low IS NOT excluded.low
                          OR close IS NOT excluded.close OR volume IS NOT excluded.volume
                        """)
                    ins.bind(1, sym); ins.bind(2, tf)
                    let tick = series.tickSize
                    var changed = 0
                    try series.time.withUnsafeBufferPointer { t in
                        try series.open.withUnsafeBufferPointer { o in
                        try series.high.withUnsafeBufferPointer { h in
                        try series.low.withUnsafeBufferPointer { l in
                        try series.close.withUnsafeBufferPointer { cl in
                        try series.volume.withUnsafeBufferPointer { v in
                            for i in 0..<t.count {
                                ins.bind(3, t[i])
                                ins.bind(4, tick.double(Price(ticks: o[i])))
                                ins.bind(5, tick.double(Price(ticks: h[i])))
                                ins.bind(6, tick.double(Price(ticks: l[i])))
                                ins.bind(7, tick.double(Price(ticks: cl[i])))
                                ins.bind(8, v[i])
                                _ = try ins.step()
                                changed += c.changes
                                ins.reset()
                            }
                        }}}}}
                    }
                    let after = try Self.count(c, sym, tf, series.time[0], series.time[series.count - 1] + 1)
                    result.inserted = after - before
                    result.updated = changed - result.inserted
                    result.unchanged = series.count - changed
                }
                if let w = coverage, !w.isEmpty { try Self.addCoverage(c, sym, tf, w) }
                return result
            }
        }
    }

    static func checkTickSize(_ c: SQLiteConnection, _ sym: String, _ tf: String, _ tick: TickSize) throws {
        let q = try c.prepare("SELECT tick_size FROM bar_series WHERE symbol = ?1 AND timeframe = ?2")
        q.bind(1, sym); q.bind(2, tf)
        if try q.step() {
            let stored = q.text(0)
            guard TickSize(stored) == tick else {
                throw DataError.badInput(file: "\(sym) \(tf)", line: nil, field: "tick_size",
                    reason: "the store holds this series at tick \(stored), the new bars are at \(tick); import under another symbol or fix the contract spec")
            }
        } else {
            let ins = try c.prepare("INSERT INTO bar_series (symbol, timeframe, tick_size) VALUES (?1, ?2, ?3)")
            ins.bind(1, sym); ins.bind(2, tf); ins.bind(3, tick.description)
            _ = try ins.step()
        }
    }

    static func count(_ c: SQLiteConnection, _ sym: String, _ tf: String, _ from: Int64, _ to: Int64) throws -> Int {
        let q = try c.prepare("SELECT COUNT(*) FROM historical_bars WHERE symbol = ?1 AND timeframe = ?2 AND timestamp >= ?3 AND timestamp < ?4")
        q.bind(1, sym); q.bind(2, tf); q.bind(3, from); q.bind(4, to)
        _ = try q.step()
        return Int(q.int64(0))
    }

    static func addCoverage(_ c: SQLiteConnection, _ sym: String, _ tf: String, _ w: TimeWindow) throws {
        let existing = try coverage(c, sym, tf)
        let merged = TimeWindow.union(existing + [w])
        let del = try c.prepare("DELETE FROM bar_coverage WHERE symbol = ?1 AND timeframe = ?2")
        del.bind(1, sym); del.bind(2, tf)
        _ = try del.step()
        let ins = try c.prepare("INSERT INTO bar_coverage (symbol, timeframe, start_ts, end_ts) VALUES (?1, ?2, ?3, ?4)")
        for m in merged {
            ins.bind(1, sym); ins.bind(2, tf); ins.bind(3, m.from.seconds); ins.bind(4, m.to.seconds)
            _ = try ins.step()
            ins.reset()
        }
    }

    static func coverage(_ c: SQLiteConnection, _ sym: String, _ tf: String) throws -> [TimeWindow] {
        let q = try c.prepare("SELECT start_ts, end_ts FROM bar_coverage WHERE symbol = ?1 AND timeframe = ?2 ORDER BY start_ts")
        q.bind(1, sym); q.bind(2, tf)
        var out: [TimeWindow] = []
        while try q.step() {
            out.append(TimeWindow(from: Timestamp(seconds: q.int64(0)), to: Timestamp(seconds: q.int64(1))))
        }
        return out
    }

    public func read(_ key: SeriesKey, _ window: TimeWindow, fallbackTickSize: TickSize?) throws -> BarSeries {
        try conn.withLock { c in
            let tf = key.timeframe.description
            let tq = try c.prepare("SELECT tick_size FROM bar_series WHERE symbol = ?1 AND timeframe = ?2")
            tq.bind(1, key.symbol); tq.bind(2, tf)
            guard try tq.step(), let tick = TickSize(tq.text(0)) ?? fallbackTickSize else {
                if let fb = fallbackTickSize { return BarSeries(symbol: key.symbol, timeframe: key.timeframe, tickSize: fb) }
                return BarSeries(symbol: key.symbol, timeframe: key.timeframe, tickSize: TickSize(units: 1, scale: 0))
            }
            var s = BarSeries(symbol: key.symbol, timeframe: key.timeframe, tickSize: tick)
            let q = try c.prepare("""
                SELECT timestamp, open, high, low, close, volume FROM historical_bars
                WHERE symbol = ?1 AND timeframe = ?2 AND timestamp >= ?3 AND timestamp < ?4 ORDER BY timestamp
                """)
            q.bind(1, key.symbol); q.bind(2, tf); q.bind(3, window.from.seconds); q.bind(4, window.to.seconds)
            let inv = 1.0 / tick.value
            while try q.step() {
                s.time.append(q.int64(0))
                s.open.append(Int64((q.double(1) * inv).rounded()))
                s.high.append(Int64((q.double(2) * inv).rounded()))
                s.low.append(Int64((q.double(3) * inv).rounded()))
                s.close.append(Int64((q.double(4) * inv).rounded()))
                s.volume.append(q.int64(5))
            }
            return s
        }
    }

    public func listSeries() throws -> [SeriesInfo] {
        try conn.withLock { c in
            let q = try c.prepare("""
                SELECT s.symbol, s.timeframe, s.tick_size,
                  (SELECT COUNT(*) FROM historical_bars b WHERE b.symbol = s.symbol AND b.timeframe = s.timeframe),
                  (SELECT MIN(timestamp) FROM historical_bars b WHERE b.symbol = s.symbol AND b.timeframe = s.timeframe),
                  (SELECT MAX(timestamp) FROM historical_bars b WHERE b.symbol = s.symbol AND b.timeframe = s.timeframe)
                FROM bar_series s ORDER BY s.symbol, s.timeframe
                """)
            var out: [SeriesInfo] = []
            while try q.step() {
                guard let tf = Timeframe(q.text(1)), let tick = TickSize(q.text(2)) else { continue }
                out.append(SeriesInfo(
                    key: SeriesKey(symbol: q.text(0), timeframe: tf), tickSize: tick, count: Int(q.int64(3)),
                    first: q.isNull(4) ? nil : Timestamp(seconds: q.int64(4)),
                    last: q.isNull(5) ? nil : Timestamp(seconds: q.int64(5))))
            }
            return out
        }
    }

    public func coverage(_ key: SeriesKey) throws -> [TimeWindow] {
        try conn.withLock { try Self.coverage($0, key.symbol, key.timeframe.description) }
    }

    public func count(_ key: SeriesKey) throws -> Int {
        try conn.withLock { try Self.count($0, key.symbol, key.timeframe.description, Int64.min, Int64.max) }
    }
}
