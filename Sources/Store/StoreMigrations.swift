import Data

/// One step of the store's schema: the tables of runs, sweeps, the sweep queue and the live
/// runner. Recorded in `store_migrations`, apart from `Data`'s own ledger of the bar tables
/// (`schema_migrations`). Append, never edit: a migration that has shipped is history.
public struct StoreMigration: Sendable {
    public let version: Int
    /// The number this step had in the single ledger the bar store kept before the run tables got
    /// a ledger of their own (`schema_migrations` 2–6). A store created then is adopted by these
    /// numbers; a step added later has none.
    public let legacyVersion: Int?
    public let name: String
    public let sqlite: [String]
    public let postgres: [String]
}

extension StoreSchema {
    public static let migrations: [StoreMigration] = [
        StoreMigration(
            version: 1, legacyVersion: 2, name: "backtest runs, their trades, fills and equity, strategy performance",
            sqlite: [
                """
                CREATE TABLE backtest_runs (
                    run_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, kind TEXT NOT NULL, config_hash TEXT NOT NULL,
                    config_text TEXT NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL, data_from TEXT, data_to TEXT,
                    code_version TEXT NOT NULL, summary_json TEXT NOT NULL)
                """,
                """
                CREATE TABLE backtest_trades (
                    run_id TEXT NOT NULL, seq INTEGER NOT NULL, strategy TEXT, symbol TEXT NOT NULL, side TEXT NOT NULL,
                    quantity INTEGER NOT NULL, entry_time TEXT NOT NULL, entry_price TEXT NOT NULL, exit_time TEXT NOT NULL,
                    exit_price TEXT NOT NULL, exit_reason TEXT NOT NULL, pnl_usd TEXT NOT NULL, fees_usd TEXT NOT NULL,
                    mae_ticks INTEGER NOT NULL, mfe_ticks INTEGER NOT NULL, PRIMARY KEY (run_id, seq))
                """,
                """
                CREATE TABLE backtest_equity (
                    run_id TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL, trade_date TEXT NOT NULL,
                    balance_usd TEXT NOT NULL, equity_usd TEXT NOT NULL, PRIMARY KEY (run_id, seq))
                """,
                """
                CREATE TABLE backtest_fills (
                    run_id TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL,
                    quantity INTEGER NOT NULL, price TEXT NOT NULL, fee_usd TEXT NOT NULL, order_id INTEGER NOT NULL,
                    purpose TEXT NOT NULL, resolution TEXT NOT NULL, PRIMARY KEY (run_id, seq))
                """,
                """
                CREATE TABLE strategy_performance (
                    strategy_name TEXT NOT NULL, symbol TEXT NOT NULL, trades_count INTEGER NOT NULL, win_rate REAL,
                    total_pnl REAL NOT NULL, sharpe_ratio REAL, max_drawdown REAL, run_id TEXT NOT NULL, updated_at TEXT NOT NULL)
                """,
            ],
            postgres: [
                """
                CREATE TABLE backtest_runs (
                    run_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, kind TEXT NOT NULL, config_hash TEXT NOT NULL,
                    config_text TEXT NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL, data_from TEXT, data_to TEXT,
                    code_version TEXT NOT NULL, summary_json TEXT NOT NULL)
                """,
                """
                CREATE TABLE backtest_trades (
                    run_id TEXT NOT NULL, seq BIGINT NOT NULL, strategy TEXT, symbol TEXT NOT NULL, side TEXT NOT NULL,
                    quantity BIGINT NOT NULL, entry_time TEXT NOT NULL, entry_price TEXT NOT NULL, exit_time TEXT NOT NULL,
                    exit_price TEXT NOT NULL, exit_reason TEXT NOT NULL, pnl_usd TEXT NOT NULL, fees_usd TEXT NOT NULL,
                    mae_ticks BIGINT NOT NULL, mfe_ticks BIGINT NOT NULL, PRIMARY KEY (run_id, seq))
                """,
                """
                CREATE TABLE backtest_equity (
                    run_id TEXT NOT NULL, seq BIGINT NOT NULL, time TEXT NOT NULL, trade_date TEXT NOT NULL,
                    balance_usd TEXT NOT NULL, equity_usd TEXT NOT NULL, PRIMARY KEY (run_id, seq))
                """,
                """
                CREATE TABLE backtest_fills (
                    run_id TEXT NOT NULL, seq BIGINT NOT NULL, time TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL,
                    quantity BIGINT NOT NULL, price TEXT NOT NULL, fee_usd TEXT NOT NULL, order_id BIGINT NOT NULL,
                    purpose TEXT NOT NULL, resolution TEXT NOT NULL, PRIMARY KEY (run_id, seq))
                """,
                """
                CREATE TABLE strategy_performance (
                    strategy_name VARCHAR(100) NOT NULL, symbol VARCHAR(20) NOT NULL, trades_count INTEGER NOT NULL,
                    win_rate DECIMAL, total_pnl DECIMAL NOT NULL, sharpe_ratio DECIMAL, max_drawdown DECIMAL,
                    run_id TEXT NOT NULL, updated_at TEXT NOT NULL)
                """,
            ]
        ),
        StoreMigration(
            version: 2, legacyVersion: 3, name: "parameter sweeps and their results",
            sqlite: [
                """
                CREATE TABLE sweeps (
                    sweep_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, strategy TEXT NOT NULL, symbol TEXT NOT NULL,
                    timeframe TEXT NOT NULL, data_from TEXT, data_to TEXT, space TEXT NOT NULL, base_config TEXT NOT NULL,
                    cells INTEGER NOT NULL)
                """,
                """
                CREATE TABLE sweep_results (
                    sweep_id TEXT NOT NULL, config_hash TEXT NOT NULL, cell INTEGER NOT NULL, params TEXT NOT NULL,
                    trades INTEGER NOT NULL, net_pnl_usd TEXT NOT NULL, win_rate REAL, profit_factor REAL, sharpe REAL,
                    max_drawdown_usd REAL, rule_breaches INTEGER NOT NULL, seconds REAL NOT NULL, created_at TEXT NOT NULL,
                    PRIMARY KEY (sweep_id, config_hash))
                """,
            ],
            postgres: [
                """
                CREATE TABLE sweeps (
                    sweep_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, strategy TEXT NOT NULL, symbol TEXT NOT NULL,
                    timeframe TEXT NOT NULL, data_from TEXT, data_to TEXT, space TEXT NOT NULL, base_config TEXT NOT NULL,
                    cells BIGINT NOT NULL)
                """,
                """
                CREATE TABLE sweep_results (
                    sweep_id TEXT NOT NULL, config_hash TEXT NOT NULL, cell BIGINT NOT NULL, params TEXT NOT NULL,
                    trades BIGINT NOT NULL, net_pnl_usd TEXT NOT NULL, win_rate DOUBLE PRECISION, profit_factor DOUBLE PRECISION,
                    sharpe DOUBLE PRECISION, max_drawdown_usd DOUBLE PRECISION, rule_breaches BIGINT NOT NULL,
                    seconds DOUBLE PRECISION NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (sweep_id, config_hash))
                """,
            ]
        ),
        StoreMigration(
            version: 3, legacyVersion: 4, name: "sweep work queue (PostgreSQL workers with leases)",
            sqlite: [
                """
                CREATE TABLE sweep_queue (
                    sweep_id TEXT NOT NULL, cell INTEGER NOT NULL, status TEXT NOT NULL, lease_until TEXT, worker TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sweep_id, cell))
                """,
            ],
            postgres: [
                """
                CREATE TABLE sweep_queue (
                    sweep_id TEXT NOT NULL, cell BIGINT NOT NULL, status TEXT NOT NULL, lease_until TIMESTAMPTZ, worker TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sweep_id, cell))
                """,
            ]
        ),
        StoreMigration(
            version: 4, legacyVersion: 5, name: "walk-forward windows of a sweep",
            sqlite: [
                """
                CREATE TABLE walk_forward_windows (
                    sweep_id TEXT NOT NULL, window_index INTEGER NOT NULL, spec TEXT NOT NULL, metric TEXT NOT NULL,
                    out_of_sample TEXT NOT NULL, chosen TEXT NOT NULL, in_sample_metric REAL, out_of_sample_trades INTEGER NOT NULL,
                    out_of_sample_net_pnl_usd TEXT NOT NULL, PRIMARY KEY (sweep_id, spec, metric, window_index))
                """,
            ],
            postgres: [
                """
                CREATE TABLE walk_forward_windows (
                    sweep_id TEXT NOT NULL, window_index BIGINT NOT NULL, spec TEXT NOT NULL, metric TEXT NOT NULL,
                    out_of_sample TEXT NOT NULL, chosen TEXT NOT NULL, in_sample_metric DOUBLE PRECISION,
                    out_of_sample_trades BIGINT NOT NULL, out_of_sample_net_pnl_usd TEXT NOT NULL,
                    PRIMARY KEY (sweep_id, spec, metric, window_index))
                """,
            ]
        ),
        StoreMigration(
            version: 5, legacyVersion: 6, name: "live runner: API call metrics, account state, the orders it sent, the fills it booked",
            sqlite: [
                """
                CREATE TABLE api_metrics (
                    endpoint TEXT NOT NULL, method TEXT NOT NULL, duration_ms REAL NOT NULL, status_code INTEGER NOT NULL,
                    success INTEGER NOT NULL, error_message TEXT, created_at TEXT NOT NULL)
                """,
                "CREATE INDEX idx_api_metrics_time ON api_metrics (created_at)",
                """
                CREATE TABLE account_state (
                    account_id TEXT NOT NULL, balance TEXT NOT NULL, dll_remaining TEXT, mll_remaining TEXT, timestamp TEXT NOT NULL)
                """,
                """
                CREATE TABLE live_runner_state (
                    account_id TEXT PRIMARY KEY, tag_prefix TEXT NOT NULL, next_local_id INTEGER NOT NULL, trade_day INTEGER NOT NULL,
                    risk_json TEXT NOT NULL, updated_at TEXT NOT NULL)
                """,
                """
                CREATE TABLE live_orders (
                    account_id TEXT NOT NULL, tag TEXT NOT NULL, local_id INTEGER NOT NULL, gateway_id INTEGER, strategy TEXT,
                    symbol TEXT NOT NULL, side TEXT NOT NULL, quantity INTEGER NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
                    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (account_id, tag))
                """,
            ],
            postgres: [
                """
                CREATE TABLE api_metrics (
                    endpoint VARCHAR(200) NOT NULL, method VARCHAR(10) NOT NULL, duration_ms DECIMAL NOT NULL, status_code INTEGER NOT NULL,
                    success BOOLEAN NOT NULL, error_message TEXT, created_at TIMESTAMPTZ NOT NULL)
                """,
                "CREATE INDEX idx_api_metrics_time ON api_metrics (created_at)",
                """
                CREATE TABLE account_state (
                    account_id VARCHAR(50) NOT NULL, balance DECIMAL NOT NULL, dll_remaining DECIMAL, mll_remaining DECIMAL, timestamp TIMESTAMPTZ NOT NULL)
                """,
                """
                CREATE TABLE live_runner_state (
                    account_id TEXT PRIMARY KEY, tag_prefix TEXT NOT NULL, next_local_id BIGINT NOT NULL, trade_day BIGINT NOT NULL,
                    risk_json TEXT NOT NULL, updated_at TEXT NOT NULL)
                """,
                """
                CREATE TABLE live_orders (
                    account_id TEXT NOT NULL, tag TEXT NOT NULL, local_id BIGINT NOT NULL, gateway_id BIGINT, strategy TEXT,
                    symbol TEXT NOT NULL, side TEXT NOT NULL, quantity BIGINT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
                    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (account_id, tag))
                """,
            ]
        ),
        StoreMigration(
            version: 6, legacyVersion: nil,
            name: "each sweep configuration's balance at every session's end, and the configuration a sweep's summary chose",
            sqlite: [
                // One row per configuration: its sessions as `YYYY-MM-DD=dollars` pairs, the inputs
                // of PSR, DSR and PBO (daily returns are the changes over the starting balance).
                """
                CREATE TABLE sweep_daily_balances (
                    sweep_id TEXT NOT NULL, config_hash TEXT NOT NULL, cell INTEGER NOT NULL, starting_balance_usd TEXT NOT NULL,
                    balances TEXT NOT NULL, PRIMARY KEY (sweep_id, config_hash))
                """,
                "ALTER TABLE sweeps ADD COLUMN chosen_config_hash TEXT",
                "ALTER TABLE sweeps ADD COLUMN chosen_by TEXT",
            ],
            postgres: [
                """
                CREATE TABLE sweep_daily_balances (
                    sweep_id TEXT NOT NULL, config_hash TEXT NOT NULL, cell BIGINT NOT NULL, starting_balance_usd TEXT NOT NULL,
                    balances TEXT NOT NULL, PRIMARY KEY (sweep_id, config_hash))
                """,
                "ALTER TABLE sweeps ADD COLUMN chosen_config_hash TEXT",
                "ALTER TABLE sweeps ADD COLUMN chosen_by TEXT",
            ]
        ),
        StoreMigration(
            version: 7, legacyVersion: nil,
            name: "the levels a run's price chart draws: each working order's price over time, and the strategies' own levels",
            sqlite: [
                """
                CREATE TABLE backtest_levels (
                    run_id TEXT NOT NULL, seq INTEGER NOT NULL, symbol TEXT NOT NULL, name TEXT NOT NULL, order_id INTEGER,
                    side TEXT, time_from TEXT NOT NULL, time_to TEXT NOT NULL, price TEXT NOT NULL, PRIMARY KEY (run_id, seq))
                """,
            ],
            postgres: [
                """
                CREATE TABLE backtest_levels (
                    run_id TEXT NOT NULL, seq BIGINT NOT NULL, symbol TEXT NOT NULL, name TEXT NOT NULL, order_id BIGINT,
                    side TEXT, time_from TEXT NOT NULL, time_to TEXT NOT NULL, price TEXT NOT NULL, PRIMARY KEY (run_id, seq))
                """,
            ]
        ),
        StoreMigration(
            version: 8, legacyVersion: nil,
            name: "each symbol's statistics in a run whose trades span several symbols",
            sqlite: [
                // Money as text where the summary has text (exact cents); ratios as REAL. A run on
                // one symbol has no rows: its figures are the run's (`backtest_runs.summary_json`).
                """
                CREATE TABLE backtest_symbols (
                    run_id TEXT NOT NULL, seq INTEGER NOT NULL, symbol TEXT NOT NULL, trades INTEGER NOT NULL,
                    longs INTEGER NOT NULL, shorts INTEGER NOT NULL, wins INTEGER NOT NULL, win_rate REAL NOT NULL,
                    net_pnl_usd TEXT NOT NULL, gross_profit_usd REAL NOT NULL, gross_loss_usd REAL NOT NULL, fees_usd TEXT NOT NULL,
                    profit_factor REAL, expectancy_usd REAL NOT NULL, sharpe REAL, sortino REAL, max_drawdown_usd REAL,
                    max_drawdown_pct REAL, fills INTEGER NOT NULL, PRIMARY KEY (run_id, seq))
                """,
            ],
            postgres: [
                """
                CREATE TABLE backtest_symbols (
                    run_id TEXT NOT NULL, seq BIGINT NOT NULL, symbol TEXT NOT NULL, trades BIGINT NOT NULL,
                    longs BIGINT NOT NULL, shorts BIGINT NOT NULL, wins BIGINT NOT NULL, win_rate DOUBLE PRECISION NOT NULL,
                    net_pnl_usd TEXT NOT NULL, gross_profit_usd DOUBLE PRECISION NOT NULL, gross_loss_usd DOUBLE PRECISION NOT NULL,
                    fees_usd TEXT NOT NULL, profit_factor DOUBLE PRECISION, expectancy_usd DOUBLE PRECISION NOT NULL,
                    sharpe DOUBLE PRECISION, sortino DOUBLE PRECISION, max_drawdown_usd DOUBLE PRECISION,
                    max_drawdown_pct DOUBLE PRECISION, fills BIGINT NOT NULL, PRIMARY KEY (run_id, seq))
                """,
            ]
        ),
    ]
}
