import Data
import Foundation
import Trading

/// One axis of a sweep: a parameter and the values it takes (as text the parameter's spec
/// parses), or several parameters that move together (`stop_ticks,target_ticks=8:8,20:40`).
public struct SweepAxis: Hashable, Sendable, CustomStringConvertible {
    public var names: [String]
    /// One tuple per point on the axis, in `names` order.
    public var tuples: [[String]]

    public init(name: String, values: [String]) { names = [name]; tuples = values.map { [$0] } }
    public init(names: [String], tuples: [[String]]) { self.names = names; self.tuples = tuples }

    public var name: String { names.joined(separator: ",") }
    public var count: Int { tuples.count }

    /// Parses `name=v1,v2,…`, `name=a..b:step` (inclusive; integers or decimals) or, for
    /// parameters that move together, `a,b=a1:b1,a2:b2,…`.
    public static func parse(_ text: String) throws -> SweepAxis {
        func fail(_ why: String) -> DataError { .badInput(file: "--param", line: nil, field: text, reason: why) }
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw fail("expected name=v1,v2,… or name=a..b:step") }
        let name = parts[0], spec = parts[1]
        let names = name.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if names.count > 1 {
            let tuples = spec.split(separator: ",").map { $0.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) } }
            guard tuples.allSatisfy({ $0.count == names.count && !$0.contains(where: \.isEmpty) }) else {
                throw fail("paired values must have \(names.count) parts each, e.g. \(names.joined(separator: ","))=\(names.map { _ in "1" }.joined(separator: ":"))")
            }
            return SweepAxis(names: names, tuples: tuples)
        }
        if let dots = spec.range(of: "..") {
            let lo = String(spec[..<dots.lowerBound])
            var rest = String(spec[dots.upperBound...])
            var stepText = "1"
            if let colon = rest.firstIndex(of: ":") { stepText = String(rest[rest.index(after: colon)...]); rest = String(rest[..<colon]) }
            guard let a = ScaledDecimal(lo), let b = ScaledDecimal(rest), let st = ScaledDecimal(stepText), st.mantissa > 0 else {
                throw fail("range '\(spec)' must be a..b:step with numbers and a positive step")
            }
            let scale = max(a.scale, b.scale, st.scale)
            func scaled(_ d: ScaledDecimal) -> Int64 { var m = d.mantissa; for _ in d.scale..<scale { m *= 10 }; return m }
            let (x, y, step) = (scaled(a), scaled(b), scaled(st))
            guard x <= y else { throw fail("range '\(spec)' runs backwards") }
            guard (y - x) / step < 100_000 else { throw fail("range '\(spec)' has more than 100,000 values") }
            var values: [String] = []
            var v = x
            while v <= y {
                values.append(scale == 0 ? String(v) : TickSize(units: 1, scale: scale).format(Price(ticks: v)))
                v += step
            }
            return SweepAxis(name: name, values: values)
        }
        let values = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !values.contains(where: \.isEmpty) else { throw fail("empty value in '\(spec)'") }
        return SweepAxis(name: name, values: values)
    }

    public var description: String { "\(name)=\(tuples.map { $0.joined(separator: ":") }.joined(separator: ","))" }
}

/// One configuration of a sweep: its position in the full grid and its parameter values.
public struct SweepCell: Hashable, Sendable {
    public var index: Int
    public var values: [String: String]
    public init(index: Int, values: [String: String]) { self.index = index; self.values = values }
}

/// The parameter space: the grid of every axis crossed (the first axis outermost), a seeded
/// random sample of it, and deterministic shards for job arrays.
public struct SweepSpace: Hashable, Sendable, CustomStringConvertible {
    public var axes: [SweepAxis]
    public init(axes: [SweepAxis]) { self.axes = axes }

    public var count: Int { axes.reduce(1) { $0 * max($1.count, 1) } }

    /// Cell `i` of the grid (last axis varies fastest).
    public func cell(_ i: Int) -> SweepCell {
        var rest = i
        var values: [String: String] = [:]
        for axis in axes.reversed() {
            let tuple = axis.tuples[rest % axis.count]
            for (k, n) in axis.names.enumerated() { values[n] = tuple[k] }
            rest /= axis.count
        }
        return SweepCell(index: i, values: values)
    }

