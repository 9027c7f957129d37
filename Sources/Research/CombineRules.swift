import Data

/// A prop firm's evaluation (a "Combine") as numbers: what passes it, what fails it, what a
/// reset costs, and optionally the funded account that follows. Read from a YAML rules file
/// (`CombineRules+YAML.swift`); the TopStepX presets ship as such files (`Rules/*.yaml`).
///
/// Amounts are dollars. Every level compares with "at or below": equity equal to the maximum
/// loss level fails the account, a day's net P&L equal to −`dailyLossLimit` stops the day.
public struct CombineRules: Hashable, Sendable {
    /// What the maximum loss level trails.
    public enum MaxLossBasis: String, Hashable, Sendable, CaseIterable {
        /// A fixed level: start balance − max loss.
        case `static`
        /// Trails the highest end-of-day balance (TopStepX): intraday highs do not move it.
        case eod
        /// Trails the highest equity seen, open P&L included.
        case intraday
    }

    /// Where the trailing level stops.
    public enum MaxLossLock: String, Hashable, Sendable, CaseIterable {
        /// The level never rises above the start balance (TopStepX: locks at 50,000 on a 50K).
        case startBalance = "start_balance"
        /// The level keeps trailing.
        case none
    }

    /// The funded account after a pass (TopStepX's Express Funded Account). Read and checked;
    /// the pass probability does not simulate it.
    public struct Funded: Hashable, Sendable {
        public var startBalance: Money
        public var maxLoss: Money
        public var maxLossBasis: MaxLossBasis
        public var maxLossLock: MaxLossLock
        public var dailyLossLimit: Money?
        /// Winning days (net at least `payoutWinningDay`) needed before a payout request.
        public var payoutWinningDays: Int
        public var payoutWinningDay: Money
        /// Largest single payout, and the share of the balance one may take.
        public var payoutCap: Money
        public var payoutShare: Double

        public init(startBalance: Money, maxLoss: Money, maxLossBasis: MaxLossBasis, maxLossLock: MaxLossLock,
                    dailyLossLimit: Money?, payoutWinningDays: Int, payoutWinningDay: Money, payoutCap: Money, payoutShare: Double) {
            self.startBalance = startBalance; self.maxLoss = maxLoss; self.maxLossBasis = maxLossBasis
            self.maxLossLock = maxLossLock; self.dailyLossLimit = dailyLossLimit; self.payoutWinningDays = payoutWinningDays
            self.payoutWinningDay = payoutWinningDay; self.payoutCap = payoutCap; self.payoutShare = payoutShare
        }
    }

    /// The file or preset the rules came from (for reports).
    public var name: String
    public var startBalance: Money
    /// Total profit that passes (raised by `consistencyShare`, see `requiredProfit(bestDay:)`).
    public var profitTarget: Money
    /// A day's net P&L at or below −limit flattens the account for the rest of the day; not a failure.
    public var dailyLossLimit: Money?
    /// Distance of the maximum loss level below its reference (start balance or high-water mark).
    public var maxLoss: Money
    public var maxLossBasis: MaxLossBasis
    public var maxLossLock: MaxLossLock
    /// Best day's largest share of the total profit at a pass (0.55 on the 2026 Combine).
    public var consistencyShare: Double?
    /// Trading days (days with at least one trade) needed before a pass.
    public var minDays: Int
    /// Dollars a reset after a failure costs.
    public var resetPrice: Money
    public var funded: Funded?

    public init(name: String, startBalance: Money, profitTarget: Money, dailyLossLimit: Money?, maxLoss: Money,
                maxLossBasis: MaxLossBasis, maxLossLock: MaxLossLock, consistencyShare: Double?, minDays: Int,
                resetPrice: Money, funded: Funded? = nil) {
        self.name = name; self.startBalance = startBalance; self.profitTarget = profitTarget
        self.dailyLossLimit = dailyLossLimit; self.maxLoss = maxLoss; self.maxLossBasis = maxLossBasis
        self.maxLossLock = maxLossLock; self.consistencyShare = consistencyShare; self.minDays = minDays
        self.resetPrice = resetPrice; self.funded = funded
    }

    /// Profit needed to pass given the best day so far: the target, or bestDay ÷ share when the
    /// best day is too large a part of it (TopStepX: a $1,800 best day makes a 50K need $3,272.73).
    public func requiredProfit(bestDay: Money) -> Double {
        let target = profitTarget.dollars
        guard let share = consistencyShare else { return target }
        return max(target, bestDay.dollars / share)
    }
}
