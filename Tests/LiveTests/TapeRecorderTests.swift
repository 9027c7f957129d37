import Foundation
import Testing
import Data
import ProjectX
import TSXLabTesting
@testable import Live

@Suite("Recording the tape")
struct TapeRecorderTests {
    let quarter = TickSize("0.25")!

    @Test("a hub print becomes a tape print: nanosecond time as sent, price in ticks, size, aggressor from its type")
    func fromHub() throws {
        let p = PXTradePrint(symbolId: "F.US.EP", price: Decimal(string: "4800.25")!, timestamp: "2023-12-25T23:00:00.085275419Z", type: 0, volume: 5)
        #expect(p.tapePrint(tick: quarter) == TradePrint(time: 1_703_545_200_085_275_419, price: 19_201, size: 5, aggressor: .buy))
        var q = p
        q.type = 1; q.timestamp = "2023-12-25T23:00:00.5+00:00"
        #expect(q.tapePrint(tick: quarter) == TradePrint(time: 1_703_545_200_500_000_000, price: 19_201, size: 5, aggressor: .sell))
        q.type = nil
        #expect(q.tapePrint(tick: quarter)?.aggressor == nil)
        q.price = Decimal(string: "4800.30")!
        #expect(q.tapePrint(tick: quarter) == nil, "off the tick grid")
        q.price = 4800; q.timestamp = "yesterday"
        #expect(q.tapePrint(tick: quarter) == nil)
    }

    @Test("prints handed over from several threads are stored once each, in the order each thread gave them, per symbol")
    func storedOnce() async throws {
        let (store, _, _) = try StoreKind.sqlite.make()
        let tape = TapeStore(db: try #require(store as? any SQLDatabase))
        let recorder = TapeRecorder(tape: tape)
        let base: Int64 = 1_703_545_200_000_000_000
        // Two feeders, one symbol each, 5,000 prints in records of 1 to 4.
        await withTaskGroup(of: Void.self) { group in
            for (k, symbol) in ["ESH4", "NQH4"].enumerated() {
                group.addTask {
                    var i = 0
                    while i < 5_000 {
                        let n = min(1 + i % 4, 5_000 - i)
                        recorder.record((i..<(i + n)).map { TradePrint(time: base + Int64($0 / 3), price: Int64(k * 100_000 + $0), size: 1) }, symbol: symbol, tickSize: quarter)
                        i += n
                    }
                }
            }
        }
        await recorder.finish()
        let all = TimeWindow(from: .distantPast, to: .distantFuture)
        #expect(try tape.read("ESH4", all).map(\.price) == (0..<5_000).map(Int64.init))
        #expect(try tape.read("NQH4", all).map(\.price) == (0..<5_000).map { Int64(100_000 + $0) })
        #expect(recorder.counts.received == 10_000 && recorder.counts.stored == 10_000 && recorder.counts.failures == 0)
    }
}
