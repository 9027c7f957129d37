import Backtest
import Data
import Foundation
import Trading

extension RunSummary {
    /// Builds the summary of a sweep configuration the `SMABracketKernel` ran (same figures as
    /// the engine's run of it would give).
    public static func make(runId: String, kernelRun r: SMABracketRun, strategies: [String], series: BarSeries,
                            rules: RiskRules, configHash: String, now: Date = Date()) -> RunSummary {
        make(runId: runId, trades: r.trades, equity: r.equity, breaches: [], resolution: r.resolution, account: r.account,
             startingBalance: r.startingBalance, bars: r.bars, seconds: r.seconds, strategies: strategies, series: series,
             rules: rules, configHash: configHash, now: now)
    }
}
