import Data
import Foundation
import TSXLabTesting
import Testing

private func ts(_ text: String) -> Timestamp { Timestamp(iso8601: text)! }
private func date(_ text: String) -> TradeDate { TradeDate(text)! }

/// Expects `body` to throw `DataError.badInput` at `line` and `field` (and from `file` when given).
private func expectBadInput(
    file: String? = nil, line: Int?, field: String?,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    let error = #expect(throws: DataError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return }
    guard case let .badInput(f, l, fld, _) = error else {
        Issue.record("expected badInput, got \(error)", sourceLocation: sourceLocation)
        return
    }
    if let file { #expect(f == file, sourceLocation: sourceLocation) }
    #expect(l == line, "\(error)", sourceLocation: sourceLocation)
    #expect(fld == field, "\(error)", sourceLocation: sourceLocation)
}

@Suite("SessionCalendar")
struct SessionCalendarTests {
    let cal = SessionCalendar.cmeEquityIndex

    // MARK: TradeDate and LocalTime

    @Test func tradeDateTextAndArithmetic() {
        let d = date("2019-03-11")
        #expect(d.year == 2019 && d.month == 3 && d.day == 11)
        #expect(d.description == "2019-03-11")
        #expect(d.weekday == 1)
        #expect(d.dayNumber == 17_966)
        #expect(d.adding(days: -1) == date("2019-03-10"))
        #expect(TradeDate(dayNumber: 0).description == "1970-01-01")
        #expect(date("2019-03-10") < d)
        #expect(TradeDate("2019-02-29") == nil)
        #expect(TradeDate("2019-3-11") == nil)
        #expect(TradeDate("2019-03-11T00:00") == nil)
        #expect(date("2018-12-31").isoWeek == (2019, 1))
        #expect(date("2021-01-03").isoWeek == (2020, 53))
        #expect(date("2019-03-17").weekMonday == date("2019-03-11"))
    }

    @Test func localTimeParsesIANAAndAbbreviations() throws {
        let a = try LocalTime("18:00 America/New_York")
        #expect(a.hour == 18 && a.minute == 0 && a.zone == .newYork)
        #expect(a == .globexEveningOpenET)
        #expect(try LocalTime("09:30 ET") == .cashOpenET)
        let ct = try LocalTime("15:10 CT")
        #expect(ct.zone == .chicago && ct.minuteOfDay == 15 * 60 + 10)
        #expect(try LocalTime("17:00 UTC").zone == .utc)
        #expect(try LocalTime("8:30 CST").description == "08:30 America/Chicago")
        // An abbreviation names the zone, not a fixed offset: 09:30 ET in July is 13:30Z.
        #expect(try LocalTime("09:30 EST").instant(on: date("2019-07-01")) == ts("2019-07-01T13:30:00Z"))
        #expect(try LocalTime("12:00 Europe/London").instant(on: date("2019-07-01")) == ts("2019-07-01T11:00:00Z"))
    }

    @Test func localTimeRefusesMalformedText() {
        expectBadInput(line: nil, field: "time") { _ = try LocalTime("25:00 ET") }
        expectBadInput(line: nil, field: "time") { _ = try LocalTime("18:60 ET") }
        expectBadInput(line: nil, field: "time") { _ = try LocalTime("1800 ET") }
        expectBadInput(line: nil, field: "time") { _ = try LocalTime("18:00") }
        expectBadInput(line: nil, field: "zone") { _ = try LocalTime("18:00 Mars/Base") }
    }

    // MARK: Sessions across daylight saving

    @Test func sessionsAcrossTheMarch2019Change() throws {
        // Friday 2019-03-08 is in CST (UTC−6); Monday 2019-03-11 in CDT (UTC−5).
        let fri = try #require(cal.session(for: date("2019-03-08")))
        #expect(fri.open == ts("2019-03-07T23:00:00Z"))
        #expect(fri.close == ts("2019-03-08T22:00:00Z"))
        let mon = try #require(cal.session(for: date("2019-03-11")))
        #expect(mon.open == ts("2019-03-10T22:00:00Z"))
        #expect(mon.close == ts("2019-03-11T21:00:00Z"))
        #expect(cal.regularOpen(for: date("2019-03-08")) == ts("2019-03-08T14:30:00Z"))
        #expect(cal.regularOpen(for: date("2019-03-11")) == ts("2019-03-11T13:30:00Z"))
    }

    @Test func sessionsAcrossTheNovember2019Change() throws {
        let fri = try #require(cal.session(for: date("2019-11-01")))
        #expect(fri.open == ts("2019-10-31T22:00:00Z"))
        #expect(fri.close == ts("2019-11-01T21:00:00Z"))
        let mon = try #require(cal.session(for: date("2019-11-04")))
        #expect(mon.open == ts("2019-11-03T23:00:00Z"))
        #expect(mon.close == ts("2019-11-04T22:00:00Z"))
    }

    @Test func overnightWindowFollowsNewYorkAcrossDST() {
        // The week of the March change: Monday's window starts Sunday 18:00 EDT = 22:00Z.
        #expect(cal.overnightWindow(for: date("2019-03-11"))
                == TimeWindow(from: ts("2019-03-10T22:00:00Z"), to: ts("2019-03-11T13:30:00Z")))
        #expect(cal.overnightWindow(for: date("2019-03-08"))
                == TimeWindow(from: ts("2019-03-07T23:00:00Z"), to: ts("2019-03-08T14:30:00Z")))
        // The week of the November change.
        #expect(cal.overnightWindow(for: date("2019-11-04"))
                == TimeWindow(from: ts("2019-11-03T23:00:00Z"), to: ts("2019-11-04T14:30:00Z")))
        #expect(cal.overnightWindow(for: date("2019-11-01"))
                == TimeWindow(from: ts("2019-10-31T22:00:00Z"), to: ts("2019-11-01T13:30:00Z")))
    }

    @Test func overnightWindowWithCustomTimesAndMixedZones() throws {
        let d = date("2019-03-11")
        let w = cal.overnightWindow(for: d, start: try LocalTime("17:00 CT"), end: try LocalTime("08:30 CT"))
        let session = try #require(cal.session(for: d))
        #expect(w.from == session.open)
        #expect(w.to == cal.regularOpen(for: d))
        // London stays on GMT until 2019-03-31, so 07:00 London is 07:00Z on 2019-03-11
        // while New York is already on EDT.
        let mixed = cal.overnightWindow(for: d, start: .globexEveningOpenET, end: try LocalTime("07:00 Europe/London"))
        #expect(mixed == TimeWindow(from: ts("2019-03-10T22:00:00Z"), to: ts("2019-03-11T07:00:00Z")))
    }

    // MARK: Trade dates, the break and weekends

    @Test func sundayEveningSessionBelongsToMonday() {
        // Sunday 2019-03-10 17:00 CDT = 22:00Z, hours after the clocks changed.
        #expect(cal.tradeDate(containing: ts("2019-03-10T22:00:00Z")) == date("2019-03-11"))
        #expect(cal.isOpen(at: ts("2019-03-10T22:00:00Z")))
        #expect(!cal.isOpen(at: ts("2019-03-10T21:59:59Z")))
        // Winter: Sunday 17:00 CST = 23:00Z.
        #expect(cal.tradeDate(containing: ts("2019-11-03T23:00:00Z")) == date("2019-11-04"))
        #expect(cal.isOpen(at: ts("2019-11-03T23:00:00Z")))
        #expect(!cal.isOpen(at: ts("2019-11-03T22:59:00Z")))
    }

    @Test func weekendIsClosedAndBelongsToMonday() {
        // Friday 2019-03-08 16:00 CST = 22:00Z: the week's close.
        #expect(cal.isOpen(at: ts("2019-03-08T21:59:00Z")))
        #expect(cal.tradeDate(containing: ts("2019-03-08T21:59:00Z")) == date("2019-03-08"))
        for t in ["2019-03-08T22:00:00Z", "2019-03-08T23:30:00Z", "2019-03-09T12:00:00Z", "2019-03-10T08:30:00Z"] {
            #expect(!cal.isOpen(at: ts(t)), "\(t)")
            #expect(cal.tradeDate(containing: ts(t)) == date("2019-03-11"), "\(t)")
        }
        #expect(cal.session(for: date("2019-03-09")) == nil)
        #expect(cal.session(for: date("2019-03-10")) == nil)
        #expect(!cal.isTradingDay(date("2019-03-10")))
        // A weekend bar: Sunday 2021-08-08 00:00 ET.
        #expect(!cal.isOpen(at: ts("2021-08-08T04:00:00Z")))
        #expect(cal.tradeDate(containing: ts("2021-08-08T04:00:00Z")) == date("2021-08-09"))
    }

    @Test func dailyBreakIsClosedAndBelongsToTheNextTradeDate() {
        // Tuesday 2019-03-12, CDT: close 16:00 = 21:00Z, reopen 17:00 = 22:00Z.
        #expect(cal.isOpen(at: ts("2019-03-12T20:59:00Z")))
        #expect(cal.tradeDate(containing: ts("2019-03-12T20:59:00Z")) == date("2019-03-12"))
        #expect(!cal.isOpen(at: ts("2019-03-12T21:00:00Z")))
        #expect(!cal.isOpen(at: ts("2019-03-12T21:30:00Z")))
        #expect(cal.tradeDate(containing: ts("2019-03-12T21:30:00Z")) == date("2019-03-13"))
        #expect(cal.isOpen(at: ts("2019-03-12T22:00:00Z")))
        #expect(cal.tradeDate(containing: ts("2019-03-12T22:00:00Z")) == date("2019-03-13"))
        // Midnight UTC is not a boundary.
        #expect(cal.tradeDate(containing: ts("2019-03-13T00:00:00Z")) == date("2019-03-13"))
        #expect(cal.tradeDate(containing: ts("2019-03-12T23:59:59Z")) == date("2019-03-13"))
    }

    // MARK: Holidays and early closes

    @Test func christmasIsClosed() {
        let xmas = date("2019-12-25")
        #expect(!cal.isTradingDay(xmas))
        #expect(cal.session(for: xmas) == nil)
        #expect(cal.regularOpen(for: xmas) == nil)
        #expect(!cal.isOpen(at: ts("2019-12-25T16:00:00Z")))
        #expect(cal.tradeDate(containing: ts("2019-12-25T16:00:00Z")) == date("2019-12-26"))
        // Christmas Eve closes 12:15 CT; the next session opens Christmas evening at 17:00 CT.
        let eve = cal.session(for: date("2019-12-24"))
        #expect(eve?.close == ts("2019-12-24T18:15:00Z"))
        #expect(cal.isOpen(at: ts("2019-12-24T18:14:00Z")))
        #expect(!cal.isOpen(at: ts("2019-12-24T18:15:00Z")))
        #expect(cal.session(for: date("2019-12-26"))?.open == ts("2019-12-25T23:00:00Z"))
        #expect(cal.nextTradingDay(after: date("2019-12-24")) == date("2019-12-26"))
        #expect(cal.previousTradingDay(before: date("2019-12-26")) == date("2019-12-24"))
    }

    @Test func observedHolidaysMoveOffWeekends() {
        #expect(!cal.isTradingDay(date("2021-12-24")))   // Christmas on Saturday → Friday
        #expect(cal.isTradingDay(date("2021-12-31")))    // New Year on Saturday: not observed
        #expect(cal.holiday(on: date("2021-12-31")) == nil)
        #expect(!cal.isTradingDay(date("2022-12-26")))   // Christmas on Sunday → Monday
        #expect(!cal.isTradingDay(date("2023-01-02")))
        // No Sunday-evening session before a closed Monday: it opens Monday 17:00 for Tuesday.
        #expect(!cal.isOpen(at: ts("2023-01-01T23:30:00Z")))
        #expect(cal.tradeDate(containing: ts("2023-01-01T23:30:00Z")) == date("2023-01-03"))
        #expect(cal.session(for: date("2023-01-03"))?.open == ts("2023-01-02T23:00:00Z"))
    }

    @Test func thanksgivingClosesEarlyTwice() throws {
        let thu = try #require(cal.session(for: date("2019-11-28")))
        #expect(thu.open == ts("2019-11-27T23:00:00Z"))
        #expect(thu.close == ts("2019-11-28T18:00:00Z"))          // 12:00 CT
        let fri = try #require(cal.session(for: date("2019-11-29")))
        #expect(fri.open == ts("2019-11-28T23:00:00Z"))           // Thursday 17:00 CT
        #expect(fri.close == ts("2019-11-29T18:15:00Z"))          // 12:15 CT
        #expect(!cal.isOpen(at: ts("2019-11-28T20:00:00Z")))
        #expect(cal.tradeDate(containing: ts("2019-11-28T20:00:00Z")) == date("2019-11-29"))
        #expect(cal.holiday(on: date("2019-11-28"))?.note == "Thanksgiving Day")
    }

    @Test func goodFriday2021HadAShortMorningSession() throws {
        let s = try #require(cal.session(for: date("2021-04-02")))
        #expect(s.open == ts("2021-04-01T22:00:00Z"))
        #expect(s.close == ts("2021-04-02T13:15:00Z"))             // 08:15 CDT
        #expect(cal.isOpen(at: ts("2021-04-02T13:14:00Z")))
        #expect(!cal.isOpen(at: ts("2021-04-02T13:15:00Z")))
        #expect(cal.regularOpen(for: date("2021-04-02")) == nil)    // closed before 08:30
        // An ordinary Good Friday is closed.
        #expect(cal.session(for: date("2019-04-19")) == nil)
        #expect(cal.session(for: date("2019-04-18"))?.close == ts("2019-04-18T21:00:00Z"))
    }

    @Test func nationalDayOfMourning2018StoppedAtTheCashOpen() throws {
        let s = try #require(cal.session(for: date("2018-12-05")))
        #expect(s.close == ts("2018-12-05T14:30:00Z"))             // 08:30 CST
        #expect(cal.isOpen(at: ts("2018-12-05T14:29:00Z")))
        #expect(!cal.isOpen(at: ts("2018-12-05T14:30:00Z")))
        #expect(cal.regularOpen(for: date("2018-12-05")) == nil)
        #expect(cal.tradeDate(containing: ts("2018-12-05T16:00:00Z")) == date("2018-12-06"))
        #expect(cal.session(for: date("2018-12-06"))?.open == ts("2018-12-05T23:00:00Z"))
        #expect(cal.session(for: date("2025-01-09"))?.close == ts("2025-01-09T14:30:00Z"))
    }

    @Test func builtInTableCoversEveryYearAndIsWellFormed() {
        let rows = cal.holidays
        for y in 2013...2026 {
            let year = rows.filter { $0.date.year == y }
            #expect(year.count >= 10, "\(y): \(year.count) rows")
            // Christmas (or its observed day) closed; Thanksgiving (4th Thursday) closes early.
            #expect(year.contains { $0.kind == .closed && $0.note.hasPrefix("Christmas Day") }, "\(y)")
            #expect(year.contains { $0.note == "Thanksgiving Day" && $0.date.weekday == 4 && (22...28).contains($0.date.day) }, "\(y)")
            #expect(year.contains { $0.note.hasPrefix("Good Friday") }, "\(y)")
        }
        for r in rows {
            #expect(!r.date.isWeekend, "\(r.date)")
            #expect(!r.note.isEmpty, "\(r.date)")
        }
        #expect(rows.filter { $0.note.hasPrefix("Juneteenth") }.map(\.date.year) == Array(2022...2026))
        #expect(cal.holiday(on: date("2022-06-20"))?.kind == .earlyClose(minuteOfDay: 12 * 60))
    }

    @Test("the holiday table is the resource file: every row parses and names its source; without the source it is the table once embedded in the code")
    func holidayTableIsAResourceFileWithSources() throws {
        let path = TestEnvironment.packageRoot + "/Sources/Data/Resources/cme-equity-holidays.csv"
        let file = try String(contentsOfFile: path, encoding: .utf8)
        #expect(SessionCalendar.cmeEquityIndexHolidaysCSV == file)  // the bundle's copy is the file in the tree
        let rows = try SessionCalendar.parseHolidays(file, source: path)
        #expect(rows.count == 164 && rows.map(\.date) == cal.holidays.map(\.date))
        for r in rows {
            #expect(!r.source.isEmpty, "\(r.date)")
            #expect(TradeDate(r.date.description) == r.date && (2013...2027).contains(r.date.year), "\(r.date)")
        }
        #expect(rows.filter { $0.source == "rules" || $0.source.hasPrefix("rules; ") }.count == 158)
        // Without the source column the rows are, byte for byte, the table `SessionCalendar.swift`
        // held as a string before (its SHA-256), so the calendar behaves as it did.
        let body = file.split(separator: "\n").filter { !$0.hasPrefix("#") }.dropFirst().map { line -> String in
            let f = line.split(separator: ",", maxSplits: 4, omittingEmptySubsequences: false)
            return [f[0], f[1], f[2], f[4]].joined(separator: ",")
        }
        let embedded = (["date,kind,close_ct,note"] + body).joined(separator: "\n")
        #expect(SHA256.hex(Array(embedded.utf8)) == "25185f82fbafa93f0a9fa077ec337e88c88b4fcba1d6a4d8c0c3a285ebb45b80")
        let old = try SessionCalendar(holidaysCSV: embedded, source: "embedded table", eras: SessionCalendar.cmeEquityIndexEras)
        #expect(old.holidays.map { "\($0.date) \($0.kind) \($0.note)" } == cal.holidays.map { "\($0.date) \($0.kind) \($0.note)" })
        // A row of a table with the source column must name one.
        expectBadInput(file: "x.csv", line: 2, field: "source") {
            _ = try SessionCalendar.parseHolidays("date,kind,close_ct,source,note\n2019-12-25,closed,,,Christmas Day", source: "x.csv")
        }
    }

    // MARK: User tables

    @Test func userRowsExtendAndOverrideTheBuiltInTable() throws {
        let csv = """
            # my desk's extra closures
            date,kind,close_ct,note
            2019-03-11,closed,,hypothetical exchange outage
            2019-12-24,closed,,desk closed on Christmas Eve, all day
            2027-01-18,early_close,12:00,Martin Luther King Jr. Day 2027
            """
        let c = try SessionCalendar(extraHolidaysCSV: csv, source: "desk.csv")
        #expect(!c.isTradingDay(date("2019-03-11")))
        #expect(c.tradeDate(containing: ts("2019-03-10T22:00:00Z")) == date("2019-03-12"))
        #expect(!c.isOpen(at: ts("2019-03-10T22:00:00Z")))
        #expect(c.holiday(on: date("2019-12-24"))?.kind == .closed)
        #expect(c.holiday(on: date("2019-12-24"))?.note == "desk closed on Christmas Eve, all day")
        #expect(c.session(for: date("2027-01-18"))?.close == ts("2027-01-18T18:00:00Z"))
        // Built-in rows are still there, and the shared calendar is unchanged.
        #expect(!c.isTradingDay(date("2019-12-25")))
        #expect(cal.isTradingDay(date("2019-03-11")))
        #expect(cal.holiday(on: date("2019-12-24"))?.kind == .earlyClose(minuteOfDay: 12 * 60 + 15))
    }

    @Test func malformedHolidayRowsNameLineAndField() {
        let header = "date,kind,close_ct,note\n"
        let cases: [(String, Int?, String?)] = [
            (header + "2027-01-18,early_close,25:00,bad time", 2, "close_ct"),
            (header + "2027-01-18,early_close,,no time", 2, "close_ct"),
            (header + "2027-01-18,early_close,16:30,after the normal close", 2, "close_ct"),
            (header + "2027-01-19,closed,12:00,closed with a time", 2, "close_ct"),
            (header + "# comment\n\n2027-01-18,half_day,12:00,unknown kind", 4, "kind"),
            (header + "2027-02-30,closed,,no such day", 2, "date"),
            (header + "01/18/2027,closed,,US style", 2, "date"),
            (header + "2027-01-16,closed,,a Saturday", 2, "date"),
            (header + "2027-01-18,closed,,a\n2027-01-18,closed,,twice", 3, "date"),
            (header + "2027-01-18", 2, nil),
            ("day,kind,close,note\n2027-01-18,closed,,x", 1, nil),
        ]
        for (csv, line, field) in cases {
            expectBadInput(file: "desk.csv", line: line, field: field) {
                _ = try SessionCalendar(extraHolidaysCSV: csv, source: "desk.csv")
            }
        }
        // The message is readable.
        do {
            _ = try SessionCalendar(extraHolidaysCSV: header + "2027-01-18,early_close,25:00,x", source: "desk.csv")
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "desk.csv:2 field 'close_ct': '25:00' is not a close time HH:MM")
        }
    }

    // MARK: Against the real data

    /// Every bar of ES 2018 and 2021 lies in an open session except the quirks the datasets README
    /// lists (plus one stray 12:00 CT bar on Labor Day 2018), and every trading day has bars.
    @Test(arguments: ["ES_1m_2018.csv.gz", "ES_1m_2021.csv.gz"])
    func everyBarOfAYearFallsInAnOpenSession(file: String) throws {
        try #require(SharedData.exists(file), "dataset \(file) not found in \(SharedData.datasetsDirectory)")
        let s = try SharedData.loadBars(file, symbol: "ES", tickSize: TickSize("0.25")!)
        let knownClosedBars: Set<String> = [
            // Stray bars at 17:00 ET (16:00 CT, the daily break) named by the datasets README.
            "2018-03-19T21:00:00Z", "2018-03-20T21:00:00Z", "2018-08-31T21:00:00Z",
            // Labor Day 2018: one 2-lot bar at the 12:00 CT early close.
            "2018-09-03T17:00:00Z",
            // The weekend bar, Sunday 2021-08-08 00:00 ET.
            "2021-08-08T04:00:00Z",
        ]
        var closedBars: [String] = []
        var barsPerDay: [TradeDate: Int] = [:]
        for i in 0..<s.count {
            let t = Timestamp(seconds: s.time[i])
            if !cal.isOpen(at: t) { closedBars.append(t.iso8601) }
            barsPerDay[cal.tradeDate(containing: t), default: 0] += 1
        }
        #expect(Set(closedBars) == knownClosedBars.filter { $0.hasPrefix(String(file.dropFirst(6).prefix(4))) })
        let first = cal.tradeDate(containing: Timestamp(seconds: s.time[0]))
        let last = cal.tradeDate(containing: Timestamp(seconds: s.time[s.count - 1]))
        let tradingDays = cal.tradingDays(from: first, through: last)
        #expect(Set(barsPerDay.keys) == Set(tradingDays))
        if file.contains("2018") {
            #expect(barsPerDay[date("2018-12-05")] == 930)
        } else {
            #expect(barsPerDay[date("2021-04-02")] == 883)
            #expect(tradingDays.count == 259)  // 2021-01-04 … 12-31 weekdays less Christmas (observed 12-24)
        }
    }
}

