import Foundation
import Testing
import TSXLabTesting

/// The documentation cannot rot: every shell block of README.md and docs/*.md runs against the
/// shipped sample in a temporary data directory, and the lines its output block shows must be
/// printed; the generated references must match the code.
@Suite("docs: every shell block runs, the references are current")
struct DocsTests {
    static let root = TestEnvironment.packageRoot

    @Test("every shell block of the page runs in order and prints the lines the page shows", arguments: DocExamples.pages())
    func pageRuns(page: String) async throws {
        let text = try String(contentsOfFile: Self.root + "/" + page, encoding: .utf8)
        let blocks = try DocExamples.blocks(in: text, file: page)
        let postgres = try TestEnvironment.freshPostgresURL()
        if postgres == nil && TestEnvironment.isCI && blocks.contains(where: { $0.marker == "postgres" }) {
            Issue.record("\(page) has PostgreSQL examples and CI=true, but no TSXLAB_TEST_PG_URL")
        }
        let report = try await DocExamples.run(blocks, workDirectory: TestEnvironment.temporaryDirectory("docs"), postgresURL: postgres)
        #expect(report.passed, "\(report.failures.joined(separator: "\n\n"))")
        #expect(report.ran.count == blocks.filter { $0.runs(withPostgres: postgres != nil) }.count)
        // Every page runs something, and every skipped block says why.
        #expect(!report.ran.isEmpty, "\(page) has no block the suite runs")
        for b in report.skipped { #expect(DocExamples.skipMarkers[b.marker ?? ""] != nil, "\(b.place)") }
    }

    @Test("a broken example fails the same runner: a failing command, a promised line not printed")
    func brokenExampleFails() async throws {
        let page = """
            # A page

            ```bash
            tsxlab data import datasets/ESZ13_1m_lean.csv.gz --symbol ESZ13 --timeframe 1m
            ```

            ```output
            datasets/ESZ13_1m_lean.csv.gz: 16673 rows → ESZ13 1m: 16673 new, 0 updated, 0 already stored (…)
            the importer never prints this line
            ```

            ```bash
            tsxlab backtest --config examples/no-such-file.yaml
            ```

            ```bash
            echo never reached > reached.txt
            ```
            """
        let blocks = try DocExamples.blocks(in: page, file: "broken.md")
        #expect(blocks.count == 3 && blocks[0].expected.count == 2)
        let dir = TestEnvironment.temporaryDirectory("docs-broken")
        let report = try await DocExamples.run(blocks, workDirectory: dir)
        #expect(!report.passed)
        #expect(report.failures.count == 2, "\(report.failures)")
        #expect(report.failures.first?.contains("broken.md:3: the output lacks\n  the importer never prints this line") == true, "\(report.failures)")
        #expect(report.failures.last?.contains("broken.md:12: the block failed") == true, "\(report.failures)")
        #expect(report.failures.last?.contains("cannot read the configuration file") == true, "\(report.failures)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/reached.txt"), "a block after a failing one ran")
    }

    @Test("a page that hangs fails at its block, and what it started in the background is stopped")
    func hangingExampleFails() async throws {
        let page = """
            ```bash
            sleep 100000 &
            echo $! > background.pid
            until test -e never-created; do sleep 0.1; done
            ```
            """
        let dir = TestEnvironment.temporaryDirectory("docs-hang")
        let report = try await DocExamples.run(try DocExamples.blocks(in: page, file: "hang.md"), workDirectory: dir, timeout: 2)
        #expect(report.failures.count == 1 && report.failures[0].contains("hang.md:1: the block failed"), "\(report.failures)")
        #expect(report.failures.first?.contains("the page ran longer than 2 s") == true, "\(report.failures)")
        let pid = try #require(Int32(String(contentsOfFile: dir + "/background.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) != 0, "the background process \(pid) still runs")
    }

    @Test("a page's local ports become free ones, the same port the same way in its code and its promised output, while the one it named is taken")
    func portsMadeFree() async throws {
        // Something already listens on the page's port: the page still runs.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        try #require(withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, len) } } == 0)
        try #require(listen(listener, 1) == 0)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        let taken = UInt16(bigEndian: addr.sin_port)
        let page = """
            ```bash
            python3 -c 'import socket,sys; h,p=sys.argv[1].split(":"); s=socket.socket(); s.bind((h, int(p))); print("bound " + sys.argv[1])' 127.0.0.1:\(taken)
            echo "--port \(taken) and http://127.0.0.1:\(taken)/ and ws://127.0.0.1:\(taken)"
            ```

            ```output
            bound 127.0.0.1:\(taken)
            ```
            """
        let blocks = try DocExamples.blocks(in: page, file: "ports.md")
        let report = try await DocExamples.run(blocks, workDirectory: TestEnvironment.temporaryDirectory("docs-ports"))
        #expect(report.passed, "\(report.failures)")
        let fresh = DocExamples.freshPorts(blocks)
        let ports = Set(fresh[0].code.matches(of: /(?:127\.0\.0\.1:|--port )([0-9]+)/).map { String($0.output.1) })
        #expect(ports.count == 1 && !ports.contains(String(taken)), "\(fresh[0].code)")
        #expect(fresh[0].expected == ["bound 127.0.0.1:\(ports.first ?? "")"])
    }

    @Test("a misspelt marker, another shell dialect or a stray output block is refused, not skipped")
    func conventionsEnforced() throws {
        #expect(throws: DocExamples.Problem.self) { try DocExamples.blocks(in: "```bash acount\nls\n```\n", file: "x.md") }
        #expect(throws: DocExamples.Problem.self) { try DocExamples.blocks(in: "```console\n$ ls\n```\n", file: "x.md") }
        #expect(throws: DocExamples.Problem.self) { try DocExamples.blocks(in: "text\n\n```output\nx\n```\n", file: "x.md") }
        #expect(throws: DocExamples.Problem.self) { try DocExamples.blocks(in: "```bash\nls\n", file: "x.md") }
        let ok = try DocExamples.blocks(in: "```bash account\ntsxlab live account\n```\n\n```bash\nls\n```\n", file: "x.md")
        #expect(ok.map { $0.runs(withPostgres: true) } == [false, true])
        let pg = try DocExamples.blocks(in: "```bash postgres\ntsxlab sweep --worker\n```\n", file: "x.md")
        #expect(pg.map { $0.runs(withPostgres: false) } == [false] && pg.map { $0.runs(withPostgres: true) } == [true])
        #expect(DocExamples.missingLines(["run …: overnight_range on ES 1m, …"], in: "run 20261206-1: overnight_range on ES 1m, 10 bars\n").isEmpty)
        #expect(DocExamples.missingLines(["run …: sma_bracket"], in: "run 1: overnight_range\n") == ["run …: sma_bracket"])
    }

    @Test("the strategy guide's Swift blocks are the code its test compiles and runs")
    func swiftExamplesCompiled() throws {
        let page = try String(contentsOfFile: Self.root + "/docs/writing-a-strategy.md", encoding: .utf8)
        let sources = try ["ChannelBreakoutExample.swift", "ChannelBreakoutExampleTests.swift", "MovingAverageCrossExample.swift"].map {
            try String(contentsOfFile: Self.root + "/Tests/StrategiesTests/" + $0, encoding: .utf8)
        }
        // Leading blanks aside (the test's lines are indented), each block is lines of those files.
        func flush(_ text: String) -> String {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.drop { $0 == " " } }.joined(separator: "\n")
        }
        let blocks = page.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        #expect(blocks.count == 3)
        for block in blocks {
            #expect(sources.contains { flush($0).contains(flush(block)) }, "a Swift block of docs/writing-a-strategy.md is not in Tests/StrategiesTests:\n\(block)")
        }
    }

