import Data
import Foundation
import Testing
import TSXLabTesting

@Suite("The tape in the store (SQLite and PostgreSQL)")
struct TapeStoreTests {
    let quarter = TickSize("0.25")!
    let all = TimeWindow(from: .distantPast, to: .distantFuture)

    func tape(_ kind: StoreKind) throws -> TapeStore {
        let (store, _, _) = try kind.make()
        return TapeStore(db: try #require(store as? any SQLDatabase))
    }

    /// `n` prints from `start` (ns), every third at the same time as the one before, sizes and
    /// aggressors on some.
    func prints(_ n: Int, from start: Int64 = 1_525_699_800_001_532_000) -> [TradePrint] {
        var t = start
        return (0..<n).map { i in
            if i % 3 != 0 { t += Int64(1_000 + i * 7) }
            return TradePrint(time: t, price: 10_680 + Int64(i % 5), size: i % 4 == 0 ? nil : Int64(i % 9 + 1),
                              aggressor: i % 2 == 0 ? nil : (i % 4 == 1 ? .buy : .sell))
        }
    }

    @Test("prints read back exactly as appended, equal times and equal prices kept apart in their order", arguments: StoreKind.available)
    func roundTrip(kind: StoreKind) throws {
        let store = try tape(kind)
        // Three prints at one instant and one price are three trades.
        let same = Array(repeating: TradePrint(time: 1_525_699_800_000_000_001, price: 10_680, size: 1), count: 3)
        let p = same + prints(250, from: 1_525_699_800_000_000_002)
        #expect(try store.append(p, symbol: "ESM8", tickSize: quarter) == 253)
        #expect(try store.read("ESM8", all) == p)
        #expect(try store.count("ESM8") == 253)
        let info = try #require(try store.list().first)
        #expect(info == TapeInfo(symbol: "ESM8", tickSize: quarter, count: 253, first: p.first!.time, last: p.last!.time))
    }

    @Test("appends continue the stored run of equal times; a late print goes after the ones stored at its time", arguments: StoreKind.available)
    func appendsContinue(kind: StoreKind) throws {
        let store = try tape(kind)
        let p = prints(40)
        // Split inside a run of equal times: the second append's first print shares the first
        // append's last time.
        let cut = try #require((1..<p.count).first { p[$0].time == p[$0 - 1].time })
        try store.append(Array(p[..<cut]), symbol: "ES", tickSize: quarter)
        try store.append(Array(p[cut...]), symbol: "ES", tickSize: quarter)
        #expect(try store.read("ES", all) == p)
        let late = TradePrint(time: p[1].time, price: 1, size: 7, aggressor: .sell)
        try store.append([late], symbol: "ES", tickSize: quarter)
        var want = p
        want.insert(late, at: p.lastIndex { $0.time == late.time }! + 1)
        #expect(try store.read("ES", all) == want)
    }

    @Test("a time window is half-open, by nanosecond", arguments: StoreKind.available)
    func window(kind: StoreKind) throws {
        let store = try tape(kind)
        let t0: Int64 = 1_703_545_200_000_000_000   // 2023-12-25T23:00:00Z
        let p = [TradePrint(time: t0 - 1, price: 1), TradePrint(time: t0, price: 2), TradePrint(time: t0 + 999_999_999, price: 3),
                 TradePrint(time: t0 + 1_000_000_000, price: 4)]
        try store.append(p, symbol: "ESH4", tickSize: quarter)
        let w = TimeWindow(from: Timestamp(seconds: t0 / 1_000_000_000), to: Timestamp(seconds: t0 / 1_000_000_000 + 1))
        #expect(try store.read("ESH4", w).map(\.price) == [2, 3])
        #expect(try store.read("NQH4", all).isEmpty && store.count("NQH4") == 0)
    }

    @Test("an append is one transaction: a failure stores nothing of it; another tick size is refused naming both", arguments: StoreKind.available)
    func atomic(kind: StoreKind) throws {
        let store = try tape(kind)
        let p = prints(10)
        try store.append(p, symbol: "ES", tickSize: quarter)
        // A print the database refuses (a trigger on a price of -1), the 250th of 300: nothing
        // of the append is kept.
        if kind == .sqlite {
            try store.db.execute("CREATE TRIGGER poison BEFORE INSERT ON ticks WHEN NEW.price = -1 BEGIN SELECT RAISE(ABORT, 'poisoned print'); END", [])
        } else {
            try store.db.execute("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.price = -1 THEN RAISE EXCEPTION 'poisoned print'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql", [])
            try store.db.execute("CREATE TRIGGER poison BEFORE INSERT ON ticks FOR EACH ROW EXECUTE FUNCTION poison()", [])
        }
        var more = prints(300, from: p.last!.time + 1)
        more[249].price = -1
        #expect(throws: (any Error).self) { try store.append(more, symbol: "ES", tickSize: quarter) }
        #expect(try store.read("ES", all) == p)
        #expect {
            try store.append(p, symbol: "ES", tickSize: TickSize("0.5")!)
        } throws: { e in
            "\(e)".contains("tick 0.25") && "\(e)".contains("at 0.5")
        }
        #expect(try store.count("ES") == 10)
    }

    @Test("quotes and depth updates read back as appended, beside the prints, each in its own order", arguments: StoreKind.available)
    func quotesAndDepth(kind: StoreKind) throws {
        let store = try tape(kind)
        let t: Int64 = 1_703_545_200_000_000_000
        let quotes = [QuoteRecord(time: t, bid: 19_200, ask: 19_201, last: 19_201, volume: 10), QuoteRecord(time: t, bid: 19_200),
                      QuoteRecord(time: t + 5, ask: 19_202, volume: 12)]
        let depth = [DepthUpdate(time: t, type: 6, price: 0), DepthUpdate(time: t + 1, type: 2, price: 19_200, volume: 5, resting: 40),
                     DepthUpdate(time: t + 1, type: 1, price: 19_201, volume: -3, resting: 0)]
        try store.append(Array(quotes[..<2]), symbol: "ESH4", tickSize: quarter)
        try store.append(Array(quotes[2...]), symbol: "ESH4", tickSize: quarter)
        try store.append(depth, symbol: "ESH4", tickSize: quarter)
        try store.append([TradePrint(time: t, price: 19_201, size: 1)], symbol: "ESH4", tickSize: quarter)
        let all = TimeWindow(from: .distantPast, to: .distantFuture)
        #expect(try store.quotes("ESH4", all) == quotes)
        #expect(try store.depth("ESH4", all) == depth)
        #expect(try store.count("ESH4") == 1)
        #expect(try store.quotes("NQH4", all).isEmpty)
    }
}
