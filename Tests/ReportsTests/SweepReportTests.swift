import Foundation
import Reports
import Testing

/// The sweep renderers take plain data; no sweep feeds them yet.
@Suite("Sweep sections: heatmap, top configurations, walk-forward")
struct SweepReportTests {
    /// fast × slow × stop, net P&L = fast − slow / 2 + stop − 10 (so the best stop is the largest),
    /// Sharpe = P&L / 10 but undefined for fast 15, slow 40.
    static func table() throws -> SweepTable {
        var rows: [SweepTable.Row] = []
        for fast in [5.0, 10, 15] {
            for slow in [20.0, 40] {
                for stop in [8.0, 16] {
                    let pnl = fast - slow / 2 + stop - 10
                    rows.append(.init(parameters: [fast, slow, stop], metrics: [pnl, fast == 15 && slow == 40 ? nil : pnl / 10]))
                }
            }
        }
        return try SweepTable(parameters: ["fast", "slow", "stop_ticks"], metrics: ["net_pnl", "sharpe"], rows: rows)
    }

    @Test("each heatmap cell is the best over the other parameters; undefined values stay empty")
    func grid() throws {
        let t = try Self.table()
        let g = try SweepReport.grid(t, x: "fast", y: "slow", metric: "net_pnl")
        #expect(g.xs == [5, 10, 15] && g.ys == [20, 40])
        #expect(g.cells == [[1, 6, 11], [-9, -4, 1]])
        let low = try SweepReport.grid(t, x: "fast", y: "slow", metric: "net_pnl", higherIsBetter: false)
        #expect(low.cells == [[-7, -2, 3], [-17, -12, -7]])
        let sharpe = try SweepReport.grid(t, x: "fast", y: "slow", metric: "sharpe")
        #expect(sharpe.cells[1][2] == nil && sharpe.cells[0][2] == 1.1)
        #expect(throws: ReportError.self) { try SweepReport.grid(t, x: "fast", y: "nope", metric: "net_pnl") }
        #expect(throws: ReportError.self) { try SweepReport.grid(t, x: "fast", y: "fast", metric: "net_pnl") }
        #expect(throws: ReportError.self) { try SweepTable(parameters: ["a"], metrics: ["m"], rows: [.init(parameters: [1, 2], metrics: [nil])]) }
    }

    @Test("the heatmap SVG: one cell per pair with its value, labelled axes, a legend")
    func heatmap() throws {
        let svg = try SweepReport.heatmap(try Self.table(), x: "fast", y: "slow", metric: "net_pnl")
        #expect(svg.hasPrefix("<svg class=\"chart\" data-chart=\"heatmap\"") && svg.hasSuffix("</svg>"))
        #expect(svg.components(separatedBy: "<rect").count - 1 == 6 + 5)  // cells + legend swatches
        #expect(svg.contains("<title>fast=15, slow=20: net_pnl 11.00</title>"))
        #expect(svg.contains(">fast</text>") && svg.contains(">slow</text>") && svg.contains(">40</text>"))
        #expect(svg.contains("best over the other parameters"))
        // Diverging colours: the best cell green, the worst red.
        #expect(svg.contains("fill=\"#1a7f37\""))
        #expect(svg.contains("<rect x=\"80.0\" y=\"14.0\" width=\"176.7\" height=\"36.0\" fill=\"#cf4e4e\""))  // −9 of a ±11 scale: 82 % of the way from white to red
    }

    @Test("top configurations: best first, ties in sweep order, undefined last")
    func top() throws {
        let t = try Self.table()
        let best = try SweepReport.top(t, metric: "net_pnl", count: 3)
        #expect(best.map(\.parameters) == [[15, 20, 16], [10, 20, 16], [15, 20, 8]])
        let sharpe = try SweepReport.top(t, metric: "sharpe", count: 12)
        #expect(sharpe.suffix(2).allSatisfy { $0.metrics[1] == nil })
        #expect(try SweepReport.top(t, metric: "net_pnl", count: 2, higherIsBetter: false).map(\.parameters) == [[5, 40, 8], [10, 40, 8]])
        let html = try SweepReport.topTable(t, metric: "net_pnl", count: 5)
        #expect(html.contains("Top 5 of 12 configurations by net_pnl") && html.components(separatedBy: "<tr>").count - 1 == 6)
        #expect(SweepReport.value(0.25) == "0.25" && SweepReport.value(16) == "16" && SweepReport.value(1.10000) == "1.1")
    }

    @Test("walk-forward: each window's in-sample and out-of-sample metric, table and bars")
    func walkForward() {
        let w = [WalkForwardWindow(label: "2019 H1", chosen: "fast=10 slow=30", inSample: 1.8, outOfSample: 0.4),
                 WalkForwardWindow(label: "2019 H2", chosen: "fast=5 slow=20", inSample: 2.1, outOfSample: -0.3),
                 WalkForwardWindow(label: "2020 H1", chosen: "fast=<5>", inSample: nil, outOfSample: nil)]
        let html = SweepReport.walkForward(w, metric: "sharpe")
        #expect(html.contains("<td class=\"num\">-0.30</td>") && html.contains("fast=&lt;5&gt;"))
        #expect(html.contains("data-chart=\"walk-forward\"") && html.components(separatedBy: "<rect").count - 1 == 4)
    }

    @Test("the sweep CSV has parameter then metric columns and reads back")
    func csv() throws {
        let t = try Self.table()
        let rows = parseCSV(SweepReport.csv(t))
        #expect(rows.first == ["fast", "slow", "stop_ticks", "net_pnl", "sharpe"])
        #expect(rows.count == 13 && rows[1] == ["5", "20", "8", "-7.0", "-0.7"])
        #expect(rows.last?[4] == "")
    }

    @Test("a 1,000-configuration sweep renders (40 × 25 grid, values not written in the cells)")
    func large() throws {
        var rows: [SweepTable.Row] = []
        for a in 0..<40 { for b in 0..<25 { rows.append(.init(parameters: [Double(a), Double(b) * 0.5], metrics: [Double(a * b) - 300])) } }
        let t = try SweepTable(parameters: ["a", "b"], metrics: ["m"], rows: rows)
        let svg = try SweepReport.heatmap(t, x: "a", y: "b", metric: "m")
        #expect(svg.components(separatedBy: "<rect").count - 1 == 1000 + 5)
        #expect(!svg.contains("font-size=\"11\" text-anchor=\"middle\""))
        #expect(try SweepReport.top(t, metric: "m", count: 1).first?.parameters == [39, 12])
    }
}
