import Foundation
import Testing
import Data
import Trading
import Backtest
import Strategies
import ProjectX
import TSXLabTesting
@testable import Live

/// A live runner on the loopback gateway, stepped bar by bar: the gateway plays a bar (prints, then
/// the simulated exchange fills it), the runner settles every fill, then the gateway ends the bar
/// and the runner's strategies react before the next bar plays — the order a backtest keeps.
struct LiveHarness {
    let gw: GatewayProcess
    let client: ProjectXClient
    let broker: LiveBroker
    let runner: LiveRunner
    let tape: BarSeries
    /// Prints the gateway had sent before this runner started (an earlier runner's).
    var printsBefore = 0

    static let rules = RiskRules.topstepCombine(50)!

    static func make(tape: BarSeries, strategies: sending [any Strategy], gatewayArgs: [String] = [], rules: RiskRules = LiveHarness.rules,
                     tagPrefix: String = "live", state: LiveStateStore? = nil, csv: String = LoopbackGateway.tape,
                     recorder: TapeRecorder? = nil,
                     configure: (inout LiveRunnerSettings) -> Void = { _ in }) async throws -> LiveHarness {
        // The gateway replays the file (the shipped one unless given) up to the end of `tape`.
        let end = Timestamp(seconds: tape.time[tape.count - 1] + 60).iso8601
        let gw = try await GatewayProcess.start(csv: csv, contract: "ESZ13", extra: ["--to", end] + gatewayArgs)
        return try await attach(gw, tape: tape, strategies: strategies, rules: rules, tagPrefix: tagPrefix, state: state, resumeFrom: nil,
                                recorder: recorder, configure: configure)
    }

    /// A new runner (new client, broker and strategy objects) on the same gateway and store, as a
    /// restarted process would build it.
    static func resume(_ old: LiveHarness, strategies: sending [any Strategy], state: LiveStateStore, saved: LiveStateStore.Saved,
                       rules: RiskRules = LiveHarness.rules) async throws -> LiveHarness {
        try await attach(old.gw, tape: old.tape, strategies: strategies, rules: rules, tagPrefix: saved.tagPrefix, state: state,
                         resumeFrom: old.tape.first!.time)
    }

    static func attach(_ gw: GatewayProcess, tape: BarSeries, strategies: sending [any Strategy], rules: RiskRules, tagPrefix: String,
                       state: LiveStateStore?, resumeFrom: Timestamp?, recorder: TapeRecorder? = nil,
                       configure: (inout LiveRunnerSettings) -> Void = { _ in }) async throws -> LiveHarness {
        let client = ProjectXClient(baseURL: gw.baseURL, credentials: APICredentials(userName: "trader", apiKey: Secret(LoopbackGateway.key)),
                                    retry: RetryPolicy(delays: [0.05, 0.1, 0.2]))
        let spec = try ContractRegistry.builtIn.spec(for: "ES")
        let broker = LiveBroker(accountID: 1, instruments: [Instrument(spec: spec)], contracts: ["ES": LoopbackGateway.contract], rules: rules,
                                startingBalance: rules.startingBalance, tagPrefix: tagPrefix, now: tape.first!.time)
        var settings = LiveRunnerSettings(accountID: 1, symbol: "ES", contractID: LoopbackGateway.contract)
        settings.flattenTime = rules.flattenTime
        // The tape plays when a test steps it: a pause between steps is no frozen feed (the feed
        // tests switch the watch on).
        settings.silentFeedAfter = 0
        configure(&settings)
        let timing = HubTiming(keepAlive: 5, staleAfter: 0, invocationTimeout: 30, reconnectDelays: [0.05, 0.2])
        let user = HubClient(url: gw.hubURL + "/hubs/user", timing: timing) { try await client.token(replacing: $0) }
        let market = HubClient(url: gw.hubURL + "/hubs/market", timing: timing) { try await client.token(replacing: $0) }
        let runner = LiveRunner(client: client, broker: broker, strategies: strategies, settings: settings, userHub: user, marketHub: market, state: state)
        // The tape with everything the hub sends, when a test records it.
        if let recorder { await runner.recordTape(recorder, quotes: true, depth: true) }
        let printsBefore = (try gw.state()["printsSent"] as? Int) ?? 0
        try await runner.start(resumeFrom: resumeFrom)
        return LiveHarness(gw: gw, client: client, broker: broker, runner: runner, tape: tape, printsBefore: printsBefore)
    }

    /// Plays the next `count` bars, each in the two phases (`playBar`).
    func play(_ count: Int) async throws {
        let first = await runner.stats.barsProcessed
        for k in first..<(first + count) { try await playBar(k) }
    }

