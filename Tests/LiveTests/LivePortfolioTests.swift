import Foundation
import Testing
import Data
import Trading
import Backtest
import Configuration
import Jobs
import Store
import Strategies
import ProjectX
import ProjectXGateway
import TSXLabTesting
@testable import Live

/// Two contracts on one account, from the shared datasets: MES (December 2023 front month) and
/// NQ on the days both files hold (the Sunday 2023-11-26 open through Friday 2023-12-01: five trade days).
enum TwoContracts {
    static let mesFile = "MES_1m_2023-11-26_2023-12-11.csv.gz"
    static let nqFile = "NQ_1m_2023-11-19_2023-12-04.csv.gz"
    static let from = Timestamp(iso8601: "2023-11-26T23:00:00Z")!
    static let to = Timestamp(iso8601: "2023-12-02T00:00:00Z")!
    static var available: Bool { SharedData.exists(mesFile) && SharedData.exists(nqFile) }

    static let tick = TickSize("0.25")!
    static func series() throws -> [BarSeries] {
        [try SharedData.loadBars(mesFile, symbol: "MES", tickSize: tick, from: from, to: to),
         try SharedData.loadBars(nqFile, symbol: "NQ", tickSize: tick, from: from, to: to)]
    }
    static let markets = [LiveMarket(symbol: "MES", contractID: "CON.F.US.MES.Z23"), LiveMarket(symbol: "NQ", contractID: "CON.F.US.ENQ.Z23")]
    static let tapes = [GatewayProcess.Tape(csv: SharedData.path(mesFile), symbol: "MES", contract: "MESZ23"),
                        GatewayProcess.Tape(csv: SharedData.path(nqFile), symbol: "NQ", contract: "NQZ23")]
    static var gatewayWindow: [String] { ["--from", from.iso8601, "--to", to.iso8601] }

    static func instruments() throws -> [Instrument] {
        try ["MES", "NQ"].map { Instrument(spec: try ContractRegistry.builtIn.spec(for: $0)) }
    }

    /// The overnight-range breakout, once per symbol (labels `overnight_range@MES`, `@NQ`).
    static func strategies(_ overrides: [String: String] = [:]) throws -> [any Strategy] {
        let d = try StrategyCatalog.descriptor(named: "overnight_range")
        var p = d.defaults()
        try p.set("atr_period", text: "2", source: "test")
        for (k, v) in overrides { try p.set(k, text: v, source: "test") }
        return try d.build(symbols: ["MES", "NQ"], parameters: p)
    }

    static func backtest(_ series: [BarSeries], _ strategies: [any Strategy], rules: RiskRules = LiveHarness.rules) throws -> BacktestResult {
        let ex = SimulatedExchange(instruments: try instruments(), rules: rules)
        return BacktestEngine(exchange: ex, strategies: strategies).run(portfolio: series)
    }

    /// The trades of each symbol, as a trader reads them.
    static func bySymbol(_ trades: [Trade]) -> [String: [TradeKey]] {
        Dictionary(grouping: trades, by: \.symbol).mapValues { $0.map(TradeKey.init) }
    }
}

/// A live runner on two contracts of the loopback gateway, stepped one bar time at a time: the
/// gateway plays every contract's bar of the minute (prints, then the simulated exchange fills
/// it), the runner settles every fill, then the gateway ends the minute's bars (their quotes, in
/// the contracts' order) and the runner's strategies react before the next minute plays.
struct PortfolioHarness {
    let gw: GatewayProcess
    let client: ProjectXClient
    let broker: LiveBroker
    let runner: LiveRunner

    static func make(strategies: sending [any Strategy], rules: RiskRules = LiveHarness.rules, tagPrefix: String = "live",
                     state: LiveStateStore? = nil, recorder: TapeRecorder? = nil) async throws -> PortfolioHarness {
        let gw = try await GatewayProcess.start(tapes: TwoContracts.tapes, extra: TwoContracts.gatewayWindow)
        return try await attach(gw, strategies: strategies, rules: rules, tagPrefix: tagPrefix, state: state, resumeFrom: nil, recorder: recorder)
    }

