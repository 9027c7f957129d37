import ArgumentParser
import Backtest
import Configuration
import Data
import Foundation
import Jobs
import Strategies
import Trading

/// What `backtest` and `sweep` share: which configuration, strategy, bars and exchange settings.
struct RunOptions: ParsableArguments {
    @Option(help: "YAML run configuration.") var config: String?
    @Option(help: "Run only this strategy (the file's settings for it, if any, still apply).") var strategy: String?
    @Option(help: "Symbol of the bars (overrides the configuration); repeat it to trade several on one account.") var symbol: [String] = []
    @Option(help: "Bar timeframe (overrides the configuration).") var timeframe: Timeframe?
    @Option(help: "First bar time, inclusive (UTC date or ISO time).") var from: TimeArgument?
    @Option(help: "End time, exclusive.") var to: TimeArgument?
    @Option(help: "Commission per contract per side in dollars (default: the contract table's TopStepX fees).") var commission: String?
    @Option(help: "Intrabar path model: nearest, worst, best, stop-first.") var pathModel: String?
    @Option(help: ArgumentHelp("A contract whose stored trade prints decide fills inside bars (data.ticks), e.g. ESM8.", valueName: "contract"))
    var ticks: String?
    @Flag(help: "Tick replay: build the strategy's bars from the --ticks prints at --timeframe (data.bars_from: ticks); the prints decide every fill.")
    var barsFromTicks = false
    @Option(help: ArgumentHelp("Finer stored bars that decide fills inside bars when no prints do (data.finer_timeframe), e.g. 1m under 5m bars.", valueName: "timeframe"))
    var finerTimeframe: Timeframe?
    @Option(help: "Account rules preset: unlimited, topstep-50k, topstep-100k, topstep-150k.") var rules: String?
    @Flag(help: "Ignore session hours (fill at any bar), as the sma-bracket reference does.") var ignoreSessions = false
    @Option(help: "CSV folder the cache may fetch missing windows from.") var source: String?
    @Option(help: ".env file whose values count as environment (default: ./.env when present).") var envFile: String?
    @OptionGroup var storeOptions: StoreOptions

    /// The configuration: the file (or defaults), the environment, then these flags.
    func configuration() throws -> RunConfiguration {
        let environment = RunConfiguration.environment(
            process: storeOptions.environment,
            dotEnvPath: envFile ?? (FileManager.default.fileExists(atPath: ".env") ? ".env" : nil))
        var cfg: RunConfiguration
        if let path = config {
            cfg = try RunConfiguration.load(path: path, environment: environment)
        } else {
            // No file: defaults, with the seed's environment variables still applied.
            cfg = try RunConfiguration.parse(yaml: "", source: "environment", environment: environment)
        }
        if !symbol.isEmpty {
            let symbols = symbol.map { $0.uppercased() }
            cfg.data.symbols = symbols
            for i in cfg.strategies.indices { cfg.strategies[i].symbols = symbols }
        }
        if let timeframe { cfg.data.timeframe = timeframe }
        if let ticks { cfg.data.ticks = ticks.uppercased() }
        if let finerTimeframe { cfg.data.finerTimeframe = finerTimeframe }
        if barsFromTicks { cfg.data.barsFromTicks = true }
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
                cfg.strategies.append(StrategyEntry(name: d.name, symbols: cfg.data.symbols, enabled: true, parameters: d.defaults()))
            }
            if d.name == "sma_bracket" && pathModel == nil && config == nil {
                // The reference workload's own conventions, unless the user says otherwise.
                cfg.exchange.pathModel = PathModel.stopFirst.rawValue
                cfg.exchange.enforceSessions = false
            }
        }
        return cfg
    }

    /// Sets `name=value` on the one enabled strategy that has it (`strategy.name=value` picks one);
    /// a name no single strategy takes is a usage error.
    static func setParameter(_ cfg: inout RunConfiguration, name rawName: String, value: String, source: String) throws {
        do { try cfg.setParameter(rawName, value: value, source: source) } catch let e as ParameterTargetError { throw ValidationError(e.description) }
    }

    func job(_ cfg: RunConfiguration) throws -> BacktestJob {
        let registry = try storeOptions.registry()
        return BacktestJob(config: cfg, registry: registry, store: try storeOptions.openStore(),
                           source: source.map { CSVFolderSource(folder: $0, registry: registry) })
    }
}
