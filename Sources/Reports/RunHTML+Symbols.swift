import Backtest
import Data

/// A run whose trades span several symbols: a table of each symbol's figures beside the whole
/// run's, and an equity chart with one line per symbol beside the account's. A run on one symbol
/// has neither (its page is as it always was).
///
/// For scripts and tests: the table is `table#symbols-table`, each symbol's row carries
/// `data-symbol`, the whole run's row (in the table's foot, left in place by sorting) `data-symbol="combined"`;
/// each numeric cell carries its value as `data-key` (empty when the figure does not exist). The
/// equity chart is `svg[data-chart="equity"]` with one `g.series` a line, `data-symbol` naming it.
extension RunHTML {
    /// The symbols section, after the headline; none for a run on one symbol.
    static func symbolSections(_ r: RunReport) -> [HTMLSection] {
        r.symbols.isEmpty ? [] : [HTMLSection(id: "symbols", title: "Symbols", body: symbolsSection(r))]
    }

    /// The sorting script of the symbols table, when the page has one.
    static func symbolScripts(_ r: RunReport) -> [String] { r.symbols.isEmpty ? [] : [symbolsScript] }

    /// The swatches of the symbols' lines, when the page has them.
    static func symbolCSS(_ r: RunReport) -> String { r.symbols.isEmpty ? "" : symbolsCSS }

    /// Columns of the symbols table: title, whether numeric.
    static let symbolColumns: [(String, Bool)] = [
        ("Symbol", false), ("Trades", true), ("Long", true), ("Short", true), ("Win rate", true), ("Net P&L", true),
        ("Gross profit", true), ("Gross loss", true), ("Fees", true), ("Profit factor", true), ("Expectancy", true),
        ("Sharpe", true), ("Sortino", true), ("Max drawdown", true), ("Fills", true),
    ]

    /// A row's cells: the text shown and the numeric sort key (nil for text and a missing figure).
    static func symbolCells(_ f: RunSummary.SymbolFigures) -> [(text: String, key: Double?)] {
        let net = Money(f.netPnlUsd), fees = Money(f.feesUsd)
        return [
            (f.symbol, nil), (String(f.trades), Double(f.trades)), (String(f.longs), Double(f.longs)), (String(f.shorts), Double(f.shorts)),
            (Fmt.percent(f.winRate, digits: 1), f.winRate), (net.map(Fmt.usd) ?? f.netPnlUsd, net?.dollars),
            (Fmt.usd(f.grossProfitUsd), f.grossProfitUsd), (Fmt.usd(f.grossLossUsd), f.grossLossUsd),
            (fees.map(Fmt.usd) ?? f.feesUsd, fees?.dollars), (Fmt.fixed(f.profitFactor, 2), f.profitFactor),
            (Fmt.usd(f.expectancyUsd), f.expectancyUsd), (Fmt.fixed(f.sharpe, 2), f.sharpe), (Fmt.fixed(f.sortino, 2), f.sortino),
            (Fmt.usd(f.maxDrawdownUsd.map { -$0 }), f.maxDrawdownUsd.map { -$0 }), (String(f.fills), Double(f.fills)),
        ]
    }

    static func symbolRow(_ f: RunSummary.SymbolFigures, swatch: Int?) -> String {
        var out = "<tr data-symbol=\"\(HTML.escape(f.symbol))\">"
        for (c, cell) in symbolCells(f).enumerated() {
            if c == 0 {
                let mark = swatch.map { "<span class=\"swatch c\($0 % SVGChart.seriesColors.count)\" aria-hidden=\"true\"></span>" } ?? ""
                out += "<th scope=\"row\">" + mark + HTML.escape(cell.text) + "</th>"
                continue
            }
            var cls = "num"
            if c == 5, let k = cell.key { cls += k < 0 ? " neg" : (k > 0 ? " pos" : "") }
            out += "<td class=\"\(cls)\" data-key=\"\(cell.key.flatMap { $0.isFinite ? JSONText.number($0) : nil } ?? "")\">" + HTML.escape(cell.text) + "</td>"
        }
        return out + "</tr>"
    }

