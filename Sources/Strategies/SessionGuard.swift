import Data
import Trading

/// Trading hours shared by the intraday strategies: entries only inside a window of the day
/// (the regular session by default) and a flatten at a set time, both in exchange-aware local
/// time.
struct SessionGuard {
    let calendar: SessionCalendar
    let entryStart: LocalTime
    let entryEnd: LocalTime
    let flattenTime: LocalTime?
    private var day: TradeDate?
    private var from = Timestamp.distantPast, until = Timestamp.distantPast, flattenAt = Timestamp.distantFuture
    private var flattened = false

    init(calendar: SessionCalendar = .cmeEquityIndex, entryStart: LocalTime, entryEnd: LocalTime, flattenTime: LocalTime?) {
        self.calendar = calendar; self.entryStart = entryStart; self.entryEnd = entryEnd; self.flattenTime = flattenTime
    }

    /// Call with each bar; returns true when new entries are allowed at `now` (the bar's close),
    /// and flattens `symbol` once when the flatten time arrives.
    private var dayEnds = Int64.min

    mutating func check(_ bar: Bar, now: Timestamp, symbol: String, broker: any Broker) -> Bool {
        // The calendar is consulted once a trading day (bars before the session close share it).
        if bar.time.seconds >= dayEnds || day == nil {
            let td = calendar.tradeDate(containing: bar.time)
            if td != day {
                day = td
                from = entryStart.instant(on: td); until = entryEnd.instant(on: td)
                flattenAt = flattenTime?.instant(on: td) ?? .distantFuture
                flattened = false
            }
            dayEnds = calendar.session(for: td)?.close.seconds ?? bar.time.seconds + 1
        }
        if !flattened && now >= flattenAt {
            flattened = true
            _ = broker.flatten(symbol, reason: "eod")
        }
        return now >= from && now < until && now < flattenAt
    }

    static let parameters: [ParameterSpec] = [
        ParameterSpec("entry_start", .time, default: .time(LocalTime(hour: 9, minute: 30, zone: .newYork)), help: "first time of day for entries"),
        ParameterSpec("entry_end", .time, default: .time(LocalTime(hour: 15, minute: 30, zone: .newYork)), help: "no new entries from this time"),
        ParameterSpec("eod_flatten", .bool, default: .bool(true), help: "flatten at the end-of-day time"),
        ParameterSpec("eod_flatten_time", .time, default: .time(LocalTime(hour: 16, minute: 0, zone: .newYork)), help: "time of day to flatten"),
    ]

    init(_ p: ParameterSet) {
        self.init(entryStart: p.time("entry_start"), entryEnd: p.time("entry_end"),
                  flattenTime: p.bool("eod_flatten") ? p.time("eod_flatten_time") : nil)
    }
}

extension BrokerEvent {
    /// True when this event ends a strategy's own entry order without filling it (rejected,
    /// cancelled or expired), so the strategy may try again.
    public var endsUnfilledEntry: Bool {
        switch self {
        case .orderRejected(let r, _): r.purpose == .entry
        case .orderCancelled(let o, _), .orderExpired(let o): o.request.purpose == .entry && o.filledQuantity == 0
        default: false
        }
    }
}