    /// Plays bar `k` of the tape (bars before it played already) and waits until the runner has
    /// closed k + 1 bars, whether the gateway's tick or a backfill after a reconnect closed it.
    func playBar(_ k: Int) async throws {
        position.value = k
        let r = try await gw.post("/_gateway/step", ["bars": 1, "boundary": false])
        guard (r["played"] as? Int) == 1 else { throw HarnessError.stalled("the gateway played no bar \(k)") }
        let trades = r["trades"] as? Int ?? 0
        // Every print the gateway sent has been read too: a print still on its way would let the
        // bar end before the runner acted on it.
        let prints = (r["printsSent"] as? Int ?? 0) - printsBefore
        try await settle {
            guard broker.tradesSeen >= trades else { return false }
            return await runner.stats.prints >= prints
        }
        _ = try await gw.post("/_gateway/tick")
        try await settle { await runner.stats.barsProcessed >= k + 1 }
    }

    func settle(_ done: () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while true {
            if await done(), await runner.isIdle { return }
            guard Date() < deadline else {
                let stats = await runner.stats
                throw HarnessError.stalled("bar \(position.value): idle \(await runner.isIdle), trades seen \(broker.tradesSeen), bars \(stats.barsProcessed), errors \(stats.lastErrors)")
            }
            try await Task.sleep(for: .microseconds(300))
        }
    }

    func stop() async {
        await runner.stop()
        await gw.shutdown()
    }

    enum HarnessError: Error { case stalled(String) }
    final class Counter: @unchecked Sendable { var value = 0 }
    let position = Counter()
}

/// What parity compares: the trade list as a trader reads it.
struct TradeKey: Hashable, CustomStringConvertible {
    var entry: Int64, exit: Int64, side: OrderSide, qty: Int64, entryPrice: Double, exitPrice: Double, reason: String
    init(_ t: Trade) {
        entry = t.entryTime.seconds; exit = t.exitTime.seconds; side = t.side; qty = t.quantity
        entryPrice = t.entryPriceTicks; exitPrice = t.exitPriceTicks; reason = t.exitReason
    }
    var description: String { "\(Timestamp(seconds: entry)) \(side) \(qty) @\(entryPrice) → \(Timestamp(seconds: exit)) @\(exitPrice) \(reason)" }
}

@Suite("Live parity with the backtest", .serialized)
struct LiveParityTests {
    static func overnight(_ overrides: [String: String] = [:]) throws -> any Strategy {
        let d = try StrategyCatalog.descriptor(named: "overnight_range")
        var p = d.defaults()
        try p.set("atr_period", text: "2", source: "test")
        for (k, v) in overrides { try p.set(k, text: v, source: "test") }
        return try d.build(symbol: "ES", parameters: p)
    }

    static func backtest(_ tape: BarSeries, _ strategy: any Strategy, rules: RiskRules = LiveHarness.rules) throws -> BacktestResult {
        let ins = Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"))
        let ex = SimulatedExchange(instruments: [ins], rules: rules)
        return BacktestEngine(exchange: ex, strategies: [strategy]).run(tape)
    }

    static func esz13(through day: String) throws -> BarSeries {
        let all = try SharedData.readBars(path: LoopbackGateway.tape, symbol: "ES", tickSize: TickSize("0.25")!)
        return all.slice(from: all.first!.time, to: Timestamp(iso8601: day)!)
    }

    @Test("the overnight-range breakout run live against the loopback gateway makes exactly the backtest's trades (time, side, price, size, reason)",
          arguments: [
            // Zone and ATR targets.
            [String: String](),
            // Tight stops, an early breakeven and an early end-of-day flatten: target, stop and eod exits.
            ["atr_multiplier_sl": "0.1", "breakeven_profit_pts": "3", "eod_flatten_time": "11:00 America/New_York"],
          ])
    func overnightParity(_ overrides: [String: String]) async throws {
        let tape = try Self.esz13(through: "2013-10-16T00:00:00Z")
        let expected = try Self.backtest(tape, try Self.overnight(overrides)).trades.map(TradeKey.init)
        #expect(expected.count >= 3)
        let live = try await LiveHarness.make(tape: tape, strategies: [try Self.overnight(overrides)])
        try await live.play(tape.count)
        let got = live.broker.ledger.trades.map(TradeKey.init)
        // The bars built from the trade stream are the history endpoint's bars, and the tape's.
        let built = await live.runner.closedBars
        let history = try await live.client.retrieveBars(contractId: LoopbackGateway.contract, unit: .minute, unitNumber: 1,
                                                         start: tape.first!.time, end: Timestamp(seconds: tape.time[tape.count - 1] + 60))
        let tick = TickSize("0.25")!
        let fromHistory = history.map { b in Bar(PXTime.parse(b.t)!.seconds, tick.ticks(decimal: b.o)!, tick.ticks(decimal: b.h)!,
                                                 tick.ticks(decimal: b.l)!, tick.ticks(decimal: b.c)!, b.v) }
        #expect(built == fromHistory && built == tape.bars)
        await live.stop()
        #expect(got == expected)
        if got != expected || ProcessInfo.processInfo.environment["TSXLAB_SHOW_TRADES"] != nil {
            print("backtest:\n" + expected.map(\.description).joined(separator: "\n"))
            print("live:\n" + got.map(\.description).joined(separator: "\n"))
        }
    }
}


