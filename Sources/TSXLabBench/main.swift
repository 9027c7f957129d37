import Data
import Foundation
import TSXLabTesting

// tsxlab-bench: figures a person reads (rows/s, ms, µs), separate from the tests.
// Build and run in release: `swift run -c release tsxlab-bench [suite …]` (suites: data, engine, sma, overnight, sweep, portfolio, report, chart, indicators, live, combine, pull, pg-import).
// PostgreSQL figures need TSXLAB_BENCH_PG_URL (scripts/bench.sh starts a throw-away server).

func now() -> Double { monotonicSeconds() }

/// `TSXLAB_BENCH_REPEATS=N` multiplies every measurement's repeats (for profiling a suite).
let repeatFactor = max(1, Int(ProcessInfo.processInfo.environment["TSXLAB_BENCH_REPEATS"] ?? "") ?? 1)

func measure(_ repeats: Int, _ body: () throws -> Void) rethrows -> [Double] {
    var out: [Double] = []
    for _ in 0..<repeats * repeatFactor {
        let t0 = now()
        try body()
        out.append(now() - t0)
    }
    return out.sorted()
}

func median(_ xs: [Double]) -> Double { xs[xs.count / 2] }

func line(_ name: String, _ value: String, _ target: String = "") {
    let pad = name.padding(toLength: 52, withPad: " ", startingAt: 0)
    print("\(pad) \(value.padding(toLength: 22, withPad: " ", startingAt: 0)) \(target)")
}

func fmt(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }

func benchData() throws {
    let file = TestEnvironment.sharedDataset("ES_1m_2019.csv.gz")
    let es = try ContractRegistry.builtIn.spec(for: "ES")
    let opts = BarCSVOptions(symbol: "ES", timeframe: .oneMinute, tickSize: es.tickSize)
    print("== data: \(file)")

    var series = BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: es.tickSize)
    let parse = try measure(5) { (series, _) = try BarCSV.read(path: file, options: opts) }
    let rows = Double(series.count)
    line("CSV.gz parse (inflate + validate)", "\(fmt(rows / median(parse) / 1e6, 2))M rows/s", "(\(series.count) rows, \(fmt(median(parse) * 1000)) ms)")

    let dir = TestEnvironment.temporaryDirectory("tsxlab-bench")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var k = 0
    let sqliteImport = try measure(3) {
        k += 1
        let store = try SQLiteBarStore(path: "\(dir)/import\(k).sqlite")
        _ = try BarImport.importFile(path: file, options: opts, into: store)
    }
    line("CSV.gz import into SQLite (new file)", "\(fmt(rows / median(sqliteImport) / 1e6, 2))M rows/s", "target ≥ 1M rows/s")
    let store = try SQLiteBarStore(path: "\(dir)/import1.sqlite")
    let reimport = try measure(3) { _ = try BarImport.importFile(path: file, options: opts, into: store) }
    line("CSV.gz re-import into SQLite (all unchanged)", "\(fmt(rows / median(reimport) / 1e6, 2))M rows/s")

    let key = SeriesKey(symbol: "ES", timeframe: .oneMinute)
    let year = TimeWindow(from: Timestamp(year: 2019, month: 1, day: 1), to: Timestamp(year: 2020, month: 1, day: 1))
    var n = 0
    let readYear = try measure(5) { n = try store.read(key, year).count }
    line("SQLite range read, one year of 1m bars", "\(fmt(median(readYear) * 1000)) ms", "(\(n) rows; target ≤ 100 ms)")

    try cachedReads(store: store, label: "SQLite", series: series, key: key)

    if let pg = ProcessInfo.processInfo.environment["TSXLAB_BENCH_PG_URL"], !pg.isEmpty {
        let fresh = try postgresImports(pg: pg, file: file, options: opts, series: series)
        let pgRead = try measure(3) { n = try fresh.read(key, year).count }
        line("PostgreSQL range read, one year of 1m bars", "\(fmt(median(pgRead) * 1000)) ms", "(\(n) rows)")
        try cachedReads(store: fresh, label: "PostgreSQL", series: series, key: key)
    } else {
        line("PostgreSQL", "skipped", "(set TSXLAB_BENCH_PG_URL, or run scripts/bench.sh)")
    }
}

/// The PostgreSQL import figures alone (`tsxlab-bench pg-import`), for measuring changes to the
/// import without the rest of the data suite.
func benchPostgresImport() throws {
    guard let pg = ProcessInfo.processInfo.environment["TSXLAB_BENCH_PG_URL"], !pg.isEmpty else {
        line("PostgreSQL", "skipped", "(set TSXLAB_BENCH_PG_URL, or run scripts/bench.sh)")
        return
    }
    let file = TestEnvironment.sharedDataset("ES_1m_2019.csv.gz")
    let es = try ContractRegistry.builtIn.spec(for: "ES")
    let opts = BarCSVOptions(symbol: "ES", timeframe: .oneMinute, tickSize: es.tickSize)
    print("== pg-import: \(file)")
    let (series, _) = try BarCSV.read(path: file, options: opts)
    _ = try postgresImports(pg: pg, file: file, options: opts, series: series)
}