    static func symbolsSection(_ r: RunReport) -> String {
        var out = "<div class=\"table-wrap\"><table class=\"sortable symbols\" id=\"symbols-table\"><thead><tr>"
        for (title, numeric) in symbolColumns { out += "<th\(numeric ? " class=\"num\"" : "") scope=\"col\">\(HTML.escape(title))</th>" }
        out += "</tr></thead><tbody>"
        // Line k + 1 of the equity chart is symbol k's (line 0 is the account's).
        for (k, f) in r.symbols.enumerated() { out += symbolRow(f, swatch: k + 1) }
        out += "</tbody><tfoot>" + symbolRow(r.combinedFigures, swatch: 0) + "</tfoot></table></div>"
        out += "<p class=\"note\">Each symbol's figures are the run's statistics over that symbol's trades alone; its net P&amp;L is the sum of "
            + "its closed trades' (after fees), so the symbols add up to the combined row when no position was left open. Sharpe, Sortino and "
            + "max drawdown are taken on the starting balance plus the symbol's closed-trade P&amp;L at each trade date's close. "
            + "Click a column title to sort.</p>"
        return out
    }

    /// The equity chart of a run on several symbols: the account's equity (as on a one-symbol
    /// run's chart) and, per symbol, the starting balance plus its closed trades' P&L.
    static func symbolEquityChart(_ r: RunReport) -> String {
        let days = r.equity.map(\.tradeDate.dayNumber)
        let start = r.startingBalance
        var series = [SVGChart.EquitySeries(label: RunSummary.combinedSymbol, days: days, equity: r.equity.map(\.equity.dollars))]
        for c in r.equityBySymbol() {
            series.append(SVGChart.EquitySeries(label: c.symbol, days: days, equity: c.pnl.map { (start + $0).dollars }))
        }
        var out = "<ul class=\"legend sym-legend\">"
        for (k, s) in series.enumerated() {
            out += "<li data-symbol=\"\(HTML.escape(s.label))\"><span class=\"swatch c\(k % SVGChart.seriesColors.count)\" aria-hidden=\"true\"></span>"
                + HTML.escape(k == 0 ? "combined (account equity)" : s.label) + "</li>"
        }
        out += "</ul>"
        return out + SVGChart.equityOverlay(series, start: start.dollars, id: "equity",
                                            title: "Equity at each trade date's close (USD): the account, and per symbol the starting balance plus its closed trades",
                                            labelAttribute: "data-symbol")
    }

    static let symbolsCSS: String = {
        var s = """
            .sym-legend{display:flex;flex-wrap:wrap;gap:4px 14px;list-style:none;margin:6px 0;padding:0;font-size:14px}
            .swatch{display:inline-block;flex:none;width:14px;height:4px;border-radius:2px;margin-right:6px;vertical-align:middle}
            table.symbols th[scope=row]{font-weight:500;text-align:left}
            table.symbols tfoot th,table.symbols tfoot td{font-weight:600;border-top:2px solid var(--line)}

            """
        for (k, color) in SVGChart.seriesColors.enumerated() { s += ".swatch.c\(k){background:\(color)}\n" }
        return s
    }()

    /// Sorts the symbols table's body by a column (numbers by `data-key`, a missing figure last
    /// ascending, text otherwise); the combined row stays in the foot.
    static let symbolsScript = """
        (function(){
        var t=document.getElementById('symbols-table');if(!t)return;
        var heads=t.tHead.rows[0].cells,body=t.tBodies[0],col=-1,asc=true;
        function key(tr,c){var k=tr.cells[c].getAttribute('data-key');return k===null?null:(k===''?Infinity:parseFloat(k));}
        function sortBy(c){if(col===c)asc=!asc;else{col=c;asc=true;}
        var rows=Array.prototype.slice.call(body.rows),pos=new Map();rows.forEach(function(r,i){pos.set(r,i);});
        rows.sort(function(a,b){var ka=key(a,c),kb=key(b,c),r;
        if(ka!==null&&kb!==null)r=ka===kb?0:(ka<kb?-1:1);else{var sa=a.cells[c].textContent,sb=b.cells[c].textContent;r=sa<sb?-1:(sa>sb?1:0);}
        if(r===0)return pos.get(a)-pos.get(b);return asc?r:-r;});
        rows.forEach(function(r){body.appendChild(r);});
        for(var h=0;h<heads.length;h++)heads[h].removeAttribute('aria-sort');
        heads[c].setAttribute('aria-sort',asc?'ascending':'descending');}
        for(var h=0;h<heads.length;h++)(function(c){heads[c].tabIndex=0;
        heads[c].addEventListener('click',function(){sortBy(c);});
        heads[c].addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(c);}});})(h);
        })();
        """
}
