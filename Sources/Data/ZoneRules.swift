import Foundation

/// The UTC offsets of one IANA time zone, precomputed for 1970–2100 and answered by binary search.
///
/// Foundation's `TimeZone` is consulted only in `init(identifier:)`, which walks the zone's
/// transitions once and keeps two sorted arrays; every query afterwards is pure integer work with no
/// allocation, safe in the import and backtest hot loops and from any task.
///
/// Outside the precomputed span the offset of the nearest period is used (the last rule in force at
/// the start of 2100 continues for later instants; instants before the first transition use the
/// zone's offset at 1970-01-01T00:00Z).
///
/// Local-to-UTC conversion (`utc(fromLocal:)`) resolves the two ambiguous cases the same way on
/// every call:
/// - a local time that does not exist (inside a spring-forward gap, e.g. 02:30 on the second Sunday
///   of March in America/Chicago) is moved forward by the length of the gap (02:30 → 03:30 CDT);
/// - a local time that happens twice (the repeated hour of a fall-back, e.g. 01:30 on the first
///   Sunday of November) resolves to its first occurrence (01:30 CDT, the earlier instant).
public struct ZoneRules: Sendable, Hashable, CustomStringConvertible {
    /// The IANA identifier, e.g. `America/Chicago`.
    public let identifier: String
    /// `starts[i]` is the first UTC second at which `offsets[i]` applies; `starts[0]` is `Int64.min`.
    private let starts: [Int64]
    /// Seconds to add to UTC to get local wall-clock time (America/Chicago in winter: −21600).
    private let offsets: [Int64]

    /// First and last instants of the precomputed span: 1970-01-01T00:00Z and 2101-01-01T00:00Z.
    public static let spanStart: Int64 = 0
    public static let spanEnd: Int64 = CivilTime.daysFromCivil(year: 2101, month: 1, day: 1) * 86_400

