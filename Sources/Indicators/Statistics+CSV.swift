import Data

// Reading equity curves and trade lists from CSV, for `tsxlab stats` and the tests.
//
// Equity file: a header, then one row per point, in increasing time.
//   timestamp (or time, date, datetime)  ISO-8601 (`2019-01-02T21:00:00Z`; no zone reads as UTC)
//                                        or whole seconds since the epoch
//   equity (or equity_usd, balance,      account equity in dollars (`tsxlab backtest`'s equity.csv
//     balance_usd, value, nav)           reads as it is: time, equity_usd)
//   position (or pos, contracts)         optional: signed contracts held from this point to the next
// Trades file: a header, then one row per closed trade, in closing order.
//   pnl (or pnl_usd, profit, net_pnl,    net P&L in dollars (required; `tsxlab backtest`'s trades.csv
//     pl)                                reads as it is: pnl_usd, entry_time, exit_time)
//   entry_time, exit_time                optional, as timestamps above (both give the exposure)
//   mae, mfe                             optional, dollars (MAE ≤ 0, MFE ≥ 0)
// Other columns are ignored; blank lines and lines starting with `#` are skipped; cells may be
// quoted with double quotes. An empty optional cell means "not given" for that row.

extension EquityCurve {
    /// Parses an equity file (see the column list above).
    ///
    /// - Throws: `DataError.badInput(file: source, line:, field:, reason:)` naming the first bad
    ///   cell (line numbers are 1-based and count the header and comments).
    public init(csv: String, source: String) throws {
        let table = try CSVTable(csv, source: source)
        let t = try table.column(["timestamp", "time", "date", "datetime"], required: true)!
        let e = try table.column(["equity", "equity_usd", "balance", "balance_usd", "value", "nav"], required: true)!
        let p = try table.column(["position", "pos", "contracts"], required: false)
        var time: [Int64] = [], equity: [Double] = [], position: [Double]? = p == nil ? nil : []
        for row in table.rows {
            let stamp = try table.timestamp(row, t)!
            if let last = time.last, stamp <= last {
                throw DataError.badInput(file: source, line: row.line, field: table.header[t],
                                         reason: "\(Timestamp(seconds: stamp)) is not after the row before it: times must increase")
            }
            time.append(stamp)
            equity.append(try table.number(row, e)!)
            if let p { position!.append(try table.number(row, p, optional: true) ?? 0) }
        }
        guard !time.isEmpty else {
            throw DataError.badInput(file: source, line: nil, field: nil, reason: "no rows after the header")
        }
        self.init(time: time, equity: equity, position: position)
    }
}

extension TradeRecord {
    /// Parses a trades file (see the column list above).
    ///
    /// - Throws: `DataError.badInput` naming the first bad cell.
    public static func parse(csv: String, source: String) throws -> [TradeRecord] {
        let table = try CSVTable(csv, source: source)
        let pnl = try table.column(["pnl", "pnl_usd", "profit", "net_pnl", "pl"], required: true)!
        let entry = try table.column(["entry_time", "entry", "open_time"], required: false)
        let exit = try table.column(["exit_time", "exit", "close_time"], required: false)
        let mae = try table.column(["mae"], required: false)
        let mfe = try table.column(["mfe"], required: false)
        return try table.rows.map { row in
            TradeRecord(pnl: try table.number(row, pnl)!,
                        entryTime: try entry.flatMap { try table.timestamp(row, $0, optional: true) },
                        exitTime: try exit.flatMap { try table.timestamp(row, $0, optional: true) },
                        mae: try mae.flatMap { try table.number(row, $0, optional: true) },
                        mfe: try mfe.flatMap { try table.number(row, $0, optional: true) })
        }
    }
}

/// A small CSV reader: header by name, cells as substrings, errors with line and column.
struct CSVTable {
    struct Row { var line: Int; var cells: [String] }
    let source: String
    var header: [String] = []
    var rows: [Row] = []

    init(_ text: String, source: String) throws {
        self.source = source
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(raw)
            if line.last == "\r" { line = line.dropLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.first == "#" { continue }
            let cells = CSVTable.split(line)
            if header.isEmpty {
                header = cells.map { $0.lowercased() }
                continue
            }
            guard cells.count == header.count else {
                throw DataError.badInput(file: source, line: lineNumber, field: nil,
                                         reason: "expected \(header.count) fields as in the header, found \(cells.count)")
            }
            rows.append(Row(line: lineNumber, cells: cells))
        }
        guard !header.isEmpty else {
            throw DataError.badInput(file: source, line: nil, field: nil, reason: "the file is empty: expected a header row")
        }
    }

    static func split(_ line: Substring) -> [String] {
        var cells: [String] = [], cell = "", quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle(); continue }
            if ch == "," && !quoted { cells.append(cell.trimmingBlanks); cell = ""; continue }
            cell.append(ch)
        }
        cells.append(cell.trimmingBlanks)
        return cells
    }

    func column(_ names: [String], required: Bool) throws -> Int? {
        for n in names { if let i = header.firstIndex(of: n) { return i } }
        if required {
            throw DataError.badInput(file: source, line: 1, field: names[0],
                                     reason: "no '\(names[0])' column (accepted names: \(names.joined(separator: ", "))); header is '\(header.joined(separator: ","))'")
        }
        return nil
    }

    func number(_ row: Row, _ col: Int, optional: Bool = false) throws -> Double? {
        let text = row.cells[col]
        if text.isEmpty && optional { return nil }
        guard let v = Double(text), v.isFinite else {
            throw DataError.badInput(file: source, line: row.line, field: header[col], reason: "'\(text)' is not a number")
        }
        return v
    }

    func timestamp(_ row: Row, _ col: Int, optional: Bool = false) throws -> Int64? {
        let text = row.cells[col]
        if text.isEmpty && optional { return nil }
        if let s = Int64(text) { return s }
        guard let t = Timestamp(iso8601: text) else {
            throw DataError.badInput(file: source, line: row.line, field: header[col],
                                     reason: "'\(text)' is not an ISO-8601 time or epoch seconds")
        }
        return t.seconds
    }
}

extension String {
    fileprivate var trimmingBlanks: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
