import Data
import Foundation

/// The price chart of a run's report: candlesticks at the run's timeframe, one trade date at a
/// time, with every entry and exit marked, the price of each working order over its life (a
/// bracket's stop and target, a trailing stop's moves, a resting entry), and the levels the
/// strategy drew (an overnight range, an ATR zone). Drawn by TradingView's Lightweight Charts,
/// embedded in the page (Apache-2.0; see `Resources/lightweight-charts.NOTICE`).
///
/// The bars travel as columns of small integers (time steps, and each price as a tick offset from
/// the one before), and the page hands the chart one trade date at a time, so a run of a million
/// bars opens and pans as fast as one of a week.
extension RunHTML {
    /// The chart library, read once from the Reports resources; nil when the installation lacks it
    /// (the report then says so in place of the chart).
    static let chartLibrary: String? = {
        guard let url = Bundle.module.url(forResource: "lightweight-charts.standalone.production", withExtension: "js", subdirectory: "Resources")
        else { return nil }
        return try? String(contentsOf: url, encoding: .utf8)
    }()

    /// The chart's section, or nil when the run has no bars to draw (the note says why instead).
    static func chartSections(_ r: RunReport) -> [HTMLSection] {
        [HTMLSection(id: "chart", title: "Price chart with trades", body: chartBody(r))]
    }

    static func chartBody(_ r: RunReport) -> String {
        guard let bars = r.bars, !bars.isEmpty else {
            return "<p class=\"note\">" + HTML.escape("The store holds no \(r.summary.symbol) \(r.summary.timeframe) bars for this run's dates, so the price chart is not drawn. "
                + "Import those bars into the store the report reads, then write the report again.") + "</p>"
        }
        guard chartLibrary != nil else {
            return "<p class=\"note\">The chart library (lightweight-charts.standalone.production.js) is missing from this installation's Reports resources, so the price chart is not drawn.</p>"
        }
        // A run on several symbols: the chart is of the first, with its trades and levels.
        let which = r.summary.symbol.contains(",")
            ? "<p class=\"note\">" + HTML.escape("\(bars.symbol), the first of this run's symbols (\(r.summary.symbol.replacingOccurrences(of: ",", with: ", "))), with its trades.") + "</p>"
            : ""
        return which + """
            <div class="pc-bar"><button type="button" id="pc-prev">&#9664; Previous day</button>\
            <select id="pc-day" aria-label="Trade date"></select>\
            <button type="button" id="pc-next">Next day &#9654;</button><span id="pc-info"></span></div>\
            <div class="pc-wrap"><div id="price-chart" data-chart="price"></div><div id="pc-tip" hidden></div></div>\
            <div id="pc-legend"></div>\
            <p class="note">One CME trade date at a time, times in ET; drag to pan, scroll or pinch to zoom. \
            Arrows mark entries (up: long, down: short), circles exits; hover a bar for its trades. \
            Dashed lines are working orders: <span class="pc-key pc-stop">stop</span> <span class="pc-key pc-target">target</span> \
            <span class="pc-key pc-entry">entry</span>; solid lines are the strategy's own levels (a high and its low share a colour). Click a row of the trades table to see it here.</p>\
            <script type="application/json" id="chart-data">
            """ + chartJSON(r, bars) + "</script>"
    }

