import Foundation

/// A Jupyter notebook (nbformat 4.5) that loads a run's CSV files from its own folder, by relative
/// path, and redraws the report's headline charts with pandas and matplotlib, for a researcher to
/// continue from.
public enum Notebook {
    struct Cell: Encodable {
        var cell_type: String
        var id: String
        var metadata: [String: String] = [:]
        var source: [String]
        var execution_count: Int?
        var outputs: [String]?

        enum CodingKeys: String, CodingKey { case cell_type, id, metadata, source, execution_count, outputs }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(cell_type, forKey: .cell_type)
            try c.encode(id, forKey: .id)
            try c.encode(metadata, forKey: .metadata)
            try c.encode(source, forKey: .source)
            if cell_type == "code" {
                // nbformat requires the key, with null before the first run.
                try c.encode(execution_count, forKey: .execution_count)
                try c.encode(outputs ?? [], forKey: .outputs)
            }
        }
    }

    struct Document: Encodable {
        struct Kernel: Encodable { var display_name = "Python 3"; var language = "python"; var name = "python3" }
        struct Language: Encodable { var name = "python" }
        struct Metadata: Encodable { var kernelspec = Kernel(); var language_info = Language() }
        var cells: [Cell]
        var metadata = Metadata()
        var nbformat = 4
        var nbformat_minor = 5
    }

    /// nbformat keeps a cell's source as lines, each but the last ending in a newline.
    static func lines(_ text: String) -> [String] {
        var parts = text.components(separatedBy: "\n")
        while parts.last == "" { parts.removeLast() }
        return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }
    }

    /// The notebook's JSON text.
    public static func render(_ r: RunReport) -> String {
        var cells: [Cell] = []
        func markdown(_ text: String) { cells.append(Cell(cell_type: "markdown", id: "cell-\(cells.count + 1)", source: lines(text))) }
        func code(_ text: String) { cells.append(Cell(cell_type: "code", id: "cell-\(cells.count + 1)", source: lines(text), execution_count: nil, outputs: [])) }
        let s = r.summary
        let (from, to) = r.dataRange
        let range = (from.map(Fmt.dateTime) ?? "?") + " → " + (to.map(Fmt.dateTime) ?? "?") + " ET"
        markdown("""
            # \(s.strategies.joined(separator: " + ")) on \(s.symbol) \(s.timeframe)

            Run `\(s.runId)`: \(range), \(s.bars) bars, rules *\(s.rules)*; net P&L **\(Fmt.usd(r.netPnL))** over \(s.trades) trades.

            This notebook reads the run's CSV files from its own folder (`README.txt` there explains every column) and redraws \
            the report's headline charts with pandas and matplotlib. `*_time` columns are UTC; they are converted to New York \
            time below. Run all cells, then carry on from the last one.
            """)
        code("""
            import json
            from pathlib import Path

            import matplotlib.pyplot as plt
            import pandas as pd
            from matplotlib.ticker import StrMethodFormatter

            ZONE = "America/New_York"
            money = StrMethodFormatter("${x:,.0f}")

            run = json.loads(Path("run.json").read_text())
            trades = pd.read_csv("trades.csv")
            fills = pd.read_csv("fills.csv")
            daily = pd.read_csv("daily_pnl.csv", parse_dates=["trade_date"])
            equity = pd.read_csv("equity.csv", parse_dates=["trade_date"])
            monthly = pd.read_csv("monthly_returns.csv")
            for column in ["entry_time", "exit_time"]:
                trades[column] = pd.to_datetime(trades[column], utc=True).dt.tz_convert(ZONE)
            fills["time"] = pd.to_datetime(fills["time"], utc=True).dt.tz_convert(ZONE)
            print(f"{len(trades)} trades, {len(fills)} fills, {len(daily)} trade dates")
            """)
        markdown("## Headline statistics\nComputed from the CSV files; the net P&L must equal the run summary's.")
        code("""
            pnl = trades["pnl_usd"]
            net_pnl = round(float(pnl.sum()), 2)
            gross_loss = float(pnl[pnl < 0].sum())
            headline = pd.Series({
                "net P&L (USD)": net_pnl,
                "trades": len(trades),
                "win rate (%)": round(100 * float((pnl > 0).mean()), 2) if len(trades) else 0.0,
                "profit factor": round(float(pnl[pnl > 0].sum()) / -gross_loss, 2) if gross_loss < 0 else float("nan"),
                "expectancy (USD)": round(float(pnl.mean()), 2) if len(trades) else 0.0,
                "fees (USD)": round(float(trades["fees_usd"].sum()), 2),
                "max drawdown (USD)": round(float(-equity["drawdown_usd"].min()), 2) if len(equity) else 0.0,
            }, dtype=object)
            print(f"net P&L: {net_pnl:.2f} USD (run summary: {run['netPnlUsd']})")
            headline
            """)
        markdown("## Equity and drawdown\nEquity at each CME trade date's close, and its distance below the running peak.")
        code("""
            fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
            ax1.plot(equity["trade_date"], equity["equity_usd"], marker="o", markersize=3, color="#2f5fb3", label="equity")
            ax1.axhline(float(run["startingBalanceUsd"]), color="#5b6474", linestyle="--", linewidth=1, label="starting balance")
            ax1.set_title("Equity at each trade date's close")
            ax1.set_ylabel("USD")
            ax1.yaxis.set_major_formatter(money)
            ax1.legend(loc="best")
            ax1.grid(alpha=0.3)
            ax2.fill_between(equity["trade_date"], equity["drawdown_usd"], 0, color="#c62828", alpha=0.3)
            ax2.plot(equity["trade_date"], equity["drawdown_usd"], color="#c62828", linewidth=1)
            ax2.set_ylabel("drawdown")
            ax2.yaxis.set_major_formatter(money)
            ax2.grid(alpha=0.3)
            fig.autofmt_xdate()
            plt.show()
            """)
        markdown("## Daily P&L\nEquity change per trade date, with the account's daily loss limit (when the rules have one).")
        code("""
            fig, ax = plt.subplots(figsize=(11, 4))
            colors = ["#1a7f37" if v >= 0 else "#c62828" for v in daily["pnl_usd"]]
            ax.bar(daily["trade_date"], daily["pnl_usd"], color=colors, width=0.7)
            ax.axhline(0, color="#5b6474", linewidth=0.8)
            limit = daily["daily_loss_limit_usd"].dropna()
            if len(limit):
                ax.axhline(-float(limit.iloc[0]), color="#c62828", linestyle="--", linewidth=1.2,
                           label=f"daily loss limit -${float(limit.iloc[0]):,.2f}")
                ax.legend(loc="best")
            ax.set_title("Daily P&L (USD)")
            ax.yaxis.set_major_formatter(money)
            ax.grid(alpha=0.3, axis="y")
            fig.autofmt_xdate()
            plt.show()
            """)
        markdown("## Distribution of trade P&L")
        code("""
            fig, ax = plt.subplots(figsize=(11, 4))
            if len(trades):
                ax.hist(pnl, bins=min(40, max(5, len(trades) // 3)), color="#2f5fb3", alpha=0.85)
            ax.axvline(0, color="#5b6474", linestyle="--", linewidth=1)
            ax.set_title("Net P&L per trade")
            ax.set_xlabel("USD")
            ax.set_ylabel("trades")
            ax.xaxis.set_major_formatter(money)
            plt.show()
            """)
        markdown("## Monthly returns (%)")
        code("""
            monthly.pivot(index="year", columns="month", values="return_pct").round(2) if len(monthly) else monthly
            """)
        markdown("## Carry on\nFor example, P&L by exit reason:")
        code("""
            trades.groupby("exit_reason")["pnl_usd"].agg(["count", "sum", "mean"]).round(2)
            """)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs cannot fail.
        let data = (try? enc.encode(Document(cells: cells))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
