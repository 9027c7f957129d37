import Research

extension SweepReport {
    /// The sweep report's overfitting section: PSR, DSR and PBO with their inputs, and one plain
    /// sentence each; `chosenBy` says how the sweep ranked its choice.
    public static func overfitting(_ s: OverfittingStatistics, chosenBy: String? = nil) -> HTMLSection {
        var rows: [[String]] = [["chosen configuration", s.chosenName]]
        if let chosenBy { rows.append(["ranked by", chosenBy]) }
        rows += [
            ["Sharpe ratio (annualised)", Fmt.fixed(s.moments.sharpe * 252.0.squareRoot(), 2)],
            ["days, skewness, kurtosis", "\(s.moments.observations), \(Fmt.fixed(s.moments.skewness, 2)), \(Fmt.fixed(s.moments.kurtosis, 2))"],
            ["configurations tried", String(s.trials)],
            ["best Sharpe expected by luck (annualised)", Fmt.fixed(s.expectedMaximumSharpe * 252.0.squareRoot(), 2)],
            ["PSR", Fmt.fixed(s.psr, 3)], ["DSR", Fmt.fixed(s.dsr, 3)],
        ]
        if let o = s.overfitting {
            rows += [["PBO", "\(Fmt.fixed(o.pbo, 3)) (\(o.blocks) blocks, \(o.splits) splits)"],
                     ["P(out-of-sample loss)", Fmt.fixed(o.probabilityOfLoss, 3)],
                     ["degradation slope (OOS on IS Sharpe)", Fmt.fixed(o.degradationSlope, 3)]]
        }
        let body = HTML.table(header: ["statistic", "value"], rows: rows.map { $0.map(HTML.escape) }, numeric: [1])
            + s.sentences.map { "<p>\(HTML.escape($0))</p>" }.joined()
        return HTMLSection(id: "overfitting", title: title, body: body)
    }

    /// The section for a sweep judged from its stored balances: the statistics with a note when
    /// they cover part of the sweep or another configuration than its choice, or only the note
    /// saying why they are unavailable.
    public static func overfitting(_ judged: SweepOverfitting, chosenBy: String? = nil) -> HTMLSection {
        let note = judged.note.map { "<p class=\"note\">\(HTML.escape($0))</p>" } ?? ""
        guard let s = judged.statistics else { return HTMLSection(id: "overfitting", title: title, body: note) }
        var section = overfitting(s, chosenBy: chosenBy)
        section.body = note + section.body
        return section
    }

    static let title = "Is the winner real? Overfitting statistics"
}
