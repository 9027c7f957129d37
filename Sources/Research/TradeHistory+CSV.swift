import Data

extension TradeHistory {
    /// Reads a trade list in the run folder's `trades.csv` format (tsxlab's own, or another
    /// tool's with the same columns). A header names the columns; order does not matter:
    ///
    /// - `exit_time` (or `time`): ISO-8601 UTC or epoch seconds; its CME trade date groups the day.
    /// - `pnl_usd` (or `pnl`, `net_pnl`): net dollars.
    /// - optional `fees_usd` (or `fees`): round-turn dollars (half counts before the excursions).
    /// - optional excursions: `mae_usd`/`mfe_usd` in dollars (magnitudes), or `mae_ticks`/`mfe_ticks`
    ///   with `symbol` (and `quantity`, default 1) priced by `registry`. Without them a trade's
    ///   intraday low and high are its start and its close.
    ///
    /// - Throws: `DataError.badInput` naming the file, the 1-based line (header is line 1) and
    ///   the column of the first bad value.
    public static func parse(csv: String, source: String, registry: ContractRegistry = .builtIn,
                             calendar: SessionCalendar = .cmeEquityIndex) throws -> [HistoryTrade] {
        var lines = csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let headerLine = lines.first else {
            throw DataError.badInput(file: source, line: 1, field: nil, reason: "empty file; expected a header with exit_time and pnl_usd")
        }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func column(_ names: [String]) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
        guard let exitCol = column(["exit_time", "time"]) else {
            throw DataError.badInput(file: source, line: 1, field: "exit_time", reason: "no exit_time column (header: \(header.joined(separator: ",")))")
        }
        guard let pnlCol = column(["pnl_usd", "pnl", "net_pnl"]) else {
            throw DataError.badInput(file: source, line: 1, field: "pnl_usd", reason: "no pnl_usd column (header: \(header.joined(separator: ",")))")
        }
        let feesCol = column(["fees_usd", "fees"])
        let maeUSD = column(["mae_usd", "mae"]), mfeUSD = column(["mfe_usd", "mfe"])
        let maeTicks = column(["mae_ticks"]), mfeTicks = column(["mfe_ticks"])
        let symbolCol = column(["symbol"]), quantityCol = column(["quantity", "qty", "contracts"])
        var specs: [String: ContractSpec] = [:]
        var out: [HistoryTrade] = []
        out.reserveCapacity(lines.count)
        for (i, raw) in lines.enumerated().dropFirst() {
            let lineNumber = i + 1
            if raw.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let f = raw.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func bad(_ col: Int, _ why: String) -> DataError {
                .badInput(file: source, line: lineNumber, field: col < header.count ? header[col] : "column \(col + 1)", reason: why)
            }
            guard f.count >= header.count else {
                throw DataError.badInput(file: source, line: lineNumber, field: nil, reason: "\(f.count) fields where the header has \(header.count)")
            }
            func number(_ col: Int?, required: Bool = false) throws -> Double? {
                guard let col else { return nil }
                let s = f[col]
                if s.isEmpty { if required { throw bad(col, "empty; expected a number") }; return nil }
                guard let v = Double(s), v.isFinite else { throw bad(col, "'\(s)' is not a number") }
                return v
            }
            let exitText = f[exitCol]
            let exit: Timestamp
            if let t = Timestamp(iso8601: exitText) { exit = t } else if let s = Int64(exitText) { exit = Timestamp(seconds: s) } else {
                throw bad(exitCol, "'\(exitText)' is not an ISO-8601 time or epoch seconds")
            }
            let pnl = try number(pnlCol, required: true)!
            let fees = try number(feesCol) ?? 0
            var adverse = try number(maeUSD) ?? 0, favourable = try number(mfeUSD) ?? 0
            if maeUSD == nil, let mt = maeTicks, let ft = mfeTicks, let sc = symbolCol {
                let symbol = f[sc].uppercased()
                let spec: ContractSpec
                if let s = specs[symbol] { spec = s } else {
                    do { spec = try registry.spec(for: symbol) } catch {
                        throw bad(sc, "unknown symbol '\(f[sc])': no contract specification to price mae_ticks (give mae_usd/mfe_usd instead)")
                    }
                    specs[symbol] = spec
                }
                let quantity = try number(quantityCol) ?? 1
                let tick = spec.tickValue.dollars * abs(quantity)
                adverse = (try number(mt) ?? 0) * tick
                favourable = (try number(ft) ?? 0) * tick
            }
            out.append(HistoryTrade(tradeDate: calendar.tradeDate(containing: exit), pnl: pnl, fees: fees,
                                    adverse: adverse, favourable: favourable))
        }
        guard !out.isEmpty else { throw DataError.badInput(file: source, line: nil, field: nil, reason: "no trades after the header") }
        return out
    }
}
