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
        var out = statGrid([
            Stat(id: "attempts", label: "Attempts", value: String(a.list.count), detail: "\(a.passed) passed · \(a.failed) failed", tone: 0),
            Stat(id: "pass_rate", label: "Pass rate", value: Fmt.percent(a.passRate, digits: 0), detail: "of \(ended) that ended", tone: 0),
            Stat(id: "median_days_to_pass", label: "Median days to pass",
                 value: a.medianDaysToPass.map { Fmt.fixed($0, $0.rounded() == $0 ? 0 : 1) } ?? "n/a", detail: "trade dates", tone: 0),
            Stat(id: "reset_fees", label: "Reset fees", value: usd(a.resetFeesUsd),
                 detail: "\(a.resets) reset\(a.resets == 1 ? "" : "s")" + (a.resetPriceUsd.map { " at " + usd($0) } ?? ""), tone: 0),
        ])
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
