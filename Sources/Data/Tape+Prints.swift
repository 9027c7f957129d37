/// The prints of the tape, in blocks (`tick_blocks`, migration 10): each block a run of about
/// 4,096 prints in tape order (`TickBlock`), keyed by its first print's time.
///
/// The blocks of a symbol are strictly apart in time: a block never starts inside a run of prints
/// that share one time (such a run stays in one block, past 4,096 if it must), so every block's
/// last time is before the next block's first. Every write rewrites the blocks that hold the
/// times it touches — with the last block before them when that one has room, so appends of a
/// few prints fill blocks up instead of making small ones — and nothing else.
extension TapeStore {
    /// Appends `prints` of `symbol` after what is stored, in their order; returns how many. A
    /// print earlier than the newest stored (a source that sends late prints) goes after those
    /// stored at its time. Refuses a tick size that differs from the one the symbol's prints are
    /// stored at. One transaction.
    @discardableResult
    public func append(_ prints: [TradePrint], symbol: String, tickSize: TickSize) throws -> Int {
        guard !prints.isEmpty else { return 0 }
        try moveRowPrints()
        return try db.transaction {
            let id = try seriesID(symbol, tickSize: tickSize)
            let new = Self.inTimeOrder(prints)
            _ = try rewrite(id, from: new.first!.time, through: new.last!.time) { stored in Self.merge(stored[...], new) }
            return prints.count
        }
    }

    /// Stores a file's prints of `symbol` in place of what the store holds over the same span
    /// (from the file's first print to its last, both included), in one transaction: `produce`
    /// hands the prints over in chunks, in time order, and whatever it throws rolls the whole
    /// file back, so a bad row late in a file stores nothing and keeps what was there. Storing
    /// the same file again replaces it with itself. Returns the prints stored and the stored
    /// prints they replaced.
    public func replace(symbol: String, tickSize: TickSize,
                        _ produce: (_ write: ([TradePrint]) throws -> Void) throws -> Void) throws -> (stored: Int, replaced: Int) {
        try moveRowPrints()
        return try db.transaction {
            let id = try seriesID(symbol, tickSize: tickSize)
            var stored = 0, replaced = 0
            var previous: Int64?
            try produce { chunk in
                guard let first = chunk.first, let last = chunk.last else { return }
                // The span this chunk takes over: from the end of the previous chunk (whose prints
                // at that time are the file's own and stay) through its last time.
                let lo = previous ?? first.time
                _ = try rewrite(id, from: lo, through: last.time) { held in
                    let kept = held.filter { p in previous.map { p.time <= $0 } ?? (p.time < lo) || p.time > last.time }
                    replaced += held.count - kept.count
                    return Self.merge(kept[...], chunk)
                }
                previous = last.time
                stored += chunk.count
            }
            return (stored, replaced)
        }
    }

    /// The prints of `symbol` in `window` (by time, half-open), in stored order.
    public func read(_ symbol: String, _ window: TimeWindow) throws -> [TradePrint] {
        try moveRowPrints()
        guard let id = try existingID(symbol) else { return [] }
        let from = Self.nanoseconds(window.from), to = Self.nanoseconds(window.to)
        var out: [TradePrint] = []
        for block in try blocks(id, from: from, before: to) {
            var prints: [TradePrint] = []
            guard TickBlock.decode(block.body, into: &prints) else { throw Self.unreadable(symbol, block.first) }
            if block.first >= from && block.last < to { out += prints } else { out += prints.lazy.filter { $0.time >= from && $0.time < to } }
        }
        return out
    }

    /// Every symbol with stored prints.
    public func list() throws -> [TapeInfo] {
        try moveRowPrints()
        return try db.query("""
            SELECT s.symbol, s.tick_size, COALESCE(SUM(b.prints), 0), MIN(b.first_ns), MAX(b.last_ns)
            FROM tick_series s LEFT JOIN tick_blocks b ON b.series_id = s.series_id
            GROUP BY s.symbol, s.tick_size ORDER BY s.symbol
            """, []).compactMap { r in
            guard case .text(let symbol) = r[0], let tick = r[1].text.flatMap(TickSize.init) else { return nil }
            return TapeInfo(symbol: symbol, tickSize: tick, count: Int(r[2].int ?? 0), first: r[3].int, last: r[4].int)
        }
    }

    /// How many prints of `symbol` are stored.
    public func count(_ symbol: String) throws -> Int {
        try moveRowPrints()
        guard let id = try existingID(symbol) else { return 0 }
        return Int(try db.query("SELECT COALESCE(SUM(prints), 0) FROM tick_blocks WHERE series_id = $1", [.int(id)]).first?[0].int ?? 0)
    }

    // MARK: Blocks

    struct Block { var first: Int64; var last: Int64; var prints: Int; var body: [UInt8] }

