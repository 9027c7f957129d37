import Backtest
import Data

extension RunHTML {
    /// The Combine attempts section when the run recorded attempts (`backtest --attempts`), else none.
    static func attemptsSections(_ r: RunReport) -> [HTMLSection] {
        guard let a = r.summary.attempts else { return [] }
        return [HTMLSection(id: "attempts", title: "Combine attempts", body: attemptsSection(a, rules: r.summary.rules))]
    }

    static func attemptsSection(_ a: RunSummary.Attempts, rules: String) -> String {
        func usd(_ text: String?) -> String { text.flatMap { Money($0) }.map(Fmt.usd) ?? "n/a" }
        let ended = a.passed + a.failed
        var out = "<div class=\"stats\">"
        let figures: [(String, String, String, String)] = [
            ("attempts", "Attempts", String(a.list.count), "\(a.passed) passed · \(a.failed) failed"),
            ("pass_rate", "Pass rate", Fmt.percent(a.passRate, digits: 0), "of \(ended) that ended"),
            ("median_days_to_pass", "Median days to pass", a.medianDaysToPass.map { Fmt.fixed($0, $0.rounded() == $0 ? 0 : 1) } ?? "n/a", "trade dates"),
            ("reset_fees", "Reset fees", usd(a.resetFeesUsd), "\(a.resets) reset\(a.resets == 1 ? "" : "s")" + (a.resetPriceUsd.map { " at " + usd($0) } ?? "")),
        ]
        for (id, label, value, detail) in figures {
            out += "<div class=\"stat\" data-stat=\"\(id)\"><span class=\"label\">\(HTML.escape(label))</span>"
                + "<span class=\"value\">\(HTML.escape(value))</span><span class=\"detail\">\(HTML.escape(detail))</span></div>"
        }
        out += "</div>"
        let rows = a.list.map { t -> [String] in
            let tone = t.outcome == "passed" ? "pos" : (t.outcome == "failed" ? "neg" : "")
            return [String(t.number), HTML.escape(t.start), HTML.escape(t.end),
                    "<span class=\"\(tone)\" data-outcome=\"\(HTML.escape(t.outcome))\">\(HTML.escape(t.outcome))</span>",
                    String(t.days), HTML.escape(usd(t.pnlUsd)), HTML.escape(usd(t.bestDayUsd)),
                    HTML.escape(Fmt.percent(t.bestDayShare, digits: 1)), HTML.escape(t.detail)]
        }
        out += "<p class=\"note\">Each attempt is a fresh \(HTML.escape(rules)) account: it passes at a day's close when the profit "
            + "reaches the target (raised to best day ÷ consistency share), fails when equity meets the maximum loss level, "
            + "and the next attempt opens the next trade date. Every failure counts as a reset. The headline, the equity curve and "
            + "the trades above are the strategies' across every attempt: the balance carries on, each attempt's P&amp;L is "
            + "measured from the balance it opened at.</p>"
        out += HTML.table(header: ["#", "Start", "End", "Outcome", "Days", "P&L", "Best day", "Best-day share", "Detail"],
                          rows: rows, classes: "attempts", numeric: [0, 4, 5, 6, 7])
        return out
    }
}
