/// The results of a parameter sweep as a report reads them: one row per configuration, the
/// parameter values and the metrics (nil where a metric is undefined, e.g. Sharpe without trades).
///
/// Sweeps do not exist yet; these renderers take plain data so that the sweep command can feed them
/// when it lands (a heatmap section, the top configurations, walk-forward in/out of sample).
public struct SweepTable: Sendable, Hashable {
    public struct Row: Sendable, Hashable {
        public var parameters: [Double]
        public var metrics: [Double?]
        public init(parameters: [Double], metrics: [Double?]) { self.parameters = parameters; self.metrics = metrics }
    }

    public var parameters: [String]
    public var metrics: [String]
    public var rows: [Row]

    /// - Throws: `ReportError.badInput` when a row's lengths differ from the names'.
    public init(parameters: [String], metrics: [String], rows: [Row]) throws {
        for (i, r) in rows.enumerated() where r.parameters.count != parameters.count || r.metrics.count != metrics.count {
            throw ReportError.badInput("sweep row \(i + 1) has \(r.parameters.count) parameters and \(r.metrics.count) metrics; expected \(parameters.count) and \(metrics.count)")
        }
        self.parameters = parameters; self.metrics = metrics; self.rows = rows
    }

    func parameterIndex(_ name: String) throws -> Int {
        guard let i = parameters.firstIndex(of: name) else {
            throw ReportError.badInput("the sweep has no parameter '\(name)' (it has \(parameters.joined(separator: ", ")))")
        }
        return i
    }

    func metricIndex(_ name: String) throws -> Int {
        guard let i = metrics.firstIndex(of: name) else {
            throw ReportError.badInput("the sweep has no metric '\(name)' (it has \(metrics.joined(separator: ", ")))")
        }
        return i
    }
}

/// One walk-forward window: the metric of the configuration chosen in sample, in sample and on the
/// out-of-sample period that followed.
public struct WalkForwardWindow: Sendable, Hashable {
    public var label: String
    public var chosen: String
    public var inSample: Double?
    public var outOfSample: Double?
    public init(label: String, chosen: String, inSample: Double?, outOfSample: Double?) {
        self.label = label; self.chosen = chosen; self.inSample = inSample; self.outOfSample = outOfSample
    }
}

