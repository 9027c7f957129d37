import Data
import Research

extension TradeHistory {
    /// A stored run's trades by trade date, with every session of its equity curve (days it did
    /// not trade count toward the horizon). MAE/MFE in ticks are priced with the symbol's tick
    /// value; a symbol without one replays its trades without excursions.
    public init(run: RunReport) {
        let calendar = SessionCalendar.cmeEquityIndex
        let trades = run.trades.map { t in
            let tick = (t.tickValue?.dollars ?? 0) * Double(abs(t.quantity))
            return HistoryTrade(tradeDate: calendar.tradeDate(containing: t.exitTime), pnl: t.pnl.dollars, fees: t.fees.dollars,
                                adverse: Double(t.maeTicks) * tick, favourable: Double(t.mfeTicks) * tick)
        }
        self.init(trades: trades, sessions: run.equity.map(\.tradeDate))
    }
}

/// The pass probability as a self-contained HTML page: the numbers with their standard errors
/// and a chart of the day each simulated attempt passed or failed.
public enum CombineReport {
    public static func html(_ r: PassProbability, source: String) -> String {
        func pct(_ e: Estimate) -> String { "\(Fmt.fixed(e.value * 100, 1)) % ± \(Fmt.fixed(e.se * 100, 1))" }
        var rows: [[String]] = [
            ["P(pass)", pct(r.pass)], ["P(fail)", pct(r.fail)], ["P(neither within \(r.options.days) days)", pct(r.neither)],
        ]
        for p in r.daysToPass { rows.append(["days to pass, \(p.percentile)th percentile", "\(Fmt.fixed(p.days, 0)) ± \(Fmt.fixed(p.se, 1))"]) }
        if let e = r.expectedResets { rows.append(["expected resets before a pass", "\(Fmt.fixed(e.value, 2)) ± \(Fmt.fixed(e.se, 2))"]) }
        if let c = r.expectedResetCost { rows.append(["expected reset fees", "\(Fmt.usd(c.value, decimals: 0)) ± \(Fmt.usd(c.se, decimals: 0))"]) }
        let numbers = HTML.table(header: ["", "estimate ± standard error"], rows: rows, numeric: [1])
        let method = """
            <p>\(r.options.paths) paths of \(r.options.days) sessions resampled from \(r.historyDays) history days \
            (\(r.historyTrades) trades) \(r.options.resampling == .days
                ? "in blocks of consecutive days (stationary bootstrap, mean block \(Fmt.fixed(r.meanBlockLength, 1)) days)"
                : "trade by trade"), seed \(r.options.seed), each replayed through the rules with the trades' intraday lows and highs.</p>
            """
        let sections = [
            HTMLSection(id: "odds", title: "Pass probability", body: numbers + method),
            HTMLSection(id: "days", title: "When attempts end", body: outcomeChart(passes: r.passesByDay, failures: r.failuresByDay)),
        ]
        return HTMLPage.render(title: "Combine pass probability: \(r.rulesName)", subtitle: HTML.escape(source), sections: sections,
                               footer: "tsxlab combine")
    }

    /// Paths that passed (above the axis) and failed (below) on each day.
    static func outcomeChart(passes: [Int], failures: [Int]) -> String {
        let title = "Attempts passed (up) and failed (down) by day"
        guard !passes.isEmpty, (passes + failures).contains(where: { $0 > 0 }) else { return SVGChart.noData("outcomes", title, "No attempt ended") }
        let f = ChartFrame(height: 260)
        let top = Double(max(passes.max()!, failures.max()!, 1))
        let ys = NiceScale(-top, top, maxTicks: 6, integer: true)
        let y = LinearMap(d0: ys.lower, d1: ys.upper, r0: f.plotBottom, r1: f.top)
        let xs = NiceScale(1, Double(passes.count), maxTicks: 8, integer: true)
        let x = LinearMap(d0: 0.5, d1: Double(passes.count) + 0.5, r0: f.left, r1: f.plotRight)
        var out = SVGChart.open("outcomes", title, f) + SVGChart.yAxis(ys, y, f) { Fmt.fixed(abs($0), 0) }
        out += SVGChart.valueAxis(xs, x, f) { "day \(Fmt.fixed($0, 0))" }
        let w = max(0.5, (f.plotWidth / Double(passes.count)) - 1)
        out += "<g class=\"bars\" shape-rendering=\"crispEdges\">"
        for d in passes.indices {
            let x0 = x(Double(d + 1)) - w / 2
            if passes[d] > 0 {
                out += "<rect x=\"\(SVGChart.n(x0))\" y=\"\(SVGChart.n(y(Double(passes[d]))))\" width=\"\(SVGChart.n(w))\" height=\"\(SVGChart.n(y(0) - y(Double(passes[d]))))\" fill=\"\(SVGChart.positive)\"><title>day \(d + 1): \(passes[d]) passed</title></rect>"
            }
            if failures[d] > 0 {
                out += "<rect x=\"\(SVGChart.n(x0))\" y=\"\(SVGChart.n(y(0)))\" width=\"\(SVGChart.n(w))\" height=\"\(SVGChart.n(y(-Double(failures[d])) - y(0)))\" fill=\"\(SVGChart.negative)\"><title>day \(d + 1): \(failures[d]) failed</title></rect>"
            }
        }
        return out + "</g></svg>"
    }
}
