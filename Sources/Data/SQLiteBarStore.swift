import CSQLite
import Synchronization

/// The embedded default store: one SQLite file (WAL, prepared statements, one transaction per
/// write). Safe to share across tasks: the connection sits behind a mutex.
public final class SQLiteBarStore: BarStore, SQLDatabase {
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
        // The busy timeout first: switching to WAL and migrating take locks, and another process
        // on the same file (a report while the runner writes, two commands started together)
        // must be waited for, not answered with "database is locked".
        try c.exec("PRAGMA busy_timeout=10000")
        try c.exec("PRAGMA journal_mode=WAL")
        try c.exec("PRAGMA synchronous=NORMAL")
        try c.exec("PRAGMA cache_size=-65536")
        try c.exec("PRAGMA temp_store=MEMORY")
        try SQLiteBarStore.migrate(c)
        displayURL = c.url
        conn = Mutex(c)
    }

    /// Applies the migrations the file lacks. Each runs in a write transaction that reads the
    /// ledger afresh, so two processes opening a new file at once apply each migration once.
    static func migrate(_ c: SQLiteConnection) throws {
        try c.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
        if try applied(c).isSuperset(of: Migrations.all.map(\.version)) { return }
        for m in Migrations.all {
            try c.transaction {
                guard try !applied(c).contains(m.version) else { return }
                for sql in m.sqlite { try c.exec(sql) }
                let ins = try c.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, strftime('%s','now'))")
                ins.bind(1, Int64(m.version)); ins.bind(2, m.name)
                _ = try ins.step()
            }
        }
    }

    static func applied(_ c: SQLiteConnection) throws -> Set<Int> {
        let q = try c.prepare("SELECT version FROM schema_migrations")
        var out: Set<Int> = []
        while try q.step() { out.insert(Int(q.int64(0))) }
        return out
    }

    /// The newest migration of the bar tables applied (the ledger may list others; see `Migrations`).
    public func schemaVersion() throws -> Int {
        try conn.withLock { Migrations.newest(in: try Self.applied($0)) }
    }

    /// Runs arbitrary SQL (tests and migrations of later features).
    public func execute(_ sql: String) throws {
        try conn.withLock { try $0.exec(sql) }
    }

    /// Rows per multi-row INSERT: fewer statement executions per bar (7 parameters a row stays
    /// far below SQLite's parameter limit).
    static let rowsPerInsert = 64

    static func upsertSQL(rows: Int) -> String {
        let tuple = "(?,?,?,?,?,?,?)"
        return "INSERT INTO bars (series_id, timestamp, open, high, low, close, volume) VALUES "
            + Array(repeating: tuple, count: rows).joined(separator: ",")
            + """
             ON CONFLICT (series_id, timestamp) DO UPDATE SET
              open = excluded.open, high = excluded.high, low = excluded.low,
              close = excluded.close, volume = excluded.volume
            WHERE open IS NOT excluded.open OR high IS NOT excluded.high OR low IS NOT excluded.low
              OR close IS NOT excluded.close OR volume IS NOT excluded.volume
            """
    }

    public func write(_ series: BarSeries, coverage: TimeWindow?) throws -> UpsertResult {
        try conn.withLock { c in
            try c.transaction {
                let sym = series.symbol, tf = series.timeframe.description
                let id = try Self.seriesID(c, sym, tf, series.tickSize, create: true)!
                var result = UpsertResult()
                if !series.isEmpty {
                    let lo = series.time[0], hi = series.time[series.count - 1] + 1
                    let before = try Self.count(c, id, lo, hi)
                    var changed = 0
                    let batch = Self.rowsPerInsert
                    let full = try c.cached(Self.upsertSQL(rows: batch))
                    var i = 0
                    let n = series.count
                    while i < n {
                        let k = min(batch, n - i)
                        let stmt = k == batch ? full : try c.prepare(Self.upsertSQL(rows: k))
                        var p: Int32 = 1
                        for j in i..<(i + k) {
                            stmt.bind(p, id); stmt.bind(p + 1, series.time[j])
                            stmt.bind(p + 2, series.open[j]); stmt.bind(p + 3, series.high[j])
                            stmt.bind(p + 4, series.low[j]); stmt.bind(p + 5, series.close[j])
                            stmt.bind(p + 6, series.volume[j])
                            p += 7
                        }
                        _ = try stmt.step()
                        changed += c.changes
                        stmt.reset()
                        i += k
                    }
                    let after = try Self.count(c, id, lo, hi)
                    result.inserted = after - before
                    result.updated = changed - result.inserted
                    result.unchanged = n - changed
                }
                if let w = coverage, !w.isEmpty { try Self.addCoverage(c, sym, tf, w) }
                return result
            }
        }
    }

    /// The id of a series, creating its row when `create` is set; refuses a tick size that differs
    /// from the stored one.
    static func seriesID(_ c: SQLiteConnection, _ sym: String, _ tf: String, _ tick: TickSize?, create: Bool) throws -> Int64? {
        let q = try c.cached("SELECT series_id, tick_size FROM bar_series WHERE symbol = ?1 AND timeframe = ?2")
        q.bind(1, sym); q.bind(2, tf)
        if try q.step() {
            let stored = q.text(1)
            if let tick, TickSize(stored) != tick {
                throw DataError.badInput(file: "\(sym) \(tf)", line: nil, field: "tick_size",
                    reason: "the store holds this series at tick \(stored), the new bars are at \(tick); import under another symbol or fix the contract spec")
            }
            return q.int64(0)
        }
        guard create, let tick else { return nil }
        let ins = try c.prepare("INSERT INTO bar_series (symbol, timeframe, tick_size, tick_size_value) VALUES (?1, ?2, ?3, ?4)")
        ins.bind(1, sym); ins.bind(2, tf); ins.bind(3, tick.description); ins.bind(4, tick.value)
        _ = try ins.step()
        return Int64(sqlite3_last_insert_rowid(c.handle))
    }

    static func count(_ c: SQLiteConnection, _ id: Int64, _ from: Int64, _ to: Int64) throws -> Int {
        let q = try c.cached("SELECT COUNT(*) FROM bars WHERE series_id = ?1 AND timestamp >= ?2 AND timestamp < ?3")
        q.bind(1, id); q.bind(2, from); q.bind(3, to)
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
            defer { c.resetCached() }
            let tf = key.timeframe.description
            let tq = try c.cached("SELECT series_id, tick_size FROM bar_series WHERE symbol = ?1 AND timeframe = ?2")
            tq.bind(1, key.symbol); tq.bind(2, tf)
            guard try tq.step(), let tick = TickSize(tq.text(1)) else {
                return BarSeries(symbol: key.symbol, timeframe: key.timeframe, tickSize: fallbackTickSize ?? TickSize(units: 1, scale: 0))
            }
            let id = tq.int64(0)
            var s = BarSeries(symbol: key.symbol, timeframe: key.timeframe, tickSize: tick)
            let q = try c.cached("""
                SELECT timestamp, open, high, low, close, volume FROM bars
                WHERE series_id = ?1 AND timestamp >= ?2 AND timestamp < ?3 ORDER BY timestamp
                """)
            q.bind(1, id); q.bind(2, window.from.seconds); q.bind(3, window.to.seconds)
            while try q.step() {
                s.time.append(q.int64(0)); s.open.append(q.int64(1)); s.high.append(q.int64(2))
                s.low.append(q.int64(3)); s.close.append(q.int64(4)); s.volume.append(q.int64(5))
            }
            return s
        }
    }

    public func listSeries() throws -> [SeriesInfo] {
        try conn.withLock { c in
            let q = try c.prepare("""
                SELECT s.symbol, s.timeframe, s.tick_size,
                  (SELECT COUNT(*) FROM bars b WHERE b.series_id = s.series_id),
                  (SELECT MIN(timestamp) FROM bars b WHERE b.series_id = s.series_id),
                  (SELECT MAX(timestamp) FROM bars b WHERE b.series_id = s.series_id)
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
        try conn.withLock { c in
            defer { c.resetCached() }
            guard let id = try Self.seriesID(c, key.symbol, key.timeframe.description, nil, create: false) else { return 0 }
            return try Self.count(c, id, Int64.min, Int64.max)
        }
    }

    // MARK: SQLDatabase

    public var dialect: String { "sqlite" }

    public func execute(_ sql: String, _ params: [SQLValue]) throws {
        try conn.withLock { c in
            let st = try c.prepare(sql)
            Self.bind(st, params)
            while try st.step() {}
        }
    }

    public func query(_ sql: String, _ params: [SQLValue]) throws -> [[SQLValue]] {
        try conn.withLock { c in
            let st = try c.prepare(sql)
            Self.bind(st, params)
            var rows: [[SQLValue]] = []
            let n = sqlite3_column_count(st.s)
            while try st.step() {
                rows.append((0..<n).map { i in
                    switch sqlite3_column_type(st.s, i) {
                    case SQLITE_INTEGER: .int(st.int64(i))
                    case SQLITE_FLOAT: .double(st.double(i))
                    case SQLITE_NULL: .null
                    case SQLITE_BLOB: .blob(Array(UnsafeRawBufferPointer(start: sqlite3_column_blob(st.s, i), count: Int(sqlite3_column_bytes(st.s, i)))))
                    default: .text(st.text(i))
                    }
                })
            }
            return rows
        }
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        // The connection lock is not held across `body` (it runs statements of its own); SQLite
        // serialises writers itself and the store is one connection, so BEGIN/COMMIT suffice.
        try conn.withLock { try $0.exec("BEGIN IMMEDIATE") }
        do {
            let v = try body()
            try conn.withLock { try $0.exec("COMMIT") }
            return v
        } catch {
            try? conn.withLock { try $0.exec("ROLLBACK") }
            throw error
        }
    }

    /// Rows per statement of `insert(into:columns:rows:)`: one prepared statement of this many
    /// rows is kept and bound again and again. Its placeholders are anonymous `?`: numbered `$n`
    /// names are looked up one by one per statement, which held an insert of prints to 12k a
    /// second (368k with `?`, prepared per batch; `tsxlab-bench tape`).
    static let rowsPerBulkInsert = 256

    public func insert(into table: String, columns: [String], rows values: [Int64?]) throws {
        let width = columns.count
        precondition(width > 0 && values.count % width == 0, "values must hold whole rows")
        func sql(_ rows: Int) -> String {
            let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ",") + ")"
            return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: tuple, count: rows).joined(separator: ",")
        }
        try conn.withLock { c in
            let batch = Self.rowsPerBulkInsert
            let full = try c.cached(sql(batch))
            defer { full.reset() }
            try values.withUnsafeBufferPointer { v in
                var start = 0
                while start < v.count {
                    let rows = min(batch, (v.count - start) / width)
                    let st = rows == batch ? full : try c.prepare(sql(rows))
                    for k in 0..<(rows * width) {
                        if let x = v[start + k] { sqlite3_bind_int64(st.s, Int32(k + 1), x) } else { sqlite3_bind_null(st.s, Int32(k + 1)) }
                    }
                    while try st.step() {}
                    st.reset()
                    start += rows * width
                }
            }
        }
    }

    static func bind(_ st: SQLiteStatement, _ params: [SQLValue]) {
        for (k, p) in params.enumerated() {
            let i = Int32(k + 1)
            switch p {
            case .null: sqlite3_bind_null(st.s, i)
            case .int(let v): st.bind(i, v)
            case .double(let v): st.bind(i, v)
            case .text(let v): st.bind(i, v)
            case .blob(let b):
                // SQLITE_TRANSIENT: SQLite copies the bytes.
                _ = b.withUnsafeBytes { sqlite3_bind_blob(st.s, i, $0.baseAddress, Int32($0.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self)) }
            }
        }
    }
}
