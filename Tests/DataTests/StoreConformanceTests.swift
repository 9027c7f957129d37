import Data
import Foundation
import Testing
import TSXLabTesting

func sampleSeries(symbol: String = "ES", count: Int = 100, start: Int64 = 1_546_383_600, seed: Int64 = 0) -> BarSeries {
    var s = BarSeries(symbol: symbol, timeframe: .oneMinute, tickSize: TickSize("0.25")!)
    var price: Int64 = 10_000 + seed
    for i in 0..<count {
        let o = price, c = price + Int64((i * 7 + Int(seed)) % 9) - 4
        let h = max(o, c) + Int64(i % 3), l = min(o, c) - Int64(i % 2)
        s.append(Bar(start + Int64(i) * 60, o, h, l, c, Int64(100 + i)))
        price = c
    }
    return s
}

@Suite("BarStore conformance (SQLite and PostgreSQL)")
struct StoreConformanceTests {
    let key = SeriesKey(symbol: "ES", timeframe: .oneMinute)
    let all = TimeWindow(from: .distantPast, to: .distantFuture)

    @Test("01 a new store is migrated and empty", arguments: StoreKind.available)
    func newStore(kind: StoreKind) throws {
        let (store, _, _) = try kind.make()
        #expect(try store.schemaVersion() == Migrations.latest)
        #expect(try store.listSeries().isEmpty)
        #expect(try store.read(key, all).isEmpty)
        #expect(!store.displayURL.isEmpty)
    }

    @Test("02 bars read back exactly as written, in time order", arguments: StoreKind.available)
    func roundTrip(kind: StoreKind) throws {
        let (store, _, _) = try kind.make()
        let s = sampleSeries()
        let r = try store.write(s, coverage: nil)
        #expect(r == UpsertResult(inserted: 100, updated: 0, unchanged: 0))
        let back = try store.read(key, all)
        #expect(back == s)
        #expect(back.tickSize == TickSize("0.25"))
    }

    @Test("03 writes are idempotent upserts that count new, changed and unchanged bars", arguments: StoreKind.available)
    func upsert(kind: StoreKind) throws {
        let (store, _, _) = try kind.make()
        let s = sampleSeries()
        try store.write(s, coverage: nil)
        #expect(try store.write(s, coverage: nil) == UpsertResult(inserted: 0, updated: 0, unchanged: 100))
        var changed = s.slice(90..<100)
        changed.close[0] = changed.open[0]; changed.volume[1] += 1
        var more = sampleSeries(count: 5, start: s.time[99] + 60, seed: 3)
        more.symbol = "ES"
        for i in 0..<more.count { changed.append(more[i]) }
        #expect(try store.write(changed, coverage: nil) == UpsertResult(inserted: 5, updated: 2, unchanged: 8))
        #expect(try store.count(key) == 105)
        let back = try store.read(key, all)
        #expect(back[90] == changed[0] && back[91] == changed[1] && back[104] == more[4])
    }

    @Test("04 range reads are half-open [from, to)", arguments: StoreKind.available)
    func ranges(kind: StoreKind) throws {
        let (store, _, _) = try kind.make()
        let s = sampleSeries()
        try store.write(s, coverage: nil)
        let w = TimeWindow(from: Timestamp(seconds: s.time[10]), to: Timestamp(seconds: s.time[20]))
        let r = try store.read(key, w)
        #expect(r.count == 10 && r.time.first == s.time[10] && r.time.last == s.time[19])
        #expect(try store.read(key, TimeWindow(from: Timestamp(seconds: s.time[10] + 1), to: Timestamp(seconds: s.time[11] + 1))).time == [s.time[11]])
        #expect(try store.read(SeriesKey(symbol: "NQ", timeframe: .oneMinute), all).isEmpty)
        #expect(try store.read(SeriesKey(symbol: "ES", timeframe: Timeframe("5m")!), all).isEmpty)
    }

    @Test("05 a tick size that differs from the stored series is refused and nothing is written", arguments: StoreKind.available)
    func tickConflict(kind: StoreKind) throws {
        let (store, _, _) = try kind.make()
        try store.write(sampleSeries(count: 10), coverage: nil)
        var other = sampleSeries(count: 10, start: 1_600_000_000)
        other.tickSize = TickSize("0.1")!
        #expect(throws: DataError.self) { try store.write(other, coverage: nil) }
        #expect(try store.count(key) == 10)
    }

