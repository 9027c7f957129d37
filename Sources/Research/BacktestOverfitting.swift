import Dispatch
import Foundation
import Synchronization

/// A T × N matrix of returns: one column per configuration, one row per period (day), stored
/// column by column.
public struct ReturnsMatrix: Hashable, Sendable {
    public let rows: Int
    public let names: [String]
    /// `values[column * rows + row]`.
    public let values: [Double]
    public var columns: Int { names.count }

    public init(rows: Int, names: [String], values: [Double]) {
        precondition(values.count == rows * names.count, "values must hold rows × columns numbers")
        self.rows = rows; self.names = names; self.values = values
    }

    /// From columns of equal length.
    public init(columns: [[Double]], names: [String]? = nil) {
        let rows = columns.first?.count ?? 0
        precondition(columns.allSatisfy { $0.count == rows }, "columns must have equal length")
        self.init(rows: rows, names: names ?? columns.indices.map { "c\($0 + 1)" }, values: columns.flatMap { $0 })
    }

    public func column(_ j: Int) -> ArraySlice<Double> { values[(j * rows)..<((j + 1) * rows)] }
}

/// The Probability of Backtest Overfitting by combinatorially symmetric cross-validation
/// (Bailey, Borwein, López de Prado & Zhu, "The Probability of Backtest Overfitting", 2017).
///
/// The T rows are cut into S contiguous blocks of ⌊T/S⌋ rows; when S does not divide T the
/// T mod S oldest rows (the first) are left out. For each of the C(S, S/2) ways to take half the
/// blocks as in-sample (the rest out-of-sample), the configuration with the best in-sample
/// Sharpe ratio (mean ÷ standard deviation with n − 1; 0 for a column that does not vary; ties
/// go to the first column) is ranked among all N by out-of-sample Sharpe (1 = worst; tied
/// values share their average rank), ω = rank / (N + 1) and λ = ln(ω / (1 − ω)).
/// PBO is the share of splits with λ ≤ 0: the in-sample winner did no better than the
/// out-of-sample median.
public struct BacktestOverfitting: Hashable, Sendable {
    public var blocks: Int
    public var configurations: Int
    public var rowsUsed: Int
    /// Oldest rows left out so the blocks are equal.
    public var rowsLeftOut: Int
    public var splits: Int
    public var pbo: Double
    /// Share of splits where the in-sample winner's out-of-sample Sharpe ratio is below zero.
    public var probabilityOfLoss: Double
    /// Least-squares fit of the winner's out-of-sample Sharpe on its in-sample Sharpe over the
    /// splits (per period): a slope below zero means better in-sample, worse out of sample.
    public var degradationSlope: Double
    public var degradationIntercept: Double
    /// λ of every split, in the order the splits are enumerated (for a histogram).
    public var logits: [Double]

