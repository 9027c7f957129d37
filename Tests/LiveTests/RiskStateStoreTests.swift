import Data
import Foundation
import ProjectX
import Store
import Testing
import Trading
import TSXLabTesting
@testable import Live

/// The risk state the live runner keeps in the store and reads on every start: its round trip on
/// every store back end, its carrying forward across days, and the checks against the rules and
/// the venue's account (`StoredRiskCheck`).
@Suite("Live risk state: stored, carried across days, checked against the account")
struct RiskStateStoreTests {
    static let rules = RiskRules.topstepCombine(50)!
    static func day(_ date: String) -> Int64 { SessionCalendar.cmeEquityIndex.tradeDayNumber(containing: Timestamp(iso8601: date + "T15:00:00Z")!.seconds) }

    /// 50K rules: a day at $50,000, a day that closed at $51,990 (the mark), then a day locked by
    /// the daily loss limit.
    static func state() -> RiskState {
        var r = RiskState(rules: rules)
        r.startDay(day("2013-10-07"), balance: Money(cents: 50_000_00))
        r.startDay(day("2013-10-08"), balance: Money(cents: 51_990_00))
        r.breach(.dailyLossLimit, at: Timestamp(iso8601: "2013-10-08T16:00:00Z")!, equity: Money(cents: 50_990_00),
                 limit: Money(cents: 50_990_00), detail: "test")
        return r
    }

    static func account(balance: Decimal, canTrade: Bool = true) -> PXAccount {
        PXAccount(id: 1, name: "50KTC-LOOPBACK-1", balance: balance, canTrade: canTrade)
    }

    @Test("the high-water mark, day start, locks, consistency tally and the rules they were kept under round-trip through the store",
          arguments: StoreKind.available)
    func roundTrip(kind: StoreKind) throws {
        let made = try kind.make()
        let db = try #require(made.store as? any SQLDatabase)
        let r = Self.state()
        try LiveStateStore(db: db, account: "7").save(tagPrefix: "tsx-abc", nextLocalID: 12, risk: r,
                                                      account: AccountSnapshot(balance: Money(cents: 51_000_00), equity: Money(cents: 51_000_00), risk: r),
                                                      at: Timestamp(iso8601: "2013-10-08T16:00:00Z")!)
        // Read through a new connection, as a restarted process reads it.
        let again = try #require(try made.reopen() as? any SQLDatabase)
        let saved = try #require(try LiveStateStore(db: again, account: "7").load())
        #expect(saved.tagPrefix == "tsx-abc" && saved.nextLocalID == 12 && saved.tradeDay == Self.day("2013-10-08"))
        #expect(saved.risk == r.snapshot && saved.risk.rules == RiskState.RulesKey(Self.rules))
        let back = RiskState(rules: Self.rules, restoring: saved.risk)
        #expect(back.highWaterMark == Money(cents: 51_990_00) && back.dayStartBalance == Money(cents: 51_990_00))
        #expect(back.maxLossLevel == Money(cents: 49_990_00) && back.lockedToday && !back.failed)
        #expect(back.bestDay == Money(cents: 1_990_00) && back.dayResults == [Money(cents: 1_990_00)])
        #expect(try LiveStateStore(db: again, account: "8").load() == nil)
    }

    @Test("a row written before the rules were stored still reads (rules unknown); an unreadable one stops the start instead of guessing",
          arguments: StoreKind.available)
    func olderAndBrokenRows(kind: StoreKind) throws {
        let db = try #require(try kind.make().store as? any SQLDatabase)
        let store = LiveStateStore(db: db, account: "1")
        let old = #"{"tradeDay":15986,"dayStartBalanceCents":5000000,"highWaterMarkCents":5100000,"lockedToday":false,"failed":false,"bestDayCents":0,"dayResultsCents":[]}"#
        let snapshot = AccountStateRow(balance: "50000.00", dailyLossRemaining: nil, maxLossRemaining: nil)
        try store.tables.save(LiveRunnerStateRow(tagPrefix: "p", nextLocalID: 1, tradeDay: 15986, riskJSON: old), account: snapshot, at: "2013-10-08T16:00:00Z")
        let saved = try #require(try store.load())
        #expect(saved.risk.rules == nil && saved.risk.highWaterMarkCents == 51_000_00)
        try store.tables.save(LiveRunnerStateRow(tagPrefix: "p", nextLocalID: 1, tradeDay: 15986, riskJSON: "{not json"), account: snapshot, at: "2013-10-08T16:01:00Z")
        #expect(throws: LiveStateUnreadable.self) { try store.load() }
    }