    /// The chart's data: bars as columns of deltas, trade dates as index ranges, trades and
    /// levels with times on the ET wall clock (the chart shows its times as given).
    static func chartJSON(_ r: RunReport, _ bars: BarSeries, calendar: SessionCalendar = .cmeEquityIndex) -> String {
        let n = bars.count
        let zone = ZoneRules.newYork
        var et = [Int64](repeating: 0, count: n)
        for i in 0..<n { et[i] = zone.localSeconds(Timestamp(seconds: bars.time[i])) }
        var out = "{\"symbol\":" + JSONText.string(bars.symbol) + ",\"tick\":" + JSONText.number(bars.tickSize.value)
            + ",\"precision\":\(bars.tickSize.scale),\"n\":\(n)"
        out.reserveCapacity(n * 24 + r.trades.count * 80 + r.levels.count * 60 + 1024)
        // Bars: time steps; open from the previous close; high, low and close from the open.
        func column(_ name: String, _ value: (Int) -> Int64) {
            out += ",\"" + name + "\":["
            for i in 0..<n {
                if i > 0 { out += "," }
                out += String(value(i))
            }
            out += "]"
        }
        out += ",\"t0\":\(n > 0 ? et[0] : 0),\"c0\":\(n > 0 ? bars.open[0] : 0)"
        column("dt") { $0 == 0 ? 0 : et[$0] - et[$0 - 1] }
        column("o") { $0 == 0 ? 0 : bars.open[$0] - bars.close[$0 - 1] }
        column("h") { bars.high[$0] - bars.open[$0] }
        column("l") { bars.open[$0] - bars.low[$0] }
        column("c") { bars.close[$0] - bars.open[$0] }
        // Trade dates: label, first bar, bar after the last.
        out += ",\"days\":["
        var start = 0, day = n > 0 ? calendar.tradeDayNumber(containing: bars.time[0]) : 0, first = true
        func emitDay(_ end: Int) {
            if !first { out += "," }
            first = false
            let d = TradeDate(dayNumber: day)
            out += "[" + JSONText.string(Fmt.weekdayNames[d.weekday] + " " + d.description) + ",\(start),\(end)]"
        }
        for i in 1..<max(n, 1) {
            let d = calendar.tradeDayNumber(containing: bars.time[i])
            if d != day { emitDay(i); start = i; day = d }
        }
        if n > 0 { emitDay(n) }
        out += "]"
        // Trades of the chart's symbol: seq, side (1 long, −1 short), quantity, entry time and
        // price, exit time and price, exit reason, P&L.
        out += ",\"trades\":["
        first = true
        for t in r.trades where t.symbol == bars.symbol {
            if !first { out += "," }
            first = false
            out += "[\(t.seq),\(t.side == "long" ? 1 : -1),\(t.quantity),\(zone.localSeconds(t.entryTime)),"
                + JSONText.string(t.entryPrice) + ",\(zone.localSeconds(t.exitTime))," + JSONText.string(t.exitPrice) + ","
                + JSONText.string(t.exitReason) + "," + JSONText.string(Fmt.usd(t.pnl)) + "]"
        }
        // Levels: name, kind (stop, target, entry, exit: an order's; level: the strategy's), from,
        // to, price.
        out += "],\"levels\":["
        first = true
        for l in r.levels where l.symbol == bars.symbol {
            if !first { out += "," }
            first = false
            let kind = l.orderID == nil ? "level" : (["stop", "target", "entry"].contains(l.name) ? l.name : "exit")
            out += "[" + JSONText.string(l.name) + ",\"" + kind + "\",\(zone.localSeconds(l.from)),\(zone.localSeconds(l.to)),"
                + JSONText.string(l.price) + "]"
        }
        return out + "]}"
    }

    static let chartCSS = """
        .pc-bar{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin:4px 0 8px;font-size:14px}
        .pc-bar button,.pc-bar select{font:inherit;padding:3px 10px;max-width:100%}
        #pc-info{color:var(--muted)}
        #pc-legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:13px;margin-top:4px}
        .pc-wrap{position:relative}
        #price-chart{width:100%;height:440px}
        #pc-tip{position:absolute;top:6px;left:6px;z-index:3;max-width:calc(100% - 80px);background:rgba(255,255,255,.94);border:1px solid var(--line);border-radius:4px;padding:4px 8px;font-size:12px;pointer-events:none}
        #pc-tip div{white-space:normal}
        .pc-key{padding:0 4px;border-bottom:2px dashed}
        .pc-stop{border-color:#c62828}.pc-target{border-color:#1a7f37}.pc-entry{border-color:#2f5fb3}
        table.trades tbody tr{cursor:pointer}
        table.trades tbody tr.pc-focus td{background:#fff6d6}
        @media (max-width:640px){#price-chart{height:320px}}
        """

