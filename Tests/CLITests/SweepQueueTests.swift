import Foundation
import Testing
import TSXLabTesting

@Suite("Sweeps across machines: the PostgreSQL work queue")
struct SweepQueueTests {
    static let args = ["sweep", "--strategy", "sma-bracket", "--param", "fast=5,10,20", "--param", "slow=60,120",
                       "--param", "stop_ticks,target_ticks=8:8,20:40", "--symbol", "ES", "--commission", "2.50", "--to", "2019-03-01"]

    /// Starts `tsxlab` without waiting.
    func spawn(_ args: [String], env: [String: String]) throws -> ChildProcess {
        try ChildProcess(CLI.binary, args, environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()].merging(env) { $1 },
                         stdout: .null, stderr: .null)
    }

    @Test("three workers, one killed holding a lease: every configuration is computed exactly once and equals a local sweep",
          .enabled(if: TestEnvironment.postgresURL != nil || TestEnvironment.isCI))
    func workers() async throws {
        let url = try #require(try TestEnvironment.freshPostgresURL(), "the test command starts PostgreSQL (CI never skips this)")
        let env = ["TSXLAB_STORE": url, "TSXLAB_DATA_DIR": TestEnvironment.temporaryDirectory("queue")]
        var r = try await CLI.run(["data", "import", TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"), "--symbol", "ES", "--timeframe", "1m"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        r = try await CLI.run(Self.args + ["--enqueue"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let sweepID = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(sweepID.count == 16)
        // One worker dies (exit without finishing) right after leasing its second configuration.
        // It works alone until then: started together, the other two could drain the queue before
        // it leased a second one, and it finished cleanly instead (seen once under load).
        let doomed = try spawn(Self.args + ["--worker", "--lease", "2"], env: env.merging(["TSXLAB_TEST_WORKER_DIES_AFTER": "1"]) { $1 })
        await doomed.exited()
        #expect(doomed.terminationStatus == 99)
        let others = try (0..<2).map { _ in try spawn(Self.args + ["--worker", "--lease", "2"], env: env) }
        for p in others { await p.exited(); #expect(p.terminationStatus == 0) }
        // The queue is drained; each configuration has one result; the dead worker's lease was redone.
        r = try await CLI.run(Self.args + ["--json", "--top", "100"], environment: env)
        #expect(r.status == 0 && r.stderr.contains("12 already done"), "\(r.stderr)")
        let queued = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(queued["configurations"] as? Int == 12)
        // The same sweep in one process on a fresh store gives the same table.
        let local = try #require(try TestEnvironment.freshPostgresURL())
        let env2 = ["TSXLAB_STORE": local, "TSXLAB_DATA_DIR": TestEnvironment.temporaryDirectory("queue-local")]
        r = try await CLI.run(["data", "import", TestEnvironment.sharedDataset("ES_1m_2019.csv.gz"), "--symbol", "ES", "--timeframe", "1m"], environment: env2)
        r = try await CLI.run(Self.args + ["--json", "--top", "100"], environment: env2)
        let single = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        func rows(_ j: [String: Any]) -> [[String: String]] { (j["ranking"] as? [[String: String]]) ?? [] }
        #expect(rows(queued).count == 12)
        #expect(rows(queued) == rows(single))
        // The workers kept each configuration's daily balances: the same overfitting statistics.
        let a = try #require(queued["overfitting"] as? [String: Any]), b = try #require(single["overfitting"] as? [String: Any])
        #expect(a["trials"] as? Int == 12 && a["chosen"] as? String == b["chosen"] as? String)
        for key in ["pbo", "psr", "dsr"] { #expect(a[key] as? Double == b[key] as? Double, "\(key)") }
    }

    @Test("the queue refuses SQLite with a clear message")
    func sqlite() async throws {
        let r = try await CLI.run(Self.args + ["--worker"], environment: ["TSXLAB_DATA_DIR": TestEnvironment.temporaryDirectory("q-sqlite")])
        #expect(r.status == 65, "\(r.stderr)")
    }
}
