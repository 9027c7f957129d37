import Backtest
import Data
import Foundation
import Reports
import Research
import Store
import Testing
import TSXLabTesting

/// The stored sweep's page (`tsxlab report SWEEP_ID`) judges the sweep's choice from the balances
/// the store keeps, and says when and why it cannot.
@Suite("Stored sweep report: overfitting statistics from the stored balances")
struct StoredSweepOverfittingTests {
    /// Axes in an order other than the stored parameters' (sorted by name), so the names show
    /// which one the page uses.
    static let space = "slow=20,30 fast=5,8"

    /// Sixty weekdays of seeded balances for each of the four configurations; cell 3 has an edge.
    static func sessions(cell: Int) -> [SweepDailyBalancesRow.Session] {
        var g = SeededGenerator(seed: UInt64(100 + cell))
        var balance = Money(cents: 5_000_000)
        var day = TradeDate(year: 2024, month: 1, day: 2)
        var out: [SweepDailyBalancesRow.Session] = []
        while out.count < 60 {
            if !day.isWeekend {
                balance += Money(cents: Int64(g.next() % 40_001) - 20_000 + (cell == 3 ? 3_000 : 0))
                out.append(.init(tradeDate: day, balance: balance))
            }
            day = day.adding(days: 1)
        }
        return out
    }

    /// A sweep of four configurations in a fresh store of `kind`, each with its result and balances.
    static func store(_ kind: StoreKind) throws -> any SQLDatabase {
        let db = try #require(try kind.make().store as? any SQLDatabase)
        let tables = SweepTables(db: db)
        try tables.register(SweepRow(sweepID: "sweep-judged", createdAt: "2026-01-01T00:00:00Z", strategy: "sma_bracket", symbol: "ES",
                                     timeframe: "1m", dataFrom: "2024-01-02", dataTo: "2024-03-25", space: space, baseConfig: "x=1", cells: 4))
        let grid = try SweepSpace(parsing: space)
        for cell in 0..<4 {
            let values = grid.cell(cell).values
            let params = values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: " ")
            let sessions = Self.sessions(cell: cell)
            try tables.insert(SweepResultRow(configHash: "h\(cell)", cell: cell, params: params, trades: 10,
                                             netPnlUsd: (sessions.last!.balance - Money(cents: 5_000_000)).description, winRate: 0.5,
                                             profitFactor: 1, sharpe: 0.1, maxDrawdownUsd: 100, ruleBreaches: 0, seconds: 0.1), sweepID: "sweep-judged")
            try tables.insert(SweepDailyBalancesRow(configHash: "h\(cell)", cell: cell, startingBalance: Money(cents: 5_000_000), sessions: sessions),
                              sweepID: "sweep-judged")
        }
        return db
    }

    /// What the sweep's summary computes for the same balances (`SweepJob.judge` hands these to
    /// `SweepOverfitting.compute`).
    static func expected(chosen: Int?) throws -> SweepOverfitting {
        let grid = try SweepSpace(parsing: space)
        return SweepOverfitting.compute(Dictionary(uniqueKeysWithValues: (0..<4).map { c in
            (c, sessions(cell: c).map { (day: $0.tradeDate.dayNumber, balance: $0.balance.dollars) })
        }), configurations: 4, startingBalance: 50_000, chosen: chosen, label: grid.label)
    }

    @Test("the page judges the recorded choice over every stored configuration, named in axis order", arguments: StoreKind.available)
    func judged(kind: StoreKind) throws {
        let db = try Self.store(kind)
        try SweepTables(db: db).recordChoice("sweep-judged", configHash: "h1", by: "net_pnl, at least 1 trade")
        let sweep = try #require(try StoredSweep.load("sweep-judged", from: db))
        let s = try #require(sweep.overfitting?.statistics)
        let expected = try Self.expected(chosen: 1)
        #expect(s == expected.statistics && sweep.overfitting?.note == nil)
        #expect(s.chosenName == "slow=20 fast=8" && s.trials == 4 && s.moments.observations == 60)
        let o = try #require(s.overfitting)
        #expect(o.blocks == 16 && o.rowsLeftOut == 60 % 16)
        let html = try sweep.html()
        #expect(html.contains("Is the winner real?") && html.contains("slow=20 fast=8") && html.contains("net_pnl, at least 1 trade"))
        for sentence in s.sentences { #expect(html.contains(HTML.escape(sentence)), "\(sentence)") }
        #expect(html.contains(">\(Fmt.fixed(s.psr, 3))<") && html.contains(">\(Fmt.fixed(s.dsr, 3))<") && html.contains(">\(Fmt.fixed(o.pbo, 3)) ("))
    }

    @Test("without a recorded choice, or with configurations missing their balances, the page says what it judged",
          arguments: StoreKind.available)
    func partial(kind: StoreKind) throws {
        let db = try Self.store(kind)
        var sweep = try #require(try StoredSweep.load("sweep-judged", from: db))
        let unranked = try Self.expected(chosen: nil)
        #expect(sweep.overfitting?.statistics == unranked.statistics)
        #expect(sweep.overfitting?.note?.contains("No configuration was ranked first, so the one with the best Sharpe ratio") == true)
        try SweepTables(db: db).recordChoice("sweep-judged", configHash: "h2", by: "sharpe, at least 1 trade")
        try db.execute("DELETE FROM sweep_daily_balances WHERE config_hash = 'h2'", [])
        sweep = try #require(try StoredSweep.load("sweep-judged", from: db))
        let note = try #require(sweep.overfitting?.note)
        #expect(note.contains("Over 3 of the sweep's 4 configurations: the other 1 were recorded before the store kept their daily balances"))
        #expect(note.contains("The configuration the sweep ranked first has no daily balances"))
        let html = try sweep.html()
        #expect(sweep.overfitting?.statistics?.trials == 3 && html.contains(HTML.escape(note)))
    }

    @Test("a sweep recorded before the store kept balances: the page says the statistics are unavailable and why",
          arguments: StoreKind.available)
    func unavailable(kind: StoreKind) throws {
        let db = try Self.store(kind)
        try db.execute("DELETE FROM sweep_daily_balances", [])
        let sweep = try #require(try StoredSweep.load("sweep-judged", from: db))
        #expect(sweep.overfitting?.statistics == nil && sweep.overfitting?.withBalances == 0)
        let html = try sweep.html()
        #expect(html.contains("Is the winner real?"))
        #expect(html.contains(HTML.escape("Unavailable for this sweep: PSR, DSR and PBO are computed from each configuration's daily returns, and its 4 configurations were recorded before the store kept their daily balances. Run the same sweep again")))
        #expect(!html.contains("DSR 0.") && !html.contains("<td>PBO</td>"))
    }
}
