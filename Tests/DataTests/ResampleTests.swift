import Data
import Foundation
import TSXLabTesting
import Testing

private let esTick = TickSize("0.25")!
private let esm8 = "ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz"

private func ts(_ text: String) -> Int64 { Timestamp(iso8601: text)!.seconds }

/// Reads a fixture written by `scripts/reference/resample_reference.py`.
private func fixture(_ name: String, timeframe: Timeframe, testFile: String = #filePath) throws -> BarSeries {
    let path = URL(fileURLWithPath: testFile).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name).path
    return try SharedData.readBars(path: path, symbol: "ES", tickSize: esTick, timeframe: timeframe)
}

/// Field-by-field equality with a readable first difference.
private func expectSameBars(_ got: BarSeries, _ want: BarSeries, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "bar count", sourceLocation: sourceLocation)
    #expect(got.timeframe == want.timeframe, sourceLocation: sourceLocation)
    for i in 0..<min(got.count, want.count) where got[i] != want[i] {
        Issue.record("bar \(i): got \(got[i]) want \(want[i])", sourceLocation: sourceLocation)
        return
    }
    #expect(got.time == want.time && got.open == want.open && got.high == want.high
            && got.low == want.low && got.close == want.close && got.volume == want.volume,
            sourceLocation: sourceLocation)
}

private func series(_ bars: [Bar], _ timeframe: Timeframe = .oneMinute) -> BarSeries {
    BarSeries(symbol: "ES", timeframe: timeframe, tickSize: esTick, bars: bars)
}

private func requireDataset(_ name: String) throws {
    try #require(SharedData.exists(name), "dataset \(name) not found in \(SharedData.datasetsDirectory)")
}

@Suite("Resample")
struct ResampleTests {
    // MARK: Equality with the independent Python reference

    @Test func esm8WeekToHourlyMatchesReference() throws {
        try requireDataset(esm8)
        let m1 = try SharedData.loadBars(esm8, symbol: "ES", tickSize: esTick)
        #expect(m1.count == 6_787)
        let h1 = try m1.resampled(to: Timeframe(1, .hour))
        expectSameBars(h1, try fixture("resample_ESM8_1h.csv", timeframe: Timeframe(1, .hour)))
        #expect(h1.time.allSatisfy { $0 % 3600 == 0 })
    }

    @Test func esm8WeekToDailyMatchesReference() throws {
        try requireDataset(esm8)
        let m1 = try SharedData.loadBars(esm8, symbol: "ES", tickSize: esTick)
        let d1 = try m1.resampled(to: .oneDay)
        expectSameBars(d1, try fixture("resample_ESM8_1d.csv", timeframe: .oneDay))
        // Session-aware: the Monday bar is stamped at Sunday 17:00 CDT and is not split at 00:00Z.
        #expect(d1.time.first == ts("2018-05-06T22:00:00Z"))
        #expect(d1.count == 5)
    }

    /// ES trade dates around both 2019 clock changes: daily stamps move from 23:00Z to 22:00Z on
    /// Sunday 2019-03-10 and back on Sunday 2019-11-03.
    @Test func dstWindowsToDailyAndWeeklyMatchReference() throws {
        let file = "ES_1m_2019.csv.gz"
        try requireDataset(file)
        // The two windows' sessions: 2019-03-01 opens 2019-02-28 17:00 CST, 2019-03-20 closes
        // 16:00 CDT; 2019-10-25 opens 10-24 17:00 CDT, 2019-11-08 closes 16:00 CST.
        let spring = try SharedData.loadBars(file, symbol: "ES", tickSize: esTick,
                                             from: Timestamp(seconds: ts("2019-02-28T23:00:00Z")),
                                             to: Timestamp(seconds: ts("2019-03-20T21:00:00Z")))
        let autumn = try SharedData.loadBars(file, symbol: "ES", tickSize: esTick,
                                             from: Timestamp(seconds: ts("2019-10-24T22:00:00Z")),
                                             to: Timestamp(seconds: ts("2019-11-08T22:00:00Z")))
        var both = spring
        both.time += autumn.time; both.open += autumn.open; both.high += autumn.high
        both.low += autumn.low; both.close += autumn.close; both.volume += autumn.volume

        let d1 = try both.resampled(to: .oneDay)
        expectSameBars(d1, try fixture("resample_ES_2019_dst_1d.csv", timeframe: .oneDay))
        #expect(d1.time.contains(ts("2019-03-07T23:00:00Z")))   // Friday 2019-03-08, CST
        #expect(d1.time.contains(ts("2019-03-10T22:00:00Z")))   // Monday 2019-03-11, CDT
        #expect(d1.time.contains(ts("2019-11-03T23:00:00Z")))   // Monday 2019-11-04, CST

        let w1 = try both.resampled(to: Timeframe(1, .week))
        expectSameBars(w1, try fixture("resample_ES_2019_dst_1w.csv", timeframe: Timeframe(1, .week)))
        // Daily bars resampled again give the same weeks as the minutes do.
        expectSameBars(try d1.resampled(to: Timeframe(1, .week)), w1)
    }

