import Foundation
import Testing
import Data
import ProjectX
import Trading
@testable import Live

/// The configured rules against the venue's account, before the first order: one case each.
@Suite("Account rules fit the venue's account")
struct AccountRulesFitTests {
    static func account(_ name: String, _ balance: String, canTrade: Bool = true) -> PXAccount {
        PXAccount(id: 7, name: name, balance: Decimal(string: balance)!, canTrade: canTrade)
    }
    static func combine(_ size: Int) -> RiskRules { RiskRules.topstepCombine(size)! }

    @Test("the size in a TopStepX account name: 50KTC, 100KTC, 150KTC (any case); other names carry none")
    func sizeInName() {
        #expect(AccountRulesFit.sizeInName("150KTC-LOOPBACK-1") == Money(cents: 150_000_00))
        #expect(AccountRulesFit.sizeInName("50ktc-v2-123") == Money(cents: 50_000_00))
        #expect(AccountRulesFit.sizeInName("100KTC") == Money(cents: 100_000_00))
        for name in ["PRAC-V2-12345", "50K-EXPRESS", "KTC-1", "LOOPBACK-1", "", "0KTC-1"] { #expect(AccountRulesFit.sizeInName(name) == nil, "\(name)") }
    }

    @Test("a 150K configuration on a $50,000 account named 50KTC is refused naming both sides and the preset that fits")
    func largerRulesOnSmallerAccount() throws {
        let fit = AccountRulesFit.check(Self.combine(150), against: Self.account("50KTC-LOOPBACK-1", "50000"), source: "live.yaml")
        let refusal = try #require(fit.refusal)
        #expect(refusal.preset == "topstep-150k" && refusal.startingBalance == Money(cents: 150_000_00) && refusal.lowestLevel == Money(cents: 145_500_00))
        #expect(refusal.accountName == "50KTC-LOOPBACK-1" && refusal.balance == Money(cents: 50_000_00) && refusal.sizeInName == Money(cents: 50_000_00))
        #expect(refusal.reasons.count == 2 && refusal.fittingPreset == "topstep-50k" && refusal.exitCode == 65)
        let text = refusal.description
        for piece in ["account.rules topstep-150k, starting balance $150000.00, trailing maximum loss $4500.00 (level never below $145500.00)",
                      "50KTC-LOOPBACK-1 (#7), balance $50000.00, a $50000.00 Combine by its name",
                      "the account's name makes it a $50000.00 Combine, the rules start at $150000.00",
                      "its balance $50000.00 is at or below $145500.00",
                      "set account.rules: topstep-50k in live.yaml (or account.starting_balance: 50000.00"] {
            #expect(text.contains(piece), "\(piece)\n\(text)")
        }
    }

    @Test("a 50K configuration on a 150K account, by its name and by its balance alone, is refused and pointed at topstep-150k")
    func smallerRulesOnLargerAccount() throws {
        let named = try #require(AccountRulesFit.check(Self.combine(50), against: Self.account("150KTC-LOOPBACK-1", "150000")).refusal)
        #expect(named.reasons.count == 2 && named.fittingPreset == "topstep-150k")
        #expect(named.reasons[1].contains("is above $70000.00, 10 maximum losses above the rules' starting balance"))
        let unnamed = try #require(AccountRulesFit.check(Self.combine(50), against: Self.account("PRAC-V2-12345", "150000")).refusal)
        #expect(unnamed.reasons.count == 1 && unnamed.fittingPreset == "topstep-150k" && unnamed.sizeInName == nil)
        // Neighbouring sizes without a name: the balance alone tells them apart both ways.
        #expect(AccountRulesFit.check(Self.combine(100), against: Self.account("PRAC-1", "150000")).refusal?.fittingPreset == "topstep-150k")
        #expect(AccountRulesFit.check(Self.combine(150), against: Self.account("PRAC-1", "100000")).refusal?.fittingPreset == "topstep-100k")
        #expect(AccountRulesFit.check(Self.combine(100), against: Self.account("PRAC-1", "50000")).refusal?.fittingPreset == "topstep-50k")
    }

    @Test("an account weeks into trading fits: below the start by less than the maximum loss, or above it by profit")
    func weeksIn() {
        for balance in ["50000", "48000.01", "49123.45", "51800", "53150", "62000", "70000"] {
            let fit = AccountRulesFit.check(Self.combine(50), against: Self.account("50KTC-V2-1", balance))
            #expect(fit.refusal == nil && fit.warnings.isEmpty, "\(balance)")
        }
        for balance in ["145500.01", "150000", "158000", "195000"] {
            #expect(AccountRulesFit.check(Self.combine(150), against: Self.account("150KTC-V2-1", balance)).refusal == nil, "\(balance)")
        }
    }

    @Test("at or below the lowest maximum-loss level the account has failed under these rules: refused, and told to check it at the venue")
    func failedAccount() throws {
        let refusal = try #require(AccountRulesFit.check(Self.combine(50), against: Self.account("50KTC-V2-1", "48000")).refusal)
        #expect(refusal.reasons == ["its balance $48000.00 is at or below $48000.00, the lowest the rules' maximum-loss level can be: the first mark would breach it"])
        #expect(refusal.fittingPreset == nil && refusal.description.contains("check the account at the venue first"))
        #expect(AccountRulesFit.check(Self.combine(50), against: Self.account("50KTC-V2-1", "70000.01")).refusal != nil)
    }

    @Test("the configured starting balance is what is compared: a 50K preset moved to $52,000 does not fit a 50KTC account")
    func editedStartingBalance() throws {
        let rules = Self.combine(50).rebased(to: Money(cents: 52_000_00))
        let refusal = try #require(AccountRulesFit.check(rules, against: Self.account("50KTC-V2-1", "50500")).refusal)
        #expect(refusal.preset == "topstep-50k" && refusal.reasons == ["the account's name makes it a $50000.00 Combine, the rules start at $52000.00"])
        #expect(refusal.description.contains("set account.starting_balance (and account.max_loss_drawdown) in the configuration to this account's own: it holds $50500.00"))
    }

    @Test("Express Funded Account rules (start $0, the balance is the profit) fit a funded account and not a Combine")
    func expressFunded() throws {
        let xfa = RiskRules(name: "custom", startingBalance: .zero, maxLossDrawdown: Money(cents: 2_000_00), maxLossLockLevel: .zero)
        #expect(AccountRulesFit.check(xfa, against: Self.account("EXPRESS-1", "1250")).refusal == nil)
        #expect(AccountRulesFit.check(xfa, against: Self.account("EXPRESS-1", "-1500")).refusal == nil)
        let onCombine = try #require(AccountRulesFit.check(xfa, against: Self.account("50KTC-V2-1", "50000")).refusal)
        #expect(onCombine.preset == nil && onCombine.reasons.count == 2 && onCombine.fittingPreset == "topstep-50k")
        #expect(onCombine.description.contains("configured: account rules 'custom', starting balance $0.00"))
    }

    @Test("rules without a maximum loss compute nothing from the starting balance: never refused; on a Combine they warn that its limits are the venue's alone")
    func noMaximumLoss() {
        let onCombine = AccountRulesFit.check(.unlimited(), against: Self.account("150KTC-V2-1", "150000"))
        #expect(onCombine.refusal == nil && onCombine.warnings.count == 1 && onCombine.warnings[0].contains("(unlimited) have no maximum loss"))
        let plain = AccountRulesFit.check(.unlimited(), against: Self.account("PRAC-1", "3000"))
        #expect(plain.refusal == nil && plain.warnings.isEmpty)
    }

    @Test("an account the venue says cannot trade is a warning, not a refusal")
    func cannotTrade() {
        let fit = AccountRulesFit.check(Self.combine(50), against: Self.account("50KTC-V2-1", "49000", canTrade: false))
        #expect(fit.refusal == nil && fit.warnings == ["the venue reports account 50KTC-V2-1 cannot trade now (locked for the day, or failed): orders will be refused until it can"])
    }

    @Test("each preset's band holds its own starting balance and neither neighbour's")
    func bandsSeparateSizes() throws {
        let sizes = [50, 100, 150]
        for n in sizes {
            let band = try #require(AccountRulesFit.band(Self.combine(n)))
            for m in sizes {
                let start = Self.combine(m).startingBalance
                #expect((start > band.above && start <= band.upTo) == (m == n), "\(n)K rules, \(m)K balance")
            }
            #expect(AccountRulesFit.presetKey(Self.combine(n)) == "topstep-\(n)k")
            #expect(AccountRulesFit.fittingPreset(accountName: "\(n)KTC-1", balance: Self.combine(n).startingBalance) == "topstep-\(n)k")
        }
        #expect(AccountRulesFit.presetKey(.unlimited()) == "unlimited")
    }
}
