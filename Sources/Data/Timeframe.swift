/// A bar length: a count of a unit, from 1 second to 1 month.
///
/// Written as `1s 5s 15s 30s 1m 2m 3m 5m 15m 30m 1h 2h 4h 1d 1w 1M` (lower-case `m` is minutes,
/// upper-case `M` months). `projectXUnit` gives the gateway's unit numbers
/// (1 = second, 2 = minute, 3 = hour, 4 = day, 5 = week, 6 = month) with `count` as `unitNumber`.
public struct Timeframe: Hashable, Comparable, Sendable, CustomStringConvertible {
    public enum Unit: Int, Sendable, CaseIterable {
        case second = 1, minute = 2, hour = 3, day = 4, week = 5, month = 6

        var suffix: String {
            switch self {
            case .second: "s"
            case .minute: "m"
            case .hour: "h"
            case .day: "d"
            case .week: "w"
            case .month: "M"
            }
        }
    }

    public let unit: Unit
    public let count: Int

    public init(_ count: Int, _ unit: Unit) {
        precondition(count > 0, "a timeframe needs a positive count")
        self.unit = unit; self.count = count
    }

    /// The timeframes the product documents and the gateway serves.
    public static let standard: [Timeframe] = [
        .init(1, .second), .init(5, .second), .init(15, .second), .init(30, .second),
        .init(1, .minute), .init(2, .minute), .init(3, .minute), .init(5, .minute),
        .init(15, .minute), .init(30, .minute), .init(1, .hour), .init(2, .hour), .init(4, .hour),
        .init(1, .day), .init(1, .week), .init(1, .month),
    ]

    public static let oneMinute = Timeframe(1, .minute)
    public static let oneSecond = Timeframe(1, .second)
    public static let oneDay = Timeframe(1, .day)

    /// Parses `5m`, `1h`, `1M`; also `1min`, `60s` style text is accepted as given (`60s` stays
    /// 60 seconds). Returns nil for anything else.
    public init?(_ text: String) {
        var digits = ""
        var rest = Substring(text)
        while let c = rest.first, c.isASCII, c.isNumber { digits.append(c); rest = rest.dropFirst() }
        guard let n = Int(digits), n > 0, n <= 100_000 else { return nil }
        let unit: Unit
        switch rest {
        case "s", "sec", "S": unit = .second
        case "m", "min": unit = .minute
        case "h", "H", "hr": unit = .hour
        case "d", "D": unit = .day
        case "w", "W", "wk": unit = .week
        case "M", "mo", "mon": unit = .month
        default: return nil
        }
        self.init(n, unit)
    }

    /// ProjectX `unit` and `unitNumber`.
    public var projectXUnit: (unit: Int, unitNumber: Int) { (unit.rawValue, count) }

    public init?(projectXUnit unit: Int, unitNumber: Int) {
        guard let u = Unit(rawValue: unit), unitNumber > 0 else { return nil }
        self.init(unitNumber, u)
    }

    /// Length in seconds for units of fixed length (seconds to weeks); nil for months.
    public var fixedSeconds: Int64? {
        switch unit {
        case .second: Int64(count)
        case .minute: Int64(count) * 60
        case .hour: Int64(count) * 3600
        case .day: Int64(count) * 86_400
        case .week: Int64(count) * 604_800
        case .month: nil
        }
    }

    /// True for timeframes whose bars follow the exchange's trading day (1d and longer):
    /// those are built from the session calendar, not from UTC clock boundaries.
    public var isSessionBased: Bool { unit == .day || unit == .week || unit == .month }

    /// An approximate length in seconds used only for ordering (months as 31 days).
    public var nominalSeconds: Int64 { fixedSeconds ?? Int64(count) * 31 * 86_400 }

    public static func < (a: Timeframe, b: Timeframe) -> Bool {
        (a.nominalSeconds, a.unit.rawValue) < (b.nominalSeconds, b.unit.rawValue)
    }

    /// Whether bars of `self` can be built exactly from bars of `finer`.
    public func isMultiple(of finer: Timeframe) -> Bool {
        if isSessionBased { return finer < self && finer.fixedSeconds.map { 86_400 % $0 == 0 } ?? (finer.unit == .day) }
        guard let a = fixedSeconds, let b = finer.fixedSeconds else { return false }
        return a > b && a % b == 0
    }

    public var description: String { "\(count)\(unit.suffix)" }
}
