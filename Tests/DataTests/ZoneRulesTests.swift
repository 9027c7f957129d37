import Data
import Foundation
import Testing

@Suite("ZoneRules")
struct ZoneRulesTests {
    static func utc(_ text: String) -> Int64 { Timestamp(iso8601: text)!.seconds }

    @Test func chicagoOffsetsAroundBothChangesOf2019() {
        let z = ZoneRules.chicago
        // Spring forward: 2019-03-10 02:00 CST = 08:00Z.
        #expect(z.offset(atUTC: Self.utc("2019-03-10T07:59:59Z")) == -6 * 3600)
        #expect(z.offset(atUTC: Self.utc("2019-03-10T08:00:00Z")) == -5 * 3600)
        // Fall back: 2019-11-03 02:00 CDT = 07:00Z.
        #expect(z.offset(atUTC: Self.utc("2019-11-03T06:59:59Z")) == -5 * 3600)
        #expect(z.offset(atUTC: Self.utc("2019-11-03T07:00:00Z")) == -6 * 3600)
    }

    @Test func newYorkChangesAnHourEarlierInUTC() {
        let z = ZoneRules.newYork
        #expect(z.offset(atUTC: Self.utc("2019-03-10T06:59:59Z")) == -5 * 3600)
        #expect(z.offset(atUTC: Self.utc("2019-03-10T07:00:00Z")) == -4 * 3600)
        #expect(z.offset(atUTC: Self.utc("2019-11-03T05:59:59Z")) == -4 * 3600)
        #expect(z.offset(atUTC: Self.utc("2019-11-03T06:00:00Z")) == -5 * 3600)
    }

    @Test func utcHasOneOffsetForever() throws {
        #expect(ZoneRules.utc.periodCount == 1)
        #expect(ZoneRules.utc.offset(atUTC: Self.utc("2019-03-10T08:00:00Z")) == 0)
        #expect(ZoneRules.utc.offset(atUTC: Int64.min / 4) == 0)
        #expect(try ZoneRules(identifier: "UTC").offset(atUTC: 1_000_000_000) == 0)
    }

    @Test func localWallClock() {
        let before = ZoneRules.chicago.local(Timestamp(iso8601: "2019-03-10T07:59:59Z")!)
        #expect(before == CivilTime(year: 2019, month: 3, day: 10, hour: 1, minute: 59, second: 59))
        let after = ZoneRules.chicago.local(Timestamp(iso8601: "2019-03-10T08:00:00Z")!)
        #expect(after == CivilTime(year: 2019, month: 3, day: 10, hour: 3, minute: 0, second: 0))
        let ny = ZoneRules.newYork.local(Timestamp(iso8601: "2018-05-07T13:30:00Z")!)
        #expect(ny == CivilTime(year: 2018, month: 5, day: 7, hour: 9, minute: 30))
    }

