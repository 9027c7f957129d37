import Foundation

/// A CME trade date: the calendar date a Globex session is settled under (the session that opens
/// at 17:00 CT on the previous calendar day belongs to it). Plain calendar arithmetic, no zone.
public struct TradeDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 (1970-01-01 is 0).
    public let dayNumber: Int64
    /// The date's fields, worked out when read: the session and the exchange make a date from a
    /// day number several times a trade day and mostly need only the number (the conversion was
    /// 1.5 % of an overnight-range sweep, perf on `tsxlab-bench sweep`).
    public var year: Int { CivilTime.civilFromDays(dayNumber).0 }
    public var month: Int { CivilTime.civilFromDays(dayNumber).1 }
    public var day: Int { CivilTime.civilFromDays(dayNumber).2 }

    /// A date from its fields; the fields must name a real date (checked by precondition: use
    /// `init?(_:)` for text from outside).
    public init(year: Int, month: Int, day: Int) {
        precondition(month >= 1 && month <= 12 && day >= 1
                     && day <= CivilTime.daysInMonth(year: year, month: month), "not a date")
        self.dayNumber = CivilTime.daysFromCivil(year: year, month: month, day: day)
    }

    /// The date with a given day number (days since 1970-01-01).
    public init(dayNumber: Int64) {
        self.dayNumber = dayNumber
    }

    /// Parses exactly `YYYY-MM-DD`; nil for anything else or a day that does not exist.
    public init?(_ text: some StringProtocol) {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                let d = Int(u[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10),
              m >= 1, m <= 12, d >= 1, d <= CivilTime.daysInMonth(year: y, month: m) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Day of the week, 0 = Sunday … 6 = Saturday.
    public var weekday: Int {
        let w = (dayNumber + 4) % 7  // 1970-01-01 was a Thursday
        return Int(w >= 0 ? w : w + 7)
    }

    /// Saturday or Sunday.
    public var isWeekend: Bool { weekday == 0 || weekday == 6 }

    public func adding(days n: Int) -> TradeDate { TradeDate(dayNumber: dayNumber + Int64(n)) }

    /// The Monday of this date's ISO week (weeks run Monday to Sunday).
    public var weekMonday: TradeDate { adding(days: -((weekday + 6) % 7)) }

    /// ISO-8601 week-numbering year and week (1…53): the week with the year's first Thursday is
    /// week 1, so 2018-12-31 is 2019-W01.
    public var isoWeek: (year: Int, week: Int) {
        let thursday = weekMonday.adding(days: 3)
        let jan1 = CivilTime.daysFromCivil(year: thursday.year, month: 1, day: 1)
        return (thursday.year, Int((thursday.dayNumber - jan1) / 7) + 1)
    }

    /// The civil time at `hour:minute` on this date (a wall-clock reading, no zone).
    public func at(hour: Int, minute: Int) -> CivilTime {
        let (y, m, d) = CivilTime.civilFromDays(dayNumber)
        return CivilTime(year: y, month: m, day: d, hour: hour, minute: minute)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = CivilTime.civilFromDays(dayNumber)
        return CivilTime(year: y, month: m, day: d).dateString
    }

    public static func < (a: TradeDate, b: TradeDate) -> Bool { a.dayNumber < b.dayNumber }
}

/// A wall-clock time of day in a named zone, such as `18:00 America/New_York` or `09:30 ET`.
///
/// Zone abbreviations name zones, not fixed offsets: `ET`/`EST`/`EDT` all mean America/New_York and
/// `CT`/`CST`/`CDT` America/Chicago, so `09:30 ET` is 09:30 on the New York clock whether or not
/// daylight saving time is in force. `UTC`, `GMT` and `Z` mean UTC.
public struct LocalTime: Hashable, Sendable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int
    public let zone: ZoneRules

    public init(hour: Int, minute: Int, zone: ZoneRules) {
        precondition((0..<24).contains(hour) && (0..<60).contains(minute), "not a time of day")
        self.hour = hour; self.minute = minute; self.zone = zone
    }

    /// Parses `HH:MM ZONE` where ZONE is an IANA identifier (`America/New_York`) or one of the
    /// abbreviations ET, EST, EDT, CT, CST, CDT, UTC, GMT, Z.
    ///
    /// - Throws: `DataError.badInput` (file `local time`, field `time` or `zone`) naming the text.
    public init(_ text: String) throws {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else {
            throw DataError.badInput(file: "local time", line: nil, field: "time",
                                     reason: "'\(text)' is not 'HH:MM ZONE' (e.g. '18:00 America/New_York', '09:30 ET')")
        }
        guard let (h, m) = LocalTime.parseClock(parts[0]) else {
            throw DataError.badInput(file: "local time", line: nil, field: "time",
                                     reason: "'\(parts[0])' in '\(text)' is not a time of day HH:MM (00:00–23:59)")
        }
        self.init(hour: h, minute: m, zone: try LocalTime.zone(named: String(parts[1])))
    }

    /// `HH:MM` with 0 ≤ HH ≤ 23 and 0 ≤ MM ≤ 59 (one-digit hours accepted); nil otherwise.
    static func parseClock(_ s: Substring) -> (Int, Int)? {
        let p = s.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 2, (1...2).contains(p[0].count), p[1].count == 2,
              p[0].allSatisfy({ $0.isASCII && $0.isNumber }), p[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              let h = Int(p[0]), let m = Int(p[1]), h < 24, m < 60 else { return nil }
        return (h, m)
    }

    /// The zone for an abbreviation (ET, CT, UTC and their variants) or an IANA identifier.
    ///
    /// - Throws: `DataError.badInput` naming the zone when it is neither.
    public static func zone(named name: String) throws -> ZoneRules {
        switch name.uppercased() {
        case "ET", "EST", "EDT", "AMERICA/NEW_YORK", "US/EASTERN": return .newYork
        case "CT", "CST", "CDT", "AMERICA/CHICAGO", "US/CENTRAL": return .chicago
        case "UTC", "GMT", "Z", "ETC/UTC": return .utc
        default: return try ZoneRules(identifier: name)
        }
    }

    /// Minutes after local midnight.
    public var minuteOfDay: Int { hour * 60 + minute }

    /// The instant this wall-clock time denotes on a calendar date, in its zone (a time inside a
    /// spring-forward gap moves forward by the gap; a repeated time takes its first occurrence).
    public func instant(on date: TradeDate) -> Timestamp {
        Timestamp(seconds: zone.utcSeconds(fromLocalSeconds: date.dayNumber * 86_400 + Int64(hour * 3600 + minute * 60)))
    }

    /// 18:00 America/New_York: the Globex evening open of equity index futures.
    public static let globexEveningOpenET = LocalTime(hour: 18, minute: 0, zone: .newYork)
    /// 09:30 America/New_York: the US cash-equity open.
    public static let cashOpenET = LocalTime(hour: 9, minute: 30, zone: .newYork)

    /// `18:00 America/New_York`.
    public var description: String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute) \(zone.identifier)"
    }
}

