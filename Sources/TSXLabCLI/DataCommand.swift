import ArgumentParser
import Data
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Import, pull, export, list, resample and inspect stored bars.",
        subcommands: [Import.self, Pull.self, Export.self, List.self, Resample.self, Roll.self, Stats.self]
    )
}

extension DataCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import bar or tick CSV files (plain or gzip) into the store, one transaction per file.",
            discussion: """
                Columns are found by header name (timestamp/time/datetime/date, open, high, low, close,
                volume; separate date and time columns are joined); --column FIELD=HEADER maps others.
                A file with any bad row stores nothing; files before it stay stored. Duplicate rows
                merge, out-of-order rows are sorted and gaps are summarised.

                With --ticks the files hold trade prints (timestamp, price, and size and aggressor
                when the source has them; without a header in that order), in time order, stored
                to the nanosecond. Prints at one time are separate trades and keep the file's
                order. A file takes the place of the prints stored over its span, so importing it
                again changes nothing.
                """)

        @Argument(help: "CSV or CSV.gz files.") var files: [String]
        @Option(help: "Symbol the bars belong to (a contract root such as ES, MNQ); with --ticks the contract traded, e.g. ESM8.") var symbol: String
        @Option(help: "Bar length: 1s 5s 15s 30s 1m 2m 3m 5m 15m 30m 1h 2h 4h 1d 1w 1M (not with --ticks).") var timeframe: Timeframe?
        @Flag(help: "The files hold trade prints, not bars.") var ticks = false
        @Option(help: "Tick size for a symbol with no contract specification.") var tickSize: String?
        @Flag(help: "Round off-grid prices to the nearest tick instead of refusing them.") var roundToTick = false
        @Option(name: .customLong("column"), help: ArgumentHelp("Map a field to a header name, e.g. --column timestamp=Date.", valueName: "field=header"))
        var columns: [String] = []
        @Option(help: "Time zone of timestamps written without one (IANA name). Default: UTC.") var timezone: String?
        @Flag(help: "Print the reports as JSON.") var json = false
        @OptionGroup var storeOptions: StoreOptions

        func validate() throws {
            if ticks && timeframe != nil { throw ValidationError("--ticks imports prints, which have no timeframe: give --ticks or --timeframe, not both") }
            if !ticks && timeframe == nil { throw ValidationError("give --timeframe for bar files, or --ticks for files of trade prints") }
        }

        func run() throws {
            try runReportingErrors {
                let registry = try storeOptions.registry()
                let symbol = self.symbol.uppercased()
                let tick: TickSize
                if let t = tickSize {
                    guard let ts = TickSize(t) else { throw ValidationError("--tick-size '\(t)' is not a positive decimal") }
                    tick = ts
                } else {
                    // A dated contract (ESM8) has its product's tick.
                    tick = try registry.spec(for: ticks ? ContractID(cme: symbol)?.symbol ?? symbol : symbol).tickSize
                }
                var mapping: [String: String] = [:]
                for c in columns {
                    let parts = c.split(separator: "=", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { throw ValidationError("--column '\(c)' must be FIELD=HEADER") }
                    mapping[parts[0].lowercased()] = parts[1]
                }
                let localToUTC: (@Sendable (Int64) -> Int64)? = try timezone.map { tz in
                    let rules = try ZoneRules(identifier: tz)
                    return { rules.utcSeconds(fromLocalSeconds: $0) }
                }
                let store = try storeOptions.openStore()
                if ticks {
                    var options = TickCSVOptions(symbol: symbol, tickSize: tick)
                    options.offGrid = roundToTick ? .roundToNearest : .reject
                    options.columns = mapping
                    options.localToUTC = localToUTC
                    return try importTicks(options, store)
                }
                var options = BarCSVOptions(symbol: symbol, timeframe: timeframe!, tickSize: tick)
                options.offGrid = roundToTick ? .roundToNearest : .reject
                options.columns = mapping
                options.localToUTC = localToUTC
                try importEach({ file, progress in try BarImport.importFile(path: file, options: options, into: store, progress: progress) },
                               ImportReportJSON.init, summary)
            }
        }

        func importTicks(_ options: TickCSVOptions, _ store: any BarStore) throws {
            let tape = try TapeStore(store, storeURL: storeOptions.storeURL())
            try importEach({ file, progress in try TickImport.importFile(path: file, options: options, into: tape, progress: progress) },
                           TickImportReportJSON.init, summary)
        }

        /// Imports the files one by one with a progress bar, printing each report (or all as JSON).
        func importEach<Report, JSON: Encodable>(_ importFile: (String, @escaping (Int64, Int64) -> Void) throws -> Report,
                                                 _ encoded: (Report) -> JSON, _ summary: (Report) -> String) throws {
            var reports: [JSON] = []
            for file in files {
                let name = (file as NSString).lastPathComponent
                let r = try importFile(file) { done, total in Terminal.progress("importing \(name)", done, total) }
                reports.append(encoded(r))
                if !json { print(summary(r)) }
            }
            if json { try Terminal.printJSON(reports) }
        }

        func summary(_ r: TickImportReport) -> String {
            let rate = r.seconds > 0 ? Int(Double(r.prints) / r.seconds) : 0
            var lines = ["\(r.file): \(r.prints) prints → \(r.symbol) (\(String(format: "%.2f", r.seconds)) s, \(rate) prints/s)"]
            if let f = r.first, let l = r.last { lines.append("  range \(TapeCSV.timestamp(f)) → \(TapeCSV.timestamp(l))") }
            lines.append("  \(r.withSize) with a size, \(r.withAggressor) with an aggressor side; \(r.sameTimeAsPrevious) at the time of the print before (kept apart, in the file's order)")
            if r.replaced > 0 { lines.append("  replaced the \(r.replaced) prints stored over the same span") }
            return lines.joined(separator: "\n")
        }

        func summary(_ r: ImportReport) -> String {
            let rate = r.seconds > 0 ? Int(Double(r.rows) / r.seconds) : 0
            var lines = ["\(r.file): \(r.rows) rows → \(r.symbol) \(r.timeframe): \(r.stored.inserted) new, \(r.stored.updated) updated, \(r.stored.unchanged) already stored (\(String(format: "%.2f", r.seconds)) s, \(rate) rows/s)"]
            if let f = r.first, let l = r.last { lines.append("  range \(f) → \(l)") }
            if r.duplicatesMerged > 0 { lines.append("  \(r.duplicatesMerged) duplicate rows merged") }
            if r.conflictingDuplicates > 0 {
                lines.append("  \(r.conflictingDuplicates) duplicate timestamps with different values: the later row was kept (e.g. \(r.conflictSamples.map(\.description).joined(separator: ", ")))")
            }
            if r.outOfOrderRows > 0 { lines.append("  \(r.outOfOrderRows) rows out of order: sorted") }
            let g = r.gaps
            if g.count > 0 {
                let largest = g.largestAfter.map { " after \($0)" } ?? ""
                lines.append("  gaps: \(g.count) between bars, \(g.intraSession) of them inside a session (minutes without trades), \(g.count - g.intraSession) session breaks, weekends or holidays; largest \(formatDuration(g.largestSeconds))\(largest)")
            }
            return lines.joined(separator: "\n")
        }
    }

    struct Resample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build coarser bars from stored finer ones and store them.",
            discussion: """
                Intraday targets align to UTC clock multiples; 1d follows the CME trading day (17:00 CT
                boundary, holidays and early closes), stamped at the session open; 1w and 1M group
                trade dates by ISO week and calendar month.
                """)
        @Option var symbol: String
        @Option(help: "Source timeframe (not with --from-ticks).") var fromTimeframe: Timeframe?
        @Flag(help: "Build the bars from the stored trade prints of the symbol (a contract, e.g. ESM8).") var fromTicks = false
        @Option(help: "Target timeframe.") var toTimeframe: Timeframe
        @Option(help: "First bar time (UTC date or ISO time), inclusive.") var from: TimeArgument?
        @Option(help: "End time (UTC date or ISO time), exclusive.") var to: TimeArgument?
        @Flag(help: "Print the result as JSON.") var json = false
        @OptionGroup var storeOptions: StoreOptions

        func validate() throws {
            if fromTicks && fromTimeframe != nil { throw ValidationError("--from-ticks builds from prints, which have no timeframe: give --from-ticks or --from-timeframe, not both") }
            if !fromTicks && fromTimeframe == nil { throw ValidationError("give --from-timeframe for stored bars, or --from-ticks for the stored prints") }
        }

        func run() throws {
            try runReportingErrors {
                let store = try storeOptions.openStore()
                if fromTicks { return try resampleTicks(store) }
                let key = SeriesKey(symbol: symbol.uppercased(), timeframe: fromTimeframe!)
                let window = TimeWindow(from: from?.timestamp ?? .distantPast, to: to?.timestamp ?? .distantFuture)
                let source = try store.read(key, window)
                guard !source.isEmpty else {
                    throw DataError.badInput(file: storeOptions.storeURL(), line: nil, field: nil,
                        reason: "no \(key) bars in \(window) to resample; see `tsxlab data list`")
                }
                let out = try source.resampled(to: toTimeframe)
                let coverage = TimeWindow(from: Timestamp(seconds: out.time[0]),
                                          to: Timestamp(seconds: out.time[out.count - 1]).adding(seconds: toTimeframe.nominalSeconds))
                let r = try store.write(out, coverage: coverage)
                if json {
                    try Terminal.printJSON(["symbol": key.symbol, "from": key.timeframe.description, "to": toTimeframe.description,
                                            "sourceBars": String(source.count), "bars": String(out.count),
                                            "inserted": String(r.inserted), "updated": String(r.updated)])
                } else {
                    print("\(key.symbol): \(source.count) \(key.timeframe) bars → \(out.count) \(toTimeframe) bars (\(r.inserted) new, \(r.updated) updated, \(r.unchanged) unchanged)")
                }
            }
        }

        func resampleTicks(_ store: any BarStore) throws {
            let tape = try TapeStore(store, storeURL: storeOptions.storeURL())
            let symbol = self.symbol.uppercased()
            let window = TimeWindow(from: from?.timestamp ?? .distantPast, to: to?.timestamp ?? .distantFuture)
            guard let built = try TickBars.build(from: tape, symbol: symbol, timeframe: toTimeframe, window: window, progress: { done, total in
                Terminal.progress("building \(toTimeframe) bars of \(symbol)", done, total)
            }) else {
                let known = try tape.list().map(\.symbol)
                throw DataError.badInput(file: storeOptions.storeURL(), line: nil, field: "symbol",
                    reason: "no stored prints of \(symbol)" + (known.isEmpty ? "; import some with `tsxlab data import --ticks`" : "; stored: \(known.joined(separator: ", "))"))
            }
            let out = built.bars
            guard !out.isEmpty else {
                throw DataError.badInput(file: storeOptions.storeURL(), line: nil, field: nil, reason: "no prints of \(symbol) in \(window)")
            }
            let coverage = TimeWindow(from: Timestamp(seconds: out.time[0]),
                                      to: Timestamp(seconds: out.time[out.count - 1]).adding(seconds: toTimeframe.nominalSeconds))
            let r = try store.write(out, coverage: coverage)
            if json {
                try Terminal.printJSON(["symbol": symbol, "from": "ticks", "to": toTimeframe.description,
                                        "prints": String(built.prints), "printsWithoutSize": String(built.withoutSize), "bars": String(out.count),
                                        "inserted": String(r.inserted), "updated": String(r.updated)])
            } else {
                print("\(symbol): \(built.prints) prints → \(out.count) \(toTimeframe) bars (\(r.inserted) new, \(r.updated) updated, \(r.unchanged) unchanged)")
                if built.withoutSize > 0 { print("  \(built.withoutSize) prints had no size: each counted as one contract in the volume") }
            }
        }
    }

    struct Roll: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stitch stored dated contracts (e.g. ESZ13,ESH14) into one continuous series.",
            discussion: """
                Each contract serves until its CME roll date (the Thursday eight days before the
                third-Friday expiry); the next one takes over at that day's session open. --adjust back
                shifts earlier contracts by the spread at the last shared minute before each roll.
                """)
        @Option(help: "Name of the continuous series, e.g. ES.") var symbol: String
        @Option var timeframe: Timeframe
        @Option(help: "Stored dated contracts, comma-separated.") var contracts: String
        @Option(help: "none (prices as traded) or back (back-adjusted).") var adjust: String = "none"
        @Flag(help: "Print the rolls as JSON.") var json = false
        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            try runReportingErrors {
                guard let adjustment = ContinuousSeries.Adjustment(rawValue: adjust) else {
                    throw ValidationError("--adjust must be none or back, not '\(adjust)'")
                }
                let store = try storeOptions.openStore()
                let names = contracts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
                let (series, rolls, r) = try ContinuousSeries.rollStored(store, symbol: symbol.uppercased(), timeframe: timeframe,
                                                                         contracts: names, adjustment: adjustment)
                func points(_ t: Int64?) -> String { t.map { series.tickSize.format(Price(ticks: $0)) } ?? "n/a" }
                if json {
                    try Terminal.printJSON(rolls.map { ["from": $0.from.cmeCode, "to": $0.to.cmeCode, "at": $0.at.description, "spread": points($0.spreadTicks)] })
                    return
                }
                for roll in rolls {
                    print("roll \(roll.from) → \(roll.to) at \(roll.at) (spread \(points(roll.spreadTicks)) points)")
                }
                print("\(symbol.uppercased()) \(timeframe): \(series.count) bars (\(adjustment == .none ? "as traded" : "back-adjusted")); \(r.inserted) new, \(r.updated) updated, \(r.unchanged) unchanged")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write stored bars as CSV (timestamp,open,high,low,close,volume; UTC), or with --ticks the stored trade prints (timestamp,price,size,aggressor; UTC to the nanosecond).")
        @Option(help: "The symbol; with --ticks a dated contract as recorded, e.g. ESZ13.") var symbol: String
        @Option(help: "The bars' timeframe (not with --ticks).") var timeframe: Timeframe?
        @Flag(help: "Write the symbol's recorded trade prints instead of bars.") var ticks = false
        @Option(help: "First bar time (UTC date or ISO time), inclusive.") var from: TimeArgument?
        @Option(help: "End time (UTC date or ISO time), exclusive.") var to: TimeArgument?
        @Option(help: "Output file; - for stdout.") var out: String
        @OptionGroup var storeOptions: StoreOptions

        func validate() throws {
            if ticks && timeframe != nil { throw ValidationError("--ticks writes prints, which have no timeframe: give --ticks or --timeframe, not both") }
            if !ticks && timeframe == nil { throw ValidationError("give --timeframe for bars, or --ticks for the recorded prints") }
        }

        func run() throws {
            try runReportingErrors {
                let store = try storeOptions.openStore()
                let window = TimeWindow(from: from?.timestamp ?? .distantPast, to: to?.timestamp ?? .distantFuture)
                if ticks { return try exportTicks(store, window) }
                let key = SeriesKey(symbol: symbol.uppercased(), timeframe: timeframe!)
                let series = try store.read(key, window)
                guard !series.isEmpty else {
                    throw DataError.badInput(file: storeOptions.storeURL(), line: nil, field: nil,
                        reason: "no \(key) bars in \(window); see `tsxlab data list`")
                }
                let decimals = (try? storeOptions.registry().spec(for: key.symbol).priceDecimals) ?? series.tickSize.scale
                if out == "-" {
                    var bytes = Array(BarCSVWriter.header().utf8)
                    BarCSVWriter.append(series, decimals: decimals, to: &bytes)
                    FileHandle.standardOutput.write(Data(bytes))
                } else {
                    try BarCSVWriter.write(series, decimals: decimals, to: out)
                    Terminal.note("wrote \(series.count) bars to \(out)")
                }
            }
        }

        func exportTicks(_ store: any BarStore, _ window: TimeWindow) throws {
            let tape = try TapeStore(store, storeURL: storeOptions.storeURL())
            let symbol = self.symbol.uppercased()
            guard let info = try tape.list().first(where: { $0.symbol == symbol }) else {
                let known = try tape.list().map(\.symbol)
                throw DataError.badInput(file: storeOptions.storeURL(), line: nil, field: "symbol",
                    reason: "no recorded prints of \(symbol)" + (known.isEmpty ? "; record some with `tsxlab record` or `tsxlab live --record-tape`" : "; recorded: \(known.joined(separator: ", "))"))
            }
            let prints = try tape.read(symbol, window)
            let product = ContractID(cme: symbol)?.symbol ?? symbol
            let decimals = try? storeOptions.registry().spec(for: product).priceDecimals
            let text = TapeCSV.text(prints, tickSize: info.tickSize, decimals: decimals)
            if out == "-" {
                FileHandle.standardOutput.write(Data(text.utf8))
            } else {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
                Terminal.note("wrote \(prints.count) prints of \(symbol) to \(out)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the stored series with their bar counts, ranges and holes.",
            discussion: """
                A hole is trading time between a series' first and last bar that the store never
                fetched (imported, pulled or built): the parts of the session calendar's sessions
                its coverage lacks. Minutes without a trade inside fetched time are no holes.
                `data pull` over the same window fills them.
                """)
        @Flag(help: "List the stored trade prints (by contract) instead of bars.") var ticks = false
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            try runReportingErrors {
                let store = try storeOptions.openStore()
                let tapes = try TapeStore(store, storeURL: storeOptions.storeURL()).list().filter { $0.count > 0 }
                if ticks { return try listTicks(tapes, store.displayURL) }
                let series = try store.listSeries()
                var holes: [SeriesKey: [TimeWindow]] = [:]
                for s in series {
                    guard let first = s.first, let last = s.last else { continue }
                    let within = TimeWindow(from: first, to: last.adding(seconds: s.key.timeframe.nominalSeconds))
                    holes[s.key] = SeriesCoverage.holes(coverage: try store.coverage(s.key), within: within)
                }
                if json {
                    try Terminal.printJSON(series.map { SeriesInfoJSON($0, holes: holes[$0.key] ?? []) })
                    return
                }
                print("store: \(store.displayURL)")
                if !tapes.isEmpty {
                    print("trade prints of \(tapes.map(\.symbol).joined(separator: ", ")) are stored too: `tsxlab data list --ticks`")
                }
                if series.isEmpty { print("no bars stored yet: import some with `tsxlab data import` or `tsxlab data pull`"); return }
                let rows = series.map { s in
                    let h = holes[s.key] ?? []
                    return [s.key.symbol, s.key.timeframe.description, s.tickSize.description, String(s.count),
                            s.first?.description ?? "-", s.last?.description ?? "-",
                            h.isEmpty ? "none" : "\(h.count) (\(formatDuration(h.reduce(0) { $0 + $1.to.seconds - $1.from.seconds })))"]
                }
                print(table(["symbol", "tf", "tick", "bars", "first", "last", "holes"], rows))
                for s in series {
                    guard let h = holes[s.key], !h.isEmpty else { continue }
                    let shown = h.prefix(5).map { "[\($0.from), \($0.to))" }.joined(separator: ", ")
                    print("\(s.key) holes: \(shown)\(h.count > 5 ? " and \(h.count - 5) more" : "")")
                }
            }
        }

        func listTicks(_ tapes: [TapeInfo], _ url: String) throws {
            if json { return try Terminal.printJSON(tapes.map(TapeInfoJSON.init)) }
            print("store: \(url)")
            if tapes.isEmpty { print("no trade prints stored yet: import a tick file with `tsxlab data import --ticks` or record with `tsxlab record`"); return }
            print(table(["symbol", "tick", "prints", "first", "last"], tapes.map { t in
                [t.symbol, t.tickSize.description, String(t.count), t.first.map(TapeCSV.timestamp) ?? "-", t.last.map(TapeCSV.timestamp) ?? "-"]
            }))
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store contents and three-tier cache performance (memory → store → source).",
            discussion: "Reads random windows of a series through the cache and reports hits, misses and latency per tier.")
        @Option(help: "Series to probe (default: the largest stored).") var symbol: String?
        @Option var timeframe: Timeframe?
        @Option(help: "Bars per read.") var window = 500
        @Option(help: "Number of reads.") var reads = 1000
        @Option(help: "CSV folder to use as the source tier for windows the store lacks.") var source: String?
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var storeOptions: StoreOptions

        func run() throws {
            try runReportingErrors {
                let store = try storeOptions.openStore()
                let all = try store.listSeries()
                let target: SeriesInfo?
                if let symbol, let timeframe {
                    target = all.first { $0.key == SeriesKey(symbol: symbol.uppercased(), timeframe: timeframe) }
                } else {
                    target = all.max { $0.count < $1.count }
                }
                let src: (any BarSource)? = try source.map { CSVFolderSource(folder: $0, registry: try storeOptions.registry()) }
                let cache = BarCache(store: store, source: src)
                var probe = CacheProbeJSON(store: store.displayURL, series: all.map { SeriesInfoJSON($0) })
                if let t = target, let first = t.first, t.count > window {
                    // Pick window start times from the stored bars themselves, then read each twice
                    // (the second read shows the memory tier).
                    let all = try store.read(t.key, TimeWindow(from: first, to: .distantFuture))
                    var rng = SeededGenerator(seed: 42)
                    for _ in 0..<reads {
                        let i = Int(rng.next() % UInt64(all.count - window))
                        let w = TimeWindow(from: Timestamp(seconds: all.time[i]), to: Timestamp(seconds: all.time[i + window]))
                        _ = try cache.bars(t.key, w)
                        _ = try cache.bars(t.key, w)
                    }
                    probe.probe = "\(t.key), \(reads) random windows of \(window) bars, each read twice"
                }
                let st = cache.stats
                probe.tiers = [TierJSON("memory", st.memory), TierJSON("store", st.store), TierJSON("source", st.source)]
                if json { try Terminal.printJSON(probe); return }
                print("store: \(probe.store)")
                print(table(["symbol", "tf", "bars", "first", "last"], all.map {
                    [$0.key.symbol, $0.key.timeframe.description, String($0.count), $0.first?.description ?? "-", $0.last?.description ?? "-"]
                }))
                if let p = probe.probe { print("\ncache probe: \(p)") }
                print(table(["tier", "hits", "misses", "hit rate", "p50 µs", "p99 µs"], probe.tiers.map {
                    [$0.tier, String($0.hits), String($0.misses), String(format: "%.1f%%", $0.hitRate * 100),
                     String(format: "%.1f", $0.p50Micros), String(format: "%.1f", $0.p99Micros)]
                }))
            }
        }
    }
}

