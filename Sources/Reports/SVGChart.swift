import Data

/// The drawing area of one chart in SVG user units; the SVG scales to its container's width.
struct ChartFrame {
    var width = 720.0
    var height = 240.0
    var left = 80.0
    var right = 18.0
    var top = 14.0
    var bottom = 30.0

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }
    var plotBottom: Double { height - bottom }
    var plotRight: Double { width - right }
}

/// A linear map from a data interval to a pixel interval.
struct LinearMap {
    var d0: Double, d1: Double, r0: Double, r1: Double
    func callAsFunction(_ v: Double) -> Double {
        d1 == d0 ? (r0 + r1) / 2 : r0 + (v - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// Inline SVG charts: equity, drawdown, daily P&L with the daily loss limit, a histogram. Each
/// function takes plain numbers and returns one `<svg>` element with its axes (ticks, labels and
/// grid lines), so that each can be tested on its own and reused by the sweep report.
public enum SVGChart {
    static let axisColor = "#5b6474", gridColor = "#e3e6eb", lineColor = "#2f5fb3"
    static let positive = "#1a7f37", negative = "#c62828"

    static func n(_ v: Double) -> String { Fmt.fixed(v, 1) }

    static func open(_ id: String, _ title: String, _ f: ChartFrame) -> String {
        "<svg class=\"chart\" data-chart=\"\(id)\" viewBox=\"0 0 \(n(f.width)) \(n(f.height))\""
            + " role=\"img\" aria-label=\"\(HTML.escape(title))\"><title>\(HTML.escape(title))</title>"
    }

    /// Horizontal grid lines and labels for a y scale.
    static func yAxis(_ s: NiceScale, _ y: LinearMap, _ f: ChartFrame, _ label: (Double) -> String) -> String {
        var out = "<g class=\"y-axis\" font-size=\"12\" fill=\"\(axisColor)\" text-anchor=\"end\">"
        for v in s.ticks {
            let py = y(v)
            out += "<line x1=\"\(n(f.left))\" x2=\"\(n(f.plotRight))\" y1=\"\(n(py))\" y2=\"\(n(py))\" stroke=\"\(gridColor)\"/>"
            out += "<text x=\"\(n(f.left - 6))\" y=\"\(n(py + 4))\">\(HTML.escape(label(v)))</text>"
        }
        return out + "</g>"
    }

    /// Tick marks and labels along the bottom for trade dates.
    static func dateAxis(_ ticks: [(day: Int64, label: String)], _ x: LinearMap, _ f: ChartFrame) -> String {
        var out = "<g class=\"x-axis\" font-size=\"12\" fill=\"\(axisColor)\" text-anchor=\"middle\">"
        out += "<line x1=\"\(n(f.left))\" x2=\"\(n(f.plotRight))\" y1=\"\(n(f.plotBottom))\" y2=\"\(n(f.plotBottom))\" stroke=\"\(axisColor)\"/>"
        for t in ticks {
            let px = x(Double(t.day))
            out += "<line x1=\"\(n(px))\" x2=\"\(n(px))\" y1=\"\(n(f.plotBottom))\" y2=\"\(n(f.plotBottom + 5))\" stroke=\"\(axisColor)\"/>"
            out += "<text x=\"\(n(px))\" y=\"\(n(f.plotBottom + 18))\">\(HTML.escape(t.label))</text>"
        }
        return out + "</g>"
    }

    /// Tick marks and labels along the bottom for a numeric scale.
    static func valueAxis(_ s: NiceScale, _ x: LinearMap, _ f: ChartFrame, _ label: (Double) -> String) -> String {
        var out = "<g class=\"x-axis\" font-size=\"12\" fill=\"\(axisColor)\" text-anchor=\"middle\">"
        out += "<line x1=\"\(n(f.left))\" x2=\"\(n(f.plotRight))\" y1=\"\(n(f.plotBottom))\" y2=\"\(n(f.plotBottom))\" stroke=\"\(axisColor)\"/>"
        for v in s.ticks {
            let px = x(v)
            out += "<line x1=\"\(n(px))\" x2=\"\(n(px))\" y1=\"\(n(f.plotBottom))\" y2=\"\(n(f.plotBottom + 5))\" stroke=\"\(axisColor)\"/>"
            out += "<text x=\"\(n(px))\" y=\"\(n(f.plotBottom + 18))\">\(HTML.escape(label(v)))</text>"
        }
        return out + "</g>"
    }

    static func noData(_ id: String, _ title: String, _ message: String) -> String {
        let f = ChartFrame(height: 80)
        return open(id, title, f) + "<text x=\"\(n(f.width / 2))\" y=\"44\" font-size=\"14\" fill=\"\(axisColor)\" text-anchor=\"middle\">"
            + HTML.escape(message) + "</text></svg>"
    }

    /// Currency tick labels: whole dollars unless the step is below a dollar.
    static func usdLabel(_ s: NiceScale) -> (Double) -> String {
        let d = s.decimals > 0 ? 2 : 0
        return { Fmt.usd($0, decimals: d) }
    }

    /// The x map shared by the date charts, so equity, drawdown and daily bars line up.
    static func dayMap(_ first: Int64, _ last: Int64, _ f: ChartFrame) -> LinearMap {
        let lo = Double(first) - 0.5, hi = Double(max(last, first)) + 0.5
        return LinearMap(d0: lo, d1: hi, r0: f.left, r1: f.plotRight)
    }

    /// Equity at each trade date's close (a line), with the starting balance dashed.
    /// `days` are trade-date day numbers in increasing order; `equity` and `start` are dollars.
    public static func equity(days: [Int64], equity: [Double], start: Double) -> String {
        let title = "Equity at each trade date's close (USD)"
        guard let first = days.first, let last = days.last, days.count == equity.count else {
            return noData("equity", title, "No equity points")
        }
        let f = ChartFrame(height: 260)
        let s = NiceScale(min(equity.min()!, start), max(equity.max()!, start), maxTicks: 6)
        let y = LinearMap(d0: s.lower, d1: s.upper, r0: f.plotBottom, r1: f.top)
        let x = dayMap(first, last, f)
        var out = open("equity", title, f) + yAxis(s, y, f, usdLabel(s))
        out += dateAxis(DateTicks.ticks(first: first, last: last, maxTicks: 8).ticks, x, f)
        out += "<line class=\"start-balance\" x1=\"\(n(f.left))\" x2=\"\(n(f.plotRight))\" y1=\"\(n(y(start)))\" y2=\"\(n(y(start)))\""
            + " stroke=\"\(axisColor)\" stroke-dasharray=\"4 4\"><title>starting balance \(Fmt.usd(start))</title></line>"
        var path = ""
        path.reserveCapacity(days.count * 14)
        for i in days.indices { path += (i == 0 ? "M" : "L") + n(x(Double(days[i]))) + " " + n(y(equity[i])) }
        if days.count == 1 { path += "h0.1" }
        out += "<path class=\"series\" d=\"\(path)\" fill=\"none\" stroke=\"\(lineColor)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>"
        if days.count <= 400 {
            for i in days.indices {
                out += "<circle cx=\"\(n(x(Double(days[i]))))\" cy=\"\(n(y(equity[i])))\" r=\"2.5\" fill=\"\(lineColor)\"><title>"
                    + HTML.escape(TradeDate(dayNumber: days[i]).description + " " + Fmt.usd(equity[i])) + "</title></circle>"
            }
        }
        return out + "</svg>"
    }

    /// Drawdown below the running peak (dollars ≤ 0) as a filled area, on the equity chart's x axis.
    public static func drawdown(days: [Int64], drawdown: [Double]) -> String {
        let title = "Drawdown from the running peak (USD)"
        guard let first = days.first, let last = days.last, days.count == drawdown.count else {
            return noData("drawdown", title, "No equity points")
        }
        let f = ChartFrame(height: 160)
        let low = min(drawdown.min()!, 0)
        let s = NiceScale(low < 0 ? low : -1, 0, maxTicks: 4)
        let y = LinearMap(d0: s.lower, d1: s.upper, r0: f.plotBottom, r1: f.top)
        let x = dayMap(first, last, f)
        var out = open("drawdown", title, f) + yAxis(s, y, f, usdLabel(s))
        out += dateAxis(DateTicks.ticks(first: first, last: last, maxTicks: 8).ticks, x, f)
        var path = "M" + n(x(Double(first))) + " " + n(y(0))
        for i in days.indices { path += "L" + n(x(Double(days[i]))) + " " + n(y(drawdown[i])) }
        path += "L" + n(x(Double(last))) + " " + n(y(0)) + "Z"
        out += "<path class=\"series\" d=\"\(path)\" fill=\"\(negative)\" fill-opacity=\"0.25\" stroke=\"\(negative)\" stroke-width=\"1.5\"/>"
        return out + "</svg>"
    }

    /// Daily P&L bars (green up, red down; a day that met the limit outlined) with the daily loss
    /// limit drawn as a dashed line at −limit when the rules have one.
    public static func dailyPnL(days: [Int64], pnl: [Double], limitHit: [Bool], limit: Double?) -> String {
        let title = "Daily P&L by trade date (USD)" + (limit.map { ", daily loss limit \(Fmt.usd(-$0))" } ?? "")
        guard let first = days.first, let last = days.last, days.count == pnl.count, days.count == limitHit.count else {
            return noData("daily", title, "No trade dates")
        }
        let f = ChartFrame(height: 240)
        var lo = min(pnl.min()!, 0), hi = max(pnl.max()!, 0)
        if let l = limit { lo = min(lo, -l * 1.1) }
        if lo == hi { hi = 1 }
        let s = NiceScale(lo, hi, maxTicks: 6)
        let y = LinearMap(d0: s.lower, d1: s.upper, r0: f.plotBottom, r1: f.top)
        let x = dayMap(first, last, f)
        var out = open("daily", title, f) + yAxis(s, y, f, usdLabel(s))
        out += dateAxis(DateTicks.ticks(first: first, last: last, maxTicks: 8).ticks, x, f)
        let slot = f.plotWidth / Double(last - first + 1)
        let w = max(0.6, min(slot * 0.7, 28))
        out += "<g class=\"bars\" shape-rendering=\"crispEdges\">"
        for i in days.indices {
            let v = pnl[i]
            let y0 = y(0), y1 = y(v)
            let top = min(y0, y1), h = max(abs(y1 - y0), 0.5)
            out += "<rect x=\"\(n(x(Double(days[i])) - w / 2))\" y=\"\(n(top))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(v < 0 ? negative : positive)\""
            if limitHit[i] { out += " stroke=\"#000\" stroke-width=\"1.5\"" }
            out += "><title>" + HTML.escape(TradeDate(dayNumber: days[i]).description + " " + Fmt.usd(v) + (limitHit[i] ? " (daily loss limit)" : "")) + "</title></rect>"
        }
        out += "</g><line x1=\"\(n(f.left))\" x2=\"\(n(f.plotRight))\" y1=\"\(n(y(0)))\" y2=\"\(n(y(0)))\" stroke=\"\(axisColor)\"/>"
        if let l = limit {
            let ly = y(-l)
            out += "<g class=\"limit\"><line x1=\"\(n(f.left))\" x2=\"\(n(f.plotRight))\" y1=\"\(n(ly))\" y2=\"\(n(ly))\" stroke=\"\(negative)\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
            out += "<text x=\"\(n(f.plotRight - 4))\" y=\"\(n(ly - 5))\" font-size=\"12\" fill=\"\(negative)\" text-anchor=\"end\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">daily loss limit \(HTML.escape(Fmt.usd(-l)))</text></g>"
        }
        return out + "</svg>"
    }

    /// The bins of a histogram: nice-width bins over the values' range; a value on an inner edge
    /// counts in the bin to its right, the maximum in the last bin.
    public static func bins(_ values: [Double], target: Int = 20) -> (edges: [Double], counts: [Int]) {
        guard let lo = values.min(), let hi = values.max() else { return ([], []) }
        let step = NiceScale.nice(hi > lo ? (hi - lo) / Double(max(1, target)) : max(1, abs(lo) * 0.1), round: true)
        let start = (lo / step).rounded(.down) * step
        let m = (hi - start) / step
        var count = Int(m.rounded(.down)) + 1
        // The maximum on an edge closes the last bin rather than opening one of its own.
        if m >= 1 && m == m.rounded(.down) { count -= 1 }
        var counts = [Int](repeating: 0, count: count)
        for v in values {
            let k = min(count - 1, max(0, Int(((v - start) / step).rounded(.down))))
            counts[k] += 1
        }
        return ((0...count).map { start + Double($0) * step }, counts)
    }

    /// Distribution of trade P&L: a histogram with a line at zero.
    public static func histogram(_ values: [Double]) -> String {
        let title = "Distribution of trade P&L (USD, number of trades)"
        guard !values.isEmpty else { return noData("histogram", title, "No trades") }
        let (edges, counts) = bins(values)
        let f = ChartFrame(height: 240)
        let xs = NiceScale(edges.first!, edges.last!, maxTicks: 7)
        let x = LinearMap(d0: min(xs.lower, edges.first!), d1: max(xs.upper, edges.last!), r0: f.left, r1: f.plotRight)
        let ys = NiceScale(0, Double(counts.max()!), maxTicks: 5, integer: true)
        let y = LinearMap(d0: ys.lower, d1: ys.upper, r0: f.plotBottom, r1: f.top)
        var out = open("histogram", title, f) + yAxis(ys, y, f) { Fmt.fixed($0, 0) }
        out += valueAxis(xs, x, f, usdLabel(xs))
        out += "<g class=\"bars\" shape-rendering=\"crispEdges\">"
        for k in counts.indices where counts[k] > 0 {
            let x0 = x(edges[k]), x1 = x(edges[k + 1])
            let mid = (edges[k] + edges[k + 1]) / 2
            out += "<rect x=\"\(n(x0 + 0.5))\" y=\"\(n(y(Double(counts[k]))))\" width=\"\(n(max(0.5, x1 - x0 - 1)))\" height=\"\(n(y(0) - y(Double(counts[k]))))\""
                + " fill=\"\(mid < 0 ? negative : positive)\" fill-opacity=\"0.8\"><title>"
                + HTML.escape("\(Fmt.usd(edges[k])) to \(Fmt.usd(edges[k + 1])): \(counts[k]) trade\(counts[k] == 1 ? "" : "s")") + "</title></rect>"
        }
        out += "</g>"
        if x.d0 < 0 && x.d1 > 0 {
            out += "<line x1=\"\(n(x(0)))\" x2=\"\(n(x(0)))\" y1=\"\(n(f.top))\" y2=\"\(n(f.plotBottom))\" stroke=\"\(axisColor)\" stroke-dasharray=\"3 3\"/>"
        }
        return out + "</svg>"
    }
}
