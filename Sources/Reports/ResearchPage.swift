import Data

/// The research page over a store (`tsxlab serve` at `/`): every backtest run and every sweep,
/// with a filter box, sortable columns, links to each report, and ticks to compare runs. The
/// rows travel as JSON inside the page and the script sets every cell with `textContent`; the
/// page fetches nothing (the same policy as the report files).
///
/// Links are relative to the server's root: `/runs/<id>`, `/sweeps/<id>`, `/compare?runs=A,B`.
/// Beyond loopback the server wants its token on every request: the script adds the page's own
/// `?token=` to each link it makes, so the token is never written into the page.
public enum ResearchPage {
    /// Column titles of the runs table, after the tick box.
    static let runColumns: [(title: String, numeric: Bool)] = [
        ("Run", false), ("Created (UTC)", false), ("Strategy", false), ("Symbol", false), ("Timeframe", false),
        ("Data from", false), ("Data to", false), ("Net P&L", true), ("Trades", true), ("Win rate", true),
        ("Max drawdown", true), ("Configuration", false),
    ]
    static let sweepColumns: [(title: String, numeric: Bool)] = [
        ("Sweep", false), ("Created (UTC)", false), ("Strategy", false), ("Symbol", false), ("Timeframe", false),
        ("Configurations", true), ("Best net P&L", true),
    ]

    /// The whole page. `store` is the store as it may be printed (no password).
    public static func render(runs: [RunCatalog.ListedRun], sweeps: [RunCatalog.ListedSweep], store: String) -> String {
        let runsBody = """
            <div class="toolbar"><input type="search" id="filter" placeholder="Filter: run or sweep id, strategy, symbol, date…" aria-label="Filter runs and sweeps" autocomplete="off">\
            <a id="compare" class="button" role="button" aria-disabled="true">Compare</a><span id="runs-info" class="note"></span></div>
            \(table(id: "runs-table", columns: [("", false)] + runColumns))
            <noscript><p class="note">The tables need JavaScript.</p></noscript>
            <p class="note">Tick two or more runs and press Compare. Click a column title to sort.</p>
            """
        let sweepsBody = """
            <div class="toolbar"><span id="sweeps-info" class="note"></span></div>
            \(table(id: "sweeps-table", columns: sweepColumns))
            """
        let data = "<script type=\"application/json\" id=\"research-data\">" + json(runs: runs, sweeps: sweeps) + "</script>"
        let sections = [
            HTMLSection(id: "runs", title: "Backtest runs", body: runsBody),
            HTMLSection(id: "sweeps", title: "Sweeps", body: sweepsBody + data),
        ]
        let subtitle = HTML.escape("\(runs.count) run\(runs.count == 1 ? "" : "s") and \(sweeps.count) sweep\(sweeps.count == 1 ? "" : "s") in \(store)")
        return HTMLPage.render(title: "Research", subtitle: subtitle, sections: sections, footer: "tsxlab serve",
                               css: css, scripts: [script])
    }

    /// The page for a run or sweep the store does not hold: names it and links back.
    public static func notFound(kind: String, id: String, store: String) -> String {
        message(title: "Not found", section: "Not in the store",
                body: "<p>No \(HTML.escape(kind)) <code>\(HTML.escape(id))</code> in \(HTML.escape(store)).</p>")
    }

    /// The page for a request the store could not answer, with its message.
    public static func failure(_ message: String) -> String {
        self.message(title: "Store error", section: "The store could not answer", body: "<pre>\(HTML.escape(message))</pre>")
    }

    /// The page for a request that is not of a form the server answers (`what` says which).
    public static func badRequest(_ what: String) -> String {
        message(title: "Bad request", section: "Bad request", body: "<p>\(HTML.escape(what))</p>")
    }

    static func message(title: String, section: String, body: String) -> String {
        HTMLPage.render(title: title, subtitle: "tsxlab research page",
                        sections: [HTMLSection(id: "message", title: section,
                                               body: body + "<p><a href=\"/\" data-keep-token>Back to the research page</a></p>")],
                        footer: "tsxlab serve", scripts: [keepToken])
    }

