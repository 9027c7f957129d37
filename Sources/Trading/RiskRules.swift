import Data

/// Prop-firm account rules as numbers (TopStepX-style; see topstepx-rules in the reference).
/// Every limit is optional so a plain account is `RiskRules(startingBalance:)`.
public struct RiskRules: Hashable, Sendable {
    public var name: String
    public var startingBalance: Money
    /// Trailing maximum loss: the drawdown from the end-of-day high-water mark (2,000 on a 50K
    /// Combine). Equity at or below the level ends the account.
    public var maxLossDrawdown: Money?
    /// The level at which the trailing maximum loss stops trailing (the starting balance).
    public var maxLossLockLevel: Money?
    /// Daily loss limit: day net P&L (realised + unrealised − fees, from the 17:00 CT day start)
    /// at or below −limit flattens and locks the account until the next trading day.
    public var dailyLossLimit: Money?
    /// Maximum open contracts in mini-equivalents across all products (a micro counts 0.1).
    public var maxMiniEquivalents: Double?
    public var profitTarget: Money?
    /// Best day's share of total profit that keeps the plain target (0.55 on the 2026 Combine).
    public var consistencyShare: Double?
    /// Stop trading for the day once the day's profit reaches `consistencyShare × profitTarget`
    /// less `safetyBuffer` (keeps the plain profit target reachable).
    public var consistencyGovernor: Bool
    /// When the daily loss limit is this close, new orders are cut to `reducedQuantity`.
    public var safetyBuffer: Money?
    public var reducedQuantity: Int64
    /// New entries are refused from this time of day on, and everything is flattened at
    /// `flattenTime` (TopStepX requires flat by 15:10 CT; defaults 15:00 and 15:05 CT).
    public var noNewEntriesAfter: LocalTime?
    public var flattenTime: LocalTime?
    /// Trading days (days with at least one fill) a pass needs besides the profit target (none
    /// on the 2026 Combine). Read by `CombineAttempts`.
    public var minimumTradingDays: Int = 0
    /// What a reset after a failed attempt costs (2026 Standard path: $49 / $99 / $199).
    public var resetPrice: Money?

    public init(name: String = "custom", startingBalance: Money, maxLossDrawdown: Money? = nil, maxLossLockLevel: Money? = nil,
                dailyLossLimit: Money? = nil, maxMiniEquivalents: Double? = nil, profitTarget: Money? = nil,
                consistencyShare: Double? = nil, consistencyGovernor: Bool = false, safetyBuffer: Money? = nil,
                reducedQuantity: Int64 = 1, noNewEntriesAfter: LocalTime? = nil, flattenTime: LocalTime? = nil) {
        self.name = name; self.startingBalance = startingBalance; self.maxLossDrawdown = maxLossDrawdown
        self.maxLossLockLevel = maxLossLockLevel; self.dailyLossLimit = dailyLossLimit
        self.maxMiniEquivalents = maxMiniEquivalents; self.profitTarget = profitTarget
        self.consistencyShare = consistencyShare; self.consistencyGovernor = consistencyGovernor
        self.safetyBuffer = safetyBuffer; self.reducedQuantity = reducedQuantity
        self.noNewEntriesAfter = noNewEntriesAfter; self.flattenTime = flattenTime
    }

    /// No prop-firm limits: a plain account with the given balance.
    public static func unlimited(_ balance: Money = Money(cents: 100_000_00)) -> RiskRules {
        RiskRules(name: "unlimited", startingBalance: balance)
    }

    static let cutoff = LocalTime(hour: 15, minute: 0, zone: .chicago)
    static let flatten = LocalTime(hour: 15, minute: 5, zone: .chicago)

    /// TopStepX Trading Combine presets (2026 numbers): 50K, 100K, 150K. `withDailyLossLimit`
    /// adds the optional fixed DLL (2 % of the account size).
    public static func topstepCombine(_ size: Int, withDailyLossLimit: Bool = true) -> RiskRules? {
        let table: [Int: (mll: Int64, dll: Int64, minis: Double, target: Int64, reset: Int64)] = [
            50: (2000, 1000, 5, 3000, 49), 100: (3000, 2000, 10, 6000, 99), 150: (4500, 3000, 15, 9000, 199),
        ]
        guard let t = table[size] else { return nil }
        let start = Money(cents: Int64(size) * 1000 * 100)
        var rules = RiskRules(
            name: "TopStepX \(size)K Combine", startingBalance: start, maxLossDrawdown: Money(cents: t.mll * 100),
            maxLossLockLevel: start, dailyLossLimit: withDailyLossLimit ? Money(cents: t.dll * 100) : nil,
            maxMiniEquivalents: t.minis, profitTarget: Money(cents: t.target * 100), consistencyShare: 0.55,
            safetyBuffer: withDailyLossLimit ? Money(cents: t.dll * 100 / 4) : nil,
            noNewEntriesAfter: cutoff, flattenTime: flatten)
        rules.resetPrice = Money(cents: t.reset * 100)
        return rules
    }

