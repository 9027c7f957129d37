@testable import Data
import Foundation
import Testing
import TSXLabTesting

/// PostgreSQL imports take two paths: bars that cannot meet a stored bar (before the first or
/// after the last the series holds in the file's range) are copied straight into
/// `historical_bars`; bars between stored ones go through a staging table, where the stored bars
/// that differ are changed and the missing ones added. Each file is still one transaction, and
/// the store ends up as SQLite's does.
@Suite("PostgreSQL import: COPY straight in where no bar is stored, staged between stored bars", .enabled(if: StoreKind.available.contains(.postgres)))
struct PostgresImportTests {
    let key = SeriesKey(symbol: "ES", timeframe: .oneMinute)
    let all = TimeWindow(from: .distantPast, to: .distantFuture)

    func store() throws -> PostgresBarStore { try StoreKind.postgres.make().store as! PostgresBarStore }

    /// Whether this connection made the upsert's staging table (temporary tables are per session).
    func usedStagingTable(_ store: PostgresBarStore) throws -> Bool {
        try store.query("SELECT to_regclass('pg_temp.tsx_import') IS NOT NULL", [])[0][0] == .text("t")
    }

    /// The rows of `series` as a CSV file.
    func csvFile(_ series: BarSeries, _ name: String) -> String {
        var bytes = Array(BarCSVWriter.header().utf8)
        BarCSVWriter.append(series, decimals: 2, to: &bytes)
        return writeTemp(name, String(decoding: bytes, as: UTF8.self))
    }

    @Test("an import into an empty series is copied straight into the table: no staging table, every bar counted new, read back exactly")
    func emptySeriesIsCopied() throws {
        let store = try store()
        let s = sampleSeries(count: 2_000)
        let report = try BarImport.importFile(path: csvFile(s, "new.csv"), options: esOptions, into: store)
        #expect(report.stored == UpsertResult(inserted: 2_000, updated: 0, unchanged: 0))
        #expect(try !usedStagingTable(store))
        #expect(try store.read(key, all) == s)
        #expect(try store.coverage(key) == [TimeWindow(from: Timestamp(seconds: s.time[0]), to: Timestamp(seconds: s.time[1_999] + 60))])
    }

    @Test("a range after the stored one is also new: copied straight in beside it")
    func laterRangeIsCopied() throws {
        let store = try store()
        let s = sampleSeries(count: 200)
        try store.write(s.slice(0..<100), coverage: nil)
        #expect(try store.write(s.slice(100..<200), coverage: nil) == UpsertResult(inserted: 100, updated: 0, unchanged: 0))
        #expect(try !usedStagingTable(store))
        #expect(try store.read(key, all) == s)
    }

    @Test("an import overlapping stored bars takes the upsert path and counts new, changed and unchanged bars")
    func overlapIsUpserted() throws {
        let store = try store()
        let s = sampleSeries(count: 300)
        try store.write(s.slice(0..<200), coverage: nil)
        var next = s.slice(150..<300)
        next.volume[0] += 7   // bar 150 changed
        let report = try BarImport.importFile(path: csvFile(next, "overlap.csv"), options: esOptions, into: store)
        #expect(report.stored == UpsertResult(inserted: 100, updated: 1, unchanged: 49))
        #expect(try usedStagingTable(store))
        var expected = s
        expected.volume[150] += 7
        #expect(try store.read(key, all) == expected)
    }

    @Test("a file reaching before and after the stored bars: the ends are copied in, the stored stretch is staged, counts exact")
    func fileAroundStoredBars() throws {
        let store = try store()
        let sqlite = try StoreKind.sqlite.make().store
        let s = sampleSeries(count: 300)
        var file = s
        file.close[150] = file.open[150]   // a stored bar the file changes
        for target in [store, sqlite] as [any BarStore] {
            try target.write(s.slice(100..<200), coverage: nil)
            #expect(try target.write(file, coverage: nil) == UpsertResult(inserted: 200, updated: 1, unchanged: 99))
        }
        #expect(try usedStagingTable(store))
        #expect(try store.read(key, all) == file)
        #expect(try store.read(key, all) == sqlite.read(key, all))
    }

    @Test("a stored bar inside the new range, not at its ends, is staged; the bars around it are copied in")
    func storedBarInsideTheRange() throws {
        let store = try store()
        let s = sampleSeries(count: 100)
        try store.write(s.slice(50..<51), coverage: nil)
        #expect(try store.write(s, coverage: nil) == UpsertResult(inserted: 99, updated: 0, unchanged: 1))
        #expect(try store.read(key, all) == s)
    }

    @Test("a file that fails part-way stores nothing of itself, on both paths, and keeps what was stored", arguments: [false, true])
    func failingFileLeavesNothing(overlapping: Bool) throws {
        let store = try store()
        let stored = sampleSeries(count: 100)
        let storedCoverage = TimeWindow(from: Timestamp(seconds: stored.time[0]), to: Timestamp(seconds: stored.time[99] + 60))
        try store.write(stored, coverage: storedCoverage)
        let file = sampleSeries(count: 500, start: overlapping ? stored.time[50] : stored.time[99] + 3_600, seed: 9)
        try StoreKind.postgres.poison(store, at: file.time[400])
        // The server's own refusal is what the error says, not a failed send.
        let error = #expect(throws: DataError.self) { try BarImport.importFile(path: csvFile(file, "poisoned.csv"), options: esOptions, into: store) }
        #expect(error?.description.contains("poisoned row") == true, "\(String(describing: error))")
        #expect(try store.read(key, all) == stored)
        #expect(try store.coverage(key) == [storedCoverage])
        #expect(try store.listSeries().map(\.count) == [100])
    }

