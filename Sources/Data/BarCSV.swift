#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to read a bar CSV file.
public struct BarCSVOptions: Sendable {
    public var symbol: String
    public var timeframe: Timeframe
    public var tickSize: TickSize
    /// Off-grid prices are an error unless rounding is asked for.
    public var offGrid: TickSize.OffGrid = .reject
    /// Field → header name, for files whose columns are named differently
    /// (`["timestamp": "Date", "volume": "Vol"]`). Fields: timestamp, date, time, open, high, low,
    /// close, volume.
    public var columns: [String: String] = [:]
    /// Converts a timestamp written without a zone (wall-clock seconds) to UTC; nil reads such
    /// stamps as UTC.
    public var localToUTC: (@Sendable (Int64) -> Int64)?
    public var delimiter: UInt8 = UInt8(ascii: ",")

    public init(symbol: String, timeframe: Timeframe, tickSize: TickSize) {
        self.symbol = symbol; self.timeframe = timeframe; self.tickSize = tickSize
    }
}

/// Gaps between consecutive bars longer than one bar.
public struct GapSummary: Hashable, Sendable {
    /// Number of gaps (consecutive bars more than one bar length apart).
    public var count = 0
    /// Bars missing inside those gaps (for fixed-length timeframes).
    public var missingBars: Int64 = 0
    /// Gaps inside one trading session (both bars on the same CME trade date): missing minutes
    /// while the market was open, as opposed to session breaks, weekends and holidays.
    public var intraSession = 0
    /// Gaps of at least an hour (session breaks, weekends, holidays).
    public var longGaps = 0
    public var largestSeconds: Int64 = 0
    public var largestAfter: Timestamp?
    public init() {}
}

/// What reading and storing one file did.
public struct ImportReport: Sendable {
    public var file: String
    public var symbol: String
    public var timeframe: Timeframe
    /// Data rows read (header and blank lines excluded).
    public var rows = 0
    /// Rows whose timestamp repeated an earlier row with identical values.
    public var duplicatesMerged = 0
    /// Rows whose timestamp repeated an earlier row with different values (the later row wins).
    public var conflictingDuplicates = 0
    public var conflictSamples: [Timestamp] = []
    /// Rows that came before an earlier row's timestamp (the series was sorted).
    public var outOfOrderRows = 0
    public var gaps = GapSummary()
    public var first: Timestamp?
    public var last: Timestamp?
    public var bars = 0
    public var stored = UpsertResult()
    public var seconds = 0.0

    public init(file: String, symbol: String, timeframe: Timeframe) {
        self.file = file; self.symbol = symbol; self.timeframe = timeframe
    }
}

/// Reads bar CSV (plain or gzip) into a `BarSeries`, validating every row.
///
/// Accepted: a header naming the columns (aliases: timestamp/time/datetime/date, open/o,
/// high/h, low/l, close/c/last, volume/vol/v; separate `date` and `time` columns are joined), or
/// no header and the column order `timestamp,open,high,low,close,volume`. Timestamps:
/// ISO-8601 (`Z`, `±HH:MM` or no zone), `YYYY-MM-DD HH:MM:SS`, or integer epoch seconds, ms,
/// µs or ns (read from the digit count). Blank lines and lines starting with `#` are skipped.
///
/// Errors (DataError.badInput with file, line and field): a missing column, a number that does
/// not parse, a timestamp that does not parse or has a sub-second part, a price off the tick
/// grid (unless rounding is asked for), high below low or outside open/close, negative volume.
/// Duplicate timestamps are merged and counted, out-of-order rows sorted and counted.
public enum BarCSV {
    enum Field: Int, CaseIterable { case timestamp, date, time, open, high, low, close, volume }

    static let aliases: [Field: [String]] = [
        .timestamp: ["timestamp", "datetime", "date_time", "ts", "time_stamp"],
        .open: ["open", "o", "open_price"],
        .high: ["high", "h", "high_price"],
        .low: ["low", "l", "low_price"],
        .close: ["close", "c", "last", "close_price"],
        .volume: ["volume", "vol", "v"],
    ]