struct ImportReportJSON: Encodable {
    let file, symbol, timeframe: String
    let rows, bars, inserted, updated, unchanged, duplicatesMerged, conflictingDuplicates, outOfOrderRows: Int
    let gaps, intraSessionGaps, longGaps: Int
    let missingBars: Int64
    let first, last: String?
    let seconds: Double
    init(_ r: ImportReport) {
        file = r.file; symbol = r.symbol; timeframe = r.timeframe.description
        rows = r.rows; bars = r.bars; inserted = r.stored.inserted; updated = r.stored.updated
        unchanged = r.stored.unchanged; duplicatesMerged = r.duplicatesMerged
        conflictingDuplicates = r.conflictingDuplicates; outOfOrderRows = r.outOfOrderRows
        gaps = r.gaps.count; intraSessionGaps = r.gaps.intraSession; longGaps = r.gaps.longGaps; missingBars = r.gaps.missingBars
        first = r.first?.description; last = r.last?.description; seconds = r.seconds
    }
}

struct TickImportReportJSON: Encodable {
    let file, symbol: String
    let prints, withSize, withAggressor, sameTimeAsPrevious, replaced: Int
    let first, last: String?
    let seconds: Double
    init(_ r: TickImportReport) {
        file = r.file; symbol = r.symbol; prints = r.prints; withSize = r.withSize; withAggressor = r.withAggressor
        sameTimeAsPrevious = r.sameTimeAsPrevious; replaced = r.replaced
        first = r.first.map(TapeCSV.timestamp); last = r.last.map(TapeCSV.timestamp); seconds = r.seconds
    }
}

