/// Byte-level timestamp parsing for the import hot loop: no String, no Foundation, no allocation.
public enum TimestampParser {
    /// The result of parsing: seconds (UTC if the text carried a zone, wall-clock otherwise),
    /// the sub-second part in nanoseconds, and whether a zone designator was present.
    public struct Parsed: Sendable, Equatable {
        public var seconds: Int64
        public var nanos: Int64
        public var hadZone: Bool
    }

    @inline(__always)
    static func digit(_ p: UnsafePointer<UInt8>, _ i: Int) -> Int? {
        let c = Int(p[i]) &- 48
        return (c >= 0 && c <= 9) ? c : nil
    }

    @inline(__always)
    static func number(_ p: UnsafePointer<UInt8>, _ from: Int, _ count: Int) -> Int? {
        var v = 0
        for i in from..<(from + count) {
            guard let d = digit(p, i) else { return nil }
            v = v * 10 + d
        }
        return v
    }

    /// Parses a CSV timestamp: integer epoch digits (`parseEpoch`) or ISO-8601 text (`parseISO`).
    @inline(__always)
    public static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> Parsed? {
        var allDigits = n > 0
        for k in 0..<n where p[k] < 48 || p[k] > 57 { allDigits = false; break }
        return allDigits ? parseEpoch(p, n) : parseISO(p, n)
    }

    /// Parses ISO-8601-like text: `YYYY-MM-DD`, optionally followed by `T` or a space and
    /// `HH:MM[:SS[.digits]]`, optionally followed by `Z` or `±HH[:MM]`.
    public static func parseISO(_ p: UnsafePointer<UInt8>, _ n: Int) -> Parsed? {
        guard n >= 10, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
              let y = number(p, 0, 4), let mo = number(p, 5, 2), let d = number(p, 8, 2),
              mo >= 1, mo <= 12, d >= 1, d <= CivilTime.daysInMonth(year: y, month: mo)
        else { return nil }
        var h = 0, mi = 0, s = 0
        var nanos: Int64 = 0
        var i = 10
        if i < n, p[i] == UInt8(ascii: "T") || p[i] == UInt8(ascii: " ") {
            guard n >= i + 6, let hh = number(p, i + 1, 2), p[i + 3] == UInt8(ascii: ":"),
                  let mm = number(p, i + 4, 2), hh <= 23, mm <= 59 else { return nil }
            h = hh; mi = mm; i += 6
            if i < n, p[i] == UInt8(ascii: ":") {
                guard n >= i + 3, let ss = number(p, i + 1, 2), ss <= 59 else { return nil }
                s = ss; i += 3
                if i < n, p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: ",") {
                    i += 1
                    var scale: Int64 = 100_000_000
                    let start = i
                    while i < n, let dg = digit(p, i) {
                        nanos += Int64(dg) * scale
                        scale /= 10
                        i += 1
                    }
                    if i == start { return nil }
                }
            }
        }
        var offset = 0
        var hadZone = false
        if i < n {
            if p[i] == UInt8(ascii: "Z") || p[i] == UInt8(ascii: "z") {
                hadZone = true; i += 1
            } else if p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
                let sign = p[i] == UInt8(ascii: "-") ? -1 : 1
                guard n >= i + 3, let oh = number(p, i + 1, 2) else { return nil }
                var om = 0
                i += 3
                if i < n, p[i] == UInt8(ascii: ":") { i += 1 }
                if n >= i + 2, let m2 = number(p, i, 2) { om = m2; i += 2 }
                offset = sign * (oh * 3600 + om * 60)
                hadZone = true
            }
        }
        guard i == n else { return nil }
        let days = CivilTime.daysFromCivil(year: y, month: mo, day: d)
        let secs = days * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset)
        return Parsed(seconds: secs, nanos: nanos, hadZone: hadZone)
    }

    /// Parses an integer epoch stamp; its unit is read from its digit count
    /// (≤ 10 digits seconds, 11–13 milliseconds, 14–16 microseconds, 17–19 nanoseconds).
    public static func parseEpoch(_ p: UnsafePointer<UInt8>, _ n: Int) -> Parsed? {
        guard n >= 1, n <= 19 else { return nil }
        var v: Int64 = 0
        for i in 0..<n {
            // 19 digits may exceed Int64 (9999999999999999999 once trapped the importer; pinned by
            // `anEpochStampBeyondInt64IsNotATimestamp`).
            guard let d = digit(p, i) else { return nil }
            let (times10, o1) = v.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            v = next
        }
        switch n {
        case ...10: return Parsed(seconds: v, nanos: 0, hadZone: true)
        case 11...13: return Parsed(seconds: v / 1000, nanos: (v % 1000) * 1_000_000, hadZone: true)
        case 14...16: return Parsed(seconds: v / 1_000_000, nanos: (v % 1_000_000) * 1000, hadZone: true)
        default: return Parsed(seconds: v / 1_000_000_000, nanos: v % 1_000_000_000, hadZone: true)
        }
    }
}
