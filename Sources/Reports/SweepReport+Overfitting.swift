import Research

extension SweepReport {
    /// The sweep report's overfitting section: PSR, DSR and PBO with their inputs, and one plain
    /// sentence each.
    public static func overfitting(_ s: OverfittingStatistics) -> HTMLSection {
        var rows: [[String]] = [
            ["chosen configuration", s.chosenName],
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
        let body = HTML.table(header: ["statistic", "value"], rows: rows, numeric: [1])
            + s.sentences.map { "<p>\(HTML.escape($0))</p>" }.joined()
        return HTMLSection(id: "overfitting", title: "Is the winner real? Overfitting statistics", body: body)
    }
}