    /// A new runner (new client, broker and strategy objects) on `gw`, as a (re)started process
    /// builds it; with `resumeFrom` it first replays both contracts' history from then.
    static func attach(_ gw: GatewayProcess, strategies: sending [any Strategy], rules: RiskRules = LiveHarness.rules, tagPrefix: String,
                       state: LiveStateStore?, resumeFrom: Timestamp?, recorder: TapeRecorder? = nil) async throws -> PortfolioHarness {
        let client = ProjectXClient(baseURL: gw.baseURL, credentials: APICredentials(userName: "trader", apiKey: Secret(LoopbackGateway.key)),
                                    retry: RetryPolicy(delays: [0.05, 0.1, 0.2]))
        let broker = LiveBroker(accountID: 1, instruments: try TwoContracts.instruments(),
                                contracts: Dictionary(uniqueKeysWithValues: TwoContracts.markets.map { ($0.symbol, $0.contractID) }), rules: rules,
                                startingBalance: rules.startingBalance, tagPrefix: tagPrefix, now: TwoContracts.from)
        var settings = LiveRunnerSettings(accountID: 1, markets: TwoContracts.markets)
        settings.flattenTime = rules.flattenTime
        settings.silentFeedAfter = 0
        let timing = HubTiming(keepAlive: 5, staleAfter: 0, invocationTimeout: 30, reconnectDelays: [0.05, 0.2])
        let user = HubClient(url: gw.hubURL + "/hubs/user", timing: timing) { try await client.token(replacing: $0) }
        let market = HubClient(url: gw.hubURL + "/hubs/market", timing: timing) { try await client.token(replacing: $0) }
        let runner = LiveRunner(client: client, broker: broker, strategies: strategies, settings: settings, userHub: user, marketHub: market, state: state)
        // The tape with everything the hub sends, when a test records it.
        if let recorder { await runner.recordTape(recorder, quotes: true, depth: true) }
        let gwState = try gw.state()
        try await runner.start(resumeFrom: resumeFrom)
        return PortfolioHarness(gw: gw, client: client, broker: broker, runner: runner, playedBefore: gwState["cursor"] as? Int ?? 0,
                                printsBefore: gwState["printsSent"] as? Int ?? 0)
    }

    /// Bars and prints the gateway had played and sent before this runner started (an earlier runner's).
    var playedBefore = 0, printsBefore = 0

    /// Plays every bar time of the tapes (with `until`, those before it); returns the number of
    /// bars the gateway has played in all.
    @discardableResult
    func playAll(until: Timestamp? = nil) async throws -> Int {
        var played = try gw.state()["cursor"] as? Int ?? 0
        while true {
            let r = try await gw.post("/_gateway/step", ["minutes": 1, "boundary": false])
            let n = r["played"] as? Int ?? 0
            guard n > 0 else { return played }
            played += n
            let trades = r["trades"] as? Int ?? 0
            let prints = (r["printsSent"] as? Int ?? 0) - printsBefore
            // Every fill and every print of the minute has been read before its bars end.
            try await settle("fills and prints before bar \(played)") {
                guard broker.tradesSeen >= trades else { return false }
                return await runner.stats.prints >= prints
            }
            _ = try await gw.post("/_gateway/tick")
            // A resumed runner's count starts with the bars its replay handed on.
            let target = played - playedBefore + (await runner.stats.warmupBars)
            try await settle("bar \(played) closed") { await runner.stats.barsProcessed >= target }
            // The clock is at the end of the minute played: the next one starts at or after it.
            if let until, let t = r["time"] as? String, let now = Timestamp(iso8601: t), now >= until { return played }
        }
    }

    func settle(_ what: String, _ done: () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while true {
            if await done(), await runner.isIdle { return }
            guard Date() < deadline else {
                let stats = await runner.stats
                throw LiveHarness.HarnessError.stalled("\(what): idle \(await runner.isIdle), trades seen \(broker.tradesSeen), bars \(stats.barsProcessed), errors \(stats.lastErrors)")
            }
            try await Task.sleep(for: .microseconds(300))
        }
    }

    func stop() async {
        await runner.stop()
        await gw.shutdown()
    }
}

