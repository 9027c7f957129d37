// Shared helpers of the Indicators tests: fixtures, real bars, tolerant comparison.
import Data
import Foundation
import Indicators
import TSXLabTesting
import Testing

let esTick = TickSize("0.25")!
let esm8Name = "ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz"
let es2019Name = "ES_1m_2019.csv.gz"

func ts(_ text: String) -> Int64 { Timestamp(iso8601: text)!.seconds }

/// The path of a file in `Tests/IndicatorsTests/Fixtures`.
func fixturePath(_ name: String, testFile: String = #filePath) -> String {
    URL(fileURLWithPath: testFile).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

/// A fixture's text (gzip inflated), without `#` comment lines.
func fixtureText(_ name: String) throws -> String {
    String(decoding: try SharedData.readBytes(path: fixturePath(name)), as: UTF8.self)
}

/// A fixture CSV as a header and rows of cells (comment lines skipped).
func fixtureTable(_ name: String) throws -> (header: [String], rows: [[Substring]]) {
    let lines = try fixtureText(name).split(separator: "\n").filter { !$0.hasPrefix("#") }
    let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    return (header, Array(rows))
}

/// Loads a shared real dataset; a missing file throws `DataError.noInput` (a failure, not a skip:
/// CI has the datasets beside the checkout).
func loadBars(_ name: String, from: Timestamp = .distantPast, to: Timestamp = .distantFuture) throws -> BarSeries {
    try SharedData.loadBars(name, symbol: "ES", tickSize: esTick, from: from, to: to)
}

/// The ESM8 week (6,787 bars), loaded once per process.
let esm8Bars: Result<BarSeries, Error> = Result { try loadBars(esm8Name) }
/// ES 2019 (349,335 bars), loaded once per process.
let es2019Bars: Result<BarSeries, Error> = Result { try loadBars(es2019Name) }

/// |a − b| ≤ tolerance × max(|a|, |b|), or both NaN.
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    return a == b || abs(a - b) <= tolerance * max(abs(a), abs(b))
}

/// Compares two series slot by slot (NaN must meet NaN), recording the first few differences.
func expectClose(_ got: [Double], _ want: [Double], _ tolerance: Double = 1e-9, _ label: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(label): \(got.count) values, want \(want.count)", sourceLocation: sourceLocation)
    var bad = 0
    for i in 0..<min(got.count, want.count) where !close(got[i], want[i], tolerance) {
        bad += 1
        if bad <= 3 { Issue.record("\(label)[\(i)]: got \(got[i]), want \(want[i])", sourceLocation: sourceLocation) }
    }
    if bad > 3 { Issue.record("\(label): \(bad) values differ", sourceLocation: sourceLocation) }
}

func series(_ bars: [Bar], _ timeframe: Timeframe = .oneMinute) -> BarSeries {
    BarSeries(symbol: "ES", timeframe: timeframe, tickSize: esTick, bars: bars)
}
