import Data
import ProjectX
import Trading

/// Whether the risk state the store kept for an account can be carried on, decided at start
/// beside `AccountRulesFit`, before the replay and before the first order.
///
/// The store is the source of the high-water mark, the start-of-day balance, the locks and the
/// consistency tally (`LiveRunner.resumeRisk`); the venue reports only the account's balance and
/// whether it can trade (reference: the gateway's account search). Where the two can contradict
/// each other, the runner refuses to start and names both sides, rather than trusting either:
/// - **Other rules.** The state was kept under rules with another name, starting balance,
///   drawdown, lock level or daily loss limit: its mark means something else (a 150K mark on a
///   50K configuration). A state stored before its rules were kept passes with a warning.
/// - **A mark no account under these rules can have**: below the rules' starting balance.
/// - **The balance at or below the stored level.** The account's balance is at or below the
///   maximum-loss level the stored mark sets: the venue would have ended such an account, so
///   it was most likely reset (a new attempt starts a new mark) or the state is another's.
/// - **Ended here, trading there.** The store says the maximum loss ended the account, the
///   venue says it can trade: again most likely a reset.
///
/// The way out is named in the refusal: `--reset-risk-state` starts the risk state afresh from
/// the replay (the stored order tags stay), after the trader has checked the account at the venue.
public enum StoredRiskCheck {
    /// The refusal for `saved` under `rules` on `account`, or nil, and any warnings.
    public static func check(_ saved: RiskState.Snapshot, rules: RiskRules, against account: PXAccount) -> (refusal: StoredRiskMismatch?, warnings: [String]) {
        var reasons: [String] = [], warnings: [String] = []
        let configured = RiskState.RulesKey(rules)
        let state = RiskState(rules: rules, restoring: saved)
        let balance = Money(decimal: account.balance)
        if let kept = saved.rules {
            if kept != configured { reasons.append("it was kept under the rules \(kept), the configuration's are \(configured)") }
        } else {
            warnings.append("the stored risk state of \(account.name) predates stored rules: it is taken as kept under \(configured)")
        }
        if rules.maxLossDrawdown != nil && state.highWaterMark < rules.startingBalance {
            reasons.append("its high-water mark $\(state.highWaterMark) is below the rules' starting balance $\(rules.startingBalance), where no mark under these rules can be")
        }
        if saved.failed {
            if account.canTrade {
                reasons.append("it says the maximum loss ended the account, but the venue reports the account can trade (was it reset?)")
            }
        } else if let level = state.maxLossLevel, balance <= level {
            reasons.append("the account's balance $\(balance) is at or below $\(level), the maximum-loss level its high-water mark $\(state.highWaterMark) sets: the venue would have ended such an account (was it reset?)")
        }
        guard !reasons.isEmpty else { return (nil, warnings) }
        return (StoredRiskMismatch(accountName: account.name, accountID: account.id, balance: balance, storedDay: saved.tradeDay,
                                   highWaterMark: state.highWaterMark, level: state.maxLossLevel, reasons: reasons), warnings)
    }
}

/// The stored risk state contradicts the configured rules or the venue's account
/// (`StoredRiskCheck`): both sides and what to do. The CLI exits 65.
public struct StoredRiskMismatch: Error, CustomStringConvertible, Equatable, Sendable {
    public var accountName: String
    public var accountID: Int
    /// The venue's realised balance.
    public var balance: Money
    /// The trade day (days since 1970-01-01) the state was stored on.
    public var storedDay: Int64
    public var highWaterMark: Money
    /// The maximum-loss level the stored mark sets under the configured rules.
    public var level: Money?
    public var reasons: [String]

    public var exitCode: Int32 { 65 }

    public var description: String {
        """
        the stored risk state does not fit the account; nothing was sent:
          stored:  trade day \(TradeDate(dayNumber: storedDay)), high-water mark $\(highWaterMark)\(level.map { ", maximum-loss level $\($0)" } ?? "")
          account: \(accountName) (#\(accountID)), balance $\(balance)
        \(reasons.map { "  - " + $0 }.joined(separator: "\n"))
          check the account at the venue; to start the risk state afresh from the replay (the order tags stay), run again with --reset-risk-state
        """
    }
}
