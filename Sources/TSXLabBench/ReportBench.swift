import Foundation
import Reports
import TSXLabTesting

/// Reports: writing every format for a stored 10,000-trade run, and a 1,000-config sweep's
/// heatmap, top-20 table and CSV (`ReportBenchmark` beside this file holds the measurements).
func benchReport() throws {
    let dir = TestEnvironment.temporaryDirectory("tsxlab-bench-report")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    print("== report: a synthetic 10,000-trade run stored in SQLite; a 1,000-config sweep")
    for f in try ReportBenchmark.run(trades: 10_000, configs: 1_000, repeats: 5, folder: dir) {
        line(f.name, "\(fmt(f.milliseconds)) ms", f.detail)
    }
}
