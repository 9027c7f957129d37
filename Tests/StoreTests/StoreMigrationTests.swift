import Data
import Foundation
import Store
import Testing
import TSXLabTesting

/// The run, sweep, queue and live tables have a migration ledger of their own (`store_migrations`);
/// stores created while they were counted in the bar store's ledger (`schema_migrations` 2–6) open
/// with their data.
@Suite("Store schema: its own ledger, and stores made by earlier builds")
struct StoreMigrationTests {
    /// A new bar store of `kind` with the legacy fixture applied on top: the database an earlier
    /// build left behind (its migration 1 is the bar store's, unchanged).
    func legacyStore(_ kind: StoreKind, upTo version: Int) throws -> (db: any SQLDatabase & BarStore, url: String) {
        let url: String
        switch kind {
        case .sqlite: url = "sqlite:" + TestEnvironment.temporaryDirectory("legacy-store") + "/tsxlab.sqlite"
        case .postgres: url = try #require(try TestEnvironment.freshPostgresURL())
        }
        let store = try StoreURL.open(url)
        let fixture = try Self.legacyFixture(kind, upTo: version)
        switch store {
        case let s as SQLiteBarStore: try s.execute(fixture); return (s, url)
        case let s as PostgresBarStore: try s.execute(fixture); return (s, url)
        default: throw DataError.badInput(file: url, line: nil, field: nil, reason: "not an SQL store")
        }
    }

    /// The fixture's statements up to legacy version `version`: the text before its first
    /// `-- N:` section with N above it (each section holds its migration and its tables' rows).
    static func legacyFixture(_ kind: StoreKind, upTo version: Int) throws -> String {
        let path = TestEnvironment.packageRoot + "/Tests/StoreTests/Fixtures/\(kind)-legacy.sql"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let end = lines.firstIndex { line in
            line.hasPrefix("-- ") && Int(line.dropFirst(3).prefix { $0 != ":" }).map { $0 > version } == true
        } ?? lines.endIndex
        return lines[..<end].joined(separator: "\n")
    }

    func count(_ db: any SQLDatabase, _ table: String) throws -> Int {
        Int(try db.query("SELECT COUNT(*) FROM \(table)", []).first?.first?.int ?? -1)
    }

    @Test("a store made with the single ledger (versions 1–6) opens with its runs, sweeps and live orders", arguments: StoreKind.available)
    func adoptsFullLegacyStore(kind: StoreKind) throws {
        let (legacy, url) = try legacyStore(kind, upTo: 6)
        #expect(try StoreSchema.version(legacy) == 0)
        let store = try StoreSchema.open(url)
        let db = try #require(store as? any SQLDatabase)
        #expect(try StoreSchema.version(db) == StoreSchema.latest)
        #expect(try store.schemaVersion() == Migrations.latest)
        // Adopted, not re-created: the rows are still there and each step is recorded once.
        #expect(try count(db, "backtest_runs") == 1 && count(db, "backtest_trades") == 1)
        #expect(try db.query("SELECT version FROM store_migrations ORDER BY version", []).compactMap { $0.first?.int } == Array(1...Int64(StoreSchema.latest)))
        let results = try SweepTables(db: db).results("sweep-old")
        #expect(results.map(\.configHash) == ["hash-a"] && results.first?.netPnlUsd == "120.50")
        #expect(try SweepTables(db: db).finishedConfigHashes("sweep-old") == ["hash-a"])
        // Recorded before the store kept daily balances: none, and no choice recorded.
        #expect(try SweepTables(db: db).dailyBalances("sweep-old").isEmpty)
        #expect(try SweepTables(db: db).sweeps(withPrefix: "sweep-old").first.map { $0.chosenConfigHash == nil && $0.cells == 2 } == true)
        let orders = try LiveTables(db: db, account: "acct-1").orders()
        #expect(orders.map(\.tag) == ["tsx-1"] && orders.first?.gatewayID == 777)
        #expect(try LiveTables(db: db, account: "acct-1").runnerState()?.nextLocalID == 2)
        // The tables take new rows through the store's API.
        try RunTables(db: db).insert(RunRow(runID: "run-new", createdAt: "2026-01-01T00:00:00Z", kind: "backtest", configHash: "h",
                                            configText: "x=2", symbol: "ES", timeframe: "1m", dataFrom: nil, dataTo: nil,
                                            codeVersion: "test", summaryJSON: "{}"),
                                     trades: [], fills: [], equity: [RunEquityRow(time: "t", tradeDate: "2026-01-02", balanceUsd: "1", equityUsd: "1")],
                                     performance: [])
        #expect(try count(db, "backtest_runs") == 2)
        // Opening again changes nothing.
        let again = try #require(try StoreSchema.open(url) as? any SQLDatabase)
        #expect(try count(again, "store_migrations") == StoreSchema.migrations.count && count(again, "backtest_runs") == 2)
    }

    @Test("a store made before the walk-forward and live tables gains them, keeping its sweeps", arguments: StoreKind.available)
    func adoptsPartialLegacyStore(kind: StoreKind) throws {
        let (_, url) = try legacyStore(kind, upTo: 4)
        let db = try #require(try StoreSchema.open(url) as? any SQLDatabase)
        #expect(try db.query("SELECT version FROM store_migrations ORDER BY version", []).compactMap { $0.first?.int } == Array(1...Int64(StoreSchema.latest)))
        #expect(try count(db, "sweep_results") == 1 && count(db, "walk_forward_windows") == 0 && count(db, "live_orders") == 0)
        try LiveTables(db: db, account: "a").record(LiveOrderRow(tag: "t", localID: 1, gatewayID: nil, strategy: nil, symbol: "ES",
                                                                 side: "buy", quantity: 1, kind: "market", status: "sent"), at: "2026-01-01T00:00:00Z")
        #expect(try LiveTables(db: db, account: "a").orders().map(\.status) == ["sent"])
    }

    @Test("a bar store holds only bar tables until the store schema is applied; then both ledgers are current", arguments: StoreKind.available)
    func freshStore(kind: StoreKind) throws {
        let url: String = switch kind {
        case .sqlite: "sqlite:" + TestEnvironment.temporaryDirectory("fresh-store") + "/tsxlab.sqlite"
        case .postgres: try #require(try TestEnvironment.freshPostgresURL())
        }
        let bars = try #require(try StoreURL.open(url) as? any SQLDatabase)
        #expect(throws: (any Error).self) { _ = try bars.query("SELECT COUNT(*) FROM backtest_runs", []) }
        #expect(try StoreSchema.version(bars) == 0)
        let store = try StoreSchema.open(url)
        let db = try #require(store as? any SQLDatabase)
        #expect(try StoreSchema.version(db) == StoreSchema.latest && store.schemaVersion() == Migrations.latest)
        #expect(try count(db, "backtest_runs") == 0 && count(db, "sweep_queue") == 0 && count(db, "api_metrics") == 0)
        // The bar ledger lists only the bar migrations.
        #expect(try db.query("SELECT version FROM schema_migrations", []).compactMap { $0.first?.int } == Migrations.all.map { Int64($0.version) })
    }
}