@Suite("Session calendar: schedule eras")
struct SessionEraTests {
    let cal = SessionCalendar.cmeEquityIndex
    func t(_ s: String) -> Timestamp { Timestamp(iso8601: s)! }

    @Test("2012-11 to 2015-09 sessions closed at 16:15 CT: the Lean 2013 bars at 16:00–16:14 CT stay in their day")
    func lateClose2013() {
        // 2013-12-18 16:10 CST = 22:10Z.
        #expect(cal.tradeDate(containing: t("2013-12-18T22:10:00Z")) == TradeDate(year: 2013, month: 12, day: 18))
        #expect(cal.isOpen(at: t("2013-12-18T22:10:00Z")))
        #expect(!cal.isOpen(at: t("2013-12-18T22:15:00Z")))
        #expect(cal.session(for: TradeDate(year: 2013, month: 12, day: 18))?.close == t("2013-12-18T22:15:00Z"))
        // From 2015-09-21 the close is 16:00 CT (21:00Z in CDT).
        #expect(cal.session(for: TradeDate(year: 2015, month: 9, day: 21))?.close == t("2015-09-21T21:00:00Z"))
        #expect(cal.session(for: TradeDate(year: 2015, month: 9, day: 18))?.close == t("2015-09-18T21:15:00Z"))
    }

    @Test("the 15:15–15:30 CT daily halt closes the market until 2021-06-25, not after")
    func dailyHalt() {
        #expect(!cal.isOpen(at: t("2019-03-05T21:20:00Z")))   // 15:20 CST
        #expect(cal.isOpen(at: t("2019-03-05T21:15:00Z")))   // closing prints in the first second
        #expect(cal.isOpen(at: t("2019-03-05T21:30:00Z")))
        #expect(!cal.isOpen(at: t("2021-06-25T20:20:00Z")))   // 15:20 CDT, last day of the halt
        #expect(cal.isOpen(at: t("2021-06-28T20:20:00Z")))
    }
}
