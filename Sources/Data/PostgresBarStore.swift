import Foundation

import CLibPQ
import Synchronization

/// One libpq connection. Guarded by `PostgresBarStore`'s mutex; not thread-safe by itself.
final class PGConnection {
    let conn: OpaquePointer
    let displayURL: String

    init(url: String) throws {
        displayURL = StoreURL.redact(url)
        guard let c = PQconnectdb(url) else {
            throw DataError.store(url: displayURL, operation: "connect", message: "out of memory")
        }
        guard PQstatus(c) == CONNECTION_OK else {
            let msg = String(cString: PQerrorMessage(c)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(c)
            throw DataError.store(url: displayURL, operation: "connect",
                message: msg + " (check the URL, that the server runs, and TSXLAB_STORE)")
        }
        conn = c
        PQsetNoticeProcessor(c, { _, _ in }, nil)  // keep NOTICE chatter out of CLI output
    }

    deinit { PQfinish(conn) }

    /// Runs a statement with text parameters; returns the result (caller clears it) when it
    /// produced rows or a command status, throws with the server's message otherwise.
    @discardableResult
    func exec(_ sql: String, _ params: [String?] = []) throws -> PGResult {
        let r: OpaquePointer?
        if params.isEmpty {
            r = PQexec(conn, sql)
        } else {
            let cstrs: [UnsafeMutablePointer<CChar>?] = params.map { $0.flatMap { strdup($0) } }
            defer { cstrs.forEach { free($0) } }
            r = cstrs.withUnsafeBufferPointer { buf in
                buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
                    PQexecParams(conn, sql, Int32(params.count), nil, $0, nil, nil, 0)
                }
            }
        }
        let result = PGResult(r)
        let st = PQresultStatus(r)
        guard st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN else {
            let msg = String(cString: PQresultErrorMessage(r)).trimmingCharacters(in: .whitespacesAndNewlines)
            throw DataError.store(url: displayURL, operation: String(sql.prefix(60)), message: msg)
        }
        return result
    }

    func transaction<T>(_ body: () throws -> T) throws -> T {
        try exec("BEGIN")
        do {
            let v = try body()
            try exec("COMMIT")
            return v
        } catch {
            _ = try? exec("ROLLBACK")
            throw error
        }
    }
}

/// Owns a PGresult and clears it when released.
final class PGResult {
    let r: OpaquePointer?
    init(_ r: OpaquePointer?) { self.r = r }
    deinit { if let r { PQclear(r) } }
    var rows: Int { Int(PQntuples(r)) }
    /// The rows an INSERT, UPDATE or DELETE touched.
    var affectedRows: Int { Int(String(cString: PQcmdTuples(r))) ?? 0 }
    func isNull(_ row: Int, _ col: Int) -> Bool { PQgetisnull(r, Int32(row), Int32(col)) == 1 }
    func text(_ row: Int, _ col: Int) -> String { String(cString: PQgetvalue(r, Int32(row), Int32(col))) }
    func int64(_ row: Int, _ col: Int) -> Int64 { Int64(text(row, col)) ?? 0 }
    /// Raw bytes of a value (valid while the result lives).
    @inline(__always)
    func bytes(_ row: Int, _ col: Int) -> (UnsafePointer<UInt8>, Int) {
        let p = PQgetvalue(r, Int32(row), Int32(col))!
        return (UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), Int(PQgetlength(r, Int32(row), Int32(col))))
    }
}

/// PostgreSQL through libpq, with the seed schema's `historical_bars` (DECIMAL prices,
/// TIMESTAMPTZ stamps, primary key (symbol, timeframe, timestamp); the seed's descending copy of
/// it is dropped by migration 7). A write is one transaction: bars that cannot meet a stored bar
/// are copied straight into the table (binary COPY); those between stored ones go through a
/// temporary table (see `store`).
public final class PostgresBarStore: BarStore, SQLDatabase {
    private let conn: Mutex<PGConnection>
    public let displayURL: String

    public init(url: String) throws {
        let c = try PGConnection(url: url)
        try c.exec("SET TIME ZONE 'UTC'")
        try c.exec("SET client_min_messages = WARNING")
        try PostgresBarStore.migrate(c)
        displayURL = c.displayURL
        conn = Mutex(c)
    }

