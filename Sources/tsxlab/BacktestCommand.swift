import ArgumentParser
import Backtest
import Configuration
import Data
import Foundation
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

    @Option(help: "YAML run configuration.") var config: String?
    @Option(help: "Run only this strategy (the file's settings for it, if any, still apply).") var strategy: String?
    @Option(name: .customLong("param"), help: ArgumentHelp("A strategy parameter, name=value (repeatable).", valueName: "name=value"))
    var params: [String] = []
    @Option(help: "Symbol of the bars (overrides the configuration).") var symbol: String?
    @Option(help: "Bar timeframe (overrides the configuration).") var timeframe: Timeframe?
    @Option(help: "First bar time, inclusive (UTC date or ISO time).") var from: TimeArgument?
    @Option(help: "End time, exclusive.") var to: TimeArgument?
    @Option(help: "Commission per contract per side in dollars (default: the contract table's TopStepX fees).") var commission: String?
    @Option(help: "Intrabar path model: nearest, worst, best, stop-first.") var pathModel: String?
    @Option(help: "Account rules preset: unlimited, topstep-50k, topstep-100k, topstep-150k.") var rules: String?
    @Option(help: "Ignore session hours (fill at any bar), as the sma-bracket reference does.") var ignoreSessions = false
    @Option(help: "Folder for trades.csv, fills.csv, equity.csv and run.json (default: runs/<run id> in the data directory).") var out: String?
    @Option(help: "CSV folder the cache may fetch missing windows from.") var source: String?
    @Option(help: ".env file whose values count as environment (default: ./.env when present).") var envFile: String?
    @Flag(help: "Print the summary as one JSON object.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try runReportingErrors {
            let environment = RunConfiguration.environment(
                process: storeOptions.environment,
                dotEnvPath: envFile ?? (FileManager.default.fileExists(atPath: ".env") ? ".env" : nil))
            var cfg: RunConfiguration
            do {
                if let path = config {
                    cfg = try RunConfiguration.load(path: path, environment: environment)
                } else {
                    // No file: defaults, with the seed's environment variables still applied.
                    cfg = try RunConfiguration.parse(yaml: "", source: "environment", environment: environment)
                }
            } catch let e as ConfigurationError {
                Terminal.error(e.description)
                throw ExitCode(e.exitCode)
            }
            try applyFlags(&cfg)
            let store = try storeOptions.openStore()
            let registry = try storeOptions.registry()
            let src: (any BarSource)? = source.map { CSVFolderSource(folder: $0, registry: registry) }
            let job = BacktestJob(config: cfg, registry: registry, store: store, source: src)
            let outcome: BacktestJob.Outcome
            do {
                outcome = try job.run(out: out, runsFolder: StoreURL.dataDirectory(environment: storeOptions.environment) + "/runs")
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

    func applyFlags(_ cfg: inout RunConfiguration) throws {
        if let symbol { cfg.data.symbol = symbol.uppercased(); for i in cfg.strategies.indices { cfg.strategies[i].symbol = symbol.uppercased() } }
        if let timeframe { cfg.data.timeframe = timeframe }
        if let from { cfg.data.from = from.timestamp }
        if let to { cfg.data.to = to.timestamp }
        if let commission {
            guard let m = Money(commission), m.cents >= 0 else { throw ValidationError("--commission '\(commission)' is not an amount in dollars") }
            cfg.exchange.commissionPerSide = m
        }
        if let pathModel {
            guard PathModel(rawValue: pathModel) != nil else { throw ValidationError("--path-model must be nearest, worst, best or stop-first") }
            cfg.exchange.pathModel = pathModel
        }
        if ignoreSessions { cfg.exchange.enforceSessions = false }
        if let rules {
            switch rules {
            case "unlimited": cfg.account = .unlimited(cfg.account.startingBalance)
            case "topstep-50k", "topstep-100k", "topstep-150k": cfg.account = RiskRules.topstepCombine(Int(rules.dropFirst(8).dropLast())!)!
            default: throw ValidationError("--rules must be unlimited, topstep-50k, topstep-100k or topstep-150k")
            }
        }
        if let strategy {
            let d = try StrategyCatalog.descriptor(named: strategy)
            for i in cfg.strategies.indices { cfg.strategies[i].enabled = false }
            if let i = cfg.strategies.firstIndex(where: { $0.name == d.name }) {
                cfg.strategies[i].enabled = true
            } else {
                cfg.strategies.append(StrategyEntry(name: d.name, symbol: cfg.data.symbol, enabled: true, parameters: d.defaults()))
            }
            if d.name == "sma_bracket" && pathModel == nil && config == nil {
                // The reference workload's own conventions, unless the user says otherwise.
                cfg.exchange.pathModel = PathModel.stopFirst.rawValue
                cfg.exchange.enforceSessions = false
            }
        }
        for p in params {
            let parts = p.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--param '\(p)' must be name=value") }
            var name = parts[0]
            var target = cfg.strategies.indices.filter { cfg.strategies[$0].enabled }
            if let dot = name.firstIndex(of: ".") {
                let sname = String(name[..<dot]).replacingOccurrences(of: "-", with: "_")
                target = target.filter { cfg.strategies[$0].name == sname }
                name = String(name[name.index(after: dot)...])
            }
            guard target.count == 1 else {
                throw ValidationError("--param \(p): \(target.isEmpty ? "no enabled strategy has it" : "several strategies are enabled; write strategy.name=value")")
            }
            try cfg.strategies[target[0]].parameters.set(name, text: parts[1], source: "--param")
        }
    }

    static func describe(_ s: RunSummary, folder: String?) -> String {
        func f(_ v: Double?, _ d: Int = 2) -> String { v.map { String(format: "%.\(d)f", $0) } ?? "n/a" }
        var lines = [
            "run \(s.runId): \(s.strategies.joined(separator: ", ")) on \(s.symbol) \(s.timeframe), \(s.bars) bars \(s.dataFrom ?? "?") → \(s.dataTo ?? "?")",
            "  trades \(s.trades) (\(s.longs) long, \(s.shorts) short), win rate \(f(s.winRate * 100, 1))%, profit factor \(f(s.profitFactor))",
            "  net P&L \(s.netPnlUsd) USD (fees \(s.feesUsd)), expectancy \(f(s.expectancyUsd)) per trade",
            "  Sharpe \(f(s.sharpe)), Sortino \(f(s.sortino)), max drawdown \(f(s.maxDrawdownUsd)) USD (\(f(s.maxDrawdownPercent))%)",
            "  fills: \(s.fillResolution.exact) exact, \(s.fillResolution.drillDown) by drill-down, \(s.fillResolution.pathModel) by the path model",
            "  rules \(s.rules): \(s.ruleBreaches.isEmpty ? "no breaches" : "\(s.ruleBreaches.count) breach(es)")",
        ]
        for b in s.ruleBreaches.prefix(5) { lines.append("    \(b.time) \(b.rule): \(b.detail)") }
        if let folder { lines.append("  files: \(folder)") }
        return lines.joined(separator: "\n")
    }
}