    /// - Throws: `OverfittingError` when S is odd, under 2, or leaves blocks of fewer than 2
    ///   rows, or there are fewer than 2 configurations.
    public static func cscv(_ m: ReturnsMatrix, blocks s: Int) throws -> BacktestOverfitting {
        guard s >= 2, s % 2 == 0, s <= 24 else { throw OverfittingError.blocks(s, "must be an even number from 2 to 24") }
        guard m.columns >= 2 else { throw OverfittingError.configurations(m.columns) }
        let per = m.rows / s
        guard per >= 2 else { throw OverfittingError.blocks(s, "leaves blocks of fewer than 2 rows from \(m.rows) rows") }
        let leftOut = m.rows - per * s
        let n = m.columns
        // Per block and column: sum and sum of squares of the column's values less its mean over
        // the rows used (centring keeps the sums-of-squares variance accurate).
        var blockSum = [Double](repeating: 0, count: s * n), blockSq = blockSum
        var centre = [Double](repeating: 0, count: n)
        for j in 0..<n {
            let col = m.column(j).dropFirst(leftOut)
            let c = col.reduce(0, +) / Double(col.count)
            centre[j] = c
            var i = col.startIndex
            for b in 0..<s {
                var sum = 0.0, sq = 0.0
                for _ in 0..<per { let d = col[i] - c; sum += d; sq += d * d; i += 1 }
                blockSum[b * n + j] = sum; blockSq[b * n + j] = sq
            }
        }
        var totalSum = [Double](repeating: 0, count: n), totalSq = totalSum
        for b in 0..<s { for j in 0..<n { totalSum[j] += blockSum[b * n + j]; totalSq[j] += blockSq[b * n + j] } }
        // Every half of the blocks, as a bit mask, in increasing order.
        var allMasks: [UInt32] = []
        for mask in 0..<(UInt32(1) << UInt32(s)) where mask.nonzeroBitCount == s / 2 { allMasks.append(mask) }
        let half = Double(per * s / 2)
        let splitCount = allMasks.count
        struct Split { var logit = 0.0, isSharpe = 0.0, oosSharpe = 0.0 }
        let chunk = 64
        let chunks = (splitCount + chunk - 1) / chunk
        let results = Mutex([Split](repeating: Split(), count: splitCount))
        let (bs, bq, ts, tq, cs, masks) = (blockSum, blockSq, totalSum, totalSq, centre, allMasks)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var isSum = [Double](repeating: 0, count: n), isSq = isSum
            var out: [Split] = []
            out.reserveCapacity(chunk)
            @inline(__always) func sharpe(_ sum: Double, _ sq: Double, _ centre: Double) -> Double {
                let variance = (sq - sum * sum / half) / (half - 1)
                return variance > 1e-300 ? (sum / half + centre) / variance.squareRoot() : 0
            }
            let range = (c * chunk)..<min(splitCount, (c + 1) * chunk)
            for k in range {
                let mask = masks[k]
                for j in 0..<n { isSum[j] = 0; isSq[j] = 0 }
                for b in 0..<s where mask & (1 << UInt32(b)) != 0 {
                    let base = b * n
                    for j in 0..<n { isSum[j] += bs[base + j]; isSq[j] += bq[base + j] }
                }
                var best = 0, bestSharpe = -Double.infinity
                for j in 0..<n {
                    let sr = sharpe(isSum[j], isSq[j], cs[j])
                    if sr > bestSharpe { bestSharpe = sr; best = j }
                }
                let chosen = sharpe(ts[best] - isSum[best], tq[best] - isSq[best], cs[best])
                var below = 0, equal = 0
                for j in 0..<n {
                    let sr = sharpe(ts[j] - isSum[j], tq[j] - isSq[j], cs[j])
                    if sr < chosen { below += 1 } else if sr == chosen { equal += 1 }
                }
                // Average rank among ties (equal counts the chosen one itself).
                let rank = Double(below) + Double(equal + 1) / 2
                let omega = rank / Double(n + 1)
                out.append(Split(logit: log(omega / (1 - omega)), isSharpe: bestSharpe, oosSharpe: chosen))
            }
            results.withLock { all in for (i, k) in range.enumerated() { all[k] = out[i] } }
        }
        let splits = results.withLock { $0 }
        let overfit = splits.count { $0.logit <= 0 }
        let losses = splits.count { $0.oosSharpe < 0 }
        let mx = splits.reduce(0) { $0 + $1.isSharpe } / Double(splitCount)
        let my = splits.reduce(0) { $0 + $1.oosSharpe } / Double(splitCount)
        var sxy = 0.0, sxx = 0.0
        for p in splits { sxy += (p.isSharpe - mx) * (p.oosSharpe - my); sxx += (p.isSharpe - mx) * (p.isSharpe - mx) }
        let slope = sxx > 0 ? sxy / sxx : 0
        return BacktestOverfitting(blocks: s, configurations: n, rowsUsed: per * s, rowsLeftOut: leftOut, splits: splitCount,
                                   pbo: Double(overfit) / Double(splitCount), probabilityOfLoss: Double(losses) / Double(splitCount),
                                   degradationSlope: slope, degradationIntercept: my - slope * mx, logits: splits.map(\.logit))
    }
}

public enum OverfittingError: Error, Hashable, Sendable, CustomStringConvertible {
    case blocks(Int, String)
    case configurations(Int)
    /// Too few rows (periods) for a Sharpe ratio.
    case rows(Int)

    public var description: String {
        switch self {
        case let .blocks(s, why): "--blocks \(s) \(why)"
        case let .configurations(n): "PBO needs at least 2 configurations; the matrix has \(n)"
        case let .rows(n): "the statistics need at least 2 rows (days) of returns; the matrix has \(n): give a longer range of returns"
        }
    }
}
