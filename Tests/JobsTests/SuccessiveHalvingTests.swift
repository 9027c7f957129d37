import Backtest
import Configuration
import Data
import Foundation
import Jobs
import Store
import Strategies
import Testing
import TSXLabTesting

@Suite("Successive halving over walk-forward windows")
struct SuccessiveHalvingTests {
    @Test("the first window runs every configuration and chooses as the walk-forward does; each next window runs the better half of the one before (by its in-sample metric) and chooses the best of those; the stitched result adds the windows")
    func halving() async throws {
        var (job, _) = try JobsLibraryTests.setUp("halving")
        // Nine months of ES 2016 in place of the synthetic bars: six 3-in/1-out windows.
        let series = try SharedData.loadBars("ES_1m_2016.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!,
                                             from: Timestamp(year: 2016, month: 1, day: 1), to: Timestamp(year: 2016, month: 10, day: 1))
        job.store = try StoreSchema.open("sqlite:" + TestEnvironment.temporaryDirectory("halving-2016") + "/tsxlab.sqlite")
        try job.store.write(series, coverage: nil)
        let space = SweepSpace(axes: [try SweepAxis.parse("fast=5,10,20"), try SweepAxis.parse("slow=60,120"),
                                      try SweepAxis.parse("stop_ticks,target_ticks=8:16,20:40")])
        let sweep = try SweepJob(backtest: job, space: space)
        let plan = try WalkForward.parse("in=3,out=1")
        let full = try await sweep.walkForward(plan, spec: "in=3,out=1", metric: "net_pnl", minTrades: 1, workers: 2, isCancelled: { false })
        let halved = try await sweep.walkForward(plan, spec: "in=3,out=1, successive halving", metric: "net_pnl", minTrades: 1, workers: 2,
                                                 halving: true, isCancelled: { false })
        #expect(full.windows.map(\.configurations) == [12, 12, 12, 12, 12, 12])
        #expect(halved.windows.map(\.configurations) == [12, 6, 3, 2, 1, 1])
        #expect(halved.windows[0] == full.windows[0])
        #expect(halved.stitchedNetPnl == halved.windows.reduce(Money.zero) { $0 + Money($1.outOfSampleNetPnlUsd)! })
        #expect(halved.stitchedTrades == halved.windows.reduce(0) { $0 + $1.outOfSampleTrades })

        // The rule, by hand: window 2 chooses among the better half of window 1's in-sample results.
        let windows = plan.windows(sweep.series)
        func inSample(_ cells: [SweepCell], window k: Int) throws -> [(SweepCell, Money)] {
            try cells.map { ($0, Money(try sweep.run($0, on: sweep.series.slice(windows[k].inSample)).1.netPnlUsd)!) }
        }
        let first = try inSample(sweep.cells, window: 0).sorted { ($0.1, -$0.0.index) > ($1.1, -$1.0.index) }
        let kept = first.prefix(6).map(\.0)
        let second = try inSample(kept, window: 1).max { ($0.1, -$0.0.index) < ($1.1, -$1.0.index) }!
        #expect(halved.windows[1].best == second.0.values && halved.windows[1].inSampleMetric == second.1.dollars)

        // Recorded beside the plain walk-forward, under its own spec.
        let db = try #require(sweep.database)
        let stored = try SweepTables(db: db).walkForwardWindows(sweep.sweepID)
        #expect(stored.filter { $0.spec == "in=3,out=1, successive halving" }.count == 6 && stored.filter { $0.spec == "in=3,out=1" }.count == 6)
    }
}
