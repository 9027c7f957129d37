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
                outcome = try options.job(cfg).run(
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
        if let a = s.attempts { lines += describe(a) }
        if let folder { lines.append("  files: \(folder)") }
        return lines.joined(separator: "\n")
    }
}