    @Test("the same imports give the same bars, counts, series and coverage in PostgreSQL as in SQLite")
    func sameAsSQLite() throws {
        let pg = try store()
        let sqlite = try StoreKind.sqlite.make().store
        let a = sampleSeries(count: 1_000)
        var b = sampleSeries(count: 1_000, start: a.time[600], seed: 4)   // overlaps a's last 400 bars
        b.close[0] = b.open[0]
        let files = [csvFile(a.slice(0..<700), "a1.csv"), csvFile(a, "a.csv"), csvFile(b, "b.csv"),
                     csvFile(sampleSeries(count: 50, start: b.time[999] + 86_400, seed: 2), "c.csv")]
        for f in files {
            let x = try BarImport.importFile(path: f, options: esOptions, into: pg)
            let y = try BarImport.importFile(path: f, options: esOptions, into: sqlite)
            #expect(x.stored == y.stored, "\(f)")
        }
        #expect(try pg.read(key, all) == sqlite.read(key, all))
        #expect(try pg.coverage(key) == sqlite.coverage(key))
        #expect(try pg.listSeries().map { "\($0.key) \($0.count) \(String(describing: $0.first)) \(String(describing: $0.last))" }
                == sqlite.listSeries().map { "\($0.key) \($0.count) \(String(describing: $0.first)) \(String(describing: $0.last))" })
    }

    @Test("the shipped ES sample imports into an empty PostgreSQL series exactly as into SQLite")
    func shippedSample() throws {
        let pg = try store()
        let sqlite = try StoreKind.sqlite.make().store
        let path = TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz")
        let opts = BarCSVOptions(symbol: "ESZ13", timeframe: .oneMinute, tickSize: TickSize("0.25")!)
        let x = try BarImport.importFile(path: path, options: opts, into: pg)
        let y = try BarImport.importFile(path: path, options: opts, into: sqlite)
        #expect(x.stored == y.stored && x.stored.inserted == 16_673)
        let k = SeriesKey(symbol: "ESZ13", timeframe: .oneMinute)
        #expect(try pg.read(k, all) == sqlite.read(k, all))
    }

    @Test("prices written as binary numerics read back exactly: negative, zero, whole, past four decimals, on both paths")
    func binaryPricesAreExact() throws {
        let pg = try store()
        let sqlite = try StoreKind.sqlite.make().store
        let ticks: [Int64] = [-1_000_001, -10_001, -1, 0, 1, 9_999, 10_000, 10_001, 123_456_789, 99_999_999_999]
        for (sym, tick) in [("6E", "0.00005"), ("CL", "0.01"), ("YM", "1"), ("ZT", "0.0078125"), ("XX", "0.000000000001"), ("BIG", "25")] {
            var s = BarSeries(symbol: sym, timeframe: .oneMinute, tickSize: TickSize(tick)!)
            for (i, t) in ticks.enumerated() { s.append(Bar(1_546_383_600 + Int64(i) * 60, t, t, t, t, Int64(i))) }
            var changed = s
            for i in 0..<changed.count { changed.open[i] = -changed.open[i]; changed.close[i] += 3 }
            let k = SeriesKey(symbol: sym, timeframe: .oneMinute)
            for target in [pg, sqlite] as [any BarStore] {
                try target.write(s, coverage: nil)        // copied straight in
                try target.write(changed, coverage: nil)  // staged: every bar overlaps
            }
            #expect(try pg.read(k, all) == changed, "\(sym)")
            #expect(try pg.read(k, all) == sqlite.read(k, all), "\(sym)")
            // Other clients see each price at the tick's decimals, as the text COPY wrote it.
            let text = try pg.query("SELECT open::text FROM historical_bars WHERE symbol = $1 ORDER BY timestamp", [.text(sym)])
            #expect(text.map { $0.first?.text } == changed.open.map { changed.tickSize.format(Price(ticks: $0), decimals: changed.tickSize.scale) }, "\(sym)")
        }
    }

    @Test("the primary key serves every statement on historical_bars: no sequential scan, no sort, the seed's newest-first read included")
    func primaryKeyServesEveryQuery() throws {
        let store = try store()
        try store.write(sampleSeries(count: 500), coverage: nil)
        try store.execute(BarsSQL.createStaging)
        try store.execute("SET enable_seqscan = off")
        let range: [SQLValue] = [.text("ES"), .text("1m"), .text("1546383600"), .text("1546413600")]
        let statements: [(String, String, [SQLValue])] = [
            ("storedRange", BarsSQL.storedRange, range), ("updateStaged", BarsSQL.updateStaged, range),
            ("insertStaged", BarsSQL.insertStaged, range), ("read", BarsSQL.read, range),
            ("count", BarsSQL.count, Array(range.prefix(2))), ("listSeries", BarsSQL.listSeries, []),
            // What idx_bars_lookup was made for: the seed bot's latest bars, newest first.
            ("newest first", "SELECT * FROM historical_bars WHERE symbol = $1 AND timeframe = $2 ORDER BY timestamp DESC LIMIT 500", Array(range.prefix(2))),
        ]
        for (name, sql, params) in statements {
            let plan = try store.query("EXPLAIN " + sql, params).compactMap { $0.first?.text }.joined(separator: "\n")
            #expect(plan.contains("historical_bars_pkey"), "\(name):\n\(plan)")
            #expect(!plan.contains("Seq Scan on historical_bars"), "\(name):\n\(plan)")
            if name == "read" || name == "newest first" { #expect(!plan.contains("Sort"), "\(name):\n\(plan)") }
        }
        #expect(try store.query("SELECT to_regclass('idx_bars_lookup') IS NULL", [])[0][0] == .text("t"))
    }
}