@Suite("Live parity on two contracts", .serialized, .enabled(if: TwoContracts.available, "the MES and NQ minute files of the shared datasets"))
struct LivePortfolioParityTests {
    @Test("the overnight-range breakout on MES and NQ, run live on one account against the loopback gateway serving both contracts, makes exactly the portfolio backtest's trades on each symbol (time, side, price, size, reason), from bars built per contract",
          arguments: [
            [String: String](),
            ["atr_multiplier_sl": "0.1", "breakeven_profit_pts": "3", "eod_flatten_time": "11:00 America/New_York"],
          ])
    func twoContractParity(_ overrides: [String: String]) async throws {
        let series = try TwoContracts.series()
        let result = try TwoContracts.backtest(series, try TwoContracts.strategies(overrides))
        // The backtest closes what is open when the data ends; live keeps it.
        let expected = TwoContracts.bySymbol(result.trades.filter { $0.exitReason != "end" })
        #expect((expected["MES"]?.count ?? 0) >= 2 && (expected["NQ"]?.count ?? 0) >= 2)
        let live = try await PortfolioHarness.make(strategies: try TwoContracts.strategies(overrides))
        let played = try await live.playAll()
        #expect(played == series.reduce(0) { $0 + $1.count })
        let got = TwoContracts.bySymbol(live.broker.ledger.trades)
        // Each contract's bars, built from its own prints, are its tape's bars.
        for s in series { #expect(await live.runner.closedBars(of: s.symbol) == s.bars, "\(s.symbol) bars") }
        // Attributed to the strategy that traded the symbol, as in the backtest.
        let owners = Set(live.broker.ledger.trades.map { "\($0.symbol) \($0.strategy ?? "-")" })
        #expect(owners == Set(result.trades.filter { $0.exitReason != "end" }.map { "\($0.symbol) \($0.strategy ?? "-")" }))
        #expect(owners.isSubset(of: ["MES overnight_range@MES", "NQ overnight_range@NQ"]))
        await live.stop()
        for symbol in ["MES", "NQ"] {
            #expect(got[symbol] ?? [] == expected[symbol] ?? [], "\(symbol) trades")
        }
        if got != expected || ProcessInfo.processInfo.environment["TSXLAB_SHOW_TRADES"] != nil {
            print("live orders:\n" + live.broker.allOrders.map { "\($0.symbol) \($0.side) \($0.request.kind) \($0.status) \($0.createdAt)" }.joined(separator: "\n"))
            print("runner notes: \(await live.runner.stats.lastErrors)")
            for symbol in ["MES", "NQ"] {
                print("backtest \(symbol):\n" + (expected[symbol] ?? []).map(\.description).joined(separator: "\n"))
                print("live \(symbol):\n" + (got[symbol] ?? []).map(\.description).joined(separator: "\n"))
            }
        }
    }
}

@Suite("Paper trading on two contracts", .enabled(if: TwoContracts.available, "the MES and NQ minute files of the shared datasets"))
struct PaperPortfolioTests {
    @Test("paper mode on MES and NQ: the runner builds each contract's bars from the gateway's prints and the simulated exchange trades them exactly as the portfolio backtest of the same bars")
    func paperOnTwoContracts() async throws {
        let series = try TwoContracts.series()
        let expected = TwoContracts.bySymbol(try TwoContracts.backtest(series, try TwoContracts.strategies()).trades.filter { $0.exitReason != "end" })
        #expect(!(expected["MES"] ?? []).isEmpty && !(expected["NQ"] ?? []).isEmpty)
        if ProcessInfo.processInfo.environment["TSXLAB_SHOW_TRADES"] != nil {
            for (symbol, trades) in expected { print("backtest \(symbol):\n" + trades.map(\.description).joined(separator: "\n")) }
        }
        let gw = try await GatewayProcess.start(tapes: TwoContracts.tapes, extra: TwoContracts.gatewayWindow)
        defer { gw.stop() }
        let client = ProjectXClient(baseURL: gw.baseURL, credentials: APICredentials(userName: "trader", apiKey: Secret(LoopbackGateway.key)),
                                    retry: RetryPolicy(delays: [0.05, 0.1, 0.2]))
        let exchange = SimulatedExchange(instruments: try TwoContracts.instruments(), rules: LiveHarness.rules)
        var settings = LiveRunnerSettings(accountID: 0, markets: TwoContracts.markets)
        settings.flattenTime = LiveHarness.rules.flattenTime
        let timing = HubTiming(keepAlive: 5, staleAfter: 0, invocationTimeout: 30, reconnectDelays: [0.05, 0.2])
        let market = HubClient(url: gw.hubURL + "/hubs/market", timing: timing) { try await client.token(replacing: $0) }
        let runner = LiveRunner(paper: exchange, client: client, strategies: try TwoContracts.strategies(), settings: settings, marketHub: market)
        try await runner.startPaper(warmupFrom: nil)
        var played = 0
        while true {
            let r = try await gw.post("/_gateway/step", ["minutes": 1, "boundary": false])
            let n = r["played"] as? Int ?? 0
            guard n > 0 else { break }
            played += n
            _ = try await gw.post("/_gateway/tick")
            let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
            while await runner.stats.barsProcessed < played {
                guard Date() < deadline else { Issue.record("bar \(played) never closed"); return }
                try await Task.sleep(for: .microseconds(300))
            }
        }
        let (trades, _) = await runner.summary()
        for s in series { #expect(await runner.closedBars(of: s.symbol) == s.bars, "\(s.symbol) bars") }
        let got = TwoContracts.bySymbol(trades)
        for symbol in ["MES", "NQ"] { #expect(got[symbol] ?? [] == expected[symbol] ?? [], "\(symbol) trades") }
        await runner.stop()
    }
}

@Suite("Loopback gateway on two contracts")
struct GatewayPortfolioTests {
    @Test("one gateway serves two contracts: both found by search, each one's history and market data, orders filled on each on its own grid, a position per contract on the one account",
          .enabled(if: TwoContracts.available, "the MES and NQ minute files of the shared datasets"))
    func servesTwoContracts() async throws {
        let gw = try await GatewayProcess.start(tapes: TwoContracts.tapes, extra: TwoContracts.gatewayWindow)
        defer { gw.stop() }
        let client = LoopbackGateway.client(gw)
        let registry = ContractRegistry.builtIn
        let (mes, _) = try await client.contract(for: "MES", registry: registry)
        let (nq, _) = try await client.contract(for: "NQ", registry: registry)
        #expect(mes.id == "CON.F.US.MES.Z23" && nq.id == "CON.F.US.ENQ.Z23")
        // Ten minutes of both contracts.
        _ = try await gw.post("/_gateway/step", ["minutes": 10])
        let series = try TwoContracts.series()
        for (s, id) in zip(series, [mes.id, nq.id]) {
            let bars = try await client.retrieveBars(contractId: id, unit: .minute, unitNumber: 1, start: TwoContracts.from, end: TwoContracts.to)
            #expect(bars.count == s.bars.prefix { $0.time.seconds < TwoContracts.from.seconds + 600 }.count, "\(s.symbol) history")
            #expect(bars.map { TwoContracts.tick.ticks(decimal: $0.c)! } == s.bars.prefix(bars.count).map(\.close.ticks))
        }
        // A market order on each, filled at the next bar's open of its own contract.
        for id in [mes.id, nq.id] {
            _ = try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: id, type: .market, side: .bid, size: 1,
                                                                customTag: "two-\(id)"))
        }
        _ = try await gw.post("/_gateway/step", ["minutes": 1])
        let positions = try await client.openPositions(accountId: 1)
        #expect(Set(positions.map(\.contractId)) == [mes.id, nq.id])
        let trades = try await client.searchTrades(accountId: 1, from: TwoContracts.from)
        for (s, id) in zip(series, [mes.id, nq.id]) {
            let open = s.bars.first { $0.time.seconds >= TwoContracts.from.seconds + 600 }!.open
            #expect(trades.first { $0.contractId == id }.map { TwoContracts.tick.ticks(decimal: $0.price) } == open.ticks, "\(s.symbol) fill")
        }
        let state = try gw.state()
        #expect(state["bars"] as? Int == series.reduce(0) { $0 + $1.count })
    }
}

@Suite("Live job on two contracts", .serialized, .enabled(if: TwoContracts.available, "the MES and NQ minute files of the shared datasets"))
struct LiveJobPortfolioTests {
    /// A gateway serving MES and NQ with the first trade day played, and a job for the
    /// overnight-range example on `data.symbols: [MES, NQ]`.
    static func setUp(_ label: String) async throws -> (GatewayProcess, LiveJob, LivePlan, LiveJobTests.Reported) {
        let gw = try await GatewayProcess.start(tapes: TwoContracts.tapes, extra: TwoContracts.gatewayWindow)
        // The first trade day (2023-11-27) played before the job starts: its warm-up.
        _ = try await gw.post("/_gateway/step", ["minutes": 1380])
        let client = ProjectXClient(baseURL: gw.baseURL, credentials: APICredentials(userName: "trader", apiKey: Secret(LoopbackGateway.key)),
                                    retry: RetryPolicy(delays: [0.05, 0.1, 0.2]))
        let store = try StoreSchema.open("sqlite:" + TestEnvironment.temporaryDirectory(label) + "/tsxlab.sqlite")
        let db = try #require(store as? any SQLDatabase)
        let path = TestEnvironment.packageRoot + "/examples/overnight-range.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "  symbol: ES\n", with: "  symbols: [MES, NQ]\n")
        let cfg = try RunConfiguration.parse(yaml: text, source: path, environment: [:])
        #expect(cfg.data.symbols == ["MES", "NQ"])
        var plan = LivePlan(config: cfg, live: LiveSection(account: nil, pin: nil), warmupFrom: TwoContracts.from, rtcURL: gw.hubURL)
        plan.force = true
        var job = LiveJob(client: client, db: db, store: store, registry: .builtIn)
        let reported = LiveJobTests.Reported()
        job.logger = reported.logger
        job.onBar = { b in reported.bars.withLock { $0.append(b) } }
        return (gw, job, plan, reported)
    }

