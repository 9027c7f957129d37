/// Stitches dated contracts (ESZ13, ESH14, …) into one continuous series.
///
/// Each contract serves from the session that opens its predecessor's roll date (CME's calendar
/// roll: the Thursday eight days before a quarterly expiry, see `ContractID.rollDate`) until its
/// own. `Adjustment.none` keeps the prices that traded, so a roll shows as a jump;
/// `.backAdjusted` shifts every earlier contract by the price difference between the two
/// contracts at the last minute both traded before the roll (the convention of back-adjusted
/// vendor series), so point moves across a roll stay true and earlier levels move.
public enum ContinuousSeries {
    public enum Adjustment: String, Sendable, CaseIterable { case none, back }

    /// One contract change.
    public struct Roll: Hashable, Sendable {
        public var from: ContractID
        public var to: ContractID
        /// The first instant served by `to` (session open of the roll date).
        public var at: Timestamp
        /// `to`'s close minus `from`'s close at the last shared bar before the roll, in ticks
        /// (nil when the two never traded in the same minute before the roll).
        public var spreadTicks: Int64?
    }

    /// The first instant the contract after `contract` serves: the session open of `contract`'s
    /// roll date (or of the next trading day when the exchange is closed that day), UTC.
    public static func rollStart(after contract: ContractID, calendar: SessionCalendar = .cmeEquityIndex) -> Timestamp {
        let r = contract.rollDate
        let date = TradeDate(year: r.year, month: r.month, day: r.day)
        return calendar.session(for: date)?.open ?? calendar.session(for: calendar.nextTradingDay(after: date))!.open
    }

    /// The dated contracts that are front month somewhere in `window`, each with the part of the
    /// window it serves (`rollStart` to `rollStart`, the rule `stitch` uses), oldest first.
    /// `cycle` is the product's listing months (`HMUZ`).
    public static func segments(symbol: String, cycle: String, window: TimeWindow,
                                calendar: SessionCalendar = .cmeEquityIndex) -> [(contract: ContractID, window: TimeWindow)] {
        guard !window.isEmpty else { return [] }
        // Start a few weeks early and skip what rolled before the window opens.
        var c = ContractID.front(symbol: symbol, on: CivilTime(utcSeconds: window.from.seconds - 40 * 86_400), cycle: cycle)
        var start = Timestamp.distantPast
        var out: [(contract: ContractID, window: TimeWindow)] = []
        while start < window.to {
            let end = rollStart(after: c, calendar: calendar)
            let part = TimeWindow(from: max(start, window.from), to: min(end, window.to))
            if !part.isEmpty { out.append((c, part)) }
            start = end
            c = c.next(in: cycle)
        }
        return out
    }

    /// Stitches the stored series of `contracts` at `timeframe` into the continuous series named
    /// `symbol` and stores it (one transaction); what `tsxlab data roll` and `data pull
    /// --continuous` do.
    ///
    /// - Throws: `DataError.badInput` when a contract has no stored bars, and `stitch`'s errors.
    public static func rollStored(
        _ store: any BarStore, symbol: String, timeframe: Timeframe, contracts: [String], adjustment: Adjustment = .none,
        calendar: SessionCalendar = .cmeEquityIndex
    ) throws -> (series: BarSeries, rolls: [Roll], stored: UpsertResult) {
        var parts: [BarSeries] = []
        for c in contracts {
            let s = try store.read(SeriesKey(symbol: c, timeframe: timeframe), TimeWindow(from: .distantPast, to: .distantFuture))
            guard !s.isEmpty else {
                throw DataError.badInput(file: store.displayURL, line: nil, field: "contracts",
                    reason: "no \(c) \(timeframe) bars stored: import the contract first")
            }
            parts.append(s)
        }
        let (series, rolls) = try stitch(symbol: symbol, contracts: parts, adjustment: adjustment, calendar: calendar)
        let coverage = TimeWindow(from: Timestamp(seconds: series.time[0]),
                                  to: Timestamp(seconds: series.time[series.count - 1]).adding(seconds: timeframe.nominalSeconds))
        return (series, rolls, try store.write(series, coverage: coverage))
    }

    /// Builds the continuous series named `symbol` from `contracts` (any order; each series'
    /// symbol must be a dated code such as `ESZ13`).
    public static func stitch(
        symbol: String, contracts: [BarSeries], adjustment: Adjustment = .none,
        calendar: SessionCalendar = .cmeEquityIndex
    ) throws -> (BarSeries, [Roll]) {
        guard let firstSeries = contracts.first else {
            throw DataError.badInput(file: "roll", line: nil, field: "contracts", reason: "no contracts given")
        }
        var dated: [(ContractID, BarSeries)] = []
        for s in contracts {
            guard let id = ContractID(cme: s.symbol) else {
                throw DataError.badInput(file: "roll", line: nil, field: "contracts",
                    reason: "'\(s.symbol)' is not a dated contract code like ESZ13")
            }
            guard s.tickSize == firstSeries.tickSize, s.timeframe == firstSeries.timeframe else {
                throw DataError.badInput(file: "roll", line: nil, field: "contracts",
                    reason: "\(s.symbol) has tick \(s.tickSize) at \(s.timeframe); \(firstSeries.symbol) has \(firstSeries.tickSize) at \(firstSeries.timeframe)")
            }
            dated.append((id, s))
        }
        dated.sort { ($0.0.year, $0.0.month) < ($1.0.year, $1.0.month) }

        // Segment boundaries: contract k serves [start_k, start_{k+1}).
        var starts: [Int64] = [Int64.min]
        var rolls: [Roll] = []
        for k in 1..<max(1, dated.count) {
            let prev = dated[k - 1], next = dated[k]
            let open = rollStart(after: prev.0, calendar: calendar)
            starts.append(open.seconds)
            // The spread at the last minute both contracts traded before the switch.
            var spread: Int64?
            var i = prev.1.lowerBound(open.seconds) - 1, j = next.1.lowerBound(open.seconds) - 1
            while i >= 0 && j >= 0 {
                let a = prev.1.time[i], b = next.1.time[j]
                if a == b { spread = next.1.close[j] - prev.1.close[i]; break }
                if a > b { i -= 1 } else { j -= 1 }
            }
            rolls.append(Roll(from: prev.0, to: next.0, at: open, spreadTicks: spread))
        }
        starts.append(Int64.max)

        if adjustment == .back, let missing = rolls.first(where: { $0.spreadTicks == nil }) {
            throw DataError.badInput(file: "roll", line: nil, field: "adjust",
                reason: "\(missing.from) and \(missing.to) never traded in the same minute before the roll at \(missing.at): cannot back-adjust; use --adjust none")
        }
        var out = BarSeries(symbol: symbol, timeframe: firstSeries.timeframe, tickSize: firstSeries.tickSize)
        for (k, (_, s)) in dated.enumerated() {
            // Shift for back adjustment: the sum of the spreads of every later roll.
            let shift = adjustment == .back ? rolls[k...].reduce(Int64(0)) { $0 + ($1.spreadTicks ?? 0) } : 0
            let a = s.lowerBound(starts[k]), b = s.lowerBound(starts[k + 1])
            for i in a..<b {
                out.time.append(s.time[i])
                out.open.append(s.open[i] + shift); out.high.append(s.high[i] + shift)
                out.low.append(s.low[i] + shift); out.close.append(s.close[i] + shift)
                out.volume.append(s.volume[i])
            }
        }
        return (out, rolls)
    }
}
