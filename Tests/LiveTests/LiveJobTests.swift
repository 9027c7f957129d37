import Configuration
import Data
import Foundation
import Jobs
import Live
import Logging
import Operations
import ProjectX
import Store
import Synchronization
import Testing
import Trading
import TSXLabTesting

/// The live and paper lifecycles as the application runs them, called directly (the command line
/// only parses, wires and prints), against a `tsxlab gateway serve` process over real sockets.
@Suite("Live job: start, trade, ordered shutdown", .serialized)
struct LiveJobTests {
    /// Log lines (as the terminal shows them, and as the journal's JSON) and bar lines a job reported.
    final class Reported: Sendable {
        let notes = Mutex<[String]>([])
        let json = Mutex<[String]>([])
        let bars = Mutex<[LiveBarLine]>([])

        /// A log handler keeping each record in both formats.
        struct Collector: LogHandler {
            let reported: Reported
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .info
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                let fields = metadata.merging(event.metadata ?? [:]) { _, new in new }
                let message = "\(event.message)"
                reported.notes.withLock { $0.append(LineLogHandler.line(level: event.level, message: message, fields: fields, format: .text, at: Date())) }
                reported.json.withLock { $0.append(LineLogHandler.line(level: event.level, message: message, fields: fields, format: .json, at: Date())) }
            }
        }
        var logger: Logger { Logger(label: "test") { _ in Collector(reported: self) } }

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
        job.logger = reported.logger
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
        let (gw, job, setUpPlan, reported) = try await Self.setUp("live-job")
        defer { gw.stop() }
        var plan = setUpPlan
        plan.statusAddress = .init(host: "127.0.0.1", port: 0)
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
        // The services stop in reverse order of their start, each after the one before it is done:
        // trading (cancels, closes), then the status page, then the notifier.
        let steps = ["live: stopping: cancelling working orders and closing positions", "live: trading stopped: flat, nothing working",
                     "live: status page closed", "live: notifications stopped ("]
        let order = reported.notes.withLock { notes in steps.map { step in notes.firstIndex { $0.hasPrefix(step) } } }
        #expect(order.allSatisfy { $0 != nil } && order.map { $0 ?? -1 } == order.map { $0 ?? -1 }.sorted(), "\(reported.notes.withLock { $0 })")
        let client = job.client
        let account = try await client.activeAccount(named: nil)
        #expect(try await client.workingOrders(accountId: account.id).isEmpty)
        #expect(try await client.openPositions(accountId: account.id).isEmpty)
        // The journal's form: one JSON object a line, with the run's context on every record
        // once it is known and the order's tag and strategy on a fill; no credential anywhere.
        let records = try reported.json.withLock { $0 }.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]) }
        #expect(records.allSatisfy { $0["time"] != nil && $0["level"] != nil && $0["message"] != nil })
        let started = try #require(records.first { $0["message"]!.hasPrefix("live: overnight_range on") })
        #expect(started["account"] == "50KTC-LOOPBACK-1" && started["contract"] == "CON.F.US.EP.Z13" && started["strategies"] == "overnight_range" && started["level"] == "notice")
        #expect(!reported.json.withLock { $0 }.contains { $0.contains(LoopbackGateway.key) })
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

    /// The store as a runner left it on 2013-10-08, three weeks before the restart: a 50K
    /// account whose 2013-10-07 closed at $51,990 (the high-water mark: maximum-loss level
    /// $49,990), kept under `rules`.
    static func storeStateFromThreeWeeksAgo(_ job: LiveJob, rules: RiskRules) throws -> RiskState {
        var risk = RiskState(rules: rules)
        let day = { (d: String) in SessionCalendar.cmeEquityIndex.tradeDayNumber(containing: Timestamp(iso8601: d + "T15:00:00Z")!.seconds) }
        risk.startDay(day("2013-10-07"), balance: rules.startingBalance)
        risk.startDay(day("2013-10-08"), balance: rules.startingBalance + Money(cents: 1_990_00))
        let balance = risk.dayStartBalance
        try LiveStateStore(db: job.db, account: "1").save(tagPrefix: "tsx-3weeks", nextLocalID: 1, risk: risk,
                                                          account: AccountSnapshot(balance: balance, equity: balance, risk: risk),
                                                          at: Timestamp(iso8601: "2013-10-08T21:00:00Z")!)
        return risk
    }

    @Test("a restart on 2013-10-29 keeps the high-water mark set three weeks earlier: the runner enforces the stored mark's level ($49,990), not the replay's ($48,000), and ends the account at it")
    func highWaterMarkFromThreeWeeksAgo() async throws {
        let (gw, job, setUpPlan, reported) = try await Self.setUp("live-job-3weeks")
        defer { gw.stop() }
        var plan = setUpPlan
        _ = try Self.storeStateFromThreeWeeksAgo(job, rules: plan.config.account)
        // The gateway's account holds $50,000 (the stored day's gains were lost since), and the
        // replay covers the tape's last four sessions (2013-10-10 to the restart's morning; the
        // strategy's ATR needs three): from the rules' starting balance it would make the mark
        // $50,000 and the level $48,000.
        try await Self.play(gw, to: "2013-10-29T13:00:00Z")
        plan.warmupFrom = Timestamp(iso8601: "2013-10-10T00:00:00Z")!
        let (stop, stopping) = AsyncStream.makeStream(of: Void.self)
        let running = Task { [job, plan] in try await job.run(plan, until: stop) }
        try await reported.wait("the runner to start") { reported.notes.withLock { $0.contains { $0.hasPrefix("live: overnight_range on 50KTC-LOOPBACK-1") } } }
        #expect(reported.notes.withLock {
            $0.contains("live: risk state from the store (kept on trade day 2013-10-08): high-water mark $51990.00, maximum-loss level $49990.00, start-of-day balance $50000.00")
        })
        // The store still holds the old mark (whether or not the runner has saved since).
        let saved = try #require(try LiveStateStore(db: job.db, account: "1").load())
        #expect(saved.risk.highWaterMarkCents == 51_990_00)
        // Trading on: the first loss of $10 meets the stored mark's level, which the replay's
        // level ($48,000) would have let pass.
        try await Self.play(gw, to: "2013-10-31T00:00:00Z")
        try await reported.wait("the maximum loss at the stored mark's level") {
            reported.bars.withLock { $0.contains { $0.halted?.contains("level 49990.00") == true } }
        }
        stopping.yield()
        try await running.value
        let after = try #require(try LiveStateStore(db: job.db, account: "1").load())
        #expect(after.risk.failed && after.risk.highWaterMarkCents == 51_990_00)
        // The log names each fill's order tag and strategy (JSON for the journal; the terminal's
        // line shows the record's own details, not the run's context).
        let fills = try reported.json.withLock { $0 }.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]) }
            .filter { $0["message"] == "filled" }
        #expect(fills.contains { $0["strategy"] == "overnight_range" && $0["tag"]?.hasPrefix("tsx-") == true && $0["symbol"] == "ES" && $0["account"] == "50KTC-LOOPBACK-1" }, "\(fills)")
        #expect(reported.notes.withLock { $0.contains { $0.hasPrefix("filled  ") && $0.contains("strategy=overnight_range") && !$0.contains("account=") } })
        #expect(reported.json.withLock { $0.contains { $0.contains("\"level\":\"warning\"") && $0.contains("maximum loss") } }, "the runner's notes are in the log")
    }

    @Test("a stored state kept under other rules (a 150K mark) is not trusted on a 50K configuration: the start is refused naming both, and --reset-risk-state starts afresh")
    func storedStateFromOtherRulesIsRefused() async throws {
        let (gw, job, setUpPlan, reported) = try await Self.setUp("live-job-other-rules")
        defer { gw.stop() }
        var plan = setUpPlan
        var risk = RiskState(rules: RiskRules.topstepCombine(150)!)
        risk.startDay(20_000, balance: Money(cents: 152_000_00))
        try LiveStateStore(db: job.db, account: "1").save(tagPrefix: "tsx-150", nextLocalID: 1, risk: risk,
                                                          account: AccountSnapshot(balance: risk.dayStartBalance, equity: risk.dayStartBalance, risk: risk),
                                                          at: Timestamp(iso8601: "2013-10-04T21:00:00Z")!)
        let (stop, stopping) = AsyncStream.makeStream(of: Void.self)
        stopping.finish()
        let refusal = try await #require(throws: StoredRiskMismatch.self) { try await job.run(plan, until: stop) }
        #expect(refusal.accountName == "50KTC-LOOPBACK-1" && refusal.balance == Money(cents: 50_000_00))
        #expect(refusal.reasons.contains { $0.contains("TopStepX 150K Combine") })
        #expect(try gw.state()["place"] == nil)
        // Afresh, on the trader's word: the store then keeps the new state, under these rules.
        plan.resetRiskState = true
        let (stop2, stopping2) = AsyncStream.makeStream(of: Void.self)
        let running = Task { [job, plan] in try await job.run(plan, until: stop2) }
        try await reported.wait("the runner to start") { reported.notes.withLock { $0.contains { $0.hasPrefix("live: overnight_range on 50KTC-LOOPBACK-1") } } }
        #expect(reported.notes.withLock { $0.contains { $0.hasPrefix("live: risk state started afresh from the replay and the rules' starting balance (--reset-risk-state)") } })
        stopping2.yield()
        try await running.value
        let saved = try #require(try LiveStateStore(db: job.db, account: "1").load())
        #expect(saved.risk.rules == RiskState.RulesKey(plan.config.account) && saved.risk.highWaterMarkCents == 50_000_00)
    }
}
