import Data
import Foundation
import Strategies
import Trading
import Yams

/// Several problems found in one configuration, all named at once.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var source: String
    public var problems: [String]
    public var exitCode: Int32 { 65 }
    public var description: String {
        "\(source): \(problems.count) problem\(problems.count == 1 ? "" : "s") in the configuration:\n" +
            problems.map { "  - " + $0 }.joined(separator: "\n")
    }
}

/// Which bars a run reads.
public struct DataSelection: Hashable, Sendable {
    /// The symbols whose bars the run reads (`data.symbol`, or several with `data.symbols`) on one
    /// account. Their bars are traded in the order of their closes; bars closing together in
    /// this order.
    public var symbols: [String]
    /// A symbol's own bar size when it is not `timeframe` (`data.symbols: {MES: 1m, NQ: 5m}`).
    public var timeframes: [String: Timeframe] = [:]
    /// The bar size of `symbol`'s series.
    public func timeframe(of symbol: String) -> Timeframe { timeframes[symbol] ?? timeframe }
    /// The first (for most runs the only) symbol; setting it makes it the only one.
    public var symbol: String {
        get { symbols[0] }
        set { symbols = [newValue] }
    }
    public var timeframe: Timeframe
    public var from: Timestamp?
    public var to: Timestamp?
    /// Finer bars for drill-down (e.g. 1s inside 1m), when the store has them.
    public var finerTimeframe: Timeframe?
    /// The contract whose stored trade prints decide fills inside bars (`data.ticks`).
    public var ticks: String?
    /// Tick replay (`data.bars_from: ticks`): the strategy's bars are built from those prints at
    /// `timeframe` instead of read from the store, and the prints decide every fill.
    public var barsFromTicks = false

    public init(symbol: String, timeframe: Timeframe) {
        self.symbols = [symbol]; self.timeframe = timeframe
    }
}

/// The simulated exchange's settings as configured (mapped onto `ExchangeConfig` by the CLI).
public struct ExchangeSettings: Hashable, Sendable {
    public var pathModel = "nearest"
    public var stopSlippageTicks: Int64 = 0
    public var marketSlippageTicks: Int64 = 0
    /// Overrides the contract table's fee per contract per side.
    public var commissionPerSide: Money?
    public var enforceSessions = true
    /// `through` or `touch`: when a resting limit fills on trade prints.
    public var limitFill = "through"
}

/// One configured strategy.
public struct StrategyEntry: Hashable, Sendable {
    public var name: String
    /// The symbols it trades (`symbol:` or `symbols:`; by default every data symbol). A strategy
    /// written for one symbol runs once per symbol, with the same parameters.
    public var symbols: [String]
    public var enabled: Bool
    public var parameters: ParameterSet
    /// The first (for most strategies the only) symbol; setting it makes it the only one.
    public var symbol: String {
        get { symbols[0] }
        set { symbols = [newValue] }
    }
    public init(name: String, symbols: [String], enabled: Bool, parameters: ParameterSet) {
        precondition(!symbols.isEmpty, "a strategy trades at least one symbol")
        self.name = name; self.symbols = symbols; self.enabled = enabled; self.parameters = parameters
    }
    public init(name: String, symbol: String, enabled: Bool, parameters: ParameterSet) {
        self.init(name: name, symbols: [symbol], enabled: enabled, parameters: parameters)
    }
}

/// A run's whole configuration: account rules, data, exchange and strategies.
///
/// The file is YAML (`account`, `data`, `exchange`, `strategies`), every value typed and range
/// checked; unknown keys are refused with their line. The seed bot's environment variables
/// (`OVERNIGHT_ENABLED`, `OVERNIGHT_ATR_PERIOD`, …) override the file, and a `.env` file's
/// values count as environment, so an existing `.env` keeps working.
public struct RunConfiguration: Hashable, Sendable {
    public var source: String
    public var account: RiskRules
    public var data: DataSelection
    public var exchange = ExchangeSettings()
    public var strategies: [StrategyEntry] = []
    /// Combine attempts on history (`account.attempts`, `backtest --attempts`): a passed or failed
    /// account is recorded and a fresh one opens the next trade day.
    public var attempts = false

    public init(source: String, account: RiskRules, data: DataSelection) {
        self.source = source; self.account = account; self.data = data
    }

    public var enabledStrategies: [StrategyEntry] { strategies.filter(\.enabled) }

