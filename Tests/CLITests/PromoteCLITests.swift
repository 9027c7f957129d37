import Foundation
import Testing
import TSXLabTesting

@Suite("tsxlab promote and tsxlab live check: end to end through the executable")
struct PromoteCLITests {
    let dir = TestEnvironment.temporaryDirectory("cli-promote")

    /// Runs `tsxlab args…` in the test's folder (where `promote` writes by default) with the
    /// minimal environment `CLI.run` gives and the test's data directory.
    func tsx(_ args: [String]) async throws -> CLI.Result {
        try await Subprocess.run(CLI.binary, args, cwd: dir,
                           environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "TSXLAB_DATA_DIR": dir])
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    static let config = """
        account:
          rules: topstep-50k
          daily_loss_limit: 800
        data:
          symbol: ES
          timeframe: 1m
          to: 2013-10-12
        exchange:
          commission_per_side: 2.50
        strategies:
          overnight_range:
            atr_period: 2
            eod_flatten_time: "15:00 America/Chicago"

        """

    @Test("a backtested configuration promotes to a pinned live file that passes the check; an edited parameter is refused with both hashes")
    func promoteThenCheck() async throws {
        var r = try await tsx(["data", "import", TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), "--symbol", "ES", "--timeframe", "1m"])
        #expect(r.status == 0, "\(r.stderr)")
        try Self.config.write(toFile: dir + "/overnight.yaml", atomically: true, encoding: .utf8)
        r = try await tsx(["backtest", "--config", "overnight.yaml", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try object(r.stdout)
        let runID = try #require(summary["runId"] as? String)
        let hash = try #require(summary["configHash"] as? String)

        // Promote: the default file name, the pin printed as JSON.
        r = try await tsx(["promote", runID, "--account", "PRAC-V2-12345", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let promoted = try object(r.stdout)
        let file = "live-\(runID).yaml"
        #expect(promoted["file"] as? String == file)
        let pin = try #require(promoted["pin"] as? [String: Any])
        #expect(pin["runID"] as? String == runID && pin["configHash"] as? String == hash)
        #expect(pin["trades"] as? Int == summary["trades"] as? Int && pin["netPnlUsd"] as? String == summary["netPnlUsd"] as? String)
        #expect(pin["dataFrom"] as? String == summary["dataFrom"] as? String && pin["dataTo"] as? String == summary["dataTo"] as? String)
        #expect(pin["codeVersion"] as? String == summary["codeVersion"] as? String)
        let text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
        #expect(text.contains("  rules: topstep-50k\n") && text.contains("  daily_loss_limit: 800.00\n"), "\(text)")
        #expect(text.contains("live:\n  account: \"PRAC-V2-12345\"\n  pinned:\n    run_id: \(runID)\n    config_hash: \(hash)\n"), "\(text)")

        // An existing file is kept unless forced.
        r = try await tsx(["promote", runID, "--account", "PRAC-V2-12345"])
        #expect(r.status == 64 && r.stderr.contains("exists") && r.stderr.contains("--force"), "\(r.stderr)")
        r = try await tsx(["promote", runID, "--account", "PRAC-V2-12345", "--force"])
        #expect(r.status == 0 && r.stdout.contains("pinned run \(runID)") && r.stdout.contains(hash), "\(r.stdout)\(r.stderr)")

        // The written file is the tested configuration: the check passes, and the backtest of the
        // file itself (its `live:` section accepted and ignored) has the pinned hash.
        r = try await tsx(["live", "check", "--config", file])
        #expect(r.status == 0 && r.stdout.hasPrefix("OK: ") && r.stdout.contains(runID), "\(r.stdout)\(r.stderr)")
        r = try await tsx(["live", "check", "--config", file, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let ok = try object(r.stdout)
        #expect(ok["ok"] as? Bool == true && ok["configHash"] as? String == hash && ok["account"] as? String == "PRAC-V2-12345")
        #expect((ok["warnings"] as? [String])?.isEmpty == true)
        r = try await tsx(["backtest", "--config", file, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try object(r.stdout)["configHash"] as? String == hash)

        // One parameter edited: refused with exit 65, naming the run and both hashes.
        try text.replacingOccurrences(of: "    atr_period: 2\n", with: "    atr_period: 3\n")
            .write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
        r = try await tsx(["live", "check", "--config", file, "--json"])
        #expect(r.status == 65)
        let refused = try object(r.stdout)
        let edited = try #require(refused["configHash"] as? String)
        #expect(edited != hash && refused["ok"] as? Bool == false && (refused["refusals"] as? [String])?.count == 2)
        r = try await tsx(["live", "check", "--config", file])
        #expect(r.status == 65)
        #expect(r.stderr.contains("changed since run \(runID) was promoted: pinned hash \(hash), the file now hashes to \(edited)"), "\(r.stderr)")
        #expect(r.stderr.contains("no stored run tested this configuration") && r.stderr.contains("tsxlab promote"), "\(r.stderr)")
        // Forced: it passes, the refusals printed as warnings.
        r = try await tsx(["live", "check", "--config", file, "--force"])
        #expect(r.status == 0 && r.stderr.contains("warning: forced:") && r.stderr.contains(edited), "\(r.stdout)\(r.stderr)")
    }

    @Test("an unknown run id is refused with exit 65, naming it and the newest runs; a file with no pin fails the check")
    func unknownRunAndNoPin() async throws {
        var r = try await tsx(["data", "import", TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), "--symbol", "ES", "--timeframe", "1m"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try await tsx(["promote", "20990101-000000-deadbeef", "--account", "A"])
        #expect(r.status == 65 && r.stderr.contains("no run '20990101-000000-deadbeef'") && r.stderr.contains("tsxlab backtest"), "\(r.stderr)")
        try Self.config.write(toFile: dir + "/overnight.yaml", atomically: true, encoding: .utf8)
        r = try await tsx(["backtest", "--config", "overnight.yaml", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let runID = try #require(try object(r.stdout)["runId"] as? String)
        r = try await tsx(["promote", "nope", "--account", "A"])
        #expect(r.status == 65 && r.stderr.contains("the newest are: \(runID)"), "\(r.stderr)")
        // The backtested file itself has no pin: tested, but not promoted.
        r = try await tsx(["live", "check", "--config", "overnight.yaml"])
        #expect(r.status == 65 && r.stderr.contains("no live.pinned section") && r.stderr.contains("tsxlab promote"), "\(r.stderr)")
    }
}
