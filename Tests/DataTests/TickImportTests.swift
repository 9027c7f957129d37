import Data
import Foundation
import TSXLabTesting
import Testing

private let esTick = TickSize("0.25")!
private let all = TimeWindow(from: .distantPast, to: .distantFuture)
private let esm8Ticks = "ESM8_ticks_2018-05-07_0830-1200CT.csv.gz"
private let esh4Trades = "ESH4_trades_2023-12-25_1800-1900ET.csv.gz"

private func ns(_ iso: String) -> Int64 { Timestamp.nanoseconds(iso8601: iso)! }

/// Reads a fixture written by `scripts/reference/tick_bars_reference.py`.
private func fixture(_ name: String, timeframe: Timeframe, testFile: String = #filePath) throws -> BarSeries {
    let path = URL(fileURLWithPath: testFile).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name).path
    return try SharedData.readBars(path: path, symbol: "ES", tickSize: esTick, timeframe: timeframe)
}

@Suite("Tick files into the store (SQLite and PostgreSQL)")
struct TickImportTests {
    func tape(_ kind: StoreKind) throws -> (any BarStore, TapeStore) {
        let (store, _, _) = try kind.make()
        return (store, try TapeStore(store, storeURL: "test"))
    }

    func options(_ symbol: String) -> TickCSVOptions { TickCSVOptions(symbol: symbol, tickSize: esTick) }

