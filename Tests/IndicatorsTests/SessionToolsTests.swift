import Data
import Foundation
import Indicators
import Testing

/// Overnight ranges and daily ATR zones against `scripts/reference/indicators_sessions.py` (an
/// independent Python reading of ES 2019 with zoneinfo and TA-Lib), hand-checked DST days, and the
/// streaming trackers against the batch functions.
@Suite("Session tools")
struct SessionToolsTests {
    func ticks(_ points: Substring) -> Int64 { Int64((Double(points)! * 4).rounded()) }

    @Test("overnight ranges (18:00 → 09:30 ET and 03:00 → 09:30 ET) of every ES 2019 trade date match the reference exactly")
    func overnightRangesMatchReference() throws {
        let bars = try es2019Bars.get()
        let (_, rows) = try fixtureTable("sessions_ES_2019_overnight.csv")
        let standard = OvernightRange.compute(bars)
        let europe = OvernightRange.compute(bars, window: .init(start: try LocalTime("03:00 ET"), end: .cashOpenET, startsOnTradeDate: true))
        #expect(standard.count == rows.count, "one range per trade date with overnight bars")
        let byDate = Dictionary(uniqueKeysWithValues: standard.map { ($0.tradeDate.description, $0) })
        for row in rows {
            let r = try #require(byDate[String(row[0])], "no range for \(row[0])")
            #expect(r.high == ticks(row[1]) && r.low == ticks(row[2]) && r.bars == Int(row[3])!,
                    "\(row[0]): got \(r.high)/\(r.low)/\(r.bars)")
        }
        let europeByDate = Dictionary(uniqueKeysWithValues: europe.map { ($0.tradeDate.description, $0) })
        let europeRows = rows.filter { !$0[4].isEmpty }
        #expect(europe.count == europeRows.count)
        for row in europeRows {
            let r = try #require(europeByDate[String(row[0])], "no 03:00 window for \(row[0])")
            #expect(r.high == ticks(row[4]) && r.low == ticks(row[5]) && r.bars == Int(row[6])!, "\(row[0]) 03:00 → 09:30")
        }
    }

    @Test("a configurable evening window, 21:00 ET the day before → 03:00 ET, holds exactly the bars between its ends")
    func configurableWindow() throws {
        let bars = try es2019Bars.get()
        let w = OvernightRange.Window(start: try LocalTime("21:00 ET"), end: try LocalTime("03:00 ET"))
        let ranges = OvernightRange.compute(bars, window: w)
        let monday = try #require(ranges.first { $0.tradeDate == TradeDate(year: 2019, month: 3, day: 11) })
        // Sunday 2019-03-10 21:00 EDT = 2019-03-11T01:00Z … Monday 03:00 EDT = 07:00Z.
        #expect(monday.window.from.seconds == ts("2019-03-11T01:00:00Z") && monday.window.to.seconds == ts("2019-03-11T07:00:00Z"))
        let inside = bars.slice(from: monday.window.from, to: monday.window.to)
        #expect(monday.bars == inside.count && monday.high == inside.high.max() && monday.low == inside.low.min())
    }

    @Test("hand-checked DST Mondays: 2019-03-11 (first EDT week) and 2019-11-04 (first EST week)")
    func dstMondays() throws {
        // Checked with awk over ES_1m_2019.csv.gz: bars in [2019-03-10T22:00Z, 2019-03-11T13:30Z):
        // 929 bars, high 2771.00 (12:47Z), low 2752.75 (01:02Z). In [2019-11-03T23:00Z,
        // 2019-11-04T14:30Z): 925 bars, high 3089.00, low 3070.00.
        let bars = try es2019Bars.get()
        let ranges = OvernightRange.compute(bars)
        let spring = try #require(ranges.first { $0.tradeDate == TradeDate(year: 2019, month: 3, day: 11) })
        #expect(spring.window == TimeWindow(from: Timestamp(seconds: ts("2019-03-10T22:00:00Z")), to: Timestamp(seconds: ts("2019-03-11T13:30:00Z"))))
        #expect(spring.high == 11_084 && spring.low == 11_011 && spring.bars == 929)
        #expect(spring.highTime.seconds == ts("2019-03-11T12:47:00Z") && spring.lowTime.seconds == ts("2019-03-11T01:02:00Z"))
        let fall = try #require(ranges.first { $0.tradeDate == TradeDate(year: 2019, month: 11, day: 4) })
        #expect(fall.window.from.seconds == ts("2019-11-03T23:00:00Z") && fall.window.to.seconds == ts("2019-11-04T14:30:00Z"))
        #expect(fall.high == 12_356 && fall.low == 12_280 && fall.bars == 925)
        #expect(fall.range == 76 && fall.midpoint == 12_318)
    }

    @Test("the overnight tracker reports each range once, at the first bar at or after 09:30 ET, never earlier")
    func trackerTiming() throws {
        let bars = try es2019Bars.get().slice(from: Timestamp(seconds: ts("2019-03-04T00:00:00Z")), to: Timestamp(seconds: ts("2019-03-16T00:00:00Z")))
        var tracker = OvernightRangeTracker()
        var reported: [OvernightRange] = []
        for i in 0..<bars.count {
            if let r = tracker.update(time: bars.time[i], high: bars.high[i], low: bars.low[i]) {
                #expect(bars.time[i] >= r.window.to.seconds && (i == 0 || bars.time[i - 1] < r.window.to.seconds),
                        "\(r.tradeDate) reported at \(Timestamp(seconds: bars.time[i]))")
                reported.append(r)
            }
        }
        let batch = OvernightRange.compute(bars)
        #expect(reported == Array(batch.prefix(reported.count)) && reported.count >= batch.count - 1)
        #expect(tracker.last == reported.last)
        // A clock without bars closes the window too.
        var t2 = OvernightRangeTracker()
        _ = t2.update(time: ts("2019-03-11T12:00:00Z"), high: 100, low: 90)
        #expect(t2.advance(to: ts("2019-03-11T13:29:59Z")) == nil)
        #expect(t2.current?.high == 100)
        #expect(t2.advance(to: ts("2019-03-11T13:30:00Z"))?.low == 90)
    }

    @Test("gaps in the session: a window with missing minutes counts the bars present; bars outside every window are ignored")
    func gaps() {
        let bars = series([
            Bar(ts("2019-01-14T21:30:00Z"), 10, 50, 1, 10, 1),     // 15:30 CT Monday: Monday's day session, no window
            Bar(ts("2019-01-14T23:00:00Z"), 10, 12, 9, 10, 1),     // 18:00 ET: Tuesday's window opens
            Bar(ts("2019-01-15T03:17:00Z"), 10, 15, 10, 12, 1),    // after a 4-hour gap
            Bar(ts("2019-01-15T14:29:00Z"), 12, 13, 8, 12, 1),     // 09:29 ET: last minute inside
            Bar(ts("2019-01-15T14:30:00Z"), 12, 99, 0, 12, 1),     // 09:30 ET: outside
        ])
        let r = OvernightRange.compute(bars)
        #expect(r.count == 1)
        #expect(r.first?.tradeDate == TradeDate(year: 2019, month: 1, day: 15))
        #expect(r.first?.high == 15 && r.first?.low == 8 && r.first?.bars == 3)
    }

    @Test("ATR zones of every ES 2019 trade date match the reference: open, previous day's ATR, both multipliers")
    func zonesMatchReference() throws {
        let bars = try es2019Bars.get()
        let (_, rows) = try fixtureTable("sessions_ES_2019_zones.csv")
        let zones = try ATRZones.compute(bars)
        let pine = try ATRZones.compute(bars, configuration: .init(seeding: .pine))
        #expect(zones.count == rows.count)
        let byDate = Dictionary(uniqueKeysWithValues: zones.map { ($0.tradeDate.description, $0) })
        let pineByDate = Dictionary(uniqueKeysWithValues: pine.map { ($0.tradeDate.description, $0) })
        for row in rows {
            let z = try #require(byDate[String(row[0])], "no zones for \(row[0])")
            #expect(z.openTime.seconds == ts(String(row[1])) && z.open == ticks(row[2]), "\(row[0]) open")
            #expect(z.atrDate.description == String(row[3]), "\(row[0]) ATR date")
            #expect(close(z.dailyATR / 4, Double(row[4])!), "\(row[0]) ATR \(z.dailyATR / 4) vs \(row[4])")
            #expect(close(pineByDate[String(row[0])]!.dailyATR / 4, Double(row[5])!), "\(row[0]) Pine ATR")
            let levels = z.levels
            #expect(levels.map(\.multiplier) == [0.5, 0.68])
            for (k, column) in [(0, 6), (1, 8)] {
                #expect(close(levels[k].upper / 4, Double(row[column])!) && close(levels[k].lower / 4, Double(row[column + 1])!),
                        "\(row[0]) × \(levels[k].multiplier)")
            }
        }
    }

    @Test("hand-checked zones on the DST Monday 2019-03-11: open of the 08:30 CT (13:30Z) bar, ATR through Friday 03-08")
    func dstZones() throws {
        let zones = try ATRZones.compute(try es2019Bars.get())
        let z = try #require(zones.first { $0.tradeDate == TradeDate(year: 2019, month: 3, day: 11) })
        // The 13:30Z bar: 2019-03-11T13:30:00Z,2766.25,… (the 13:29Z bar, 2766.75, is the overnight's last).
        #expect(z.openTime.seconds == ts("2019-03-11T13:30:00Z") && z.open == 11_065)
        #expect(z.atrDate == TradeDate(year: 2019, month: 3, day: 8))
        // ATR 28.776546580783812 points: ±(28.7765…/2)·0.5 = ±7.19413664…
        #expect(abs(z.upper(0.5) / 4 - 2_773.444_136_645_196) < 1e-9)
        #expect(abs(z.lower(0.68) / 4 - 2_756.465_974_162_534) < 1e-9)
    }

    @Test("the zone tracker fed minute by minute gives the batch zones, at the regular-open bar and not before")
    func zoneTracker() throws {
        let bars = try es2019Bars.get()
        let batch = try ATRZones.compute(bars)
        var tracker = ATRZoneTracker()
        var streamed: [ATRZones] = []
        for i in 0..<bars.count {
            if let z = tracker.update(time: bars.time[i], open: bars.open[i], high: bars.high[i], low: bars.low[i], close: bars.close[i]) {
                #expect(bars.time[i] == z.openTime.seconds)
                #expect(z.atrDate < z.tradeDate)
                streamed.append(z)
            }
        }
        #expect(streamed.count == batch.count)
        for (s, b) in zip(streamed, batch) {
            #expect(s.tradeDate == b.tradeDate && s.open == b.open && s.atrDate == b.atrDate && close(s.dailyATR, b.dailyATR, 1e-12))
        }
    }

    @Test("no look-ahead in the daily ATR: changing day D's bars after its open changes no zone of day D or before")
    func zonesNoLookAhead() throws {
        var bars = try es2019Bars.get().slice(from: Timestamp(seconds: ts("2019-01-01T00:00:00Z")), to: Timestamp(seconds: ts("2019-03-01T00:00:00Z")))
        let before = try ATRZones.compute(bars)
        let day = TradeDate(year: 2019, month: 2, day: 12)
        let cut = try #require(before.first { $0.tradeDate == day }).openTime.seconds
        for i in bars.lowerBound(cut + 60)..<bars.count { bars.high[i] += 400; bars.low[i] -= 400 }
        let after = try ATRZones.compute(bars)
        let upTo = before.filter { $0.tradeDate <= day }
        #expect(Array(after.prefix(upTo.count)) == upTo)
        #expect(after[upTo.count].dailyATR > before[upTo.count].dailyATR)
    }

    @Test("daily ATR comes from session daily bars: equal to ATR over Resample(1d)")
    func dailyATR() throws {
        let bars = try esm8Bars.get()
        let daily = try bars.resampled(to: .oneDay)
        #expect(daily.count == 5)
        let values = try DailyATR.compute(bars, period: 3)
        let direct = ATR.compute(high: daily.prices(\.high), low: daily.prices(\.low), close: daily.prices(\.close), period: 3)
        #expect(values.count == 2 && values.map(\.atr) == Array(direct.defined))
        #expect(values.map(\.tradeDate) == [TradeDate(year: 2018, month: 5, day: 10), TradeDate(year: 2018, month: 5, day: 11)])
    }
}
