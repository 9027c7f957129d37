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
        // A block the database refuses (a trigger on a block of fewer than 1,000 prints): the
        // append of 5,000 is written as a block of 4,096 (taking the stored 10 in) and one of
        // 914, the second refused; nothing of the append is kept, and the stored block is back.
        if kind == .sqlite {
            try store.db.execute("CREATE TRIGGER poison BEFORE INSERT ON tick_blocks WHEN NEW.prints < 1000 BEGIN SELECT RAISE(ABORT, 'poisoned block'); END", [])
        } else {
            try store.db.execute("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.prints < 1000 THEN RAISE EXCEPTION 'poisoned block'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql", [])
            try store.db.execute("CREATE TRIGGER poison BEFORE INSERT ON tick_blocks FOR EACH ROW EXECUTE FUNCTION poison()", [])
        }
        let more = prints(5_000, from: p.last!.time + 1)
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

    /// The blocks as stored: first and last time and count of each, in order.
    func blocks(_ store: TapeStore, _ symbol: String) throws -> [(first: Int64, last: Int64, prints: Int64)] {
        try store.db.query("SELECT b.first_ns, b.last_ns, b.prints FROM tick_blocks b JOIN tick_series s ON s.series_id = b.series_id WHERE s.symbol = $1 ORDER BY b.first_ns", [.text(symbol)])
            .map { ($0[0].int!, $0[1].int!, $0[2].int!) }
    }

    @Test("property: any mix of appends (late prints, long runs at one time) and file replacements reads back as a model of the tape says; blocks stay apart in time", arguments: StoreKind.available)
    func blocksFollowTheModel(kind: StoreKind) throws {
        let store = try tape(kind)
        var rng = SeededGenerator(seed: 22)
        var model: [TradePrint] = []
        let base: Int64 = 1_525_699_800_000_000_000
        func random(_ n: Int, around t: Int64) -> [TradePrint] {
            var time = t
            return (0..<n).map { _ in
                if Int.random(in: 0..<4, using: &rng) > 0 { time += Int64.random(in: 1...3_000_000, using: &rng) }
                return TradePrint(time: time, price: 10_680 + Int64.random(in: -20...20, using: &rng), size: Bool.random(using: &rng) ? Int64.random(in: 1...50, using: &rng) : nil,
                                  aggressor: [nil, .buy, .sell][Int.random(in: 0...2, using: &rng)])
            }
        }
        for step in 0..<40 {
            let end = model.last?.time ?? base
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5:
                // Appends after the end, a few prints or many.
                let q = random(Int.random(in: 1...(step % 7 == 0 ? 6_000 : 40), using: &rng), around: end)
                try store.append(q, symbol: "ES", tickSize: quarter)
                model += q
            case 5, 6:
                // Late prints: each after those stored at its time.
                let times = model.isEmpty ? [base] : (0..<3).map { _ in model[Int.random(in: 0..<model.count, using: &rng)].time }
                let q = times.map { TradePrint(time: $0, price: 10_600, size: 1) }
                try store.append(q, symbol: "ES", tickSize: quarter)
                for p in q { model.insert(p, at: model.lastIndex { $0.time <= p.time }.map { $0 + 1 } ?? 0) }
            case 7:
                // A run of 5,000 prints at one instant.
                let q = Array(repeating: TradePrint(time: end + 1, price: 10_700, size: 2), count: 5_000)
                try store.append(q, symbol: "ES", tickSize: quarter)
                model += q
            default:
                // A file over part of what is stored, in two chunks.
                guard model.count > 10 else { continue }
                let a = model[Int.random(in: 0..<(model.count / 2), using: &rng)].time
                let file = random(Int.random(in: 2...3_000, using: &rng), around: a)
                let cut = file.count / 2
                let r = try store.replace(symbol: "ES", tickSize: quarter) { write in try write(Array(file[..<cut])); try write(Array(file[cut...])) }
                let (lo, hi) = (file.first!.time, file.last!.time)
                let before = model.count
                model.removeAll { $0.time >= lo && $0.time <= hi }
                #expect(r.replaced == before - model.count)
                let at = model.firstIndex { $0.time > hi } ?? model.count
                model.insert(contentsOf: file, at: at)
            }
            #expect(try store.read("ES", all) == model, "step \(step)")
            let b = try blocks(store, "ES")
            #expect(zip(b, b.dropFirst()).allSatisfy { $0.last < $1.first }, "step \(step): blocks overlap")
            #expect(b.reduce(0) { $0 + $1.prints } == model.count)
        }
        let window = TimeWindow(from: Timestamp(seconds: (model[model.count / 3].time) / 1_000_000_000), to: Timestamp(seconds: model[2 * model.count / 3].time / 1_000_000_000))
        let from = window.from.seconds * 1_000_000_000, to = window.to.seconds * 1_000_000_000
        #expect(try store.read("ES", window) == model.filter { $0.time >= from && $0.time < to })
    }

    @Test("prints a store kept a row each move into blocks on first use, in their order", arguments: StoreKind.available)
    func rowsMoveIntoBlocks(kind: StoreKind) throws {
        let store = try tape(kind)
        try store.db.execute("INSERT INTO tick_series (symbol, tick_size) VALUES ($1, $2)", [.text("ESZ13"), .text("0.25")])
        let id = try #require(try store.db.query("SELECT series_id FROM tick_series WHERE symbol = $1", [.text("ESZ13")]).first?[0].int)
        let t: Int64 = 1_381_152_600_000_000_000
        // Stored out of order on purpose: the key (time, seq) is the order.
        for (time, seq, price, size, side) in [(t + 5, 0, 6_700, 1, 2), (t, 1, 6_701, 3, 1), (t, 0, 6_700, 2, 0), (t + 5, 1, 6_702, 0, 0)] as [(Int64, Int64, Int64, Int64, Int64)] {
            try store.db.execute("INSERT INTO ticks (series_id, time_ns, seq, price, size, aggressor) VALUES ($1, $2, $3, $4, $5, $6)",
                                 [.int(id), .int(time), .int(seq), .int(price), size == 0 ? .null : .int(size), side == 0 ? .null : .int(side)])
        }
        #expect(try store.read("ESZ13", all) == [TradePrint(time: t, price: 6_700, size: 2), TradePrint(time: t, price: 6_701, size: 3, aggressor: .buy),
                                                 TradePrint(time: t + 5, price: 6_700, size: 1, aggressor: .sell), TradePrint(time: t + 5, price: 6_702)])
        #expect(try store.db.query("SELECT COUNT(*) FROM ticks", []).first?[0].int == 0)
        #expect(try store.count("ESZ13") == 4)
    }
}
