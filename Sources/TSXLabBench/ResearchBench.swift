import Data
import Foundation
import Research
import TSXLabTesting

/// `combine`: the Monte Carlo pass probability (10,000 paths × 60 sessions, target < 0.5 s on
/// 2 cores) and PBO by CSCV (16 blocks, 1,000 configurations × 2,500 days, target < 2 s).
func benchCombine() throws {
    let path = SharedData.packageRoot + "/../shared/reference/sma-bracket_ES_1m_2019_trades.csv"
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let history = TradeHistory(trades: try TradeHistory.parse(csv: text, source: path))
    let rules = try CombineRules.load("topstep-50k")
    print("== combine: \(history.dayCount) days, \(history.tradeCount) trades (sma-bracket ES 2019), \(ProcessInfo.processInfo.activeProcessorCount) cores")
    // Most 50K attempts end within days; the last case never ends early (no target or loss is
    // reachable), so every path replays all 60 sessions.
    var endless = rules
    endless.profitTarget = Money(cents: 10_000_000_00)
    endless.maxLoss = Money(cents: 10_000_000_00)
    for (label, r0, options) in [("day blocks", rules, PassProbabilityOptions(resampling: .days, paths: 10_000, days: 60, block: .auto, seed: 1)),
                                 ("trades", rules, PassProbabilityOptions(resampling: .trades, paths: 10_000, days: 60, seed: 1)),
                                 ("all 60 days", endless, PassProbabilityOptions(resampling: .days, paths: 10_000, days: 60, seed: 1))] {
        var r: PassProbability?
        let t = try measure(7) { r = try PassProbability.simulate(history, rules: r0, options: options) }
        line("pass probability 10k paths × 60 days, \(label)", "\(fmt(median(t) * 1000, 2)) ms",
             "target < 500 ms; p_pass \(fmt(r!.pass.value * 100)) % ± \(fmt(r!.pass.se * 100))")
    }
    var dsl = rules
    dsl.dailyLossLimit = Money(cents: 1000_00)
    dsl.maxLossBasis = .intraday
    let t = try measure(7) { _ = try PassProbability.simulate(history, rules: dsl, options: PassProbabilityOptions(paths: 10_000, days: 60)) }
    line("  … 50K with a DLL, intraday trailing level", "\(fmt(median(t) * 1000, 2)) ms")

    // A seeded 2,500 × 1,000 matrix of daily returns (a few configurations with an edge).
    var g = SeededGenerator(seed: 7)
    let rows = 2_500, cols = 1_000
    var values = [Double](repeating: 0, count: rows * cols)
    for j in 0..<cols {
        let edge = j % 50 == 0 ? 0.0004 : 0
        for i in 0..<rows { values[j * rows + i] = edge + (Double(g.next() >> 11) * 0x1p-53 - 0.5) * 0.02 }
    }
    let m = ReturnsMatrix(rows: rows, names: (0..<cols).map { "c\($0)" }, values: values)
    var o: BacktestOverfitting?
    let p = try measure(3) { o = try BacktestOverfitting.cscv(m, blocks: 16) }
    line("PBO (CSCV) 16 blocks, 1,000 configs × 2,500 days", "\(fmt(median(p) * 1000)) ms", "target < 2,000 ms; \(o!.splits) splits, PBO \(fmt(o!.pbo, 3))")
    let s = try measure(3) { _ = try OverfittingStatistics.compute(m, blocks: 16) }
    line("  PSR + DSR + PBO together", "\(fmt(median(s) * 1000)) ms")
}
