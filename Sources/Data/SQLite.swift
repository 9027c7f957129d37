import CSQLite

/// A thin owner of one sqlite3 connection. Not thread-safe by itself: `SQLiteBarStore` keeps it
/// behind a mutex.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String

    init(path: String) throws {
        var h: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &h, flags, nil)
        guard rc == SQLITE_OK, let h else {
            let msg = h.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let h { sqlite3_close_v2(h) }
            throw DataError.store(url: "sqlite:" + path, operation: "open", message: msg)
        }
        handle = h
        self.path = path
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    var url: String { "sqlite:" + path }

    func error(_ op: String) -> DataError {
        .store(url: url, operation: op, message: String(cString: sqlite3_errmsg(handle)))
    }

    func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw DataError.store(url: url, operation: String(sql.prefix(60)), message: msg)
        }
    }

    private var statementCache: [String: SQLiteStatement] = [:]

    /// A prepared statement kept for the connection's lifetime (reset and unbound before it is
    /// handed out). For statements a hot path runs again and again.
    func cached(_ sql: String) throws -> SQLiteStatement {
        if let s = statementCache[sql] {
            s.reset()
            s.clearBindings()
            return s
        }
        let s = try prepare(sql)
        statementCache[sql] = s
        return s
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var s: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil) == SQLITE_OK, let s else {
            throw error("prepare \(sql.prefix(60))")
        }
        return SQLiteStatement(s, connection: self)
    }

    /// Runs `body` inside BEGIN IMMEDIATE … COMMIT, rolling back on any error.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try exec("BEGIN IMMEDIATE")
        defer { resetCached() }
        do {
            let v = try body()
            try exec("COMMIT")
            return v
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }

    /// Resets every cached statement. A statement left on a row keeps its read transaction open
    /// after the call that stepped it: the connection then reads an old snapshot, and its next
    /// write fails at once ("database is locked") once another connection has written — the
    /// store's api_metrics recorder beside a pull's page writes (DataPullTests).
    func resetCached() {
        for s in statementCache.values { s.reset() }
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
}

/// A prepared statement; bind indexes are 1-based, column indexes 0-based.
final class SQLiteStatement {
    let s: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ s: OpaquePointer, connection: SQLiteConnection) { self.s = s; self.connection = connection }
    deinit { sqlite3_finalize(s) }

    @inline(__always) func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(s, i, v) }
    @inline(__always) func bind(_ i: Int32, _ v: Double) { sqlite3_bind_double(s, i, v) }
    func bind(_ i: Int32, _ v: String) {
        // SQLITE_TRANSIENT: SQLite copies the text, so the Swift string may go away.
        sqlite3_bind_text(s, i, v, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
    }

    /// Steps once; true while a row is available.
    @inline(__always) func step() throws -> Bool {
        let rc = sqlite3_step(s)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw connection.error("step")
    }

    @inline(__always) func reset() { sqlite3_reset(s) }
    func clearBindings() { sqlite3_clear_bindings(s) }

    @inline(__always) func int64(_ c: Int32) -> Int64 { sqlite3_column_int64(s, c) }
    @inline(__always) func double(_ c: Int32) -> Double { sqlite3_column_double(s, c) }
    func isNull(_ c: Int32) -> Bool { sqlite3_column_type(s, c) == SQLITE_NULL }
    func text(_ c: Int32) -> String {
        guard let p = sqlite3_column_text(s, c) else { return "" }
        return String(cString: p)
    }
}
