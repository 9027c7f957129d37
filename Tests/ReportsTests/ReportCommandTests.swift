import Foundation
import Reports
import Testing
import TSXLabTesting

@Suite("tsxlab report: run ids, default folders, errors")
struct ReportCommandTests {
    @Test("`latest` writes reports/<run id>/report.html and notebooks-export/<run id>/report.ipynb in the working folder and prints the path",
          .enabled(if: CLIRun.canRun))
    func defaults() async throws {
        let run = try await CLIRun.get()
        var r = try await run.tsx(["report", "latest"])
        #expect(r.status == 0, "\(r.stderr)")
        let html = URL(fileURLWithPath: run.dir + "/reports/\(run.runID)/report.html").standardizedFileURL.path
        #expect(r.stdout == html + "\n")
        #expect(FileManager.default.fileExists(atPath: html))
        r = try await run.tsx(["report", run.runID, "--format", "notebook"])
        #expect(r.status == 0, "\(r.stderr)")
        let nb = URL(fileURLWithPath: run.dir + "/notebooks-export/\(run.runID)/report.ipynb").standardizedFileURL.path
        #expect(r.stdout == nb + "\n")
        #expect(FileManager.default.fileExists(atPath: run.dir + "/notebooks-export/\(run.runID)/trades.csv"))
        r = try await run.tsx(["report", run.runID, "--format", "csv", "--store", "sqlite:" + run.dir + "/data/tsxlab.sqlite"])
        #expect(r.status == 0 && r.stdout.hasSuffix("/reports/\(run.runID)\n"), "\(r.stderr)")
    }

    @Test("the report notes' commands run as written (RUN_ID replaced, optional parts dropped)", .enabled(if: CLIRun.canRun))
    func readme() async throws {
        let run = try await CLIRun.get()
        let readme = try String(contentsOfFile: TestEnvironment.packageRoot + "/docs/engineering/reports.md", encoding: .utf8)
        // Sweep report lines (SWEEP_ID) need a sweep; SweepCLITests runs those.
        let lines = readme.split(separator: "\n").map(String.init).filter { $0.hasPrefix("tsxlab report ") && !$0.contains("SWEEP_ID") }
        #expect(lines.count >= 3)
        for line in lines {
            var command = String(line.prefix { $0 != "#" })
            while let open = command.firstIndex(of: "["), let close = command[open...].firstIndex(of: "]") {
                command.removeSubrange(open...close)
            }
            let args = command.split(separator: " ").dropFirst().map { $0 == "RUN_ID" ? run.runID : String($0) }
            let r = try await run.tsx(args)
            #expect(r.status == 0, "\(line): \(r.stderr)")
            let path = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(FileManager.default.fileExists(atPath: path), "\(line) printed \(path)")
        }
    }

    @Test("an unknown run id names the id and lists the newest runs; exit 65", .enabled(if: CLIRun.canRun))
    func unknown() async throws {
        let run = try await CLIRun.get()
        let r = try await run.tsx(["report", "20200101-000000-deadbeef"])
        #expect(r.status == 65)
        #expect(r.stderr.contains("no run '20200101-000000-deadbeef'") && r.stderr.contains(run.runID), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test("`latest` on a store without runs says so (65); a bad format is a usage error (64)")
    func empty() async throws {
        let dir = TestEnvironment.temporaryDirectory("report-empty")
        var r = try await CLIRun.tsx(["report", "latest"], dir: dir, env: ["TSXLAB_DATA_DIR": dir])
        #expect(r.status == 65 && r.stderr.contains("no run in"), "\(r.stderr)")
        r = try await CLIRun.tsx(["report", "latest", "--format", "pdf"], dir: dir, env: ["TSXLAB_DATA_DIR": dir])
        #expect(r.status == 64, "\(r.stderr)")
    }
}
