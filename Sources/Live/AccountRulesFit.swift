import Data
import ProjectX
import Trading

/// Whether a configuration's account rules fit the venue's account, decided before the first
/// order: a `topstep-150k` configuration on a $50,000 account would take its maximum-loss level
/// ($145,500) for the account's and "breach" it at the first fill.
///
/// The rule, for rules with a trailing maximum loss (drawdown D from starting balance S):
/// - **Size by name.** TopStepX names a Combine with its size (`50KTC-…`, `150KTC-…`, reference
///   §4.1). Where the name carries one, it must equal S.
/// - **Balance in the band (S − D, S + 10·D].** The maximum-loss level trails the end-of-day
///   high-water mark (never below S) and locks at S, so under these rules it is never below
///   S − D (nor below the lock level, if that is set lower): a balance at or below it is an
///   account these rules call failed. A trader weeks into the account may be anywhere above
///   it: below S by up to D, or above S by profit, which ten maximum losses bound generously
///   (five to seven profit targets of a Combine; $20,000 on a 50K Express Funded Account, whose
///   balance is its profit). The band separates the Combine sizes: 50K rules accept up to
///   $70,000, 100K rules up to $130,000, and neither accepts the next size up, whose balance is
///   also below the larger rules' band.
///
/// The balance is the venue's realised balance, today's closed trades included, so a loss taken
/// earlier today counts against the band as it counts against the level.
///
/// Rules without a maximum loss compute nothing from the starting balance (the live ledger
/// starts at the account's balance), so they are not refused; on an account whose name gives a
/// size they warn that the venue's limit is not watched.
///
/// The venue's account search reports no limits of its own beyond the size in the name and
/// `canTrade`; an account that cannot trade now (locked for the day, or failed) is a warning.
public struct AccountRulesFit: Sendable, Equatable {
    /// Set when the rules do not fit: the runner must not start.
    public var refusal: AccountRulesMismatch?
    /// Worth saying, not worth refusing.
    public var warnings: [String] = []

    /// How far above the starting balance a balance may lie, in maximum losses.
    public static let maxLossesAboveStart: Int64 = 10

    /// The Combine size a TopStepX account name carries (`150KTC-…` → $150,000), or nil.
    public static func sizeInName(_ name: String) -> Money? {
        let digits = name.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, name.dropFirst(digits.count).uppercased().hasPrefix("KTC"), let k = Int64(digits), k > 0, k < 100_000 else { return nil }
        return Money(cents: k * 1000 * 100)
    }

    /// The balances rules with a maximum loss accept: above the lowest maximum-loss level, up to
    /// `maxLossesAboveStart` drawdowns above the starting balance. Nil without a maximum loss.
    public static func band(_ rules: RiskRules) -> (above: Money, upTo: Money)? {
        guard let d = rules.maxLossDrawdown else { return nil }
        let lowest = rules.maxLossLockLevel.map { min($0, rules.startingBalance - d) } ?? rules.startingBalance - d
        return (lowest, rules.startingBalance + Money(cents: d.cents * maxLossesAboveStart))
    }

    /// The configuration's `account.rules` preset these rules came from (`topstep-150k`), or nil.
    public static func presetKey(_ rules: RiskRules) -> String? {
        if rules.name == RiskRules.unlimited().name { return "unlimited" }
        for size in [50, 100, 150] where RiskRules.topstepCombine(size)?.name == rules.name { return "topstep-\(size)k" }
        return nil
    }

    /// The TopStepX preset whose rules fit an account with this name and balance, or nil.
    public static func fittingPreset(accountName: String, balance: Money) -> String? {
        let size = sizeInName(accountName)
        for n in [50, 100, 150] {
            guard let r = RiskRules.topstepCombine(n), let b = band(r) else { continue }
            if let size, size != r.startingBalance { continue }
            if balance > b.above && balance <= b.upTo { return "topstep-\(n)k" }
        }
        return nil
    }

