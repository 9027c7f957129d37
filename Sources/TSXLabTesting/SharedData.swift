import Data
import Foundation

/// Finds and reads the shared real-market datasets (`../shared/datasets/` beside the package) for
/// tests and benchmarks. `TSXLAB_DATASETS` overrides the folder.
///
/// Gzip files are read through `gzip -dc` (a child process): fine for tests, not for the product,
/// whose importer inflates in-process.
public enum SharedData {
    /// The package root: the nearest folder above this source file that holds `Package.swift`.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
            url.deleteLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// The datasets folder: `$TSXLAB_DATASETS`, else `<package root>/../shared/datasets`.
    public static var datasetsDirectory: String {
        if let d = ProcessInfo.processInfo.environment["TSXLAB_DATASETS"], !d.isEmpty { return d }
        return URL(fileURLWithPath: packageRoot).deletingLastPathComponent()
            .appendingPathComponent("shared/datasets").standardizedFileURL.path
    }

    /// The path of a dataset file by name, e.g. `ES_1m_2019.csv.gz`.
    public static func path(_ name: String) -> String { datasetsDirectory + "/" + name }

    /// True when the dataset file exists (tests can skip with a clear reason when it does not).
    public static func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// The bytes of a file, inflated with `gzip -dc` when the name ends in `.gz`.
    ///
    /// - Throws: `DataError.noInput` when the file is missing or gzip fails.
    public static func readBytes(path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.noInput(path: path, reason: "no such file (datasets live in ../shared/datasets; set TSXLAB_DATASETS to move them)")
        }
        guard path.hasSuffix(".gz") else {
            guard let d = FileManager.default.contents(atPath: path) else {
                throw DataError.noInput(path: path, reason: "unreadable")
            }
            return [UInt8](d)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-dc", path]
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch {
            throw DataError.noInput(path: path, reason: "cannot run gzip: \(error)")
        }
        // Read before waiting: a full pipe would otherwise block gzip forever.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw DataError.noInput(path: path, reason: "gzip -dc exited with status \(p.terminationStatus)")
        }
        return [UInt8](data)
    }

    /// A dataset's text (inflated when gzip-compressed).
    public static func text(_ name: String) throws -> String {
        String(decoding: try readBytes(path: path(name)), as: UTF8.self)
    }

    /// Reads a bar file in the shared format (`timestamp,open,high,low,close,volume`, UTC ISO-8601
    /// bar-start stamps, decimal prices) into a series. Lines starting with `#` are skipped.
    /// Optionally keeps only bars with `from <= time < to`.
    ///
    /// - Throws: `DataError.badInput` with the line and field of the first bad row.
    public static func parseBars(
        csv bytes: [UInt8], source: String, symbol: String, timeframe: Timeframe, tickSize: TickSize,
        from: Timestamp = .distantPast, to: Timestamp = .distantFuture
    ) throws -> BarSeries {
        var series = BarSeries(symbol: symbol, timeframe: timeframe, tickSize: tickSize)
        try bytes.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            let n = buf.count
            var start = 0
            var line = 0
            var sawHeader = false
            while start < n {
                var end = start
                while end < n && base[end] != UInt8(ascii: "\n") { end += 1 }
                line += 1
                var stop = end
                if stop > start && base[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
                defer { start = end + 1 }
                if stop == start || base[start] == UInt8(ascii: "#") { continue }
                if !sawHeader { sawHeader = true; continue }  // the header row
                // Split into six fields.
                var fields: [(Int, Int)] = []
                fields.reserveCapacity(6)
                var f = start
                for i in start...stop where i == stop || base[i] == UInt8(ascii: ",") {
                    fields.append((f, i - f)); f = i + 1
                }
                guard fields.count == 6 else {
                    throw DataError.badInput(file: source, line: line, field: nil, reason: "expected 6 fields, found \(fields.count)")
                }
                guard let ts = TimestampParser.parseISO(base + fields[0].0, fields[0].1) else {
                    throw DataError.badInput(file: source, line: line, field: "timestamp", reason: "not an ISO-8601 time")
                }
                let t = ts.utcSeconds
                if t < from.seconds || t >= to.seconds { continue }
                var p: [Int64] = [0, 0, 0, 0]
                for k in 0..<4 {
                    guard case .ticks(let v) = tickSize.ticks(base + fields[k + 1].0, fields[k + 1].1) else {
                        throw DataError.badInput(file: source, line: line, field: ["open", "high", "low", "close"][k],
                                                 reason: "not a price on the \(tickSize) grid")
                    }
                    p[k] = v
                }
                var vol: Int64 = 0
                for i in fields[5].0..<(fields[5].0 + fields[5].1) {
                    let d = Int64(base[i]) - 48
                    guard d >= 0 && d <= 9 else {
                        throw DataError.badInput(file: source, line: line, field: "volume", reason: "not a whole number")
                    }
                    vol = vol * 10 + d
                }
                series.append(Bar(t, p[0], p[1], p[2], p[3], vol))
            }
        }
        return series
    }

    /// Loads a shared bar dataset, e.g. `loadBars("ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz",
    /// symbol: "ES", tickSize: TickSize("0.25")!)`.
    public static func loadBars(
        _ name: String, symbol: String, tickSize: TickSize, timeframe: Timeframe = .oneMinute,
        from: Timestamp = .distantPast, to: Timestamp = .distantFuture
    ) throws -> BarSeries {
        try parseBars(csv: try readBytes(path: path(name)), source: name, symbol: symbol,
                      timeframe: timeframe, tickSize: tickSize, from: from, to: to)
    }
}
