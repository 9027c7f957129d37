import Data
import Foundation

/// What a sweep's choice of its best configuration is worth: the Probabilistic and Deflated
/// Sharpe ratios of the chosen configuration, and the Probability of Backtest Overfitting of the
/// selection, from the configurations' daily returns.
public struct OverfittingStatistics: Hashable, Sendable {
    /// Column of the chosen configuration (the best full-sample Sharpe unless given).
    public var chosen: Int
    public var chosenName: String
    /// The chosen configuration's per-period moments (Sharpe, observations, skewness, kurtosis).
    public var moments: ReturnMoments
    public var trials: Int
    /// Variance (n − 1) of the trials' per-period Sharpe ratios.
    public var trialVariance: Double
    /// The Sharpe ratio the best of `trials` unskilled trials would show (per period).
    public var expectedMaximumSharpe: Double
    public var psr: Double
    public var dsr: Double
    /// nil when the rows are too few for the blocks.
    public var overfitting: BacktestOverfitting?

    /// - Throws: `OverfittingError` for a matrix without a configuration or with fewer than 2 rows.
    /// - Parameters:
    ///   - chosen: the configuration the sweep chose; default the best full-sample Sharpe.
    ///   - blocks: S for CSCV (even); fewer are used when the rows cannot fill S blocks of 2.
    public static func compute(_ m: ReturnsMatrix, blocks: Int = 16, chosen: Int? = nil) throws -> OverfittingStatistics {
        guard m.columns >= 1 else { throw OverfittingError.configurations(m.columns) }
        guard m.rows >= 2 else { throw OverfittingError.rows(m.rows) }
        let sharpes = (0..<m.columns).map { ReturnMoments(m.column($0)).sharpe }
        var best = 0
        for j in sharpes.indices where sharpes[j] > sharpes[best] { best = j }
        let pick = chosen ?? best
        let moments = ReturnMoments(m.column(pick))
        let mean = sharpes.reduce(0, +) / Double(sharpes.count)
        let variance = sharpes.count > 1 ? sharpes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sharpes.count - 1) : 0
        let sr0 = SharpeRatioTests.expectedMaximum(trials: m.columns, variance: variance)
        var s = blocks
        while s > 2 && m.rows / s < 2 { s -= 2 }
        let pbo = m.columns >= 2 && m.rows / s >= 2 ? try BacktestOverfitting.cscv(m, blocks: s) : nil
        return OverfittingStatistics(chosen: pick, chosenName: m.names[pick], moments: moments, trials: m.columns, trialVariance: variance,
                                     expectedMaximumSharpe: sr0, psr: SharpeRatioTests.probabilistic(moments),
                                     dsr: SharpeRatioTests.deflated(moments, trials: m.columns, trialVariance: variance), overfitting: pbo)
    }

    /// One plain sentence per statistic, for summaries and reports.
    public var sentences: [String] {
        var out = [
            String(format: "PSR %.2f: the probability that the chosen configuration's true Sharpe ratio is above zero, given %d days of returns with their skew and fat tails.", psr, moments.observations),
            String(format: "DSR %.2f: the same probability against the Sharpe ratio the best of %d configurations would show by luck alone (%.2f a year); under 0.95, the winner's edge is not established.", dsr, trials, expectedMaximumSharpe * 252.0.squareRoot()),
        ]
        if let o = overfitting {
            out.append(String(format: "PBO %.2f: in %.0f %% of %d splits of the days into halves, the configuration best on one half ranked at or below the median on the other; above 0.5, choosing by this backtest is worse than choosing at random.", o.pbo, o.pbo * 100, o.splits))
        } else {
            out.append("PBO: not computed (it needs at least 2 configurations and 4 days).")
        }
        return out
    }
}

extension ReturnsMatrix {
    /// Reads a returns matrix: a header naming the configurations, one row per period, one
    /// column per configuration. A first column named date, time, timestamp, trade_date, day or
    /// datetime is a label and is skipped.
    ///
    /// - Throws: `DataError.badInput` naming the file, the 1-based line and the column of the
    ///   first value that is not a finite number, or a row of the wrong width.
    public static func parse(csv: String, source: String) throws -> ReturnsMatrix {
        let lines = csv.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }
        guard let headerLine = lines.first else { throw DataError.badInput(file: source, line: 1, field: nil, reason: "empty file; expected a header naming the configurations") }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let skip = ["date", "time", "timestamp", "trade_date", "day", "datetime"].contains(header[0].lowercased()) ? 1 : 0
        let names = Array(header.dropFirst(skip))
        guard !names.isEmpty else { throw DataError.badInput(file: source, line: 1, field: nil, reason: "no configuration columns") }
        var columns = [[Double]](repeating: [], count: names.count)
        // Line numbers count the lines as written, comments and blank lines included.
        var lineNumber = 0
        var rowIndex = 0
        for raw in csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            rowIndex += 1
            if rowIndex == 1 { continue }
            let f = raw.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count == header.count else {
                throw DataError.badInput(file: source, line: lineNumber, field: nil, reason: "\(f.count) fields where the header has \(header.count)")
            }
            for j in 0..<names.count {
                let s = f[j + skip].trimmingCharacters(in: .whitespaces)
                guard let v = Double(s), v.isFinite else {
                    throw DataError.badInput(file: source, line: lineNumber, field: names[j], reason: "'\(s)' is not a number (returns are plain decimals, e.g. 0.0012)")
                }
                columns[j].append(v)
            }
        }
        guard columns[0].count >= 2 else { throw DataError.badInput(file: source, line: nil, field: nil, reason: "fewer than 2 rows of returns") }
        return ReturnsMatrix(columns: columns, names: names)
    }
}

extension ReturnsMatrix {
    /// Daily returns of several configurations from their end-of-session balances: each
    /// session's change in balance ÷ `startingBalance` (the first session's from the starting
    /// balance), over the union of the sessions (a configuration without a session there: 0).
    /// `balances[k]` is configuration k's (day number, balance) in date order.
    public static func daily(balances: [[(day: Int64, balance: Double)]], startingBalance: Double, names: [String]) -> ReturnsMatrix {
        var days = Set<Int64>()
        for b in balances { for p in b { days.insert(p.day) } }
        let order = days.sorted()
        let row = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        var values = [Double](repeating: 0, count: order.count * balances.count)
        for (k, b) in balances.enumerated() {
            var previous = startingBalance
            for p in b {
                values[k * order.count + row[p.day]!] += (p.balance - previous) / startingBalance
                previous = p.balance
            }
        }
        return ReturnsMatrix(rows: order.count, names: names, values: values)
    }
}
