import ArgumentParser
import Data
import Foundation
import Reports
import Research

/// `tsxlab combine`: the chance a run's trades pass a prop firm's evaluation.
struct CombineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combine",
        abstract: "Monte Carlo pass probability of a Combine: resample a run's trade days and replay them through the rules.",
        discussion: """
            Each of --paths paths is a fresh account over --days sessions, drawn from the run's trade
            days in blocks of consecutive days (stationary bootstrap; --block auto picks the mean block
            length by the Politis–White rule on the daily P&L) or, with --resample trades, trade by
            trade. Every day is replayed with each trade's intraday low and high (from MAE/MFE), so the
            maximum loss and the daily loss limit trigger when the day would have met them. Prints
            P(pass), P(fail), P(neither) with standard errors, days-to-pass percentiles and the resets
            expected before a pass. A stored run knows every session, traded or not; a --trades file only the
            days with trades, so there --days counts trading days.
            --rules takes a rules file or a preset: \(CombineRules.presetNames.joined(separator: ", ")).
              tsxlab combine latest --rules topstep-50k
              tsxlab combine --trades runs/x/trades.csv --rules my-firm.yaml --paths 20000 --json
            """)

    @Argument(help: ArgumentHelp("A stored run id, or `latest` (or give --trades).", valueName: "run-id")) var runID: String?
    @Option(help: "A trade list in the run folder's trades.csv format (exit_time, pnl_usd; fees_usd, mae/mfe optional).") var trades: String?
    @Option(help: "A rules file (YAML) or a preset name.") var rules = "topstep-50k"
    @Option(help: "days (blocks of trade days) or trades (each trade its own block).") var resample = "days"
    @Option(help: "Simulated attempts.") var paths = 10_000
    @Option(help: "Sessions each attempt may take.") var days = 60
    @Option(help: "Mean block length in days, or auto (Politis–White).") var block = "auto"
    @Option(help: "Seed of the simulation.") var seed: UInt64 = 1
    @Option(help: "Also write the HTML report (numbers and a chart of when attempts end) to this file.") var html: String?
    @Flag(help: "Print the result as JSON.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard (runID == nil) != (trades == nil) else { throw ValidationError("give a run id (or latest), or --trades FILE, not both") }
        guard PassProbabilityOptions.Resampling(rawValue: resample) != nil else { throw ValidationError("--resample must be days or trades, not '\(resample)'") }
        guard paths >= 1, paths <= 10_000_000 else { throw ValidationError("--paths must be from 1 to 10,000,000") }
        guard days >= 1, days <= 10_000 else { throw ValidationError("--days must be from 1 to 10,000") }
        _ = try blockOption()
    }

    func blockOption() throws -> PassProbabilityOptions.Block {
        if block == "auto" { return .auto }
        guard let b = Double(block), b >= 1, b.isFinite else { throw ValidationError("--block must be auto or a number of days ≥ 1, not '\(block)'") }
        return .fixed(b)
    }

    func run() throws {
        try runReportingErrors {
            let rules = try CombineRules.load(self.rules)
            let history: TradeHistory
            let source: String
            if let path = trades {
                history = TradeHistory(trades: try TradeHistory.parse(csv: try readText(path), source: path, registry: try storeOptions.registry()))
                source = path
            } else {
                let registry = try storeOptions.registry()
                do {
                    let catalog = try RunCatalog(store: try storeOptions.openStore())
                    let id = try catalog.resolve(runID!)
                    history = TradeHistory(run: try catalog.load(id) { try? registry.spec(for: $0) })
                    source = "run \(id)"
                } catch let e as ReportError {
                    Terminal.error(e.description)
                    throw ExitCode(e.exitCode)
                }
            }
            let options = PassProbabilityOptions(resampling: PassProbabilityOptions.Resampling(rawValue: resample)!, paths: paths, days: days,
                                                 block: try blockOption(), seed: seed)
            let result: PassProbability
            do { result = try PassProbability.simulate(history, rules: rules, options: options) } catch let e as PassProbabilityError {
                throw DataError.badInput(file: source, line: nil, field: nil, reason: e.description)
            }
            if let html {
                try CombineReport.html(result, source: source).write(toFile: html, atomically: true, encoding: .utf8)
            }
            if json {
                try Terminal.printJSON(CombineJSON(result, source: source))
            } else {
                print(Self.text(result, source: source))
            }
        }
    }

    static func text(_ r: PassProbability, source: String) -> String {
        func pct(_ e: Estimate) -> String { String(format: "%5.1f %% ± %.1f", e.value * 100, e.se * 100) }
        var rows: [[String]] = [["P(pass)", pct(r.pass)], ["P(fail)", pct(r.fail)], ["P(neither in \(r.options.days) days)", pct(r.neither)]]
        for p in r.daysToPass { rows.append(["days to pass, p\(p.percentile)", String(format: "%.0f ± %.1f", p.days, p.se)]) }
        if let m = r.meanDaysToPass { rows.append(["days to pass, mean", String(format: "%.1f ± %.1f", m.value, m.se)]) }
        rows.append(["expected resets before a pass", r.expectedResets.map { String(format: "%.2f ± %.2f", $0.value, $0.se) } ?? "n/a (no path passed)"])
        if let c = r.expectedResetCost { rows.append(["expected reset fees (USD)", String(format: "%.0f ± %.0f", c.value, c.se)]) }
        let how = r.options.resampling == .days
            ? String(format: "day blocks, mean %.1f days", r.meanBlockLength) : "trade by trade"
        return "\(r.rulesName): \(r.options.paths) paths × \(r.options.days) sessions from \(source) "
            + "(\(r.historyDays) days, \(r.historyTrades) trades; \(how); seed \(r.options.seed))\n"
            + table(["", "estimate ± standard error"], rows)
    }
}

