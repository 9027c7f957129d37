import Data
import Foundation
import Store

/// The store back ends every `BarStore` conformance case runs against.
public enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres
    public var description: String { rawValue }

    /// SQLite always; PostgreSQL when the test command started one, and always under CI, where a
    /// missing server makes the PostgreSQL cases fail instead of vanishing.
    public static var available: [StoreKind] {
        TestEnvironment.postgresURL != nil || TestEnvironment.isCI ? [.sqlite, .postgres] : [.sqlite]
    }

    /// A new, empty store of this kind, with a way to open it again; the run tables are there too
    /// (`StoreSchema.open`), as in a store the commands open.
    public func make() throws -> (store: any BarStore, reopen: () throws -> any BarStore, url: String) {
        switch self {
        case .sqlite:
            let url = "sqlite:" + TestEnvironment.temporaryDirectory("store") + "/bars.sqlite"
            return (try StoreSchema.open(url), { try StoreSchema.open(url) }, url)
        case .postgres:
            guard let url = try TestEnvironment.freshPostgresURL() else {
                throw DataError.store(url: "TSXLAB_TEST_PG_URL", operation: "connect",
                    message: "no test PostgreSQL: run the suite with scripts/test.sh (CI=true never skips it)")
            }
            return (try StoreSchema.open(url), { try StoreSchema.open(url) }, url)
        }
    }

    /// Makes the next write of a bar stamped `poison` fail inside the store (a trigger), to prove
    /// that a write is one transaction.
    public func poison(_ store: any BarStore, at poison: Int64) throws {
        switch self {
        case .sqlite:
            try (store as! SQLiteBarStore).execute("""
                CREATE TRIGGER poison BEFORE INSERT ON bars WHEN NEW.timestamp = \(poison)
                BEGIN SELECT RAISE(ABORT, 'poisoned row'); END
                """)
        case .postgres:
            let pg = store as! PostgresBarStore
            try pg.execute("""
                CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN
                  IF extract(epoch FROM NEW.timestamp)::bigint = \(poison) THEN RAISE EXCEPTION 'poisoned row'; END IF;
                  RETURN NEW; END $$ LANGUAGE plpgsql
                """)
            try pg.execute("CREATE TRIGGER poison BEFORE INSERT ON historical_bars FOR EACH ROW EXECUTE FUNCTION poison()")
        }
    }
}

