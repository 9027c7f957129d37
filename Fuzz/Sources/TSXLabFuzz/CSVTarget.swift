import Data
import Foundation

/// Bar CSV files through `BarCSV.read`: header mapping, field splitting, every timestamp form
/// (ISO-8601 with or without zone and fraction, epoch s/ms/µs/ns, separate date and time columns),
/// prices on the tick grid, volumes.
///
/// Input: byte 0 — bit 0: the standard header is put before the rest; bit 1: off-grid prices are
/// rounded instead of refused; bit 2: zone-less times are Chicago time; bit 3: `;` separates fields.
/// Properties: either every data row became a bar (duplicate times merged, as counted), times
/// strictly increasing, each bar's high ≥ open, close ≥ low and volume ≥ 0; or the error is a
/// located `badInput` (a line inside the file, or no line only when the file has no data row).
let csvTarget = FuzzTarget(name: "csv") { data in
    guard let mode = data.first else { return }
    var bytes = Data(data.dropFirst())
    let delimiter: UInt8 = mode & 8 != 0 ? UInt8(ascii: ";") : UInt8(ascii: ",")
    if mode & 1 != 0 {
        bytes = Data("timestamp,open,high,low,close,volume\n".utf8.map { $0 == UInt8(ascii: ",") ? delimiter : $0 }) + bytes
    }
    var options = BarCSVOptions(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize(units: 25, scale: 2))
    options.offGrid = mode & 2 != 0 ? .roundToNearest : .reject
    if mode & 4 != 0, let chicago { options.localToUTC = { chicago.utcSeconds(fromLocalSeconds: $0) } }
    options.delimiter = delimiter
    guard FileManager.default.createFile(atPath: csvPath, contents: bytes) else { violated("cannot write \(csvPath)") }
    let lines = dataLines(bytes, delimiter: delimiter)
    do {
        let (series, report) = try BarCSV.read(path: csvPath, options: options)
        if let lines, report.rows != lines.rows { violated("\(lines.rows) data rows read as \(report.rows)") }
        if report.rows != series.count + report.duplicatesMerged + report.conflictingDuplicates {
            violated("\(report.rows) rows became \(series.count) bars with \(report.duplicatesMerged) + \(report.conflictingDuplicates) merged")
        }
        for i in 0..<series.count {
            if i > 0, series.time[i] <= series.time[i - 1] { violated("bar \(i) is not after bar \(i - 1)") }
            let b = series[i]
            if b.high < b.open || b.high < b.close || b.low > b.open || b.low > b.close || b.volume < 0 {
                violated("bar \(i) is not a bar: \(b)")
            }
        }
    } catch let e as DataError {
        guard case .badInput(let file, let line, _, let reason) = e, file == csvPath, !reason.isEmpty else {
            violated("not a located input error: \(e)")
        }
        if let line {
            if line < 1 || line > (lines?.total ?? Int.max) { violated("error at line \(line) of \(lines?.total ?? -1)") }
        } else if let lines, lines.rows > 0, !reason.hasPrefix("no bars") {
            violated("an error with no line in a file with \(lines.rows) data rows: \(reason)")
        }
    } catch {
        violated("not an input error: \(error)")
    }
}

private let csvPath = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
    + "/tsxlab-fuzz-\(getpid()).csv"

private let chicago = try? ZoneRules(identifier: "America/Chicago")

/// The file's lines (as `ByteReader` splits them) and its data rows (not blank, not a `#`
/// comment, not the header); nil for a gzip file.
private func dataLines(_ bytes: Data, delimiter: UInt8) -> (total: Int, rows: Int)? {
    if bytes.starts(with: [0x1F, 0x8B]) { return nil }
    var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map { Array($0) }
    if lines.last?.isEmpty == true { lines.removeLast() }
    var rows = 0
    var headerSeen = false
    for var line in lines {
        if line.last == 13 { line.removeLast() }
        if line.isEmpty || line[0] == UInt8(ascii: "#") { continue }
        if !headerSeen {
            headerSeen = true
            var field = Array(line.prefix { $0 != delimiter })
            while let f = field.first, f == 32 || f == 9 { field.removeFirst() }
            while let l = field.last, l == 32 || l == 9 { field.removeLast() }
            if field.count >= 2, field.first == 34, field.last == 34 { field = Array(field.dropFirst().dropLast()) }
            guard let f = field.first, f >= 48, f <= 57 else { continue }
        }
        rows += 1
    }
    return (lines.count, rows)
}
