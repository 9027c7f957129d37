import Data

/// Text for people: currency, percentages, fixed decimals and exchange-time dates. Hand-rolled
/// (no `String(format:)`, no `NumberFormatter`) so that output does not depend on the machine's
/// locale and a 10,000-trade table formats in milliseconds.
public enum Fmt {
    /// The zone every time in a report is shown in.
    public static let zone = ZoneRules.newYork
    /// The zone's short name as the report labels it.
    public static let zoneLabel = "ET"

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    /// By `TradeDate.weekday` (0 Sunday).
    static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    /// `1234567` → `1,234,567`.
    public static func grouped(_ v: UInt64) -> String {
        let digits = String(v)
        guard digits.utf8.count > 3 else { return digits }
        var out = ""
        out.reserveCapacity(digits.utf8.count + digits.utf8.count / 3)
        let n = digits.utf8.count
        for (i, c) in digits.enumerated() {
            if i > 0 && (n - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    /// `$1,234.50`, `-$1,234.50`, `$0.00`.
    public static func usd(_ m: Money) -> String {
        let a = m.cents.magnitude
        let frac = a % 100
        return (m.cents < 0 ? "-$" : "$") + grouped(a / 100) + (frac < 10 ? ".0" : ".") + String(frac)
    }

    /// Dollars rounded to the cent (`decimals` 2) or to whole dollars (`decimals` 0); nil → `n/a`.
    public static func usd(_ v: Double?, decimals: Int = 2) -> String {
        guard let v, v.isFinite else { return "n/a" }
        if decimals >= 2 { return usd(Money(cents: Int64((v * 100).rounded()))) }
        let whole = Int64(v.rounded())
        return (whole < 0 ? "-$" : "$") + grouped(whole.magnitude)
    }

    /// A number with `digits` decimals, half away from zero, no grouping: `fixed(-0.004, 2)` is `0.00`
    /// (no negative zero). nil or not finite → `n/a`.
    public static func fixed(_ v: Double?, _ digits: Int) -> String {
        guard let v, v.isFinite else { return "n/a" }
        var scale = 1.0
        for _ in 0..<max(0, digits) { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        guard scaled < 9e18 else { return String(v) }
        let n = UInt64(scaled)
        let p = UInt64(scale)
        let sign = v < 0 && n > 0 ? "-" : ""
        if digits <= 0 { return sign + String(n) }
        let frac = String(n % p)
        return sign + String(n / p) + "." + String(repeating: "0", count: digits - frac.utf8.count) + frac
    }

    /// `fixed` with thousands separators: `12,345.6`.
    public static func groupedFixed(_ v: Double, _ digits: Int) -> String {
        let s = fixed(v, digits)
        guard s != "n/a" else { return s }
        let dot = s.firstIndex(of: ".") ?? s.endIndex
        let neg = s.hasPrefix("-")
        let intPart = s[s.index(s.startIndex, offsetBy: neg ? 1 : 0)..<dot]
        guard let whole = UInt64(intPart) else { return s }
        return (neg ? "-" : "") + grouped(whole) + s[dot...]
    }

    /// A fraction as a percentage: `percent(0.1234)` is `12.34%`.
    public static func percent(_ fraction: Double?, digits: Int = 2) -> String {
        guard let f = fraction, f.isFinite else { return "n/a" }
        return fixed(f * 100, digits) + "%"
    }

    /// `2023-09-25 09:31` in New York time.
    public static func dateTime(_ t: Timestamp) -> String {
        stamp(t.seconds + zone.offset(atUTC: t.seconds), separator: UInt8(ascii: " "), seconds: false, suffix: nil)
    }

    /// `2023-09-25` in New York time.
    public static func date(_ t: Timestamp) -> String { zone.local(t).dateString }

    /// ISO-8601 with New York's offset: `2023-09-25T09:31:00-04:00`.
    public static func isoET(_ t: Timestamp) -> String {
        let off = zone.offset(atUTC: t.seconds)
        return stamp(t.seconds + off, separator: UInt8(ascii: "T"), seconds: true, suffix: off)
    }

    /// ISO-8601 in UTC: `2023-09-25T13:31:00Z` (what `Timestamp.iso8601` prints, without its
    /// intermediate strings: tables format tens of thousands of these).
    public static func isoUTC(_ t: Timestamp) -> String { stamp(t.seconds, separator: UInt8(ascii: "T"), seconds: true, suffix: 0, zulu: true) }

    /// Wall-clock seconds (local fields read as UTC) written digit by digit into one string.
    static func stamp(_ local: Int64, separator: UInt8, seconds: Bool, suffix offset: Int64?, zulu: Bool = false) -> String {
        let c = CivilTime(utcSeconds: local)
        let capacity = 25
        return String(unsafeUninitializedCapacity: capacity) { b in
            var i = 0
            func put(_ v: Int, _ width: Int) {
                var d = 1
                for _ in 1..<width { d *= 10 }
                while d > 0 { b[i] = UInt8(48 + v / d % 10); d /= 10; i += 1 }
            }
            func ch(_ u: UInt8) { b[i] = u; i += 1 }
            put(c.year, 4); ch(45); put(c.month, 2); ch(45); put(c.day, 2); ch(separator)
            put(c.hour, 2); ch(58); put(c.minute, 2)
            if seconds { ch(58); put(c.second, 2) }
            if zulu {
                ch(90)
            } else if let off = offset {
                let a = Int(off.magnitude)
                ch(off < 0 ? 45 : 43); put(a / 3600, 2); ch(58); put(a / 60 % 60, 2)
            }
            return i
        }
    }

    /// `Sep 25` (a trade date, no zone).
    public static func monthDay(_ d: TradeDate) -> String { monthNames[d.month - 1] + " " + String(d.day) }

    /// `Oct 2023`.
    public static func monthYear(year: Int, month: Int) -> String { monthNames[month - 1] + " " + String(year) }

    static func two(_ v: Int) -> String { v < 10 ? "0" + String(v) : String(v) }
}
