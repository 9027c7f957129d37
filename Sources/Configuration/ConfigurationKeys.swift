/// One key of a section of the run configuration file: what it is, what it takes, its default,
/// and a value the parser accepts (`ConfigurationKeysTests` feeds every `example` through
/// `RunConfiguration.parse`, so the table and the parser cannot drift apart).
public struct ConfigurationKey: Sendable, Hashable {
    /// The key as written in the file, below its section (`daily_loss_limit`).
    public let name: String
    /// What the value may be, in the file's words (`dollars, or off`).
    public let values: String
    /// What applies when the key is absent.
    public let defaultValue: String
    /// What the key does, with its units.
    public let help: String
    /// A value the parser accepts for this key.
    public let example: String

    public init(_ name: String, values: String, default defaultValue: String, example: String, help: String) {
        self.name = name; self.values = values; self.defaultValue = defaultValue; self.help = help; self.example = example
    }
}

/// A top-level section of the run configuration file and its keys. The parser's list of allowed
/// keys is read from here, and `tsxlab docs generate` writes the configuration reference from it.
public struct ConfigurationSection: Sendable, Hashable {
    public let name: String
    public let summary: String
    public let keys: [ConfigurationKey]

    public var keyNames: [String] { keys.map(\.name) }
}

extension ConfigurationSection {
    /// `account`: the prop-firm rules the risk engine applies (a preset, then single overrides).
    public static let account = ConfigurationSection(
        name: "account",
        summary: "The account's prop-firm rules: a preset, then any single rule overridden. Amounts are dollars; `off` (or `none`) removes a limit.",
        keys: [
            ConfigurationKey("rules", values: "unlimited, topstep-50k, topstep-100k, topstep-150k", default: "unlimited ($50,000, no limits)", example: "topstep-50k",
                             help: "The preset the other keys start from: a TopStepX Trading Combine's 2026 rules, or a plain account."),
            ConfigurationKey("starting_balance", values: "dollars", default: "the preset's", example: "50000",
                             help: "Balance the account starts with; the trailing maximum loss locks here."),
            ConfigurationKey("daily_loss_limit", values: "dollars, or off", default: "the preset's (1,000 / 2,000 / 3,000)", example: "1000",
                             help: "Day net P&L (realised + unrealised − fees, from the 17:00 CT day start) at or below −limit flattens and locks the account until the next trade day."),
            ConfigurationKey("max_loss_drawdown", values: "dollars, or off", default: "the preset's (2,000 / 3,000 / 4,500)", example: "2000",
                             help: "Trailing maximum loss: the drawdown from the end-of-day high-water mark. Equity at or below the level ends the account."),
            ConfigurationKey("max_contracts", values: "a positive number, or off", default: "the preset's (5 / 10 / 15)", example: "5",
                             help: "Most open contracts at once, in mini-equivalents across all products (a micro counts 0.1); working entries count."),
            ConfigurationKey("profit_target", values: "dollars, or off", default: "the preset's (3,000 / 6,000 / 9,000)", example: "3000",
                             help: "Profit a Combine attempt needs to pass."),
            ConfigurationKey("consistency_share", values: "a share in (0, 1]", default: "the preset's (0.55)", example: "0.55",
                             help: "Largest share of the total profit one day may hold; a larger best day raises the target to best day ÷ share."),
            ConfigurationKey("consistency_governor", values: "true or false", default: "false", example: "true",
                             help: "Stop trading for the day once the day's profit reaches consistency_share × profit_target less safety_buffer."),
            ConfigurationKey("safety_buffer", values: "dollars, or off", default: "the preset's (a quarter of the daily loss limit)", example: "200",
                             help: "When the daily loss limit is this close, new orders are cut to reduced_quantity."),
            ConfigurationKey("reduced_quantity", values: "a whole number, 1 or more", default: "1", example: "1",
                             help: "Contracts per order once the daily loss limit is within safety_buffer."),
            ConfigurationKey("no_new_entries_after", values: "a time with its zone, or off", default: "the preset's (15:00 America/Chicago)", example: "15:00 America/Chicago",
                             help: "New entries are refused from this time of day on."),
            ConfigurationKey("flatten_time", values: "a time with its zone, or off", default: "the preset's (15:05 America/Chicago)", example: "15:05 America/Chicago",
                             help: "Everything is cancelled and closed at this time of day; a strategy's own flatten time may not be later."),
            ConfigurationKey("attempts", values: "true or false", default: "false", example: "true",
                             help: "Combine attempts on history: a passed or failed account is recorded and a fresh one opens the next trade day (as `backtest --attempts`)."),
            ConfigurationKey("min_days", values: "a whole number of days, 0 or more", default: "0", example: "2",
                             help: "Trading days (days with a fill) a pass needs besides the profit target."),
            ConfigurationKey("reset_price", values: "dollars, or off", default: "the preset's ($49 / $99 / $199)", example: "49",
                             help: "What a reset after a failed attempt costs; summed in the attempts' resets."),
        ])

