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
