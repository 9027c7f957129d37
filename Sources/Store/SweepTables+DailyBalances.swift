import Data

/// One configuration's balance at the end of each of its sessions (`sweep_daily_balances`): what
/// PSR, DSR and PBO need of it, its daily returns being the changes over `startingBalance`.
public struct SweepDailyBalancesRow: Hashable, Sendable {
    /// A session's end: its CME trade date and the account balance then.
    public struct Session: Hashable, Sendable {
        public var tradeDate: TradeDate
        public var balance: Money
        public init(tradeDate: TradeDate, balance: Money) { self.tradeDate = tradeDate; self.balance = balance }
    }

    public var configHash: String
    public var cell: Int
    public var startingBalance: Money
    /// In date order.
    public var sessions: [Session]

    public init(configHash: String, cell: Int, startingBalance: Money, sessions: [Session]) {
        self.configHash = configHash; self.cell = cell; self.startingBalance = startingBalance; self.sessions = sessions
    }

    /// The sessions as stored: `YYYY-MM-DD=dollars` pairs separated by spaces (`2019-01-02=50012.50`),
    /// each pair as `TradeDate` and `Money` print themselves.
    ///
    /// Written as bytes: a sweep writes one such text per configuration, six years' sessions each,
    /// and building it from each pair's interpolated strings was 3.9 % of a 3,000-configuration
    /// overnight-range search's time (perf on `tsxlab sweep … --samples 3000`).
    public var balancesText: String {
        var out: [UInt8] = []
        out.reserveCapacity(sessions.count * 22)
        for (k, session) in sessions.enumerated() {
            if k > 0 { out.append(UInt8(ascii: " ")) }
            let (y, m, d) = CivilTime.civilFromDays(session.tradeDate.dayNumber)
            if (0...9999).contains(y) {
                DecimalBytes.appendPadded(y, 4, &out); out.append(UInt8(ascii: "-"))
                DecimalBytes.appendPadded(m, 2, &out); out.append(UInt8(ascii: "-"))
                DecimalBytes.appendPadded(d, 2, &out)
            } else {
                // Outside four-digit years (no market data is): the date prints itself.
                out.append(contentsOf: session.tradeDate.description.utf8)
            }
            // As `Money` prints itself: an optional minus, whole dollars, two cents digits.
            out.append(UInt8(ascii: "="))
            let cents = session.balance.cents
            if cents < 0 { out.append(UInt8(ascii: "-")) }
            DecimalBytes.appendInt(Int64(cents.magnitude / 100), &out)
            out.append(UInt8(ascii: "."))
            DecimalBytes.appendPadded(Int(cents.magnitude % 100), 2, &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads `balancesText`.
    ///
    /// - Throws: `DataError.badInput` naming the table, the configuration and the pair that is not
    ///   a trade date and an amount in cents.
    public static func sessions(_ text: String, configHash: String) throws -> [Session] {
        try text.split(separator: " ").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let date = TradeDate(kv[0]), let balance = Money(String(kv[1])) else {
                throw DataError.badInput(file: "sweep_daily_balances", line: nil, field: "balances",
                                         reason: "'\(pair)' of configuration \(configHash) is not YYYY-MM-DD=dollars")
            }
            return Session(tradeDate: date, balance: balance)
        }
    }

    /// The sessions as (day number, balance in dollars), as `ReturnsMatrix.daily` takes them.
    public var dayBalances: [(day: Int64, balance: Double)] {
        sessions.map { (day: $0.tradeDate.dayNumber, balance: $0.balance.dollars) }
    }
}

extension SweepTables {
    /// Records a configuration's end-of-session balances. `ignoringDuplicate` keeps the first of two
    /// records of one configuration (queue workers may both finish one whose lease expired).
    public func insert(_ r: SweepDailyBalancesRow, sweepID: String, ignoringDuplicate: Bool = false) throws {
        try db.execute("""
            INSERT INTO sweep_daily_balances (sweep_id, config_hash, cell, starting_balance_usd, balances) VALUES ($1, $2, $3, $4, $5)
            """ + (ignoringDuplicate ? " ON CONFLICT DO NOTHING" : ""),
            [.text(sweepID), .text(r.configHash), .int(Int64(r.cell)), .text(r.startingBalance.description), .text(r.balancesText)])
    }

    /// Every configuration's balances recorded for the sweep, in cell order (none for a sweep
    /// recorded before the store kept them).
    ///
    /// - Throws: `DataError.badInput` for a row whose text is not what `insert` writes.
    public func dailyBalances(_ sweepID: String) throws -> [SweepDailyBalancesRow] {
        try db.query("SELECT config_hash, cell, starting_balance_usd, balances FROM sweep_daily_balances WHERE sweep_id = $1 ORDER BY cell",
                     [.text(sweepID)]).map { r in
            let hash = r[0].text ?? ""
            guard let start = r[2].text.flatMap(Money.init) else {
                throw DataError.badInput(file: "sweep_daily_balances", line: nil, field: "starting_balance_usd",
                                         reason: "'\(r[2].text ?? "NULL")' of configuration \(hash) is not an amount in dollars")
            }
            return SweepDailyBalancesRow(configHash: hash, cell: Int(r[1].int ?? 0), startingBalance: start,
                                         sessions: try SweepDailyBalancesRow.sessions(r[3].text ?? "", configHash: hash))
        }
    }

    /// The sweep's recorded balances as its overfitting statistics take them
    /// (`SweepOverfitting.compute`): each configuration's sessions (day number, dollars) by cell
    /// index, and the starting balance they count from (nil when none is recorded).
    public func sessionsByCell(_ sweepID: String) throws -> (byCell: [Int: [(day: Int64, balance: Double)]], startingBalance: Double?) {
        let rows = try dailyBalances(sweepID)
        return (Dictionary(rows.map { ($0.cell, $0.dayBalances) }, uniquingKeysWith: { a, _ in a }), rows.first?.startingBalance.dollars)
    }

    /// The cells whose balances are recorded for the sweep (without reading the balances).
    public func cellsWithDailyBalances(_ sweepID: String) throws -> Set<Int> {
        Set(try db.query("SELECT cell FROM sweep_daily_balances WHERE sweep_id = $1", [.text(sweepID)]).compactMap { $0.first?.int.map(Int.init) })
    }

    /// The configuration hashes whose balances are recorded for the sweep.
    public func configHashesWithDailyBalances(_ sweepID: String) throws -> Set<String> {
        Set(try db.query("SELECT config_hash FROM sweep_daily_balances WHERE sweep_id = $1", [.text(sweepID)]).compactMap { $0.first?.text })
    }

    /// Records the configuration the sweep's summary ranked first (nil: none qualified) and how it
    /// ranked them (`net_pnl, at least 1 trade`), replacing an earlier choice.
    public func recordChoice(_ sweepID: String, configHash: String?, by ranking: String) throws {
        try db.execute("UPDATE sweeps SET chosen_config_hash = $1, chosen_by = $2 WHERE sweep_id = $3",
                       [configHash.map(SQLValue.text) ?? .null, .text(ranking), .text(sweepID)])
    }
}