    /// The rules checked against the account (see the type's rule).
    public static func check(_ rules: RiskRules, against account: PXAccount, source: String? = nil) -> AccountRulesFit {
        var fit = AccountRulesFit()
        let balance = Money(decimal: account.balance)
        let size = sizeInName(account.name)
        if !account.canTrade {
            fit.warnings.append("the venue reports account \(account.name) cannot trade now (locked for the day, or failed): orders will be refused until it can")
        }
        guard let band = band(rules), let d = rules.maxLossDrawdown else {
            if let size {
                fit.warnings.append("the rules (\(presetKey(rules) ?? rules.name)) have no maximum loss, but \(account.name) is a $\(size) Combine by its name: its limits are the venue's alone, the runner does not watch them")
            }
            return fit
        }
        var reasons: [String] = []
        if let size, size != rules.startingBalance {
            reasons.append("the account's name makes it a $\(size) Combine, the rules start at $\(rules.startingBalance)")
        }
        if balance <= band.above {
            reasons.append("its balance $\(balance) is at or below $\(band.above), the lowest the rules' maximum-loss level can be: the first mark would breach it")
        } else if balance > band.upTo {
            reasons.append("its balance $\(balance) is above $\(band.upTo), \(maxLossesAboveStart) maximum losses above the rules' starting balance: more than trading on a $\(rules.startingBalance) account makes")
        }
        guard !reasons.isEmpty else { return fit }
        fit.refusal = AccountRulesMismatch(
            source: source, preset: presetKey(rules), rulesName: rules.name, startingBalance: rules.startingBalance, maxLossDrawdown: d,
            lowestLevel: band.above, accountName: account.name, accountID: account.id, balance: balance, sizeInName: size, reasons: reasons,
            fittingPreset: fittingPreset(accountName: account.name, balance: balance))
        return fit
    }
}

/// The configured account rules do not fit the venue's account (`AccountRulesFit`): both sides
/// and what to change. The CLI exits 65 (the configuration does not fit the data).
public struct AccountRulesMismatch: Error, CustomStringConvertible, Equatable, Sendable {
    /// The configuration file, when known.
    public var source: String?
    /// `account.rules` as written (`topstep-150k`), when the rules are a preset.
    public var preset: String?
    public var rulesName: String
    public var startingBalance: Money
    public var maxLossDrawdown: Money
    /// The lowest the trailing maximum-loss level can be under these rules.
    public var lowestLevel: Money
    public var accountName: String
    public var accountID: Int
    /// The venue's realised balance.
    public var balance: Money
    /// The Combine size the account's name carries.
    public var sizeInName: Money?
    public var reasons: [String]
    /// The TopStepX preset that fits the account, if one does.
    public var fittingPreset: String?

    public var exitCode: Int32 { 65 }

    public var description: String {
        let rules = preset.map { "account.rules \($0)" } ?? "account rules '\(rulesName)'"
        let change: String
        if let p = fittingPreset, p != preset {
            let start = RiskRules.topstepCombine(Int(p.dropFirst(8).dropLast()) ?? 0)?.startingBalance
            change = "set account.rules: \(p) in \(source ?? "the configuration")" + (start.map { " (or account.starting_balance: \($0) with this account's own limits)" } ?? "")
        } else if balance <= lowestLevel && (sizeInName == nil || sizeInName == startingBalance) {
            change = "check the account at the venue first: under these rules it has met its maximum loss (reset it, or trade another account with --account)"
        } else {
            change = "set account.starting_balance (and account.max_loss_drawdown) in \(source ?? "the configuration") to this account's own: it holds $\(balance)"
        }
        return """
            the configured rules do not fit the account; nothing was sent:
              configured: \(rules), starting balance $\(startingBalance), trailing maximum loss $\(maxLossDrawdown) (level never below $\(lowestLevel))
              account:    \(accountName) (#\(accountID)), balance $\(balance)\(sizeInName.map { ", a $\($0) Combine by its name" } ?? "")
            \(reasons.map { "  - " + $0 }.joined(separator: "\n"))
              to trade it, \(change)
            """
    }
}