    static func migrate(_ c: PGConnection) throws {
        try c.transaction {
            // Several workers may open the same database at once: one migrates, the others wait.
            try c.exec("SELECT pg_advisory_xact_lock(7312001)")
            try c.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            let done = try applied(c)
            for m in Migrations.all where !done.contains(m.version) {
                for sql in m.postgres { try c.exec(sql) }
                try c.exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [String(m.version), m.name])
            }
        }
    }

    static func applied(_ c: PGConnection) throws -> Set<Int> {
        let r = try c.exec("SELECT version FROM schema_migrations")
        return Set((0..<r.rows).map { Int(r.int64($0, 0)) })
    }

    /// The newest migration of the bar tables applied (the ledger may list others; see `Migrations`).
    public func schemaVersion() throws -> Int {
        try conn.withLock { Migrations.newest(in: try Self.applied($0)) }
    }

    /// Runs arbitrary SQL (tests and migrations of later features).
    public func execute(_ sql: String) throws {
        try conn.withLock { _ = try $0.exec(sql) }
    }

    public func write(_ series: BarSeries, coverage: TimeWindow?) throws -> UpsertResult {
        try conn.withLock { c in
            try c.transaction {
                let sym = series.symbol, tf = series.timeframe.description
                try c.exec("INSERT INTO bar_series (symbol, timeframe, tick_size) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                           [sym, tf, series.tickSize.description])
                let stored = try c.exec("SELECT tick_size FROM bar_series WHERE symbol = $1 AND timeframe = $2 FOR UPDATE", [sym, tf]).text(0, 0)
                guard TickSize(stored) == series.tickSize else {
                    throw DataError.badInput(file: "\(sym) \(tf)", line: nil, field: "tick_size",
                        reason: "the store holds this series at tick \(stored), the new bars are at \(series.tickSize); import under another symbol or fix the contract spec")
                }
                let result = series.isEmpty ? UpsertResult() : try Self.store(c, series, sym, tf)
                if let w = coverage, !w.isEmpty {
                    let existing = try Self.coverage(c, sym, tf)
                    try c.exec("DELETE FROM bar_coverage WHERE symbol = $1 AND timeframe = $2", [sym, tf])
                    for m in TimeWindow.union(existing + [w]) {
                        try c.exec("INSERT INTO bar_coverage (symbol, timeframe, start_ts, end_ts) VALUES ($1, $2, to_timestamp($3), to_timestamp($4))",
                                   [sym, tf, String(m.from.seconds), String(m.to.seconds)])
                    }
                }
                return result
            }
        }
    }

    /// Stores `series` (not empty) in the open transaction, the series row locked. Bars before the
    /// first or after the last bar the series holds in the file's range cannot meet a stored bar:
    /// they are copied straight into the table. Only the bars between those two stored ones (none,
    /// for a range the series does not hold yet, the common case) go through a staging table,
    /// where one statement changes the stored bars that differ and one adds those missing.
    ///
    /// Why not one `INSERT … ON CONFLICT DO UPDATE` from the staging table, as before: it locks
    /// every stored bar it meets, changed or not. Server CPU for a year of 1-minute bars (349,335)
    /// staged against a series holding its first half: 1.96 s that way, 1.09 s as the UPDATE and
    /// INSERT below; against one holding all of it, 1.76 s and 0.68 s. Why split: with the second
    /// half copied straight in, the whole import of the first case costs the server 0.99 s
    /// (2026-12-06; psql on the same rows, and `tsxlab-bench pg-import`).
    static func store(_ c: PGConnection, _ series: BarSeries, _ sym: String, _ tf: String) throws -> UpsertResult {
        let n = series.count
        // The series row is locked (see `write`), so no other writer of this series adds bars
        // before the transaction ends: what is empty now stays empty until COMMIT.
        let stored = try c.exec(BarsSQL.storedRange, [sym, tf, String(series.time[0]), String(series.time[n - 1])])
        let overlap = stored.isNull(0, 0) ? 0..<0
            : series.lowerBound(stored.int64(0, 0))..<series.lowerBound(stored.int64(0, 1) + 1)
        var result = UpsertResult()
        let outside = [0..<overlap.lowerBound, overlap.upperBound..<n].filter { !$0.isEmpty }
        if !outside.isEmpty {
            try c.copyIn(BarsSQL.copy) {
                try PGBinaryBars.stream(series, outside, key: (sym, tf), $0)
            }
            result.inserted = n - overlap.count
        }
        guard !overlap.isEmpty else { return result }
        try c.exec(BarsSQL.createStaging)
        try c.copyIn(BarsSQL.copyStaging) { try PGBinaryBars.stream(series, [overlap], key: nil, $0) }
        // Both statements read only the stored bars inside the staged range, whatever else the
        // series holds.
        let range = [sym, tf, String(series.time[overlap.lowerBound]), String(series.time[overlap.upperBound - 1])]
        let updated = try c.exec(BarsSQL.updateStaged, range).affectedRows
        let inserted = try c.exec(BarsSQL.insertStaged, range).affectedRows
        result.inserted += inserted
        result.updated = updated
        result.unchanged = overlap.count - inserted - updated
        return result
    }

    static func coverage(_ c: PGConnection, _ sym: String, _ tf: String) throws -> [TimeWindow] {
        let r = try c.exec("SELECT extract(epoch FROM start_ts)::bigint, extract(epoch FROM end_ts)::bigint FROM bar_coverage WHERE symbol = $1 AND timeframe = $2 ORDER BY start_ts", [sym, tf])
        return (0..<r.rows).map { TimeWindow(from: Timestamp(seconds: r.int64($0, 0)), to: Timestamp(seconds: r.int64($0, 1))) }
    }

    public func read(_ key: SeriesKey, _ window: TimeWindow, fallbackTickSize: TickSize?) throws -> BarSeries {
        try conn.withLock { c in
            let tf = key.timeframe.description
            let tr = try c.exec("SELECT tick_size FROM bar_series WHERE symbol = $1 AND timeframe = $2", [key.symbol, tf])
            guard tr.rows == 1, let tick = TickSize(tr.text(0, 0)) else {
                return BarSeries(symbol: key.symbol, timeframe: key.timeframe, tickSize: fallbackTickSize ?? TickSize(units: 1, scale: 0))
            }
            var s = BarSeries(symbol: key.symbol, timeframe: key.timeframe, tickSize: tick)
            let r = try c.exec(BarsSQL.read, [key.symbol, tf, String(window.from.seconds), String(window.to.seconds)])
            let n = r.rows
            s.reserveCapacity(n)
            func ticks(_ row: Int, _ col: Int) throws -> Int64 {
                let (p, len) = r.bytes(row, col)
                if case .ticks(let v) = tick.ticks(p, len, policy: .roundToNearest) { return v }
                throw DataError.store(url: displayURL, operation: "read \(key)", message: "row \(row) column \(col) is not a price")
            }
            func int(_ row: Int, _ col: Int) -> Int64 {
                let (p, len) = r.bytes(row, col)
                return ScaledDecimal.parse(p, len)?.mantissa ?? 0
            }
            for i in 0..<n {
                s.time.append(int(i, 0))
                s.open.append(try ticks(i, 1)); s.high.append(try ticks(i, 2))
                s.low.append(try ticks(i, 3)); s.close.append(try ticks(i, 4))
                s.volume.append(int(i, 5))
            }
            return s
        }
    }

    public func listSeries() throws -> [SeriesInfo] {
        try conn.withLock { c in
            let r = try c.exec(BarsSQL.listSeries)
            return (0..<r.rows).compactMap { i in
                guard let tf = Timeframe(r.text(i, 1)), let tick = TickSize(r.text(i, 2)) else { return nil }
                return SeriesInfo(key: SeriesKey(symbol: r.text(i, 0), timeframe: tf), tickSize: tick,
                                  count: Int(r.int64(i, 3)),
                                  first: r.isNull(i, 4) ? nil : Timestamp(seconds: r.int64(i, 4)),
                                  last: r.isNull(i, 5) ? nil : Timestamp(seconds: r.int64(i, 5)))
            }
        }
    }

    public func coverage(_ key: SeriesKey) throws -> [TimeWindow] {
        try conn.withLock { try Self.coverage($0, key.symbol, key.timeframe.description) }
    }

    public func count(_ key: SeriesKey) throws -> Int {
        try conn.withLock {
            Int(try $0.exec(BarsSQL.count, [key.symbol, key.timeframe.description]).int64(0, 0))
        }
    }

    // MARK: SQLDatabase

    public var dialect: String { "postgres" }

    public func execute(_ sql: String, _ params: [SQLValue]) throws {
        try conn.withLock { _ = try $0.exec(sql, params.map(\.text)) }
    }

    /// Rows as text values (PostgreSQL's text protocol); numeric columns convert with `.int`/`.double`.
    public func query(_ sql: String, _ params: [SQLValue]) throws -> [[SQLValue]] {
        try conn.withLock { c in
            let r = try c.exec(sql, params.map(\.text))
            let cols = Int(PQnfields(r.r))
            return (0..<r.rows).map { row in (0..<cols).map { r.isNull(row, $0) ? .null : .text(r.text(row, $0)) } }
        }
    }

    public func insert(into table: String, columns: [String], rows values: [Int64?]) throws {
        try insertByStatements(into: table, columns: columns, rows: values)
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try conn.withLock { _ = try $0.exec("BEGIN") }
        do {
            let v = try body()
            try conn.withLock { _ = try $0.exec("COMMIT") }
            return v
        } catch {
            _ = try? conn.withLock { _ = try $0.exec("ROLLBACK") }
            throw error
        }
    }
}

