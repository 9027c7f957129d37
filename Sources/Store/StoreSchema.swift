import Data

/// The tables of runs, sweeps, the sweep queue and the live runner, beside the bars in the same
/// database (SQLite or PostgreSQL, through `SQLDatabase`). `Data` creates only the bar tables; this
/// schema is applied by whoever opens a store to record or read runs (`StoreSchema.open`).
public enum StoreSchema {
    /// The ledger of this schema's migrations.
    public static let ledger = "store_migrations"

    /// The newest migration this build knows.
    public static var latest: Int { migrations.last?.version ?? 0 }

    /// Opens the store at `url` (see `StoreURL`) with the run tables ready: the bar store, which is
    /// also the `SQLDatabase` the tables live in.
    public static func open(_ url: String) throws -> any BarStore {
        let store = try StoreURL.open(url)
        if let db = store as? any SQLDatabase { try migrate(db) }
        return store
    }

    /// Applies the migrations `db` lacks, in one transaction (PostgreSQL: under an advisory lock,
    /// so workers opening one database at once apply each step once; SQLite: `BEGIN IMMEDIATE`).
    ///
    /// A database whose run tables were created by the single ledger of earlier builds
    /// (`schema_migrations` versions 2–6) is adopted: those steps are recorded here as applied and
    /// its tables and rows stay as they are.
    public static func migrate(_ db: any SQLDatabase) throws {
        if try ledgerExists(db), try appliedVersions(db).contains(latest) { return }
        let postgres = db.dialect == "postgres"
        try db.transaction {
            if postgres { _ = try db.query("SELECT pg_advisory_xact_lock(7312002)", []) }
            try db.execute(postgres
                ? "CREATE TABLE IF NOT EXISTS \(ledger) (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                : "CREATE TABLE IF NOT EXISTS \(ledger) (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL DEFAULT (strftime('%s','now')))",
                [])
            var applied = try appliedVersions(db)
            if applied.isEmpty {
                let legacy = try legacyVersions(db)
                for m in migrations where m.legacyVersion.map(legacy.contains) == true {
                    try record(m, db)
                    applied.insert(m.version)
                }
            }
            for m in migrations where !applied.contains(m.version) {
                for sql in postgres ? m.postgres : m.sqlite { try db.execute(sql, []) }
                try record(m, db)
            }
        }
    }

    /// The newest migration applied to `db` (0 when none is).
    public static func version(_ db: any SQLDatabase) throws -> Int {
        guard try ledgerExists(db) else { return 0 }
        return try appliedVersions(db).max() ?? 0
    }

    static func record(_ m: StoreMigration, _ db: any SQLDatabase) throws {
        try db.execute("INSERT INTO \(ledger) (version, name) VALUES ($1, $2)", [.int(Int64(m.version)), .text(m.name)])
    }

    static func appliedVersions(_ db: any SQLDatabase) throws -> Set<Int> {
        Set(try db.query("SELECT version FROM \(ledger)", []).compactMap { $0.first?.int.map(Int.init) })
    }

    static func tableExists(_ name: String, _ db: any SQLDatabase) throws -> Bool {
        let rows = db.dialect == "postgres"
            ? try db.query("SELECT 1 FROM information_schema.tables WHERE table_name = $1 AND table_schema = ANY (current_schemas(false))", [.text(name)])
            : try db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1", [.text(name)])
        return !rows.isEmpty
    }

    static func ledgerExists(_ db: any SQLDatabase) throws -> Bool { try tableExists(ledger, db) }

    /// The versions recorded in the bar store's ledger, where earlier builds also counted the run
    /// tables.
    static func legacyVersions(_ db: any SQLDatabase) throws -> Set<Int> {
        guard try tableExists("schema_migrations", db) else { return [] }
        return Set(try db.query("SELECT version FROM schema_migrations", []).compactMap { $0.first?.int.map(Int.init) })
    }
}
