import Data
import Foundation
import Live
import TSXLabTesting

/// Recording throughput: 1M prints handed to a `TapeRecorder` in records of 1 to 8 prints (as the
/// market hub sends them) from one thread, until all are in the store; SQLite, and PostgreSQL
/// when TSXLAB_BENCH_PG_URL is set.
func benchTape() throws {
    print("== tape: recording trade prints")
    let n = 1_000_000
    let tick = TickSize("0.25")!
    let base: Int64 = 1_703_545_200_000_000_000
    var prints: [TradePrint] = []
    prints.reserveCapacity(n)
    for i in 0..<n { prints.append(TradePrint(time: base + Int64(i / 3) * 1_000_003, price: 19_200 + Int64(i % 17), size: Int64(1 + i % 9), aggressor: i % 2 == 0 ? .buy : .sell)) }
    var stores = [("SQLite", "sqlite:" + TestEnvironment.temporaryDirectory("bench-tape") + "/tape.sqlite")]
    if let pg = ProcessInfo.processInfo.environment["TSXLAB_BENCH_PG_URL"], !pg.isEmpty { stores.append(("PostgreSQL", pg)) }
    for (label, url) in stores {
        // One append of 100,000 prints: the store's own rate.
        do {
            let db = try StoreURL.open(url.hasPrefix("sqlite:") ? url + "-append" : url) as! any SQLDatabase
            let t0 = monotonicSeconds()
            try TapeStore(db: db).append(Array(prints[0..<100_000]), symbol: "ESH4-APPEND", tickSize: tick)
            line("tape: one append of 100k prints into \(label)", "\(fmt(100_000 / (monotonicSeconds() - t0) / 1e3, 0))k prints/s")
        }
        let db = try StoreURL.open(url) as! any SQLDatabase
        let recorder = TapeRecorder(tape: TapeStore(db: db))
        let t0 = monotonicSeconds()
        var i = 0
        while i < n {
            let k = min(1 + i % 8, n - i)
            recorder.record(Array(prints[i..<(i + k)]), symbol: "ESH4", tickSize: tick)
            i += k
        }
        let handed = monotonicSeconds() - t0
        try waitFor { await recorder.finish() }
        let total = monotonicSeconds() - t0
        let c = recorder.counts
        line("tape: 1M prints recorded into \(label)", "\(fmt(Double(c.stored) / total / 1e3, 0))k prints/s",
             "handing over \(fmt(handed / Double(n) * 1e9, 0)) ns a print on the caller; \(c.stored) stored, \(c.failures) refused writes")
    }
}

/// `data import --ticks`: a tick file into the store, parse and store together, against the
/// issue's bound of 2M prints a second into SQLite. The file is the shared ESM8 morning's prints
/// laid end to end, a day apart, until it holds `n` (plain CSV, the form of both shared files).
func benchTickImport() throws {
    print("== ticks: importing a tick file")
    let n = 2_000_000
    let tick = TickSize("0.25")!
    var morning: [TradePrint] = []
    _ = try TickCSV.read(path: TestEnvironment.sharedDataset("ESM8_ticks_2018-05-07_0830-1200CT.csv.gz"),
                         options: TickCSVOptions(symbol: "ESM8", tickSize: tick)) { morning += $0 }
    let dir = TestEnvironment.temporaryDirectory("bench-ticks")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var text = TapeCSV.header
    var k = 0
    while k < n {
        let day = Int64(k / morning.count) * 86_400_000_000_000
        text += String(TapeCSV.text(Array(morning.prefix(n - k)).map { TradePrint(time: $0.time + day, price: $0.price, size: Int64(1 + $0.price % 7), aggressor: $0.price % 2 == 0 ? .buy : .sell) },
                                    tickSize: tick, decimals: 2).dropFirst(TapeCSV.header.count))
        k += min(morning.count, n - k)
    }
    let path = dir + "/ticks.csv"
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    let options = TickCSVOptions(symbol: "ESM8", tickSize: tick)
    let t0 = monotonicSeconds()
    var parsed = 0
    _ = try TickCSV.read(path: path, options: options) { parsed += $0.count }
    let parse = monotonicSeconds() - t0
    line("ticks: parse \(n / 1_000_000)M prints (\(text.utf8.count / 1_000_000) MB CSV with size and side), no store", "\(fmt(Double(parsed) / parse / 1e6, 2))M prints/s")
    var stores = [("SQLite", "sqlite:" + dir + "/ticks.sqlite")]
    if let pg = ProcessInfo.processInfo.environment["TSXLAB_BENCH_PG_URL"], !pg.isEmpty { stores.append(("PostgreSQL", pg)) }
    for (label, url) in stores {
        let tape = TapeStore(db: try StoreURL.open(url) as! any SQLDatabase)
        let t1 = monotonicSeconds()
        let r = try TickImport.importFile(path: path, options: options, into: tape)
        let rate = Double(r.prints) / (monotonicSeconds() - t1)
        line("ticks: import \(n / 1_000_000)M prints into \(label)", "\(fmt(rate / 1e6, 2))M prints/s",
             label == "SQLite" ? "bound ≥ 2M prints/s: \(rate >= 2e6 ? "met" : "not met")" : "")
        let t2 = monotonicSeconds()
        let back = try tape.read("ESM8", TimeWindow(from: .distantPast, to: .distantFuture))
        line("ticks: read the \(n / 1_000_000)M prints back from \(label)", "\(fmt(Double(back.count) / (monotonicSeconds() - t2) / 1e6, 2))M prints/s",
             url.hasPrefix("sqlite:") ? "\(fmt(Double(try FileManager.default.attributesOfItem(atPath: String(url.dropFirst(7)))[.size] as? Int ?? 0) / Double(n), 1)) bytes a print on disk" : "")
    }
}
