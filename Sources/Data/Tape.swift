/// Which side took liquidity in a trade print, when the source says.
public enum Aggressor: Int64, Hashable, Sendable, CustomStringConvertible {
    case buy = 1, sell = 2
    public var description: String { self == .buy ? "buy" : "sell" }
}

/// One trade print: its UTC time in nanoseconds (the source's precision, whatever it is), its
/// price in whole ticks, its size and aggressor when the source gives them.
public struct TradePrint: Hashable, Sendable {
    public var time: Int64
    public var price: Int64
    public var size: Int64?
    public var aggressor: Aggressor?
    public init(time: Int64, price: Int64, size: Int64? = nil, aggressor: Aggressor? = nil) {
        self.time = time; self.price = price; self.size = size; self.aggressor = aggressor
    }
}

/// A quote from the market hub: best bid, best ask and last price in ticks, the session volume,
/// each when the venue sent it (it sends only what changed).
public struct QuoteRecord: Hashable, Sendable {
    public var time: Int64
    public var bid: Int64?
    public var ask: Int64?
    public var last: Int64?
    public var volume: Int64?
    public init(time: Int64, bid: Int64? = nil, ask: Int64? = nil, last: Int64? = nil, volume: Int64? = nil) {
        self.time = time; self.bid = bid; self.ask = ask; self.last = last; self.volume = volume
    }
}

/// One order-book update from the market hub, as sent: the venue's DOM type (1 ask, 2 bid, 3 best
/// ask, 4 best bid, 5 trade, 6 reset, …), the price in ticks, the change in size and the size
/// resting at the price after it.
public struct DepthUpdate: Hashable, Sendable {
    public var time: Int64
    public var type: Int64
    public var price: Int64
    public var volume: Int64?
    public var resting: Int64?
    public init(time: Int64, type: Int64, price: Int64, volume: Int64? = nil, resting: Int64? = nil) {
        self.time = time; self.type = type; self.price = price; self.volume = volume; self.resting = resting
    }
}

/// What the store holds of one symbol's prints.
public struct TapeInfo: Hashable, Sendable {
    public var symbol: String
    public var tickSize: TickSize
    public var count: Int
    /// First and last print times (UTC nanoseconds).
    public var first: Int64?
    public var last: Int64?
    public init(symbol: String, tickSize: TickSize, count: Int, first: Int64?, last: Int64?) {
        self.symbol = symbol; self.tickSize = tickSize; self.count = count; self.first = first; self.last = last
    }
}

/// The trade prints of each symbol (a dated contract such as `ESZ13`, or a product), in the
/// store's database beside the bars: SQLite or PostgreSQL through `SQLDatabase`, the same
/// statements for both.
///
/// Prints are kept in the order they were given, equal times included: prints that share a
/// time and a price are separate trades, never merged. They are stored in blocks of about 4,096
/// (`TickBlock`); quotes and depth updates a row each, keyed by time and their place among the
/// rows at that time (`seq`), so an append continues a run of equal times that an earlier
/// append ended with. Every append is one transaction.
public struct TapeStore: Sendable {
    public let db: any SQLDatabase
    public init(db: any SQLDatabase) { self.db = db }

    /// The tape beside `store`'s bars; a store without SQL tables (none today) is named.
    public init(_ store: any BarStore, storeURL: String) throws {
        guard let db = store as? any SQLDatabase else {
            throw DataError.badInput(file: storeURL, line: nil, field: "store", reason: "this store has no tape tables; give a SQLite or PostgreSQL store")
        }
        self.db = db
    }

    /// Appends `quotes` of `symbol` after what is stored, in their order; returns how many.
    @discardableResult
    public func append(_ quotes: [QuoteRecord], symbol: String, tickSize: TickSize) throws -> Int {
        try append(.quotes, quotes.map { q in (q.time, [q.bid, q.ask, q.last, q.volume]) }, symbol: symbol, tickSize: tickSize)
    }

    /// Appends depth `updates` of `symbol` after what is stored, in their order; returns how many.
    @discardableResult
    public func append(_ updates: [DepthUpdate], symbol: String, tickSize: TickSize) throws -> Int {
        try append(.depth, updates.map { d in (d.time, [d.type, d.price, d.volume, d.resting]) }, symbol: symbol, tickSize: tickSize)
    }

    /// The streams of the tape kept a row an item: their table and the columns after the key.
    /// (Prints are kept in blocks: `Tape+Prints.swift`.)
    enum Stream: String {
        case quotes, depth
        var columns: [String] {
            switch self {
            case .quotes: ["bid", "ask", "last", "volume"]
            case .depth: ["type", "price", "volume", "resting"]
            }
        }
    }

