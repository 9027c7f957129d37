import Data
import Foundation
import Synchronization
import Testing
import TSXLabTesting

/// A CSV-folder source that records every window it is asked for.
final class RecordingSource: BarSource {
    let inner: CSVFolderSource
    let asked = Mutex<[TimeWindow]>([])
    init(folder: String) { inner = CSVFolderSource(folder: folder) }
    var name: String { inner.name }
    func fetch(_ key: SeriesKey, _ window: TimeWindow) throws -> BarSeries {
        asked.withLock { $0.append(window) }
        return try inner.fetch(key, window)
    }
}

@Suite("Three-tier cache: memory → store → source")
struct CacheTests {
    let key = SeriesKey(symbol: "ES", timeframe: .oneMinute)

    /// A source folder holding the ESM8 week as `ES_1m_week.csv.gz`, and a fresh store.
    func setUp(_ kind: StoreKind) throws -> (RecordingSource, any BarStore, BarSeries) {
        let folder = TestEnvironment.temporaryDirectory("source")
        try FileManager.default.copyItem(atPath: TestEnvironment.sharedDataset("ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz"),
                                         toPath: folder + "/ES_1m_week.csv.gz")
        let (all, _) = try BarCSV.read(path: folder + "/ES_1m_week.csv.gz", options: esOptions)
        return (RecordingSource(folder: folder), try kind.make().store, all)
    }

    func window(_ all: BarSeries, _ a: Int, _ b: Int) -> TimeWindow {
        TimeWindow(from: Timestamp(seconds: all.time[a]), to: Timestamp(seconds: all.time[b]))
    }

    @Test("a miss fetches the window from the source, writes it through, and the next read is a memory hit",
          arguments: StoreKind.available)
    func writeThrough(kind: StoreKind) throws {
        let (source, store, all) = try setUp(kind)
        let cache = BarCache(store: store, source: source)
        let w = window(all, 1000, 1500)
        let first = try cache.bars(key, w)
        #expect(first == all.slice(1000..<1500))
        #expect(source.asked.withLock { $0 } == [w])
        #expect(try store.read(key, w) == first, "written through to the store")
        #expect(try store.coverage(key) == [w])
        let again = try cache.bars(key, w)
        #expect(again == first)
        let st = cache.stats
        #expect(st.memory.hits == 1 && st.memory.misses == 1)
        #expect(st.store.misses == 1 && st.store.hits == 0 && st.sourceFetches == 1)
        #expect(source.asked.withLock { $0.count } == 1, "the memory hit did not reach the source")
    }

    @Test("a new process (empty memory) is served by the store without asking the source")
    func storeTier() throws {
        let (source, store, all) = try setUp(.sqlite)
        let w = window(all, 200, 700)
        _ = try BarCache(store: store, source: source).bars(key, w)
        let fresh = BarCache(store: store, source: source)
        #expect(try fresh.bars(key, w) == all.slice(200..<700))
        #expect(fresh.stats.store.hits == 1 && fresh.stats.memory.misses == 1)
        #expect(source.asked.withLock { $0.count } == 1)
    }

    @Test("an overlapping request fetches only the part the store lacks")
    func onlyMissing() throws {
        let (source, store, all) = try setUp(.sqlite)
        let cache = BarCache(store: store, source: source)
        _ = try cache.bars(key, window(all, 1000, 1500))
        cache.clearMemory()
        let wide = try cache.bars(key, window(all, 800, 1700))
        #expect(wide == all.slice(800..<1700))
        #expect(source.asked.withLock { $0 } == [window(all, 1000, 1500), window(all, 800, 1000), window(all, 1500, 1700)])
    }

    @Test("a window inside one held in memory is sliced from it")
    func subWindow() throws {
        let (source, store, all) = try setUp(.sqlite)
        let cache = BarCache(store: store, source: source)
        _ = try cache.bars(key, window(all, 0, 3000))
        #expect(try cache.bars(key, window(all, 100, 600)) == all.slice(100..<600))
        #expect(cache.stats.memory.hits == 1)
    }

    @Test("memory stays within its bound, dropping the least recently used window")
    func bounded() throws {
        let (source, store, all) = try setUp(.sqlite)
        let cache = BarCache(store: store, source: source, capacityBars: 1000)
        _ = try cache.bars(key, window(all, 0, 400))
        _ = try cache.bars(key, window(all, 1000, 1400))
        _ = try cache.bars(key, window(all, 0, 400))      // touch the first again
        _ = try cache.bars(key, window(all, 2000, 2400))  // evicts 1000..<1400
        #expect(cache.stats.memoryBars <= 1000)
        let before = cache.stats.memory.hits
        _ = try cache.bars(key, window(all, 0, 400))
        #expect(cache.stats.memory.hits == before + 1)
        _ = try cache.bars(key, window(all, 1000, 1400))
        #expect(cache.stats.memory.hits == before + 1, "the least recently used window was dropped")
    }

    @Test("without a source, the store answers with what it has")
    func noSource() throws {
        let (_, store, all) = try setUp(.sqlite)
        try store.write(all.slice(0..<100), coverage: nil)
        let cache = BarCache(store: store)
        #expect(try cache.bars(key, window(all, 0, 200)) == all.slice(0..<100))
    }
}

@Suite("Continuous contracts")
struct ContinuousSeriesTests {
    func contract(_ code: String) throws -> BarSeries {
        var opts = esOptions
        opts.symbol = code
        return try BarCSV.read(path: TestEnvironment.shippedDataset("\(code)_1m_lean.csv.gz"), options: opts).0
    }

    @Test("ESZ13 serves until the 2013-12-12 roll, ESH14 from that session's open on")
    func asTraded() throws {
        let z = try contract("ESZ13"), h = try contract("ESH14")
        let (es, rolls) = try ContinuousSeries.stitch(symbol: "ES", contracts: [h, z])
        let switchAt = Timestamp(iso8601: "2013-12-11T23:00:00Z")!   // 17:00 CT on Dec 11
        #expect(rolls.count == 1 && rolls[0].at == switchAt && rolls[0].from.cmeCode == "ESZ13")
        let before = z.slice(from: .distantPast, to: switchAt), after = h.slice(from: switchAt, to: .distantFuture)
        #expect(es.count == before.count + after.count)
        #expect(es.slice(from: .distantPast, to: switchAt) == BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: z.tickSize, bars: before.bars))
        #expect(es.slice(from: switchAt, to: .distantFuture).bars == after.bars)
        // The spread at the last minute both traded before the roll: ESH14 − ESZ13.
        let shared = Set(h.slice(from: .distantPast, to: switchAt).time)
        let i = try #require(z.slice(from: .distantPast, to: switchAt).time.lastIndex { shared.contains($0) })
        let j = h.lowerBound(z.time[i])
        #expect(rolls[0].spreadTicks == h.close[j] - z.close[i])
    }

    @Test("back adjustment shifts the earlier contract by the roll spread and leaves the later one as traded")
    func backAdjusted() throws {
        let z = try contract("ESZ13"), h = try contract("ESH14")
        let (plain, rolls) = try ContinuousSeries.stitch(symbol: "ES", contracts: [z, h])
        let (adj, _) = try ContinuousSeries.stitch(symbol: "ES", contracts: [z, h], adjustment: .back)
        let spread = try #require(rolls[0].spreadTicks)
        let k = plain.lowerBound(rolls[0].at.seconds)
        #expect(adj.close[0] == plain.close[0] + spread)
        #expect(adj.high[k - 1] == plain.high[k - 1] + spread)
        #expect(adj.close[k] == plain.close[k])
        #expect(adj.time == plain.time)
    }
}