    /// The grid cells next to cell `i`: one step up or down along each axis.
    public func neighbours(of i: Int) -> [Int] {
        var coords: [Int] = []
        var rest = i
        for axis in axes.reversed() { coords.append(rest % axis.count); rest /= axis.count }
        coords.reverse()
        var out: [Int] = []
        for (k, axis) in axes.enumerated() {
            for d in [-1, 1] {
                let c = coords[k] + d
                guard c >= 0 && c < axis.count else { continue }
                var moved = coords
                moved[k] = c
                out.append(zip(moved, axes).reduce(0) { $0 * $1.1.count + $1.0 })
            }
        }
        return out
    }

    /// Every parameter name on the axes, in axis order.
    public var names: [String] { axes.flatMap(\.names) }

    public func grid() -> [SweepCell] { (0..<count).map(cell) }

    /// `n` distinct cells drawn with a seeded generator (all of them when `n` ≥ the grid).
    public func random(_ n: Int, seed: UInt64) -> [SweepCell] {
        guard n < count else { return grid() }
        var rng = SeededGenerator(seed: seed)
        var picked = Set<Int>()
        while picked.count < n { picked.insert(Int(rng.next() % UInt64(count))) }
        return picked.sorted().map(cell)
    }

    /// Shard `k` of `n` (1-based): every n-th cell starting at k − 1.
    public static func shard(_ cells: [SweepCell], k: Int, n: Int) -> [SweepCell] {
        cells.enumerated().filter { $0.offset % n == k - 1 }.map(\.element)
    }

    public var description: String { axes.map(\.description).joined(separator: " ") }

    /// The space back from its `description` (as the store keeps it).
    ///
    /// - Throws: `DataError.badInput` for an axis that does not parse.
    public init(parsing description: String) throws {
        self.init(axes: try description.split(separator: " ").map { try SweepAxis.parse(String($0)) })
    }

    /// Cell `i`'s parameters as `name=value` pairs in axis order: how the overfitting statistics
    /// and the walk-forward windows name a configuration.
    public func label(_ i: Int) -> String {
        let values = cell(i).values
        return names.map { "\($0)=\(values[$0] ?? "")" }.joined(separator: " ")
    }
}

/// What a sweep keeps of one configuration's backtest.
public struct SweepOutcome: Hashable, Sendable {
    public var cell: SweepCell
    public var configHash: String
    public var trades: Int
    public var netPnl: Money
    public var winRate: Double
    public var profitFactor: Double?
    public var sharpe: Double?
    public var maxDrawdown: Double?
    public var ruleBreaches: Int
    public var seconds: Double

    public init(cell: SweepCell, configHash: String, summary: RunSummary) {
        self.cell = cell; self.configHash = configHash
        trades = summary.trades; netPnl = Money(summary.netPnlUsd) ?? .zero; winRate = summary.winRate
        profitFactor = summary.profitFactor; sharpe = summary.sharpe; maxDrawdown = summary.maxDrawdownUsd
        ruleBreaches = summary.ruleBreaches.count; seconds = summary.seconds
    }

    public init(cell: SweepCell, configHash: String, trades: Int, netPnl: Money, winRate: Double, profitFactor: Double?,
                sharpe: Double?, maxDrawdown: Double?, ruleBreaches: Int, seconds: Double) {
        self.cell = cell; self.configHash = configHash; self.trades = trades; self.netPnl = netPnl; self.winRate = winRate
        self.profitFactor = profitFactor; self.sharpe = sharpe; self.maxDrawdown = maxDrawdown
        self.ruleBreaches = ruleBreaches; self.seconds = seconds
    }

    /// A metric by name, for ranking (`net_pnl`, `sharpe`, `profit_factor`, `win_rate`, `trades`,
    /// `max_drawdown` — smaller drawdowns rank higher).
    public func metric(_ name: String) -> Double? {
        switch name {
        case "net_pnl": netPnl.dollars
        case "sharpe": sharpe
        case "profit_factor": profitFactor
        case "win_rate": winRate
        case "trades": Double(trades)
        case "max_drawdown": maxDrawdown.map { -$0 }
        default: nil
        }
    }
    public static let metrics = ["net_pnl", "sharpe", "profit_factor", "win_rate", "trades", "max_drawdown"]
}

