/// The status page: one self-contained document (no external script, font or request beyond
/// its own `/ws`), readable on a phone, updated without reloading.
enum StatusPage {
    static let html = #"""
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
    <title>tsxlab live</title>
    <style>
    body{font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1c2330}
    header{background:#1c2330;color:#fff;padding:10px 16px;display:flex;justify-content:space-between;flex-wrap:wrap;gap:8px}
    main{padding:12px 16px;display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(300px,1fr))}
    section{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px #0002}
    h2{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#5a6475;margin:0 0 8px}
    .big{font-size:26px;font-weight:600}.neg{color:#b3261e}.pos{color:#1b7f3b}
    .bar{height:14px;background:#e4e7ec;border-radius:7px;overflow:hidden;margin:4px 0 10px}
    .bar>div{height:100%;background:#1b7f3b}.bar.warn>div{background:#c77c02}.bar.bad>div{background:#b3261e}
    table{width:100%;border-collapse:collapse;font-size:13px}td,th{text-align:left;padding:3px 4px;border-bottom:1px solid #eef0f3}
    svg{width:100%;height:120px}#state.halted{color:#ffb4ab}
    </style></head><body>
    <header><strong id="account">–</strong><span id="state">connecting…</span><span id="time">–</span></header>
    <main>
    <section><h2>Account</h2><div>Balance <span id="balance" class="big">–</span></div>
    <div>Equity <span id="equity">–</span> · Today <span id="daypnl">–</span></div></section>
    <section><h2>Risk headroom</h2>
    <div>Daily loss limit: <span id="dll">–</span></div><div class="bar" id="dllbar"><div style="width:0"></div></div>
    <div>Maximum loss limit: <span id="mll">–</span></div><div class="bar" id="mllbar"><div style="width:0"></div></div></section>
    <section><h2>Equity today</h2><svg id="curve" viewBox="0 0 300 120" preserveAspectRatio="none"><polyline fill="none" stroke="#1c6dd0" stroke-width="2" points=""/></svg></section>
    <section><h2>Positions</h2><table id="positions"><tbody><tr><td>flat</td></tr></tbody></table></section>
    <section><h2>Working orders</h2><table id="orders"><tbody><tr><td>none</td></tr></tbody></table></section>
    <section><h2>Strategies</h2><div id="strategies">–</div><h2 style="margin-top:10px">Last errors</h2><div id="errors">none</div></section>
    </main>
    <script>
    "use strict";
    const $ = id => document.getElementById(id);
    const usd = v => v == null ? "–" : (v < 0 ? "-$" : "$") + Math.abs(v).toFixed(2);
    function text(id, v){ $(id).textContent = v; }
    function rows(id, items, cols, empty){
      const body = $(id).tBodies[0]; body.replaceChildren();
      if (!items.length){ const tr = body.insertRow(); tr.insertCell().textContent = empty; return; }
      for (const it of items){ const tr = body.insertRow(); for (const c of cols) tr.insertCell().textContent = String(it[c]); }
    }
    function headroom(id, remaining, limit){
      const el = $(id); const frac = limit ? Math.max(0, Math.min(1, remaining / limit)) : 1;
      el.firstElementChild.style.width = (frac * 100).toFixed(1) + "%";
      el.className = "bar" + (frac < 0.25 ? " bad" : frac < 0.5 ? " warn" : "");
    }
    function render(s){
      text("account", s.account); text("time", s.time); text("state", s.state);
      $("state").className = s.state.startsWith("halted") ? "halted" : "";
      text("balance", usd(s.balance)); text("equity", usd(s.equity));
      text("daypnl", usd(s.dayPnL)); $("daypnl").className = s.dayPnL < 0 ? "neg" : "pos";
      text("dll", s.dailyLossRemaining == null ? "not in force" : usd(s.dailyLossRemaining) + " of " + usd(s.dailyLossLimit));
      text("mll", s.maxLossRemaining == null ? "not in force" : usd(s.maxLossRemaining) + " of " + usd(s.maxLossLimit));
      headroom("dllbar", s.dailyLossRemaining, s.dailyLossLimit); headroom("mllbar", s.maxLossRemaining, s.maxLossLimit);
      rows("positions", s.positions, ["symbol", "quantity", "average"], "flat");
      rows("orders", s.orders, ["id", "side", "quantity", "symbol", "kind", "status"], "none");
      text("strategies", s.strategies.join(", ") || "none"); text("errors", s.lastErrors.length ? s.lastErrors.join("\n") : "none");
      const pts = s.equityToday; const line = $("curve").firstElementChild;
      if (pts.length > 1){
        const ys = pts.map(p => p.equity), lo = Math.min(...ys), hi = Math.max(...ys), span = (hi - lo) || 1;
        line.setAttribute("points", pts.map((p, i) => (i / (pts.length - 1) * 300).toFixed(1) + "," + (115 - (p.equity - lo) / span * 110).toFixed(1)).join(" "));
      }
      document.body.dataset.updated = s.time;
    }
    const token = new URLSearchParams(location.search).get("token");
    const q = token ? "?token=" + encodeURIComponent(token) : "";
    function connect(){
      const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" + q);
      ws.onmessage = e => render(JSON.parse(e.data));
      ws.onclose = () => { text("state", "reconnecting…"); setTimeout(connect, 2000); };
    }
    // The snapshot first, then the socket's updates (which are therefore always newer).
    fetch("/status.json" + q).then(r => r.json()).then(render).finally(connect);
    </script></body></html>
    """#
}