    static func table(id: String, columns: [(title: String, numeric: Bool)]) -> String {
        var out = "<div class=\"table-wrap\"><table id=\"\(id)\" class=\"sortable listing\"><thead><tr>"
        for c in columns { out += "<th" + (c.numeric ? " class=\"num\"" : "") + ">" + HTML.escape(c.title) + "</th>" }
        return out + "</tr></thead><tbody></tbody></table></div>"
    }

    /// `2023-09-24T22:00:00Z` → `2023-09-24 22:00`; anything else as it is.
    static func shortTime(_ s: String?) -> String {
        guard let s else { return "" }
        guard s.utf8.count >= 16, Timestamp(iso8601: s) != nil else { return s }
        return String(s.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    /// `2023-09-24T22:00:00Z` → `2023-09-24` (the data range is read by the day; the report has the minutes).
    static func day(_ s: String?) -> String {
        guard let s else { return "" }
        return Timestamp(iso8601: s) != nil ? String(s.prefix(10)) : s
    }

    /// `{"runs":{"ids":[…],"rows":[[…]],"keys":[[…]]},"sweeps":{…}}`: display text and numeric
    /// sort keys (null: sort by the text), as the trades table carries them.
    static func json(runs: [RunCatalog.ListedRun], sweeps: [RunCatalog.ListedSweep]) -> String {
        func block(_ ids: [String], _ rows: [[String]], _ keys: [[Double?]]) -> String {
            "{\"ids\":[" + ids.map(JSONText.string).joined(separator: ",") + "],\"rows\":["
                + rows.map { "[" + $0.map(JSONText.string).joined(separator: ",") + "]" }.joined(separator: ",") + "],\"keys\":["
                + keys.map { "[" + $0.map { $0.map(JSONText.number) ?? "null" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]}"
        }
        let runRows = runs.map { r -> [String] in
            [r.runID, shortTime(r.createdAt), r.strategy, r.symbol, r.timeframe, day(r.dataFrom), day(r.dataTo),
             r.netPnl.map(Fmt.usd) ?? "n/a", r.trades.map(String.init) ?? "n/a", Fmt.percent(r.winRate, digits: 1),
             Fmt.usd(r.maxDrawdownUsd.map { -$0 }), String(r.configHash.prefix(12))]
        }
        let runKeys = runs.map { r -> [Double?] in
            [nil, nil, nil, nil, nil, nil, nil, r.netPnl?.dollars, r.trades.map(Double.init), r.winRate, r.maxDrawdownUsd.map { -$0 }, nil]
        }
        let sweepRows = sweeps.map { s -> [String] in
            [s.sweepID, shortTime(s.createdAt), s.strategy, s.symbol, s.timeframe,
             s.configurations == s.cells ? String(s.configurations) : "\(s.configurations) of \(s.cells)", Fmt.usd(s.bestNetPnlUsd)]
        }
        let sweepKeys = sweeps.map { s -> [Double?] in [nil, nil, nil, nil, nil, Double(s.configurations), s.bestNetPnlUsd] }
        return "{\"runs\":" + block(runs.map(\.runID), runRows, runKeys) + ",\"sweeps\":" + block(sweeps.map(\.sweepID), sweepRows, sweepKeys)
            + ",\"pnl\":{\"runs\":7,\"sweeps\":6}}"
    }

    static let css = """
        header,main,footer{max-width:1400px}
        table.listing th,table.listing td{padding:4px 6px}
        .toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin:8px 0}
        .toolbar input{font:inherit;padding:4px 8px;flex:1 1 240px;min-width:0;max-width:460px}
        .toolbar a.button{display:inline-block;padding:3px 12px;border:1px solid var(--accent);border-radius:4px;background:var(--accent);color:#fff}
        .toolbar a.button[aria-disabled=true]{background:var(--card);border-color:var(--line);color:var(--muted);pointer-events:none}
        table.listing td a{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
        table.listing td:first-child,table.listing th:first-child{width:1%}
        """

    /// Adds the page's `?token=` to links marked `data-keep-token`.
    static let keepToken = """
        (function(){var t=new URLSearchParams(location.search).get('token');if(!t)return;
        document.querySelectorAll('a[data-keep-token]').forEach(function(a){a.href=a.getAttribute('href')+'?token='+encodeURIComponent(t);});})();
        """

    /// Both tables from the embedded rows: filter (every word must appear in some cell), sort by
    /// any column, tick runs: the Compare link names the ticked runs in the table's order.
    static let script = """
        (function(){
        var el=document.getElementById('research-data');if(!el)return;
        var d=JSON.parse(el.textContent),t=new URLSearchParams(location.search).get('token');
        function withToken(u){return t?u+(u.indexOf('?')<0?'?':'&')+'token='+encodeURIComponent(t):u;}
        var filter=document.getElementById('filter'),compare=document.getElementById('compare'),ticked={};
        function setup(name,base,tickable){
        var b=d[name],n=b.rows.length,order=[],col=-1,asc=true,text=[];
        for(var i=0;i<n;i++){order.push(i);text.push(b.rows[i].join(' ').toLowerCase());}
        var table=document.getElementById(name+'-table'),body=table.tBodies[0],heads=table.tHead.rows[0].cells,off=tickable?1:0;
        var info=document.getElementById(name+'-info'),classes=[];
        for(var h=off;h<heads.length;h++)classes.push(heads[h].className);
        function cmp(a,c){return function(x,y){var kx=b.keys[x][c],ky=b.keys[y][c],r;
        if(kx!==null&&ky!==null)r=kx-ky;else{var sx=b.rows[x][c],sy=b.rows[y][c];r=sx<sy?-1:(sx>sy?1:0);}
        if(r===0)return x-y;return a?r:-r;};}
        function render(){var words=filter.value.toLowerCase().split(/\\s+/).filter(function(w){return w.length>0;}),shown=0,frag=document.createDocumentFragment();
        for(var k=0;k<n;k++){var i=order[k],ok=true;for(var w=0;w<words.length;w++)if(text[i].indexOf(words[w])<0){ok=false;break;}
        if(!ok)continue;shown++;var tr=document.createElement('tr'),id=b.ids[i];
        if(tickable){var td0=document.createElement('td'),box=document.createElement('input');box.type='checkbox';
        box.setAttribute('aria-label','Compare '+id);box.checked=!!ticked[id];
        box.addEventListener('change',(function(id){return function(e){if(e.target.checked)ticked[id]=true;else delete ticked[id];update();};})(id));
        td0.appendChild(box);tr.appendChild(td0);}
        for(var c=0;c<b.rows[i].length;c++){var td=document.createElement('td'),cls=classes[c]||'';
        if(c===0){var a=document.createElement('a');a.href=withToken(base+encodeURIComponent(id));a.textContent=b.rows[i][c];td.appendChild(a);}
        else td.textContent=b.rows[i][c];
        if(c===d.pnl[name]&&b.keys[i][c]!==null){cls+=b.keys[i][c]<0?' neg':(b.keys[i][c]>0?' pos':'');}
        if(cls)td.className=cls;tr.appendChild(td);}frag.appendChild(tr);}
        body.replaceChildren(frag);
        var noun=name==='runs'?'run':'sweep';
        info.textContent=!n?(tickable?'No run in this store yet: run tsxlab backtest first.':'No sweep in this store yet.'):
        (shown===n?n+' '+noun+(n===1?'':'s'):shown+' of '+n+' '+noun+'s match');}
        function sortBy(c){if(col===c)asc=!asc;else{col=c;asc=true;}order.sort(cmp(asc,c));
        for(var h=0;h<heads.length;h++)heads[h].removeAttribute('aria-sort');
        heads[c+off].setAttribute('aria-sort',asc?'ascending':'descending');render();}
        for(var h=off;h<heads.length;h++)(function(c){heads[c+off].tabIndex=0;
        heads[c+off].addEventListener('click',function(){sortBy(c);});
        heads[c+off].addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(c);}});})(h-off);
        filter.addEventListener('input',render);render();}
        function update(){var ids=d.runs.ids.filter(function(id){return ticked[id];});
        if(ids.length<2){compare.removeAttribute('href');compare.setAttribute('aria-disabled','true');}
        else{compare.href=withToken('/compare?runs='+ids.map(encodeURIComponent).join(','));compare.setAttribute('aria-disabled','false');}
        compare.textContent=ids.length?'Compare ('+ids.length+')':'Compare';}
        setup('runs','/runs/',true);setup('sweeps','/sweeps/',false);update();
        })();
        """
}