    @Test("06 a write that fails part-way leaves nothing of itself and keeps what was stored", arguments: StoreKind.available)
    func atomicWrite(kind: StoreKind) throws {
        let (store, _, _) = try kind.make()
        let first = sampleSeries(count: 50)
        try store.write(first, coverage: TimeWindow(from: Timestamp(seconds: first.time[0]), to: Timestamp(seconds: first.time[49] + 60)))
        let second = sampleSeries(count: 300, start: first.time[49] + 60, seed: 5)
        try kind.poison(store, at: second.time[250])
        #expect(throws: DataError.self) {
            try store.write(second, coverage: TimeWindow(from: Timestamp(seconds: second.time[0]), to: Timestamp(seconds: second.time[299] + 60)))
        }
        #expect(try store.read(key, all) == first)
        #expect(try store.coverage(key).count == 1)
    }

    @Test("07 coverage windows are recorded and merged", arguments: StoreKind.available)
    func coverage(kind: StoreKind) throws {
        let (store, _, _) = try kind.make()
        let s = sampleSeries(count: 10)
        func w(_ a: Int64, _ b: Int64) -> TimeWindow { TimeWindow(from: Timestamp(seconds: a), to: Timestamp(seconds: b)) }
        try store.write(s, coverage: w(100, 200))
        try store.write(s.slice(0..<0), coverage: w(300, 400))
        try store.write(s.slice(0..<0), coverage: w(150, 300))
        try store.write(s.slice(0..<0), coverage: w(500, 600))
        #expect(try store.coverage(key) == [w(100, 400), w(500, 600)])
    }

    @Test("08 data survives closing and reopening the store", arguments: StoreKind.available)
    func persistence(kind: StoreKind) throws {
        let (store, reopen, _) = try kind.make()
        let s = sampleSeries(count: 20)
        try store.write(s, coverage: nil)
        let again = try reopen()
        #expect(try again.read(key, all) == s)
        #expect(try again.schemaVersion() == Migrations.latest)
    }

    @Test("09 the series list counts bars and gives first and last", arguments: StoreKind.available)
    func listing(kind: StoreKind) throws {
        let (store, _, _) = try kind.make()
        let es = sampleSeries(count: 30)
        var nq = sampleSeries(symbol: "NQ", count: 12, start: 1_700_000_000)
        nq.timeframe = Timeframe("5m")!
        try store.write(es, coverage: nil)
        try store.write(nq, coverage: nil)
        let list = try store.listSeries()
        #expect(list.map(\.key.description) == ["ES 1m", "NQ 5m"])
        #expect(list[0].count == 30 && list[0].first == Timestamp(seconds: es.time[0]) && list[0].last == Timestamp(seconds: es.time[29]))
        #expect(list[1].count == 12 && list[1].tickSize == TickSize("0.25"))
    }

    @Test("10 prices at every tick grid survive the store exactly", arguments: StoreKind.available)
    func grids(kind: StoreKind) throws {
        let (store, _, _) = try kind.make()
        for (sym, tick) in [("6E", "0.00005"), ("CL", "0.01"), ("YM", "1"), ("GC", "0.1"), ("NG", "0.001")] {
            var s = sampleSeries(symbol: sym, count: 40, seed: 7)
            s.tickSize = TickSize(tick)!
            for i in 0..<s.count { s.open[i] += 1_000_000; s.high[i] += 1_000_000; s.low[i] += 1_000_000; s.close[i] += 1_000_000 }
            try store.write(s, coverage: nil)
            #expect(try store.read(SeriesKey(symbol: sym, timeframe: .oneMinute), all) == s, "\(sym)")
        }
    }
}

@Suite("Store URLs")
struct StoreURLTests {
    @Test("the store comes from the flag, else TSXLAB_STORE, else a SQLite file in the data directory")
    func resolution() {
        #expect(StoreURL.resolve(flag: "sqlite:/x.db", environment: ["TSXLAB_STORE": "postgres://a@b/c"]) == "sqlite:/x.db")
        #expect(StoreURL.resolve(flag: nil, environment: ["TSXLAB_STORE": "postgres://a@b/c"]) == "postgres://a@b/c")
        #expect(StoreURL.resolve(flag: nil, environment: ["TSXLAB_DATA_DIR": "/d"]) == "sqlite:/d/tsxlab.sqlite")
        #expect(StoreURL.resolve(flag: nil, environment: ["HOME": "/home/t"]) == "sqlite:/home/t/.local/share/tsxlab/tsxlab.sqlite")
    }

    @Test("passwords never appear in a printed URL")
    func redaction() {
        #expect(StoreURL.redact("postgres://trader:s3cret@db:5432/bars") == "postgres://trader:***@db:5432/bars")
        #expect(StoreURL.redact("postgres://trader@db/bars") == "postgres://trader@db/bars")
        #expect(throws: DataError.self) { try StoreURL.open("mysql://x") }
    }

    @Test("an unreachable PostgreSQL is a store error (exit 69) that hides the password")
    func unreachable() throws {
        do {
            _ = try StoreURL.open("postgres://u:hunter2@127.0.0.1:1/none?connect_timeout=2")
            Issue.record("connected to nothing")
        } catch let e as DataError {
            #expect(e.exitCode == 69)
            #expect(!e.description.contains("hunter2"))
        }
    }
}
