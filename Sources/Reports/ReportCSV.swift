import Backtest
import Foundation
import Data

/// The CSV files of a report, their documented columns, and the folder's README. Every file has a
/// header row; money is dollars with two decimals, times are UTC ISO-8601 (`…Z`) with a New York
/// copy beside them (`…_et`, ISO-8601 with the offset), dates are CME trade dates.
public enum ReportCSV {
    public struct Column: Sendable, Hashable {
        public var name: String
        public var meaning: String
    }
    public struct File: Sendable, Hashable {
        public var name: String
        public var about: String
        public var columns: [Column]
    }

    static func c(_ name: String, _ meaning: String) -> Column { Column(name: name, meaning: meaning) }

    public static let tradesFile = File(name: "trades.csv", about: "one row per closed trade, in the order they closed", columns: [
        c("trade_id", "1-based position in the run's trade list"),
        c("strategy", "the strategy that opened the trade"),
        c("symbol", "contract symbol"),
        c("side", "long or short"),
        c("quantity", "contracts"),
        c("entry_time", "first entry fill, UTC, ISO-8601"),
        c("entry_time_et", "the same instant in New York time, ISO-8601 with its UTC offset"),
        c("entry_price", "average entry price (the contract's decimals; more digits when the average lies between ticks)"),
        c("exit_time", "last exit fill, UTC"),
        c("exit_time_et", "the same instant in New York time"),
        c("exit_price", "average exit price"),
        c("exit_reason", "stop, target, or the label of the order that closed it (e.g. eod_flatten, end)"),
        c("gross_usd", "P&L before fees, USD"),
        c("fees_usd", "commissions and exchange fees, USD"),
        c("pnl_usd", "net P&L after fees, USD; the column sums to the run's net P&L"),
        c("mae_ticks", "maximum adverse excursion from the average entry, ticks per contract (>= 0)"),
        c("mfe_ticks", "maximum favourable excursion, ticks per contract (>= 0)"),
        c("mae_usd", "MAE of the whole position in USD (<= 0); empty when the symbol has no contract specification"),
        c("mfe_usd", "MFE of the whole position in USD (>= 0); empty likewise"),
        c("minutes_held", "whole minutes from entry to exit"),
        c("trade_date", "CME trade date of the exit (YYYY-MM-DD)"),
    ])

    public static let fillsFile = File(name: "fills.csv", about: "one row per fill, in time order", columns: [
        c("fill_id", "1-based position in the run's fill list"),
        c("time", "UTC, ISO-8601"),
        c("time_et", "New York time with its UTC offset"),
        c("symbol", "contract symbol"),
        c("side", "buy or sell"),
        c("quantity", "contracts"),
        c("price", "fill price"),
        c("fee_usd", "fee of this fill, USD"),
        c("order_id", "the simulated exchange's order id"),
        c("purpose", "entry, stop, target, or a flatten label"),
        c("resolution", "how the fill was decided: exact, drill-down (finer bars) or path-model"),
    ])

    public static let dailyFile = File(name: "daily_pnl.csv", about: "one row per CME trade date of the run", columns: [
        c("trade_date", "CME trade date (the session opening 18:00 ET the evening before)"),
        c("trades", "trades that closed on the date"),
        c("realised_pnl_usd", "net P&L of those trades, USD"),
        c("fees_usd", "their fees, USD"),
        c("pnl_usd", "equity change from the previous trade date's close (the first: from the starting balance), USD"),
        c("balance_usd", "cash balance at the close, USD"),
        c("equity_usd", "balance plus open P&L at the close, USD"),
        c("daily_loss_limit_usd", "the account's daily loss limit (positive), empty when the rules have none"),
        c("limit_hit", "true when the day met the daily loss limit"),
    ])

    public static let equityFile = File(name: "equity.csv", about: "the equity curve: the account at each trade date's close", columns: [
        c("trade_date", "CME trade date"),
        c("time", "when the engine recorded the point (the next session's start, or the last bar), UTC"),
        c("time_et", "the same instant in New York time"),
        c("balance_usd", "cash balance, USD"),
        c("equity_usd", "balance plus open P&L, USD"),
        c("peak_equity_usd", "highest equity_usd so far, USD"),
        c("drawdown_usd", "equity_usd - peak_equity_usd (<= 0), USD; its minimum is the run's max drawdown"),
        c("drawdown_pct", "drawdown_usd / peak_equity_usd x 100 (<= 0)"),
    ])

    public static let monthlyFile = File(name: "monthly_returns.csv", about: "one row per calendar month of trade dates", columns: [
        c("year", "year of the trade dates"),
        c("month", "month, 1-12"),
        c("pnl_usd", "equity at the month's last close less the previous month's (the first: the starting balance), USD"),
        c("return_pct", "pnl_usd as a percentage of the previous month's close"),
        c("end_equity_usd", "equity at the month's last close, USD"),
    ])

    public static let files = [tradesFile, fillsFile, dailyFile, equityFile, monthlyFile]

    static func header(_ f: File) -> [String] { f.columns.map(\.name) }

