/// The overfitting statistics of a sweep's choice, from its configurations' end-of-session
/// balances, with what they cover: the sweep's summary and its stored page both come from here,
/// so they show the same numbers.
public struct SweepOverfitting: Sendable {
    /// nil when they cannot be computed (`note` says why).
    public var statistics: OverfittingStatistics?
    /// Configurations the sweep has results for.
    public var configurations: Int
    /// Of those, the ones whose balances are at hand (the statistics' trials).
    public var withBalances: Int
    /// One plain sentence when the statistics are unavailable, cover only part of the sweep, or
    /// judge another configuration than the sweep's choice; nil when none of that is so.
    public var note: String?

    /// One session's end: its trade date as a day number and the balance in dollars.
    public typealias SessionBalance = (day: Int64, balance: Double)

    /// PSR and DSR of `chosen` and the PBO (16 blocks) over the configurations in `balances` (by
    /// cell index), their daily returns taken from the balances (the first day's from
    /// `startingBalance`), named by `label(cell index)`.
    ///
    /// - Parameters:
    ///   - configurations: the sweep's configurations with a result (at least those in `balances`).
    ///   - chosen: the cell the sweep ranked first; nil when none qualified or none was recorded.
    ///     Without one, or when its balances are missing, the configuration with the best Sharpe
    ///     ratio is judged, and `note` says so.
    public static func compute(_ balances: [Int: [SessionBalance]], configurations: Int, startingBalance: Double, chosen: Int?,
                               label: (Int) -> String) -> SweepOverfitting {
        let configurations = max(configurations, balances.count)
        var out = SweepOverfitting(statistics: nil, configurations: configurations, withBalances: balances.count, note: nil)
        let missing = configurations - balances.count
        if balances.isEmpty {
            out.note = configurations == 0 ? "Unavailable: the sweep has no results yet."
                : "Unavailable for this sweep: PSR, DSR and PBO are computed from each configuration's daily returns, and its \(configurations) configurations were recorded before the store kept their daily balances. Run the same sweep again to fill them in (each configuration is run once more)."
            return out
        }
        let cells = balances.keys.sorted()
        let m = ReturnsMatrix.daily(balances: cells.map { balances[$0]! }, startingBalance: startingBalance, names: cells.map(label))
        guard cells.count >= 2, m.rows >= 2, let s = try? OverfittingStatistics.compute(m, blocks: 16, chosen: chosen.flatMap { cells.firstIndex(of: $0) }) else {
            out.note = "Unavailable: PSR, DSR and PBO need the daily returns of at least 2 configurations over at least 2 sessions; this sweep has \(cells.count) configuration\(cells.count == 1 ? "" : "s") with daily balances over \(m.rows) session\(m.rows == 1 ? "" : "s")."
            return out
        }
        out.statistics = s
        var notes: [String] = []
        if missing > 0 {
            notes.append("Over \(cells.count) of the sweep's \(configurations) configurations: the other \(missing) were recorded before the store kept their daily balances (run the same sweep again to fill them in).")
        }
        if chosen == nil {
            notes.append("No configuration was ranked first, so the one with the best Sharpe ratio (\(s.chosenName)) is judged.")
        } else if let c = chosen, balances[c] == nil {
            notes.append("The configuration the sweep ranked first has no daily balances, so the one with the best Sharpe ratio (\(s.chosenName)) is judged instead.")
        }
        out.note = notes.isEmpty ? nil : notes.joined(separator: " ")
        return out
    }
}