public enum SweepReport {
    /// A parameter value as printed: whole numbers without decimals, others with up to four.
    public static func value(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        var s = Fmt.fixed(v, 4)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// The metric over two parameters: the distinct values of each (ascending) and, for each
    /// (x, y) cell, the best metric over the configurations that share it (the other parameters
    /// vary freely); nil where no configuration has a value.
    public static func grid(_ t: SweepTable, x: String, y: String, metric: String, higherIsBetter: Bool = true) throws
        -> (xs: [Double], ys: [Double], cells: [[Double?]]) {
        let xi = try t.parameterIndex(x), yi = try t.parameterIndex(y), mi = try t.metricIndex(metric)
        guard xi != yi else { throw ReportError.badInput("a heatmap needs two different parameters, not '\(x)' twice") }
        let xs = Array(Set(t.rows.map { $0.parameters[xi] })).sorted()
        let ys = Array(Set(t.rows.map { $0.parameters[yi] })).sorted()
        var xPos: [Double: Int] = [:], yPos: [Double: Int] = [:]
        for (i, v) in xs.enumerated() { xPos[v] = i }
        for (i, v) in ys.enumerated() { yPos[v] = i }
        var cells = [[Double?]](repeating: [Double?](repeating: nil, count: xs.count), count: ys.count)
        for r in t.rows {
            guard let v = r.metrics[mi], v.isFinite, let cx = xPos[r.parameters[xi]], let cy = yPos[r.parameters[yi]] else { continue }
            if let old = cells[cy][cx] {
                if higherIsBetter ? v > old : v < old { cells[cy][cx] = v }
            } else {
                cells[cy][cx] = v
            }
        }
        return (xs, ys, cells)
    }

    /// A colour for a value: red–white–green around zero when the values have both signs,
    /// otherwise white to blue (reversed when lower is better).
    static func color(_ v: Double, lo: Double, hi: Double, higherIsBetter: Bool) -> String {
        func mix(_ a: (Double, Double, Double), _ b: (Double, Double, Double), _ t: Double) -> String {
            let t = min(1, max(0, t))
            func c(_ x: Double, _ y: Double) -> String {
                let v = Int((x + (y - x) * t).rounded())
                let h = String(v, radix: 16)
                return h.count == 1 ? "0" + h : h
            }
            return "#" + c(a.0, b.0) + c(a.1, b.1) + c(a.2, b.2)
        }
        let white = (247.0, 247.0, 247.0), green = (26.0, 127.0, 55.0), red = (198.0, 40.0, 40.0), blue = (47.0, 95.0, 179.0)
        if lo < 0 && hi > 0 {
            let m = max(-lo, hi)
            let good = higherIsBetter ? v > 0 : v < 0
            return mix(white, good ? green : red, abs(v) / m)
        }
        let t = hi > lo ? (v - lo) / (hi - lo) : 1
        return mix(white, blue, higherIsBetter ? t : 1 - t)
    }

    /// A heatmap of `metric` over parameters `x` (across) and `y` (down) as inline SVG, each cell
    /// titled with its values; numbers are written in the cells when the grid is small.
    public static func heatmap(_ t: SweepTable, x: String, y: String, metric: String, higherIsBetter: Bool = true) throws -> String {
        let (xs, ys, cells) = try grid(t, x: x, y: y, metric: metric, higherIsBetter: higherIsBetter)
        let title = "\(metric) by \(x) and \(y)" + (t.parameters.count > 2 ? " (best over the other parameters)" : "")
        guard !xs.isEmpty, !ys.isEmpty else { return SVGChart.noData("heatmap", title, "No configurations") }
        let values = cells.flatMap { $0 }.compactMap { $0 }
        let lo = values.min() ?? 0, hi = values.max() ?? 0
        let n = SVGChart.n
        var f = ChartFrame(left: 80, right: 110, top: 14, bottom: 44)
        let cellW = f.plotWidth / Double(xs.count)
        let cellH = max(12, min(36, 420 / Double(ys.count)))
        f.height = f.top + cellH * Double(ys.count) + f.bottom
        let writeValues = xs.count <= 14 && ys.count <= 16
        var out = SVGChart.open("heatmap", title, f)
        out += "<g class=\"cells\" shape-rendering=\"crispEdges\">"
        for (j, row) in cells.enumerated() {
            // Larger y values at the top, as on a chart.
            let py = f.top + cellH * Double(ys.count - 1 - j)
            for (i, v) in row.enumerated() {
                let px = f.left + cellW * Double(i)
                let fill = v.map { color($0, lo: lo, hi: hi, higherIsBetter: higherIsBetter) } ?? "#e0e0e0"
                let label = "\(x)=\(value(xs[i])), \(y)=\(value(ys[j])): \(metric) " + (v.map { Fmt.groupedFixed($0, 2) } ?? "n/a")
                out += "<rect x=\"\(n(px))\" y=\"\(n(py))\" width=\"\(n(cellW))\" height=\"\(n(cellH))\" fill=\"\(fill)\" stroke=\"#fff\" stroke-width=\"0.5\"><title>\(HTML.escape(label))</title></rect>"
                if writeValues, let v {
                    out += "<text x=\"\(n(px + cellW / 2))\" y=\"\(n(py + cellH / 2 + 4))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1d2430\">\(HTML.escape(Fmt.groupedFixed(v, abs(v) >= 100 ? 0 : 2)))</text>"
                }
            }
        }
        out += "</g><g class=\"x-axis\" font-size=\"12\" fill=\"\(SVGChart.axisColor)\" text-anchor=\"middle\">"
        let xEvery = max(1, Int((Double(xs.count) / 12).rounded(.up)))
        for (i, v) in xs.enumerated() where i % xEvery == 0 {
            out += "<text x=\"\(n(f.left + cellW * (Double(i) + 0.5)))\" y=\"\(n(f.plotBottom + 16))\">\(HTML.escape(value(v)))</text>"
        }
        out += "<text x=\"\(n(f.left + f.plotWidth / 2))\" y=\"\(n(f.plotBottom + 36))\" font-weight=\"600\">\(HTML.escape(x))</text></g>"
        out += "<g class=\"y-axis\" font-size=\"12\" fill=\"\(SVGChart.axisColor)\" text-anchor=\"end\">"
        let yEvery = max(1, Int((Double(ys.count) / 16).rounded(.up)))
        for (j, v) in ys.enumerated() where j % yEvery == 0 {
            out += "<text x=\"\(n(f.left - 6))\" y=\"\(n(f.top + cellH * (Double(ys.count - 1 - j) + 0.5) + 4))\">\(HTML.escape(value(v)))</text>"
        }
        out += "<text transform=\"translate(14 \(n(f.top + f.plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" font-weight=\"600\">\(HTML.escape(y))</text></g>"
        // Legend: five swatches from the lowest to the highest value.
        out += "<g class=\"legend\" font-size=\"11\" fill=\"\(SVGChart.axisColor)\">"
        let lx = f.plotRight + 14
        out += "<text x=\"\(n(lx))\" y=\"\(n(f.top + 8))\">\(HTML.escape(metric))</text>"
        for k in 0..<5 {
            let v = hi - (hi - lo) * Double(k) / 4
            let ly = f.top + 16 + Double(k) * 18
            out += "<rect x=\"\(n(lx))\" y=\"\(n(ly))\" width=\"14\" height=\"14\" fill=\"\(color(v, lo: lo, hi: hi, higherIsBetter: higherIsBetter))\" stroke=\"#ccc\"/>"
            out += "<text x=\"\(n(lx + 20))\" y=\"\(n(ly + 11))\">\(HTML.escape(Fmt.groupedFixed(v, 2)))</text>"
        }
        return out + "</g></svg>"
    }

    /// The `count` best configurations by `metric` (undefined metrics last, ties in sweep order).
    public static func top(_ t: SweepTable, metric: String, count: Int, higherIsBetter: Bool = true) throws -> [SweepTable.Row] {
        let mi = try t.metricIndex(metric)
        let order = t.rows.indices.sorted { a, b in
            switch (t.rows[a].metrics[mi], t.rows[b].metrics[mi]) {
            case let (x?, y?): return x != y ? (higherIsBetter ? x > y : x < y) : a < b
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
        return order.prefix(max(0, count)).map { t.rows[$0] }
    }

    /// The top configurations as an HTML table: rank, parameters, then every metric.
    public static func topTable(_ t: SweepTable, metric: String, count: Int = 20, higherIsBetter: Bool = true) throws -> String {
        let rows = try top(t, metric: metric, count: count, higherIsBetter: higherIsBetter)
        let header = ["#"] + t.parameters + t.metrics
        let numeric = Set(0..<header.count)
        let body = rows.enumerated().map { k, r in
            [String(k + 1)] + r.parameters.map { HTML.escape(value($0)) } + r.metrics.map { HTML.escape($0.map { Fmt.groupedFixed($0, 2) } ?? "n/a") }
        }
        return "<p class=\"note\">Top \(rows.count) of \(t.rows.count) configurations by \(HTML.escape(metric)) (\(higherIsBetter ? "highest" : "lowest") first).</p>"
            + HTML.table(header: header, rows: body, classes: "top-configs", numeric: numeric)
    }

    /// Walk-forward windows: a table of the chosen configuration with its in-sample and
    /// out-of-sample metric, and grouped bars of the two.
    public static func walkForward(_ windows: [WalkForwardWindow], metric: String) -> String {
        let rows = windows.map { w in
            [HTML.escape(w.label), HTML.escape(w.chosen), HTML.escape(w.inSample.map { Fmt.groupedFixed($0, 2) } ?? "n/a"),
             HTML.escape(w.outOfSample.map { Fmt.groupedFixed($0, 2) } ?? "n/a")]
        }
        var out = HTML.table(header: ["window", "chosen configuration", "in sample", "out of sample"], rows: rows, classes: "walk-forward", numeric: [2, 3])
        let values = windows.flatMap { [$0.inSample, $0.outOfSample] }.compactMap { $0 }
        guard !windows.isEmpty, !values.isEmpty else { return out }
        let f = ChartFrame(height: 220)
        let s = NiceScale(min(values.min()!, 0), max(values.max()!, 0), maxTicks: 5)
        let y = LinearMap(d0: s.lower, d1: s.upper, r0: f.plotBottom, r1: f.top)
        let n = SVGChart.n
        out += SVGChart.open("walk-forward", "\(metric): in sample (grey) and out of sample (blue) per window", f)
        out += SVGChart.yAxis(s, y, f) { Fmt.groupedFixed($0, s.decimals) }
        let slot = f.plotWidth / Double(windows.count)
        let w = min(24, slot * 0.35)
        out += "<g class=\"x-axis\" font-size=\"12\" fill=\"\(SVGChart.axisColor)\" text-anchor=\"middle\">"
        let every = max(1, Int((Double(windows.count) / 10).rounded(.up)))
        for (i, win) in windows.enumerated() where i % every == 0 {
            out += "<text x=\"\(n(f.left + slot * (Double(i) + 0.5)))\" y=\"\(n(f.plotBottom + 18))\">\(HTML.escape(win.label))</text>"
        }
        out += "</g><g class=\"bars\" shape-rendering=\"crispEdges\">"
        for (i, win) in windows.enumerated() {
            let cx = f.left + slot * (Double(i) + 0.5)
            for (k, v) in [win.inSample, win.outOfSample].enumerated() {
                guard let v else { continue }
                let top = min(y(0), y(v)), h = max(0.5, abs(y(v) - y(0)))
                out += "<rect x=\"\(n(cx + (k == 0 ? -w : 0)))\" y=\"\(n(top))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(k == 0 ? "#9aa3b2" : SVGChart.lineColor)\"><title>\(HTML.escape("\(win.label) \(k == 0 ? "in" : "out of") sample: \(Fmt.groupedFixed(v, 2))"))</title></rect>"
            }
        }
        out += "</g><line x1=\"\(n(f.left))\" x2=\"\(n(f.plotRight))\" y1=\"\(n(y(0)))\" y2=\"\(n(y(0)))\" stroke=\"\(SVGChart.axisColor)\"/></svg>"
        return out
    }

    /// The sweep as CSV: parameter columns, then metric columns (empty where undefined).
    public static func csv(_ t: SweepTable) -> String {
        CSVText.table(t.parameters + t.metrics, t.rows.map { r in
            r.parameters.map(value) + r.metrics.map { $0.map { String($0) } ?? "" }
        })
    }
}