    /// The same rules for an account that starts at `balance`: the starting balance and the
    /// lock level move by the same amount, every distance stays (a fresh Combine attempt opened
    /// on a ledger that carries on, see `RiskState.reopen(at:)`).
    public func rebased(to balance: Money) -> RiskRules {
        var r = self
        let shift = balance - startingBalance
        r.startingBalance = balance
        r.maxLossLockLevel = maxLossLockLevel.map { $0 + shift }
        return r
    }
}

/// The running state of the rules for one account: day start, high-water mark, trailing level,
/// locks, best day. A value type: backtest and live keep one each and persist it.
public struct RiskState: Hashable, Sendable {
    public private(set) var rules: RiskRules
    public private(set) var tradeDay: Int64 = Int64.min
    public private(set) var dayStartBalance: Money
    /// Highest end-of-day balance so far (starts at the starting balance).
    public private(set) var highWaterMark: Money
    public private(set) var maxLossLocked = false
    public private(set) var lockedToday = false
    public private(set) var failed = false
    public private(set) var bestDay: Money = .zero
    public private(set) var dayResults: [Money] = []
    public private(set) var breaches: [RuleBreach] = []

    public init(rules: RiskRules) {
        self.rules = rules
        dayStartBalance = rules.startingBalance
        highWaterMark = rules.startingBalance
    }

    /// What a live runner stores, and reads on every start, to carry the limits across restarts
    /// and days: the trade day, its start-of-day balance, the high-water mark, the locks, the
    /// consistency tally (best day, day results), and the rules they were kept under.
    public struct Snapshot: Codable, Hashable, Sendable {
        public var tradeDay: Int64
        public var dayStartBalanceCents: Int64
        public var highWaterMarkCents: Int64
        public var lockedToday: Bool
        public var failed: Bool
        public var bestDayCents: Int64
        public var dayResultsCents: [Int64]
        /// The rules the state was kept under; nil in rows written before it was stored.
        public var rules: RulesKey?

        public init(tradeDay: Int64, dayStartBalanceCents: Int64, highWaterMarkCents: Int64, lockedToday: Bool, failed: Bool,
                    bestDayCents: Int64, dayResultsCents: [Int64], rules: RulesKey? = nil) {
            self.tradeDay = tradeDay; self.dayStartBalanceCents = dayStartBalanceCents; self.highWaterMarkCents = highWaterMarkCents
            self.lockedToday = lockedToday; self.failed = failed; self.bestDayCents = bestDayCents; self.dayResultsCents = dayResultsCents
            self.rules = rules
        }
    }

    /// The numbers of a rule set that give a stored state its meaning (cents): a high-water mark
    /// kept under one starting balance and drawdown is not a mark under another.
    public struct RulesKey: Codable, Hashable, Sendable, CustomStringConvertible {
        public var name: String
        public var startingBalanceCents: Int64
        public var maxLossDrawdownCents: Int64?
        public var maxLossLockLevelCents: Int64?
        public var dailyLossLimitCents: Int64?

        public init(_ r: RiskRules) {
            name = r.name; startingBalanceCents = r.startingBalance.cents; maxLossDrawdownCents = r.maxLossDrawdown?.cents
            maxLossLockLevelCents = r.maxLossLockLevel?.cents; dailyLossLimitCents = r.dailyLossLimit?.cents
        }

        public var description: String {
            "'\(name)' (starting balance $\(Money(cents: startingBalanceCents)), trailing maximum loss "
                + (maxLossDrawdownCents.map { "$\(Money(cents: $0))" } ?? "none") + ", daily loss limit "
                + (dailyLossLimitCents.map { "$\(Money(cents: $0))" } ?? "none") + ")"
        }
    }

