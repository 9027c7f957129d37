import Data
import Indicators

/// Two or more stored runs side by side, without any HTML: their headline figures with the
/// differences from the first run, the configuration keys that differ, and the trades that only
/// one run took. `CompareHTML` draws it; tests read it directly.
///
/// The first run is the reference: every difference is "later run − first run".
public struct RunComparison: Sendable {
    public let runs: [RunReport]
    /// The headline figures of `RunHTML.stats`, in its order, one value per run.
    public let stats: [StatRow]
    /// Configuration keys whose value is not the same in every run (or that some run lacks), in
    /// the order the runs list them (the first run's keys first).
    public let configDifferences: [ConfigDifference]
    /// Keys set to the same value in every run.
    public let identicalConfigKeys: Int
    /// Per run (same order as `runs`): its trades matched in another run, and those that are not.
    public let trades: [TradeOverlap]

    public init(_ runs: [RunReport]) {
        self.runs = runs
        stats = Self.statRows(runs)
        (configDifferences, identicalConfigKeys) = Self.configDiff(runs)
        trades = Self.overlap(runs)
    }

    // MARK: statistics

    /// How a figure is counted, so that its difference reads right: dollars, percent (differences
    /// in percentage points), a plain ratio, or a count.
    public enum Unit: Sendable, Hashable { case usd, percent, ratio, count }

    /// A figure exactly as shown: `minor` units of 10^−`decimals` (cents for dollars, hundredths of
    /// a percent for a return shown as `12.34%`), so a difference is the difference of the two
    /// numbers the page shows, with no rounding of its own.
    public struct Figure: Sendable, Hashable {
        public var minor: Int64
        public var decimals: Int
        public var unit: Unit

        public init(minor: Int64, decimals: Int, unit: Unit) { self.minor = minor; self.decimals = decimals; self.unit = unit }

        /// `value` rounded half away from zero to `decimals` places; nil when not finite.
        public init?(_ value: Double?, decimals: Int, unit: Unit) {
            guard let value, value.isFinite else { return nil }
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            let scaled = (value * scale).rounded()
            guard abs(scaled) < 9e18 else { return nil }
            self.init(minor: Int64(scaled), decimals: decimals, unit: unit)
        }

        public init(_ money: Money) { self.init(minor: money.cents, decimals: 2, unit: .usd) }

        /// `self − base`, when both are counted alike.
        public func minus(_ base: Figure) -> Figure? {
            guard base.decimals == decimals, base.unit == unit else { return nil }
            return Figure(minor: minor - base.minor, decimals: decimals, unit: unit)
        }

        /// The figure as a signed difference: `+$1,234.50`, `-$12.00`, `+1.5 pp`, `-0.27`, `+3`;
        /// zero without a sign (`$0.00`, `0.0 pp`).
        public var differenceText: String {
            let sign = minor > 0 ? "+" : ""
            switch unit {
            case .usd: return sign + Fmt.usd(Money(cents: minor))
            case .percent: return sign + text + " pp"
            case .ratio, .count: return sign + text
            }
        }

        var text: String {
            var scale: Int64 = 1
            for _ in 0..<decimals { scale *= 10 }
            let a = minor.magnitude, s = UInt64(scale)
            let whole = String(a / s)
            guard decimals > 0 else { return (minor < 0 ? "-" : "") + whole }
            let frac = String(a % s)
            return (minor < 0 ? "-" : "") + whole + "." + String(repeating: "0", count: decimals - frac.utf8.count) + frac
        }
    }

    /// One headline figure across the runs.
    public struct StatRow: Sendable, Hashable {
        /// `RunHTML.Stat.id`: `net_pnl`, `return`, `max_drawdown`, …
        public var id: String
        public var label: String
        /// What each run's report shows (`RunHTML.stats`' value), one per run.
        public var values: [String]
        /// The figure behind each value (nil when the run has none, e.g. no profit factor).
        public var figures: [Figure?]
        /// For each later run (`runs[1...]`): its figure less the first run's; nil when either lacks one.
        public var differences: [Figure?]
        /// +1 when a larger figure is better for the trader (net P&L, Sharpe), −1 when smaller is
        /// (fees, breaches), 0 when neither (number of trades).
        public var better: Int

        /// The text of the difference of `runs[k]` (k ≥ 1) from the first run; `n/a` without one.
        public func differenceText(run k: Int) -> String {
            guard k >= 1, k - 1 < differences.count, let d = differences[k - 1] else { return "n/a" }
            return d.differenceText
        }
    }

    /// The figure behind a headline stat of `RunHTML.stats`, counted at the precision it is shown
    /// with; nil for a stat it does not know (a new one shows its values without a difference).
    static func figure(_ id: String, _ r: RunReport, _ t: TradeStatistics) -> (Figure?, better: Int) {
        let s = r.summary
        let start = r.startingBalance
        switch id {
        case "net_pnl": return (Figure(r.netPnL), 1)
        case "return":
            return (start.cents > 0 ? Figure(Double(r.netPnL.cents) / Double(start.cents) * 100, decimals: 2, unit: .percent) : nil, 1)
        case "ending_balance": return (Money(s.endingBalanceUsd).map(Figure.init), 1)
        case "trades": return (Figure(minor: Int64(s.trades), decimals: 0, unit: .count), 0)
        case "win_rate": return (Figure(s.winRate * 100, decimals: 1, unit: .percent), 1)
        case "profit_factor": return (Figure(s.profitFactor, decimals: 2, unit: .ratio), 1)
        case "expectancy": return (Figure(s.expectancyUsd, decimals: 2, unit: .usd), 1)
        case "sharpe": return (Figure(s.sharpe, decimals: 2, unit: .ratio), 1)
        case "sortino": return (Figure(s.sortino, decimals: 2, unit: .ratio), 1)
        // Shown as a loss (−$4,121.82): a smaller drawdown is a larger figure.
        case "max_drawdown": return (Figure(s.maxDrawdownUsd.map { -$0 }, decimals: 2, unit: .usd), 1)
        case "fees": return (Figure(Money(s.feesUsd) ?? .zero), -1)
        case "avg_win": return (Figure(t.averageWin, decimals: 2, unit: .usd), 1)
        case "avg_loss": return (Figure(t.averageLoss, decimals: 2, unit: .usd), 1)
        case "payoff": return (Figure(t.payoffRatio, decimals: 2, unit: .ratio), 1)
        case "breaches": return (Figure(minor: Int64(s.ruleBreaches.count), decimals: 0, unit: .count), -1)
        default: return (nil, 0)
        }
    }

