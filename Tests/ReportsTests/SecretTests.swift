import Backtest
import Foundation
import Reports
import Testing
import TSXLabTesting

@Suite("Reports never contain secrets")
struct SecretTests {
    @Test("names that look secret, and their values in the environment")
    func scrubber() {
        #expect(SecretScrubber.looksSecret(name: "TOPSTEPX_API_KEY") && SecretScrubber.looksSecret(name: "projectx.token")
                && SecretScrubber.looksSecret(name: "PGPASSWORD") && SecretScrubber.looksSecret(name: "live.api_secret"))
        #expect(!SecretScrubber.looksSecret(name: "strategy.overnight_range.atr_period") && !SecretScrubber.looksSecret(name: "exchange.enforce_sessions"))
        let s = SecretScrubber(environment: ["TOPSTEPX_API_KEY": "sk-test-123456789", "PATH": "/usr/bin", "SHORT_TOKEN": "abc"])
        #expect(s.secrets == ["sk-test-123456789"])
        #expect(s.scrub("key sk-test-123456789 and sk-test-123456789.") == "key *** and ***.")
        #expect(s.scrub("/usr/bin abc") == "/usr/bin abc")
    }

    @Test("a secret in the configuration (under a secret key, or as any value) is masked in every format")
    func inProcess() throws {
        let keyed = "sk-test-keyed-0123456789", loose = "sk-test-loose-9876543210"
        var r = Fixtures.engineRun()
        r.configText += "live.api_key=\(keyed)\nstrategy.scripted.comment=\(loose)\n"
        let writer = ReportWriter(scrubber: SecretScrubber(environment: ["TOPSTEPX_API_KEY": loose]))
        let dir = TestEnvironment.temporaryDirectory("report-secret")
        for f in ReportFormat.allCases { try writer.write(r, format: f, to: dir + "/" + f.rawValue) }
        let files = filesUnder(dir)
        #expect(files.count == 8 + 1 + 9)
        for path in files {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(!text.contains(keyed) && !text.contains(loose), "\(path)")
        }
        let config = try String(contentsOfFile: dir + "/csv/config.txt", encoding: .utf8)
        #expect(config.contains("live.api_key=***") && config.contains("strategy.scripted.comment=***"))
    }

    @Test("a fake API key and token in the environment of the backtest and the report appear in no report file",
          .enabled(if: CLIRun.canRun))
    func cli() async throws {
        let run = try await CLIRun.get()
        var outputs: [String] = []
        for f in ["csv", "html", "notebook"] {
            let out = run.dir + "/secret-\(f)"
            let r = try await run.tsx(["report", run.runID, "--format", f, "--out", out])
            #expect(r.status == 0, "\(r.stderr)")
            outputs += [r.stdout, r.stderr]
            outputs += try filesUnder(out).map { try String(contentsOfFile: $0, encoding: .utf8) }
        }
        // Each command's stdout and stderr, and every file the three reports write.
        let expected = 2 * 3 + 8 + 1 + 9
        #expect(outputs.count >= expected)
        for text in outputs {
            #expect(!text.contains(CLIRun.secret) && !text.contains(CLIRun.token))
            #expect(!text.contains("sk-test") && !text.contains("tok-test"))
        }
    }
}