    public static func read(
        path: String, options: BarCSVOptions,
        progress: ((_ done: Int64, _ total: Int64) -> Void)? = nil
    ) throws -> (BarSeries, ImportReport) {
        let reader = try ByteReader(path: path)
        var report = ImportReport(file: path, symbol: options.symbol, timeframe: options.timeframe)
        var series = BarSeries(symbol: options.symbol, timeframe: options.timeframe, tickSize: options.tickSize)
        series.reserveCapacity(Int(min(reader.fileSize * 3 / 40 + 16, 50_000_000)))

        var col = [Int](repeating: -1, count: Field.allCases.count)
        var headerSeen = false
        let maxFields = 64
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: maxFields)
        let ends = UnsafeMutablePointer<Int>.allocate(capacity: maxFields)
        defer { starts.deallocate(); ends.deallocate() }
        var lastTime = Int64.min
        var sorted = true
        var nextProgress: Int64 = 0
        let tick = options.tickSize
        let policy = options.offGrid
        let delim = options.delimiter
        var dtBuf = [UInt8](repeating: 0, count: 48)

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
                let firstIsDigit = n > 0 && p[starts[0]] >= 48 && p[starts[0]] <= 57
                if firstIsDigit && options.columns.isEmpty {
                    for (k, f) in [Field.timestamp, .open, .high, .low, .close, .volume].enumerated() { col[f.rawValue] = k }
                    guard nf >= 6 else { throw fail(lineNo, nil, "no header and fewer than 6 columns: expected timestamp,open,high,low,close,volume") }
                } else {
                    col = try mapHeader(CSVFields.names(p, starts, ends, nf), options.columns, path: path, line: lineNo)
                    return true
                }
            }
            report.rows += 1
            @inline(__always) func field(_ f: Field) throws -> (UnsafePointer<UInt8>, Int) {
                let c = col[f.rawValue]
                if c < 0 { return (p, 0) }
                guard c < nf else { throw fail(lineNo, "\(f)", "missing: the row has \(nf) fields, the header promised at least \(c + 1)") }
                return (p + starts[c], ends[c] - starts[c])
            }
            // Timestamp.
            var parsed: TimestampParser.Parsed?
            if col[Field.timestamp.rawValue] >= 0 {
                let (tp, tn) = try field(.timestamp)
                parsed = TimestampParser.parse(tp, tn)
                if parsed == nil {
                    throw fail(lineNo, "timestamp", "'\(text(tp, tn))' is not a timestamp (ISO-8601 like 2019-01-01T23:00:00Z, or epoch seconds/ms/µs/ns)")
                }
            } else {
                let (dp, dn) = try field(.date), (tp, tn) = try field(.time)
                parsed = joinDateTime(dp, dn, tp, tn, &dtBuf)
                if parsed == nil {
                    throw fail(lineNo, "date/time", "'\(text(dp, dn)) \(text(tp, tn))' is not a date and time (YYYYMMDD or YYYY-MM-DD, HHMMSS or HH:MM[:SS])")
                }
            }
            var ts = parsed!
            if ts.nanos != 0 {
                throw fail(lineNo, "timestamp", "bar timestamps must be whole seconds; this one has a fractional part (is this a tick file?)")
            }
            if !ts.hadZone, let conv = options.localToUTC { ts.seconds = conv(ts.seconds) }
            // Prices.
            @inline(__always) func price(_ f: Field) throws -> Int64 {
                let (fp, fn) = try field(f)
                switch tick.ticks(fp, fn, policy: policy) {
                case .ticks(let v): return v
                case .notANumber:
                    throw fail(lineNo, "\(f)", fn == 0 ? "empty: every row needs a \(f) price" : "'\(text(fp, fn))' is not a number")
                case .offGrid:
                    throw fail(lineNo, "\(f)", "\(text(fp, fn)) is not a multiple of the tick size \(tick): fix the data, check --tick-size, or pass --round-to-tick to round to the nearest tick")
                }
            }
            let o = try price(.open), h = try price(.high), l = try price(.low), c = try price(.close)
            let (vp, vn) = try field(.volume)
            var v: Int64 = 0
            if vn > 0 {
                guard let d = ScaledDecimal.parse(vp, vn), d.scale == 0 || d.mantissa % pow10i(d.scale) == 0 else {
                    throw fail(lineNo, "volume", "'\(text(vp, vn))' is not a whole number")
                }
                v = d.mantissa / pow10i(d.scale)
                if v < 0 { throw fail(lineNo, "volume", "negative volume \(v)") }
            } else {
                throw fail(lineNo, "volume", "empty: every row needs a volume (0 if unknown)")
            }
            if h < l { throw fail(lineNo, "high", "high \(tick.format(Price(ticks: h))) is below low \(tick.format(Price(ticks: l)))") }
            if h < o || h < c { throw fail(lineNo, "high", "high \(tick.format(Price(ticks: h))) is below the open or close") }
            if l > o || l > c { throw fail(lineNo, "low", "low \(tick.format(Price(ticks: l))) is above the open or close") }
            if ts.seconds <= lastTime { sorted = false }
            if ts.seconds < lastTime { report.outOfOrderRows += 1 }
            lastTime = max(lastTime, ts.seconds)
            series.time.append(ts.seconds); series.open.append(o); series.high.append(h)
            series.low.append(l); series.close.append(c); series.volume.append(v)
            if let progress, report.rows & 0x3fff == 0, reader.fileBytesRead >= nextProgress {
                progress(reader.fileBytesRead, reader.fileSize)
                nextProgress = reader.fileBytesRead + reader.fileSize / 100
            }
            return true
        }
        if !headerSeen || report.rows == 0 {
            throw DataError.badInput(file: path, line: nil, field: nil, reason: "no bars: the file is empty or has only a header")
        }
        if !sorted { normalise(&series, &report) }
        report.bars = series.count
        report.first = series.first?.time
        report.last = series.last?.time
        report.gaps = gapSummary(series)
        progress?(reader.fileSize, reader.fileSize)
        return (series, report)
    }

    static func text(_ p: UnsafePointer<UInt8>, _ n: Int) -> String { CSVFields.text(p, n) }

    static func mapHeader(_ names: [String], _ overrides: [String: String], path: String, line: Int) throws -> [Int] {
        try CSVFields.mapHeader(names, overrides, fields: Field.allCases.map { "\($0)" },
                                aliases: Dictionary(uniqueKeysWithValues: aliases.map { ("\($0.key)", $0.value) }),
                                required: ["open", "high", "low", "close", "volume"], path: path, line: line)
    }

    /// `20231126` / `2023-11-26` with `180000` / `18:00[:00]` → parsed wall-clock stamp.
    static func joinDateTime(_ dp: UnsafePointer<UInt8>, _ dn: Int, _ tp: UnsafePointer<UInt8>, _ tn: Int,
                             _ buf: inout [UInt8]) -> TimestampParser.Parsed? {
        buf.withUnsafeMutableBufferPointer { b -> TimestampParser.Parsed? in
            var k = 0
            func put(_ c: UInt8) { b[k] = c; k += 1 }
            if dn == 8 {
                for i in 0..<4 { put(dp[i]) }; put(45); put(dp[4]); put(dp[5]); put(45); put(dp[6]); put(dp[7])
            } else if dn == 10 {
                for i in 0..<10 { put(dp[i]) }
            } else { return nil }
            put(84)
            if tn == 6 || tn == 4 {
                put(tp[0]); put(tp[1]); put(58); put(tp[2]); put(tp[3])
                if tn == 6 { put(58); put(tp[4]); put(tp[5]) }
            } else if tn >= 5, tn <= 30, 11 + tn <= b.count {
                // The date (10 bytes), `T` and up to 30 of time: 41 bytes. The buffer once held 40,
                // so a 30-byte time wrote one past its end (a trap in debug builds, a heap overflow
                // in release); pinned by `aThirtyByteTimeBesideADateColumnIsParsedInsideItsBuffer`.
                for i in 0..<tn { put(tp[i]) }
            } else { return nil }
            return TimestampParser.parseISO(UnsafePointer(b.baseAddress!), k)
        }
    }

    /// Sorts by time (stable) and merges duplicate timestamps: identical rows merge, differing
    /// rows keep the later one and are counted as conflicts.
    static func normalise(_ s: inout BarSeries, _ report: inout ImportReport) {
        let order = s.time.indices.sorted { (s.time[$0], $0) < (s.time[$1], $1) }
        var out = BarSeries(symbol: s.symbol, timeframe: s.timeframe, tickSize: s.tickSize)
        out.reserveCapacity(s.count)
        for i in order {
            let b = s[i]
            if let last = out.last, last.time == b.time {
                if last == b {
                    report.duplicatesMerged += 1
                } else {
                    report.conflictingDuplicates += 1
                    if report.conflictSamples.count < 5 { report.conflictSamples.append(b.time) }
                    let j = out.count - 1
                    out.open[j] = b.open.ticks; out.high[j] = b.high.ticks; out.low[j] = b.low.ticks
                    out.close[j] = b.close.ticks; out.volume[j] = b.volume
                }
            } else {
                out.append(b)
            }
        }
        s = out
    }

    /// Gaps between consecutive bars of a sorted series.
    public static func gapSummary(_ s: BarSeries, calendar: SessionCalendar = .cmeEquityIndex) -> GapSummary {
        var g = GapSummary()
        guard let step = s.timeframe.fixedSeconds, step < 86_400, s.count > 1 else { return g }
        for i in 1..<s.count {
            let d = s.time[i] - s.time[i - 1]
            if d > step {
                g.count += 1
                if calendar.tradeDayNumber(containing: s.time[i]) == calendar.tradeDayNumber(containing: s.time[i - 1]) {
                    g.intraSession += 1
                }
                g.missingBars += d / step - 1
                if d >= 3600 { g.longGaps += 1 }
                if d > g.largestSeconds { g.largestSeconds = d; g.largestAfter = Timestamp(seconds: s.time[i - 1]) }
            }
        }
        return g
    }
}

