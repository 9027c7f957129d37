import Foundation
import Testing
import Data
import Trading
import Backtest
import Strategies
import ProjectX
import TSXLabTesting
@testable import Live

extension LiveHarness {
    /// Plays bars until the tape reaches `time` (exclusive).
    func play(until time: String) async throws {
        let t = Timestamp(iso8601: time)!.seconds
        let played = await runner.stats.barsProcessed
        let n = (0..<tape.count).filter { tape.time[$0] < t }.count - played
        try await play(max(0, n))
    }

    /// Plays the rest of the tape.
    func playToEnd() async throws {
        try await play(tape.count - (await runner.stats.barsProcessed))
    }
}

@Suite("Live runner under faults, over real sockets", .serialized)
struct LiveFaultTests {
    static let tape = { try! LiveParityTests.esz13(through: "2013-10-12T00:00:00Z") }()

    @Test("sockets dropped and the gateway restarted while a bracket works and its target fills: reconnect, renew, reconcile; the fill is booked once, the exits stay linked, the trades equal the backtest's")
    func dropDuringFill() async throws {
        let expected = try LiveParityTests.backtest(Self.tape, try LiveParityTests.overnight()).trades.map(TradeKey.init)
        let live = try await LiveHarness.make(tape: Self.tape, strategies: [try LiveParityTests.overnight()])
        // 2013-10-10: long from 13:30Z, target filled at 14:36Z.
        try await live.play(until: "2013-10-10T14:00:00Z")
        let working = live.broker.openOrders()
        #expect(working.count == 2 && working.allSatisfy { $0.parent != nil })
        // The gateway restarts: sockets dropped, tokens forgotten, hubs refused for a second. The
        // tape moves on meanwhile, through the target's fill.
        _ = try await live.gw.post("/_gateway/faults", ["restart": true, "downMs": 1500])
        let gap = (0..<Self.tape.count).filter { Self.tape.time[$0] >= Timestamp(iso8601: "2013-10-10T14:00:00Z")!.seconds
            && Self.tape.time[$0] < Timestamp(iso8601: "2013-10-10T14:40:00Z")!.seconds }.count
        _ = try await live.gw.post("/_gateway/step", ["bars": gap])
        // Back: the runner reconnects with a new token, reconciles and backfills the missed bars.
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while await live.runner.stats.barsProcessed < (0..<Self.tape.count).filter({ Self.tape.time[$0] < Timestamp(iso8601: "2013-10-10T14:39:00Z")!.seconds }).count {
            guard Date() < deadline else { Issue.record("the runner did not catch up"); break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await live.settle { live.broker.tradesSeen >= 2 }
        #expect(await live.runner.stats.reconnects >= 2)
        #expect(await live.client.renewals >= 2)
        #expect(live.broker.tradesSeen == 2)
        #expect(live.broker.openOrders().isEmpty)
        let entry = try #require(live.broker.allOrders.first { $0.parent == nil && $0.status == .filled })
        let exits = live.broker.allOrders.filter { $0.parent == entry.id }
        #expect(exits.count == 2)
        #expect(exits.filter { $0.status == .filled }.count == 1 && exits.filter { $0.status == .cancelled }.count == 1)
        try await live.playToEnd()
        let got = live.broker.ledger.trades.map(TradeKey.init)
        await live.stop()
        #expect(got == expected)
    }

    @Test("a runner killed mid-day and started again replays the day, finds its orders by tag, keeps the same limits and sends no order twice")
    func killAndRestart() async throws {
        let expected = try LiveParityTests.backtest(Self.tape, try LiveParityTests.overnight()).trades.map(TradeKey.init)
        let dir = TestEnvironment.temporaryDirectory("live-state")
        let store = try StoreURL.open("sqlite:\(dir)/state.db")
        let db = try #require(store as? any SQLDatabase)
        let state = LiveStateStore(db: db, account: "1")
        let first = try await LiveHarness.make(tape: Self.tape, strategies: [try LiveParityTests.overnight()], tagPrefix: "run7", state: state)
        // Killed while the 2013-10-11 entry works, after the 2013-10-10 trade.
        try await first.play(until: "2013-10-11T14:10:00Z")
        let before = first.broker.account
        let placedBefore = try first.gw.state()["place"] as? Int ?? 0
        #expect(first.broker.openOrders().count == 2)
        await first.runner.kill()

        let saved = try #require(try state.load())
        #expect(saved.tagPrefix == "run7")
        let second = try await LiveHarness.resume(first, strategies: [try LiveParityTests.overnight()], state: state, saved: saved)
        let after = second.broker.account
        #expect(after.balance == before.balance && after.dayStartBalance == before.dayStartBalance)
        #expect(after.maxLossLevel == before.maxLossLevel && after.dailyLossRemaining == before.dailyLossRemaining)
        #expect(second.broker.openOrders().count == 2)
        #expect(try second.gw.state()["place"] as? Int == placedBefore)
        try await second.playToEnd()
        let got = second.broker.ledger.trades.map(TradeKey.init)
        let placedTotal = try second.gw.state()["place"] as? Int ?? 0
        await second.stop()
        #expect(got == expected)
        let entries = try LiveParityTests.backtest(Self.tape, try LiveParityTests.overnight()).orders.filter { $0.parent == nil && $0.request.purpose == .entry }
        #expect(placedTotal == entries.count)
        let sent = try state.orders()
        #expect(Set(sent.map(\.tag)).count == sent.count && sent.allSatisfy { $0.status == "accepted" && $0.gatewayID != nil })
    }

    @Test("a day that breaches the daily loss limit is flattened at the limit and refuses further orders, as in the backtest")
    func dailyLossLimit() async throws {
        var rules = LiveHarness.rules
        rules.dailyLossLimit = Money(cents: 100_00)
        rules.safetyBuffer = nil
        let overrides = ["atr_multiplier_sl": "0.1"]
        let result = try LiveParityTests.backtest(Self.tape, try LiveParityTests.overnight(overrides), rules: rules)
        let expected = result.trades.map(TradeKey.init)
        #expect(result.breaches.contains { $0.rule == .dailyLossLimit })
        #expect(expected.contains { $0.reason == "daily_loss_limit" })
        let live = try await LiveHarness.make(tape: Self.tape, strategies: [try LiveParityTests.overnight(overrides)],
                                              gatewayArgs: ["--daily-loss-limit", "100"], rules: rules)
        try await live.playToEnd()
        let got = live.broker.ledger.trades.map(TradeKey.init)
        #expect(got == expected)
        #expect(live.broker.risk.breaches.contains { $0.rule == .dailyLossLimit })
        #expect(live.broker.risk.lockedToday)
        #expect(await live.runner.stats.halted?.hasPrefix("daily loss limit") == true)
        let refused = live.broker.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market))
        if case .rejected(.riskRule(.dailyLossLimit, _)) = refused {} else { Issue.record("a new order after the breach was not refused by the daily loss limit: \(refused)") }
        await live.stop()
    }

