-- The run, sweep, queue and live tables exactly as the single-ledger migrations 2–4 of
-- Sources/Data/Migrations.swift created them (before the Store target had its own ledger), with
-- their schema_migrations rows and a few rows of data. Applied on top of a fresh postgres bar store
-- (migration 1, unchanged) by StoreMigrationTests. Generated from the old migration list; do not edit.
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
-- 4: sweep work queue (PostgreSQL workers with leases)
CREATE TABLE sweep_queue (
sweep_id TEXT NOT NULL, cell BIGINT NOT NULL, status TEXT NOT NULL, lease_until TIMESTAMPTZ, worker TEXT,
attempts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sweep_id, cell));
INSERT INTO schema_migrations (version, name) VALUES (4, 'sweep work queue (PostgreSQL workers with leases)');
INSERT INTO backtest_runs VALUES ('run-old', '2025-06-01T12:00:00Z', 'backtest', 'hash-old', 'x=1', 'ES', '1m', '2019-01-02T00:00:00Z', '2019-01-03T00:00:00Z', '0.9.0', '{}');
INSERT INTO backtest_trades VALUES ('run-old', 1, 'sma_bracket', 'ES', 'long', 1, '2019-01-02T14:31:00Z', '2500.00', '2019-01-02T14:40:00Z', '2502.00', 'target', '96.22', '3.78', 2, 9);
INSERT INTO sweeps VALUES ('sweep-old', '2025-06-01T12:00:00Z', 'sma_bracket', 'ES', '1m', NULL, NULL, 'fast=5,10', 'x=1', 2);
INSERT INTO sweep_results VALUES ('sweep-old', 'hash-a', 0, 'fast=5', 3, '120.50', 0.5, 1.5, 0.8, 200.0, 0, 0.01, '2025-06-01T12:00:00Z');