/// Splitting a CSV line into fields, for the bar and tick readers.
enum CSVFields {
    /// Splits `n` bytes at `p` on `delim` into field bounds (`starts`, `ends`), trimming blanks
    /// and stripping quotes around a field (no embedded delimiters); the field count, nil when
    /// there are more than `max`.
    @inline(__always)
    static func split(_ p: UnsafePointer<UInt8>, _ n: Int, _ delim: UInt8, _ starts: UnsafeMutablePointer<Int>,
                      _ ends: UnsafeMutablePointer<Int>, max: Int) -> Int? {
        var nf = 0, s = 0, i = 0
        while true {
            if i == n || p[i] == delim {
                guard nf < max else { return nil }
                var a = s, b = i
                while a < b, p[a] == 32 || p[a] == 9 { a += 1 }
                while b > a, p[b - 1] == 32 || p[b - 1] == 9 { b -= 1 }
                if b - a >= 2, p[a] == 34, p[b - 1] == 34 { a += 1; b -= 1 }
                starts[nf] = a; ends[nf] = b; nf += 1
                if i == n { return nf }
                s = i + 1
            }
            i += 1
        }
    }

    /// The column of each of `fields` (which include `timestamp`, `date` and `time`) in a
    /// header: from `overrides` (field → header name), else the first of the field's `aliases`
    /// present; a file without a timestamp column may have `date` and `time` columns, joined, or
    /// either alone. -1 for a field not found; a missing time or `required` field is an error
    /// naming them.
    static func mapHeader(_ names: [String], _ overrides: [String: String], fields: [String], aliases: [String: [String]],
                          required: [String], path: String, line: Int) throws -> [Int] {
        var col = [Int](repeating: -1, count: fields.count)
        func index(_ name: String) -> Int? { names.firstIndex(of: name.lowercased()) }
        func slot(_ field: String) -> Int { fields.firstIndex(of: field)! }
        for (key, header) in overrides {
            guard let f = fields.firstIndex(of: key) else {
                throw DataError.badInput(file: path, line: line, field: key,
                    reason: "unknown field in a column mapping; fields are \(fields.joined(separator: ", "))")
            }
            guard let i = index(header) else {
                throw DataError.badInput(file: path, line: line, field: key,
                    reason: "the header has no column '\(header)' (columns: \(names.joined(separator: ",")))")
            }
            col[f] = i
        }
        for (field, names) in aliases where col[slot(field)] < 0 {
            col[slot(field)] = names.lazy.compactMap(index).first ?? -1
        }
        let (ts, date, time) = (slot("timestamp"), slot("date"), slot("time"))
        if col[ts] < 0 {
            let d = col[date] >= 0 ? col[date] : (index("date") ?? -1)
            let t = col[time] >= 0 ? col[time] : (index("time") ?? -1)
            if d >= 0 && t >= 0 { col[date] = d; col[time] = t }
            else if d >= 0 { col[ts] = d }
            else if t >= 0 { col[ts] = t }
        }
        let hasTime = col[ts] >= 0 || (col[date] >= 0 && col[time] >= 0)
        let missing = (hasTime ? [] : ["timestamp"]) + required.filter { col[slot($0)] < 0 }
        if !missing.isEmpty {
            throw DataError.badInput(file: path, line: line, field: missing.joined(separator: ","),
                reason: "missing column(s) \(missing.joined(separator: ", ")) in header '\(names.joined(separator: ","))'; map them with --column FIELD=HEADER")
        }
        return col
    }

    /// A field's text for an error message (at most 80 bytes).
    static func text(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: p, count: min(n, 80)), as: UTF8.self)
    }

    /// The header's names, lower-cased.
    static func names(_ p: UnsafePointer<UInt8>, _ starts: UnsafeMutablePointer<Int>, _ ends: UnsafeMutablePointer<Int>, _ nf: Int) -> [String] {
        (0..<nf).map { k in String(decoding: UnsafeBufferPointer(start: p + starts[k], count: ends[k] - starts[k]), as: UTF8.self).lowercased() }
    }
}

@inline(__always) func pow10i(_ n: Int) -> Int64 {
    var v: Int64 = 1
    for _ in 0..<n { v *= 10 }
    return v
}
