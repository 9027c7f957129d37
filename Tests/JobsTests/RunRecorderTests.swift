import Backtest
import Jobs
import Data
import Foundation
import Testing
import Trading
import TSXLabTesting

@Suite("Runs in the store")
struct RunRecorderTests {
    @Test("a run, its trades, equity and strategy performance land in SQLite and PostgreSQL alike", arguments: StoreKind.available)
    func save(kind: StoreKind) throws {
        var b = BarBuilder()
        b.bar(10000, 10001, 9999, 10000)
        b.bar(10000, 10010, 10000, 10008)
        b.bar(10008, 10009, 10000, 10001)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market)) }
        st.at(1) { $0.place(order(.sell, .market)) }
        let (r, _) = runFixture(b, st, fee: esSpec.feePerSide)
        let summary = RunSummary.make(runId: "run-1", result: r, strategies: ["scripted"], series: b.series,
                                      rules: .unlimited(), configHash: "abc")
        let (store, _, _) = try kind.make()
        let db = try #require(store as? any SQLDatabase)
        try RunRecorder.save(summary, result: r, configText: "x=1\n", spec: { _ in esSpec }, into: db)
        #expect(try db.query("SELECT COUNT(*) FROM backtest_trades WHERE run_id = $1", [.text("run-1")]).first?.first?.int == 1)
        let row = try #require(try db.query("SELECT side, entry_price, exit_price, pnl_usd, fees_usd FROM backtest_trades WHERE run_id = $1", [.text("run-1")]).first)
        #expect(row.map { $0.text ?? "" } == ["long", "2500.00", "2502.00", "96.22", "3.78"])  // 8 ticks × $12.50 − $3.78
        #expect(try db.query("SELECT COUNT(*) FROM backtest_fills WHERE run_id = $1", [.text("run-1")]).first?.first?.int == 2)
        #expect(try db.query("SELECT config_hash FROM backtest_runs WHERE run_id = $1", [.text("run-1")]).first?.first?.text == "abc")
        #expect(try db.query("SELECT trades_count FROM strategy_performance WHERE run_id = $1", [.text("run-1")]).first?.first?.int == 1)
        // Saving the same run id twice fails and leaves the first intact (one transaction).
        #expect(throws: (any Error).self) { try RunRecorder.save(summary, result: r, configText: "x", spec: { _ in esSpec }, into: db) }
        #expect(try db.query("SELECT COUNT(*) FROM backtest_trades", []).first?.first?.int == 1)
    }
}