    /// `data`: which stored bars a run reads.
    public static let data = ConfigurationSection(
        name: "data",
        summary: "Which stored bars the run reads (`tsxlab data list` shows what the store holds).",
        keys: [
            ConfigurationKey("symbol", values: "a stored symbol (ES, ESZ13, …)", default: "ES", example: "ES",
                             help: "Symbol of the series, as imported or rolled."),
            ConfigurationKey("symbols", values: "a list of stored symbols ([MES, MNQ]), or symbols with their timeframes ({MES: 1m, NQ: 5m})", default: "data.symbol alone", example: "[MES, MNQ]",
                             help: "Several series traded on one account in one run (a portfolio), at data.timeframe unless given their own, in the order of their bars' closes; bars closing together in the order listed. The account's rules apply to all of them together."),
            ConfigurationKey("timeframe", values: "1s … 1M (1m, 5m, 1h, 1d, …)", default: "1m", example: "1m",
                             help: "Bar size of the series."),
            ConfigurationKey("from", values: "a date or ISO-8601 time (UTC)", default: "the series' first bar", example: "2013-10-01",
                             help: "First bar read (inclusive)."),
            ConfigurationKey("to", values: "a date or ISO-8601 time (UTC)", default: "the series' last bar", example: "2014-01-01",
                             help: "End of the bars read (exclusive)."),
            ConfigurationKey("finer_timeframe", values: "a timeframe finer than timeframe", default: "none", example: "1s",
                             help: "Finer bars that decide the order of fills inside a bar when the store has them; otherwise the path model decides."),
            ConfigurationKey("ticks", values: "a contract whose trade prints are stored", default: "none", example: "ESM8",
                             help: "Trade prints that decide fills inside a bar wherever they cover it, print by print, before finer bars and the path model."),
            ConfigurationKey("bars_from", values: "store, ticks", default: "store", example: "ticks",
                             help: "Where the strategy's bars come from: the store, or built from data.ticks's prints at timeframe (tick replay: the prints also decide every fill)."),
        ])

    /// `exchange`: the simulated exchange's settings.
    public static let exchange = ConfigurationSection(
        name: "exchange",
        summary: "How the simulated exchange fills orders (backtests, sweeps, paper trading, the loopback gateway).",
        keys: [
            ConfigurationKey("path_model", values: "nearest, worst, best, stop-first", default: "nearest", example: "worst",
                             help: "Path assumed inside a bar when two orders could fill and no finer bars decide: the nearest level first, the worst or best outcome, or stops first."),
            ConfigurationKey("stop_slippage_ticks", values: "0 … 1000", default: "0", example: "1",
                             help: "Ticks of slippage on stop fills (never outside the bar's range)."),
            ConfigurationKey("market_slippage_ticks", values: "0 … 1000", default: "0", example: "1",
                             help: "Ticks of slippage on market fills (never outside the bar's range)."),
            ConfigurationKey("commission_per_side", values: "dollars", default: "the contract table's fee", example: "2.50",
                             help: "Fee per contract per side, overriding the contract table's TopStepX fee."),
            ConfigurationKey("limit_fill", values: "through or touch", default: "through", example: "touch",
                             help: "On trade prints, a resting limit fills when a print goes through its price by a tick (the queue ahead of it is not modelled), or when one touches it."),
            ConfigurationKey("enforce_sessions", values: "true or false", default: "true", example: "false",
                             help: "No fills while the market is closed (weekends, holidays, the daily halt)."),
        ])

    /// `strategies`: one subsection per strategy, keyed by its name (see `StrategyCatalog`).
    /// Besides a strategy's parameters, each takes these two keys.
    public static let strategyCommonKeys: [ConfigurationKey] = [
        ConfigurationKey("enabled", values: "true or false", default: "true when the strategy's section is present", example: "true",
                         help: "Whether the strategy trades; a strategy without a section does not."),
        ConfigurationKey("symbol", values: "a stored symbol", default: "data.symbol", example: "ES",
                         help: "Symbol the strategy trades."),
        ConfigurationKey("symbols", values: "a list of data symbols ([MES, MNQ])", default: "every data symbol", example: "[ES]",
                         help: "Symbols the strategy trades; a strategy written for one symbol runs once on each, with the same parameters."),
    ]

    /// The sections with fixed keys, in the order the reference lists them.
    public static let fixed: [ConfigurationSection] = [account, data, exchange]

    /// Every top-level key a configuration file may hold (`live` is written by `tsxlab promote`).
    public static let topLevelKeys = ["account", "data", "exchange", "strategies", "live"]
}
