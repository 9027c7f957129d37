import ArgumentParser
import Backtest
import Configuration
import Data
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Jobs
import Research
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
    @Flag(help: "With --walk-forward: successive halving: every configuration on the first in-sample window, then only the better half of the window before on each next one.")
    var halving = false
    @Flag(help: "Put every configuration on the sweep's work queue in PostgreSQL and exit (workers take them).") var enqueue = false
    @Flag(help: "Work the sweep's queue in PostgreSQL: lease a configuration, run it, record it, repeat until none is left.") var worker = false
    @Option(help: "Seconds a worker's lease lasts; a dead worker's configurations are redone after it.") var lease = 120
    @Flag(help: "Run every configuration as a full engine backtest, even where a specialised sweep kernel applies (to cross-check it).")
    var engineOnly = false
    @Flag(help: ArgumentHelp("Ask/tell: read configurations as JSON objects, one a line, on standard input ({\"fast\": 10, \"slow\": 30}); answer each with one JSON line on standard output (its parameters, then the results.csv fields), or {\"line\": N, \"error\": …}. Ends at the end of input; recorded as a sweep."))
    var askTell = false
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
        guard base.enabledStrategies.count == 1, let entry = base.enabledStrategies.first else {
            throw ValidationError("a sweep runs one strategy: enable exactly one (--strategy NAME)")
        }
        if askTell { return try await Self.askTell(try options.job(base), engineOnly: engineOnly, refusing: askTellConflicts) }
        let axes = try params.map(SweepAxis.parse)
        guard !axes.isEmpty else { throw ValidationError("give at least one --param axis") }
        guard !halving || walkForward != nil else {
            throw ValidationError("--halving drops configurations window by window of a walk-forward: give --walk-forward in=MONTHS,out=MONTHS too")
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
        let sweep = try SweepJob(backtest: try options.job(base), space: space, cells: cells)
        let series = sweep.series, sweepID = sweep.sweepID
        let pending = try sweep.register()
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

        if enqueue || worker {
            do {
                if enqueue {
                    try sweep.enqueue()
                    Terminal.note("sweep \(sweepID): \(cells.count) configurations queued")
                    if json { try Terminal.printJSON(["sweep_id": sweepID]) } else { print(sweepID) }
                    return
                }
                // Test hook: a worker killed holding a lease.
                let dieAfter = ProcessInfo.processInfo.environment["TSXLAB_TEST_WORKER_DIES_AFTER"].flatMap(Int.init)
                let done = try sweep.work(worker: "\(ProcessInfo.processInfo.hostName)-\(getpid())", leaseSeconds: lease, abandonAfter: dieAfter,
                                          isCancelled: { stop.withLock { $0 } })
                if done.abandonedLease { Glibc.exit(99) }
                Terminal.note("worker done: \(done.computed) configurations computed")
                return
            } catch let e as SweepQueueUnavailable {
                // `SweepJob` decides where the queue may live; the command names its own options.
                throw DataError.badInput(file: e.store, line: nil, field: "--store",
                    reason: "the sweep queue lives in PostgreSQL: give --store postgres://… (SQLite serves one machine; use --shard there)")
            }
        }
        if let wf = walkForward {
            let plan = try WalkForward.parse(wf)
            let result = try await sweep.walkForward(plan, spec: halving ? wf + ", successive halving" : wf, metric: metric, minTrades: minTrades,
                                                     workers: workers ?? ProcessInfo.processInfo.activeProcessorCount, halving: halving,
                                                     isCancelled: { stop.withLock { $0 } },
                                                     progress: { Terminal.progress("walk-forward", Int64($0), Int64($1)) })
            try Self.printWalkForward(result, wf: plan, names: space.names, metric: metric, configurations: cells.count, halving: halving, json: json)
            return
        }
        // sma-bracket with settings the kernel models runs through `SMABracketKernel`: bars and
        // signals shared by every configuration, the same results as the engine (its tests pin
        // that). Anything else runs each configuration as a full engine backtest.
        let kernel = engineOnly ? nil : try sweep.kernel(for: pending)
        if kernel != nil { Terminal.note("sma-bracket sweep kernel: bars and signals shared across configurations") }
        let t0 = monotonicSeconds()
        let total = pending.count
        let workerCount = workers ?? ProcessInfo.processInfo.activeProcessorCount
        let local = try await sweep.runLocally(pending, workers: workerCount, kernel: kernel, isCancelled: { stop.withLock { $0 } }) { _, finished in
            let elapsed = monotonicSeconds() - t0
            let rate = Double(finished) / max(elapsed, 1e-9)
            let figures = String(format: "%d/%d  %.1f configs/s  ETA %.0f s", finished, total, rate, Double(total - finished) / max(rate, 1e-9))
            Terminal.progress("sweep", Int64(finished), Int64(total), rate: figures)
            // A search runs for minutes: its log shows how far it is too.
            Terminal.progressLines("sweep", Int64(finished), Int64(total), rate: figures)
        }
        let finished = local.finished
        let seconds = monotonicSeconds() - t0
        let interrupted = stop.withLock { $0 }
        // Everything this sweep has (including earlier, resumed runs), in grid order.
        let all = try sweep.results()
        let barSteps = Double(series.count) * Double(finished)
        Terminal.note(String(format: "%d configurations in %.2f s (%.1f configs/s, %.1fM bar-steps/s)%@", finished, seconds,
                             Double(finished) / max(seconds, 1e-9), barSteps / max(seconds, 1e-9) / 1e6, interrupted ? "; interrupted" : ""))
        if let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try SweepJob.csv(all, names: space.names).write(toFile: out + "/results.csv", atomically: true, encoding: .utf8)
        }
        let ranked = all.filter { $0.trades >= minTrades && $0.metric(metric) != nil }
            .sorted { ($0.metric(metric)!, -$0.cell.index) > ($1.metric(metric)!, -$1.cell.index) }
        let best = Array(ranked.prefix(top))
        let judged = try sweep.judge(local.dailyBalances, chosen: ranked.first,
                                     ranking: "\(metric), at least \(minTrades) trade\(minTrades == 1 ? "" : "s")")
        let overfitting = judged.statistics
        if let out { try Self.writeOverfitting(judged, out: out, sweepID: sweepID, db: sweep.database) }
        if json {
            let rows: [[String: String]] = best.map { r in
                var row = r.cell.values
                row["trades"] = String(r.trades); row["net_pnl_usd"] = r.netPnl.description
                row["sharpe"] = r.sharpe.map { String(format: "%.4f", $0) } ?? ""; row["config_hash"] = r.configHash
                return row
            }
            try Terminal.printJSON(["sweep_id": AnyEncodable(sweepID), "configurations": AnyEncodable(all.count), "ranking": AnyEncodable(rows),
                                    "overfitting": AnyEncodable(overfitting.map { OverfittingJSON($0, rows: $0.moments.observations) }),
                                    "overfitting_note": AnyEncodable(judged.note)])
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
                print("overfitting, over the \(overfitting.trials) configurations with daily returns (chosen: \(overfitting.chosenName)):")
                for sentence in overfitting.sentences { print("  " + sentence) }
            }
            if let note = judged.note { print((overfitting == nil ? "overfitting statistics: " : "  ") + note) }
        }
        if !json, let first = best.first {
            print("re-run the best as a full backtest:\n  " + Self.rerunCommand(first, names: space.names))
        }
        if interrupted { throw ExitCode(130) }
    }

    /// The options given that an ask/tell sweep does not take (its configurations come from the lines).
    var askTellConflicts: [String] {
        [("--param", !params.isEmpty), ("--samples", samples != nil), ("--shard", shard != nil), ("--walk-forward", walkForward != nil),
         ("--halving", halving), ("--enqueue", enqueue), ("--worker", worker), ("--out", out != nil), ("--json", json)].filter(\.1).map(\.0)
    }

    /// `--ask-tell`: one JSON line out per line in, flushed at once, until the end of input.
    static func askTell(_ backtest: BacktestJob, engineOnly: Bool, refusing conflicts: [String]) async throws {
        guard conflicts.isEmpty else {
            throw ValidationError("--ask-tell takes its configurations as JSON lines on standard input and answers in JSON lines: drop \(conflicts.joined(separator: ", "))")
        }
        var session = try SweepJob.AskTell(job: try SweepJob.askTell(backtest: backtest), engineOnly: engineOnly)
        let job = session.job
        Terminal.note("ask/tell sweep \(job.sweepID): \(job.strategy.name) on \(job.series.symbol) \(job.series.timeframe), \(job.series.count) bars"
                      + (session.configurations > 0 ? ", \(session.configurations) configurations already recorded" : "")
                      + "; one JSON object a line on standard input")
        // Unbuffered writes: a driver reading line by line sees each answer at once.
        func answer(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        while let line = readLine(strippingNewline: true) {
            switch session.answer(line) {
            case .success(let result): answer(result)
            case .failure(let e):
                answer(e.json)
                Terminal.error(e.description)
            }
        }
        Terminal.note("ask/tell sweep \(job.sweepID): \(session.evaluated) evaluated, \(session.failed) refused; \(session.configurations) configurations recorded (tsxlab report \(job.sweepID))")
    }

    /// Prints a walk-forward: the windows as a table (or JSON) with each window's in-sample PSR,
    /// DSR and PBO, the average PBO in a sentence, and the stitched out-of-sample line.
    static func printWalkForward(_ r: SweepJob.WalkForwardResult, wf: WalkForward, names: [String], metric: String, configurations: Int,
                                 halving: Bool = false, json: Bool) throws {
        if json {
            try Terminal.printJSON(["windows": AnyEncodable(r.windows), "stitched_out_of_sample_net_pnl_usd": AnyEncodable(r.stitchedNetPnl.description),
                                    "stitched_out_of_sample_trades": AnyEncodable(r.stitchedTrades)])
            return
        }
        let halved = halving ? ", successive halving (\(r.windows.map { String($0.configurations) }.joined(separator: " → ")) configurations)" : ""
        print("walk-forward \(wf.inMonths) months in / \(wf.outMonths) out\(wf.anchored ? ", anchored" : ", rolling")\(halved), optimising \(metric)")
        func f(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
        print(table(["out of sample", "best"] + ["in-sample \(metric)", "OOS trades", "OOS net", "IS PSR", "IS DSR", "IS PBO"] + (halving ? ["configs"] : []),
                    r.windows.map { w in
            [w.outOfSample, names.map { "\($0)=\(w.best[$0] ?? "")" }.joined(separator: " "), String(format: "%.2f", w.inSampleMetric),
             String(w.outOfSampleTrades), w.outOfSampleNetPnlUsd, f(w.inSamplePsr), f(w.inSampleDsr), f(w.inSamplePbo)]
                + (halving ? [String(w.configurations)] : [])
        }))
        let pbos = r.windows.compactMap(\.inSamplePbo)
        if !pbos.isEmpty {
            print(String(format: "in-sample PBO averaged %.2f over %d windows: the share of halvings of each window's days in which the configuration best on one half ranked at or below the median on the other (above 0.5: the window's choice is no better than a random one); DSR under 0.95: the winner's edge over the best of %d configurations by luck is not established.", pbos.reduce(0, +) / Double(pbos.count), pbos.count, configurations))
        }
        print("stitched out of sample: \(r.stitchedTrades) trades, net \(r.stitchedNetPnl) USD (in-sample \(metric) averaged \(String(format: "%.2f", r.inSampleMetricTotal / Double(max(r.windows.count, 1)))) per window)")
    }

    /// `tsxlab backtest …` with this command's data and exchange options and the configuration's
    /// parameters: the one command that re-runs a sweep result as a full, recorded backtest.
    static func rerunCommand(_ r: SweepOutcome, names: [String]) -> String {
        let sweepOnly: Set<String> = ["--param", "--samples", "--seed", "--shard", "--metric", "--min-trades", "--top", "--workers",
                                      "--out", "--walk-forward", "--lease"]
        let sweepFlags: Set<String> = ["--json", "--enqueue", "--worker", "--engine-only", "--halving", "--ask-tell"]
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
        // The program as it was called by name: `tsxlab`, or a trader's own (`orb`).
        let program = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "tsxlab"
        return ([program, "backtest"] + kept + params).joined(separator: " ")
    }
}

/// Wraps any encodable value for heterogeneous JSON dictionaries.
struct AnyEncodable: Encodable {
    let encodeTo: (Encoder) throws -> Void
    init(_ v: some Encodable) { encodeTo = v.encode }
    func encode(to encoder: Encoder) throws { try encodeTo(encoder) }
}