/// Runs sweep cells on every core: each cell is a full backtest through the same engine, built by
/// `evaluate` from shared, read-only bars. Results arrive in completion order; `isCancelled` is
/// polled between cells (Ctrl-C stops scheduling, finished cells are kept).
public enum SweepRunner {
    public static func run(
        _ cells: [SweepCell], workers: Int, isCancelled: @escaping @Sendable () -> Bool,
        evaluate: @escaping @Sendable (SweepCell) throws -> SweepOutcome,
        onResult: (SweepOutcome) throws -> Void
    ) async throws {
        var next = 0
        try await withThrowingTaskGroup(of: SweepOutcome?.self) { group in
            func launch() {
                guard next < cells.count, !isCancelled() else { return }
                let cell = cells[next]
                next += 1
                group.addTask { isCancelled() ? nil : try evaluate(cell) }
            }
            for _ in 0..<max(1, workers) { launch() }
            while let r = try await group.next() {
                if let r { try onResult(r) }
                launch()
            }
        }
    }
}

/// Walk-forward windows: optimise on an in-sample window, trade the next out-of-sample window
/// with the winner, move on by the out-of-sample length (rolling) or keep the in-sample start
/// (anchored). The stitched out-of-sample result is the number to believe.
public struct WalkForward: Hashable, Sendable {
    public struct Window: Hashable, Sendable {
        /// Bar indexes of the in-sample and out-of-sample parts; in-sample always ends where
        /// out-of-sample begins, so optimisation never sees the bars it is judged on.
        public var inSample: Range<Int>
        public var outOfSample: Range<Int>
    }
    public var inMonths: Int
    public var outMonths: Int
    public var anchored: Bool

    public init(inMonths: Int, outMonths: Int, anchored: Bool) {
        self.inMonths = inMonths; self.outMonths = outMonths; self.anchored = anchored
    }

    /// Parses `in=6,out=1` or `in=6,out=1,anchored` (months).
    public static func parse(_ text: String) throws -> WalkForward {
        var inM: Int?, outM: Int?, anchored = false
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if part == "anchored" { anchored = true; continue }
            if part == "rolling" { continue }
            let kv = part.split(separator: "=").map(String.init)
            guard kv.count == 2, let n = Int(kv[1]), n > 0 else {
                throw DataError.badInput(file: "--walk-forward", line: nil, field: part, reason: "expected in=MONTHS,out=MONTHS[,anchored]")
            }
            if kv[0] == "in" { inM = n } else if kv[0] == "out" { outM = n } else {
                throw DataError.badInput(file: "--walk-forward", line: nil, field: part, reason: "unknown key; use in, out, anchored")
            }
        }
        guard let inM, let outM else { throw DataError.badInput(file: "--walk-forward", line: nil, field: text, reason: "give both in=… and out=… (months)") }
        return WalkForward(inMonths: inM, outMonths: outM, anchored: anchored)
    }

    /// The windows over a series, on calendar-month boundaries (UTC) from its first bar.
    public func windows(_ s: BarSeries) -> [Window] {
        guard let first = s.first?.time else { return [] }
        let c = CivilTime(utcSeconds: first.seconds)
        func monthStart(_ k: Int) -> Int64 {
            let m = c.month - 1 + k
            return Timestamp(year: c.year + m / 12, month: m % 12 + 1, day: 1).seconds
        }
        var out: [Window] = []
        var k = 0
        while true {
            let isStart = anchored ? monthStart(0) : monthStart(k * outMonths)
            let oosStart = monthStart(k * outMonths + inMonths)
            let oosEnd = monthStart(k * outMonths + inMonths + outMonths)
            let a = s.lowerBound(anchored ? first.seconds : max(isStart, first.seconds)), b = s.lowerBound(oosStart), e = s.lowerBound(oosEnd)
            if b >= s.count || b == e { break }
            out.append(Window(inSample: a..<b, outOfSample: b..<e))
            k += 1
        }
        return out
    }
}