    @Test func nonExistentLocalTimeMovesForwardByTheGap() {
        // 02:30 on 2019-03-10 does not exist in Chicago: it becomes 03:30 CDT = 08:30Z.
        let t = ZoneRules.chicago.utc(fromLocal: CivilTime(year: 2019, month: 3, day: 10, hour: 2, minute: 30))
        #expect(t == Timestamp(iso8601: "2019-03-10T08:30:00Z"))
        #expect(ZoneRules.chicago.local(t) == CivilTime(year: 2019, month: 3, day: 10, hour: 3, minute: 30))
        // The first second of the gap, and the last second before it.
        #expect(ZoneRules.chicago.utc(fromLocal: CivilTime(year: 2019, month: 3, day: 10, hour: 2))
                == Timestamp(iso8601: "2019-03-10T08:00:00Z"))
        #expect(ZoneRules.chicago.utc(fromLocal: CivilTime(year: 2019, month: 3, day: 10, hour: 1, minute: 59, second: 59))
                == Timestamp(iso8601: "2019-03-10T07:59:59Z"))
    }

    @Test func repeatedLocalTimeTakesTheFirstOccurrence() {
        // 01:30 on 2019-11-03 happens at 06:30Z (CDT) and again at 07:30Z (CST).
        let t = ZoneRules.chicago.utc(fromLocal: CivilTime(year: 2019, month: 11, day: 3, hour: 1, minute: 30))
        #expect(t == Timestamp(iso8601: "2019-11-03T06:30:00Z"))
        // Just after the repeated hour there is one answer again.
        #expect(ZoneRules.chicago.utc(fromLocal: CivilTime(year: 2019, month: 11, day: 3, hour: 2))
                == Timestamp(iso8601: "2019-11-03T08:00:00Z"))
        let ny = ZoneRules.newYork.utc(fromLocal: CivilTime(year: 2019, month: 11, day: 3, hour: 1, minute: 0))
        #expect(ny == Timestamp(iso8601: "2019-11-03T05:00:00Z"))
    }

    @Test func localAndBackRoundTripsOutsideGapsAndFolds() {
        var s: Int64 = 0
        let end = Timestamp(year: 2099, month: 12, day: 31).seconds
        var checked = 0, folded = 0
        var failures: [String] = []
        while s < end {
            for zone in [ZoneRules.chicago, ZoneRules.newYork] {
                let t = Timestamp(seconds: s)
                let c = zone.local(t)
                let back = zone.utc(fromLocal: c)
                // Inside a repeated hour the second occurrence maps back to the first (an hour earlier).
                if back != t {
                    if back.seconds == s - 3600 && zone.local(back) == c {
                        folded += 1
                    } else if failures.count < 5 {
                        failures.append("\(zone) \(t) -> \(c.isoString) -> \(back)")
                    }
                }
                checked += 1
            }
            s += 7 * 3600 + 13 * 60 + 17
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(checked > 300_000)
        #expect(folded > 0)
    }

    @Test func agreesWithFoundationFrom1970To2100() throws {
        for id in ["America/Chicago", "America/New_York"] {
            let rules = try ZoneRules(identifier: id)
            let tz = try #require(TimeZone(identifier: id))
            var s: Int64 = 0
            let end = ZoneRules.spanEnd - 86_400
            var mismatches = 0
            while s < end {
                let expected = Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(s))))
                if rules.offset(atUTC: s) != expected { mismatches += 1 }
                s += 5 * 3600 + 7 * 60
            }
            // Every transition, one second either side.
            for tr in rules.transitions {
                for probe in [tr - 1, tr] {
                    let expected = Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(probe))))
                    if rules.offset(atUTC: probe) != expected { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "\(id)")
            // US zones change twice a year (1974–75 energy-crisis years included) through 2100.
            #expect(rules.transitions.count >= 2 * 130, "\(id): \(rules.transitions.count)")
            #expect(rules.transitions.last! > Timestamp(year: 2100, month: 11, day: 1).seconds)
        }
    }

    @Test func unknownZoneIsRefusedByName() {
        let error = #expect(throws: DataError.self) { _ = try ZoneRules(identifier: "Mars/Olympus_Mons") }
        guard case let .badInput(_, _, field, reason)? = error else {
            Issue.record("expected badInput, got \(String(describing: error))")
            return
        }
        #expect(field == "zone")
        #expect(reason.contains("Mars/Olympus_Mons"))
    }

    @Test func explicitRulesResolveGapsAndFolds() {
        // A zone at +1h that moves to +2h at t=10_000 and back to +1h at t=50_000.
        let z = ZoneRules(identifier: "Test/Zone", starts: [0, 10_000, 50_000], offsets: [3600, 7200, 3600])
        #expect(z.offset(atUTC: 9_999) == 3600)
        #expect(z.offset(atUTC: 10_000) == 7200)
        #expect(z.offset(atUTC: 50_000) == 3600)
        // Local 13_700 lies in the gap [13_600, 17_200): forward by the gap → UTC 10_100.
        #expect(z.utcSeconds(fromLocalSeconds: 13_700) == 10_100)
        // Local 54_000 happens at 46_800 (+2h) and 50_400 (+1h): first occurrence.
        #expect(z.utcSeconds(fromLocalSeconds: 54_000) == 46_800)
    }
}
