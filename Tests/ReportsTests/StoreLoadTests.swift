import Backtest
import Data
import Foundation
import Reports
import Jobs
import Testing
import TSXLabTesting

@Suite("Runs read back from the store")
struct StoreLoadTests {
    @Test("a recorded run loads with the same trades, fills, equity and summary from SQLite and PostgreSQL alike",
          arguments: StoreKind.available)
    func roundTrip(kind: StoreKind) throws {
        let (summary, result, config) = Fixtures.engineResult()
        let bars = Fixtures.engineBars()
        let memory = RunReport(summary: summary, result: result, configText: config, bars: bars, spec: { _ in esSpec })
        let (store, _, _) = try kind.make()
        let db = try #require(store as? any SQLDatabase)
        try store.write(bars, coverage: nil)
        try RunRecorder.save(summary, result: result, configText: config, spec: { _ in esSpec }, into: db)
        let catalog = try RunCatalog(store: store)
        #expect(try catalog.resolve("latest") == summary.runId)
        #expect(try catalog.resolve(summary.runId) == summary.runId)
        let loaded = try catalog.load(summary.runId)
        #expect(loaded.summary == summary)
        #expect(loaded.configText == config)
        #expect(loaded.trades == memory.trades)
        #expect(loaded.fills == memory.fills)
        #expect(loaded.equity == memory.equity)
        // The chart: the resting limit's level, and the bars the run traded.
        #expect(loaded.levels == memory.levels && loaded.levels.map(\.price) == ["2497.50"])
        #expect(loaded.bars == bars)
        // So every format is the same whether the run came from memory or from the store.
        for f in ReportFormat.allCases {
            #expect(ReportWriter().files(loaded, format: f).map(\.text) == ReportWriter().files(memory, format: f).map(\.text))
        }
        #expect(throws: ReportError.unknownRun(id: "nope", store: store.displayURL, newest: try catalog.newest(5).map(\.description))) {
            try catalog.resolve("nope")
        }
    }
}
