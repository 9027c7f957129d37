import Data
import Testing
import TSXLabTesting

@Suite("Coarser bars as the bars arrive (BarAggregator)")
struct BarAggregatorTests {
    static let es = try! SharedData.loadBars("ES_1m_2023-09-24_2023-10-09.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)

    /// Where `target`'s bucket stamped `stamp` ends (the session close for a day; nil for weeks
    /// and months, which end when the next one starts).
    func end(of stamp: Int64, _ target: Timeframe) -> Int64? {
        switch target.unit {
        case .day: SessionCalendar.cmeEquityIndex.session(for: SessionCalendar.cmeEquityIndex.tradeDate(containing: Timestamp(seconds: stamp)))!.close.seconds
        case .week, .month: nil
        default: stamp + target.fixedSeconds!
        }
    }

    @Test("every bar handed out equals the batch resample's bar, is handed out once its bucket has closed and never before, and holds only bars already seen",
          arguments: ["5m", "15m", "1h", "4h", "1d", "1w"])
    func equalsResampleWithoutLookAhead(target: String) throws {
        let tf = Timeframe(target)!
        let batch = try Self.es.resampled(to: tf)
        var agg = BarAggregator(from: .oneMinute, to: tf, symbol: "ES", tickSize: Self.es.tickSize)
        var handed: [(bar: Bar, at: Int)] = []
        for i in 0..<Self.es.count {
            for b in agg.add(Self.es[i]) { handed.append((b, i)) }
        }
        // All but possibly the last (still open when the data ends) are handed out, equal.
        #expect(handed.count >= batch.count - 1 && handed.count <= batch.count)
        #expect(handed.map(\.bar) == Array((0..<handed.count).map { batch[$0] }))
        #expect(agg.completed.count == handed.count)
        for (b, i) in handed {
            let closeOfSource = Self.es.time[i] + 60
            // Never early: the source bar it came with closes at or after the bucket's end, or
            // already belongs to a later bucket.
            if let end = end(of: b.time.seconds, tf) {
                #expect(closeOfSource >= end || Self.es.time[i] >= end, "\(b.time) handed out at \(Timestamp(seconds: closeOfSource))")
            }
            // Built only from bars already seen: the resample of the bars up to it has it.
            let seen = try Self.es.slice(0..<(i + 1)).resampled(to: tf)
            #expect((0..<seen.count).contains { seen[$0] == b }, "\(b.time) holds bars after \(Timestamp(seconds: closeOfSource))")
        }
        // On time where the closing source bar exists: a 5m bar is handed out with its last minute.
        if tf == Timeframe("5m")! {
            let onTime = handed.filter { Self.es.time[$0.at] + 60 == $0.bar.time.seconds + 300 }.count
            #expect(onTime > handed.count * 9 / 10)
        }
    }

    @Test("a bucket whose last minute has no bar is handed out with the next bucket's first bar, before that bar's own")
    func missingLastMinute() {
        var b = BarBuilder()                     // 14:30Z
        b.bar(400, 401, 399, 400)
        b.bar(400, 402, 400, 401)                // 14:31; 14:32 … 14:34 missing
        b.skip(seconds: 180)
        b.bar(401, 405, 401, 404)                // 14:35 .. 14:39 complete
        b.bar(404, 404, 403, 403); b.bar(403, 403, 402, 402); b.bar(402, 402, 401, 401); b.bar(401, 401, 400, 400)
        var agg = BarAggregator(from: .oneMinute, to: Timeframe("5m")!)
        let out = (0..<b.series.count).map { agg.add(b.series[$0]) }
        #expect(out[0].isEmpty && out[1].isEmpty)
        #expect(out[2] == [Bar(b.series.time[0], 400, 402, 399, 401, 200)])
        #expect(out[3].isEmpty && out[4].isEmpty && out[5].isEmpty)
        #expect(out[6] == [Bar(b.series.time[2], 401, 405, 400, 400, 500)])
    }
}
