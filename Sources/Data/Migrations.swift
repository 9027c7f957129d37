/// Schema migrations of the bar tables, applied in order and recorded in `schema_migrations`; a
/// store opened by a newer build gains the new tables, an older store keeps its data. Append,
/// never edit: a migration that has shipped is history.
///
/// Numbering: versions 2–6 of this ledger were taken, in earlier builds, by tables that are not
/// about bars (they now have a ledger of their own, outside this module), and existing stores
/// still list them here. The next migration of the bar tables is version 7. A migration is
/// applied when its own version is missing from the ledger, not by comparing with the highest.
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
                // Physical layout for speed: an integer series id and prices in whole ticks keep
                // each row small (varints) and key comparisons cheap. The `historical_bars` view
                // shows the seed schema's columns with decimal prices for any SQLite client.
                """
                CREATE TABLE bar_series (
                    series_id INTEGER PRIMARY KEY, symbol TEXT NOT NULL, timeframe TEXT NOT NULL,
                    tick_size TEXT NOT NULL, tick_size_value REAL NOT NULL, UNIQUE (symbol, timeframe))
                """,
                """
                CREATE TABLE bars (
                    series_id INTEGER NOT NULL REFERENCES bar_series (series_id), timestamp INTEGER NOT NULL,
                    open INTEGER NOT NULL, high INTEGER NOT NULL, low INTEGER NOT NULL, close INTEGER NOT NULL,
                    volume INTEGER NOT NULL,
                    PRIMARY KEY (series_id, timestamp)
                ) WITHOUT ROWID
                """,
                // The clustered primary key serves newest-first scans too, so no separate
                // descending index is needed (it would double the cost of every import).
                """
                CREATE VIEW historical_bars AS
                SELECT s.symbol, s.timeframe, b.timestamp,
                       b.open * s.tick_size_value AS open, b.high * s.tick_size_value AS high,
                       b.low * s.tick_size_value AS low, b.close * s.tick_size_value AS close, b.volume
                FROM bars b JOIN bar_series s USING (series_id)
                """,
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
        Migration(
            version: 7, name: "drop idx_bars_lookup, the primary key's columns with the time descending",
            // SQLite never had it (its primary key serves both directions, see version 1).
            sqlite: [],
            // Every query on historical_bars names symbol and timeframe and reads a time range in
            // either order, or counts; the primary key serves each (an index scan reads backwards as
            // readily as forwards; `primaryKeyServesEveryQuery` checks the plans, the seed's
            // newest-first read included). Keeping the copy up cost as much server CPU as the
            // primary key and the heap together: COPY of a year of 1-minute bars (349,335 rows)
            // into an empty series, the backend's user+system time, 2.23 s with it, 1.12 s without
            // (2026-12-06).
            postgres: ["DROP INDEX IF EXISTS idx_bars_lookup"]
        ),
        Migration(
            version: 8, name: "trade prints (the tape)",
            // One row a print, keyed by its time and its place among the prints at that time; prices
            // in whole ticks, size and aggressor (1 buy, 2 sell) null when the source lacks them.
            sqlite: [
                "CREATE TABLE tick_series (series_id INTEGER PRIMARY KEY, symbol TEXT NOT NULL UNIQUE, tick_size TEXT NOT NULL)",
                """
                CREATE TABLE ticks (
                    series_id INTEGER NOT NULL REFERENCES tick_series (series_id), time_ns INTEGER NOT NULL,
                    seq INTEGER NOT NULL, price INTEGER NOT NULL, size INTEGER, aggressor INTEGER,
                    PRIMARY KEY (series_id, time_ns, seq)
                ) WITHOUT ROWID
                """,
            ],
            postgres: [
                "CREATE TABLE tick_series (series_id BIGSERIAL PRIMARY KEY, symbol VARCHAR(40) NOT NULL UNIQUE, tick_size TEXT NOT NULL)",
                """
                CREATE TABLE ticks (
                    series_id BIGINT NOT NULL REFERENCES tick_series (series_id), time_ns BIGINT NOT NULL,
                    seq INTEGER NOT NULL, price BIGINT NOT NULL, size BIGINT, aggressor SMALLINT,
                    PRIMARY KEY (series_id, time_ns, seq)
                )
                """,
            ]
        ),
        Migration(
            version: 9, name: "quotes and depth updates beside the prints",
            // Keyed as the prints are; prices in whole ticks, null where the venue sent nothing.
            sqlite: [
                """
                CREATE TABLE quotes (
                    series_id INTEGER NOT NULL REFERENCES tick_series (series_id), time_ns INTEGER NOT NULL,
                    seq INTEGER NOT NULL, bid INTEGER, ask INTEGER, last INTEGER, volume INTEGER,
                    PRIMARY KEY (series_id, time_ns, seq)
                ) WITHOUT ROWID
                """,
                """
                CREATE TABLE depth (
                    series_id INTEGER NOT NULL REFERENCES tick_series (series_id), time_ns INTEGER NOT NULL,
                    seq INTEGER NOT NULL, type INTEGER NOT NULL, price INTEGER NOT NULL, volume INTEGER, resting INTEGER,
                    PRIMARY KEY (series_id, time_ns, seq)
                ) WITHOUT ROWID
                """,
            ],
            postgres: [
                """
                CREATE TABLE quotes (
                    series_id BIGINT NOT NULL REFERENCES tick_series (series_id), time_ns BIGINT NOT NULL,
                    seq INTEGER NOT NULL, bid BIGINT, ask BIGINT, last BIGINT, volume BIGINT,
                    PRIMARY KEY (series_id, time_ns, seq)
                )
                """,
                """
                CREATE TABLE depth (
                    series_id BIGINT NOT NULL REFERENCES tick_series (series_id), time_ns BIGINT NOT NULL,
                    seq INTEGER NOT NULL, type SMALLINT NOT NULL, price BIGINT NOT NULL, volume BIGINT, resting BIGINT,
                    PRIMARY KEY (series_id, time_ns, seq)
                )
                """,
            ]
        ),
        Migration(
            version: 10, name: "prints in blocks",
            // A block holds a run of prints in tape order (`TickBlock`), keyed by its first print's
            // time; blocks of a symbol never overlap in time. The rows of `ticks` move into blocks
            // when this build first uses the tape (`TapeStore.moveRowPrints`).
            sqlite: [
                """
                CREATE TABLE tick_blocks (
                    series_id INTEGER NOT NULL REFERENCES tick_series (series_id), first_ns INTEGER NOT NULL,
                    last_ns INTEGER NOT NULL, prints INTEGER NOT NULL, body BLOB NOT NULL,
                    PRIMARY KEY (series_id, first_ns)
                )
                """,
            ],
            postgres: [
                """
                CREATE TABLE tick_blocks (
                    series_id BIGINT NOT NULL REFERENCES tick_series (series_id), first_ns BIGINT NOT NULL,
                    last_ns BIGINT NOT NULL, prints INTEGER NOT NULL, body BYTEA NOT NULL,
                    PRIMARY KEY (series_id, first_ns)
                )
                """,
            ]
        ),
    ]

    public static var latest: Int { all.last?.version ?? 0 }

    /// The newest of these migrations among the versions a ledger lists (0 when none is).
    static func newest(in applied: Set<Int>) -> Int {
        all.map(\.version).filter(applied.contains).max() ?? 0
    }
}