    @Test("paper mode of data.symbols [MES, NQ] through the job: both contracts' bars from the gateway's prints, each symbol's bar lines in order, nothing sent to the gateway")
    func paperOnTwoContracts() async throws {
        let (gw, job, plan, reported) = try await Self.setUp("paper-job-two")
        defer { gw.stop() }
        let (stop, stopping) = AsyncStream.makeStream(of: Void.self)
        let running = Task { try await job.paper(plan, until: stop) }
        let started = "paper: overnight_range@MES, overnight_range@NQ on CON.F.US.MES.Z23,CON.F.US.ENQ.Z23; replayed "
        try await reported.wait("paper mode to start") { reported.notes.withLock { $0.contains { $0.hasPrefix(started) } } }
        _ = try await gw.post("/_gateway/step", ["minutes": 60])
        try await reported.wait("bars of both symbols") { reported.bars.withLock { bars in Set(bars.map(\.symbol)) == ["MES", "NQ"] } }
        stopping.yield()
        _ = try await running.value
        for symbol in ["MES", "NQ"] {
            let times = reported.bars.withLock { $0.filter { $0.symbol == symbol }.map(\.time.seconds) }
            #expect(!times.isEmpty && times == times.sorted() && Set(times).count == times.count, "\(symbol)")
        }
        #expect(try gw.state()["ordersPlaced"] as? Int == 0)
    }

