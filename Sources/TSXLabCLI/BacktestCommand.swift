import ArgumentParser
import Backtest
import Configuration
import Data
import Foundation
import Jobs
import Strategies
import Trading

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run strategies over stored bars on the simulated exchange; record the run and print its summary.",
        discussion: """
            With --config FILE the YAML file sets the account rules, data, exchange and strategies
            (the seed's OVERNIGHT_* / MEAN_REVERSION_* / TREND_FOLLOWING_* variables and a .env file
            override it). Without one, --strategy NAME and --param name=value say what to run, e.g.
              tsxlab backtest --strategy sma-bracket --param fast=10 --param slow=30 --commission 2.50 \\
                --symbol ES --timeframe 1m --out DIR
            Strategies: \(StrategyCatalog.all.map(\.name).joined(separator: ", ")).
            """)

    @OptionGroup var options: RunOptions
    @Option(name: .customLong("param"), help: ArgumentHelp("A strategy parameter, name=value (repeatable).", valueName: "name=value"))
    var params: [String] = []
    @Option(help: "Folder for trades.csv, fills.csv, equity.csv and run.json (default: runs/<run id> in the data directory).") var out: String?
    @Flag(help: "Print the summary as one JSON object.") var json = false
    @Flag(help: "Combine attempts on history: when the account passes or fails, record the attempt and open a fresh one the next trade day (needs rules with a profit target or a maximum loss, e.g. --rules topstep-50k).")
    var attempts = false
    @Flag(help: "Audit the path models: on every bar that could fill two things and that prints or finer bars decide, score what nearest, worst, best and stop-first would have done, and the P&L each reports on the bars alone.")
    var fidelity = false

    func run() throws {
        try runReportingErrors {
            let outcome: BacktestJob.Outcome
            do {
                var cfg = try options.configuration()
                if attempts { cfg.attempts = true }
                for p in params {
                    let parts = p.split(separator: "=", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { throw ValidationError("--param '\(p)' must be name=value") }
                    try RunOptions.setParameter(&cfg, name: parts[0], value: parts[1], source: "--param")
                }
                var job = try options.job(cfg)
                job.fidelity = fidelity
                outcome = try job.run(
                    out: out, runsFolder: StoreURL.dataDirectory(environment: options.storeOptions.environment) + "/runs")
            } catch let e as ConfigurationError {
                Terminal.error(e.description)
                throw ExitCode(e.exitCode)
            }
            if json {
                print(outcome.summary.json)
            } else {
                print(Self.describe(outcome.summary, folder: outcome.folder))
            }
        }
    }

    static func describe(_ s: RunSummary, folder: String?) -> String {
        func f(_ v: Double?, _ d: Int = 2) -> String { v.map { String(format: "%.\(d)f", $0) } ?? "n/a" }
        var lines = [
            "run \(s.runId): \(s.strategies.joined(separator: ", ")) on \(s.symbol) \(s.timeframe), \(s.bars) bars \(s.dataFrom ?? "?") → \(s.dataTo ?? "?")",
            "  trades \(s.trades) (\(s.longs) long, \(s.shorts) short), win rate \(f(s.winRate * 100, 1))%, profit factor \(f(s.profitFactor))",
            "  net P&L \(s.netPnlUsd) USD (fees \(s.feesUsd)), expectancy \(f(s.expectancyUsd)) per trade",
            "  Sharpe \(f(s.sharpe)), Sortino \(f(s.sortino)), max drawdown \(f(s.maxDrawdownUsd)) USD (\(f(s.maxDrawdownPercent))%)",
            "  fills: \(s.fillResolution.exact) exact, \(s.fillResolution.drillDown) by drill-down, \(s.fillResolution.prints ?? 0) by prints, \(s.fillResolution.pathModel) by the path model",
            "  rules \(s.rules): \(s.ruleBreaches.isEmpty ? "no breaches" : "\(s.ruleBreaches.count) breach(es)")",
        ]
        for b in s.ruleBreaches.prefix(5) { lines.append("    \(b.time) \(b.rule): \(b.detail)") }
        for x in s.symbols ?? [] {
            lines.append("  \(x.symbol): trades \(x.trades), win rate \(f(x.winRate * 100, 1))%, net P&L \(x.netPnlUsd) USD, max drawdown \(f(x.maxDrawdownUsd)) USD")
        }
        if let a = s.attempts { lines += describe(a) }
        if let a = s.fidelity { lines += describe(a) }
        if let folder { lines.append("  files: \(folder)") }
        return lines.joined(separator: "\n")
    }

    /// The fidelity audit as a table: one row per path model.
    static func describe(_ a: FidelityAudit) -> [String] {
        var lines = ["  fidelity audit: \(a.audited) ambiguous bar\(a.audited == 1 ? "" : "s") decided by finer data (\(a.barsByPrints) by prints, \(a.barsByFinerBars) by finer bars)"
                     + (a.barsNotSettled > 0 ? "; \(a.barsNotSettled) left ambiguous inside their finer bars, not audited" : "")]
        lines.append("    " + "model".padding(toLength: 12, withPad: " ", startingAt: 0) + "wrong".leftPadded(7) + "rate".leftPadded(9)
                     + "other price".leftPadded(13) + "net P&L on bars alone".leftPadded(24))
        for (m, sc) in zip(PathModel.allCases, a.scores) {
            let rate = a.errorRate(m).map { String(format: "%.1f%%", $0 * 100) } ?? "n/a"
            lines.append("    " + sc.model.padding(toLength: 12, withPad: " ", startingAt: 0) + String(sc.wrong).leftPadded(7) + rate.leftPadded(9)
                         + String(sc.otherPrices).leftPadded(13) + (sc.netPnlUsd ?? "n/a").leftPadded(24))
        }
        lines.append("    finer data deciding: net P&L \(a.netPnlUsd ?? "n/a")")
        return lines
    }
}

private extension String {
    /// The text right-aligned in `width` columns.
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