    public var snapshot: Snapshot {
        Snapshot(tradeDay: tradeDay, dayStartBalanceCents: dayStartBalance.cents, highWaterMarkCents: highWaterMark.cents,
                 lockedToday: lockedToday, failed: failed, bestDayCents: bestDay.cents, dayResultsCents: dayResults.map(\.cents),
                 rules: RulesKey(rules))
    }

    /// The state a runner stored (`snapshot`), under the same rules. Breach records are not kept;
    /// the locks they caused are.
    public init(rules: RiskRules, restoring s: Snapshot) {
        self.init(rules: rules)
        tradeDay = s.tradeDay
        dayStartBalance = Money(cents: s.dayStartBalanceCents)
        highWaterMark = Money(cents: s.highWaterMarkCents)
        lockedToday = s.lockedToday
        failed = s.failed
        bestDay = Money(cents: s.bestDayCents)
        dayResults = s.dayResultsCents.map { Money(cents: $0) }
    }

    /// The trailing maximum-loss level now: min(lock level, HWM − drawdown), locked once it
    /// reaches the lock level.
    public var maxLossLevel: Money? {
        guard let d = rules.maxLossDrawdown else { return nil }
        let trailing = highWaterMark - d
        if let lock = rules.maxLossLockLevel { return min(lock, trailing) }
        return trailing
    }

    /// Equity at or below which the daily loss limit triggers today.
    public var dailyLossLevel: Money? { rules.dailyLossLimit.map { dayStartBalance - $0 } }

    /// The higher of the two breach levels (equity ≤ level breaches), and which rule it is.
    public var breachLevel: (Money, RuleBreach.Rule)? {
        switch (dailyLossLevel, maxLossLevel) {
        case let (d?, m?): return d > m ? (d, .dailyLossLimit) : (m, .maxLossLimit)
        case let (d?, nil): return (d, .dailyLossLimit)
        case let (nil, m?): return (m, .maxLossLimit)
        default: return nil
        }
    }

    /// True when new risk is refused (daily lock or failed account).
    public var isLocked: Bool { lockedToday || failed }

    /// The stored state carried forward to trade day `day`: each later day's start-of-day balance
    /// in `dayStarts` (trade day → balance at its start, as the venue's fills give it) ends the
    /// day before it, so the high-water mark and the best day take every end-of-day balance
    /// since the store's day, never a replay's restart from the starting balance. Days at or
    /// before the stored day are ignored. Days between the stored one and the first given are
    /// not known one by one: their change falls on the stored day (see `LiveRunner.resumeRisk`).
    public init(rules: RiskRules, restoring s: Snapshot, through day: Int64, dayStarts: [Int64: Money]) {
        self.init(rules: rules, restoring: s)
        for (d, balance) in dayStarts.sorted(by: { $0.key < $1.key }) where d > s.tradeDay && d <= day { startDay(d, balance: balance) }
    }

    /// Moves to a new trading day: the previous day's closing balance updates the high-water mark
    /// and the best day, and the daily lock lifts. Idempotent for the same day.
    public mutating func startDay(_ day: Int64, balance: Money) {
        guard day != tradeDay else { return }
        if tradeDay != Int64.min {
            let result = balance - dayStartBalance
            dayResults.append(result)
            bestDay = max(bestDay, result)
            highWaterMark = max(highWaterMark, balance)
        }
        tradeDay = day
        dayStartBalance = balance
        lockedToday = false
    }

    /// A fresh account under the same rules, started at `balance` for trade day `day` (the next
    /// Combine attempt, `CombineAttempts`): the rules are rebased to `balance`, so the high-water
    /// mark, the trailing level, the best day and the day results start over and the locks
    /// lift. The breach records stay: they are the run's history.
    public mutating func reopen(at balance: Money, day: Int64) {
        let kept = breaches
        self = RiskState(rules: rules.rebased(to: balance))
        breaches = kept
        tradeDay = day
    }

    /// Records a breach at equity `equity`; locks the day or fails the account.
    public mutating func breach(_ rule: RuleBreach.Rule, at time: Timestamp, equity: Money, limit: Money, detail: String) {
        switch rule {
        case .dailyLossLimit: lockedToday = true
        case .maxLossLimit: failed = true; lockedToday = true
        case .consistency: lockedToday = true
        default: break
        }
        breaches.append(RuleBreach(rule: rule, time: time, value: equity, limit: limit, detail: detail))
    }