    // MARK: Invariants

    @Test(arguments: ["5m", "15m", "30m", "1h", "4h", "1d", "1w", "1M"])
    func volumeAndExtremesAreConserved(target: String) throws {
        try requireDataset(esm8)
        let m1 = try SharedData.loadBars(esm8, symbol: "ES", tickSize: esTick)
        let tf = try #require(Timeframe(target))
        let r = try m1.resampled(to: tf)
        #expect(r.timeframe == tf)
        #expect(r.volume.reduce(0, +) == m1.volume.reduce(0, +))
        #expect(r.high.max() == m1.high.max())
        #expect(r.low.min() == m1.low.min())
        #expect(r.open.first == m1.open.first)
        #expect(r.close.last == m1.close.last)
        #expect(zip(r.time, r.time.dropFirst()).allSatisfy { $0 < $1 })
        #expect(r.bars.allSatisfy { $0.isConsistent })
        if let length = tf.fixedSeconds, !tf.isSessionBased {
            #expect(r.time.allSatisfy { $0 % length == 0 })
            // No empty buckets: every output bar has at least one source bar in it.
            #expect(r.time.allSatisfy { t in
                let i = m1.lowerBound(t)
                return i < m1.count && m1.time[i] < t + length
            })
        }
    }

    // MARK: Hand-checked cases

    @Test func intradayBucketsAlignToUTCClockMultiples() throws {
        let s = series([
            Bar(ts("2018-05-07T03:58:00Z"), 100, 104, 99, 103, 5),
            Bar(ts("2018-05-07T03:59:00Z"), 103, 105, 101, 102, 7),
            Bar(ts("2018-05-07T04:00:00Z"), 102, 102, 90, 95, 11),
            Bar(ts("2018-05-07T07:17:00Z"), 96, 97, 94, 94, 2),
        ])
        let r = try s.resampled(to: Timeframe(4, .hour))
        #expect(r.bars == [
            Bar(ts("2018-05-07T00:00:00Z"), 100, 105, 99, 102, 12),
            Bar(ts("2018-05-07T04:00:00Z"), 102, 102, 90, 94, 13),
        ])
        let h = try s.resampled(to: Timeframe(1, .hour))
        #expect(h.time == [ts("2018-05-07T03:00:00Z"), ts("2018-05-07T04:00:00Z"), ts("2018-05-07T07:00:00Z")])
    }

    @Test func dailyBarsFollowTheSessionNotMidnightUTC() throws {
        let s = series([
            Bar(ts("2018-05-08T20:59:00Z"), 10, 11, 9, 10, 1),  // Tue 15:59 CDT → Tue
            Bar(ts("2018-05-08T21:30:00Z"), 20, 21, 19, 20, 2),  // Tue 16:30 CDT, the break → Wed
            Bar(ts("2018-05-08T22:00:00Z"), 30, 31, 29, 30, 3),  // Tue 17:00 CDT → Wed
            Bar(ts("2018-05-09T00:00:00Z"), 40, 45, 39, 44, 4),  // midnight UTC, still Wed
            Bar(ts("2018-05-11T20:59:00Z"), 50, 51, 49, 50, 5),  // Fri 15:59 → Fri
            Bar(ts("2018-05-12T15:00:00Z"), 60, 61, 59, 60, 6),  // Saturday → Monday
        ])
        let d = try s.resampled(to: .oneDay)
        #expect(d.bars == [
            Bar(ts("2018-05-07T22:00:00Z"), 10, 11, 9, 10, 1),
            Bar(ts("2018-05-08T22:00:00Z"), 20, 45, 19, 44, 9),
            Bar(ts("2018-05-10T22:00:00Z"), 50, 51, 49, 50, 5),
            Bar(ts("2018-05-13T22:00:00Z"), 60, 61, 59, 60, 6),
        ])
    }

    @Test func holidaysShapeDailyBars() throws {
        // Christmas Eve 2019 closes 12:15 CT; a bar after it joins Dec 26, whose session opens
        // Christmas evening.
        let s = series([
            Bar(ts("2019-12-24T18:14:00Z"), 1, 2, 1, 2, 1),
            Bar(ts("2019-12-24T18:30:00Z"), 3, 3, 3, 3, 1),
            Bar(ts("2019-12-25T23:00:00Z"), 4, 5, 4, 5, 1),
        ])
        let d = try s.resampled(to: .oneDay)
        #expect(d.bars == [
            Bar(ts("2019-12-23T23:00:00Z"), 1, 2, 1, 2, 1),
            Bar(ts("2019-12-25T23:00:00Z"), 3, 5, 3, 5, 2),
        ])
    }

    @Test func monthlyBarsStampAtTheMonthsFirstSessionOpen() throws {
        let s = series([
            Bar(ts("2018-09-28T14:00:00Z"), 10, 12, 9, 11, 1),   // Fri 2018-09-28
            Bar(ts("2018-09-30T22:00:00Z"), 11, 13, 10, 12, 2),  // Sun evening → Mon 2018-10-01
            Bar(ts("2018-10-31T14:00:00Z"), 12, 20, 8, 15, 3),
            Bar(ts("2019-01-03T15:00:00Z"), 15, 16, 14, 16, 4),  // Jan 2019: Jan 1 closed
        ])
        let m = try s.resampled(to: Timeframe(1, .month))
        #expect(m.bars == [
            Bar(ts("2018-09-02T22:00:00Z"), 10, 12, 9, 11, 1),  // Sep 2018: Mon 3rd (Labor Day) opens Sun 2nd
            Bar(ts("2018-09-30T22:00:00Z"), 11, 20, 8, 15, 5),  // Oct 2018 opens Sun Sep 30
            Bar(ts("2019-01-01T23:00:00Z"), 15, 16, 14, 16, 4), // Jan 2019 opens Jan 1 17:00 CST
        ])
    }

    @Test func weeklyBarsUseTheCalendarsFirstTradingDay() throws {
        // The week of 2023-01-02 (closed, New Year observed) opens Monday evening for Tuesday.
        let s = series([Bar(ts("2023-01-05T15:00:00Z"), 1, 1, 1, 1, 1)])
        let w = try s.resampled(to: Timeframe(1, .week))
        #expect(w.time == [ts("2023-01-02T23:00:00Z")])
    }

    // MARK: Refusals

    @Test func refusesTargetsThatAreNotCoarserMultiples() {
        let hourly = series([Bar(ts("2018-05-07T14:00:00Z"), 1, 1, 1, 1, 1)], Timeframe(1, .hour))
        let fiveMinute = series([Bar(ts("2018-05-07T14:00:00Z"), 1, 1, 1, 1, 1)], Timeframe(5, .minute))
        let weekly = series([Bar(ts("2018-05-06T22:00:00Z"), 1, 1, 1, 1, 1)], Timeframe(1, .week))
        let cases: [(BarSeries, Timeframe)] = [
            (hourly, Timeframe(5, .minute)),        // coarse → fine
            (hourly, Timeframe(1, .hour)),          // same timeframe
            (fiveMinute, Timeframe(7, .minute)),    // not a multiple
            (weekly, Timeframe(1, .month)),         // weeks do not nest in months
            (hourly, Timeframe(2, .day)),           // only 1d/1w/1M are session-based
        ]
        for (s, target) in cases {
            let error = #expect(throws: DataError.self, "\(s.timeframe) → \(target)") { _ = try s.resampled(to: target) }
            guard case let .badInput(_, _, field, _)? = error else { continue }
            #expect(field == "timeframe")
        }
    }

    @Test func refusesUnorderedBars() {
        var s = series([Bar(ts("2018-05-07T14:01:00Z"), 1, 1, 1, 1, 1)])
        s.append(Bar(ts("2018-05-07T14:00:00Z"), 1, 1, 1, 1, 1))
        let error = #expect(throws: DataError.self) { _ = try s.resampled(to: Timeframe(1, .hour)) }
        guard case let .badInput(_, _, field, _)? = error else { return }
        #expect(field == "time")
    }

    @Test func emptyInEmptyOut() throws {
        let r = try series([]).resampled(to: .oneDay)
        #expect(r.isEmpty && r.timeframe == .oneDay && r.symbol == "ES")
    }
}