    /// One append of rows (a time and the stream's values) in their order, in one transaction:
    /// each keyed by its time and its place among the rows at that time.
    func append(_ stream: Stream, _ items: [(time: Int64, values: [Int64?])], symbol: String, tickSize: TickSize) throws -> Int {
        guard !items.isEmpty else { return 0 }
        let table = stream.rawValue, columns = ["series_id", "time_ns", "seq"] + stream.columns
        return try db.transaction {
            let id = try seriesID(symbol, tickSize: tickSize)
            // The newest stored time and how many rows share it: where equal times continue.
            let newest = try db.query("SELECT time_ns, MAX(seq) FROM \(table) WHERE series_id = $1 AND time_ns = (SELECT MAX(time_ns) FROM \(table) WHERE series_id = $1) GROUP BY time_ns",
                                      [.int(id)]).first
            var lastTime = newest?[0].int ?? Int64.min, lastSeq = newest?[1].int ?? -1
            var rows: [Int64?] = []
            rows.reserveCapacity(items.count * columns.count)
            for item in items {
                let seq: Int64
                if item.time > lastTime {
                    seq = 0; lastTime = item.time; lastSeq = 0
                } else if item.time == lastTime {
                    lastSeq += 1; seq = lastSeq
                } else {
                    // Earlier than the newest stored row (a source that sends late prints): after
                    // those stored at its time, including the ones this append already queued.
                    try db.insert(into: table, columns: columns, rows: rows)
                    rows.removeAll(keepingCapacity: true)
                    let stored = try db.query("SELECT MAX(seq) FROM \(table) WHERE series_id = $1 AND time_ns = $2", [.int(id), .int(item.time)])
                    seq = (stored.first?[0].int ?? -1) + 1
                }
                rows += [id, item.time, seq] as [Int64?]
                rows += item.values
            }
            try db.insert(into: table, columns: columns, rows: rows)
            return items.count
        }
    }

    /// Rows of `stream` for `symbol` in `window` (by time, half-open), in stored order: the time
    /// and the stream's values.
    func read(_ stream: Stream, _ symbol: String, _ window: TimeWindow) throws -> [(time: Int64, values: [SQLValue])] {
        guard let id = try existingID(symbol) else { return [] }
        return try db.query("SELECT time_ns, \(stream.columns.joined(separator: ", ")) FROM \(stream.rawValue) WHERE series_id = $1 AND time_ns >= $2 AND time_ns < $3 ORDER BY time_ns, seq",
                            [.int(id), .int(Self.nanoseconds(window.from)), .int(Self.nanoseconds(window.to))]).map { r in (r[0].int ?? 0, Array(r.dropFirst())) }
    }

    /// The quotes of `symbol` in `window`, in stored order.
    public func quotes(_ symbol: String, _ window: TimeWindow) throws -> [QuoteRecord] {
        try read(.quotes, symbol, window).map { QuoteRecord(time: $0.time, bid: $0.values[0].int, ask: $0.values[1].int, last: $0.values[2].int, volume: $0.values[3].int) }
    }

    /// The depth updates of `symbol` in `window`, in stored order.
    public func depth(_ symbol: String, _ window: TimeWindow) throws -> [DepthUpdate] {
        try read(.depth, symbol, window).map { DepthUpdate(time: $0.time, type: $0.values[0].int ?? 0, price: $0.values[1].int ?? 0, volume: $0.values[2].int, resting: $0.values[3].int) }
    }

    /// A time in whole seconds as nanoseconds, held within what 64 bits hold (the distant past and
    /// future of `Timestamp` are beyond them).
    static func nanoseconds(_ t: Timestamp) -> Int64 {
        let (v, overflow) = t.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (t.seconds < 0 ? Int64.min : Int64.max) : v
    }

    func existingID(_ symbol: String) throws -> Int64? {
        try db.query("SELECT series_id FROM tick_series WHERE symbol = $1", [.text(symbol)]).first?[0].int
    }

    func seriesID(_ symbol: String, tickSize: TickSize) throws -> Int64 {
        if let row = try db.query("SELECT series_id, tick_size FROM tick_series WHERE symbol = $1", [.text(symbol)]).first {
            if let stored = row[1].text, TickSize(stored) != tickSize {
                throw DataError.badInput(file: "\(symbol) prints", line: nil, field: "tick_size",
                    reason: "the store holds this symbol's prints at tick \(stored), the new prints are at \(tickSize); store them under another symbol or fix the contract spec")
            }
            return row[0].int ?? 0
        }
        try db.execute("INSERT INTO tick_series (symbol, tick_size) VALUES ($1, $2)", [.text(symbol), .text(tickSize.description)])
        return try existingID(symbol) ?? 0
    }
}

/// The tape as CSV, in the form of the shared ESH4 trades file: `timestamp,price,size,aggressor`,
/// UTC to the nanosecond, the price in the contract's decimals, size and aggressor (`B`/`S`)
/// empty when unknown.
public enum TapeCSV {
    public static let header = "timestamp,price,size,aggressor\n"

    public static func text(_ prints: [TradePrint], tickSize: TickSize, decimals: Int? = nil) -> String {
        var out = header
        out.reserveCapacity(header.utf8.count + prints.count * 48)
        for p in prints {
            out += timestamp(p.time)
            out += ","
            out += tickSize.format(Price(ticks: p.price), decimals: decimals)
            out += ","
            if let s = p.size { out += String(s) }
            out += ","
            if let a = p.aggressor { out += a == .buy ? "B" : "S" }
            out += "\n"
        }
        return out
    }

    /// `2023-12-25T23:00:00.085275419Z` for a time in nanoseconds.
    public static func timestamp(_ ns: Int64) -> String {
        let (s, n) = (ns.floorDiv(1_000_000_000), ns.floorMod(1_000_000_000))
        let digits = String(n)
        return String(Timestamp(seconds: s).iso8601.dropLast()) + "." + String(repeating: "0", count: 9 - digits.count) + digits + "Z"
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 { let q = self / d; return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q }
    fileprivate func floorMod(_ d: Int64) -> Int64 { self - floorDiv(d) * d }
}