    /// A configuration with `data.symbols: [MES, NQ]` run by `LiveJob` against a gateway serving
    /// both: the first trade day is the warm-up (replayed from each contract's history), the
    /// second trades live until the job is stopped.
    @Test("a live run of data.symbols [MES, NQ] resolves both contracts, replays each one's history, reports bars of both symbols, and on stop leaves nothing open at the venue on either")
    func liveRunOnTwoContracts() async throws {
        let (gw, job, plan, reported) = try await Self.setUp("live-job-two")
        defer { gw.stop() }
        let client = job.client
        let (stop, stopping) = AsyncStream.makeStream(of: Void.self)
        let running = Task { try await job.run(plan, until: stop) }
        let started = "live: overnight_range@MES, overnight_range@NQ on 50KTC-LOOPBACK-1 CON.F.US.MES.Z23,CON.F.US.ENQ.Z23"
        try await reported.wait("the runner to start") { reported.notes.withLock { $0.contains { $0.hasPrefix(started) } } }
        let warm = try #require(reported.notes.withLock { $0.first { $0.hasPrefix(started) } })
        let playedBefore = try gw.state()["cursor"] as? Int ?? 0
        #expect(warm.hasSuffix("replayed \(playedBefore) bars"), "\(warm)")
        // Into the second day's cash session: both symbols' bars are reported as they close.
        let target = Timestamp(iso8601: "2023-11-28T15:00:00Z")!
        while let next = try? await gw.post("/_gateway/step", ["minutes": 30]), (next["played"] as? Int ?? 0) > 0 {
            if let t = next["time"] as? String, let now = Timestamp(iso8601: t), now >= target { break }
        }
        try await reported.wait("bars of both symbols") { reported.bars.withLock { bars in Set(bars.map(\.symbol)) == ["MES", "NQ"] } }
        stopping.yield()
        try await running.value
        #expect(reported.notes.withLock { $0.contains { $0.hasPrefix("live: trading stopped: flat, nothing working") } }, "\(reported.notes.withLock { $0 })")
        #expect(try await client.workingOrders(accountId: 1).isEmpty)
        #expect(try await client.openPositions(accountId: 1).isEmpty)
        // Each symbol's bar lines in time order, each once.
        for symbol in ["MES", "NQ"] {
            let times = reported.bars.withLock { $0.filter { $0.symbol == symbol }.map(\.time.seconds) }
            #expect(!times.isEmpty && times == times.sorted() && Set(times).count == times.count, "\(symbol)")
        }
    }
}

@Suite("Live restart on two contracts", .serialized, .enabled(if: TwoContracts.available, "the MES and NQ minute files of the shared datasets"))
struct LivePortfolioRestartTests {
    @Test("a two-contract runner killed with an NQ position open and MES entries working, started again, replays both contracts' history, finds its orders on each contract by tag, sends none twice and ends with the portfolio backtest's trades on each symbol")
    func killAndRestartOnTwoContracts() async throws {
        let series = try TwoContracts.series()
        let result = try TwoContracts.backtest(series, try TwoContracts.strategies())
        let expected = TwoContracts.bySymbol(result.trades.filter { $0.exitReason != "end" })
        let state = LiveStateStore(db: try #require(try StoreURL.open("sqlite:\(TestEnvironment.temporaryDirectory("live-two-restart"))/state.db") as? any SQLDatabase),
                                   account: "1")
        let first = try await PortfolioHarness.make(strategies: try TwoContracts.strategies(), tagPrefix: "two", state: state)
        defer { first.gw.stop() }
        // Killed after the NQ short filled at the cash open (14:30) and before the MES short's entry (14:39).
        try await first.playAll(until: Timestamp(iso8601: "2023-11-30T14:35:00Z")!)
        #expect(first.broker.position("NQ").quantity == -1 && first.broker.position("MES").isFlat)
        let working = Set(first.broker.openOrders().map(\.symbol))
        #expect(working == ["MES", "NQ"], "working orders on both contracts: \(first.broker.openOrders())")
        let before = first.broker.account
        let placedBefore = try first.gw.state()["place"] as? Int ?? 0
        await first.runner.kill()

        let saved = try #require(try state.load())
        let second = try await PortfolioHarness.attach(first.gw, strategies: try TwoContracts.strategies(), tagPrefix: saved.tagPrefix, state: state,
                                                       resumeFrom: TwoContracts.from)
        #expect(second.broker.account.balance == before.balance)
        #expect(second.broker.position("NQ").quantity == -1 && second.broker.position("MES").isFlat)
        #expect(Set(second.broker.openOrders().map(\.symbol)) == ["MES", "NQ"])
        #expect(try second.gw.state()["place"] as? Int == placedBefore, "no order sent again by the restart")
        try await second.playAll()
        let got = TwoContracts.bySymbol(second.broker.ledger.trades)
        await second.runner.stop()
        for symbol in ["MES", "NQ"] { #expect(got[symbol] ?? [] == expected[symbol] ?? [], "\(symbol) trades") }
        let sent = try state.orders()
        #expect(Set(sent.map(\.tag)).count == sent.count && sent.allSatisfy { $0.status == "accepted" && $0.gatewayID != nil })
    }
}

@Suite("Recording the tape of two contracts", .enabled(if: TwoContracts.available, "the MES and NQ minute files of the shared datasets"))
struct PortfolioTapeRecordingTests {
    @Test("a runner on two contracts records each contract's prints and quotes under its own code (MESZ23, NQZ23), each equal to what the gateway sent for that contract")
    func recordsEachContract() async throws {
        let (store, _, _) = try StoreKind.sqlite.make()
        let tapeStore = TapeStore(db: try #require(store as? any SQLDatabase))
        let recorder = TapeRecorder(tape: tapeStore)
        let live = try await PortfolioHarness.make(strategies: try TwoContracts.strategies(), recorder: recorder)
        try await live.playAll(until: Timestamp(iso8601: "2023-11-27T01:00:00Z")!)
        let everything = try #require(try await live.gw.post("/_gateway/sent-market")["sent"] as? [[String: Any]])
        let quotesOut = everything.filter { $0["target"] as? String == "GatewayQuote" && $0["connections"] as? Int == 1 }.count
        let handed = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while recorder.tallies.received.quotes < quotesOut {
            guard Date() < handed else { Issue.record("the recorder was handed \(recorder.tallies.received), the gateway sent \(quotesOut) quotes"); break }
            try await Task.sleep(for: .milliseconds(20))
        }
        await recorder.finish()
        await live.stop()
        let all = TimeWindow(from: .distantPast, to: .distantFuture)
        for (code, contract) in [("MESZ23", "CON.F.US.MES.Z23"), ("NQZ23", "CON.F.US.ENQ.Z23")] {
            func items(_ target: String) throws -> [JSONValue] {
                try everything.filter { $0["target"] as? String == target && $0["contract"] as? String == contract && $0["connections"] as? Int == 1 }
                    .map { try JSONValue.parse(Data(try JSONSerialization.data(withJSONObject: $0["item"]!))) }
            }
            let prints = try items("GatewayTrade").compactMap { try PXTradePrint(json: $0).tapePrint(tick: TwoContracts.tick) }
            let quotes = try items("GatewayQuote").compactMap { try PXQuote(json: $0).tapeQuote(tick: TwoContracts.tick) }
            #expect(prints.count > 100 && quotes.count > 25, "\(code)")
            #expect(try tapeStore.read(code, all) == prints, "\(code) prints")
            #expect(try tapeStore.quotes(code, all) == quotes, "\(code) quotes")
        }
    }
}

@Suite("Loopback venue: contracts on different tick grids")
struct GatewayVenueTickGridTests {
    @Test("a venue trading ES (0.25) and 6E (0.00005) serves each one's bars on its own grid, takes a 6E price on the 6E grid, refuses one off it naming the tick size, and fills each contract at its own prices",
          .enabled(if: SharedData.exists("6EH4_1m_2024-01.csv.gz"), "the 6E minute file of the shared datasets"))
    func eachContractOnItsGrid() async throws {
        let es = try LiveParityTests.esz13(through: "2013-10-08T00:00:00Z")
        let euroTick = TickSize("0.00005")!
        let euro = try SharedData.loadBars("6EH4_1m_2024-01.csv.gz", symbol: "6E", tickSize: euroTick, to: Timestamp(iso8601: "2024-01-03T00:00:00Z")!)
        var config = GatewayConfig()
        config.rules = .unlimited(Money(cents: 50_000_00))
        let venue = GatewayVenue(config: config, tapes: [GatewayTape(series: es, contract: ContractID(cme: "ESZ13")!),
                                                         GatewayTape(series: euro, contract: ContractID(cme: "6EH4")!)])
        let contracts = await venue.allContracts()
        let esID = try #require(contracts.first { $0.symbolId == "F.US.EP" }).id, euroID = try #require(contracts.first { $0.symbolId == "F.US.EU6" }).id
        // Every ES bar (2013), then 6E into the 2024-01-02 London morning.
        let target = Timestamp(iso8601: "2024-01-02T10:00:00Z")!
        while await venue.now < target { guard await venue.step(1) == 1 else { break } }
        let played = euro.bars.prefix { $0.time < target }
        func closes(_ id: String, _ tick: TickSize, _ from: Timestamp) async -> [Int64] {
            let r = await venue.bars(PXRetrieveBarsRequest(contractId: id, startTime: PXTime.format(from), endTime: PXTime.format(target),
                                                           unit: PXBarUnit.minute.rawValue, unitNumber: 1, limit: 20_000, includePartialBar: true))
            return (r.bars ?? []).reversed().map { tick.ticks(decimal: $0.c)! }
        }
        #expect(await closes(euroID, euroTick, euro.first!.time) == played.map(\.close.ticks))
        #expect(await closes(esID, TickSize("0.25")!, es.first!.time) == es.bars.map(\.close.ticks))
        // A limit between two 6E ticks is refused, naming the grid; a market order fills at the
        // next 6E bar's open, on the 6E grid.
        let off = await venue.place(PXPlaceOrderRequest(accountId: 1, contractId: euroID, type: .limit, side: .bid, size: 1, limitPrice: Decimal(string: "1.10003")!))
        #expect(off.orderId == nil && (off.errorMessage ?? "").contains("0.00005"), "\(off)")
        let placed = await venue.place(PXPlaceOrderRequest(accountId: 1, contractId: euroID, type: .market, side: .bid, size: 1))
        #expect(placed.orderId != nil, "\(placed)")
        #expect(await venue.step(1) == 1)
        let fill = try #require(await venue.tradeList(from: nil, to: nil).last)
        let next = euro.bars[played.count]
        #expect(fill.contractId == euroID && euroTick.ticks(decimal: fill.price) == next.open.ticks)
        #expect(await venue.positions().map(\.contractId) == [euroID])
    }
}