/// Imports `file` into PostgreSQL the ways an import meets a series: empty, holding the file's
/// first half, holding all of it. Each prints rows/s (the whole import, parse included, over the
/// file's bars, median of five) and, where the server lets this connection read its own
/// process's counters (a local server, a superuser), the backend's CPU seconds, steadier than wall
/// time on a shared machine. Returns the store the empty-series import filled.
func postgresImports(pg: String, file: String, options opts: BarCSVOptions, series: BarSeries) throws -> PostgresBarStore {
    let rows = Double(series.count)
    let repeats = 5
    // A schema of its own per import, so every timed import starts from the state it names.
    func schemaStore() throws -> PostgresBarStore {
        let schema = "bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try PostgresBarStore(url: pg).execute("CREATE SCHEMA \(schema)")
        return try PostgresBarStore(url: pg + (pg.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)")
    }
    var serverSeconds: [Double] = []
    /// Times one import into `store`, noting the server's CPU for it when it can be read.
    func timedImport(into store: PostgresBarStore) throws {
        let before = backendCPUSeconds(store)
        _ = try BarImport.importFile(path: file, options: opts, into: store)
        if let before, let after = backendCPUSeconds(store) { serverSeconds.append(after - before) }
    }
    func report(_ name: String, _ times: [Double], _ note: String) {
        let server = serverSeconds.count == times.count ? "server CPU \(fmt(median(serverSeconds.sorted()), 2)) s; " : ""
        line(name, "\(fmt(rows / median(times) / 1e6, 2))M rows/s", server + note)
        serverSeconds = []
    }

    var imported: PostgresBarStore?
    var stores = try (0..<repeats * repeatFactor).map { _ in try schemaStore() }
    let empty = try measure(repeats) {
        let store = stores.removeLast()
        try timedImport(into: store)
        imported = store
    }
    report("CSV.gz import into PostgreSQL (empty series: COPY)", empty, "target ≥ 0.8M rows/s")
    // The series already holds the first half of the year: the whole file overlaps it.
    stores = try (0..<repeats * repeatFactor).map { _ in
        let store = try schemaStore()
        try store.write(series.slice(0..<(series.count / 2)), coverage: nil)
        return store
    }
    let overlap = try measure(repeats) { try timedImport(into: stores.removeLast()) }
    report("CSV.gz import into PostgreSQL (half already stored)", overlap, "")
    let again = try measure(repeats) { try timedImport(into: imported!) }
    report("CSV.gz re-import into PostgreSQL (all unchanged)", again, "")
    return imported!
}

/// The user+system CPU seconds of the server process behind `store`'s connection (Linux's
/// /proc/self/stat read by the backend itself); nil where the server will not read it.
func backendCPUSeconds(_ store: PostgresBarStore) -> Double? {
    guard let rows = try? store.query("SELECT pg_read_file('/proc/self/stat')", []),
          case .text(let stat)? = rows.first?.first,
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command name: state is field 3, utime and stime fields 14 and 15, in clock ticks.
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// 500-bar reads at random places: straight from the store, and through the cache's memory tier.
func cachedReads(store: any BarStore, label: String, series: BarSeries, key: SeriesKey) throws {
    var rng = SystemRandomNumberGenerator()
    let windows: [TimeWindow] = (0..<2000).map { _ in
        let i = Int.random(in: 0..<(series.count - 501), using: &rng)
        return TimeWindow(from: Timestamp(seconds: series.time[i]), to: Timestamp(seconds: series.time[i + 500]))
    }
    var lat: [Double] = []
    for w in windows {
        let t0 = now()
        let s = try store.read(key, w)
        lat.append(now() - t0)
        precondition(s.count == 500)
    }
    lat.sort()
    line("\(label) 500-bar read (store tier)", "p50 \(fmt(lat[lat.count / 2] * 1e6)) µs", "p99 \(fmt(lat[lat.count * 99 / 100] * 1e6)) µs (target ≤ 1 ms; seed PG cache 5 ms)")
    let cache = BarCache(store: store)
    for w in windows.prefix(50) { _ = try cache.bars(key, w) }
    lat = []
    for w in windows.prefix(50) {
        for _ in 0..<20 {
            let t0 = now()
            let s = try cache.bars(key, w)
            lat.append(now() - t0)
            precondition(s.count == 500)
        }
    }
    lat.sort()
    line("\(label) 500-bar read (memory tier)", "p50 \(fmt(lat[lat.count / 2] * 1e6, 2)) µs", "p99 \(fmt(lat[lat.count * 99 / 100] * 1e6, 2)) µs (target ≤ 20 µs)")
}

let suites = CommandLine.arguments.dropFirst()
let all: [(String, () throws -> Void)] = [("data", benchData), ("engine", benchEngine), ("sma", benchSMABracket), ("overnight", benchOvernight), ("sweep", benchSweep), ("report", benchReport), ("chart", benchChart), ("indicators", benchIndicators), ("live", benchLive), ("combine", benchCombine), ("pull", benchPull), ("tape", benchTape), ("ticks", benchTickImport), ("drilldown", benchDrillDown), ("portfolio", benchPortfolio), ("pg-import", benchPostgresImport)]
#if DEBUG
print("note: debug build; run `swift run -c release tsxlab-bench` for real figures")
#endif
do {
    // pg-import repeats figures of the data suite: it runs only when named.
    for (name, body) in all where suites.contains(name) || (suites.isEmpty && name != "pg-import") { try body() }
} catch {
    FileHandle.standardError.write(Data("bench failed: \(error)\n".utf8))
    exit(70)
}
