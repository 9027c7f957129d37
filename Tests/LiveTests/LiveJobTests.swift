import Configuration
import Data
import Foundation
import Jobs
import Live
import ProjectX
import Store
import Synchronization
import Testing
import TSXLabTesting

/// The live and paper lifecycles as the application runs them, called directly (the command line
/// only parses, wires and prints), against a `tsxlab gateway serve` process over real sockets.
@Suite("Live job: start, trade, ordered shutdown", .serialized)
struct LiveJobTests {
    /// Notes and bar lines a job reported.
    final class Reported: Sendable {
        let notes = Mutex<[String]>([])
        let bars = Mutex<[LiveBarLine]>([])
        func wait(_ what: String, _ ok: () throws -> Bool) async throws {
            let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
            while try !ok() {
                guard Date() < deadline else { Issue.record("timed out waiting for \(what): \(notes.withLock { $0 })"); throw CancellationError() }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// A gateway serving `gatewayAccount` (its `--account`) and a job for the overnight-range
    /// example under the `rules` preset.
    static func setUp(_ label: String, rules: String = "topstep-50k", gatewayAccount: String = "50") async throws -> (GatewayProcess, LiveJob, LivePlan, Reported) {
        let gw = try await GatewayProcess.start(csv: LoopbackGateway.tape, contract: "ESZ13", extra: ["--account", gatewayAccount])
        // Three sessions: the overnight range's ATR (3 sessions) is ready on the fourth.
        try gw.step(3 * 1380)
        let client = ProjectXClient(baseURL: gw.baseURL, credentials: APICredentials(userName: "trader", apiKey: Secret(LoopbackGateway.key)),
                                    retry: RetryPolicy(delays: [0.05, 0.1, 0.2]))
        let store = try StoreSchema.open("sqlite:" + TestEnvironment.temporaryDirectory(label) + "/tsxlab.sqlite")
        let db = try #require(store as? any SQLDatabase)
        let path = TestEnvironment.packageRoot + "/examples/overnight-range.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "rules: topstep-50k", with: "rules: \(rules)")
        let cfg = try RunConfiguration.parse(yaml: text, source: path, environment: [:])
        var plan = LivePlan(config: cfg, live: LiveSection(account: nil, pin: nil), warmupFrom: Timestamp(iso8601: "2013-10-06T00:00:00Z")!,
                            rtcURL: gw.hubURL)
        plan.force = true
        var job = LiveJob(client: client, db: db, store: store, registry: .builtIn)
        let reported = Reported()
        job.onNote = { n in reported.notes.withLock { $0.append(n) } }
        job.onBar = { b in reported.bars.withLock { $0.append(b) } }
        return (gw, job, plan, reported)
    }

    /// Plays the tape up to (not including) `time`, 30 bars a step.
    static func play(_ gw: GatewayProcess, to time: String) async throws {
        let tape = try SharedData.readBars(path: LoopbackGateway.tape, symbol: "ES", tickSize: TickSize("0.25")!)
        let limit = Timestamp(iso8601: time)!.seconds
        let target = (0..<tape.count).filter { tape.time[$0] < limit }.count
        var played = try gw.state()["cursor"] as? Int ?? 0
        while played < target {
            _ = try await gw.post("/_gateway/step", ["bars": min(30, target - played)])
            played = try gw.state()["cursor"] as? Int ?? played
        }
    }

    @Test("a live run places the overnight range's entries at the cash open; on stop it cancels them, closes the position and leaves nothing at the venue")
    func liveRun() async throws {
        let (gw, job, plan, reported) = try await Self.setUp("live-job")
        defer { gw.stop() }
        let (stop, stopping) = AsyncStream.makeStream(of: Void.self)
        let running = Task { try await job.run(plan, until: stop) }
        try await reported.wait("the runner to start") { reported.notes.withLock { $0.contains { $0.hasPrefix("live: overnight_range on 50KTC-LOOPBACK-1 CON.F.US.EP.Z13") } } }
        // An unpromoted configuration trades only because it was forced, and says so.
        #expect(reported.notes.withLock { $0.contains { $0.hasPrefix("warning: ") } })
        try await Self.play(gw, to: "2013-10-10T14:30:00Z")
        try await reported.wait("the entries") { ((try gw.state()["place"] as? Int) ?? 0) >= 1 }
        try await reported.wait("the cash open's bar") { reported.bars.withLock { $0.contains { $0.time == Timestamp(iso8601: "2013-10-10T14:00:00Z")! } } }
        stopping.yield()
        try await running.value
        #expect(reported.notes.withLock { $0.contains("live: stopping: cancelling working orders and closing positions") })
        let client = job.client
        let account = try await client.activeAccount(named: nil)
        #expect(try await client.workingOrders(accountId: account.id).isEmpty)
        #expect(try await client.openPositions(accountId: account.id).isEmpty)
        // The bar lines are the runner's bars, in order, none before the warm-up ended.
        let times = reported.bars.withLock { $0.map(\.time.seconds) }
        #expect(times == times.sorted() && Set(times).count == times.count)
    }

    @Test("paper mode through the job: bars from the gateway's prints, fills from the simulated exchange, nothing sent to the gateway")
    func paper() async throws {
        let (gw, job, plan, reported) = try await Self.setUp("paper-job")
        defer { gw.stop() }
        let (stop, stopping) = AsyncStream.makeStream(of: Void.self)
        let running = Task { try await job.paper(plan, until: stop) }
        try await reported.wait("paper mode to start") { reported.notes.withLock { $0.contains { $0.hasPrefix("paper: overnight_range on CON.F.US.EP.Z13") } } }
        try await Self.play(gw, to: "2013-10-10T16:00:00Z")
        try await reported.wait("the bar before 16:00") { reported.bars.withLock { $0.contains { $0.time == Timestamp(iso8601: "2013-10-10T15:58:00Z")! } } }
        stopping.yield()
        let (trades, account) = try await running.value
        #expect(reported.notes.withLock { $0.contains("paper: \(trades.count) trades, net \(account.balance - plan.config.account.startingBalance)") })
        let times = reported.bars.withLock { $0.map(\.time.seconds) }
        #expect(times == times.sorted() && Set(times).count == times.count)
        let state = try gw.state()
        #expect(state["ordersPlaced"] as? Int == 0 && state["place"] == nil)
    }

    @Test("a 150K configuration on the gateway's $50,000 account is refused before anything trades, naming both sides and the preset that fits")
    func rulesThatDoNotFitTheAccount() async throws {
        let (gw, job, plan, reported) = try await Self.setUp("live-job-mismatch", rules: "topstep-150k", gatewayAccount: "50")
        defer { gw.stop() }
        let (stop, stopping) = AsyncStream.makeStream(of: Void.self)
        stopping.finish()
        let refusal = try await #require(throws: AccountRulesMismatch.self) { try await job.run(plan, until: stop) }
        #expect(refusal.preset == "topstep-150k" && refusal.startingBalance == Money(cents: 150_000_00))
        #expect(refusal.accountName == "50KTC-LOOPBACK-1" && refusal.balance == Money(cents: 50_000_00) && refusal.fittingPreset == "topstep-50k")
        #expect(refusal.description.contains("set account.rules: topstep-50k in \(plan.config.source)"))
        #expect(!reported.notes.withLock { $0.contains { $0.hasPrefix("live: overnight_range on") } })
        // Nothing reached the gateway's order book: no placement was even tried.
        let state = try gw.state()
        #expect(state["ordersPlaced"] as? Int == 0 && state["place"] == nil)
    }

    @Test("the gateway's --account 150 serves 150KTC-LOOPBACK-1 holding $150,000, and a 150K configuration starts on it")
    func rulesThatFitALargerAccount() async throws {
        let (gw, job, plan, reported) = try await Self.setUp("live-job-150k", rules: "topstep-150k", gatewayAccount: "150")
        defer { gw.stop() }
        let account = try await job.client.activeAccount(named: nil)
        #expect(account.name == "150KTC-LOOPBACK-1" && account.balance == 150_000)
        let (stop, stopping) = AsyncStream.makeStream(of: Void.self)
        let running = Task { try await job.run(plan, until: stop) }
        try await reported.wait("the runner to start") { reported.notes.withLock { $0.contains { $0.hasPrefix("live: overnight_range on 150KTC-LOOPBACK-1 CON.F.US.EP.Z13") } } }
        stopping.yield()
        try await running.value
        #expect(!reported.notes.withLock { $0.contains { $0.contains("do not fit") } })
    }
}
