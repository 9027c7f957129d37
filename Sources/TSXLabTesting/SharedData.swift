import Data
import Foundation

/// Finds and reads the shared real-market datasets (`../shared/datasets/` beside the package) for
/// tests and benchmarks. `TSXLAB_DATASETS` overrides the folder.
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

    /// A missing dataset fails with where datasets are looked for.
    static func requireFile(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.noInput(path: path, reason: "no such file (datasets live in ../shared/datasets; set TSXLAB_DATASETS to move them)")
        }
    }

    /// The bytes of a file, inflated in-process when it is gzip-compressed.
    ///
    /// - Throws: `DataError.noInput` when the file is missing, `DataError` for corrupt gzip data.
    public static func readBytes(path: String) throws -> [UInt8] {
        try requireFile(path)
        let reader = try ByteReader(path: path)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try reader.read(into: $0) }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// A dataset's text (inflated when gzip-compressed).
    public static func text(_ name: String) throws -> String {
        String(decoding: try readBytes(path: path(name)), as: UTF8.self)
    }

    /// Reads a bar file (plain or gzip) with the product's importer, `BarCSV.read`, and keeps the
    /// bars with `from <= time < to`.
    ///
    /// - Throws: `DataError` naming the file, line and field of the first bad row.
    public static func readBars(
        path: String, symbol: String, tickSize: TickSize, timeframe: Timeframe = .oneMinute,
        from: Timestamp = .distantPast, to: Timestamp = .distantFuture
    ) throws -> BarSeries {
        try requireFile(path)
        let (series, _) = try BarCSV.read(path: path, options: BarCSVOptions(symbol: symbol, timeframe: timeframe, tickSize: tickSize))
        return from == .distantPast && to == .distantFuture ? series : series.slice(from: from, to: to)
    }

    /// Loads a shared bar dataset, e.g. `loadBars("ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz",
    /// symbol: "ES", tickSize: TickSize("0.25")!)`.
    public static func loadBars(
        _ name: String, symbol: String, tickSize: TickSize, timeframe: Timeframe = .oneMinute,
        from: Timestamp = .distantPast, to: Timestamp = .distantFuture
    ) throws -> BarSeries {
        try readBars(path: path(name), symbol: symbol, tickSize: tickSize, timeframe: timeframe, from: from, to: to)
    }
}