    public static func trades(_ r: RunReport, calendar: SessionCalendar = .cmeEquityIndex) -> String {
        var out = CSVText.row(header(tradesFile))
        out.reserveCapacity(r.trades.count * 240)
        for t in r.trades {
            out += CSVText.row([
                String(t.seq), t.strategy, t.symbol, t.side, String(t.quantity), Fmt.isoUTC(t.entryTime), Fmt.isoET(t.entryTime),
                t.entryPrice, Fmt.isoUTC(t.exitTime), Fmt.isoET(t.exitTime), t.exitPrice, t.exitReason, t.gross.description,
                t.fees.description, t.pnl.description, String(t.maeTicks), String(t.mfeTicks), t.maeUSD?.description ?? "",
                t.mfeUSD?.description ?? "", String(t.minutesHeld), calendar.tradeDate(containing: t.exitTime).description,
            ])
        }
        return out
    }

    public static func fills(_ r: RunReport) -> String {
        var out = CSVText.row(header(fillsFile))
        out.reserveCapacity(r.fills.count * 130)
        for f in r.fills {
            out += CSVText.row([
                String(f.seq), Fmt.isoUTC(f.time), Fmt.isoET(f.time), f.symbol, f.side, String(f.quantity), f.price, f.fee.description,
                String(f.orderID), f.purpose, f.resolution,
            ])
        }
        return out
    }

    public static func daily(_ r: RunReport) -> String {
        var out = CSVText.row(header(dailyFile))
        for d in r.daily() {
            out += CSVText.row([
                d.tradeDate.description, String(d.trades), d.realised.description, d.fees.description, d.pnl.description,
                d.balance.description, d.equity.description, d.limit?.description ?? "", d.limitHit ? "true" : "false",
            ])
        }
        return out
    }

    public static func equity(_ r: RunReport) -> String {
        var out = CSVText.row(header(equityFile))
        for (p, u) in zip(r.equity, r.underwater()) {
            out += CSVText.row([
                p.tradeDate.description, Fmt.isoUTC(p.time), Fmt.isoET(p.time), p.balance.description, p.equity.description,
                u.peak.description, u.drawdown.description, Fmt.fixed(u.fraction * 100, 4),
            ])
        }
        return out
    }

    public static func monthly(_ r: RunReport) -> String {
        var out = CSVText.row(header(monthlyFile))
        for m in r.monthly() {
            out += CSVText.row([String(m.year), String(m.month), m.pnl.description, Fmt.fixed(m.returnFraction * 100, 4), m.endEquity.description])
        }
        return out
    }

    /// The folder's README: what each file holds and what each column means.
    public static func readme(_ r: RunReport, extra: [(String, String)] = []) -> String {
        let s = r.summary
        var out = """
            tsxlab report of run \(s.runId)
            \(s.strategies.joined(separator: ", ")) on \(s.symbol) \(s.timeframe), bars \(s.dataFrom ?? "?") to \(s.dataTo ?? "?") (UTC), rules \(s.rules).
            Net P&L \(s.netPnlUsd) USD over \(s.trades) trades.

            Files are CSV (RFC 4180: a header row, comma-separated, fields quoted only when they contain a
            comma, a quote or a line break). Money is US dollars with two decimals. Times are UTC
            (ISO-8601, ending in Z); the *_et columns give the same instant in America/New_York with its
            offset. Trade dates are CME trade dates: the session that opens at 18:00 ET the evening before.


            """
        for f in files {
            out += "\(f.name): \(f.about).\n"
            let w = f.columns.map(\.name.count).max() ?? 0
            for col in f.columns { out += "  " + col.name.padding(toLength: w + 2, withPad: " ", startingAt: 0) + col.meaning + "\n" }
            out += "\n"
        }
        for (name, about) in [("run.json", "the run's summary as `tsxlab backtest --json` prints it"),
                              ("config.txt", "the run's configuration, one key=value a line")] + extra {
            out += "\(name): \(about).\n"
        }
        return out
    }
}

extension ReportCSV {
    /// `symbols.csv` and `equity_by_symbol.csv` of a run on several symbols, the same text as the
    /// run folder's (`RunCSV.symbols`, `RunCSV.equityBySymbol`); none for a run on one symbol.
    public static func symbolFiles(_ r: RunReport) -> [(String, String)] {
        guard !r.symbols.isEmpty else { return [] }
        return [("symbols.csv", RunCSV.symbols(r.symbols, combined: r.combinedFigures)),
                ("equity_by_symbol.csv", RunCSV.equityBySymbol(r.equity, r.equityBySymbol()))]
    }

    /// What the README says of those files.
    static func symbolNotes(_ r: RunReport) -> [(String, String)] {
        guard !r.symbols.isEmpty else { return [] }
        return [
            ("symbols.csv", "one row per symbol the run traded, then the whole run's (combined), with the summary's statistics "
                + "over each symbol's trades alone (net P&L: its closed trades' after fees; Sharpe, Sortino and max drawdown "
                + "on the starting balance plus its closed-trade P&L at each trade date's close)"),
            ("equity_by_symbol.csv", "at each row of equity.csv (a trade date's close), each symbol's cumulative closed-trade "
                + "P&L after fees (<symbol>_pnl_usd) and their sum (total_pnl_usd); open positions are not marked"),
        ]
    }
}
