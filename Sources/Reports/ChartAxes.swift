import Data
import Foundation

/// "Nice" axis ticks for a numeric range: the smallest step of 1, 2 or 5 × 10ⁿ whose bounds (the
/// multiples of the step that enclose the data) give at most `maxTicks` ticks.
public struct NiceScale: Sendable, Hashable {
    public let lower: Double
    public let upper: Double
    public let step: Double

    /// At most about `maxTicks` ticks over `[lo, hi]`. An empty range (lo == hi) is widened to a
    /// unit around the value so that the axis still has ticks; `integer` keeps the step ≥ 1.
    public init(_ lo: Double, _ hi: Double, maxTicks: Int = 6, integer: Bool = false) {
        var a = min(lo, hi), b = max(lo, hi)
        if !a.isFinite || !b.isFinite { a = 0; b = 1 }
        if a == b {
            let pad = a == 0 ? 1 : abs(a) * 0.05
            a -= pad; b += pad
        }
        // The smallest 1-2-5 step whose enclosing bounds give at most `maxTicks` ticks.
        var step = Self.nice((b - a) / Double(max(1, maxTicks - 1)), round: false)
        if integer { step = max(1, step.rounded()) }
        while true {
            let (k0, k1) = Self.bounds(a, b, step)
            if k1 - k0 + 1 <= Double(max(2, maxTicks)) { break }
            step = Self.nice(step * 1.01, round: false)
        }
        let (k0, k1) = Self.bounds(a, b, step)
        lower = k0 * step
        upper = k1 * step
        self.step = step
    }

    /// The multiples of `step` that enclose `[a, b]`, checked after the multiplication, whose
    /// rounding can land a hair inside the data (122705.7 / 0.1 × 0.1 = 122705.70000000001).
    static func bounds(_ a: Double, _ b: Double, _ step: Double) -> (Double, Double) {
        var k0 = (a / step).rounded(.down), k1 = (b / step).rounded(.up)
        if k0 * step > a { k0 -= 1 }
        if k1 * step < b { k1 += 1 }
        return (k0, k1)
    }

    /// The ticks from `lower` to `upper` inclusive (computed as k × step, so no drift; no −0).
    public var ticks: [Double] {
        let first = Int64((lower / step).rounded()), last = Int64((upper / step).rounded())
        return (first...max(first, last)).map { k in
            let v = Double(k) * step
            return v == 0 ? 0 : v
        }
    }

    /// Decimals needed to print the ticks exactly (0 for steps ≥ 1).
    public var decimals: Int { step >= 1 ? 0 : Int((-log10(step)).rounded(.up)) }

    /// The nice number near `x`: rounded (for the step) or the ceiling (for the range).
    static func nice(_ x: Double, round: Bool) -> Double {
        guard x > 0 else { return 1 }
        let e = (log10(x)).rounded(.down)
        let p = pow(10, e)
        let f = x / p
        let nf: Double
        if round {
            nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10
        } else {
            nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10
        }
        return nf * p
    }
}

/// Date ticks for an axis of trade dates (day numbers): every day, every other day, Mondays, every
/// other Monday, first of the month (every 1, 2, 3 or 6 months) or first of the year (every 1, 2,
/// 5 or 10 years): the finest that gives at most `maxTicks` ticks.
public enum DateTicks {
    public enum Step: Sendable, Hashable {
        case days(Int), weeks(Int), months(Int), years(Int)
    }

    static let candidates: [Step] = [.days(1), .days(2), .weeks(1), .weeks(2), .months(1), .months(2), .months(3), .months(6),
                                     .years(1), .years(2), .years(5), .years(10), .years(50)]

    /// Ticks within `[first, last]` (day numbers) and their labels: `Sep 25` for day and week
    /// steps, `Oct 2023` for month steps, `2023` for year steps.
    public static func ticks(first: Int64, last: Int64, maxTicks: Int = 8) -> (step: Step, ticks: [(day: Int64, label: String)]) {
        let lo = min(first, last), hi = max(first, last)
        for step in candidates {
            let t = generate(step, lo, hi, limit: maxTicks + 1)
            if t.count <= maxTicks { return (step, t.map { ($0, label($0, step)) }) }
        }
        let step = candidates[candidates.count - 1]
        return (step, generate(step, lo, hi, limit: maxTicks).map { ($0, label($0, step)) })
    }

    /// The tick days of `step` in `[lo, hi]`, stopping after `limit`.
    static func generate(_ step: Step, _ lo: Int64, _ hi: Int64, limit: Int) -> [Int64] {
        var out: [Int64] = []
        switch step {
        case .days(let k):
            var d = lo + ((Int64(k) - lo % Int64(k)) % Int64(k))
            while d <= hi && out.count < limit { out.append(d); d += Int64(k) }
        case .weeks(let k):
            // Mondays; every k-th counted from the Monday of 1970-01-05 (day 4).
            var d = TradeDate(dayNumber: lo).weekMonday.dayNumber
            while (d - 4) % (7 * Int64(k)) != 0 { d += 7 }
            if d < lo { d += 7 * Int64(k) }
            while d <= hi && out.count < limit { out.append(d); d += 7 * Int64(k) }
        case .months(let k):
            let s = TradeDate(dayNumber: lo)
            var y = s.year, m = s.month
            while (m - 1) % k != 0 { m += 1; if m > 12 { m = 1; y += 1 } }
            while out.count < limit {
                let d = CivilTime.daysFromCivil(year: y, month: m, day: 1)
                if d > hi { break }
                if d >= lo { out.append(d) }
                m += k; while m > 12 { m -= 12; y += 1 }
            }
        case .years(let k):
            var y = TradeDate(dayNumber: lo).year
            while y % k != 0 { y += 1 }
            while out.count < limit {
                let d = CivilTime.daysFromCivil(year: y, month: 1, day: 1)
                if d > hi { break }
                if d >= lo { out.append(d) }
                y += k
            }
        }
        return out
    }

    static func label(_ day: Int64, _ step: Step) -> String {
        let d = TradeDate(dayNumber: day)
        switch step {
        case .days, .weeks: return Fmt.monthDay(d)
        case .months: return Fmt.monthYear(year: d.year, month: d.month)
        case .years: return String(d.year)
        }
    }
}