/// `combine --json`: snake_case keys, every probability with its standard error.
struct CombineJSON: Encodable {
    let source, rules, resample: String
    let paths, days, historyDays, historyTrades: Int
    let seed: UInt64
    let meanBlockLength: Double
    let pPass, sePass, pFail, seFail, pNeither, seNeither: Double
    let daysToPass: [PassProbability.Percentile]
    let meanDaysToPass, seMeanDaysToPass, expectedResets, seExpectedResets, expectedResetCostUsd, seExpectedResetCostUsd: Double?
    let passesByDay, failuresByDay: [Int]

    init(_ r: PassProbability, source: String) {
        self.source = source; rules = r.rulesName; resample = r.options.resampling.rawValue
        paths = r.options.paths; days = r.options.days; historyDays = r.historyDays; historyTrades = r.historyTrades
        seed = r.options.seed; meanBlockLength = r.meanBlockLength
        pPass = r.pass.value; sePass = r.pass.se; pFail = r.fail.value; seFail = r.fail.se; pNeither = r.neither.value; seNeither = r.neither.se
        daysToPass = r.daysToPass
        meanDaysToPass = r.meanDaysToPass?.value; seMeanDaysToPass = r.meanDaysToPass?.se
        expectedResets = r.expectedResets?.value; seExpectedResets = r.expectedResets?.se
        expectedResetCostUsd = r.expectedResetCost?.value; seExpectedResetCostUsd = r.expectedResetCost?.se
        passesByDay = r.passesByDay; failuresByDay = r.failuresByDay
    }

    enum CodingKeys: String, CodingKey {
        case source, rules, resample, paths, days, seed
        case historyDays = "history_days", historyTrades = "history_trades", meanBlockLength = "mean_block_length"
        case pPass = "p_pass", sePass = "se_pass", pFail = "p_fail", seFail = "se_fail", pNeither = "p_neither", seNeither = "se_neither"
        case daysToPass = "days_to_pass", meanDaysToPass = "mean_days_to_pass", seMeanDaysToPass = "se_mean_days_to_pass"
        case expectedResets = "expected_resets", seExpectedResets = "se_expected_resets"
        case expectedResetCostUsd = "expected_reset_cost_usd", seExpectedResetCostUsd = "se_expected_reset_cost_usd"
        case passesByDay = "passes_by_day", failuresByDay = "failures_by_day"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source); try c.encode(rules, forKey: .rules); try c.encode(resample, forKey: .resample)
        try c.encode(paths, forKey: .paths); try c.encode(days, forKey: .days); try c.encode(seed, forKey: .seed)
        try c.encode(historyDays, forKey: .historyDays); try c.encode(historyTrades, forKey: .historyTrades)
        try c.encode(meanBlockLength, forKey: .meanBlockLength)
        try c.encode(pPass, forKey: .pPass); try c.encode(sePass, forKey: .sePass); try c.encode(pFail, forKey: .pFail)
        try c.encode(seFail, forKey: .seFail); try c.encode(pNeither, forKey: .pNeither); try c.encode(seNeither, forKey: .seNeither)
        try c.encode(daysToPass, forKey: .daysToPass)
        // Explicit nulls when no path passed, so scripts see every key.
        try c.encode(meanDaysToPass, forKey: .meanDaysToPass); try c.encode(seMeanDaysToPass, forKey: .seMeanDaysToPass)
        try c.encode(expectedResets, forKey: .expectedResets); try c.encode(seExpectedResets, forKey: .seExpectedResets)
        try c.encode(expectedResetCostUsd, forKey: .expectedResetCostUsd); try c.encode(seExpectedResetCostUsd, forKey: .seExpectedResetCostUsd)
        try c.encode(passesByDay, forKey: .passesByDay); try c.encode(failuresByDay, forKey: .failuresByDay)
    }
}
