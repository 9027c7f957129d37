-- The run, sweep, queue and live tables exactly as the single-ledger migrations 2–6 of
-- Sources/Data/Migrations.swift created them (before the Store target had its own ledger), with
-- their schema_migrations rows and a few rows of data. Applied on top of a fresh postgres bar store
-- (migration 1, unchanged) by StoreMigrationTests. Generated from the old migration list; do not edit
-- the statements. Each `-- N:` section holds migration N and the rows of its tables, so the store an
-- earlier build left at version N is this file up to the section after N (`legacyStore(_:upTo:)`).
-- 2: backtest runs, their trades, fills and equity, strategy performance
CREATE TABLE backtest_runs (
run_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, kind TEXT NOT NULL, config_hash TEXT NOT NULL,
config_text TEXT NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL, data_from TEXT, data_to TEXT,
code_version TEXT NOT NULL, summary_json TEXT NOT NULL);
CREATE TABLE backtest_trades (
run_id TEXT NOT NULL, seq BIGINT NOT NULL, strategy TEXT, symbol TEXT NOT NULL, side TEXT NOT NULL,
quantity BIGINT NOT NULL, entry_time TEXT NOT NULL, entry_price TEXT NOT NULL, exit_time TEXT NOT NULL,
exit_price TEXT NOT NULL, exit_reason TEXT NOT NULL, pnl_usd TEXT NOT NULL, fees_usd TEXT NOT NULL,
mae_ticks BIGINT NOT NULL, mfe_ticks BIGINT NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE backtest_equity (
run_id TEXT NOT NULL, seq BIGINT NOT NULL, time TEXT NOT NULL, trade_date TEXT NOT NULL,
balance_usd TEXT NOT NULL, equity_usd TEXT NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE backtest_fills (
run_id TEXT NOT NULL, seq BIGINT NOT NULL, time TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL,
quantity BIGINT NOT NULL, price TEXT NOT NULL, fee_usd TEXT NOT NULL, order_id BIGINT NOT NULL,
purpose TEXT NOT NULL, resolution TEXT NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE strategy_performance (
strategy_name VARCHAR(100) NOT NULL, symbol VARCHAR(20) NOT NULL, trades_count INTEGER NOT NULL,
win_rate DECIMAL, total_pnl DECIMAL NOT NULL, sharpe_ratio DECIMAL, max_drawdown DECIMAL,
run_id TEXT NOT NULL, updated_at TEXT NOT NULL);
INSERT INTO schema_migrations (version, name) VALUES (2, 'backtest runs, their trades, fills and equity, strategy performance');
INSERT INTO backtest_runs VALUES ('run-old', '2025-06-01T12:00:00Z', 'backtest', 'hash-old', 'x=1', 'ES', '1m', '2019-01-02T00:00:00Z', '2019-01-03T00:00:00Z', '0.9.0', '{}');
INSERT INTO backtest_trades VALUES ('run-old', 1, 'sma_bracket', 'ES', 'long', 1, '2019-01-02T14:31:00Z', '2500.00', '2019-01-02T14:40:00Z', '2502.00', 'target', '96.22', '3.78', 2, 9);
-- 3: parameter sweeps and their results
CREATE TABLE sweeps (
sweep_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, strategy TEXT NOT NULL, symbol TEXT NOT NULL,
timeframe TEXT NOT NULL, data_from TEXT, data_to TEXT, space TEXT NOT NULL, base_config TEXT NOT NULL,
cells BIGINT NOT NULL);
CREATE TABLE sweep_results (
sweep_id TEXT NOT NULL, config_hash TEXT NOT NULL, cell BIGINT NOT NULL, params TEXT NOT NULL,
trades BIGINT NOT NULL, net_pnl_usd TEXT NOT NULL, win_rate DOUBLE PRECISION, profit_factor DOUBLE PRECISION,
sharpe DOUBLE PRECISION, max_drawdown_usd DOUBLE PRECISION, rule_breaches BIGINT NOT NULL,
seconds DOUBLE PRECISION NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (sweep_id, config_hash));
INSERT INTO schema_migrations (version, name) VALUES (3, 'parameter sweeps and their results');
INSERT INTO sweeps VALUES ('sweep-old', '2025-06-01T12:00:00Z', 'sma_bracket', 'ES', '1m', NULL, NULL, 'fast=5,10', 'x=1', 2);
INSERT INTO sweep_results VALUES ('sweep-old', 'hash-a', 0, 'fast=5', 3, '120.50', 0.5, 1.5, 0.8, 200.0, 0, 0.01, '2025-06-01T12:00:00Z');
-- 4: sweep work queue (PostgreSQL workers with leases)
CREATE TABLE sweep_queue (
sweep_id TEXT NOT NULL, cell BIGINT NOT NULL, status TEXT NOT NULL, lease_until TIMESTAMPTZ, worker TEXT,
attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sweep_id, cell));
INSERT INTO schema_migrations (version, name) VALUES (4, 'sweep work queue (PostgreSQL workers with leases)');
-- 5: walk-forward windows of a sweep
CREATE TABLE walk_forward_windows (
sweep_id TEXT NOT NULL, window_index BIGINT NOT NULL, spec TEXT NOT NULL, metric TEXT NOT NULL,
out_of_sample TEXT NOT NULL, chosen TEXT NOT NULL, in_sample_metric DOUBLE PRECISION,
out_of_sample_trades BIGINT NOT NULL, out_of_sample_net_pnl_usd TEXT NOT NULL,
PRIMARY KEY (sweep_id, spec, metric, window_index));
INSERT INTO schema_migrations (version, name) VALUES (5, 'walk-forward windows of a sweep');
-- 6: live runner: API call metrics, account state, the orders it sent, the fills it booked
CREATE TABLE api_metrics (
endpoint VARCHAR(200) NOT NULL, method VARCHAR(10) NOT NULL, duration_ms DECIMAL NOT NULL, status_code INTEGER NOT NULL,
success BOOLEAN NOT NULL, error_message TEXT, created_at TIMESTAMPTZ NOT NULL);
CREATE INDEX idx_api_metrics_time ON api_metrics (created_at);
CREATE TABLE account_state (
account_id VARCHAR(50) NOT NULL, balance DECIMAL NOT NULL, dll_remaining DECIMAL, mll_remaining DECIMAL, timestamp TIMESTAMPTZ NOT NULL);
CREATE TABLE live_runner_state (
account_id TEXT PRIMARY KEY, tag_prefix TEXT NOT NULL, next_local_id BIGINT NOT NULL, trade_day BIGINT NOT NULL,
risk_json TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE live_orders (
account_id TEXT NOT NULL, tag TEXT NOT NULL, local_id BIGINT NOT NULL, gateway_id BIGINT, strategy TEXT,
symbol TEXT NOT NULL, side TEXT NOT NULL, quantity BIGINT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (account_id, tag));
INSERT INTO schema_migrations (version, name) VALUES (6, 'live runner: API call metrics, account state, the orders it sent, the fills it booked');
INSERT INTO live_orders VALUES ('acct-1', 'tsx-1', 1, 777, 'sma_bracket', 'ES', 'buy', 1, 'market', 'filled', '2025-06-01T14:31:00Z', '2025-06-01T14:31:01Z');
INSERT INTO live_runner_state VALUES ('acct-1', 'tsx', 2, 20240, '{}', '2025-06-01T14:31:01Z');
