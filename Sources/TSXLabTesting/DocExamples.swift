import Foundation

/// A shell block of a Markdown page, with the output lines it promises.
///
/// The conventions the documentation follows (and `DocExamples.blocks` enforces):
/// - ```` ```bash ```` is run. ```` ```bash account ```` needs a real TopStepX account and
///   ```` ```bash toolchain ```` installs packages, builds the package or runs the test suite
///   itself; those two are not run. ```` ```bash postgres ```` needs a PostgreSQL server: it runs
///   only when the suite has one, with `TSXLAB_STORE` naming a fresh database for it. Any other
///   word after `bash` is refused, so a misspelt marker cannot hide a block from the test.
/// - An ```` ```output ```` block right after a shell block (blank lines between at most) lists
///   lines its output must hold, stdout and stderr together, in any order. `…` in a line stands
///   for any text (a run id, a time, a path); a line that is only `…` marks lines left out.
public struct DocBlock: Sendable, Hashable {
    public let file: String
    /// 1-based line of the opening fence.
    public let line: Int
    /// The word after `bash`, if any (`account`, `toolchain`, `postgres`).
    public let marker: String?
    public let code: String
    public var expected: [String] = []

    public var place: String { "\(file):\(line)" }
    /// Whether the block runs, given whether a PostgreSQL server is at hand.
    public func runs(withPostgres: Bool) -> Bool { marker == nil || (marker == "postgres" && withPostgres) }
}

/// Reads the shell blocks of the documentation and runs them as a new user would.
public enum DocExamples {
    /// Markers that keep a block from running, and why.
    public static let skipMarkers: [String: String] = [
        "account": "needs a real TopStepX account",
        "toolchain": "installs packages, builds the package or runs the test suite itself",
        "postgres": "needs a PostgreSQL server (run when the suite has one)",
    ]

