import Backtest
import Configuration
import Data
import Foundation
import Jobs
import Store
import Strategies
import Testing
import Trading
import TSXLabTesting

/// The application services called as a library, without the CLI binary.
@Suite("Backtest job and sweep through the library")
struct JobsLibraryTests {
    /// Two days of seeded ES minute bars (a random walk with drifts, so moving averages cross).
    static func bars() -> BarSeries {
        var g = SeededGenerator(seed: 11)
        var b = BarBuilder(start: "2019-03-05T14:30:00Z")
        var price: Int64 = 10_000, drift: Int64 = 1
        for i in 0..<1_200 {
            if i % 90 == 0 { drift = -drift }
            let step = Int64(g.next() % 7) - 3 + drift
            let open = price, close = price + step
            _ = b.bar(open, max(open, close) + Int64(g.next() % 3), min(open, close) - Int64(g.next() % 3), close)
            price = close
        }
        return b.series
    }

    /// A store with the bars and a configuration of sma-bracket on them (sessions ignored, as the
    /// reference workload does).
    static func setUp(_ label: String) throws -> (BacktestJob, any BarStore) {
        let store = try StoreSchema.open("sqlite:" + TestEnvironment.temporaryDirectory(label) + "/tsxlab.sqlite")
        let series = bars()
        try store.write(series, coverage: nil)
        var cfg = try RunConfiguration.parse(yaml: "", source: "test", environment: [:])
        cfg.data.symbol = "ES"
        cfg.data.timeframe = .oneMinute
        cfg.exchange.enforceSessions = false
        cfg.exchange.pathModel = PathModel.stopFirst.rawValue
        let d = try StrategyCatalog.descriptor(named: "sma_bracket")
        for i in cfg.strategies.indices { cfg.strategies[i].enabled = false }
        cfg.strategies.removeAll { $0.name == d.name }
        cfg.strategies.append(StrategyEntry(name: d.name, symbol: "ES", enabled: true, parameters: d.defaults()))
        try cfg.setParameter("fast", value: "5", source: "test")
        try cfg.setParameter("slow", value: "30", source: "test")
        return (BacktestJob(config: cfg, registry: .builtIn, store: store, source: nil), store)
    }