@Suite("Paper trading: bars fed one at a time")
struct PaperTradingTests {
    @Test("paper mode is the live runner with the simulated exchange as its broker: on the gateway's market data, over real sockets, it trades the recorded days exactly as the backtest of the same bars")
    func paperThroughTheRunner() async throws {
        let tape = try LiveParityTests.esz13(through: "2013-10-16T00:00:00Z")
        let expected = try LiveParityTests.backtest(tape, try LiveParityTests.overnight()).trades.filter { $0.exitReason != "end" }.map(TradeKey.init)
        #expect(expected.count >= 3)
        let end = Timestamp(seconds: tape.time[tape.count - 1] + 60).iso8601
        let gw = try await GatewayProcess.start(csv: LoopbackGateway.tape, contract: "ESZ13", extra: ["--to", end])
        defer { gw.stop() }
        let client = ProjectXClient(baseURL: gw.baseURL, credentials: APICredentials(userName: "trader", apiKey: Secret(LoopbackGateway.key)),
                                    retry: RetryPolicy(delays: [0.05, 0.1, 0.2]))
        let exchange = SimulatedExchange(instruments: [Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"))], rules: LiveHarness.rules)
        var settings = LiveRunnerSettings(accountID: 0, symbol: "ES", contractID: LoopbackGateway.contract)
        settings.flattenTime = LiveHarness.rules.flattenTime
        let timing = HubTiming(keepAlive: 5, staleAfter: 0, invocationTimeout: 30, reconnectDelays: [0.05, 0.2])
        let market = HubClient(url: gw.hubURL + "/hubs/market", timing: timing) { try await client.token(replacing: $0) }
        let runner = LiveRunner(paper: exchange, client: client, strategies: [try LiveParityTests.overnight()], settings: settings, marketHub: market)
        try await runner.startPaper(warmupFrom: nil)
        // Bar by bar: the gateway plays a bar's prints, then ends it; the runner closes the bar.
        for k in 0..<tape.count {
            let before = await runner.stats.barsProcessed
            let r = try await gw.post("/_gateway/step", ["bars": 1, "boundary": false])
            guard (r["played"] as? Int) == 1 else { Issue.record("the gateway played no bar \(k)"); break }
            _ = try await gw.post("/_gateway/tick")
            let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
            while await runner.stats.barsProcessed <= before {
                guard Date() < deadline else { Issue.record("bar \(k) never closed"); return }
                try await Task.sleep(for: .microseconds(300))
            }
        }
        let (trades, _) = await runner.summary()
        #expect(await runner.closedBars == tape.bars)
        #expect(trades.map(TradeKey.init) == expected)
        await runner.stop()
    }

    @Test("feeding a series bar by bar trades exactly as the backtest of the series", arguments: [[String: String](), ["atr_multiplier_sl": "0.1", "eod_flatten_time": "11:00 America/New_York"]])
    func incrementalEqualsRun(_ overrides: [String: String]) throws {
        let tape = try LiveParityTests.esz13(through: "2013-10-19T00:00:00Z")
        let expected = try LiveParityTests.backtest(tape, try LiveParityTests.overnight(overrides))
        let ex = SimulatedExchange(instruments: [Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"))], rules: LiveHarness.rules)
        let paper = IncrementalBacktest(engine: BacktestEngine(exchange: ex, strategies: [try LiveParityTests.overnight(overrides)]), symbol: "ES", length: 60)
        for b in tape.bars { paper.feed(b) }
        #expect(!expected.trades.isEmpty)
        #expect(paper.trades.map(TradeKey.init) == expected.trades.filter { $0.exitReason != "end" }.map(TradeKey.init))
    }
}
