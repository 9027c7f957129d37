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

    /// The ESZ13 tape to the Monday's end on a gateway stepped to its cash open, a state store, and a
    /// first sma-bracket run warmed up from `warmup` that trades twenty bars and is killed.
    struct FirstRun {
        let tape: BarSeries
        let gw: GatewayProcess
        let state: LiveStateStore
        let first: LiveHarness
    }

    static func firstRun(_ name: String, tagPrefix: String, warmup: Timestamp) async throws -> FirstRun {
        let tape = try LiveParityTests.esz13(through: "2013-10-08T00:00:00Z")
        let end = Timestamp(seconds: tape.time[tape.count - 1] + 60).iso8601
        let gw = try await GatewayProcess.start(csv: LoopbackGateway.tape, contract: "ESZ13", extra: ["--to", end])
        do {
            let open = (0..<tape.count).filter { tape.time[$0] < Timestamp(iso8601: "2013-10-07T13:30:00Z")!.seconds }.count
            try gw.step(open)
            let dir = TestEnvironment.temporaryDirectory(name)
            let db = try #require(try StoreURL.open("sqlite:\(dir)/state.db") as? any SQLDatabase)
            let state = LiveStateStore(db: db, account: "1")
            let first = try await LiveHarness.attach(gw, tape: tape, strategies: [try Self.sma()], rules: LiveHarness.rules, tagPrefix: tagPrefix,
                                                     state: state, resumeFrom: warmup)
            try await first.play(20)
            await first.runner.kill()
            return FirstRun(tape: tape, gw: gw, state: state, first: first)
        } catch {
            gw.stop()
            throw error
        }
    }

    @Test("a restart whose replay covers decisions the first run never sent binds each of the first run's orders to its decision")
    func replayBindsEarlierOrders() async throws {
        let warmup = Timestamp(iso8601: "2013-10-07T13:00:00Z")!
        let run = try await Self.firstRun("replay-restart", tagPrefix: "r", warmup: warmup)
        defer { run.gw.stop() }
        let second = try await LiveHarness.attach(run.gw, tape: run.tape, strategies: [try Self.sma()], rules: LiveHarness.rules, tagPrefix: "r",
                                                  state: run.state, resumeFrom: warmup)
        let placed = try await second.client.searchOrders(accountId: 1, from: warmup).filter { $0.customTag != nil }
        #expect(placed.count >= 3, "the first run traded: \(placed.map { $0.customTag ?? "" })")
        let own = second.broker.allOrders.compactMap { o in second.broker.tag(of: o.id).map { ($0, second.broker.owner(of: o.id)) } }
        let owners = Dictionary(own, uniquingKeysWith: { a, _ in a })
        for o in placed {
            #expect(owners[o.customTag!] == .some("sma_bracket"), "\(o.customTag!) (order \(o.id)) is not the strategy's after the restart: \(owners)")
        }
        await second.stop()
    }

    /// Buys two contracts at the market on every fifth bar when flat: its decisions carry the
    /// tags the first run's did, but are not the orders those tags name at the gateway.
    final class EveryFifthBarTwo: Strategy {
        let name = "every_fifth_two"
        let symbols = ["ES"]
        var n = 0
        func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
            n += 1
            guard n % 5 == 0, broker.position(symbol).isFlat, broker.openOrders().isEmpty else { return }
            _ = broker.place(OrderRequest(symbol: symbol, side: .buy, quantity: 2, kind: .market,
                                          bracket: Bracket(stopLoss: .ticks(8), takeProfit: .ticks(8))))
        }
    }

    @Test("a replay whose decisions differ from the first run's (the same tags, other orders) binds none of them: the gateway's orders and fills are booked as they are, and the books agree with the venue")
    func replayDecisionsDiffer() async throws {
        let warmup = Timestamp(iso8601: "2013-10-07T13:30:00Z")!
        let run = try await Self.firstRun("replay-differs", tagPrefix: "d", warmup: warmup)
        defer { run.gw.stop() }
        let placed = try await run.first.client.searchOrders(accountId: 1, from: warmup).filter { $0.customTag != nil }
        #expect(placed.count >= 2 && placed.allSatisfy { $0.size == 1 }, "the first run traded one lot: \(placed.map(\.size))")

        let second = try await LiveHarness.attach(run.gw, tape: run.tape, strategies: [EveryFifthBarTwo()], rules: LiveHarness.rules, tagPrefix: "d",
                                                  state: run.state, resumeFrom: warmup)
        // None of the first run's orders became a two-lot decision of the second's strategy.
        for o in placed {
            let local = second.broker.allOrders.first { second.broker.tag(of: $0.id) == o.customTag }
            #expect(local.map { second.broker.owner(of: $0.id) != "every_fifth_two" || $0.status == .rejected } ?? true,
                    "\(o.customTag!) was bound to the replay's decision")
        }
        // The books agree with the venue: the position, contract by contract.
        let venue = try await second.client.openPositions(accountId: 1).reduce(0) { $0 + ($1.type == 1 ? abs($1.size) : -abs($1.size)) }
        #expect(second.broker.position("ES").quantity == Int64(venue), "ledger \(second.broker.position("ES").quantity), venue \(venue)")
        await second.stop()
    }
}

