import Data

/// One evaluation (Combine) attempt on history: a fresh account from `start` until it passed,
/// failed, or the data ended.
public struct CombineAttempt: Hashable, Sendable {
    public enum Outcome: String, Hashable, Sendable, Codable {
        /// Profit target reached with the consistency target met (and the minimum trading days).
        case passed
        /// The maximum loss limit was breached.
        case failed
        /// Still running when the data ended.
        case open
    }

    /// 1-based, in time order.
    public var number: Int
    /// First and last trade date of the attempt.
    public var start: TradeDate
    public var end: TradeDate
    public var outcome: Outcome
    /// Trade dates the attempt spanned (sessions the data has), and those with at least one fill.
    public var days: Int
    public var tradingDays: Int
    /// Net P&L at the attempt's end: closing balance less the balance it started from (dollars,
    /// fees included).
    public var pnl: Money
    /// The best day's net P&L (zero when no day made money).
    public var bestDay: Money
    /// Best day ÷ total profit when the attempt made money (the consistency share; ≤ 0.55 keeps
    /// the plain target on the 2026 Combine).
    public var bestDayShare: Double?
    /// The profit a pass needed at the end: the target, raised to best day ÷ consistency share.
    public var requiredProfit: Money?
    /// Why it ended, in words (the breach that failed it, or the pass).
    public var detail: String

    public init(number: Int, start: TradeDate, end: TradeDate, outcome: Outcome, days: Int, tradingDays: Int, pnl: Money,
                bestDay: Money, bestDayShare: Double?, requiredProfit: Money?, detail: String) {
        self.number = number; self.start = start; self.end = end; self.outcome = outcome; self.days = days
        self.tradingDays = tradingDays; self.pnl = pnl; self.bestDay = bestDay; self.bestDayShare = bestDayShare
        self.requiredProfit = requiredProfit; self.detail = detail
    }
}

/// The bookkeeping of Combine attempts on history: at each trade day's end the account is judged
/// (failed when the maximum loss was breached; passed when the closing profit reaches the profit
/// target raised by consistency, `RiskState.consistency(balance:)`, with the minimum trading days),
/// and an attempt that ended is recorded; its owner (the simulated exchange) then opens a fresh
/// account from the next trade day (`RiskState.reopen(at:day:)`).
///
/// Balances are the ledger's, which carries on across attempts: an attempt's P&L is measured
/// from the balance it started at. Called only at day boundaries, never per bar.
public struct CombineAttempts: Hashable, Sendable {
    /// From the rules (`RiskRules.minimumTradingDays`, `RiskRules.resetPrice`); the rest of the
    /// rules live in the `RiskState` the days are judged with.
    public let minimumTradingDays: Int
    public let resetPrice: Money?
    /// Finished attempts, and the open one once `finish` has run.
    public private(set) var attempts: [CombineAttempt] = []
    /// The ledger balance and trade date the current attempt started at.
    public private(set) var startBalance: Money
    public private(set) var startDay: Int64 = Int64.min
    var days = 0
    var tradingDays = 0

    public init(rules: RiskRules, balance: Money) {
        minimumTradingDays = rules.minimumTradingDays
        resetPrice = rules.resetPrice
        startBalance = balance
    }

    /// Whether a day's end can end an attempt under `rules` (a profit target or a maximum loss).
    public static func applies(to rules: RiskRules) -> Bool { rules.profitTarget != nil || rules.maxLossDrawdown != nil }

    /// A trade day started. The first call starts the first attempt.
    public mutating func dayStarted(_ day: Int64) {
        if startDay == Int64.min { startDay = day }
    }

    /// Trade day `day` ended with the ledger at `balance`; `risk` has already rolled the day into
    /// its results (best day, high-water mark). Returns the attempt when it passed or failed: the
    /// caller then opens a fresh account (`opened(day:balance:)`) from the next trade day.
    ///
    /// `flat`: no position is open. A pass is judged only on a flat account (TopStepX flattens
    /// every day at 15:10 CT, so every day end is flat; under rules without a flatten time the pass
    /// waits for the first flat day end) so that no trade straddles two attempts.
    public mutating func dayEnded(_ day: Int64, risk: RiskState, balance: Money, traded: Bool, flat: Bool = true) -> CombineAttempt? {
        days += 1
        if traded { tradingDays += 1 }
        if risk.failed {
            let b = risk.breaches.last { $0.rule == .maxLossLimit }
            return record(day, .failed, risk: risk, balance: balance, detail: b?.detail ?? "the maximum loss limit was breached")
        }
        let (_, required) = risk.consistency(balance: balance)
        guard flat, let required, balance - startBalance >= required, tradingDays >= minimumTradingDays else { return nil }
        return record(day, .passed, risk: risk, balance: balance,
                      detail: "profit \(balance - startBalance) reached the required \(required) on trading day \(tradingDays)")
    }

    /// A fresh account opened at `balance` for trade day `day`.
    public mutating func opened(day: Int64, balance: Money) {
        startDay = day
        startBalance = balance
        days = 0
        tradingDays = 0
    }

    /// The data ended after trade day `day`; `risk` has rolled the day in. Records the last
    /// attempt (passed or failed on that day, or still open).
    public mutating func finish(_ day: Int64, risk: RiskState, balance: Money, traded: Bool, flat: Bool = true) {
        guard startDay != Int64.min else { return }
        if dayEnded(day, risk: risk, balance: balance, traded: traded, flat: flat) == nil {
            _ = record(day, .open, risk: risk, balance: balance, detail: "the data ended")
        }
        startDay = Int64.min
    }

    mutating func record(_ day: Int64, _ outcome: CombineAttempt.Outcome, risk: RiskState, balance: Money, detail: String) -> CombineAttempt {
        let pnl = balance - startBalance
        let a = CombineAttempt(
            number: attempts.count + 1, start: TradeDate(dayNumber: startDay), end: TradeDate(dayNumber: day), outcome: outcome,
            days: days, tradingDays: tradingDays, pnl: pnl, bestDay: risk.bestDay,
            bestDayShare: pnl.cents > 0 ? Double(risk.bestDay.cents) / Double(pnl.cents) : nil,
            requiredProfit: risk.consistency(balance: balance).effectiveTarget, detail: detail)
        attempts.append(a)
        return a
    }

    // MARK: Totals

    public var passed: Int { attempts.filter { $0.outcome == .passed }.count }
    public var failed: Int { attempts.filter { $0.outcome == .failed }.count }

    /// Passed ÷ (passed + failed); nil before any attempt ended (an open attempt has no outcome).
    public var passRate: Double? {
        let ended = passed + failed
        return ended > 0 ? Double(passed) / Double(ended) : nil
    }

    /// The median of the passed attempts' trade dates (the mean of the middle two for an even
    /// count); nil without a pass.
    public var medianDaysToPass: Double? {
        let d = attempts.filter { $0.outcome == .passed }.map(\.days).sorted()
        guard !d.isEmpty else { return nil }
        let m = d.count / 2
        return d.count % 2 == 1 ? Double(d[m]) : Double(d[m - 1] + d[m]) / 2
    }

    /// Every failed attempt is a reset bought (the account needs one to trade on).
    public var resets: Int { failed }
    /// `resets × resetPrice` (nil when the rules name no price).
    public var resetFees: Money? { resetPrice.map { $0 * Int64(resets) } }
}