    @Test("a day on which the consistency governor stops trading gives the same trades and breaches live against the loopback gateway as in the backtest")
    func consistencyGovernorParity() async throws {
        var rules = LiveHarness.rules
        // A small target so the week's best day (+333.72 on 2013-10-10) reaches the stop of
        // 0.55 × 400 = 220.
        rules.profitTarget = Money(cents: 400_00)
        rules.consistencyGovernor = true
        rules.safetyBuffer = nil
        let (result, live) = try await Self.playBoth(rules: rules)
        #expect(result.breaches.contains { $0.rule == .consistency }, "the fixture must reach the governor's stop")
        await live.stop()
    }

    @Test("a day that meets the trailing maximum loss gives the same trades and breaches live against the loopback gateway as in the backtest, and the account refuses orders after it")
    func trailingMaxLossParity() async throws {
        var rules = LiveHarness.rules
        // A drawdown of 100 from the end-of-day high-water mark, trailing without a lock: after the
        // winning 2013-10-10 (+333.72) the level is 50,233.72, which the next day's loss meets.
        rules.maxLossDrawdown = Money(cents: 100_00)
        rules.maxLossLockLevel = nil
        rules.dailyLossLimit = nil
        rules.safetyBuffer = nil
        // The venue enforces the same limit (TopStepX liquidates at the level itself).
        let (result, live) = try await Self.playBoth(rules: rules, overrides: ["atr_multiplier_sl": "0.1"],
                                                     gatewayArgs: ["--max-loss", "100", "--max-loss-lock", "none"])
        #expect(result.breaches.contains { $0.rule == .maxLossLimit }, "the fixture must meet the maximum loss limit")
        #expect(result.trades.contains { $0.exitReason == "max_loss_limit" })
        #expect(live.broker.risk.failed)
        let refused = live.broker.place(OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market))
        if case .rejected(.riskRule(.maxLossLimit, _)) = refused {} else { Issue.record("an order after the breach was not refused: \(refused)") }
        await live.stop()
    }

    /// The tape backtested and played live against the loopback gateway under `rules`: both give
    /// the same trades and the same rule breaches (to the minute). The live harness is returned
    /// running, for the caller's own checks; the caller stops it.
    static func playBoth(rules: RiskRules, overrides: [String: String] = [:], gatewayArgs: [String] = []) async throws -> (BacktestResult, LiveHarness) {
        let result = try LiveParityTests.backtest(tape, try LiveParityTests.overnight(overrides), rules: rules)
        let live = try await LiveHarness.make(tape: tape, strategies: [try LiveParityTests.overnight(overrides)], gatewayArgs: gatewayArgs, rules: rules)
        try await live.playToEnd()
        #expect(live.broker.ledger.trades.map(TradeKey.init) == result.trades.map(TradeKey.init))
        #expect(live.broker.risk.breaches.map(minuteAndRule) == result.breaches.map(minuteAndRule))
        return (result, live)
    }

    /// A breach as both brokers can date it: the simulated exchange knows the minute bar it
    /// happened in, the live broker the print's second.
    static func minuteAndRule(_ b: RuleBreach) -> String { "\(Timestamp(seconds: b.time.seconds / 60 * 60)) \(b.rule)" }
}
