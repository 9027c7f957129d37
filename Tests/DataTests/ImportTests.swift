import Data
import Foundation
import Testing
import TSXLabTesting

/// Writes `text` to a new temporary file and returns its path.
func writeTemp(_ name: String, _ text: String) -> String {
    let path = TestEnvironment.temporaryDirectory("import") + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
}

/// The text of a gzip file, inflated by the system's gzip (independent of the code under test).
func gunzip(_ path: String) throws -> String { String(decoding: try SharedData.readBytes(path: path), as: UTF8.self) }

let esOptions = BarCSVOptions(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize("0.25")!)
let header = "timestamp,open,high,low,close,volume\n"

@Suite("CSV import: round trips of the shared datasets")
struct ImportRoundTripTests {
    static let files: [(String, String, String)] = [
        ("ES_1m_2019.csv.gz", "ES", "0.25"),
        ("ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz", "ESM8", "0.25"),
        ("NQ_1m_2026-01-04_2026-01-19.csv.gz", "NQ", "0.25"),
        ("MES_1m_2023-11-26_2023-12-11.csv.gz", "MES", "0.25"),
        ("6EH4_1m_2024-01.csv.gz", "6E", "0.00005"),
        ("QQQ_1m_2026-01-26_2026-02-09.csv.gz", "QQQ", "0.0001"),
        ("ESZ13_1m_lean.csv.gz", "ESZ13", "0.25"),
    ]

    @Test("import then export reproduces the file byte for byte", arguments: StoreKind.available)
    func roundTrip(kind: StoreKind) throws {
        let (store, _, _) = try kind.make()
        for (name, symbol, tick) in Self.files {
            let path = TestEnvironment.sharedDataset(name)
            let t = try #require(TickSize(tick))
            let opts = BarCSVOptions(symbol: symbol, timeframe: .oneMinute, tickSize: t)
            let report = try BarImport.importFile(path: path, options: opts, into: store)
            #expect(report.duplicatesMerged == 0 && report.outOfOrderRows == 0, "\(name)")
            #expect(report.stored.inserted == report.rows, "\(name)")
            let back = try store.read(SeriesKey(symbol: symbol, timeframe: .oneMinute), TimeWindow(from: .distantPast, to: .distantFuture))
            var bytes = Array(BarCSVWriter.header().utf8)
            let decimals = symbol == "QQQ" ? 4 : (try ContractRegistry.builtIn.spec(for: symbol).priceDecimals)
            BarCSVWriter.append(back, decimals: decimals, to: &bytes)
            let expected = try gunzip(path).split(separator: "\n")
            let actual = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            #expect(actual.count == expected.count, "\(name): \(actual.count) lines back, \(expected.count) in")
            if let i = (0..<min(actual.count, expected.count)).first(where: { actual[$0] != expected[$0] }) {
                Issue.record("\(name) line \(i + 1) differs after the round trip: '\(actual[i])' vs '\(expected[i])'")
            }
            // A second import of the same file changes nothing.
            let again = try BarImport.importFile(path: path, options: opts, into: store)
            #expect(again.stored == UpsertResult(inserted: 0, updated: 0, unchanged: report.rows), "\(name)")
        }
    }
}

@Suite("CSV import: bad input is refused with file, line and field, and stores nothing")
struct ImportBadInputTests {
    /// Imports a good file first, then the bad one; checks the error and that the store still holds
    /// exactly the good file.
    func expectRefused(_ bad: String, line: Int?, field: String?, contains: String,
                       kind: StoreKind = .sqlite, gzip: Bool = false, file: String = "bad.csv") throws {
        let (store, _, _) = try kind.make()
        let good = writeTemp("good.csv", header + "2019-01-01T23:00:00Z,2524.50,2526.00,2522.75,2525.50,1363\n")
        _ = try BarImport.importFile(path: good, options: esOptions, into: store)
        let path = writeTemp(file, bad)
        do {
            _ = try BarImport.importFile(path: path, options: esOptions, into: store)
            Issue.record("accepted bad input: \(bad.prefix(120))")
        } catch let DataError.badInput(f, l, fld, reason) {
            #expect(f == path)
            #expect(l == line)
            #expect(fld == field)
            #expect(reason.contains(contains), "reason was: \(reason)")
            #expect(DataError.badInput(file: f, line: l, field: fld, reason: reason).exitCode == 65)
        }
        let all = try store.read(SeriesKey(symbol: "ES", timeframe: .oneMinute), TimeWindow(from: .distantPast, to: .distantFuture))
        #expect(all.count == 1 && all.time == [1_546_383_600], "the store must hold the good file only")
    }

    let ok1 = "2019-01-01T23:01:00Z,2525.50,2529.00,2525.25,2528.50,899\n"