    /// Builds the rules of an IANA zone (`America/Chicago`, `America/New_York`, `UTC`, …).
    ///
    /// - Throws: `DataError.badInput` naming the identifier when Foundation does not know the zone.
    public init(identifier: String) throws {
        guard let tz = TimeZone(identifier: identifier) else {
            throw DataError.badInput(
                file: "time zone", line: nil, field: "zone",
                reason: "unknown IANA time zone '\(identifier)' (use e.g. America/Chicago, America/New_York or UTC)")
        }
        self.identifier = identifier
        var starts: [Int64] = [Int64.min]
        var offsets: [Int64] = [Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(Self.spanStart))))]
        var cursor = Date(timeIntervalSince1970: Double(Self.spanStart))
        // `nextDaylightSavingTimeTransition` reports every rule change (DST or a change of standard
        // offset); a change that leaves the offset as it was (a renamed abbreviation) is skipped.
        while let next = tz.nextDaylightSavingTimeTransition(after: cursor) {
            let s = Int64(next.timeIntervalSince1970.rounded(.down))
            if s >= Self.spanEnd || next <= cursor { break }
            let off = Int64(tz.secondsFromGMT(for: next))
            if off != offsets[offsets.count - 1] {
                starts.append(s); offsets.append(off)
            }
            cursor = next
        }
        self.starts = starts
        self.offsets = offsets
        spanPeriods = Self.spanPeriods(starts)
    }

    /// Builds rules from explicit transitions (for tests and zones Foundation lacks): `offsets[i]`
    /// applies from `starts[i]` (UTC seconds) until the next start. `starts` must be strictly
    /// increasing; the first entry is treated as the beginning of time.
    public init(identifier: String, starts: [Int64], offsets: [Int64]) {
        precondition(!starts.isEmpty && starts.count == offsets.count, "one offset per start")
        precondition(zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 }, "starts must increase")
        self.identifier = identifier
        var s = starts
        s[0] = Int64.min
        self.starts = s
        self.offsets = offsets
        spanPeriods = Self.spanPeriods(s)
    }

    /// America/Chicago: CME Globex hours and settlement times are written in this zone.
    public static let chicago = ZoneRules.builtIn("America/Chicago")
    /// America/New_York: US cash-equity hours (09:30–16:00 ET) and the FirstRateData source stamps.
    public static let newYork = ZoneRules.builtIn("America/New_York")
    /// UTC (offset 0 at all times).
    public static let utc = ZoneRules(identifier: "UTC", starts: [0], offsets: [0])

    private static func builtIn(_ id: String) -> ZoneRules {
        do { return try ZoneRules(identifier: id) } catch {
            fatalError("Foundation has no time zone data for \(id): \(error)")
        }
    }

    /// Number of offset periods (one more than the number of transitions kept).
    public var periodCount: Int { starts.count }

    /// The UTC instants (seconds) at which the offset changes, in increasing order.
    public var transitions: ArraySlice<Int64> { starts.dropFirst() }

    /// The period in force at the start of each span of 2^21 s (about 24 days) from `spanStart`:
    /// `periodIndex` starts there and steps over the span's transitions (none or one in the
    /// zones traded), instead of a binary search over the ~260 transitions of 1970–2100, several
    /// times a trade date: `utcSeconds` alone was 2.0 % of an overnight-range year's profile with
    /// the search, 1.3–1.5 % of the grid's with this table (perf, `tsxlab-bench sweep`).
    private let spanPeriods: [Int32]
    private static let spanShift: Int64 = 21

    private static func spanPeriods(_ starts: [Int64]) -> [Int32] {
        let count = Int((spanEnd - spanStart) >> spanShift) + 1
        var out = [Int32](repeating: 0, count: count)
        var p = 0
        for b in 0..<count {
            let t = spanStart + (Int64(b) << spanShift)
            while p + 1 < starts.count && starts[p + 1] <= t { p += 1 }
            out[b] = Int32(p)
        }
        return out
    }

    /// Index of the period in force at `seconds` (UTC): the last `i` with `starts[i] <= seconds`.
    @inline(__always)
    private func periodIndex(atUTC seconds: Int64) -> Int {
        let b = (seconds &- Self.spanStart) >> Self.spanShift
        if b >= 0 && b < Int64(spanPeriods.count) {
            var p = Int(spanPeriods[Int(b)])
            while p &+ 1 < starts.count && starts[p &+ 1] <= seconds { p &+= 1 }
            return p
        }
        var lo = 0, hi = starts.count  // starts[0] = Int64.min <= seconds always
        while hi - lo > 1 {
            let mid = (lo + hi) >> 1
            if starts[mid] <= seconds { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// Seconds to add to a UTC instant (seconds since the epoch) to read the local wall clock.
    @inline(__always)
    public func offset(atUTC seconds: Int64) -> Int64 {
        offsets[periodIndex(atUTC: seconds)]
    }

    /// The local wall-clock reading of an instant.
    @inline(__always)
    public func local(_ t: Timestamp) -> CivilTime {
        CivilTime(utcSeconds: t.seconds + offset(atUTC: t.seconds))
    }

    /// Local wall-clock seconds (the local fields read as if they were UTC) of an instant.
    @inline(__always)
    public func localSeconds(_ t: Timestamp) -> Int64 {
        t.seconds + offset(atUTC: t.seconds)
    }

    /// The instant a local wall-clock reading denotes.
    ///
    /// A reading inside a spring-forward gap is moved forward by the gap (America/Chicago
    /// 2019-03-10 02:30 → 03:30 CDT = 08:30Z); a reading in a repeated fall-back hour resolves to its
    /// first occurrence (2019-11-03 01:30 → 01:30 CDT = 06:30Z). Pinned by `ZoneRulesTests`.
    public func utc(fromLocal c: CivilTime) -> Timestamp {
        Timestamp(seconds: utcSeconds(fromLocalSeconds: c.secondsAsUTC))
    }

    /// `utc(fromLocal:)` on local wall-clock seconds (fields read as UTC).
    public func utcSeconds(fromLocalSeconds local: Int64) -> Int64 {
        // Offsets are less than a day, so only the periods overlapping local ± 1 day can contain
        // the answer; transitions are months apart, so that is two or three periods.
        var p = periodIndex(atUTC: local &- 86_400)
        let last = starts.count - 1
        var best = Int64.max
        var gapAnswer = Int64.max
        while p <= last {
            let start = starts[p]
            if p > 0 && start > local &+ 86_400 { break }
            let end = p < last ? starts[p + 1] : Int64.max
            let u = local &- offsets[p]
            if u >= start && u < end {
                if u < best { best = u }
            } else if p < last, u >= end, local < end &+ offsets[p + 1] {
                // Local time falls after this period's last local second but before the next
                // period's first: a gap. Reading it with the pre-transition offset moves it
                // forward by the gap length.
                if u < gapAnswer { gapAnswer = u }
            }
            p += 1
        }
        if best != Int64.max { return best }
        if gapAnswer != Int64.max { return gapAnswer }
        return local &- offsets[periodIndex(atUTC: local)]
    }

    public var description: String { identifier }

    public static func == (a: ZoneRules, b: ZoneRules) -> Bool {
        a.identifier == b.identifier && a.starts == b.starts && a.offsets == b.offsets
    }

    public func hash(into h: inout Hasher) { h.combine(identifier) }
}