    @Test("every relative link of the README, ARCHITECTURE.md and docs/ names a file that exists")
    func linksResolve() throws {
        let fm = FileManager.default
        let docs = (fm.enumerator(atPath: Self.root + "/docs")?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        let link = try Regex(#"\]\(([^)\s]+)\)"#)
        for page in ["README.md", "ARCHITECTURE.md"] + docs {
            let text = try String(contentsOfFile: Self.root + "/" + page, encoding: .utf8)
            let folder = URL(fileURLWithPath: Self.root + "/" + page).deletingLastPathComponent()
            for match in text.matches(of: link) {
                let target = String(match.output[1].substring ?? "")
                guard !target.hasPrefix("http"), !target.hasPrefix("#"), let path = target.split(separator: "#").first else { continue }
                #expect(fm.fileExists(atPath: folder.appendingPathComponent(String(path)).standardized.path), "\(page) links \(target), which does not exist")
            }
        }
    }

    @Test("the README stays short and starts with the two commands")
    func readmeShape() throws {
        let text = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Under 120: the two commands, the quick start, the report's pictures, the published
        // fill-fidelity rates and the map.
        #expect(lines.count < 120, "README.md has \(lines.count) lines")
        let first = try #require(DocExamples.blocks(in: text, file: "README.md").first)
        #expect(first.code.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" } == ["scripts/main.sh", "scripts/test.sh"])
        // Every page of docs/ is reachable from the README's map.
        for page in DocExamples.pages().dropFirst() { #expect(text.contains("(" + page + ")"), "README.md does not link \(page)") }
    }

    @Test("docs/reference is what `tsxlab docs generate` writes now; a stale page is named and exits 1")
    func referencesCurrent() async throws {
        var r = try await CLI.run(["docs", "generate", "--check", "--out", Self.root + "/docs/reference"])
        #expect(r.status == 0, "run `tsxlab docs generate` from the package root and commit docs/reference:\n\(r.stderr)")
        let copy = TestEnvironment.temporaryDirectory("docs-ref")
        r = try await CLI.run(["docs", "generate", "--out", copy])
        #expect(r.status == 0, "\(r.stderr)")
        let page = copy + "/configuration.md"
        let text = try String(contentsOfFile: page, encoding: .utf8)
        try text.replacingOccurrences(of: "| `daily_loss_limit` |", with: "| `daily_loss_limits` |").write(toFile: page, atomically: true, encoding: .utf8)
        r = try await CLI.run(["docs", "generate", "--check", "--out", copy])
        #expect(r.status == 1)
        #expect(r.stderr.contains(page + " is out of date"), "\(r.stderr)")
        #expect(!r.stderr.contains("cli.md"), "\(r.stderr)")
    }
}
