/// One titled part of a report page. The run report is a list of these; a sweep report adds its
/// own (heatmap, top configurations, walk-forward) to the same page.
public struct HTMLSection: Sendable {
    public var id: String
    public var title: String
    /// HTML, already escaped where it holds data.
    public var body: String
    public init(id: String, title: String, body: String) { self.id = id; self.title = title; self.body = body }
}

/// A self-contained page: inline CSS and script, inline SVG charts, no external resource of any
/// kind; a Content-Security-Policy forbids the browser to fetch one even if a string slipped in.
public enum HTMLPage {
    /// `css` and `scripts` are a page's own additions (a chart library, a comparison's controls),
    /// inlined after the shared style and the trades table's script.
    public static func render(title: String, subtitle: String, sections: [HTMLSection], footer: String,
                              css extraCSS: String = "", scripts: [String] = []) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
            <meta name="generator" content="tsxlab">
            <title>\(HTML.escape(title))</title>
            <style>\(css)\(extraCSS)</style>
            </head>
            <body>
            <header><h1>\(HTML.escape(title))</h1><p class="sub">\(subtitle)</p>
            <nav>
            """
        for s in sections { out += "<a href=\"#\(HTML.escape(s.id))\">\(HTML.escape(s.title))</a>" }
        out += "</nav></header>\n<main>\n"
        for s in sections {
            out += "<section id=\"\(HTML.escape(s.id))\"><h2>\(HTML.escape(s.title))</h2>\n"
            out += s.body
            out += "\n</section>\n"
        }
        out += "</main>\n<footer>\(footer)</footer>\n<script>\(script)</script>\n"
        for s in scripts { out += "<script>" + s + "</script>\n" }
        out += "</body>\n</html>\n"
        return out
    }

    static let css = """
        :root{--fg:#1d2430;--muted:#5b6474;--card:#f4f6f9;--line:#e3e6eb;--pos:#1a7f37;--neg:#c62828;--accent:#2f5fb3}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
        body{margin:0;color:var(--fg);background:#fff;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
        header,main,footer{max-width:1120px;margin:0 auto;padding:0 16px}
        header{padding-top:14px}
        h1{font-size:22px;margin:4px 0}
        h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
        .sub,.note,footer{color:var(--muted)}
        .sub{margin:2px 0 8px}
        nav{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:14px;padding:6px 0;border-bottom:1px solid var(--line)}
        a{color:var(--accent);text-decoration:none}
        a:hover{text-decoration:underline}
        .stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:8px}
        .stat{background:var(--card);border-radius:6px;padding:8px 10px;min-width:0}
        .stat .label{display:block;font-size:12px;color:var(--muted)}
        .stat .value{display:block;font-size:19px;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
        .stat .detail{display:block;font-size:12px;color:var(--muted)}
        .pos{color:var(--pos)}.neg{color:var(--neg)}
        .chart-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:4px 0 10px}
        svg.chart{display:block;width:100%;min-width:600px;height:auto;font-family:inherit}
        .table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
        table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}
        th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
        th{background:var(--card);font-weight:600}
        td.num,th.num{text-align:right}
        table.sortable th{cursor:pointer;user-select:none}
        table.sortable th[aria-sort=ascending]::after{content:" \\25B2";font-size:10px}
        table.sortable th[aria-sort=descending]::after{content:" \\25BC";font-size:10px}
        table.monthly td small{display:block;color:var(--muted);font-size:11px}
        .pager{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin:8px 0;font-size:14px}
        .pager button,.pager select{font:inherit;padding:3px 10px}
        pre{background:var(--card);padding:8px;overflow-x:auto;font-size:13px}
        footer{font-size:13px;padding-top:24px;padding-bottom:24px}
        @media (max-width:640px){body{font-size:14px}h1{font-size:19px}.stats{grid-template-columns:repeat(2,minmax(0,1fr))}.stat .value{font-size:17px}}
        @media print{nav,.pager{display:none}}
        """

    /// The trades table: sorting by any column and paging, over the rows embedded as JSON.
    /// Cells are set with `textContent`, never parsed as HTML.
    static let script = """
        (function(){
        var el=document.getElementById('trade-data');if(!el)return;
        var d=JSON.parse(el.textContent),rows=d.rows,keys=d.keys,n=rows.length,order=[];
        for(var i=0;i<n;i++)order.push(i);
        var table=document.getElementById('trades-table'),body=table.tBodies[0],heads=table.tHead.rows[0].cells;
        var info=document.getElementById('trades-info'),prev=document.getElementById('trades-prev'),next=document.getElementById('trades-next');
        var first=document.getElementById('trades-first'),last=document.getElementById('trades-last'),sel=document.getElementById('trades-size');
        var size=parseInt(sel.value,10),page=0,col=-1,asc=true;
        function pages(){return Math.max(1,Math.ceil(n/size));}
        function cmp(a,b){var ka=keys[a][col],kb=keys[b][col],r;
        if(ka!==null&&kb!==null)r=ka-kb;else{var sa=rows[a][col],sb=rows[b][col];r=sa<sb?-1:(sa>sb?1:0);}
        if(r===0)return a-b;return asc?r:-r;}
        function render(){if(page>=pages())page=pages()-1;if(page<0)page=0;
        var start=page*size,end=Math.min(n,start+size),frag=document.createDocumentFragment();
        for(var k=start;k<end;k++){var i=order[k],tr=document.createElement('tr');
        for(var c=0;c<rows[i].length;c++){var td=document.createElement('td');td.textContent=rows[i][c];
        var cls=d.classes[c]||'';if(c===d.pnl&&keys[i][c]!==null){cls+=keys[i][c]<0?' neg':(keys[i][c]>0?' pos':'');}
        if(cls)td.className=cls;tr.appendChild(td);}frag.appendChild(tr);}
        body.replaceChildren(frag);
        info.textContent=n?('Trades '+(start+1)+'\\u2013'+end+' of '+n):'No trades';
        prev.disabled=first.disabled=page===0;next.disabled=last.disabled=page>=pages()-1;}
        function sortBy(c){if(col===c)asc=!asc;else{col=c;asc=true;}order.sort(cmp);page=0;
        for(var h=0;h<heads.length;h++)heads[h].removeAttribute('aria-sort');
        heads[c].setAttribute('aria-sort',asc?'ascending':'descending');render();}
        for(var h=0;h<heads.length;h++)(function(c){heads[c].tabIndex=0;
        heads[c].addEventListener('click',function(){sortBy(c);});
        heads[c].addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(c);}});})(h);
        prev.addEventListener('click',function(){page--;render();});next.addEventListener('click',function(){page++;render();});
        first.addEventListener('click',function(){page=0;render();});last.addEventListener('click',function(){page=pages()-1;render();});
        sel.addEventListener('change',function(){size=parseInt(sel.value,10);page=0;render();});
        document.getElementById('trades-pager').hidden=false;
        render();
        })();
        """
}