struct TapeInfoJSON: Encodable {
    let symbol, tickSize: String
    let prints: Int
    let first, last: String?
    init(_ t: TapeInfo) {
        symbol = t.symbol; tickSize = t.tickSize.description; prints = t.count
        first = t.first.map(TapeCSV.timestamp); last = t.last.map(TapeCSV.timestamp)
    }
}

struct SeriesInfoJSON: Encodable {
    let symbol, timeframe, tickSize: String
    let bars: Int
    let first, last: String?
    /// Trading time inside [first, last] the store never fetched (`data list` only).
    let holes: [WindowJSON]?
    init(_ s: SeriesInfo, holes: [TimeWindow]? = nil) {
        symbol = s.key.symbol; timeframe = s.key.timeframe.description; tickSize = s.tickSize.description
        bars = s.count; first = s.first?.description; last = s.last?.description
        self.holes = holes.map { $0.map(WindowJSON.init) }
    }
}

struct WindowJSON: Encodable {
    let from, to: String
    init(_ w: TimeWindow) { from = w.from.description; to = w.to.description }
}

struct TierJSON: Encodable {
    let tier: String
    let hits, misses: Int
    let hitRate, p50Micros, p99Micros: Double
    init(_ name: String, _ s: CacheTierStats) {
        tier = name; hits = s.hits; misses = s.misses; hitRate = s.hitRate
        let sorted = s.latencies.sorted()
        func pct(_ q: Double) -> Double {
            sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))]) / 1000
        }
        p50Micros = pct(0.5); p99Micros = pct(0.99)
    }
}

struct CacheProbeJSON: Encodable {
    var store: String
    var series: [SeriesInfoJSON]
    var probe: String?
    var tiers: [TierJSON] = []
}

func formatDuration(_ s: Int64) -> String {
    if s >= 86_400 { return String(format: "%.1f d", Double(s) / 86_400) }
    if s >= 3600 { return String(format: "%.1f h", Double(s) / 3600) }
    if s >= 60 { return "\(s / 60) min" }
    return "\(s) s"
}

/// A plain text table that fits a terminal and reads well in a pipe.
func table(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}

