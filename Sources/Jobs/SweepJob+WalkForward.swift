import Backtest
import Data
import Foundation
import Research
import Store
import Trading

extension SweepJob {
    /// One walk-forward window: the configuration chosen in sample and how it traded out of sample.
    public struct WalkForwardWindow: Encodable, Hashable, Sendable {
        /// In-sample span, `first bar → last bar`.
        public var inSample: String
        /// Out-of-sample span, `first bar → last bar`.
        public var outOfSample: String
        /// The chosen configuration's parameter values by name.
        public var best: [String: String]
        public var inSampleMetric: Double
        public var outOfSampleTrades: Int
        /// Net P&L of the trades entered out of sample, in dollars.
        public var outOfSampleNetPnlUsd: String
        /// The choice judged on the window's in-sample days (nil with fewer than 2
        /// configurations or 2 sessions): its PSR and DSR, and the PBO of the window's sweep.
        public var inSamplePsr: Double?
        public var inSampleDsr: Double?
        public var inSamplePbo: Double?
        /// How many configurations ran in sample: all of the sweep's, or with successive halving
        /// the survivors of the windows before.
        public var configurations: Int

        public init(inSample: String, outOfSample: String, best: [String: String], inSampleMetric: Double, outOfSampleTrades: Int,
                    outOfSampleNetPnlUsd: String, inSamplePsr: Double? = nil, inSampleDsr: Double? = nil, inSamplePbo: Double? = nil,
                    configurations: Int = 0) {
            self.inSample = inSample; self.outOfSample = outOfSample; self.best = best; self.inSampleMetric = inSampleMetric
            self.outOfSampleTrades = outOfSampleTrades; self.outOfSampleNetPnlUsd = outOfSampleNetPnlUsd
            self.inSamplePsr = inSamplePsr; self.inSampleDsr = inSampleDsr; self.inSamplePbo = inSamplePbo
            self.configurations = configurations
        }
    }

    public struct WalkForwardResult: Hashable, Sendable {
        public var windows: [WalkForwardWindow]
        /// The out-of-sample results stitched together.
        public var stitchedNetPnl: Money
        public var stitchedTrades: Int
        /// The in-sample metric summed over the windows (divide by the count for the average).
        public var inSampleMetricTotal: Double
    }

    /// Walk-forward: per window, the cells on the in-sample bars, the winner by `metric` (among
    /// configurations with at least `minTrades` trades) on the out-of-sample bars (warmed up on
    /// the in-sample part, counting only trades entered out of sample). Each window is recorded
    /// in the store under `spec`; `progress` sees each window done and the window count.
    ///
    /// With `halving` (successive halving over the folds) the first window runs every cell and each
    /// window after it only the better half of the one before, by the in-sample `metric` (ties to
    /// the earlier cell; configurations under `minTrades` trades rank last); one configuration
    /// left runs on alone. The windows, choices and stitching are otherwise the walk-forward's.
    ///
    /// - Throws: `DataError.badInput` when the bars are too short for one window.
    public func walkForward(_ wf: WalkForward, spec: String, metric: String, minTrades: Int, workers: Int, halving: Bool = false,
                            isCancelled: @escaping @Sendable () -> Bool,
                            progress: (Int, Int) -> Void = { _, _ in }) async throws -> WalkForwardResult {
        let windows = wf.windows(series)
        guard !windows.isEmpty else {
            throw DataError.badInput(file: "--walk-forward", line: nil, field: "in/out",
                reason: "the bars (\(series.first!.time) → \(series.last!.time)) are too short for one in-sample plus one out-of-sample window")
        }
        let tables = try database.map { db in try StoreSchema.migrate(db); return SweepTables(db: db) }
        var out = WalkForwardResult(windows: [], stitchedNetPnl: .zero, stitchedTrades: 0, inSampleMetricTotal: 0)
        var survivors = cells
        for (k, w) in windows.enumerated() {
            let inBars = series.slice(w.inSample)
            var outcomes: [SweepOutcome] = []
            let daily = DailyBalances()
            try await SweepRunner.run(survivors, workers: workers, isCancelled: isCancelled, evaluate: { cell in
                let (result, summary, hash) = try self.run(cell, on: inBars)
                daily.record(cell.index, Self.sessions(result.equity))
                return SweepOutcome(cell: cell, configHash: hash, summary: summary)
            }) { outcomes.append($0) }
            let evaluated = outcomes.count
            if halving {
                survivors = Self.betterHalf(outcomes, metric: metric, minTrades: minTrades)
            }
            guard let best = outcomes.filter({ $0.trades >= minTrades && $0.metric(metric) != nil })
                .max(by: { ($0.metric(metric)!, -$0.cell.index) < ($1.metric(metric)!, -$1.cell.index) }) else { continue }
            let oosStart = series.time[w.outOfSample.lowerBound]
            let (result, _, _) = try run(best.cell, on: series.slice(w.inSample.lowerBound..<w.outOfSample.upperBound))
            let oosTrades = result.trades.filter { $0.entryTime.seconds >= oosStart }
            let net = oosTrades.reduce(Money.zero) { $0 + $1.pnl }
            out.stitchedNetPnl += net; out.stitchedTrades += oosTrades.count; out.inSampleMetricTotal += best.metric(metric)!
            // The window's choice judged on its in-sample days.
            let judged = overfitting(daily.byCell, chosen: best)
            let window = WalkForwardWindow(inSample: "\(series[w.inSample.lowerBound].time) → \(series[w.inSample.upperBound - 1].time)",
                                           outOfSample: "\(Timestamp(seconds: oosStart)) → \(series[w.outOfSample.upperBound - 1].time)",
                                           best: best.cell.values, inSampleMetric: best.metric(metric)!, outOfSampleTrades: oosTrades.count,
                                           outOfSampleNetPnlUsd: net.description, inSamplePsr: judged?.psr, inSampleDsr: judged?.dsr,
                                           inSamplePbo: judged?.overfitting?.pbo, configurations: evaluated)
            out.windows.append(window)
            progress(k + 1, windows.count)
            if let tables {
                try tables.replace(WalkForwardWindowRow(index: k, spec: spec, metric: metric, outOfSample: window.outOfSample, chosen: label(best.cell.index),
                                                        inSampleMetric: best.metric(metric)!, outOfSampleTrades: oosTrades.count,
                                                        outOfSampleNetPnlUsd: net.description), sweepID: sweepID)
            }
        }
        return out
    }

    /// The better half (rounded up) of a window's outcomes by the in-sample `metric`, in grid order:
    /// ties go to the earlier cell, and configurations under `minTrades` trades or without the
    /// metric rank last. Successive halving carries these to the next window.
    static func betterHalf(_ outcomes: [SweepOutcome], metric: String, minTrades: Int) -> [SweepCell] {
        func key(_ o: SweepOutcome) -> (Int, Double, Int) {
            guard o.trades >= minTrades, let m = o.metric(metric) else { return (0, 0, -o.cell.index) }
            return (1, m, -o.cell.index)
        }
        let ranked = outcomes.sorted { key($0) > key($1) }
        return ranked.prefix((outcomes.count + 1) / 2).map(\.cell).sorted { $0.index < $1.index }
    }
}
