import Backtest
import Data

extension RunHTML {
    /// The fidelity audit section when the run was audited (`backtest --fidelity`), else none.
    static func fidelitySections(_ r: RunReport) -> [HTMLSection] {
        guard let a = r.summary.fidelity else { return [] }
        return [HTMLSection(id: "fidelity", title: "Fidelity of the path models", body: fidelitySection(a))]
    }

    static func fidelitySection(_ a: FidelityAudit) -> String {
        func usd(_ text: String?) -> String { text.flatMap { Money($0) }.map(Fmt.usd) ?? "n/a" }
        var out = "<p class=\"note\">\(a.audited) ambiguous bar\(a.audited == 1 ? "" : "s") (two or more things could fill) "
            + "decided by finer data: \(a.barsByPrints) by trade prints, \(a.barsByFinerBars) by finer bars"
            + (a.barsNotSettled > 0 ? "; \(a.barsNotSettled) left ambiguous inside their finer bars, not scored" : "")
            + ". Each was also played under every path model: <em>wrong</em> counts bars where the model fills other orders "
            + "or the same in another order, <em>other price</em> the same orders at another price. The last column is the "
            + "run on the bars alone under the model, the P&amp;L it would have reported; with the finer data deciding, the run "
            + "made \(HTML.escape(usd(a.netPnlUsd))).</p>"
        let rows = PathModel.allCases.enumerated().map { m, model -> [String] in
            let s = a.scores[m]
            return [HTML.escape(s.model), String(s.wrong), HTML.escape(Fmt.percent(a.errorRate(model), digits: 1)),
                    String(s.otherPrices), HTML.escape(usd(s.netPnlUsd))]
        }
        out += HTML.table(header: ["Path model", "Wrong", "Error rate", "Other price", "Net P&L on bars alone"],
                          rows: rows, classes: "fidelity", numeric: [1, 2, 3, 4])
        if !a.disagreements.isEmpty {
            let shown = a.disagreements.map { d -> [String] in
                [HTML.escape(d.bar), HTML.escape(d.model), HTML.escape(d.actual.isEmpty ? "nothing" : d.actual.joined(separator: "; ")),
                 HTML.escape(d.modelled.isEmpty ? "nothing" : d.modelled.joined(separator: "; "))]
            }
            out += "<p class=\"note\">The first disagreements (at most \(FidelityAudit.disagreementsKept)): the fills the finer "
                + "data made in the bar, and those the model would have made.</p>"
            out += HTML.table(header: ["Bar", "Model", "Finer data filled", "Model would fill"], rows: shown, classes: "disagreements")
        }
        return out
    }
}