    static func statRows(_ runs: [RunReport]) -> [StatRow] {
        let perRun = runs.map { r -> (stats: [RunHTML.Stat], t: TradeStatistics) in
            let t = r.tradeStatistics()
            return (RunHTML.stats(r, t), t)
        }
        guard let first = perRun.first else { return [] }
        return first.stats.map { stat in
            var values: [String] = [], figures: [Figure?] = []
            var better = 0
            for (k, run) in perRun.enumerated() {
                values.append(run.stats.first { $0.id == stat.id }?.value ?? "n/a")
                let (f, b) = figure(stat.id, runs[k], run.t)
                figures.append(f)
                better = b
            }
            let base = figures[0]
            let differences = figures.dropFirst().map { f -> Figure? in
                guard let f, let base else { return nil }
                return f.minus(base)
            }
            return StatRow(id: stat.id, label: stat.label, values: values, figures: figures, differences: Array(differences), better: better)
        }
    }

    // MARK: configuration

    /// A configuration key whose value is not the same in every run; `values[k]` is nil when run
    /// k does not set it. Secret-looking keys hold `***` (as `RunReport.configuration` masks them).
    public struct ConfigDifference: Sendable, Hashable {
        public var key: String
        public var values: [String?]
        public init(key: String, values: [String?]) { self.key = key; self.values = values }
    }

    static func configDiff(_ runs: [RunReport]) -> ([ConfigDifference], Int) {
        var order: [String] = []
        var maps: [[String: String]] = []
        for r in runs {
            var m: [String: String] = [:]
            // The first line of a key counts, as `RunReport.configValue` reads it.
            for (key, value) in r.configuration where m[key] == nil {
                m[key] = value
                if !order.contains(key) { order.append(key) }
            }
            maps.append(m)
        }
        var differences: [ConfigDifference] = []
        var identical = 0
        for key in order {
            let values = maps.map { $0[key] }
            if values.allSatisfy({ $0 != nil && $0 == values[0] }) {
                identical += 1
            } else {
                differences.append(ConfigDifference(key: key, values: values))
            }
        }
        return (differences, identical)
    }

    // MARK: trades

    /// What makes two runs' trades "the same trade": the contract, the direction, the size and the
    /// entry time to the second. Exit, P&L and strategy name are left out, so a trade that one run
    /// stopped out earlier than another still matches (its P&L differs, not its being taken), and
    /// so does a trade of a renamed strategy; a trade scaled to another size does not.
    public struct TradeKey: Sendable, Hashable {
        public var symbol: String
        public var side: String
        public var quantity: Int64
        public var entryTime: Timestamp

        public init(_ t: ReportTrade) { symbol = t.symbol; side = t.side; quantity = t.quantity; entryTime = t.entryTime }
    }

    /// One run's trades against the others'.
    public struct TradeOverlap: Sendable {
        public var runID: String
        /// Trades of this run with a match in at least one other run.
        public var matched: Int
        /// Trades of this run with a match in no other run, in the run's order.
        public var onlyHere: [ReportTrade]
        /// Net P&L of `onlyHere`.
        public var onlyHerePnL: Money
        public var total: Int { matched + onlyHere.count }
    }

    /// Matching is by count: when a run has three trades with one key and another run has two,
    /// the first two (in the run's order) match and the third is the first run's own.
    static func overlap(_ runs: [RunReport]) -> [TradeOverlap] {
        let counts = runs.map { r -> [TradeKey: Int] in
            var c: [TradeKey: Int] = [:]
            for t in r.trades { c[TradeKey(t), default: 0] += 1 }
            return c
        }
        return runs.enumerated().map { k, r in
            var seen: [TradeKey: Int] = [:]
            var matched = 0
            var only: [ReportTrade] = []
            var pnl = Money.zero
            for t in r.trades {
                let key = TradeKey(t)
                seen[key, default: 0] += 1
                let elsewhere = counts.indices.filter { $0 != k }.map { counts[$0][key] ?? 0 }.max() ?? 0
                if seen[key]! <= elsewhere {
                    matched += 1
                } else {
                    only.append(t); pnl += t.pnl
                }
            }
            return TradeOverlap(runID: r.summary.runId, matched: matched, onlyHere: only, onlyHerePnL: pnl)
        }
    }

    /// Trades that every run took (matched the same way, by count), counted once.
    public var tradesInEveryRun: Int {
        guard let first = runs.first else { return 0 }
        var common: [TradeKey: Int] = [:]
        for t in first.trades { common[TradeKey(t), default: 0] += 1 }
        for r in runs.dropFirst() {
            var c: [TradeKey: Int] = [:]
            for t in r.trades { c[TradeKey(t), default: 0] += 1 }
            for (key, n) in common { common[key] = min(n, c[key] ?? 0) }
        }
        return common.values.reduce(0, +)
    }
}
