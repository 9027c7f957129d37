import Backtest
import Foundation

extension BacktestCommand {
    /// The summary's lines for Combine attempts on history: the totals, then one line an attempt.
    static func describe(_ a: RunSummary.Attempts) -> [String] {
        func pct(_ v: Double?) -> String { v.map { String(format: "%.0f%%", $0 * 100) } ?? "n/a" }
        var head = "  attempts \(a.list.count): \(a.passed) passed, \(a.failed) failed"
        if a.list.last?.outcome == "open" { head += ", 1 open" }
        head += "; pass rate \(pct(a.passRate)), median days to pass \(a.medianDaysToPass.map { String(format: "%g", $0) } ?? "n/a")"
        head += ", resets \(a.resets)" + (a.resetFeesUsd.map { " (\($0) USD)" } ?? "")
        var lines = [head]
        for t in a.list {
            let share = t.bestDayShare.map { ", best day \(t.bestDayUsd) (\(pct($0)))" } ?? ""
            lines.append("    #\(t.number) \(t.start) → \(t.end) \(t.outcome) in \(t.days) day\(t.days == 1 ? "" : "s"), P&L \(t.pnlUsd)\(share)")
        }
        return lines
    }
}