    public struct Problem: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The pages whose blocks the suite runs: README.md and every page directly in docs/.
    public static func pages(root: String = TestEnvironment.packageRoot) -> [String] {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: root + "/docs")) ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }

    /// The shell blocks of a page, each with the output block that follows it.
    ///
    /// - Throws: `Problem` for a shell block in another dialect, an unknown marker, an output block
    ///   that follows no shell block, or a fence left open.
    public static func blocks(in markdown: String, file: String) throws -> [DocBlock] {
        var blocks: [DocBlock] = []
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        var lastShellEnd: Int? = nil // index of the closing fence of the last shell block
        while i < lines.count {
            let trimmed = lines[i].trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("```") else { i += 1; continue }
            let info = trimmed.dropFirst(3).split(separator: " ").map(String.init)
            let start = i
            var body: [String] = []
            i += 1
            while i < lines.count, lines[i].trimmingCharacters(in: .whitespaces) != "```" {
                body.append(lines[i]); i += 1
            }
            guard i < lines.count else { throw Problem(description: "\(file):\(start + 1): a code fence is never closed") }
            let language = info.first ?? ""
            switch language {
            case "bash", "sh":
                let marker = info.count > 1 ? info[1] : nil
                if let marker, skipMarkers[marker] == nil {
                    throw Problem(description: "\(file):\(start + 1): unknown marker '\(marker)' after ```\(language); known: \(skipMarkers.keys.sorted().joined(separator: ", "))")
                }
                blocks.append(DocBlock(file: file, line: start + 1, marker: marker, code: body.joined(separator: "\n")))
                lastShellEnd = i
            case "shell", "console", "zsh", "shell-session":
                throw Problem(description: "\(file):\(start + 1): shell blocks are ```bash (run by the suite), ```bash account or ```bash toolchain; not ```\(language)")
            case "output":
                guard let end = lastShellEnd, lines[(end + 1)..<start].allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                    throw Problem(description: "\(file):\(start + 1): an output block must follow a shell block directly")
                }
                blocks[blocks.count - 1].expected = body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && $0.trimmingCharacters(in: .whitespaces) != "…" }
                lastShellEnd = nil
            default:
                lastShellEnd = nil
            }
            i += 1
        }
        return blocks
    }

    /// What running a page's blocks gave.
    public struct Report: Sendable {
        /// Blocks run, in order.
        public var ran: [DocBlock] = []
        /// Blocks not run, with their marker.
        public var skipped: [DocBlock] = []
        /// Each failure: the block's place, what went wrong, and its output.
        public var failures: [String] = []
        public var passed: Bool { failures.isEmpty }
    }

    /// Runs the blocks of one page, in order, in one bash process in `workDirectory` (so a
    /// variable set or a process started in one block is there in the next), with `tsxlab` the
    /// built binary first on PATH, HOME and TSXLAB_DATA_DIR inside `workDirectory`, and the
    /// package's `datasets` and `examples` folders linked in, as a checkout has them. The run
    /// stops at the first block that fails; then its output lines are checked. Processes a page
    /// leaves running in the background are stopped by their ids when it ends, and a page still
    /// running after `timeout` seconds is stopped the same way and fails at the block it was in.
    /// `postgresURL` is the database `postgres` blocks get as `TSXLAB_STORE` (nil: they are skipped).
    ///
    /// The pages name fixed local ports (`--port 5710`, `127.0.0.1:8787`), as a reader types them;
    /// each is replaced by a port free now, in the code and the promised output alike, so two
    /// suites on one machine, or a gateway a trader left running, cannot collide with a page.
    public static func run(_ blocks: [DocBlock], workDirectory: String, postgresURL: String? = nil, binary: String = CLI.binary,
                           packageRoot: String = TestEnvironment.packageRoot, timeout: Double = 900) async throws -> Report {
        var report = Report()
        let withPostgres = postgresURL != nil
        let runnable = freshPorts(blocks.filter { $0.runs(withPostgres: withPostgres) })
        report.skipped = blocks.filter { !$0.runs(withPostgres: withPostgres) }
        let fm = FileManager.default
        let state = workDirectory + "/.doc-blocks"
        try fm.createDirectory(atPath: state, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: workDirectory + "/home", withIntermediateDirectories: true)
        for folder in ["datasets", "examples"] where !fm.fileExists(atPath: workDirectory + "/" + folder) {
            try fm.createSymbolicLink(atPath: workDirectory + "/" + folder, withDestinationPath: packageRoot + "/" + folder)
        }
        // The page's hang guard is `timeout`, which sends the shell SIGTERM: the shell then stops
        // what the page started and fails (a kill from outside would leave the page's background
        // processes running, and they hold the test's handle on the shell open).
        let guardSeconds = max(1, Int(timeout))
        var script = """
            set -eo pipefail
            stop_background() { for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
            trap stop_background EXIT
            trap 'echo "the page ran longer than \(guardSeconds) s" >&2; exit 124' TERM
            cd '\(workDirectory)'

            """
        for (n, b) in runnable.enumerated() {
            // A postgres block runs in a subshell that sees the database as its store.
            let (open, close) = b.marker == "postgres" ? ("( export TSXLAB_STORE='\(postgresURL ?? "")'\n", ")") : ("{", "}")
            script += "# \(b.place)\n\(open)\n\(b.code)\n\(close) > '\(state)/\(n).out' 2>&1 < /dev/null\ntouch '\(state)/\(n).ok'\n"
        }
        let binDir = URL(fileURLWithPath: binary).deletingLastPathComponent().path
        let env = ["PATH": binDir + ":/usr/bin:/bin", "HOME": workDirectory + "/home", "TSXLAB_DATA_DIR": workDirectory + "/data",
                   "LANG": "C.UTF-8", "TERM": "dumb"]
        // The test process may ignore SIGTERM and SIGINT, and a child inherits that: reset, they stop
        // the page's background processes (and the page, on its hang guard) as in a terminal.
        let result = try await Subprocess.run("/usr/bin/env", ["--default-signal=TERM,INT,HUP", "/usr/bin/timeout", "\(guardSeconds)", "/bin/bash", "-c", script],
                                              cwd: workDirectory, environment: env, timeout: timeout + 60)
        for (n, b) in runnable.enumerated() {
            let output = (try? String(contentsOfFile: "\(state)/\(n).out", encoding: .utf8)) ?? ""
            guard fm.fileExists(atPath: "\(state)/\(n).ok") else {
                report.failures.append("\(b.place): the block failed (bash exit \(result.status))\n--- block\n\(b.code)\n--- output\n\(output)\(result.stderr)")
                break
            }
            report.ran.append(b)
            let missing = missingLines(b.expected, in: output)
            if !missing.isEmpty {
                report.failures.append("\(b.place): the output lacks\n" + missing.map { "  " + $0 }.joined(separator: "\n") + "\n--- output\n\(output)")
            }
        }
        return report
    }

    /// The blocks with every local port they name (`127.0.0.1:PORT`, `--port PORT`) replaced by
    /// one free now, the same replacement for the same port across the blocks and their output.
    public static func freshPorts(_ blocks: [DocBlock]) -> [DocBlock] {
        let re = try! NSRegularExpression(pattern: #"(127\.0\.0\.1:|--port )([0-9]{4,5})\b"#)
        var map: [String: String] = [:]
        func rewrite(_ text: String) -> String {
            let ns = text as NSString
            var out = text
            for m in re.matches(in: text, range: NSRange(location: 0, length: ns.length)).reversed() {
                let port = ns.substring(with: m.range(at: 2))
                if map[port] == nil { map[port] = String(freePort()) }
                out = (out as NSString).replacingCharacters(in: m.range(at: 2), with: map[port]!)
            }
            return out
        }
        return blocks.map { b in
            var c = DocBlock(file: b.file, line: b.line, marker: b.marker, code: rewrite(b.code))
            c.expected = b.expected.map(rewrite)
            return c
        }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick for port 0).
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return UInt16(bigEndian: addr.sin_port)
    }

    /// The expected lines that match no line of `output` (`…` matches any text).
    public static func missingLines(_ expected: [String], in output: String) -> [String] {
        let actual = output.split(separator: "\n", omittingEmptySubsequences: false).map { trimEnd(String($0)) }
        return expected.filter { line in
            let pattern = "^" + trimEnd(line).components(separatedBy: "…").map(NSRegularExpression.escapedPattern(for:)).joined(separator: ".*") + "$"
            guard let re = try? NSRegularExpression(pattern: pattern) else { return true }
            return !actual.contains { re.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil }
        }
    }

    static func trimEnd(_ s: String) -> String {
        var s = s
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
        return s
    }
}