    @Test("a malformed number names its line and field", arguments: StoreKind.available)
    func malformedNumber(kind: StoreKind) throws {
        try expectRefused(header + ok1 + "2019-01-01T23:02:00Z,2528.50,25x9.00,2528.25,2528.75,10\n",
                          line: 3, field: "high", contains: "'25x9.00' is not a number", kind: kind)
    }

    @Test("a missing column is named with the header it was looked for in")
    func missingColumn() throws {
        try expectRefused("timestamp,open,high,close,volume\n2019-01-01T23:02:00Z,1,1,1,1\n",
                          line: 1, field: "low", contains: "missing column(s) low")
    }

    @Test("a row with too few fields names the missing one")
    func shortRow() throws {
        try expectRefused(header + ok1 + "2019-01-01T23:02:00Z,2528.50,2529.00,2528.25\n",
                          line: 3, field: "close", contains: "missing")
    }

    @Test("high below low is refused")
    func highBelowLow() throws {
        try expectRefused(header + ok1 + "2019-01-01T23:02:00Z,2528.50,2528.00,2529.25,2528.50,10\n",
                          line: 3, field: "high", contains: "below low")
    }

    @Test("a high below the close is refused")
    func highBelowClose() throws {
        try expectRefused(header + "2019-01-01T23:02:00Z,2528.50,2529.00,2528.25,2529.25,10\n",
                          line: 2, field: "high", contains: "below the open or close")
    }

    @Test("a price off the tick grid is refused and the fix is named")
    func offGrid() throws {
        try expectRefused(header + ok1 + ok1.replacingOccurrences(of: "23:01", with: "23:02").replacingOccurrences(of: "2525.25", with: "2525.30"),
                          line: 3, field: "low", contains: "--round-to-tick")
    }

    @Test("off-grid prices round to the nearest tick when asked")
    func offGridRounded() throws {
        let (store, _, _) = try StoreKind.sqlite.make()
        var opts = esOptions
        opts.offGrid = .roundToNearest
        let path = writeTemp("r.csv", header + "2019-01-01T23:02:00Z,2528.55,2529.10,2528.20,2528.90,10\n")
        _ = try BarImport.importFile(path: path, options: opts, into: store)
        let b = try store.read(SeriesKey(symbol: "ES", timeframe: .oneMinute), TimeWindow(from: .distantPast, to: .distantFuture))[0]
        #expect([b.open, b.high, b.low, b.close].map { opts.tickSize.format($0) } == ["2528.50", "2529.00", "2528.25", "2529.00"])
    }

    @Test("a timestamp that does not parse is refused")
    func badTimestamp() throws {
        try expectRefused(header + ok1 + "2019-13-01T23:02:00Z,2528.50,2529.00,2528.25,2528.75,10\n",
                          line: 3, field: "timestamp", contains: "is not a timestamp")
    }

    @Test("a sub-second bar timestamp is refused (tick files are not bars)")
    func subSecond() throws {
        try expectRefused(header + "2018-05-07T13:30:00.001532Z,2670.50,2670.50,2670.50,2670.50,1\n",
                          line: 2, field: "timestamp", contains: "whole seconds")
    }

    @Test("negative volume is refused")
    func negativeVolume() throws {
        try expectRefused(header + "2019-01-01T23:02:00Z,2528.50,2529.00,2528.25,2528.75,-3\n",
                          line: 2, field: "volume", contains: "negative")
    }

    @Test("a file with only a header is refused")
    func empty() throws {
        try expectRefused(header, line: nil, field: nil, contains: "no bars")
    }

    @Test("a truncated gzip file is refused and stores nothing", arguments: StoreKind.available)
    func truncatedGzip(kind: StoreKind) throws {
        let src = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.sharedDataset("ESZ13_1m_lean.csv.gz")))
        let (store, _, _) = try kind.make()
        let path = TestEnvironment.temporaryDirectory("gz") + "/cut.csv.gz"
        _ = FileManager.default.createFile(atPath: path, contents: src.prefix(src.count / 2))
        var opts = esOptions
        opts.symbol = "ESZ13"
        #expect(throws: DataError.self) { _ = try BarImport.importFile(path: path, options: opts, into: store) }
        #expect(try store.count(SeriesKey(symbol: "ESZ13", timeframe: .oneMinute)) == 0)
    }

    @Test("a file that does not exist is a missing-input error (exit 66)")
    func missingFile() throws {
        let (store, _, _) = try StoreKind.sqlite.make()
        do {
            _ = try BarImport.importFile(path: "/nonexistent/x.csv", options: esOptions, into: store)
            Issue.record("imported a missing file")
        } catch let e as DataError {
            #expect(e.exitCode == 66)
            #expect(e.description.contains("/nonexistent/x.csv"))
        }
    }
}

@Suite("CSV import: duplicates, order, gaps and column shapes")
struct ImportShapeTests {
    func read(_ text: String, _ opts: BarCSVOptions = esOptions) throws -> (BarSeries, ImportReport) {
        try BarCSV.read(path: writeTemp("x.csv", text), options: opts)
    }

