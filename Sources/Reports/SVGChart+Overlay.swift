import Data

extension SVGChart {
    /// One line of an overlaid equity chart: a run's equity at each trade date's close.
    public struct EquitySeries: Sendable {
        /// Shown in the line's tooltip and carried as its `data-run`.
        public var label: String
        /// Trade-date day numbers in increasing order.
        public var days: [Int64]
        /// Dollars, one per day.
        public var equity: [Double]
        public init(label: String, days: [Int64], equity: [Double]) { self.label = label; self.days = days; self.equity = equity }
    }

    /// Colours of overlaid series, in order (repeated after the last); legible on white and apart
    /// from one another for the common kinds of colour blindness (Okabe–Ito, darkened).
    public static let seriesColors = ["#2f5fb3", "#d55e00", "#009e73", "#cc79a7", "#0072b2", "#b8860b", "#56b4e9", "#1d2430"]

    /// Several equity curves on one chart: the x axis covers every trade date of any series, the
    /// y axis every value; each series is a group (`g.series` with `data-run` and its position as
    /// `data-index`) drawn in the colour of its position in `seriesColors`. `start`, when given
    /// (all runs began with the same balance), is dashed. `id`, `title` and `labelAttribute` name
    /// the chart, its title and the attribute carrying each line's label (a run report's lines
    /// per symbol: `data-chart="equity"`, `data-symbol`).
    public static func equityOverlay(_ series: [EquitySeries], start: Double?, id: String = "equity-compare",
                                     title: String = "Equity at each trade date's close (USD), one line per run",
                                     labelAttribute: String = "data-run") -> String {
        let drawn = series.filter { !$0.days.isEmpty && $0.days.count == $0.equity.count }
        guard let first = drawn.compactMap(\.days.first).min(), let last = drawn.compactMap(\.days.last).max() else {
            return noData(id, title, "No equity points")
        }
        let f = ChartFrame(height: 280)
        var lo = drawn.map { $0.equity.min()! }.min()!, hi = drawn.map { $0.equity.max()! }.max()!
        if let start { lo = min(lo, start); hi = max(hi, start) }
        let s = NiceScale(lo, hi, maxTicks: 6)
        let y = LinearMap(d0: s.lower, d1: s.upper, r0: f.plotBottom, r1: f.top)
        let x = dayMap(first, last, f)
        var out = open(id, title, f) + yAxis(s, y, f, usdLabel(s))
        out += dateAxis(DateTicks.ticks(first: first, last: last, maxTicks: 8).ticks, x, f)
        if let start {
            out += "<line class=\"start-balance\" x1=\"\(n(f.left))\" x2=\"\(n(f.plotRight))\" y1=\"\(n(y(start)))\" y2=\"\(n(y(start)))\""
                + " stroke=\"\(axisColor)\" stroke-dasharray=\"4 4\"><title>starting balance \(Fmt.usd(start))</title></line>"
        }
        for (k, one) in series.enumerated() where !one.days.isEmpty && one.days.count == one.equity.count {
            let color = seriesColors[k % seriesColors.count]
            var path = ""
            path.reserveCapacity(one.days.count * 14)
            for i in one.days.indices { path += (i == 0 ? "M" : "L") + n(x(Double(one.days[i]))) + " " + n(y(one.equity[i])) }
            if one.days.count == 1 { path += "h0.1" }
            out += "<g class=\"series\" data-index=\"\(k)\" \(labelAttribute)=\"\(HTML.escape(one.label))\"><title>\(HTML.escape(one.label))</title>"
                + "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>"
            // End points, so that a curve of one day or one hidden under another is still seen.
            let i = one.days.count - 1
            out += "<circle cx=\"\(n(x(Double(one.days[i]))))\" cy=\"\(n(y(one.equity[i])))\" r=\"3\" fill=\"\(color)\"><title>"
                + HTML.escape(one.label + " " + TradeDate(dayNumber: one.days[i]).description + " " + Fmt.usd(one.equity[i])) + "</title></circle></g>"
        }
        return out + "</svg>"
    }
}
