/// Schema migrations, applied in order and recorded in `schema_migrations`; a store opened by a
/// newer build gains the new tables, an older store keeps its data. Append, never edit: a
/// migration that has shipped is history.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sqlite: [String]
    public let postgres: [String]
}

public enum Migrations {
    public static let all: [Migration] = [
        Migration(
            version: 1, name: "historical bars, series and coverage",
            sqlite: [
                """
                CREATE TABLE historical_bars (
                    symbol TEXT NOT NULL, timeframe TEXT NOT NULL, timestamp INTEGER NOT NULL,
                    open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
                    volume INTEGER NOT NULL,
                    PRIMARY KEY (symbol, timeframe, timestamp)
                ) WITHOUT ROWID
                """,
                // The clustered primary key serves newest-first scans too, so SQLite needs no
                // separate descending index (it would double the cost of every import).
                "CREATE TABLE bar_series (symbol TEXT NOT NULL, timeframe TEXT NOT NULL, tick_size TEXT NOT NULL, PRIMARY KEY (symbol, timeframe))",
                "CREATE TABLE bar_coverage (symbol TEXT NOT NULL, timeframe TEXT NOT NULL, start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL, PRIMARY KEY (symbol, timeframe, start_ts))",
            ],
            postgres: [
                """
                CREATE TABLE historical_bars (
                    symbol VARCHAR(20) NOT NULL, timeframe VARCHAR(10) NOT NULL, timestamp TIMESTAMPTZ NOT NULL,
                    open DECIMAL NOT NULL, high DECIMAL NOT NULL, low DECIMAL NOT NULL, close DECIMAL NOT NULL,
                    volume BIGINT NOT NULL,
                    PRIMARY KEY (symbol, timeframe, timestamp)
                )
                """,
                "CREATE INDEX idx_bars_lookup ON historical_bars (symbol, timeframe, timestamp DESC)",
                "CREATE TABLE bar_series (symbol VARCHAR(20) NOT NULL, timeframe VARCHAR(10) NOT NULL, tick_size TEXT NOT NULL, PRIMARY KEY (symbol, timeframe))",
                "CREATE TABLE bar_coverage (symbol VARCHAR(20) NOT NULL, timeframe VARCHAR(10) NOT NULL, start_ts TIMESTAMPTZ NOT NULL, end_ts TIMESTAMPTZ NOT NULL, PRIMARY KEY (symbol, timeframe, start_ts))",
            ]
        ),
    ]

    public static var latest: Int { all.last?.version ?? 0 }
}