    @Test("identical duplicates merge, conflicting ones keep the later row, both are counted")
    func duplicates() throws {
        let (s, r) = try read(header + """
            2019-01-01T23:00:00Z,2524.50,2526.00,2522.75,2525.50,1363
            2019-01-01T23:01:00Z,2525.50,2529.00,2525.25,2528.50,899
            2019-01-01T23:00:00Z,2524.50,2526.00,2522.75,2525.50,1363
            2019-01-01T23:01:00Z,2525.50,2529.00,2525.25,2528.75,900

            """)
        #expect(s.count == 2)
        #expect(r.rows == 4 && r.duplicatesMerged == 1 && r.conflictingDuplicates == 1)
        #expect(r.conflictSamples == [Timestamp(seconds: 1_546_383_660)])
        #expect(s.close[1] == TickSize("0.25")!.ticks("2528.75") && s.volume[1] == 900)
    }

    @Test("out-of-order rows are sorted and counted")
    func outOfOrder() throws {
        let (s, r) = try read(header + """
            2019-01-01T23:02:00Z,2528.50,2529.00,2528.25,2528.75,10
            2019-01-01T23:00:00Z,2524.50,2526.00,2522.75,2525.50,1363
            2019-01-01T23:01:00Z,2525.50,2529.00,2525.25,2528.50,899
            """)
        #expect(s.time == [1_546_383_600, 1_546_383_660, 1_546_383_720])
        #expect(r.outOfOrderRows == 2)
    }

    @Test("gaps are summarised, not refused")
    func gaps() throws {
        let (_, r) = try read(header + """
            2019-01-01T23:00:00Z,1,1,1,1,1
            2019-01-01T23:01:00Z,1,1,1,1,1
            2019-01-01T23:05:00Z,1,1,1,1,1
            2019-01-02T01:05:00Z,1,1,1,1,1
            """)
        #expect(r.gaps.count == 2 && r.gaps.missingBars == 3 + 119 && r.gaps.longGaps == 1)
        #expect(r.gaps.intraSession == 2, "18:00–20:05 ET on a Tuesday evening is one session")
        #expect(r.gaps.largestSeconds == 7200 && r.gaps.largestAfter == Timestamp(iso8601: "2019-01-01T23:05:00Z"))
    }

    @Test("separate date and time columns (the vendor's YYYYMMDD,HHMMSS) and aliases are understood")
    func dateTimeColumns() throws {
        let (s, _) = try read("Date,Time,Open,High,Low,Last,Vol\n20231126,180000,4567.25,4568.00,4566.50,4567.75,120\n")
        #expect(s.time == [Timestamp(iso8601: "2023-11-26T18:00:00Z")!.seconds])
        #expect(s.close == [TickSize("0.25")!.ticks("4567.75")!])
    }

    @Test("epoch stamps in seconds, ms, µs and ns and ISO offsets read as the same instant")
    func epochs() throws {
        let (s, _) = try read(header + """
            1546383600,1,1,1,1,1
            1546383660000,1,1,1,1,1
            1546383720000000,1,1,1,1,1
            1546383780000000000,1,1,1,1,1
            2019-01-01T18:04:00-05:00,1,1,1,1,1
            """)
        #expect(s.time == [1_546_383_600, 1_546_383_660, 1_546_383_720, 1_546_383_780, 1_546_383_840])
    }

    @Test("a header mapping names other columns; an unknown header name is refused")
    func mapping() throws {
        var opts = esOptions
        opts.columns = ["timestamp": "bar_start", "volume": "qty"]
        let (s, _) = try read("bar_start;open;high;low;close;qty\n2019-01-01T23:00:00Z;2;3;1;2;5\n".replacingOccurrences(of: ";", with: ","), opts)
        #expect(s.volume == [5])
        opts.columns = ["timestamp": "nope"]
        #expect(throws: DataError.self) { _ = try read(header + "2019-01-01T23:00:00Z,2,3,1,2,5\n", opts) }
    }

    @Test("a file without a header is read in the datasets' column order; CRLF line ends are fine")
    func headerless() throws {
        let (s, _) = try read("2019-01-01T23:00:00Z,2,3,1,2,5\r\n2019-01-01T23:01:00Z,2,3,1,2,6\r\n")
        #expect(s.count == 2 && s.volume == [5, 6])
    }

    @Test("'#' comment lines before the header and between rows are skipped; they are not counted as rows")
    func comments() throws {
        let (s, r) = try read("# exported by a vendor tool\n" + header + """
            2019-01-01T23:00:00Z,2,3,1,2,5
            # a note between rows
            2019-01-01T23:01:00Z,2,3,1,2,6
            """)
        #expect(s.count == 2 && s.volume == [5, 6] && r.rows == 2)
    }
}
