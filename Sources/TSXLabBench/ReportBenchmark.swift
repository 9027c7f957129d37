import Backtest
import Data
import Foundation
import Reports
import Store
import Trading

/// Figures for `tsxlab-bench report`: writing the reports of a stored run with many trades, and
/// rendering a sweep's table and heatmap. The run is synthetic (random trades on weekdays, written
/// to a fresh SQLite store through the same tables `tsxlab backtest` fills), so the figures measure
/// the reports alone.
enum ReportBenchmark {
    struct Figure: Sendable {
        var name: String
        /// Median wall time, milliseconds.
        var milliseconds: Double
        var detail: String
    }

    /// Runs every measurement `repeats` times and returns the medians.
    static func run(trades: Int = 10_000, configs: Int = 1_000, repeats: Int = 5, folder: String) throws -> [Figure] {
        func median(_ body: () throws -> Void) rethrows -> Double {
            var t: [Double] = []
            for _ in 0..<max(1, repeats) {
                let t0 = monotonicSeconds()
                try body()
                t.append(monotonicSeconds() - t0)
            }
            return t.sorted()[t.count / 2] * 1000
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = try StoreSchema.open("sqlite:" + folder + "/bench.sqlite")
        let catalog = try RunCatalog(store: store)
        let runID = try storeSyntheticRun(trades: trades, into: catalog.db)
        var figures: [Figure] = []
        var report: RunReport?
        figures.append(Figure(name: "load a stored \(Fmt.grouped(UInt64(trades)))-trade run", milliseconds: try median { report = try catalog.load(runID) },
                              detail: "trades, fills, daily equity from SQLite"))
        guard let r = report else { return figures }
        var html = ""
        figures.append(Figure(name: "HTML report, \(Fmt.grouped(UInt64(trades))) trades", milliseconds: median { html = RunHTML.render(r) },
                              detail: "\(Fmt.fixed(Double(html.utf8.count) / 1_048_576, 1)) MB, \(r.equity.count) trade dates"))
        figures.append(Figure(name: "CSV files, \(Fmt.grouped(UInt64(trades))) trades", milliseconds: median {
            _ = ReportCSV.trades(r); _ = ReportCSV.fills(r); _ = ReportCSV.daily(r); _ = ReportCSV.equity(r); _ = ReportCSV.monthly(r)
        }, detail: "trades, fills, daily P&L, equity, months"))
        let writer = ReportWriter(scrubber: SecretScrubber(environment: ProcessInfo.processInfo.environment))
        figures.append(Figure(name: "tsxlab report, all three formats, to disk", milliseconds: try median {
            let l = try catalog.load(runID)
            for f in ReportFormat.allCases { try writer.write(l, format: f, to: folder + "/out-" + f.rawValue) }
        }, detail: "load + csv + html + notebook, secrets scrubbed"))
        let table = try syntheticSweep(configs: configs)
        var svg = ""
        figures.append(Figure(name: "sweep of \(Fmt.grouped(UInt64(configs))) configs: heatmap + top 20 + CSV", milliseconds: try median {
            svg = try SweepReport.heatmap(table, x: table.parameters[0], y: table.parameters[1], metric: "net_pnl")
            _ = try SweepReport.topTable(table, metric: "net_pnl", count: 20)
            _ = SweepReport.csv(table)
        }, detail: "\(Fmt.fixed(Double(svg.utf8.count) / 1024, 0)) KB of SVG"))
        return figures
    }

    /// A grid of two parameters (40 × 25 for 1,000 configurations: the divisor of `configs`
    /// nearest 1.26 × its square root across) with a smooth P&L surface and noise.
    static func syntheticSweep(configs: Int) throws -> SweepTable {
        let target = Double(configs).squareRoot() * 1.26
        var nx = 1
        for d in 1...max(1, configs) where configs % d == 0 && abs(Double(d) - target) < abs(Double(nx) - target) { nx = d }
        var rows: [SweepTable.Row] = []
        rows.reserveCapacity(configs)
        var g = SeededGenerator(seed: 7)
        for i in 0..<configs {
            let x = Double(i % nx + 5), y = Double(i / nx) * 0.25 + 1
            let pnl = 4000 * sin(x / 9) * cos(y / 3) + Double(g.next() % 1000) - 500
            rows.append(.init(parameters: [x, y], metrics: [pnl, pnl / 2500, Double(50 + g.next() % 400)]))
        }
        return try SweepTable(parameters: ["atr_period", "atr_multiplier_sl"], metrics: ["net_pnl", "sharpe", "trades"], rows: rows)
    }

    /// Writes a run of `trades` random ES trades (twelve a weekday from 2019-01-02) into the run
    /// tables and returns its id.
    static func storeSyntheticRun(trades: Int, into db: any SQLDatabase) throws -> String {
        var g = SeededGenerator(seed: 42)
        let runID = "bench-\(trades)"
        let perDay = 12
        var day = TradeDate(year: 2019, month: 1, day: 2)
        var balance = Money(cents: 150_000_00)
        var equity: [RunEquityRow] = []
        var tradeRows: [RunTradeRow] = [], fillRows: [RunFillRow] = []
        var net = Money.zero, fees = Money.zero, wins = 0
        var k = 0
        while k < trades {
            while day.isWeekend { day = day.adding(days: 1) }
            let open = ZoneRules.newYork.utc(fromLocal: day.at(hour: 9, minute: 30)).seconds
            for i in 0..<min(perDay, trades - k) {
                let ticks = Int64(g.next() % 49) - 24
                let fee = Money(cents: 378)
                let pnl = Money(cents: ticks * 1250) - fee
                let entry = Timestamp(seconds: open + Int64(i) * 1200), exit = entry.adding(seconds: 600)
                let price = 10000 + Int64(g.next() % 400)
                let side = ticks % 2 == 0 ? "long" : "short"
                let entryPrice = Fmt.fixed(Double(price) / 4, 2), exitPrice = Fmt.fixed(Double(price + ticks) / 4, 2)
                let mae = Int64(g.next() % 30), mfe = Int64(g.next() % 30)
                tradeRows.append(RunTradeRow(strategy: "synthetic", symbol: "ES", side: side, quantity: 1, entryTime: entry.description,
                                             entryPrice: entryPrice, exitTime: exit.description, exitPrice: exitPrice,
                                             exitReason: ticks > 0 ? "target" : "stop", pnlUsd: pnl.description, feesUsd: fee.description,
                                             maeTicks: mae, mfeTicks: mfe))
                for (j, t) in [entry, exit].enumerated() {
                    fillRows.append(RunFillRow(time: t.description, symbol: "ES", side: j == 0 ? "buy" : "sell", quantity: 1,
                                               price: Fmt.fixed(Double(price) / 4, 2), feeUsd: "1.89", orderID: Int64(2 * k + j + 1),
                                               purpose: j == 0 ? "entry" : "target", resolution: "exact"))
                }
                balance += pnl; net += pnl; fees += fee
                if pnl.cents > 0 { wins += 1 }
                k += 1
            }
            let close = ZoneRules.newYork.utc(fromLocal: day.at(hour: 17, minute: 0))
            equity.append(RunEquityRow(time: close.description, tradeDate: day.description, balanceUsd: balance.description, equityUsd: balance.description))
            day = day.adding(days: 1)
        }
        let summary: [String: Any] = [
            "runId": runID, "createdAt": "2026-01-01T00:00:00Z", "strategies": ["synthetic"], "symbol": "ES", "timeframe": "1m",
            "dataFrom": "2019-01-01T23:00:00Z", "dataTo": equity.last?.time ?? "2019-01-02T00:00:00Z", "bars": 350_000,
            "trades": trades, "longs": trades / 2, "shorts": trades - trades / 2, "wins": wins,
            "winRate": trades > 0 ? Double(wins) / Double(trades) : 0, "netPnlUsd": net.description, "grossProfitUsd": 0, "grossLossUsd": 0,
            "feesUsd": fees.description, "expectancyUsd": trades > 0 ? net.dollars / Double(trades) : 0,
            "startingBalanceUsd": "150000.00", "endingBalanceUsd": balance.description, "ruleBreaches": [] as [Any],
            "fillResolution": ["exact": 2 * trades, "drillDown": 0, "pathModel": 0], "rules": "TopStepX 150K Combine",
            "configHash": "bench", "codeVersion": ProductVersion.string, "seconds": 0.1,
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self)
        let run = RunRow(runID: runID, createdAt: "2026-01-01T00:00:00Z", kind: "backtest", configHash: "bench",
                         configText: "account.rules=TopStepX 150K Combine\naccount.starting_balance=150000.00\naccount.daily_loss_limit=3000.00\n",
                         symbol: "ES", timeframe: "1m", dataFrom: "2019-01-01T23:00:00Z", dataTo: nil, codeVersion: ProductVersion.string,
                         summaryJSON: json)
        try RunTables(db: db).insert(run, trades: tradeRows, fills: fillRows, equity: equity, performance: [])
        return runID
    }
}
