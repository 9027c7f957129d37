/// What a stored series is missing: the stretches of trading time the store never fetched.
public enum SeriesCoverage {
    /// The holes of a series inside `within` (usually its first bar to the end of its last): each
    /// window of `within` that `coverage` lacks, trimmed to the trading sessions it touches and
    /// left out when it touches none (a weekend or a holiday is no hole). UTC, oldest first.
    ///
    /// A minute without a trade inside a covered window is no hole: the venue had nothing to give.
    public static func holes(coverage: [TimeWindow], within: TimeWindow, calendar: SessionCalendar = .cmeEquityIndex) -> [TimeWindow] {
        var out: [TimeWindow] = []
        for gap in within.subtracting(coverage) {
            var first: Timestamp?, last = gap.from
            var d = calendar.tradeDate(containing: gap.from)
            let lastDay = calendar.tradeDate(containing: gap.to.adding(seconds: -1))
            while d <= lastDay {
                if let s = calendar.session(for: d) {
                    let a = max(s.open, gap.from), b = min(s.close, gap.to)
                    if a < b {
                        if first == nil { first = a }
                        last = b
                    }
                }
                d = d.adding(days: 1)
            }
            if let first { out.append(TimeWindow(from: first, to: last)) }
        }
        return out
    }
}
