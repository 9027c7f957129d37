/// How to read a tick CSV file (trade prints).
public struct TickCSVOptions: Sendable {
    public var symbol: String
    public var tickSize: TickSize
    /// Off-grid prices are an error unless rounding is asked for.
    public var offGrid: TickSize.OffGrid = .reject
    /// Field → header name, for files whose columns are named differently
    /// (`["price": "Last", "aggressor": "Side"]`). Fields: timestamp, date, time, price, size,
    /// aggressor.
    public var columns: [String: String] = [:]
    /// Converts a timestamp written without a zone (wall-clock seconds) to UTC; nil reads such
    /// stamps as UTC.
    public var localToUTC: (@Sendable (Int64) -> Int64)?
    public var delimiter: UInt8 = UInt8(ascii: ",")

    public init(symbol: String, tickSize: TickSize) {
        self.symbol = symbol; self.tickSize = tickSize
    }
}

/// What reading and storing one tick file did.
public struct TickImportReport: Sendable {
    public var file: String
    public var symbol: String
    /// Prints read (header and blank lines excluded).
    public var prints = 0
    /// Prints with a size, and with an aggressor side.
    public var withSize = 0
    public var withAggressor = 0
    /// Prints stamped with the time of the print before them: several trades at one instant,
    /// kept apart in the file's order.
    public var sameTimeAsPrevious = 0
    /// First and last print times (UTC nanoseconds).
    public var first: Int64?
    public var last: Int64?
    /// Prints the store held over the file's span before, replaced by the file's.
    public var replaced = 0
    public var seconds = 0.0

    public init(file: String, symbol: String) { self.file = file; self.symbol = symbol }
}

/// Reads tick CSV (plain or gzip): one trade print a row, in time order.
///
/// Accepted: a header naming the columns (aliases: timestamp/datetime/ts/time, or separate `date`
/// and `time` columns; price/last/px/trade_price; size/volume/qty/quantity; aggressor/side), or no
/// header and the column order `timestamp,price[,size[,aggressor]]` — the form of both shared
/// tick files and of `tsxlab data export --ticks`. Timestamps as for bars (ISO-8601 or epoch
/// s/ms/µs/ns), with any sub-second digits down to the nanosecond. Size and aggressor may be
/// absent or empty; an aggressor is `B`/`BUY` (the buyer lifted the offer) or `S`/`SELL`, `N`
/// or empty for none.
///
/// Errors (DataError.badInput with file, line and field): a missing column, a price that is not
/// a number or is off the tick grid (unless rounding is asked for), a time that does not parse
/// or comes before the previous print's (a tick file is in time order; equal times are several
/// trades and keep the file's order), a negative or fractional size, an unknown aggressor.
public enum TickCSV {
    enum Field: Int, CaseIterable { case timestamp, date, time, price, size, aggressor }

    static let aliases: [Field: [String]] = [
        .timestamp: ["timestamp", "datetime", "date_time", "ts", "time_stamp", "ts_event"],
        .price: ["price", "last", "px", "trade_price", "last_price"],
        .size: ["size", "volume", "vol", "qty", "quantity", "trade_size", "last_size"],
        .aggressor: ["aggressor", "side", "aggressor_side"],
    ]

    /// Prints handed to `chunk` at a time.
    public static let chunkSize = 65_536

    /// Reads `path`, handing the prints to `chunk` in order, `chunkSize` at a time (the last
    /// chunk shorter): a file of any length streams through in bounded memory. Throws at the
    /// first bad row, after the chunks before it were handed over (a caller that stores them
    /// does so in one transaction).
    public static func read(
        path: String, options: TickCSVOptions,
        progress: ((_ done: Int64, _ total: Int64) -> Void)? = nil,
        chunk: ([TradePrint]) throws -> Void
    ) throws -> TickImportReport {
        let reader = try ByteReader(path: path)
        var report = TickImportReport(file: path, symbol: options.symbol)
        var col = [Int](repeating: -1, count: Field.allCases.count)
        var headerSeen = false
        let maxFields = 64
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: maxFields)
        let ends = UnsafeMutablePointer<Int>.allocate(capacity: maxFields)
        defer { starts.deallocate(); ends.deallocate() }
        var lastTime = Int64.min, lastLine = 0
        var nextProgress: Int64 = 0
        let tick = options.tickSize, policy = options.offGrid, delim = options.delimiter
        var dtBuf = [UInt8](repeating: 0, count: 48)
        var batch: [TradePrint] = []
        batch.reserveCapacity(chunkSize)