    /// The blocks of series `id` that may hold times in `[from, before)` (through `before` when
    /// `through`), in order: those that start in it and the last one that starts before it.
    /// (Placeholders are numbered in the order they first appear: SQLite binds them so.)
    func blocks(_ id: Int64, from: Int64, before: Int64, through: Bool = false) throws -> [Block] {
        try db.query("""
            SELECT first_ns, last_ns, prints, body FROM tick_blocks
            WHERE series_id = $1
              AND first_ns >= COALESCE((SELECT MAX(first_ns) FROM tick_blocks WHERE series_id = $1 AND first_ns < $2), $2)
              AND first_ns \(through ? "<=" : "<") $3
            ORDER BY first_ns
            """, [.int(id), .int(from), .int(before)]).map { r in
            Block(first: r[0].int ?? 0, last: r[1].int ?? 0, prints: Int(r[2].int ?? 0), body: r[3].bytes ?? [])
        }
    }

    /// Inside an open transaction: replaces the blocks of series `id` that hold times from `lo`
    /// through `hi` (and the block before them when it has room) with blocks of `merge` of their
    /// prints, in tape order. Returns how many prints the rewritten blocks held.
    @discardableResult
    func rewrite(_ id: Int64, from lo: Int64, through hi: Int64, _ merge: ([TradePrint]) -> [TradePrint]) throws -> Int {
        var chosen = try blocks(id, from: lo, before: hi, through: true)
        // A full block wholly before `lo` stays as it is.
        if let b = chosen.first, b.last < lo, b.prints >= TickBlock.capacity { chosen.removeFirst() }
        var held: [TradePrint] = []
        for b in chosen where !TickBlock.decode(b.body, into: &held) { throw Self.unreadable("series \(id)", b.first) }
        if let a = chosen.first, let z = chosen.last {
            try db.execute("DELETE FROM tick_blocks WHERE series_id = $1 AND first_ns >= $2 AND first_ns <= $3", [.int(id), .int(a.first), .int(z.first)])
        }
        let all = merge(held)
        var start = 0
        while start < all.count {
            // A block never starts inside a run of prints at one time.
            var end = min(start + TickBlock.capacity, all.count)
            while end < all.count && all[end].time == all[end - 1].time { end += 1 }
            let run = all[start..<end]
            try db.execute("INSERT INTO tick_blocks (series_id, first_ns, last_ns, prints, body) VALUES ($1, $2, $3, $4, $5)",
                           [.int(id), .int(run.first!.time), .int(run.last!.time), .int(Int64(run.count)), .blob(TickBlock.encode(run))])
            start = end
        }
        return held.count
    }

    /// `prints` in time order, those at one time in their given order.
    static func inTimeOrder(_ prints: [TradePrint]) -> [TradePrint] {
        if zip(prints, prints.dropFirst()).allSatisfy({ $0.time <= $1.time }) { return prints }
        return prints.indices.sorted { (prints[$0].time, $0) < (prints[$1].time, $1) }.map { prints[$0] }
    }

    /// Two runs in time order merged: at one time, `stored` first, then `new`, each in its order.
    static func merge(_ stored: ArraySlice<TradePrint>, _ new: [TradePrint]) -> [TradePrint] {
        if stored.isEmpty { return new }
        if let last = stored.last, let first = new.first, last.time <= first.time { return Array(stored) + new }
        var out: [TradePrint] = []
        out.reserveCapacity(stored.count + new.count)
        var i = stored.startIndex, j = 0
        while i < stored.endIndex || j < new.count {
            if j == new.count || (i < stored.endIndex && stored[i].time <= new[j].time) { out.append(stored[i]); i += 1 } else { out.append(new[j]); j += 1 }
        }
        return out
    }

    static func unreadable(_ what: String, _ first: Int64) -> DataError {
        .store(url: "tick_blocks", operation: "read \(what)", message: "the block of prints from \(TapeCSV.timestamp(first)) is not readable; the store was written by something else or is damaged")
    }

    /// Prints a store kept a row each (`ticks`, before the blocks) move into blocks, once: the
    /// first use of the tape by this build converts them, in one transaction.
    func moveRowPrints() throws {
        guard try !db.query("SELECT series_id FROM ticks LIMIT 1", []).isEmpty else { return }
        try db.transaction {
            for id in try db.query("SELECT DISTINCT series_id FROM ticks", []).compactMap({ $0[0].int }) {
                let rows = try db.query("SELECT time_ns, price, size, aggressor FROM ticks WHERE series_id = $1 ORDER BY time_ns, seq", [.int(id)])
                let prints = rows.map { r in
                    TradePrint(time: r[0].int ?? 0, price: r[1].int ?? 0, size: r[2].int, aggressor: r[3].int.flatMap(Aggressor.init(rawValue:)))
                }
                guard let first = prints.first, let last = prints.last else { continue }
                try rewrite(id, from: first.time, through: last.time) { Self.merge($0[...], prints) }
                try db.execute("DELETE FROM ticks WHERE series_id = $1", [.int(id)])
            }
        }
    }
}