    /// Builds the chart over the data block: one trade date at a time, markers and levels of that
    /// date, the trades under the cursor, and a jump from any trade row. Every text goes in with
    /// `textContent`. The chart element carries what it shows (`data-day`, `data-markers`,
    /// `data-levels`, `data-focus`) for tests and scripts, and `tsxlab` (the chart, `show(day)`,
    /// `focus(seq)`) for a script that drives it, such as the benchmark's.
    static let chartScript = """
        (function(){
        var el=document.getElementById('chart-data'),box=document.getElementById('price-chart');
        if(!el||!box||!window.LightweightCharts)return;
        var d=JSON.parse(el.textContent),n=d.n,LC=window.LightweightCharts;
        var T=new Array(n),O=new Array(n),H=new Array(n),L=new Array(n),C=new Array(n),t=d.t0,c=d.c0,k=d.tick;
        function px(ticks){return +(ticks*k).toFixed(d.precision);}
        for(var i=0;i<n;i++){t+=d.dt[i];var o=c+d.o[i];T[i]=t;O[i]=o;H[i]=o+d.h[i];L[i]=o-d.l[i];c=o+d.c[i];C[i]=c;}
        var days=d.days,nd=days.length;
        function barAt(s){var lo=0,hi=n-1;if(s<T[0])return -1;while(lo<hi){var m=(lo+hi+1)>>1;if(T[m]<=s)lo=m;else hi=m-1;}return lo;}
        function dayOf(b){var lo=0,hi=nd-1;while(lo<hi){var m=(lo+hi+1)>>1;if(days[m][1]<=b)lo=m;else hi=m-1;}return lo;}
        var byDay=[],lvDay=[],tradeDay={},tradeBars={};
        for(var q=0;q<nd;q++){byDay.push([]);lvDay.push([]);}
        d.trades.forEach(function(tr){var eb=barAt(tr[3]),xb=barAt(tr[5]);if(eb<0||xb<0)return;
        var ed=dayOf(eb),xd=dayOf(xb);tradeDay[tr[0]]=ed;tradeBars[tr[0]]=[eb,xb];
        byDay[ed].push([tr,eb,'entry']);byDay[xd].push([tr,xb,'exit']);});
        d.levels.forEach(function(lv){var a=barAt(lv[2]),b=barAt(lv[3]);if(b<0)return;if(a<0)a=0;
        for(var q=dayOf(a),e=dayOf(b);q<=e;q++)lvDay[q].push([lv,Math.max(a,days[q][1]),Math.min(b,days[q][2]-1)]);});
        lvDay.forEach(function(a){a.sort(function(x,y){return x[1]-y[1];});});
        var up='#1a7f37',down='#c62828',colors={stop:'#c62828',target:'#1a7f37',entry:'#2f5fb3',exit:'#6b7280'};
        var palette=['#7b3fb3','#d9822b','#0f8b8d','#a23b72','#5b6474'];
        var chart=LC.createChart(box,{autoSize:true,layout:{background:{color:'#ffffff'},textColor:'#1d2430',fontSize:12},
        grid:{vertLines:{color:'#eef0f3'},horzLines:{color:'#eef0f3'}},rightPriceScale:{borderColor:'#e3e6eb'},
        timeScale:{timeVisible:true,secondsVisible:false,borderColor:'#e3e6eb'},crosshair:{mode:0}});
        var candles=chart.addCandlestickSeries({upColor:up,downColor:down,borderUpColor:up,borderDownColor:down,wickUpColor:up,wickDownColor:down,
        priceLineVisible:false,priceFormat:{type:'price',precision:d.precision,minMove:k}});
        var lines=[],names={},current=-1,sel=document.getElementById('pc-day'),info=document.getElementById('pc-info');
        var prev=document.getElementById('pc-prev'),next=document.getElementById('pc-next'),tip=document.getElementById('pc-tip');
        d.levels.forEach(function(lv){colour(lv);});
        var legend=document.getElementById('pc-legend');Object.keys(names).forEach(function(g){var sp=document.createElement('span');
        sp.className='pc-key';sp.style.borderBottomStyle='solid';sp.style.borderColor=names[g];sp.textContent=g;legend.appendChild(sp);});
        var frag=document.createDocumentFragment();
        days.forEach(function(dy,q){var op=document.createElement('option');op.value=q;op.textContent=dy[0];frag.appendChild(op);});
        sel.appendChild(frag);
        function colour(lv){if(lv[1]!=='level')return colors[lv[1]];var g=lv[0].replace(/ (high|low|upper|lower)$/,'');
        if(!(g in names))names[g]=palette[Object.keys(names).length%palette.length];return names[g];}
        function show(q){if(q<0||q>=nd)return;current=q;var a=days[q][1],b=days[q][2],data=new Array(b-a);
        for(var i=a;i<b;i++)data[i-a]={time:T[i],open:px(O[i]),high:px(H[i]),low:px(L[i]),close:px(C[i])};
        candles.setData(data);
        var marks=[];byDay[q].forEach(function(m){var tr=m[0],long=tr[1]>0,label='#'+tr[0];
        if(m[2]==='entry')marks.push({time:T[m[1]],position:long?'belowBar':'aboveBar',color:long?up:down,shape:long?'arrowUp':'arrowDown',text:label});
        else marks.push({time:T[m[1]],position:long?'aboveBar':'belowBar',color:'#1d2430',shape:'circle',text:label+' '+tr[7]});});
        marks.sort(function(x,y){return x.time-y.time;});candles.setMarkers(marks);
        // Levels share a line series when they share a colour and do not meet in time (a gap
        // point between them breaks the line): a few series a day rather than one per level.
        var lanes=[];lvDay[q].forEach(function(e){var lv=e[0],col=colour(lv),solid=lv[1]==='level',from=e[1],to=Math.max(e[1],Math.min(e[2]+1,b-1));
        var lane=null;for(var j=0;j<lanes.length;j++){var L2=lanes[j];if(L2.col===col&&L2.solid===solid&&L2.end+1<from){lane=L2;break;}}
        if(!lane){lane={col:col,solid:solid,end:-2,pts:[]};lanes.push(lane);}
        if(lane.pts.length)lane.pts.push({time:T[lane.end+1]});
        var v=+lv[4];lane.pts.push({time:T[from],value:v});if(to>from)lane.pts.push({time:T[to],value:v});lane.end=to;});
        while(lines.length<lanes.length)lines.push(chart.addLineSeries({lineWidth:1,priceLineVisible:false,lastValueVisible:false,
        crosshairMarkerVisible:false,priceFormat:{type:'price',precision:d.precision,minMove:k}}));
        lines.forEach(function(s,j){var lane=lanes[j];if(!lane){s.setData([]);return;}
        s.applyOptions({color:lane.col,lineWidth:lane.solid?1:2,lineStyle:lane.solid?0:2});s.setData(lane.pts);});
        var nlev=lvDay[q].length;
        chart.timeScale().fitContent();
        sel.value=String(q);prev.disabled=q===0;next.disabled=q===nd-1;
        var ntr=0;byDay[q].forEach(function(m){if(m[2]==='entry')ntr++;});
        info.textContent=(b-a)+' bars, '+ntr+' trade'+(ntr===1?'':'s')+' entered · day '+(q+1)+' of '+nd;
        box.setAttribute('data-day',days[q][0]);box.setAttribute('data-markers',String(marks.length));box.setAttribute('data-levels',String(nlev));
        box.removeAttribute('data-focus');}
        function focus(seq){var q=tradeDay[seq];if(q===undefined)return false;if(q!==current)show(q);
        var tb=tradeBars[seq],a=days[q][1],b=days[q][2]-1,eb=Math.max(tb[0]-20,a),xb=Math.min(tradeDay[seq]===dayOf(tb[1])?tb[1]+20:b,b);
        chart.timeScale().setVisibleRange({from:T[eb],to:T[Math.max(eb,xb)]});box.setAttribute('data-focus',String(seq));return true;}
        prev.addEventListener('click',function(){show(current-1);});next.addEventListener('click',function(){show(current+1);});
        sel.addEventListener('change',function(){show(parseInt(sel.value,10));});
        var byBar={};d.trades.forEach(function(tr){var b=tradeBars[tr[0]];if(!b)return;
        (byBar[T[b[0]]]=byBar[T[b[0]]]||[]).push(tr);if(b[1]!==b[0])(byBar[T[b[1]]]=byBar[T[b[1]]]||[]).push(tr);});
        chart.subscribeCrosshairMove(function(p){var list=p&&p.time!==undefined?byBar[p.time]:null;
        if(!list){tip.hidden=true;return;}tip.replaceChildren();list.forEach(function(tr){var line=document.createElement('div');
        line.textContent='#'+tr[0]+' '+(tr[1]>0?'long ':'short ')+tr[2]+' @ '+tr[4]+' \\u2192 '+tr[6]+' '+tr[7]+' '+tr[8];tip.appendChild(line);});tip.hidden=false;});
        var table=document.getElementById('trades-table');
        if(table)table.tBodies[0].addEventListener('click',function(e){var tr=e.target.closest('tr');if(!tr)return;
        var seq=parseInt(tr.cells[0].textContent,10);if(!focus(seq))return;
        Array.prototype.forEach.call(table.tBodies[0].rows,function(r){r.classList.toggle('pc-focus',r===tr);});
        document.getElementById('chart').scrollIntoView();});
        var firstTrade=d.trades.length?tradeDay[d.trades[0][0]]:undefined;
        show(firstTrade===undefined?0:firstTrade);
        box.tsxlab={chart:chart,show:show,focus:focus,day:function(){return current;},days:nd};
        })();
        """
}