        func fail(_ line: Int, _ field: String?, _ reason: String) -> DataError {
            .badInput(file: path, line: line, field: field, reason: reason)
        }

        try reader.forEachLine { line, lineNo in
            let p = line.baseAddress ?? UnsafePointer(bitPattern: 1)!
            let n = line.count
            if n == 0 || p[0] == UInt8(ascii: "#") { return true }
            guard let nf = CSVFields.split(p, n, delim, starts, ends, max: maxFields) else { throw fail(lineNo, nil, "more than \(maxFields) fields") }
            if !headerSeen {
                headerSeen = true
                let firstIsDigit = p[starts[0]] >= 48 && p[starts[0]] <= 57
                if firstIsDigit && options.columns.isEmpty {
                    for (k, f) in [Field.timestamp, .price, .size, .aggressor].enumerated() where k < nf { col[f.rawValue] = k }
                    guard nf >= 2 else { throw fail(lineNo, nil, "no header and fewer than 2 columns: expected timestamp,price[,size[,aggressor]]") }
                } else {
                    col = try mapHeader(CSVFields.names(p, starts, ends, nf), options.columns, path: path, line: lineNo)
                    return true
                }
            }
            @inline(__always) func field(_ f: Field) throws -> (UnsafePointer<UInt8>, Int) {
                let c = col[f.rawValue]
                if c < 0 { return (p, 0) }
                guard c < nf else { throw fail(lineNo, "\(f)", "missing: the row has \(nf) fields, the header promised at least \(c + 1)") }
                return (p + starts[c], ends[c] - starts[c])
            }
            // Time, to the nanosecond.
            var parsed: TimestampParser.Parsed?
            if col[Field.timestamp.rawValue] >= 0 {
                let (tp, tn) = try field(.timestamp)
                parsed = TimestampParser.parse(tp, tn)
                if parsed == nil {
                    throw fail(lineNo, "timestamp", "'\(CSVFields.text(tp, tn))' is not a timestamp (ISO-8601 like 2018-05-07T13:30:00.001532Z, or epoch seconds/ms/µs/ns)")
                }
            } else {
                let (dp, dn) = try field(.date), (tp, tn) = try field(.time)
                parsed = BarCSV.joinDateTime(dp, dn, tp, tn, &dtBuf)
                if parsed == nil {
                    throw fail(lineNo, "date/time", "'\(CSVFields.text(dp, dn)) \(CSVFields.text(tp, tn))' is not a date and time (YYYYMMDD or YYYY-MM-DD, HH:MM:SS[.digits])")
                }
            }
            var ts = parsed!
            if !ts.hadZone, let conv = options.localToUTC { ts.seconds = conv(ts.seconds) }
            let (scaled, overflow) = ts.seconds.multipliedReportingOverflow(by: 1_000_000_000)
            guard !overflow else { throw fail(lineNo, "timestamp", "the time is outside the years 1678–2262 that a nanosecond time holds") }
            let t = scaled + ts.nanos
            if t < lastTime {
                throw fail(lineNo, "timestamp", "\(TapeCSV.timestamp(t)) is before the previous print's \(TapeCSV.timestamp(lastTime)) (line \(lastLine)): a tick file must be in time order (prints at one time keep the file's order); sort the file by time, stably")
            }
            if t == lastTime { report.sameTimeAsPrevious += 1 }
            lastTime = t; lastLine = lineNo
            // Price.
            let (fp, fn) = try field(.price)
            let price: Int64
            switch tick.ticks(fp, fn, policy: policy) {
            case .ticks(let v): price = v
            case .notANumber:
                throw fail(lineNo, "price", fn == 0 ? "empty: every print needs a price" : "'\(CSVFields.text(fp, fn))' is not a number")
            case .offGrid:
                throw fail(lineNo, "price", "\(CSVFields.text(fp, fn)) is not a multiple of the tick size \(tick): fix the data, check --tick-size, or pass --round-to-tick to round to the nearest tick")
            }
            // Size and aggressor, when given.
            var size: Int64?
            let (sp, sn) = try field(.size)
            if sn > 0 {
                guard let d = ScaledDecimal.parse(sp, sn), d.scale == 0 || d.mantissa % pow10i(d.scale) == 0 else {
                    throw fail(lineNo, "size", "'\(CSVFields.text(sp, sn))' is not a whole number of contracts")
                }
                let v = d.mantissa / pow10i(d.scale)
                if v < 0 { throw fail(lineNo, "size", "negative size \(v): a print's size is the contracts traded") }
                size = v
                report.withSize += 1
            }
            let (ap, an) = try field(.aggressor)
            var aggressor: Aggressor?
            if an > 0 {
                // Compared without regard to case, byte by byte (no string a row).
                func `is`(_ word: StaticString) -> Bool {
                    an == word.utf8CodeUnitCount && (0..<an).allSatisfy { ap[$0] | 0x20 == word.utf8Start[$0] }
                }
                if `is`("b") || `is`("buy") { aggressor = .buy }
                else if `is`("s") || `is`("sell") { aggressor = .sell }
                else if !`is`("n") {
                    throw fail(lineNo, "aggressor", "'\(CSVFields.text(ap, an))' is not a side: B or BUY (the buyer lifted the offer), S or SELL (the seller hit the bid), N or empty for none")
                }
                if aggressor != nil { report.withAggressor += 1 }
            }
            batch.append(TradePrint(time: t, price: price, size: size, aggressor: aggressor))
            report.prints += 1
            if batch.count == chunkSize {
                try chunk(batch)
                batch.removeAll(keepingCapacity: true)
            }
            if let progress, report.prints & 0x3fff == 0, reader.fileBytesRead >= nextProgress {
                progress(reader.fileBytesRead, reader.fileSize)
                nextProgress = reader.fileBytesRead + reader.fileSize / 100
            }
            return true
        }
        if report.prints == 0 {
            throw DataError.badInput(file: path, line: nil, field: nil, reason: "no prints: the file is empty or has only a header")
        }
        if !batch.isEmpty { try chunk(batch) }
        report.last = lastTime
        progress?(reader.fileSize, reader.fileSize)
        return report
    }

    static func mapHeader(_ names: [String], _ overrides: [String: String], path: String, line: Int) throws -> [Int] {
        try CSVFields.mapHeader(names, overrides, fields: Field.allCases.map { "\($0)" },
                                aliases: Dictionary(uniqueKeysWithValues: aliases.map { ("\($0.key)", $0.value) }),
                                required: ["price"], path: path, line: line)
    }
}

/// Imports tick files into the store's tape, one transaction per file: a file that fails
/// validation or storage leaves nothing of itself, and earlier files stay stored. A file takes
/// the place of what the store held over its span, so importing it again changes nothing.
public enum TickImport {
    public static func importFile(
        path: String, options: TickCSVOptions, into tape: TapeStore,
        progress: ((_ done: Int64, _ total: Int64) -> Void)? = nil
    ) throws -> TickImportReport {
        let t0 = monotonicSeconds()
        var report: TickImportReport?
        var first: Int64?
        let (_, replaced) = try tape.replace(symbol: options.symbol, tickSize: options.tickSize) { write in
            report = try TickCSV.read(path: path, options: options, progress: progress) { prints in
                if first == nil { first = prints.first?.time }
                try write(prints)
            }
        }
        var r = report!
        r.first = first
        r.replaced = replaced
        r.seconds = monotonicSeconds() - t0
        return r
    }
}
