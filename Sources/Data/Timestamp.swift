/// A point in time, whole seconds since 1970-01-01T00:00:00Z (UTC).
///
/// Bars are stamped at their start in UTC; exchange-local times (America/Chicago, America/New_York)
/// are derived from this through `ZoneRules`, never stored.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds since the Unix epoch, UTC.
    public var seconds: Int64

    @inlinable public init(seconds: Int64) { self.seconds = seconds }

    @inlinable public static func < (a: Timestamp, b: Timestamp) -> Bool { a.seconds < b.seconds }

    @inlinable public func adding(seconds s: Int64) -> Timestamp { Timestamp(seconds: seconds + s) }

    /// 1800-01-01 and 2400-01-01: bounds for "all time" windows that still print as dates.
    public static let distantPast = Timestamp(seconds: -5_364_662_400)
    public static let distantFuture = Timestamp(seconds: 13_569_465_600)

    /// `2019-01-01T23:00:00Z`.
    public var description: String { iso8601 }

    /// ISO-8601 in UTC with a `Z`, to the second: `2019-01-01T23:00:00Z`.
    public var iso8601: String {
        let c = CivilTime(utcSeconds: seconds)
        return c.isoString + "Z"
    }

    /// Builds a UTC timestamp from calendar fields (no validation beyond arithmetic).
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        let days = CivilTime.daysFromCivil(year: year, month: month, day: day)
        self.seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff…]]` with `Z`, `±HH:MM` or no zone
    /// (no zone reads as UTC), or a space instead of `T`. Returns nil when it is not such a string.
    public init?(iso8601 text: String) {
        var t = text
        let parsed = t.withUTF8 { buf -> Int64? in
            TimestampParser.parseISO(buf.baseAddress!, buf.count)?.seconds
        }
        guard let parsed else { return nil }
        self.seconds = parsed
    }

    /// The nanoseconds since the epoch of ISO-8601 text, to the text's own precision (nil when
    /// it is not such text or lies beyond what 64 bits of nanoseconds hold, after 2262).
    public static func nanoseconds(iso8601 text: String) -> Int64? {
        var t = text
        guard !t.isEmpty, let p = t.withUTF8({ buf in TimestampParser.parseISO(buf.baseAddress!, buf.count) }) else { return nil }
        let (whole, overflow) = p.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (ns, past) = whole.addingReportingOverflow(p.nanos)
        return past ? nil : ns
    }
}

/// A wall-clock reading split into calendar fields, with conversions to and from day numbers.
/// Pure arithmetic (proleptic Gregorian calendar), no time zone.
public struct CivilTime: Hashable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
    }

    /// Splits seconds since the epoch (read as a wall clock) into fields.
    public init(utcSeconds: Int64) {
        let days = utcSeconds >= 0 ? utcSeconds / 86_400 : (utcSeconds - 86_399) / 86_400
        let secOfDay = Int(utcSeconds - days * 86_400)
        let (y, m, d) = CivilTime.civilFromDays(days)
        self.init(year: y, month: m, day: d, hour: secOfDay / 3600, minute: secOfDay / 60 % 60, second: secOfDay % 60)
    }

    /// Seconds since the epoch if these fields are read as UTC.
    public var secondsAsUTC: Int64 {
        CivilTime.daysFromCivil(year: year, month: month, day: day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Day of the week, 0 = Sunday … 6 = Saturday.
    public var weekday: Int {
        let days = CivilTime.daysFromCivil(year: year, month: month, day: day)
        let w = (days + 4) % 7  // 1970-01-01 was a Thursday
        return Int(w >= 0 ? w : w + 7)
    }

    /// `YYYY-MM-DDTHH:MM:SS`.
    public var isoString: String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
    }

    /// `YYYY-MM-DD`.
    public var dateString: String { "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }

    private func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
    @inlinable
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number (inverse of `daysFromCivil`).
    @inlinable
    public static func civilFromDays(_ z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    /// Days in a month of a year.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
