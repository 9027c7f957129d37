import Data
import Foundation
import Testing
import TSXLabTesting

/// CSV inputs that crashed or broke a property of the importer, each kept as a test named after
/// what it pins; the same bytes seed the fuzz target (Fuzz/Corpus/csv/regression-*).
@Suite("Hostile input: what the CSV fuzz target pinned")
struct HostileCSVTests {
    @Test("a 30-byte time beside a 10-byte date column is joined inside its buffer: one bar or a located error, never a write past the end")
    func aThirtyByteTimeBesideADateColumnIsParsedInsideItsBuffer() throws {
        let stored = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.packageRoot + "/Fuzz/Corpus/csv/regression-date-and-30-byte-time"))
        let text = String(decoding: stored.dropFirst(), as: UTF8.self)
        for time in ["17:00:00.00000000000000000000Z", "17:00:00.000000000000000000000", "17:00:00+000000000000000000000"] {
            #expect(time.utf8.count == 30)
            let path = writeTemp("dt.csv", header.replacingOccurrences(of: "timestamp", with: "date,time")
                                 + "2019-01-02,\(time),2524.50,2526.00,2522.75,2525.50,1363\n")
            do {
                let (series, report) = try BarCSV.read(path: path, options: esOptions)
                #expect(series.count == 1 && report.rows == 1)
            } catch let DataError.badInput(_, line, field, _) {
                #expect(line == 2 && field == "date/time")
            }
        }
        let path = writeTemp("stored.csv", text)
        let (series, _) = try BarCSV.read(path: path, options: esOptions)
        #expect(series.count == 1 && series.time[0] == Timestamp(year: 2019, month: 1, day: 2, hour: 17).seconds)
    }
}