/// Every statement on `historical_bars`, in one place: each names the series (symbol and
/// timeframe) and reads a time range or counts, so the primary key serves it and no other index
/// is needed (`PostgresImportTests.primaryKeyServesEveryQuery` checks the plans).
enum BarsSQL {
    /// The first and last stored bar of a series in `[$3, $4]` (epoch seconds): nulls when none.
    static let storedRange = """
        SELECT extract(epoch FROM min(timestamp))::bigint, extract(epoch FROM max(timestamp))::bigint FROM historical_bars
        WHERE symbol = $1 AND timeframe = $2 AND timestamp >= to_timestamp($3) AND timestamp <= to_timestamp($4)
        """
    static let copy = "COPY historical_bars (symbol, timeframe, timestamp, open, high, low, close, volume) FROM STDIN (FORMAT binary)"
    /// The staging table, this session's own, emptied at every commit.
    static let createStaging = """
        CREATE TEMP TABLE IF NOT EXISTS tsx_import (ts TIMESTAMPTZ, open DECIMAL, high DECIMAL, low DECIMAL, close DECIMAL, volume BIGINT)
        ON COMMIT DELETE ROWS
        """
    static let copyStaging = "COPY tsx_import FROM STDIN (FORMAT binary)"
    /// Stored bars in `[$3, $4]` that `tsx_import` holds with other values take them.
    static let updateStaged = """
        UPDATE historical_bars h SET open = s.open, high = s.high, low = s.low, close = s.close, volume = s.volume
        FROM tsx_import s
        WHERE h.symbol = $1 AND h.timeframe = $2 AND h.timestamp >= to_timestamp($3) AND h.timestamp <= to_timestamp($4)
          AND h.timestamp = s.ts
          AND (h.open, h.high, h.low, h.close, h.volume) IS DISTINCT FROM (s.open, s.high, s.low, s.close, s.volume)
        """
    /// Bars of `tsx_import` (all in `[$3, $4]`) the series does not hold yet.
    static let insertStaged = """
        INSERT INTO historical_bars (symbol, timeframe, timestamp, open, high, low, close, volume)
        SELECT $1::varchar, $2::varchar, s.ts, s.open, s.high, s.low, s.close, s.volume FROM tsx_import s
        WHERE NOT EXISTS (SELECT 1 FROM historical_bars h WHERE h.symbol = $1 AND h.timeframe = $2
          AND h.timestamp >= to_timestamp($3) AND h.timestamp <= to_timestamp($4) AND h.timestamp = s.ts)
        """
    /// A series' bars in `[$3, $4)`, in time order.
    static let read = """
        SELECT extract(epoch FROM timestamp)::bigint, open, high, low, close, volume FROM historical_bars
        WHERE symbol = $1 AND timeframe = $2 AND timestamp >= to_timestamp($3) AND timestamp < to_timestamp($4)
        ORDER BY timestamp
        """
    static let listSeries = """
        SELECT s.symbol, s.timeframe, s.tick_size, COUNT(b.timestamp),
          extract(epoch FROM MIN(b.timestamp))::bigint, extract(epoch FROM MAX(b.timestamp))::bigint
        FROM bar_series s LEFT JOIN historical_bars b ON b.symbol = s.symbol AND b.timeframe = s.timeframe
        GROUP BY s.symbol, s.timeframe, s.tick_size ORDER BY s.symbol, s.timeframe
        """
    static let count = "SELECT COUNT(*) FROM historical_bars WHERE symbol = $1 AND timeframe = $2"
}