    @Test("a backtest job loads the bars, trades them and records the run")
    func backtestJob() throws {
        let (job, store) = try Self.setUp("jobs-backtest")
        let outcome = try job.run()
        #expect(outcome.series.count == 1_200)
        #expect(outcome.summary.trades > 0 && outcome.summary.trades == outcome.result.trades.count)
        let db = try #require(store as? any SQLDatabase)
        let rows = try db.query("SELECT config_hash FROM backtest_runs WHERE run_id = $1", [.text(outcome.summary.runId)])
        #expect(rows.first?.first?.text == job.config.hash)
        #expect(try db.query("SELECT COUNT(*) FROM backtest_trades WHERE run_id = $1", [.text(outcome.summary.runId)]).first?.first?.int
                == Int64(outcome.summary.trades))
    }

    @Test("data.ticks and exchange.limit_fill from the file: the job reads the stored prints and they decide the fills; a contract without prints is named, and the hash of a run without them is unchanged")
    func backtestOnPrints() throws {
        let dir = TestEnvironment.temporaryDirectory("jobs-ticks")
        let store = try StoreSchema.open("sqlite:" + dir + "/tsxlab.sqlite")
        let tick = TickSize("0.25")!
        let bars = try SharedData.readBars(path: TestEnvironment.sharedDataset("ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz"),
                                           symbol: "ES", tickSize: tick, timeframe: .oneMinute)
        try store.write(bars, coverage: nil)
        let yaml = """
            data:
              symbol: ES
              from: 2018-05-07T13:30:00Z
              to: 2018-05-07T17:00:00Z
              ticks: esm8
            exchange:
              limit_fill: touch
            strategies:
              sma_bracket:
                fast: 2
                slow: 5
                stop_ticks: 4
                target_ticks: 4
            """
        let cfg = try RunConfiguration.parse(yaml: yaml, source: "test.yaml", environment: [:])
        #expect(cfg.data.ticks == "ESM8" && cfg.exchange.limitFill == "touch")
        #expect(cfg.canonicalText.contains("data.ticks=ESM8\nexchange.limit_fill=touch"))
        var plain = cfg
        plain.data.ticks = nil
        #expect(!plain.canonicalText.contains("data.ticks") && !plain.canonicalText.contains("limit_fill"))
        let job = BacktestJob(config: cfg, registry: .builtIn, store: store, source: nil)
        #expect { try job.run(record: false) } throws: { "\($0)".contains("no stored prints of ESM8") && "\($0)".contains("data import --ticks") }
        _ = try TickImport.importFile(path: TestEnvironment.sharedDataset("ESM8_ticks_2018-05-07_0830-1200CT.csv.gz"),
                                      options: TickCSVOptions(symbol: "ESM8", tickSize: tick), into: TapeStore(store, storeURL: dir))
        #expect(job.exchangeConfig().limitFillOnPrints == .touch)
        let outcome = try job.run(record: false)
        #expect(outcome.result.trades.count > 0 && outcome.result.resolution.prints > 0)
        #expect(outcome.summary.fillResolution.prints == outcome.result.resolution.prints)
        #expect(outcome.result.fills.allSatisfy { $0.resolution == .prints || $0.resolution == .exact })
        #expect(outcome.summary.fidelity == nil)

        // The audit: the same trades; each model's P&L is the run on the bars alone under it.
        var audited = job
        audited.fidelity = true
        let withAudit = try audited.run(record: false)
        #expect(withAudit.result.trades == outcome.result.trades)
        let a = try #require(withAudit.summary.fidelity)
        #expect(a.barsByPrints == a.audited && a.audited > 0 && a.netPnlUsd == outcome.result.netPnL.description)
        for (m, model) in PathModel.allCases.enumerated() {
            var alone = cfg
            alone.data.ticks = nil
            alone.exchange.pathModel = model.rawValue
            let pnl = try BacktestJob(config: alone, registry: .builtIn, store: store, source: nil).run(record: false).result.netPnL
            #expect(a.scores[m].netPnlUsd == pnl.description, "\(model)")
        }
        // Tick replay: the bars are built from the prints at the configured timeframe; the stored
        // bars are not read.
        var replay = job
        replay.config.data.barsFromTicks = true
        replay.config.data.timeframe = Timeframe("5m")!
        #expect(replay.config.canonicalText.contains("data.ticks=ESM8\ndata.bars_from=ticks\n") && !cfg.canonicalText.contains("bars_from"))
        let built = try #require(try TickBars.build(from: TapeStore(store, storeURL: dir), symbol: "ESM8", timeframe: Timeframe("5m")!,
                                                     window: TimeWindow(from: cfg.data.from!, to: cfg.data.to!)))
        let (series, finer) = try replay.loadBars()
        #expect(series.symbol == "ES" && series.timeframe == Timeframe("5m")! && series.count == 42 && finer == nil)
        #expect(series.time == built.bars.time && series.open == built.bars.open && series.high == built.bars.high
                && series.low == built.bars.low && series.close == built.bars.close && series.volume == built.bars.volume)
        let replayed = try replay.run(record: false)
        #expect(replayed.result.bars == 42 && replayed.result.fills.allSatisfy { $0.resolution == .prints || $0.resolution == .exact })
        var noTicks = replay
        noTicks.config.data.ticks = nil
        #expect { try noTicks.run(record: false) } throws: { "\($0)".contains("data.bars_from") && "\($0)".contains("data.ticks names none") }
        var otherContract = replay
        otherContract.config.data.ticks = "ESU8"
        #expect { try otherContract.run(record: false) } throws: { "\($0)".contains("no stored prints of ESU8") }

        // Nothing finer than the bars: nothing to audit against, and the error says what to store.
        var bare = audited
        bare.config.data.ticks = nil
        #expect { try bare.run(record: false) } throws: { "\($0)".contains("--fidelity") && "\($0)".contains("data.ticks") && "\($0)".contains("finer_timeframe") }
    }

    @Test("a small sweep runs every configuration, records it, resumes with nothing left, and agrees with single backtests")
    func sweep() async throws {
        let (job, _) = try Self.setUp("jobs-sweep")
        let space = SweepSpace(axes: [try SweepAxis.parse("fast=5,8"), try SweepAxis.parse("slow=20,30")])
        let sweep = try SweepJob(backtest: job, space: space)
        let pending = try sweep.register()
        #expect(pending.count == 4)
        var seen = 0
        let local = try await sweep.runLocally(pending, workers: 2, kernel: nil, isCancelled: { false }) { _, n in seen = n }
        #expect(local.finished == 4 && seen == 4)
        let all = try sweep.results()
        #expect(all.map(\.cell.index) == [0, 1, 2, 3])
        // Every configuration run now left its end-of-session balances, the inputs of PSR, DSR and PBO.
        #expect(local.dailyBalances.keys.sorted() == [0, 1, 2, 3] && local.dailyBalances.values.allSatisfy { $0.count >= 2 })
        let judged = try #require(sweep.overfitting(local.dailyBalances, chosen: all[2]))
        #expect(judged.trials == 4 && judged.chosenName == sweep.label(2) && judged.moments.observations == 2)
        #expect(SweepJob.overfittingCSV(judged).hasPrefix("name,value,meaning\nchosen,\"\(sweep.label(2))\","))
        #expect(try sweep.register().isEmpty)  // a rerun resumes: nothing left to do
        // The store keeps each configuration's balances to the cent, so the sweep judged from the
        // store (as its stored page is) equals the one judged from this run's memory.
        let db = try #require(sweep.database)
        let stored = try SweepTables(db: db).dailyBalances(sweep.sweepID)
        #expect(stored.map(\.cell) == [0, 1, 2, 3] && stored.allSatisfy { $0.dayBalances.elementsEqual(local.dailyBalances[$0.cell]!) { $0.day == $1.day && $0.balance == $1.balance } })
        let fromStore = try sweep.judge(local.dailyBalances, chosen: all[2], ranking: "net_pnl, at least 1 trade")
        #expect(fromStore.statistics == judged && fromStore.note == nil && fromStore.withBalances == 4)
        #expect(try SweepTables(db: db).sweeps(withPrefix: sweep.sweepID).first?.chosenConfigHash == all[2].configHash)
        // Configurations recorded before the store kept balances are run once more to fill them in,
        // keeping their results; until then the statistics say what they cover.
        try db.execute("DELETE FROM sweep_daily_balances WHERE cell IN (1, 3)", [])
        let partial = try sweep.judge([:], chosen: all[2], ranking: "net_pnl, at least 1 trade")
        #expect(partial.withBalances == 2 && partial.configurations == 4 && partial.note?.contains("Over 2 of the sweep's 4 configurations") == true)
        let refill = try sweep.register()
        #expect(refill.map(\.index) == [1, 3])
        _ = try await sweep.runLocally(refill, workers: 2, kernel: nil, isCancelled: { false })
        #expect(try sweep.results() == all && SweepTables(db: db).dailyBalances(sweep.sweepID) == stored)
        #expect(try sweep.judge([:], chosen: all[2], ranking: "net_pnl, at least 1 trade").statistics == judged)
        // Each configuration's result is what a single backtest of it gives.
        for r in all {
            var single = job
            single.config = try sweep.configuration(for: r.cell)
            let summary = try single.run(record: false).summary
            #expect(r.trades == summary.trades && r.netPnl == Money(summary.netPnlUsd), "\(r.cell.values)")
            #expect(r.configHash == single.config.hash)
        }
        // The sweep kernel models these settings (sma-bracket, stop-first, no sessions), and gives
        // the engine's results.
        let kernel = try #require(try sweep.kernel(for: pending))
        for cell in pending {
            let k = try sweep.evaluate(cell, kernel: kernel), e = try sweep.evaluate(cell, kernel: nil)
            #expect(k.trades == e.trades && k.netPnl == e.netPnl, "\(cell.values)")
        }
        let csv = SweepJob.csv(all, names: space.names)
        #expect(csv.split(separator: "\n").count == 5 && csv.hasPrefix("fast,slow,trades,net_pnl_usd"))
    }

    @Test("the queue is PostgreSQL's: a SQLite store refuses it")
    func queueNeedsPostgres() throws {
        let (job, _) = try Self.setUp("jobs-queue")
        let sweep = try SweepJob(backtest: job, space: SweepSpace(axes: [try SweepAxis.parse("fast=5,8")]))
        #expect(throws: SweepQueueUnavailable.self) { try sweep.enqueue() }
    }
}
