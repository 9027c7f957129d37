/// The trade-day rule every driver shares (the trading session, the sma-bracket sweep kernel):
/// which trade day a market clock is in, and when the next day starts.
///
/// The day rolls at the first time seen that belongs to a new trade day while the market is
/// open: a quote in the daily break (or over a weekend) starts no day, so a day locked by its
/// loss limit stays locked until the next session opens. (An order entered in the break belongs
/// to the next trade date all the same: the brokers date it by the calendar.) The calendar is
/// consulted only at or after the current day's session close.
public struct TradeDayClock: Sendable {
    public let calendar: SessionCalendar
    /// The current trade day (`TradeDate.dayNumber`), `Int64.min` before the first.
    public private(set) var day = Int64.min
    /// The first instant at which `reach` may roll the day.
    public private(set) var dayEnds = Int64.min

    public init(calendar: SessionCalendar) { self.calendar = calendar }

    /// The clock reached `t` (UTC seconds): the new trade day when one starts now, else nil.
    ///
    /// One calendar look-up of the day and one of its session per call: the roll ran three (the
    /// day twice, through `isOpen`) and the engine's instruction count over the 1M-bar ES series
    /// was 1 % higher for it (callgrind, `tsxlab-bench engine`).
    public mutating func reach(_ t: Int64) -> Int64? {
        guard t >= dayEnds else { return nil }
        let d = calendar.tradeDayNumber(containing: t)
        if d == day {
            dayEnds = t + 1
            return nil
        }
        guard let session = calendar.session(for: TradeDate(dayNumber: d)) else { return nil }
        // In the break before the new day's open nothing starts: the next look is at the open.
        if t < session.open.seconds {
            dayEnds = session.open.seconds
            return nil
        }
        if calendar.isHalted(at: t, tradeDay: d) { return nil }
        day = d
        dayEnds = session.close.seconds
        return d
    }
}

extension SessionCalendar {
    /// The trade date (`TradeDate.dayNumber`) an order placed at `t` belongs to, when the current
    /// trade day is `current` (`Int64.min` before any): that day up to and including its session's
    /// close (an order placed as the day's last bar closes is the day's); after the close, in the
    /// break before the next day starts, the next trade date (a day order entered at 16:30 CT works
    /// in the session opening at 17:00; exchange fixture 16 pins it). The simulated exchange and
    /// the live broker date orders, and the pre-trade checks their cut-off, by it.
    public func orderTradeDay(at t: Int64, current: Int64) -> Int64 {
        orderTradeDay(at: t, current: current, closing: current == Int64.min ? nil : sessionClose(current))
    }

    /// `orderTradeDay(at:current:)` with the current day's session close already known
    /// (`sessionClose(current)`), for a caller that dates many orders in one day. Inlinable: the
    /// common case is one comparison, where the call cost the simulated exchange 116 instructions
    /// per order (callgrind, `tsxlab-bench engine`).
    @inlinable
    public func orderTradeDay(at t: Int64, current: Int64, closing close: Int64?) -> Int64 {
        if current != Int64.min, let close, t <= close { return current }
        return tradeDayNumber(containing: t)
    }

    /// The close (UTC seconds) of trade day `day`'s session; nil when the exchange is closed then.
    public func sessionClose(_ day: Int64) -> Int64? { session(for: TradeDate(dayNumber: day))?.close.seconds }
}
