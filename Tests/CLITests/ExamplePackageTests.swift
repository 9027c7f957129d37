import Foundation
import Testing
import TSXLabTesting

/// A trader's own package, as `examples/opening-range` and `tsxlab new strategy` make one: built
/// against this checkout by `scripts/sdk.sh` (which the test command runs before the suite), with
/// its own tests run there. Here its executable runs the package's README: the shipped sample
/// imported, a backtest, a 20-configuration sweep, the report, a promotion and a dry run on the
/// loopback gateway.
@Suite("A strategy package of the trader's own, through its own executable")
struct ExamplePackageTests {
    static let root = TestEnvironment.packageRoot
    static let orb = root + "/.build-sdk/debug/orb"

    @Test("examples/opening-range: every shell block of its README runs with `orb` and prints the lines it shows")
    func exampleReadme() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.orb) else {
            // The suite's own command builds it; a bare `swift test` has not.
            if TestEnvironment.isCI { Issue.record("\(Self.orb) is missing: scripts/test.sh builds it with scripts/sdk.sh before the suite") }
            return
        }
        let page = "examples/opening-range/README.md"
        let blocks = try DocExamples.blocks(in: try String(contentsOfFile: Self.root + "/" + page, encoding: .utf8), file: page)
        let report = try await DocExamples.run(blocks, workDirectory: TestEnvironment.temporaryDirectory("orb"), binary: Self.orb)
        #expect(report.passed, "\(report.failures.joined(separator: "\n\n"))")
        #expect(report.ran.count == blocks.filter { $0.marker == nil }.count && report.ran.count >= 4)
    }

    @Test("the example's strategy needs at most 60 lines beside its parameter description")
    func exampleIsShort() throws {
        let text = try String(contentsOfFile: Self.root + "/examples/opening-range/Sources/OpeningRange/OpeningRangeBreakout.swift", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let descriptor = try #require(lines.firstIndex { $0.contains("static let descriptor") })
        let end = try #require(lines[descriptor...].firstIndex { $0.contains("make:") })
        let beside = lines.count - (end - descriptor + 1)
        #expect(beside <= 60, "\(beside) lines beside the descriptor")
    }
}
