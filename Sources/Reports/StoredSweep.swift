import Backtest
import Data
import Foundation
import Research
import Store

/// A sweep read back from the store (`sweeps`, `sweep_results`), as the report renders it.
public struct StoredSweep: Sendable {
    public var id: String
    public var strategy: String
    public var symbol: String
    public var timeframe: String
    public var dataFrom: String
    public var dataTo: String
    public var space: String
    public var table: SweepTable
    /// Walk-forward windows run on this sweep (the latest spec and metric), if any.
    public var walkForward: [WalkForwardWindow] = []
    public var walkForwardTitle = ""
    /// PSR, DSR and PBO of the sweep's choice over the configurations whose end-of-session
    /// balances the store keeps (the sweep's summary computes the same), with a note when they are
    /// unavailable or partial.
    public var overfitting: SweepOverfitting?
    /// How the sweep's summary ranked its configurations (`net_pnl, at least 1 trade`), if it has.
    public var chosenBy: String?

    public static let metricNames = ["net_pnl", "sharpe", "profit_factor", "win_rate", "trades", "max_drawdown"]

    /// The sweep with this id (or a unique prefix of it), or nil when the store has none.
    ///
    /// - Parameter judged: the sweep's overfitting statistics when the caller has just computed
    ///   them from this store (`SweepJob.judge`), so the PBO's splits are not run a second time;
    ///   nil: computed here from the stored balances, the same way.
    public static func load(_ idOrPrefix: String, from db: any SQLDatabase, judged: SweepOverfitting? = nil) throws -> StoredSweep? {
        let tables = SweepTables(db: db)
        let matches = try tables.sweeps(withPrefix: idOrPrefix)
        guard matches.count == 1, let head = matches.first else { return nil }
        let results = try tables.results(head.sweepID)
        // Parameters from the first row's `name=value` pairs, in their stored (sorted) order.
        let names = (results.first?.params ?? "").split(separator: " ").compactMap { $0.split(separator: "=").first.map(String.init) }
        var tableRows: [SweepTable.Row] = []
        for r in results {
            var values: [String: Double] = [:]
            for pair in r.params.split(separator: " ") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { values[kv[0]] = Double(kv[1]) }
            }
            guard names.allSatisfy({ values[$0] != nil }) else { continue }
            tableRows.append(SweepTable.Row(parameters: names.map { values[$0]! },
                                            metrics: [Money(r.netPnlUsd).map(\.dollars), r.sharpe, r.profitFactor, r.winRate,
                                                      Double(r.trades), r.maxDrawdownUsd]))
        }
        var sweep = StoredSweep(id: head.sweepID, strategy: head.strategy, symbol: head.symbol, timeframe: head.timeframe,
                                dataFrom: head.dataFrom ?? "", dataTo: head.dataTo ?? "", space: head.space,
                                table: try SweepTable(parameters: names, metrics: metricNames, rows: tableRows))
        sweep.chosenBy = head.chosenBy
        sweep.overfitting = try judged ?? overfitting(head, results: results, tables: tables)
        let wf = try tables.walkForwardWindows(head.sweepID)
        if let last = wf.last {
            let spec = last.spec, metric = last.metric
            sweep.walkForwardTitle = "Walk-forward \(spec), optimising \(metric): in sample vs out of sample"
            sweep.walkForward = wf.filter { $0.spec == spec && $0.metric == metric }.map { w in
                // Out of sample the net P&L and trade count are kept; other metrics show in sample only.
                var oos: Double?
                if metric == "net_pnl" { oos = Money(w.outOfSampleNetPnlUsd)?.dollars } else if metric == "trades" { oos = Double(w.outOfSampleTrades) }
                return WalkForwardWindow(label: w.outOfSample, chosen: w.chosen, inSample: w.inSampleMetric, outOfSample: oos)
            }
        }
        return sweep
    }

    /// The sweep's choice judged from the stored balances, as `SweepJob.judge` judges it: the
    /// configuration the summary ranked first, named as the sweep names it (axis order).
    static func overfitting(_ head: SweepRow, results: [SweepResultRow], tables: SweepTables) throws -> SweepOverfitting {
        let stored = try tables.sessionsByCell(head.sweepID)
        let space = try? SweepSpace(parsing: head.space)
        let params = Dictionary(results.map { ($0.cell, $0.params) }, uniquingKeysWith: { a, _ in a })
        let chosen = head.chosenConfigHash.flatMap { hash in results.first { $0.configHash == hash }?.cell }
        // Without balances there is nothing to count from, and `compute` says so before it would.
        return SweepOverfitting.compute(stored.byCell, configurations: results.count, startingBalance: stored.startingBalance ?? 0,
                                        chosen: chosen, label: { cell in space.map { $0.label(cell) } ?? params[cell] ?? "cell \(cell)" })
    }

    /// One self-contained page: the metric heatmap over the first two parameters, the top
    /// configurations, and the configuration of the sweep.
    public func html(metric: String = "net_pnl") throws -> String {
        var sections: [HTMLSection] = []
        if table.parameters.count >= 2 {
            sections.append(HTMLSection(id: "heatmap", title: "\(metric) by \(table.parameters[0]) and \(table.parameters[1])",
                                        body: try SweepReport.heatmap(table, x: table.parameters[0], y: table.parameters[1], metric: metric)
                                            + "<p class=\"note\">Each cell shows the best \(HTML.escape(metric)) over the other parameters.</p>"))
        }
        sections.append(HTMLSection(id: "top", title: "Top configurations by \(metric)",
                                    body: try SweepReport.topTable(table, metric: metric, count: 20)))
        if !walkForward.isEmpty {
            sections.append(HTMLSection(id: "walk-forward", title: walkForwardTitle,
                                        body: SweepReport.walkForward(walkForward, metric: walkForwardTitle.components(separatedBy: "optimising ").last?
                                            .components(separatedBy: ":").first ?? "")))
        }
        if let overfitting { sections.append(SweepReport.overfitting(overfitting, chosenBy: chosenBy)) }
        sections.append(HTMLSection(id: "space", title: "Sweep",
                                    body: "<p>\(HTML.escape(strategy)) on \(HTML.escape(symbol)) \(HTML.escape(timeframe)), \(HTML.escape(dataFrom)) → \(HTML.escape(dataTo)); \(table.rows.count) configurations: <code>\(HTML.escape(space))</code></p>"))
        return HTMLPage.render(title: "Sweep \(id)", subtitle: HTML.escape("\(strategy) on \(symbol) \(timeframe)"), sections: sections,
                               footer: "tsxlab sweep report")
    }
}
