import Foundation
@testable import TSXLabBench
import Testing
import TSXLabTesting

@Suite("The report benchmark runs (small sizes)")
struct BenchmarkSmokeTests {
    @Test("a stored synthetic run loads, renders and writes; a sweep table renders")
    func small() throws {
        let dir = TestEnvironment.temporaryDirectory("report-bench")
        let figures = try ReportBenchmark.run(trades: 250, configs: 60, repeats: 1, folder: dir)
        #expect(figures.count == 5 && figures.allSatisfy { $0.milliseconds > 0 })
        #expect(FileManager.default.fileExists(atPath: dir + "/out-html/report.html"))
        let trades = try String(contentsOfFile: dir + "/out-csv/trades.csv", encoding: .utf8)
        #expect(trades.split(separator: "\n").count == 251)  // the header and 250 trades
    }
}