/// The CME Globex calendar of equity index futures (ES, MES, NQ, MNQ, YM, RTY…), in America/Chicago.
///
/// The rules, all in Chicago time and correct across daylight-saving changes:
/// - a trade date's session opens at 17:00 on the previous calendar day and closes at 16:00 on the
///   trade date; 16:00–17:00 is the daily break;
/// - the week opens Sunday 17:00 (that session is Monday's trade date) and closes Friday 16:00;
/// - holidays and early closes come from a table (`cmeEquityIndexHolidaysCSV`, 2013–2026 plus
///   2027-01-01): a `closed` trade date has no session; an `early_close` date closes at the listed
///   time instead of 16:00. Outside the table's years only weekends are known to be closed.
/// - the regular (cash) session opens at 08:30.
///
/// Schedule eras (`Era`): from trade date 2012-11-19 until 2015-09-18 CME equity index futures
/// closed at 16:15 CT (the maintenance break began 15 minutes earlier from 2015-09-21 on), and
/// until 2021-06-25 they halted daily from 15:15 to 15:30 CT (`isOpen` is false in the halt).
///
/// A value type with no global state: build one per product family and share it freely.
public struct SessionCalendar: Sendable, CustomStringConvertible {
    /// One row of the holiday table.
    public struct Holiday: Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            /// The trade date has no session.
            case closed
            /// The session closes at this local time (minutes after midnight, calendar zone).
            case earlyClose(minuteOfDay: Int)
        }
        public let date: TradeDate
        public let kind: Kind
        public let note: String
        /// Where the row comes from (empty when its table has no `source` column).
        public let source: String
        public init(date: TradeDate, kind: Kind, note: String, source: String = "") {
            self.date = date; self.kind = kind; self.note = note; self.source = source
        }
    }

    /// The exchange's zone (America/Chicago for CME).
    public let zone: ZoneRules
    /// Session open, minutes after midnight on the calendar day before the trade date (17:00).
    public let openMinute: Int
    /// Normal session close, minutes after midnight on the trade date (16:00).
    public let closeMinute: Int
    /// Regular (cash) session open, minutes after midnight on the trade date (08:30).
    public let regularOpenMinute: Int
    private let holidayByDay: [Int64: Holiday]
    /// The holiday rows as a dense table over their span of days, for the per-day look-ups of a
    /// bar loop (`isTradingDay`, the close): hashing the day number in `holidayByDay` each time
    /// was about 2 % of an overnight-range sweep (perf, `tsxlab-bench sweep`).
    private let dayKinds: DayKinds

    /// Per day from `first`: `closed`, `normal`, or the early close's minute of day.
    struct DayKinds: Sendable {
        static let closed: Int16 = -1, normal: Int16 = -2
        let first: Int64
        let kinds: [Int16]

        init(_ byDay: [Int64: Holiday]) {
            guard let lo = byDay.keys.min(), let hi = byDay.keys.max() else { first = 0; kinds = []; return }
            first = lo
            var k = [Int16](repeating: Self.normal, count: Int(hi - lo + 1))
            for (d, h) in byDay {
                switch h.kind {
                case .closed: k[Int(d - lo)] = Self.closed
                case .earlyClose(let m): k[Int(d - lo)] = Int16(m)
                }
            }
            kinds = k
        }

        @inline(__always)
        subscript(d: Int64) -> Int16 {
            let i = d &- first
            return i >= 0 && i < Int64(kinds.count) ? kinds[Int(i)] : Self.normal
        }
    }
    /// Hours that differ from the normal ones for a span of trade dates, oldest first.
    public let eras: [Era]

    /// A span of trade dates (inclusive day numbers) with its own close and/or daily halt.
    public struct Era: Hashable, Sendable {
        public var firstDay: Int64
        public var lastDay: Int64
        /// Normal close in minutes after midnight (calendar zone); nil keeps the calendar's.
        public var closeMinute: Int?
        /// A daily trading halt `[start, end)` in minutes after midnight on the trade date.
        public var haltMinutes: Range<Int>?
        public init(first: TradeDate, last: TradeDate, closeMinute: Int? = nil, haltMinutes: Range<Int>? = nil) {
            firstDay = first.dayNumber; lastDay = last.dayNumber
            self.closeMinute = closeMinute; self.haltMinutes = haltMinutes
        }
    }

    /// CME equity index schedule history (CME notices: the 16:15 CT close from 2012-11-19, the
    /// 16:00 CT close from 2015-09-21; the 15:15–15:30 CT halt ended with trade date 2021-06-25).
    /// The halt is counted from 15:16: the 15:15 minute carries prints stamped at the halt's first
    /// second on some days (ES 2018-01-19, 05-10, 08-07, 08-21).
    public static let cmeEquityIndexEras: [Era] = [
        Era(first: TradeDate(year: 2012, month: 11, day: 19), last: TradeDate(year: 2015, month: 9, day: 18),
            closeMinute: 16 * 60 + 15, haltMinutes: (15 * 60 + 16)..<(15 * 60 + 30)),
        Era(first: TradeDate(year: 2015, month: 9, day: 21), last: TradeDate(year: 2021, month: 6, day: 25),
            haltMinutes: (15 * 60 + 16)..<(15 * 60 + 30)),
    ]

    @inline(__always)
    func era(dayNumber d: Int64) -> Era? {
        for e in eras where d >= e.firstDay && d <= e.lastDay { return e }
        return nil
    }

    /// The CME equity index calendar with the built-in holiday table.
    public static let cmeEquityIndex: SessionCalendar = {
        do { return try SessionCalendar(holidaysCSV: cmeEquityIndexHolidaysCSV, source: "built-in CME equity holidays",
                                       eras: cmeEquityIndexEras) } catch {
            fatalError("built-in holiday table is malformed: \(error)")
        }
    }()

    /// A calendar from a holiday table and session hours (defaults: CME equity index futures).
    ///
    /// - Parameters:
    ///   - holidaysCSV: `date,kind,close_ct[,source],note` rows (see `parseHolidays`).
    ///   - source: the name used in error messages (a file path, or a label).
    ///   - zone: the zone the hours and the table's close times are written in.
    ///   - open: session open on the previous calendar day; `close`: normal close on the trade date;
    ///     `regularOpen`: cash open on the trade date. `open` must be later in the day than `close`.
    /// - Throws: `DataError.badInput` with the 1-based line and the field of the first bad row.
    public init(
        holidaysCSV: String, source: String, zone: ZoneRules = .chicago,
        open: (hour: Int, minute: Int) = (17, 0), close: (hour: Int, minute: Int) = (16, 0),
        regularOpen: (hour: Int, minute: Int) = (8, 30), eras: [Era] = []
    ) throws {
        self.eras = eras
        self.zone = zone
        self.openMinute = open.hour * 60 + open.minute
        self.closeMinute = close.hour * 60 + close.minute
        self.regularOpenMinute = regularOpen.hour * 60 + regularOpen.minute
        precondition(openMinute > closeMinute, "the session must open on the previous calendar day")
        var byDay: [Int64: Holiday] = [:]
        for h in try SessionCalendar.parseHolidays(holidaysCSV, source: source, closeMinute: closeMinute) {
            byDay[h.date.dayNumber] = h
        }
        self.holidayByDay = byDay
        dayKinds = DayKinds(byDay)
    }

    /// The built-in CME equity calendar with a user table merged in: a user row replaces the
    /// built-in row of the same date (so a user can also change a close time).
    ///
    /// - Throws: `DataError.badInput` with the line and field of the first malformed user row.
    public init(extraHolidaysCSV: String, source: String = "extra holidays") throws {
        self = try SessionCalendar.cmeEquityIndex.merging(holidaysCSV: extraHolidaysCSV, source: source)
    }

    private init(copying c: SessionCalendar, holidays: [Int64: Holiday]) {
        zone = c.zone; openMinute = c.openMinute; closeMinute = c.closeMinute
        regularOpenMinute = c.regularOpenMinute; holidayByDay = holidays; eras = c.eras
        dayKinds = DayKinds(holidays)
    }

    /// This calendar with the rows of another table added; rows for a date already listed replace it.
    public func merging(holidaysCSV: String, source: String) throws -> SessionCalendar {
        var byDay = holidayByDay
        for h in try SessionCalendar.parseHolidays(holidaysCSV, source: source, closeMinute: closeMinute) {
            byDay[h.date.dayNumber] = h
        }
        return SessionCalendar(copying: self, holidays: byDay)
    }

    /// `SessionCalendar(America/Chicago 17:00–16:00, 165 holiday rows 2013-01-01…2027-01-01)`.
    public var description: String {
        func hm(_ m: Int) -> String { (m / 60 < 10 ? "0" : "") + "\(m / 60):" + (m % 60 < 10 ? "0" : "") + "\(m % 60)" }
        let days = holidayByDay.keys
        let span = days.min().map { "\(TradeDate(dayNumber: $0))…\(TradeDate(dayNumber: days.max()!))" } ?? "none"
        return "SessionCalendar(\(zone) \(hm(openMinute))–\(hm(closeMinute)), \(holidayByDay.count) holiday rows \(span))"
    }

    // MARK: Holidays

    /// Every holiday row, in date order.
    public var holidays: [Holiday] { holidayByDay.values.sorted { $0.date < $1.date } }

    /// The holiday row for a trade date, if any.
    public func holiday(on date: TradeDate) -> Holiday? { holidayByDay[date.dayNumber] }

    /// True for a Monday–Friday trade date the table does not list as closed.
    @inline(__always)
    public func isTradingDay(_ date: TradeDate) -> Bool { isTradingDay(dayNumber: date.dayNumber) }

    @inline(__always)
    func isTradingDay(dayNumber d: Int64) -> Bool {
        let w = (d + 4) % 7
        let weekday = w >= 0 ? w : w + 7
        if weekday == 0 || weekday == 6 { return false }
        return dayKinds[d] != DayKinds.closed
    }

    /// The first trading day strictly after `date`.
    public func nextTradingDay(after date: TradeDate) -> TradeDate {
        var d = date.dayNumber + 1
        while !isTradingDay(dayNumber: d) { d += 1 }
        return TradeDate(dayNumber: d)
    }

    /// The last trading day strictly before `date`.
    public func previousTradingDay(before date: TradeDate) -> TradeDate {
        var d = date.dayNumber - 1
        while !isTradingDay(dayNumber: d) { d -= 1 }
        return TradeDate(dayNumber: d)
    }

    /// The trading days from `first` through `last`, in order.
    public func tradingDays(from first: TradeDate, through last: TradeDate) -> [TradeDate] {
        guard first <= last else { return [] }
        return (first.dayNumber...last.dayNumber).filter { isTradingDay(dayNumber: $0) }.map(TradeDate.init(dayNumber:))
    }

    // MARK: Sessions

    /// Close of a trading day's session as local wall-clock seconds (fields read as UTC).
    @inline(__always)
    private func closeLocalSeconds(dayNumber d: Int64) -> Int64 {
        var minute = closeMinute
        if !eras.isEmpty, let e = era(dayNumber: d), let m = e.closeMinute { minute = m }
        let kind = dayKinds[d]
        if kind >= 0 { minute = min(Int(kind), minute) }
        return d * 86_400 + Int64(minute) * 60
    }

    @inline(__always)
    private func openLocalSeconds(dayNumber d: Int64) -> Int64 {
        (d - 1) * 86_400 + Int64(openMinute) * 60
    }

    /// The trade date a bar stamped at `t` belongs to: the date whose session contains `t`, or,
    /// when the market is closed at `t` (daily break, after an early close, a weekend or a closed
    /// holiday), the next trade date to open. A bar in the Sunday-evening session belongs to Monday;
    /// a stray bar at 16:30 CT Tuesday belongs to Wednesday. `isOpen(at:)` tells the two apart.
    ///
    /// No allocation: two binary searches and a dictionary lookup or two.
    public func tradeDate(containing t: Timestamp) -> TradeDate {
        TradeDate(dayNumber: tradeDayNumber(containing: t.seconds))
    }

    /// `tradeDate(containing:)` as a day number, for loops.
    @inline(__always)
    public func tradeDayNumber(containing t: Int64) -> Int64 {
        let local = t + zone.offset(atUTC: t)
        let localDay = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = local - localDay * 86_400
        // From the open (17:00) on, the local day's evening belongs to the next calendar date.
        var d = secondOfDay >= Int64(openMinute) * 60 ? localDay + 1 : localDay
        var guardDays = 0
        while guardDays < 400 {
            if isTradingDay(dayNumber: d) && t < zone.utcSeconds(fromLocalSeconds: closeLocalSeconds(dayNumber: d)) {
                return d
            }
            d += 1; guardDays += 1
        }
        return d
    }

    /// True when the exchange is trading at `t`: inside a session, honouring the daily break,
    /// weekends, closed holidays and early closes.
    public func isOpen(at t: Timestamp) -> Bool {
        let d = tradeDayNumber(containing: t.seconds)
        guard t.seconds >= zone.utcSeconds(fromLocalSeconds: openLocalSeconds(dayNumber: d)) else { return false }
        return !isHalted(at: t.seconds, tradeDay: d)
    }

    /// True when `t`, a time inside trade day `d`'s session, falls in that day's intraday halt
    /// (the 15:15–15:30 CT break of earlier eras).
    public func isHalted(at t: Int64, tradeDay d: Int64) -> Bool {
        guard !eras.isEmpty, let halt = era(dayNumber: d)?.haltMinutes else { return false }
        let local = t + zone.offset(atUTC: t) - d * 86_400
        return local >= Int64(halt.lowerBound) * 60 && local < Int64(halt.upperBound) * 60
    }

    /// The stretch of time around `t` during which the market trades without a break (session
    /// open or halt end → halt start or session close), as UTC seconds; nil when closed at `t`.
    /// Lets a bar loop test "open?" with two comparisons instead of a calendar look-up.
    public func openInterval(containing t: Timestamp) -> Range<Int64>? {
        let d = tradeDayNumber(containing: t.seconds)
        let open = zone.utcSeconds(fromLocalSeconds: openLocalSeconds(dayNumber: d))
        let close = zone.utcSeconds(fromLocalSeconds: closeLocalSeconds(dayNumber: d))
        guard t.seconds >= open, t.seconds < close else { return nil }
        if !eras.isEmpty, let halt = era(dayNumber: d)?.haltMinutes {
            let hs = zone.utcSeconds(fromLocalSeconds: d * 86_400 + Int64(halt.lowerBound) * 60)
            let he = zone.utcSeconds(fromLocalSeconds: d * 86_400 + Int64(halt.upperBound) * 60)
            if hs < close {
                if t.seconds < hs { return open..<hs }
                if t.seconds < he { return nil }
                return he..<close
            }
        }
        return open..<close
    }

    /// Open and close (UTC) of a trade date's session: open 17:00 CT on the previous calendar day,
    /// close 16:00 CT or the early close. Nil when the exchange is closed that trade date (weekend
    /// or `closed` holiday).
    public func session(for date: TradeDate) -> (open: Timestamp, close: Timestamp)? {
        guard isTradingDay(date) else { return nil }
        return (Timestamp(seconds: zone.utcSeconds(fromLocalSeconds: openLocalSeconds(dayNumber: date.dayNumber))),
                Timestamp(seconds: zone.utcSeconds(fromLocalSeconds: closeLocalSeconds(dayNumber: date.dayNumber))))
    }

    /// The regular (cash) session open, 08:30 CT on the trade date, as UTC. Nil when the exchange
    /// is closed that trade date or its session closes at or before 08:30 (2018-12-05).
    public func regularOpen(for date: TradeDate) -> Timestamp? {
        guard isTradingDay(date) else { return nil }
        let local = date.dayNumber * 86_400 + Int64(regularOpenMinute) * 60
        guard local < closeLocalSeconds(dayNumber: date.dayNumber) else { return nil }
        return Timestamp(seconds: zone.utcSeconds(fromLocalSeconds: local))
    }

    /// The overnight window of a trade date: from `start` on the calendar day before the trade date
    /// (by default 18:00 New York, the Globex evening open) to `end` on the trade date (by default
    /// 09:30 New York, the cash open), half-open `[from, to)`, each end converted in its own zone
    /// so the window is right across daylight-saving changes in either zone.
    ///
    /// For Monday the start is Sunday evening. The window is computed even for a date the exchange
    /// is closed; check `isTradingDay` first when that matters.
    public func overnightWindow(
        for date: TradeDate,
        start: LocalTime = .globexEveningOpenET,
        end: LocalTime = .cashOpenET
    ) -> TimeWindow {
        TimeWindow(from: start.instant(on: date.adding(days: -1)), to: end.instant(on: date))
    }

    // MARK: The holiday table

    /// Parses a holiday table: a header `date,kind,close_ct,note` or `date,kind,close_ct,source,note`,
    /// then one row per trade date. `kind` is `closed` (close_ct empty) or `early_close` (close_ct
    /// `HH:MM` in the calendar's zone, before the normal close). `source` (no commas) says where the
    /// row comes from and may not be empty when the column is there. The note is the rest of the
    /// line and may contain commas. Blank lines and lines starting with `#` are skipped.
    ///
    /// - Throws: `DataError.badInput(file: source, line:, field:, reason:)`; `line` is 1-based and
    ///   counts the header and comment lines.
    public static func parseHolidays(_ csv: String, source: String, closeMinute: Int = 16 * 60) throws -> [Holiday] {
        var out: [Holiday] = []
        var firstLine: [Int64: Int] = [:]
        var sawHeader = false, hasSource = false
        var lineNumber = 0
        for rawLine in csv.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.first == "#" { continue }
            if !sawHeader {
                let cols = trimmed.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingSpaces }
                hasSource = cols == ["date", "kind", "close_ct", "source", "note"]
                guard cols == ["date", "kind", "close_ct", "note"] || hasSource else {
                    throw DataError.badInput(file: source, line: lineNumber, field: nil,
                                             reason: "expected the header 'date,kind,close_ct,note' (or 'date,kind,close_ct,source,note'), found '\(trimmed)'")
                }
                sawHeader = true
                continue
            }
            let columns = hasSource ? "date,kind,close_ct,source,note" : "date,kind,close_ct,note"
            let f = trimmed.split(separator: ",", maxSplits: hasSource ? 4 : 3, omittingEmptySubsequences: false)
            guard f.count >= (hasSource ? 4 : 3) else {
                throw DataError.badInput(file: source, line: lineNumber, field: nil,
                                         reason: "expected '\(columns)', found \(f.count) field(s) in '\(trimmed)'")
            }
            let dateText = f[0].trimmingSpaces, kindText = f[1].trimmingSpaces, closeText = f[2].trimmingSpaces
            let rowSource = hasSource ? f[3].trimmingSpaces : ""
            let noteIndex = hasSource ? 4 : 3
            let note = f.count > noteIndex ? f[noteIndex].trimmingSpaces : ""
            if hasSource && rowSource.isEmpty {
                throw DataError.badInput(file: source, line: lineNumber, field: "source", reason: "every row names its source")
            }
            guard let date = TradeDate(dateText) else {
                throw DataError.badInput(file: source, line: lineNumber, field: "date",
                                         reason: "'\(dateText)' is not a date YYYY-MM-DD")
            }
            if date.isWeekend {
                throw DataError.badInput(file: source, line: lineNumber, field: "date",
                                         reason: "\(date) is a \(date.weekday == 0 ? "Sunday" : "Saturday"); list the weekday trade date (observed holidays move to Friday or Monday)")
            }
            if let first = firstLine[date.dayNumber] {
                throw DataError.badInput(file: source, line: lineNumber, field: "date",
                                         reason: "\(date) is listed twice (first on line \(first))")
            }
            firstLine[date.dayNumber] = lineNumber
            let kind: Holiday.Kind
            switch kindText {
            case "closed":
                guard closeText.isEmpty else {
                    throw DataError.badInput(file: source, line: lineNumber, field: "close_ct",
                                             reason: "a closed date takes no close time, found '\(closeText)' (use kind early_close)")
                }
                kind = .closed
            case "early_close":
                guard let (h, m) = LocalTime.parseClock(Substring(closeText)) else {
                    throw DataError.badInput(file: source, line: lineNumber, field: "close_ct",
                                             reason: "'\(closeText)' is not a close time HH:MM")
                }
                guard h * 60 + m < closeMinute else {
                    throw DataError.badInput(file: source, line: lineNumber, field: "close_ct",
                                             reason: "early close \(closeText) is not before the normal close")
                }
                kind = .earlyClose(minuteOfDay: h * 60 + m)
            default:
                throw DataError.badInput(file: source, line: lineNumber, field: "kind",
                                         reason: "'\(kindText)' is not a kind: use closed or early_close")
            }
            out.append(Holiday(date: date, kind: kind, note: note, source: rowSource))
        }
        if !sawHeader {
            throw DataError.badInput(file: source, line: nil, field: nil,
                                     reason: "no header 'date,kind,close_ct,note'")
        }
        return out
    }

    /// CME Globex equity index futures (ES/NQ/YM/RTY and micros): closed dates and early closes by
    /// trade date, close times in America/Chicago — the resource file `cme-equity-holidays.csv`
    /// (columns `date,kind,close_ct,source,note`; each row names where it comes from). Rule-made rows
    /// (US exchange holidays with their weekend observance) were drafted by
    /// `scripts/reference/cme_equity_holidays.py`; the one-off rows carry their evidence in the
    /// source and note. Checked against the 2016–2021 ES minute files by `SessionCalendarTests`
    /// (every closed date has no bars, every early close ends on the minute).
    ///
    /// Known doubts: holiday halts are 10:30 CT through 2014 (CME's schedule of the time, confirmed
    /// for 2013) and 12:00 CT from 2015 (2016 on confirmed by data); 2026-04-03 follows the
    /// payrolls-on-Good-Friday precedent.
    public static let cmeEquityIndexHolidaysCSV: String = {
        // The file ships in the package's resource bundle, beside the built binaries and tests.
        guard let url = Bundle.module.url(forResource: "cme-equity-holidays", withExtension: "csv"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("the built-in holiday table cme-equity-holidays.csv is missing from the Data resource bundle")
        }
        return text
    }()
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
