import Data
import Foundation
import Store
import Testing
import TSXLabTesting

/// `sweep_daily_balances` and the recorded choice of a sweep (store migration 6), on every store
/// back end: what the stored sweep's overfitting statistics are computed from.
@Suite("Store: each sweep configuration's end-of-session balances")
struct SweepDailyBalancesTests {
    static func sweep(_ id: String) -> SweepRow {
        SweepRow(sweepID: id, createdAt: "2026-01-01T00:00:00Z", strategy: "sma_bracket", symbol: "ES", timeframe: "1m",
                 dataFrom: nil, dataTo: nil, space: "fast=5,8", baseConfig: "x=1", cells: 2)
    }

    static func result(_ hash: String, cell: Int) -> SweepResultRow {
        SweepResultRow(configHash: hash, cell: cell, params: "fast=\(cell == 0 ? 5 : 8)", trades: 3, netPnlUsd: "12.50", winRate: 0.5,
                       profitFactor: 1.2, sharpe: 0.4, maxDrawdownUsd: 100, ruleBreaches: 0, seconds: 0.01)
    }

    static func balances(_ hash: String, cell: Int) -> SweepDailyBalancesRow {
        SweepDailyBalancesRow(configHash: hash, cell: cell, startingBalance: Money(cents: 5_000_000), sessions: [
            .init(tradeDate: TradeDate(year: 2019, month: 1, day: 2), balance: Money(cents: 5_001_250)),
            .init(tradeDate: TradeDate(year: 2019, month: 1, day: 3), balance: Money(cents: -37)),
            .init(tradeDate: TradeDate(year: 2019, month: 1, day: 4), balance: Money(cents: 4_999_999)),
        ])
    }

    @Test("balances round-trip to the cent with their trade dates, in cell order; a choice is recorded and replaced",
          arguments: StoreKind.available)
    func roundTrip(kind: StoreKind) throws {
        let db = try #require(try kind.make().store as? any SQLDatabase)
        let tables = SweepTables(db: db)
        try tables.register(Self.sweep("s1"))
        #expect(try tables.sweeps(withPrefix: "s1").first.map { $0.chosenConfigHash == nil && $0.chosenBy == nil } == true)
        for (hash, cell) in [("h-b", 1), ("h-a", 0)] {
            try tables.insert(Self.result(hash, cell: cell), sweepID: "s1")
            try tables.insert(Self.balances(hash, cell: cell), sweepID: "s1")
        }
        let rows = try tables.dailyBalances("s1")
        #expect(rows == [Self.balances("h-a", cell: 0), Self.balances("h-b", cell: 1)])
        #expect(rows[0].balancesText == "2019-01-02=50012.50 2019-01-03=-0.37 2019-01-04=49999.99")
        #expect(rows[0].dayBalances.map(\.balance) == [50_012.5, -0.37, 49_999.99])
        #expect(rows[0].dayBalances.map(\.day) == [17898, 17899, 17900])
        #expect(try tables.configHashesWithDailyBalances("s1") == ["h-a", "h-b"] && tables.dailyBalances("other").isEmpty)
        // A second record of one configuration fails, unless asked to keep the first (queue workers).
        #expect(throws: (any Error).self) { try tables.insert(Self.balances("h-a", cell: 0), sweepID: "s1") }
        var changed = Self.balances("h-a", cell: 0)
        changed.sessions.removeLast()
        try tables.insert(changed, sweepID: "s1", ignoringDuplicate: true)
        #expect(try tables.dailyBalances("s1")[0] == Self.balances("h-a", cell: 0))
        try tables.recordChoice("s1", configHash: "h-b", by: "net_pnl, at least 1 trade")
        #expect(try tables.sweeps(withPrefix: "s1").first.map { $0.chosenConfigHash == "h-b" && $0.chosenBy == "net_pnl, at least 1 trade" } == true)
        try tables.recordChoice("s1", configHash: nil, by: "sharpe, at least 5 trades")
        #expect(try tables.sweeps(withPrefix: "s1").first.map { $0.chosenConfigHash == nil && $0.chosenBy == "sharpe, at least 5 trades" } == true)
    }

    // The queue is PostgreSQL's: the test runs there, and is reported as skipped without it.
    @Test("a queue worker's completion records the result and the balances in one transaction, once",
          .enabled(if: StoreKind.available.contains(.postgres)))
    func queueCompletion() throws {
        let db = try #require(try StoreKind.postgres.make().store as? any SQLDatabase)
        let tables = SweepTables(db: db), queue = SweepQueue(db: db)
        try tables.register(Self.sweep("q1"))
        try queue.enqueue("q1", cells: [0])
        #expect(try queue.lease("q1", worker: "w", seconds: 60) == 0)
        try queue.complete("q1", result: Self.result("h-a", cell: 0), dailyBalances: Self.balances("h-a", cell: 0))
        try queue.complete("q1", result: Self.result("h-a", cell: 0), dailyBalances: Self.balances("h-a", cell: 0))
        #expect(try tables.dailyBalances("q1") == [Self.balances("h-a", cell: 0)] && queue.openCount("q1") == 0)
    }

    @Test("a row that is not what the store writes is refused, naming the table, the configuration and the pair",
          arguments: StoreKind.available)
    func malformed(kind: StoreKind) throws {
        let db = try #require(try kind.make().store as? any SQLDatabase)
        try db.execute("INSERT INTO sweep_daily_balances (sweep_id, config_hash, cell, starting_balance_usd, balances) VALUES ('s', 'h', 0, '50000.00', '2019-01-02=1.5 2019-02-30=3')", [])
        #expect(throws: DataError.badInput(file: "sweep_daily_balances", line: nil, field: "balances",
                                           reason: "'2019-02-30=3' of configuration h is not YYYY-MM-DD=dollars")) {
            try SweepTables(db: db).dailyBalances("s")
        }
    }

    @Test("the stored text is each pair as the trade date and the amount print themselves, and reads back to the cent")
    func textMatchesThePairsOwnPrinting() throws {
        var g = SeededGenerator(seed: 26)
        // Amounts of every length and sign (cents under ten, whole dollars, the Int64 extremes),
        // dates from the year 1 to 9999 and beyond (printed by the date itself).
        let edges: [Int64] = [0, 1, 9, 10, 99, 100, 101, -1, -9, -10, -100, -101, Int64.max, Int64.min, Int64.min + 1]
        for round in 0..<200 {
            let sessions = (0..<Int.random(in: 0...40, using: &g)).map { k in
                let cents = k < edges.count && round == 0 ? edges[k] : Int64.random(in: -10_000_000_000...10_000_000_000, using: &g)
                let day = round == 1 ? Int64.random(in: -719_162...3_000_000, using: &g) : Int64.random(in: 0...30_000, using: &g)
                return SweepDailyBalancesRow.Session(tradeDate: TradeDate(dayNumber: day), balance: Money(cents: cents))
            }
            let row = SweepDailyBalancesRow(configHash: "h", cell: 0, startingBalance: .zero, sessions: sessions)
            #expect(row.balancesText == sessions.map { "\($0.tradeDate)=\($0.balance)" }.joined(separator: " "))
            if round > 1 { #expect(try SweepDailyBalancesRow.sessions(row.balancesText, configHash: "h") == sessions) }
        }
    }
}