    @Test("carried forward to a day three weeks on, the stored mark stays and only the days after the stored one roll")
    func carriedAcrossDays() {
        let stored = Self.state().snapshot
        let today = Self.day("2013-10-29")
        // The replay saw 2013-10-07 (before the stored day: ignored) and 2013-10-29 begin.
        let r = RiskState(rules: Self.rules, restoring: stored, through: today,
                          dayStarts: [Self.day("2013-10-07"): Money(cents: 50_000_00), today: Money(cents: 50_000_00)])
        #expect(r.tradeDay == today && r.dayStartBalance == Money(cents: 50_000_00))
        #expect(r.highWaterMark == Money(cents: 51_990_00) && r.maxLossLevel == Money(cents: 49_990_00))
        #expect(!r.lockedToday && r.bestDay == Money(cents: 1_990_00) && r.dayResults == [Money(cents: 1_990_00), Money(cents: -1_990_00)])
        // A later end-of-day peak raises the mark.
        let up = RiskState(rules: Self.rules, restoring: stored, through: today,
                           dayStarts: [Self.day("2013-10-09"): Money(cents: 52_500_00), today: Money(cents: 51_000_00)])
        #expect(up.highWaterMark == Money(cents: 52_500_00) && up.maxLossLevel == Money(cents: 50_000_00))
        // The same day: the stored state as it was.
        let same = RiskState(rules: Self.rules, restoring: stored, through: stored.tradeDay, dayStarts: [:])
        #expect(same.snapshot == stored)
    }

    @Test("a stored state that fits the rules and the account is carried on; one from other rules, with a balance at its level, or ended here but trading there is refused naming both sides")
    func checkedAgainstTheAccount() throws {
        let stored = Self.state().snapshot
        #expect(StoredRiskCheck.check(stored, rules: Self.rules, against: Self.account(balance: 50_000)).refusal == nil)
        // Kept under 150K rules: its mark means nothing under 50K ones.
        var other = RiskState(rules: RiskRules.topstepCombine(150)!)
        other.startDay(Self.day("2013-10-07"), balance: Money(cents: 150_000_00))
        let fromOther = try #require(StoredRiskCheck.check(other.snapshot, rules: Self.rules, against: Self.account(balance: 50_000)).refusal)
        #expect(fromOther.reasons.contains { $0.contains("TopStepX 150K Combine") && $0.contains("TopStepX 50K Combine") })
        #expect(fromOther.description.contains("--reset-risk-state") && fromOther.description.contains("50KTC-LOOPBACK-1 (#1), balance $50000.00"))
        // At the level its mark sets ($49,990): the venue would have ended the account.
        let atLevel = try #require(StoredRiskCheck.check(stored, rules: Self.rules, against: Self.account(balance: 49_990)).refusal)
        #expect(atLevel.level == Money(cents: 49_990_00) && atLevel.reasons.count == 1 && atLevel.reasons[0].contains("at or below $49990.00"))
        // Ended by the maximum loss here, able to trade at the venue.
        var ended = Self.state()
        ended.breach(.maxLossLimit, at: Timestamp(iso8601: "2013-10-08T17:00:00Z")!, equity: Money(cents: 49_990_00), limit: Money(cents: 49_990_00), detail: "test")
        #expect(StoredRiskCheck.check(ended.snapshot, rules: Self.rules, against: Self.account(balance: 50_000)).refusal != nil)
        #expect(StoredRiskCheck.check(ended.snapshot, rules: Self.rules, against: Self.account(balance: 49_990, canTrade: false)).refusal == nil)
        // A row from before the rules were stored: a warning, not a refusal.
        var legacy = stored
        legacy.rules = nil
        let checked = StoredRiskCheck.check(legacy, rules: Self.rules, against: Self.account(balance: 50_000))
        #expect(checked.refusal == nil && checked.warnings.count == 1)
    }
}
