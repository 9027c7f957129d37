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

    /// The error a one-row file (the standard header, then `row`) is refused with.
    func refusal(_ row: String, _ options: BarCSVOptions = esOptions) throws -> (line: Int?, field: String?, reason: String) {
        let path = writeTemp("row.csv", header + row + "\n")
        do {
            _ = try BarCSV.read(path: path, options: options)
        } catch let DataError.badInput(_, line, field, reason) {
            return (line, field, reason)
        }
        Issue.record("\(row) was accepted")
        return (nil, nil, "")
    }

    @Test("a 19-digit epoch stamp beyond Int64 is refused as not a timestamp (its digits overflowed and trapped the importer)")
    func anEpochStampBeyondInt64IsNotATimestamp() throws {
        for stamp in ["9999999999999999999", "9223372036854775808"] {
            let r = try refusal("\(stamp),1,1,1,1,1")
            #expect(r.line == 2 && r.field == "timestamp", "\(r)")
        }
        #expect(TimestampParser.parseEpoch("9223372036854775807", 19)?.seconds == 9_223_372_036)
        let stored = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.packageRoot + "/Fuzz/Corpus/csv/regression-epoch-beyond-int64"))
        let path = writeTemp("stored.csv", String(decoding: stored.dropFirst(), as: UTF8.self))
        #expect(throws: DataError.self) { try BarCSV.read(path: path, options: esOptions) }
    }

    @Test("a price with 19 or more decimals is not a number, and one far finer than a wide tick is off the grid (10^scale overflowed and trapped the importer)")
    func aPriceWithNineteenDecimalsIsNotANumber() throws {
        for price in ["0.0000000000000000000", "0.000000000000000000001", "1.0000000000000000000"] {
            let r = try refusal("2019-01-01T23:00:00Z,\(price),1,0,1,1")
            #expect(r.line == 2 && r.field == "open" && r.reason.contains("not a number"), "\(price): \(r)")
        }
        #expect(ScaledDecimal("0.000000000000000001") == ScaledDecimal(mantissa: 1, scale: 18))
        // A 12.5 tick (units 125, scale 1) against 18 decimals: 125 × 10^17 overflows Int64.
        let wide = TickSize("12.5")!
        #expect(wide.ticks(ScaledDecimal(mantissa: 1, scale: 18)) == .offGrid)
        #expect(wide.ticks(ScaledDecimal(mantissa: 1, scale: 18), policy: .roundToNearest) == .ticks(0))
        #expect(wide.ticks(ScaledDecimal(mantissa: 0, scale: 18)) == .ticks(0))
        #expect(wide.ticks(ScaledDecimal(mantissa: 250, scale: 1)) == .ticks(2))
        let stored = try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.packageRoot + "/Fuzz/Corpus/csv/regression-price-with-21-decimals"))
        let path = writeTemp("stored.csv", header + String(decoding: stored.dropFirst(), as: UTF8.self))
        #expect(throws: DataError.self) { try BarCSV.read(path: path, options: esOptions) }
    }
}
