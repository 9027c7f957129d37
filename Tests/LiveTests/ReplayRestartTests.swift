import Foundation
import Testing
import Data
import ProjectX
import Store
import Strategies
import Trading
import TSXLabTesting
@testable import Live

/// A runner whose warm-up starts before it first traded (the replay's first half-hour was never
/// live: its decisions were refused at the end of that replay, "not sent late"), restarted with
/// the same warm-up: the replay must bind every order the first run placed to the strategy
/// decision that placed it, or the strategy trades beside positions it does not know are its own.
@Suite("Live restart: the replay re-makes the first run's decisions", .serialized)
struct ReplayRestartTests {
    static func sma() throws -> any Strategy {
        let d = try StrategyCatalog.descriptor(named: "sma_bracket")
        var p = d.defaults()
        for (k, v) in ["fast": "2", "slow": "5", "stop_ticks": "4", "target_ticks": "4"] { try p.set(k, text: v, source: "test") }
        return try d.build(symbol: "ES", parameters: p)
    }

    @Test("a restart whose replay covers decisions the first run never sent binds each of the first run's orders to its decision")
    func replayBindsEarlierOrders() async throws {
        let tape = try LiveParityTests.esz13(through: "2013-10-08T00:00:00Z")
        let end = Timestamp(seconds: tape.time[tape.count - 1] + 60).iso8601
        let gw = try await GatewayProcess.start(csv: LoopbackGateway.tape, contract: "ESZ13", extra: ["--to", end])
        defer { gw.stop() }
        let open = (0..<tape.count).filter { tape.time[$0] < Timestamp(iso8601: "2013-10-07T13:30:00Z")!.seconds }.count
        try gw.step(open)
        let dir = TestEnvironment.temporaryDirectory("replay-restart")
        let db = try #require(try StoreURL.open("sqlite:\(dir)/state.db") as? any SQLDatabase)
        let state = LiveStateStore(db: db, account: "1")
        let warmup = Timestamp(iso8601: "2013-10-07T13:00:00Z")!

        let first = try await LiveHarness.attach(gw, tape: tape, strategies: [try Self.sma()], rules: LiveHarness.rules, tagPrefix: "r",
                                                 state: state, resumeFrom: warmup)
        try await first.play(20)
        await first.runner.kill()

        let second = try await LiveHarness.attach(gw, tape: tape, strategies: [try Self.sma()], rules: LiveHarness.rules, tagPrefix: "r",
                                                  state: state, resumeFrom: warmup)
        let placed = try await second.client.searchOrders(accountId: 1, from: warmup).filter { $0.customTag != nil }
        #expect(placed.count >= 3, "the first run traded: \(placed.map { $0.customTag ?? "" })")
        let own = second.broker.allOrders.compactMap { o in second.broker.tag(of: o.id).map { ($0, second.broker.owner(of: o.id)) } }
        let owners = Dictionary(own, uniquingKeysWith: { a, _ in a })
        for o in placed {
            #expect(owners[o.customTag!] == .some("sma_bracket"), "\(o.customTag!) (order \(o.id)) is not the strategy's after the restart: \(owners)")
        }
        await second.stop()
    }
}