    /// Cross-checks that no single value can: a strategy's flatten time after the account's
    /// cut-off is refused with both times named (TopStepX flattens at 15:10 CT; 16:00 CT would
    /// break the rule every day).
    public func checkConsistency() throws {
        var problems: [String] = []
        let probe = TradeDate(year: 2026, month: 3, day: 10)  // any weekday; both zones on summer time
        for s in enabledStrategies {
            guard s.parameters.spec("eod_flatten_time") != nil, s.parameters.bool("eod_flatten"),
                  let cutoff = account.flattenTime else { continue }
            let t = s.parameters.time("eod_flatten_time")
            if t.instant(on: probe) > cutoff.instant(on: probe) {
                problems.append("strategies.\(s.name).eod_flatten_time: \(t) is after the account's flatten cut-off \(cutoff); choose an earlier time (e.g. 16:00 America/New_York is 15:00 America/Chicago)")
            }
        }
        if attempts && account.profitTarget == nil && account.maxLossDrawdown == nil {
            problems.append("account.attempts: the rules '\(account.name)' have neither a profit target nor a maximum loss, so no attempt can pass or fail; choose rules such as topstep-50k")
        }
        if data.symbols.count > 1 {
            for sym in Set(data.symbols) where data.symbols.filter({ $0 == sym }).count > 1 {
                problems.append("data.symbols: \(sym) is listed twice; list each symbol once")
            }
            if data.ticks != nil || data.barsFromTicks || data.finerTimeframe != nil {
                problems.append("data.symbols: several symbols are read as stored bars only; remove data.ticks, data.bars_from and data.finer_timeframe, or trade one symbol")
            }
        }
        for s in enabledStrategies {
            for sym in s.symbols where !data.symbols.contains(sym) {
                problems.append("strategies.\(s.name).symbols: \(sym) is not among the data symbols (\(data.symbols.joined(separator: ", "))); add it to data.symbols or trade one of those")
            }
        }
        if data.barsFromTicks && data.ticks == nil {
            problems.append("data.bars_from: ticks builds the bars from stored trade prints, but data.ticks names none; set data.ticks to the contract (e.g. ESM8)")
        }
        if !problems.isEmpty { throw ConfigurationError(source: source, problems: problems) }
    }

    /// A canonical text of everything that affects results (the basis of the config hash).
    public var canonicalText: String {
        var lines: [String] = []
        let a = account
        lines.append("account.rules=\(a.name)")
        lines.append("account.starting_balance=\(a.startingBalance)")
        lines.append("account.daily_loss_limit=\(a.dailyLossLimit?.description ?? "off")")
        lines.append("account.max_loss_drawdown=\(a.maxLossDrawdown?.description ?? "off")")
        lines.append("account.max_contracts=\(a.maxMiniEquivalents.map { String($0) } ?? "off")")
        lines.append("account.safety_buffer=\(a.safetyBuffer?.description ?? "off")")
        lines.append("account.no_new_entries_after=\(a.noNewEntriesAfter?.description ?? "off")")
        lines.append("account.flatten_time=\(a.flattenTime?.description ?? "off")")
        // Only when on, so the hash of every run without attempts stays what it was.
        if attempts {
            lines.append("account.attempts=true")
            lines.append("account.profit_target=\(a.profitTarget?.description ?? "off")")
            lines.append("account.consistency_share=\(a.consistencyShare.map { String($0) } ?? "off")")
            lines.append("account.min_days=\(a.minimumTradingDays)")
        }
        // One symbol keeps the line it always had, so the hash of every one-symbol run stays what it was.
        if data.symbols.count == 1 { lines.append("data.symbol=\(data.symbol)") } else { lines.append("data.symbols=\(data.symbols.joined(separator: ","))") }
        for symbol in data.symbols where data.timeframe(of: symbol) != data.timeframe {
            lines.append("data.timeframe.\(symbol)=\(data.timeframe(of: symbol))")
        }
        lines.append("data.timeframe=\(data.timeframe)")
        lines.append("data.from=\(data.from?.description ?? "start")")
        lines.append("data.to=\(data.to?.description ?? "end")")
        lines.append("data.finer_timeframe=\(data.finerTimeframe?.description ?? "none")")
        // Only with prints, so the hash of every run without them stays what it was.
        if let ticks = data.ticks {
            lines.append("data.ticks=\(ticks)")
            if data.barsFromTicks { lines.append("data.bars_from=ticks") }
            lines.append("exchange.limit_fill=\(exchange.limitFill)")
        }
        lines.append("exchange.path_model=\(exchange.pathModel)")
        lines.append("exchange.stop_slippage_ticks=\(exchange.stopSlippageTicks)")
        lines.append("exchange.market_slippage_ticks=\(exchange.marketSlippageTicks)")
        lines.append("exchange.commission_per_side=\(exchange.commissionPerSide?.description ?? "table")")
        lines.append("exchange.enforce_sessions=\(exchange.enforceSessions)")
        for s in strategies where s.enabled {
            if s.symbols.count == 1 { lines.append("strategy.\(s.name).symbol=\(s.symbol)") } else { lines.append("strategy.\(s.name).symbols=\(s.symbols.joined(separator: ","))") }
            for spec in s.parameters.specs { lines.append("strategy.\(s.name).\(spec.name)=\(s.parameters.values[spec.name]!)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// SHA-256 of `canonicalText`, hex: the identity a promotion pins.
    public var hash: String { SHA256.hex(Array(canonicalText.utf8)) }
}