    func writeTemp(_ name: String, _ text: String) -> String {
        let dir = TestEnvironment.temporaryDirectory("ticks")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test("the ESM8 morning imports as the README counts it: 74,907 prices without size, 24,675 sharing the time before, kept in file order; importing it again replaces it with itself", arguments: StoreKind.available)
    func esm8(kind: StoreKind) throws {
        let (_, tape) = try tape(kind)
        let path = TestEnvironment.sharedDataset(esm8Ticks)
        let r = try TickImport.importFile(path: path, options: options("ESM8"), into: tape)
        #expect(r.prints == 74_907 && r.withSize == 0 && r.withAggressor == 0 && r.sameTimeAsPrevious == 24_675 && r.replaced == 0)
        #expect(r.first == ns("2018-05-07T13:30:00.001532Z") && r.last == ns("2018-05-07T16:59:59.089343Z"))
        // What is stored is what the file says, row by row, in its order.
        var fromFile: [TradePrint] = []
        _ = try TickCSV.read(path: path, options: options("ESM8")) { fromFile += $0 }
        let stored = try tape.read("ESM8", all)
        #expect(stored == fromFile)
        #expect(stored.map(\.price).min() == 10_671 && stored.map(\.price).max() == 10_717, "2,667.75–2,679.25 in quarter ticks")
        let again = try TickImport.importFile(path: path, options: options("ESM8"), into: tape)
        #expect(again.replaced == 74_907)
        #expect(try tape.read("ESM8", all) == fromFile)
    }

    @Test("the ESH4 hour imports with sizes and aggressor sides: 2,973 trades, 9,892 contracts, 1,542 bought and 1,430 sold, the opening auction's print without a side", arguments: StoreKind.available)
    func esh4(kind: StoreKind) throws {
        let (_, tape) = try tape(kind)
        let r = try TickImport.importFile(path: TestEnvironment.sharedDataset(esh4Trades), options: options("ESH4"), into: tape)
        #expect(r.prints == 2_973 && r.withSize == 2_973 && r.withAggressor == 2_972 && r.sameTimeAsPrevious == 139)
        let stored = try tape.read("ESH4", all)
        #expect(stored.compactMap(\.size).reduce(0, +) == 9_892)
        #expect(stored.filter { $0.aggressor == .buy }.count == 1_542 && stored.filter { $0.aggressor == .sell }.count == 1_430)
        #expect(stored.first == TradePrint(time: ns("2023-12-25T23:00:00Z"), price: 19_201, size: 44, aggressor: nil))
        #expect(stored.last?.time == ns("2023-12-25T23:59:56.799167221Z"), "nanoseconds kept")
    }

    @Test("bars built from the ESH4 and ESM8 prints equal the bars of the independent reference script, at 1m and 5s")
    func barsEqualReference() throws {
        let (_, tape) = try tape(.sqlite)
        _ = try TickImport.importFile(path: TestEnvironment.sharedDataset(esh4Trades), options: options("ESH4"), into: tape)
        _ = try TickImport.importFile(path: TestEnvironment.sharedDataset(esm8Ticks), options: options("ESM8"), into: tape)
        for (symbol, tf, name) in [("ESH4", Timeframe.oneMinute, "tickbars_ESH4_1m.csv"), ("ESH4", Timeframe(5, .second), "tickbars_ESH4_5s.csv"),
                                   ("ESM8", .oneMinute, "tickbars_ESM8_1m.csv")] {
            let built = try #require(try TickBars.build(from: tape, symbol: symbol, timeframe: tf, window: all))
            let want = try fixture(name, timeframe: tf)
            #expect(built.bars.time == want.time && built.bars.open == want.open && built.bars.high == want.high, "\(symbol) \(tf)")
            #expect(built.bars.low == want.low && built.bars.close == want.close && built.bars.volume == want.volume, "\(symbol) \(tf)")
        }
    }

    /// The vendor's minute bars of the same morning (the check the datasets README describes, made here):
    /// every high and low agrees; 4 opens and 1 close do not, and each of those minutes has
    /// prints in the first 6 milliseconds after a minute starts that the vendor counted in the
    /// minute before — the two sources' clocks are a few milliseconds apart. The vendor's open is
    /// then the first print after those 6 ms, its close the last print inside them.
    @Test("ESM8 minute bars from the prints against the vendor's: 210 of 210 highs and lows equal, opens on 206 and closes on 209, the others decided by prints within 6 ms of a minute's start")
    func esm8AgainstVendor() throws {
        let (_, tape) = try tape(.sqlite)
        _ = try TickImport.importFile(path: TestEnvironment.sharedDataset(esm8Ticks), options: options("ESM8"), into: tape)
        let window = TimeWindow(from: Timestamp(iso8601: "2018-05-07T13:30:00Z")!, to: Timestamp(iso8601: "2018-05-07T17:00:00Z")!)
        let built = try #require(try TickBars.build(from: tape, symbol: "ESM8", timeframe: .oneMinute, window: window)).bars
        let vendor = try SharedData.readBars(path: TestEnvironment.sharedDataset("ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz"),
                                             symbol: "ESM8", tickSize: esTick, timeframe: .oneMinute).slice(from: window.from, to: window.to)
        #expect(built.count == 210 && vendor.count == 210 && built.time == vendor.time)
        let n = min(built.count, vendor.count)
        #expect((0..<n).allSatisfy { built.high[$0] == vendor.high[$0] && built.low[$0] == vendor.low[$0] })
        let opens = (0..<n).filter { built.open[$0] != vendor.open[$0] }, closes = (0..<n).filter { built.close[$0] != vendor.close[$0] }
        #expect(opens.count == 4 && closes.count == 1)
        let prints = try tape.read("ESM8", all), lag: Int64 = 6_000_000
        for i in opens {
            let start = built.time[i] * 1_000_000_000
            #expect(prints.contains { $0.time >= start && $0.time < start + lag }, "minute \(Timestamp(seconds: built.time[i]))")
            #expect(prints.first { $0.time >= start + lag }?.price == vendor.open[i], "minute \(Timestamp(seconds: built.time[i]))")
        }
        for i in closes {
            let next = (built.time[i] + 60) * 1_000_000_000
            #expect(prints.last { $0.time >= next && $0.time < next + lag }?.price == vendor.close[i], "minute \(Timestamp(seconds: built.time[i]))")
        }
    }

    @Test("bars built from prints handed over in any chunks equal bars built at once; a bucket that straddles UTC midnight is one bar")
    func chunking() throws {
        var rng = SeededGenerator(seed: 7)
        var t = ns("2018-05-07T23:50:00Z"), prints: [TradePrint] = []
        for _ in 0..<5_000 {
            t += Int64.random(in: 0...400_000_000, using: &rng)
            prints.append(TradePrint(time: t, price: 10_680 + Int64.random(in: -8...8, using: &rng), size: Bool.random(using: &rng) ? Int64.random(in: 1...9, using: &rng) : nil))
        }
        for tf in [Timeframe.oneSecond, Timeframe(7, .minute), .oneMinute] {
            var whole = BarSeries(symbol: "ES", timeframe: tf, tickSize: esTick)
            TickBars.add(prints, to: &whole)
            var pieces = BarSeries(symbol: "ES", timeframe: tf, tickSize: esTick)
            var k = 0
            while k < prints.count {
                let n = Int.random(in: 1...700, using: &rng)
                TickBars.add(Array(prints[k..<min(k + n, prints.count)]), to: &pieces)
                k += n
            }
            #expect(pieces.time == whole.time && pieces.open == whole.open && pieces.close == whole.close && pieces.volume == whole.volume)
            #expect(whole.volume.reduce(0, +) == prints.reduce(0) { $0 + ($1.size ?? 1) })
            #expect(zip(whole.time, whole.time.dropFirst()).allSatisfy { $0 < $1 } && whole.time.allSatisfy { $0 % tf.fixedSeconds! == 0 })
        }
    }

    @Test("a file in the export's form reads back as the prints exported")
    func exportRoundTrip() throws {
        let (_, tape) = try tape(.sqlite)
        _ = try TickImport.importFile(path: TestEnvironment.sharedDataset(esh4Trades), options: options("ESH4"), into: tape)
        let stored = try tape.read("ESH4", all)
        let path = writeTemp("export.csv", TapeCSV.text(stored, tickSize: esTick))
        var back: [TradePrint] = []
        _ = try TickCSV.read(path: path, options: options("ESH4")) { back += $0 }
        #expect(back == stored)
    }

    @Test("headerless rows, epoch nanoseconds, a column mapping, a local time zone and BUY/SELL/N sides read as meant")
    func forms() throws {
        func read(_ text: String, _ configure: (inout TickCSVOptions) -> Void = { _ in }) throws -> [TradePrint] {
            var o = options("ES")
            configure(&o)
            var out: [TradePrint] = []
            _ = try TickCSV.read(path: writeTemp("f.csv", text), options: o) { out += $0 }
            return out
        }
        let t = ns("2023-12-25T23:00:00.5Z")
        #expect(try read("2023-12-25T23:00:00.5Z,4800.25\n") == [TradePrint(time: t, price: 19_201)])
        #expect(try read("1703545200500000000,4800.25,3,buy\n") == [TradePrint(time: t, price: 19_201, size: 3, aggressor: .buy)])
        #expect(try read("Time,Last,Qty,Side\n2023-12-25 18:00:00.5,4800.25,3,SELL\n2023-12-25 18:00:00.5,4800.50,1,n\n") {
            $0.localToUTC = { s in s + 5 * 3600 }   // New York in winter
        } == [TradePrint(time: t, price: 19_201, size: 3, aggressor: .sell), TradePrint(time: t, price: 19_202, size: 1)])
        #expect(try read("when,p\n2023-12-25T23:00:00.5Z,4800.25\n") { $0.columns = ["timestamp": "when", "price": "p"] } == [TradePrint(time: t, price: 19_201)])
    }

    /// A good file first, then the bad one over the same span: the error names the place and the
    /// store still holds the good file's prints, exactly.
    func expectRefused(_ bad: String, line: Int?, field: String?, contains: String, kind: StoreKind = .sqlite) throws {
        let (_, tape) = try tape(kind)
        let good = writeTemp("good.csv", "timestamp,price\n2018-05-07T13:30:00.001532Z,2670.25\n2018-05-07T13:30:00.002Z,2670.50\n")
        _ = try TickImport.importFile(path: good, options: options("ESM8"), into: tape)
        let before = try tape.read("ESM8", all)
        let path = writeTemp("bad.csv", bad)
        do {
            _ = try TickImport.importFile(path: path, options: options("ESM8"), into: tape)
            Issue.record("accepted bad input: \(bad.suffix(160))")
        } catch let DataError.badInput(f, l, fld, reason) {
            #expect(f == path && l == line && fld == field)
            #expect(reason.contains(contains), "reason was: \(reason)")
        }
        #expect(try tape.read("ESM8", all) == before, "the store must hold the good file only")
    }

    @Test("bad tick files store nothing, keep what was stored, and name file, line and field", arguments: StoreKind.available)
    func badFiles(kind: StoreKind) throws {
        let h = "timestamp,price,size,aggressor\n"
        let a = "2018-05-07T13:30:00.001Z,2670.25,1,B\n"
        try expectRefused(h + a + "2018-05-07T13:30:00.002Z,2670.30,1,B\n", line: 3, field: "price", contains: "not a multiple of the tick size 0.25", kind: kind)
        try expectRefused(h + a + "2018-05-07T13:30:00.0005Z,2670.25,1,S\n", line: 3, field: "timestamp", contains: "before the previous print's 2018-05-07T13:30:00.001000000Z (line 2)", kind: kind)
        try expectRefused(h + a + "2018-05-07T13:30:00.002Z,2670.25,-2,S\n", line: 3, field: "size", contains: "negative size -2", kind: kind)
        try expectRefused(h + a + "2018-05-07T13:30:00.002Z,2670.25,1.5,S\n", line: 3, field: "size", contains: "not a whole number", kind: kind)
        try expectRefused(h + a + "2018-05-07T13:30:00.002Z,2670.25,1,X\n", line: 3, field: "aggressor", contains: "'X' is not a side", kind: kind)
        try expectRefused(h + a + "2018-05-07T13:30:00.002Z,,1,B\n", line: 3, field: "price", contains: "empty", kind: kind)
        try expectRefused(h + a + "13:30,2670.25,1,B\n", line: 3, field: "timestamp", contains: "is not a timestamp", kind: kind)
        try expectRefused("when,size\n2018-05-07T13:30:00Z,1\n", line: 1, field: "timestamp,price", contains: "missing column(s) timestamp, price", kind: kind)
        try expectRefused(h, line: nil, field: nil, contains: "no prints", kind: kind)
    }

    @Test("a bad row after more than a chunk of good ones stores none of the file", arguments: StoreKind.available)
    func badRowLate(kind: StoreKind) throws {
        var text = "timestamp,price\n"
        let start = ns("2018-05-07T13:30:00Z")
        for i in 0..<(TickCSV.chunkSize + 10) { text += TapeCSV.timestamp(start + Int64(i) * 1_000) + ",2670.25\n" }
        text += TapeCSV.timestamp(start) + ",2670.25\n"
        try expectRefused(text, line: TickCSV.chunkSize + 12, field: "timestamp", contains: "must be in time order", kind: kind)
    }
}