    /// The loss limits, enforced: when `equity` is at or below the breach level (and the limit
    /// has not already locked the account for it), records the breach (locking the day or ending
    /// the account) and returns it; the broker then cancels everything and closes the positions
    /// (`lossLimitReason`). The simulated exchange calls it at the price inside a bar where equity
    /// meets the level; the live broker on each traded price.
    public mutating func enforceLossLimits(equity: Money, at time: Timestamp) -> RuleBreach? {
        guard !failed, let (level, rule) = breachLevel, equity <= level else { return nil }
        if rule == .dailyLossLimit && lockedToday { return nil }
        breach(rule, at: time, equity: equity, limit: level,
               detail: "equity \(equity) met the \(rule) level \(level); flattened and \(rule == .maxLossLimit ? "account ended" : "locked until the next trading day")")
        return breaches.last
    }

    /// The flatten reason of a loss-limit breach (trade lists and reports show it).
    public static func lossLimitReason(_ rule: RuleBreach.Rule) -> String {
        rule == .maxLossLimit ? "max_loss_limit" : "daily_loss_limit"
    }

    /// The consistency governor, enforced: when it is on and the day's profit (`equity` less the
    /// start-of-day balance) reaches its stop, records the breach that ends trading for the day
    /// and returns it; the broker then flattens (reason `consistency`). Checked after every fill,
    /// in the simulated exchange and live alike.
    public mutating func enforceConsistency(equity: Money, at time: Timestamp) -> RuleBreach? {
        guard rules.consistencyGovernor, !lockedToday, consistencyStopReached(dayPnL: equity - dayStartBalance) else { return nil }
        breach(.consistency, at: time, equity: equity, limit: rules.profitTarget ?? .zero,
               detail: "the day's profit reached the consistency stop; flat for the day")
        return breaches.last
    }

    /// Refusal for a new order that adds risk, or nil. `exposureAfter` is the account's open
    /// mini-equivalents if the order filled; `tradeDate` the session `time` belongs to.
    public func check(addsRisk: Bool, exposureAfter: Double, at time: Timestamp, tradeDate: TradeDate) -> RejectReason? {
        if failed { return .riskRule(.maxLossLimit, "the account breached its maximum loss limit; no further orders") }
        guard addsRisk else { return nil }
        if lockedToday {
            let rule = breaches.last?.rule ?? .dailyLossLimit
            return .riskRule(rule, "trading is locked for the rest of the day")
        }
        if let maxSize = rules.maxMiniEquivalents, exposureAfter > maxSize + 1e-9 {
            return .sizeAboveLimit(requested: exposureAfter, limit: maxSize)
        }
        if let cutoff = rules.noNewEntriesAfter, time >= cutoff.instant(on: tradeDate) {
            return .riskRule(.endOfDay, "no new entries after \(cutoff)")
        }
        return nil
    }

    /// The quantity allowed for a new entry: cut to `reducedQuantity` when the daily loss limit
    /// is within the safety buffer (the seed's "approaching DLL").
    public func allowedQuantity(_ q: Int64, equity: Money) -> Int64 {
        guard let buffer = rules.safetyBuffer, let level = dailyLossLevel else { return q }
        return equity - level <= buffer ? min(q, rules.reducedQuantity) : q
    }

    /// Whether today's profit has reached the consistency governor's stop.
    public func consistencyStopReached(dayPnL: Money) -> Bool {
        guard rules.consistencyGovernor, let share = rules.consistencyShare, let target = rules.profitTarget else { return false }
        let cap = Int64((Double(target.cents) * share).rounded(.down)) - (rules.safetyBuffer?.cents ?? 0)
        return dayPnL.cents >= cap
    }

    /// Consistency now: best day ÷ total profit, and the target it implies (target or
    /// bestDay / share, whichever is larger).
    public func consistency(balance: Money) -> (share: Double?, effectiveTarget: Money?) {
        let total = balance - rules.startingBalance
        let share = total.cents > 0 ? Double(bestDay.cents) / Double(total.cents) : nil
        guard let target = rules.profitTarget, let s = rules.consistencyShare else { return (share, nil) }
        return (share, max(target, Money(cents: Int64((Double(bestDay.cents) / s).rounded(.up)))))
    }
}
