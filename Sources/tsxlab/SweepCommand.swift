import ArgumentParser
import Backtest
import Configuration
import Data
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Strategies
import Synchronization
import Trading

struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a parameter sweep on every core: each configuration a full backtest over one load of the bars.",
        discussion: """
            --param name=v1,v2,… or name=a..b:step adds an axis; the axes are crossed (grid) or sampled
            (--samples N --seed S). Results go to the store as they finish (a rerun of the same sweep
            skips what is done; Ctrl-C stops cleanly) and to DIR/results.csv; the ranking is printed
            (--json for scripts). --shard K/N runs every N-th configuration from the K-th, for job arrays.
              tsxlab sweep --strategy sma-bracket --param fast=5,10,20 --param slow=60..200:20 --symbol ES --out DIR
            """)

    @OptionGroup var options: RunOptions
    @Option(name: .customLong("param"), help: ArgumentHelp("An axis: name=v1,v2,… or name=a..b:step (repeatable).", valueName: "spec"))
    var params: [String] = []
    @Option(help: "Sample this many configurations instead of the full grid.") var samples: Int?
    @Option(help: "Seed of the sample.") var seed: UInt64 = 1
    @Option(help: "Run shard K of N (e.g. 2/8).") var shard: String?
    @Option(help: "Ranking metric: \(SweepOutcome.metrics.joined(separator: ", ")).") var metric = "net_pnl"
    @Option(help: "Rank only configurations with at least this many trades.") var minTrades = 1
    @Option(help: "Configurations to show in the ranking.") var top = 10
    @Option(help: "Parallel workers (default: the machine's cores).") var workers: Int?
    @Option(help: "Walk-forward: in=MONTHS,out=MONTHS[,anchored]: optimise in-sample by --metric, trade the next window, stitch the out-of-sample results.")
    var walkForward: String?
    @Flag(help: "Put every configuration on the sweep's work queue in PostgreSQL and exit (workers take them).") var enqueue = false
    @Flag(help: "Work the sweep's queue in PostgreSQL: lease a configuration, run it, record it, repeat until none is left.") var worker = false
    @Option(help: "Seconds a worker's lease lasts; a dead worker's configurations are redone after it.") var lease = 120
    @Flag(help: "Run every configuration as a full engine backtest, even where a specialised sweep kernel applies (to cross-check it).")
    var engineOnly = false
    @Option(help: "Folder for results.csv.") var out: String?
    @Flag(help: "Print the ranking as JSON.") var json = false

    func run() async throws {
        do {
            try await sweep()
        } catch let e as DataError {
            Terminal.error(e.description)
            throw ExitCode(e.exitCode)
        } catch let e as ConfigurationError {
            Terminal.error(e.description)
            throw ExitCode(e.exitCode)
        }
    }

    func sweep() async throws {
        guard SweepOutcome.metrics.contains(metric) else { throw ValidationError("--metric must be one of \(SweepOutcome.metrics.joined(separator: ", "))") }
        let base = try options.configuration()
        let axes = try params.map(SweepAxis.parse)
        guard !axes.isEmpty else { throw ValidationError("give at least one --param axis") }
        guard base.enabledStrategies.count == 1, let entry = base.enabledStrategies.first else {
            throw ValidationError("a sweep runs one strategy: enable exactly one (--strategy NAME)")
        }
        // Every value must parse before anything runs.
        for a in axes { for t in a.tuples { for (k, n) in a.names.enumerated() { var c = base; try RunOptions.setParameter(&c, name: n, value: t[k], source: "--param") } } }
        let space = SweepSpace(axes: axes)
        var cells = samples.map { space.random($0, seed: seed) } ?? space.grid()
        if let shard {
            let kn = shard.split(separator: "/").compactMap { Int($0) }
            guard kn.count == 2, kn[0] >= 1, kn[0] <= kn[1] else { throw ValidationError("--shard must be K/N with 1 ≤ K ≤ N") }
            cells = SweepSpace.shard(cells, k: kn[0], n: kn[1])
        }
        let job = try options.job(base)
        let (series, finer) = try job.loadBars()
        let instrument = try job.instrument()
        try base.checkConsistency()

        // The sweep's identity: the base configuration, the axes, the bars.
        let sweepID = String(SHA256.hex(Array((base.canonicalText + space.description + "\(series.first!.time)…\(series.last!.time)").utf8)).prefix(16))
        let db = job.store as? any SQLDatabase
        var done = Set<String>()
        if let db {
            if try db.query("SELECT 1 FROM sweeps WHERE sweep_id = $1", [.text(sweepID)]).isEmpty {
                try db.execute("INSERT INTO sweeps (sweep_id, created_at, strategy, symbol, timeframe, data_from, data_to, space, base_config, cells) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                               [.text(sweepID), .text(ISO8601DateFormatter().string(from: Date())), .text(entry.name), .text(series.symbol),
                                .text(series.timeframe.description), .text(series.first!.time.description), .text(series.last!.time.description),
                                .text(space.description), .text(base.canonicalText), .int(Int64(space.count))])
            }
            done = Set(try db.query("SELECT config_hash FROM sweep_results WHERE sweep_id = $1", [.text(sweepID)]).compactMap { $0.first?.text })
        }
        @Sendable func configFor(_ cell: SweepCell) throws -> RunConfiguration {
            var c = base
            for n in space.names { try RunOptions.setParameter(&c, name: n, value: cell.values[n]!, source: "--param") }
            return c
        }
        let pending = try cells.filter { !done.contains(try configFor($0).hash) }
        let skipped = cells.count - pending.count
        Terminal.note("sweep \(sweepID): \(cells.count) configurations of \(entry.name) on \(series.symbol) \(series.timeframe), \(series.count) bars"
                      + (skipped > 0 ? "; \(skipped) already done, resuming" : ""))

        let stop = Mutex(false)
        signal(SIGINT, SIG_IGN)
        let sigint = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        sigint.setEventHandler {
            stop.withLock { $0 = true }
            Terminal.note("\ninterrupted: finishing the configurations under way; finished results are kept")
        }
        sigint.resume()
        defer { sigint.cancel(); signal(SIGINT, SIG_DFL) }

        let exchangeConfig = job.exchangeConfig()
        @Sendable func backtest(_ cell: SweepCell, _ bars: BarSeries) throws -> (BacktestResult, RunSummary, String) {
            let c = try configFor(cell)
            let strategies = try c.enabledStrategies.map { try StrategyCatalog.descriptor(named: $0.name).build(symbol: $0.symbol, parameters: $0.parameters) }
            let ex = SimulatedExchange(instruments: [instrument], rules: c.account, config: exchangeConfig)
            let result = BacktestEngine(exchange: ex, strategies: strategies).run(bars, finer: finer)
            let summary = RunSummary.make(runId: "", result: result, strategies: strategies.map(\.name), series: bars,
                                          rules: c.account, configHash: c.hash)
            return (result, summary, c.hash)
        }
        if enqueue || worker {
            guard let db, db.dialect == "postgres" else {
                throw DataError.badInput(file: job.store.displayURL, line: nil, field: "--store",
                    reason: "the sweep queue lives in PostgreSQL: give --store postgres://… (SQLite serves one machine; use --shard there)")
            }
            if enqueue {
                try db.transaction {
                    for cell in cells {
                        try db.execute("INSERT INTO sweep_queue (sweep_id, cell, status) VALUES ($1, $2, 'pending') ON CONFLICT DO NOTHING",
                                       [.text(sweepID), .int(Int64(cell.index))])
                    }
                }
                Terminal.note("sweep \(sweepID): \(cells.count) configurations queued")
                if json { try Terminal.printJSON(["sweep_id": sweepID]) } else { print(sweepID) }
                return
            }
            let n = try Self.work(sweepID: sweepID, space: space, db: db, leaseSeconds: lease, isCancelled: { stop.withLock { $0 } }) { cell in
                let (_, summary, hash) = try backtest(cell, series)
                return SweepOutcome(cell: cell, configHash: hash, summary: summary)
            }
            Terminal.note("worker done: \(n) configurations computed")
            return
        }
        if let wf = walkForward {
            try await Self.walkForward(try WalkForward.parse(wf), spec: wf, sweepID: sweepID, db: db, cells: cells, series: series, names: space.names, metric: metric,
                                       minTrades: minTrades, workers: workers ?? ProcessInfo.processInfo.activeProcessorCount,
                                       json: json, startingBalance: base.account.startingBalance, isCancelled: { stop.withLock { $0 } }, backtest: backtest)
            return
        }
        // sma-bracket with settings the kernel models runs through `SMABracketKernel`: bars and
        // signals shared by every configuration, the same results as the engine (its tests pin
        // that). Anything else runs each configuration as a full engine backtest.
        let kernelParameters = engineOnly ? nil : try Self.smaBracketKernelParameters(pending.map(configFor), base: base, entry: entry,
                                                                   exchange: exchangeConfig, finer: finer)
        let kernel = kernelParameters.map {
            SMABracketKernel(series: series, instrument: instrument, rules: base.account, config: exchangeConfig, parameters: $0)
        }
        if kernel != nil { Terminal.note("sma-bracket sweep kernel: bars and signals shared across configurations") }
        let daily = DailyBalances([:])
        let evaluate: @Sendable (SweepCell) throws -> SweepOutcome = { cell in
            if let kernel {
                let c = try configFor(cell)
                let run = kernel.run(Self.smaBracketParameters(c.enabledStrategies[0].parameters), strategy: SMABracket.descriptor.name)
                daily.withLock { $0[cell.index] = Self.sessions(run.equity) }
                let summary = RunSummary.make(runId: "", kernelRun: run, strategies: [SMABracket.descriptor.name], series: series,
                                              rules: c.account, configHash: c.hash)
                return SweepOutcome(cell: cell, configHash: c.hash, summary: summary)
            }
            let (result, summary, hash) = try backtest(cell, series)
            daily.withLock { $0[cell.index] = Self.sessions(result.equity) }
            return SweepOutcome(cell: cell, configHash: hash, summary: summary)
        }
        let t0 = monotonicSeconds()
        var finished = 0
        let total = pending.count
        let workerCount = workers ?? ProcessInfo.processInfo.activeProcessorCount
        try await SweepRunner.run(pending, workers: workerCount, isCancelled: { stop.withLock { $0 } }, evaluate: evaluate) { r in
            finished += 1
            if let db { try Self.save(r, sweepID: sweepID, into: db) }
            let elapsed = monotonicSeconds() - t0
            let rate = Double(finished) / max(elapsed, 1e-9)
            Terminal.progress("sweep", Int64(finished), Int64(total),
                              rate: String(format: "%d/%d  %.1f configs/s  ETA %.0f s", finished, total, rate, Double(total - finished) / max(rate, 1e-9)))
        }
        let seconds = monotonicSeconds() - t0
        let interrupted = stop.withLock { $0 }
        // Everything this sweep has (including earlier, resumed runs), in grid order.
        var all: [SweepOutcome] = []
        if let db { all = try Self.load(sweepID: sweepID, space: space, from: db) }
        let barSteps = Double(series.count) * Double(finished)
        Terminal.note(String(format: "%d configurations in %.2f s (%.1f configs/s, %.1fM bar-steps/s)%@", finished, seconds,
                             Double(finished) / max(seconds, 1e-9), barSteps / max(seconds, 1e-9) / 1e6, interrupted ? "; interrupted" : ""))
        if let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try Self.csv(all, names: space.names).write(toFile: out + "/results.csv", atomically: true, encoding: .utf8)
        }
        let ranked = all.filter { $0.trades >= minTrades && $0.metric(metric) != nil }
            .sorted { ($0.metric(metric)!, -$0.cell.index) > ($1.metric(metric)!, -$1.cell.index) }
        let best = Array(ranked.prefix(top))
        let overfitting = Self.overfitting(daily.withLock { $0 }, chosen: ranked.first, names: space.names, space: space,
                                           startingBalance: base.account.startingBalance)
        if let out, let overfitting { try Self.writeOverfitting(overfitting, out: out, sweepID: sweepID, db: db) }
        if json {
            let rows: [[String: String]] = best.map { r in
                var row = r.cell.values
                row["trades"] = String(r.trades); row["net_pnl_usd"] = r.netPnl.description
                row["sharpe"] = r.sharpe.map { String(format: "%.4f", $0) } ?? ""; row["config_hash"] = r.configHash
                return row
            }
            try Terminal.printJSON(["sweep_id": AnyEncodable(sweepID), "configurations": AnyEncodable(all.count), "ranking": AnyEncodable(rows),
                                    "overfitting": AnyEncodable(overfitting.map { OverfittingJSON($0, rows: $0.moments.observations) })])
        } else {
            // Robustness: the metric of each top configuration's grid neighbours (a plateau beats a spike).
            let byCell = Dictionary(all.map { ($0.cell.index, $0) }, uniquingKeysWith: { a, _ in a })
            func neighbourhood(_ r: SweepOutcome) -> String {
                guard samples == nil else { return "-" }
                let vals = space.neighbours(of: r.cell.index).compactMap { byCell[$0]?.metric(metric) }
                guard !vals.isEmpty else { return "-" }
                return String(format: "%.2f / %.2f", vals.min()!, vals.reduce(0, +) / Double(vals.count))
            }
            print("sweep \(sweepID): top \(best.count) by \(metric) (at least \(minTrades) trades)")
            let header: [String] = space.names + ["trades", "net P&L", "win %", "PF", "Sharpe", "max DD", "neighbours min / mean \(metric)"]
            let rows: [[String]] = best.map { (r: SweepOutcome) -> [String] in
                let params: [String] = space.names.map { r.cell.values[$0] ?? "" }
                let pf: String = r.profitFactor.map { String(format: "%.2f", $0) } ?? "-"
                let sharpe: String = r.sharpe.map { String(format: "%.2f", $0) } ?? "-"
                let dd: String = r.maxDrawdown.map { String(format: "%.0f", $0) } ?? "-"
                let stats: [String] = [String(r.trades), r.netPnl.description, String(format: "%.1f", r.winRate * 100), pf, sharpe, dd, neighbourhood(r)]
                return params + stats
            }
            print(table(header, rows))
            if let overfitting {
                print("overfitting, over the \(overfitting.trials) configurations run now (chosen: \(overfitting.chosenName)):")
                for sentence in overfitting.sentences { print("  " + sentence) }
            } else if skipped > 0 {
                print("overfitting statistics need each configuration's daily returns, which the store does not keep: \(skipped) configurations were resumed, not run")
            }
        }
        if !json, let first = best.first {
            print("re-run the best as a full backtest:\n  " + Self.rerunCommand(first, names: space.names))
        }
        if interrupted { throw ExitCode(130) }
    }

    /// Walk-forward: per window, the grid on the in-sample bars, the winner on the out-of-sample
    /// bars (warmed up on the in-sample part, counting only trades entered out of sample).
    static func walkForward(
        _ wf: WalkForward, spec: String, sweepID: String, db: (any SQLDatabase)?, cells: [SweepCell], series: BarSeries, names: [String], metric: String, minTrades: Int, workers: Int,
        json: Bool, startingBalance: Money = Money(cents: 50_000_00), isCancelled: @escaping @Sendable () -> Bool,
        backtest: @escaping @Sendable (SweepCell, BarSeries) throws -> (BacktestResult, RunSummary, String)
    ) async throws {
        let windows = wf.windows(series)
        guard !windows.isEmpty else {
            throw DataError.badInput(file: "--walk-forward", line: nil, field: "in/out",
                reason: "the bars (\(series.first!.time) → \(series.last!.time)) are too short for one in-sample plus one out-of-sample window")
        }
        struct Row: Encodable { var inSample: String; var outOfSample: String; var best: [String: String]; var inSampleMetric: Double
                                var outOfSampleTrades: Int; var outOfSampleNetPnlUsd: String
                                var inSamplePsr: Double?; var inSampleDsr: Double?; var inSamplePbo: Double? }
        var rows: [Row] = []
        var stitched = Money.zero, stitchedTrades = 0, isTotal = 0.0
        for (k, w) in windows.enumerated() {
            let inBars = series.slice(w.inSample)
            var outcomes: [SweepOutcome] = []
            let daily = DailyBalances([:])
            try await SweepRunner.run(cells, workers: workers, isCancelled: isCancelled, evaluate: { cell in
                let (result, summary, hash) = try backtest(cell, inBars)
                daily.withLock { $0[cell.index] = Self.sessions(result.equity) }
                return SweepOutcome(cell: cell, configHash: hash, summary: summary)
            }) { outcomes.append($0) }
            guard let best = outcomes.filter({ $0.trades >= minTrades && $0.metric(metric) != nil })
                .max(by: { ($0.metric(metric)!, -$0.cell.index) < ($1.metric(metric)!, -$1.cell.index) }) else { continue }
            let oosStart = series.time[w.outOfSample.lowerBound]
            let (result, _, _) = try backtest(best.cell, series.slice(w.inSample.lowerBound..<w.outOfSample.upperBound))
            let oosTrades = result.trades.filter { $0.entryTime.seconds >= oosStart }
            let net = oosTrades.reduce(Money.zero) { $0 + $1.pnl }
            stitched += net; stitchedTrades += oosTrades.count; isTotal += best.metric(metric)!
            // The window's choice judged on its in-sample days.
            let labels = Dictionary(uniqueKeysWithValues: cells.map { c in (c.index, names.map { "\($0)=\(c.values[$0] ?? "")" }.joined(separator: " ")) })
            let judged = Self.overfitting(daily.withLock { $0 }, chosen: best, label: { labels[$0] ?? "" }, startingBalance: startingBalance.dollars)
            rows.append(Row(inSample: "\(series[w.inSample.lowerBound].time) → \(series[w.inSample.upperBound - 1].time)",
                            outOfSample: "\(Timestamp(seconds: oosStart)) → \(series[w.outOfSample.upperBound - 1].time)",
                            best: best.cell.values, inSampleMetric: best.metric(metric)!, outOfSampleTrades: oosTrades.count,
                            outOfSampleNetPnlUsd: net.description, inSamplePsr: judged?.psr, inSampleDsr: judged?.dsr,
                            inSamplePbo: judged?.overfitting?.pbo))
            Terminal.progress("walk-forward", Int64(k + 1), Int64(windows.count))
            if let db {
                let chosen = names.map { "\($0)=\(best.cell.values[$0] ?? "")" }.joined(separator: " ")
                try db.execute("DELETE FROM walk_forward_windows WHERE sweep_id = $1 AND spec = $2 AND metric = $3 AND window_index = $4",
                               [.text(sweepID), .text(spec), .text(metric), .int(Int64(k))])
                try db.execute("""
                    INSERT INTO walk_forward_windows (sweep_id, window_index, spec, metric, out_of_sample, chosen, in_sample_metric, out_of_sample_trades, out_of_sample_net_pnl_usd)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """, [.text(sweepID), .int(Int64(k)), .text(spec), .text(metric), .text(rows.last!.outOfSample), .text(chosen),
                          .double(best.metric(metric)!), .int(Int64(oosTrades.count)), .text(net.description)])
            }
        }
        if json {
            try Terminal.printJSON(["windows": AnyEncodable(rows), "stitched_out_of_sample_net_pnl_usd": AnyEncodable(stitched.description),
                                    "stitched_out_of_sample_trades": AnyEncodable(stitchedTrades)])
            return
        }
        print("walk-forward \(wf.inMonths) months in / \(wf.outMonths) out\(wf.anchored ? ", anchored" : ", rolling"), optimising \(metric)")
        func f(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
        print(table(["out of sample", "best"] + ["in-sample \(metric)", "OOS trades", "OOS net", "IS PSR", "IS DSR", "IS PBO"], rows.map { r in
            [r.outOfSample, names.map { "\($0)=\(r.best[$0] ?? "")" }.joined(separator: " "), String(format: "%.2f", r.inSampleMetric),
             String(r.outOfSampleTrades), r.outOfSampleNetPnlUsd, f(r.inSamplePsr), f(r.inSampleDsr), f(r.inSamplePbo)]
        }))
        let pbos = rows.compactMap(\.inSamplePbo)
        if !pbos.isEmpty {
            print(String(format: "in-sample PBO averaged %.2f over %d windows: the share of halvings of each window's days in which the configuration best on one half ranked at or below the median on the other (above 0.5: the window's choice is no better than a random one); DSR under 0.95: the winner's edge over the best of %d configurations by luck is not established.", pbos.reduce(0, +) / Double(pbos.count), pbos.count, cells.count))
        }
        print("stitched out of sample: \(stitchedTrades) trades, net \(stitched) USD (in-sample \(metric) averaged \(String(format: "%.2f", isTotal / Double(max(rows.count, 1)))) per window)")
    }

    /// A queue worker: lease the next pending (or expired) configuration with `FOR UPDATE SKIP
    /// LOCKED`, run it, then record the result (once: the result key is unique) and mark it done.
    static func work(sweepID: String, space: SweepSpace, db: any SQLDatabase, leaseSeconds: Int,
                     isCancelled: () -> Bool, evaluate: (SweepCell) throws -> SweepOutcome) throws -> Int {
        let me = "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        let dieAfter = ProcessInfo.processInfo.environment["TSXLAB_TEST_WORKER_DIES_AFTER"].flatMap(Int.init)
        var computed = 0
        while !isCancelled() {
            let leased = try db.query("""
                UPDATE sweep_queue SET status = 'leased', worker = $1, lease_until = now() + make_interval(secs => $2), attempts = attempts + 1
                WHERE (sweep_id, cell) = (
                  SELECT sweep_id, cell FROM sweep_queue
                  WHERE sweep_id = $3 AND (status = 'pending' OR (status = 'leased' AND lease_until < now()))
                  ORDER BY cell LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING cell
                """, [.text(me), .int(Int64(leaseSeconds)), .text(sweepID)])
            guard let cellIndex = leased.first?.first?.int else {
                // Nothing to lease now: done when nothing is leased either.
                let open = try db.query("SELECT COUNT(*) FROM sweep_queue WHERE sweep_id = $1 AND status <> 'done'", [.text(sweepID)])
                if (open.first?.first?.int ?? 0) == 0 { break }
                usleep(200_000)
                continue
            }
            if let d = dieAfter, computed >= d { Glibc.exit(99) }  // test hook: a worker killed holding a lease
            let outcome = try evaluate(space.cell(Int(cellIndex)))
            try db.transaction {
                let params = outcome.cell.values.keys.sorted().map { "\($0)=\(outcome.cell.values[$0]!)" }.joined(separator: " ")
                try db.execute("""
                    INSERT INTO sweep_results (sweep_id, config_hash, cell, params, trades, net_pnl_usd, win_rate, profit_factor, sharpe, max_drawdown_usd, rule_breaches, seconds, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING
                    """, [.text(sweepID), .text(outcome.configHash), .int(cellIndex), .text(params), .int(Int64(outcome.trades)),
                          .text(outcome.netPnl.description), .double(outcome.winRate), outcome.profitFactor.map(SQLValue.double) ?? .null,
                          outcome.sharpe.map(SQLValue.double) ?? .null, outcome.maxDrawdown.map(SQLValue.double) ?? .null,
                          .int(Int64(outcome.ruleBreaches)), .double(outcome.seconds), .text(ISO8601DateFormatter().string(from: Date()))])
                try db.execute("UPDATE sweep_queue SET status = 'done' WHERE sweep_id = $1 AND cell = $2", [.text(sweepID), .int(cellIndex)])
            }
            computed += 1
        }
        return computed
    }

    /// The kernel parameters of every configuration when the sweep is of `sma_bracket` and each
    /// configuration's settings are ones `SMABracketKernel` models (same account rules throughout);
    /// nil sends the sweep through the engine.
    static func smaBracketKernelParameters(_ configs: [RunConfiguration], base: RunConfiguration, entry: StrategyEntry,
                                           exchange: ExchangeConfig, finer: BarSeries?) throws -> [SMABracketKernel.Parameters]? {
        guard try StrategyCatalog.descriptor(named: entry.name).name == SMABracket.descriptor.name else { return nil }
        var out: [SMABracketKernel.Parameters] = []
        for c in configs {
            guard c.enabledStrategies.count == 1, c.account == base.account,
                  try StrategyCatalog.descriptor(named: c.enabledStrategies[0].name).name == SMABracket.descriptor.name,
                  SMABracketKernel.models(config: exchange, rules: c.account, finer: finer) else { return nil }
            let p = smaBracketParameters(c.enabledStrategies[0].parameters)
            guard p.fast > 0, p.fast < p.slow, p.stopTicks > 0, p.targetTicks > 0, p.quantity > 0 else { return nil }
            out.append(p)
        }
        return out
    }

    static func smaBracketParameters(_ p: ParameterSet) -> SMABracketKernel.Parameters {
        SMABracketKernel.Parameters(fast: Int(p.int("fast")), slow: Int(p.int("slow")), stopTicks: p.int("stop_ticks"),
                                    targetTicks: p.int("target_ticks"), quantity: p.int("quantity"))
    }

    /// `tsxlab backtest …` with this command's data and exchange options and the configuration's
    /// parameters: the one command that re-runs a sweep result as a full, recorded backtest.
    static func rerunCommand(_ r: SweepOutcome, names: [String]) -> String {
        let sweepOnly: Set<String> = ["--param", "--samples", "--seed", "--shard", "--metric", "--min-trades", "--top", "--workers",
                                      "--out", "--walk-forward", "--lease"]
        let sweepFlags: Set<String> = ["--json", "--enqueue", "--worker", "--engine-only"]
        var args = Array(CommandLine.arguments.dropFirst())
        if let i = args.firstIndex(of: "sweep") { args.remove(at: i) }
        var kept: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if sweepFlags.contains(a) { i += 1; continue }
            if sweepOnly.contains(name) { i += a.contains("=") ? 1 : 2; continue }
            kept.append(a.contains(" ") ? "'\(a)'" : a)
            i += 1
        }
        let params = names.map { "--param \($0)=\(r.cell.values[$0] ?? "")" }
        return (["tsxlab", "backtest"] + kept + params).joined(separator: " ")
    }

    static func save(_ r: SweepOutcome, sweepID: String, into db: any SQLDatabase) throws {
        let params = r.cell.values.keys.sorted().map { "\($0)=\(r.cell.values[$0]!)" }.joined(separator: " ")
        try db.execute("""
            INSERT INTO sweep_results (sweep_id, config_hash, cell, params, trades, net_pnl_usd, win_rate, profit_factor, sharpe, max_drawdown_usd, rule_breaches, seconds, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            """, [.text(sweepID), .text(r.configHash), .int(Int64(r.cell.index)), .text(params), .int(Int64(r.trades)),
                  .text(r.netPnl.description), .double(r.winRate), r.profitFactor.map(SQLValue.double) ?? .null,
                  r.sharpe.map(SQLValue.double) ?? .null, r.maxDrawdown.map(SQLValue.double) ?? .null,
                  .int(Int64(r.ruleBreaches)), .double(r.seconds), .text(ISO8601DateFormatter().string(from: Date()))])
    }

    static func load(sweepID: String, space: SweepSpace, from db: any SQLDatabase) throws -> [SweepOutcome] {
        try db.query("SELECT config_hash, cell, trades, net_pnl_usd, win_rate, profit_factor, sharpe, max_drawdown_usd, rule_breaches, seconds FROM sweep_results WHERE sweep_id = $1 ORDER BY cell",
                     [.text(sweepID)]).map { row in
            SweepOutcome(cell: space.cell(Int(row[1].int ?? 0)), configHash: row[0].text ?? "", trades: Int(row[2].int ?? 0),
                         netPnl: Money(row[3].text ?? "0") ?? .zero, winRate: row[4].double ?? 0, profitFactor: row[5].double,
                         sharpe: row[6].double, maxDrawdown: row[7].double, ruleBreaches: Int(row[8].int ?? 0), seconds: row[9].double ?? 0)
        }
    }

    /// `results.csv`: the parameters by name, then `trades`, `net_pnl_usd` and the statistics.
    static func csv(_ rows: [SweepOutcome], names: [String]) -> String {
        var out = (names + ["trades", "net_pnl_usd", "win_rate", "profit_factor", "sharpe", "max_drawdown_usd", "rule_breaches", "config_hash"])
            .joined(separator: ",") + "\n"
        for r in rows {
            let f = { (v: Double?) in v.map { String(format: "%.6f", $0) } ?? "" }
            out += (names.map { r.cell.values[$0] ?? "" } + [String(r.trades), r.netPnl.description, f(r.winRate), f(r.profitFactor),
                    f(r.sharpe), f(r.maxDrawdown), String(r.ruleBreaches), r.configHash]).joined(separator: ",") + "\n"
        }
        return out
    }
}

/// Wraps any encodable value for heterogeneous JSON dictionaries.
struct AnyEncodable: Encodable {
    let encodeTo: (Encoder) throws -> Void
    init(_ v: some Encodable) { encodeTo = v.encode }
    func encode(to encoder: Encoder) throws { try encodeTo(encoder) }
}
