import Backtest
import Data
import FlyingFox
import FlyingSocks
import Foundation
import HTTPServing
import ReportServer
import Reports
import Store
import Testing
import TSXLabTesting
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `tsxlab serve` as a trader uses it: a real process on a free port over a store holding real
/// runs and a sweep (made through the binary), read over real sockets on 127.0.0.1 and in
/// headless Chromium.
@Suite("Research page (tsxlab serve)", .serialized, .enabled(if: CLIRun.canRun))
struct ResearchServerTests {
    @Test("the listing has every run and sweep; each page is byte for byte the report file; unknown ids are 404 naming the id")
    func pagesOverRealSockets() async throws {
        let store = try await ResearchStore.get()
        let serve = try await ServeProcess.start(store)
        let root = try await HTTPGet.fetch(serve.url)
        #expect(root.status == 200)
        #expect(root.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(root.header("Cache-Control") == "no-store")
        #expect(root.header("Content-Type")?.hasPrefix("text/html") == true)
        let listed = try ListingData(page: root.body)
        #expect(Set(listed.runs.ids) == Set(store.runs.map(\.runId)))
        #expect(listed.sweeps.ids == [store.sweepID])
        for run in store.runs {
            let row = try #require(listed.runs.rows.first { $0.first == run.runId })
            #expect(row.contains(Fmt.usd(Money(run.netPnlUsd)!)), "the listing shows \(run.runId)'s net P&L")
            #expect(row.contains(run.strategies.joined(separator: " + ")))
        }

        for run in store.runs {
            let served = try await HTTPGet.fetch(serve.url + "runs/" + run.runId)
            #expect(served.status == 200)
            #expect(served.header("Cache-Control") == "no-store")
            let file = try await store.reportFile(run.runId)
            #expect(served.body == file, "/runs/\(run.runId) differs from `tsxlab report \(run.runId)`")
        }
        let sweepPage = try await HTTPGet.fetch(serve.url + "sweeps/" + store.sweepID)
        #expect(sweepPage.status == 200)
        #expect(sweepPage.body == (try await store.reportFile(store.sweepID)), "/sweeps/\(store.sweepID) differs from `tsxlab report \(store.sweepID)`")

        for (path, id) in [("runs/", "20991231-000000-nosuchrun"), ("sweeps/", "feedfacefeedface"), ("runs/", "latest-but-not")] {
            let missing = try await HTTPGet.fetch(serve.url + path + id)
            #expect(missing.status == 404, "\(path)\(id)")
            #expect(missing.body.contains(id), "the 404 page names \(id)")
            #expect(missing.body.contains("href=\"/\""), "the 404 page links back")
            #expect(missing.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
        }
        let ids = store.runs.map(\.runId)
        let compared = try await HTTPGet.fetch(serve.url + "compare?runs=" + ids.joined(separator: ","))
        #expect(compared.status == 200)
        #expect(compared.body == (try await store.reportFile(ids)), "/compare differs from `tsxlab report \(ids.joined(separator: " "))`")
        let oneMissing = try await HTTPGet.fetch(serve.url + "compare?runs=" + ids[0] + ",20991231-000000-nosuchrun")
        #expect(oneMissing.status == 404)
        #expect(oneMissing.body.contains("20991231-000000-nosuchrun"))
        for query in ["", "?runs=", "?runs=" + ids[0]] {
            let incomplete = try await HTTPGet.fetch(serve.url + "compare" + query)
            #expect(incomplete.status == 400, "/compare\(query)")
            #expect(incomplete.body.contains("/compare?runs="))
        }

        for page in [root.body, sweepPage.body] {
            #expect(!page.contains(CLIRun.secret) && !page.contains(CLIRun.token), "a secret reached a page")
        }
        let status = try await serve.shutdown()
        #expect(status == 0, "SIGTERM stops the server cleanly")
    }

    @Test("beyond loopback the server wants a token: refused at start without one, and every request needs it")
    func tokenBeyondLoopback() async throws {
        let store = try await ResearchStore.get()
        let refused = try await CLIRun.tsx(["serve", "--host", "0.0.0.0", "--port", "0"], dir: store.dir, env: store.environment)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--host 0.0.0.0 is beyond loopback"), "\(refused.stderr)")
        #expect(refused.stderr.contains("TSXLAB_HTTP_TOKEN"))
        #expect(refused.stdout.isEmpty, "nothing listens: \(refused.stdout)")

        let token = "research-token-5d1c9a2e7b"
        let serve = try await ServeProcess.start(store, arguments: ["--host", "0.0.0.0"], environment: ["TSXLAB_HTTP_TOKEN": token])
        let local = "http://127.0.0.1:\(serve.port)/"
        #expect(try await HTTPGet.fetch(local).status == 401)
        #expect(try await HTTPGet.fetch(local + "runs/" + store.runs[0].runId).status == 401)
        #expect(try await HTTPGet.fetch(local + "?token=wrong-" + token).status == 401)
        let page = try await HTTPGet.fetch(local + "?token=" + token)
        #expect(page.status == 200)
        #expect(try await HTTPGet.fetch(local + "runs/" + store.runs[0].runId, bearer: token).status == 200)
        #expect(!page.body.contains(token), "the token is never written into the page")
        #expect(try await serve.shutdown() == 0)
    }

    @Test("a store that cannot answer is a 500 page with its message")
    func storeErrorIs500() throws {
        // A SQLite file with the bar tables only: no run or sweep table to list.
        let dir = TestEnvironment.temporaryDirectory("research-bare")
        let bare = try SQLiteBarStore(path: dir + "/bare.sqlite")
        let site = ResearchSite(reports: StoredReports(catalog: RunCatalog(db: bare, storeName: "sqlite:bare"),
                                                       registry: .builtIn, scrubber: .none))
        let answer = site.respond(path: "/", query: [])
        #expect(answer.status == 500)
        #expect(answer.body.contains("backtest_runs"), "the message names what failed: \(answer.body.prefix(400))")
        #expect(site.respond(path: "/runs/x", query: []).status == 500)
    }

    @Test("the listing reads runs and sweeps the same on SQLite and PostgreSQL: newest first, best net P&L as a number, a sweep without results listed",
          arguments: StoreKind.available)
    func listingOnEveryStore(_ kind: StoreKind) throws {
        let (store, _, url) = try kind.make()
        let db = try #require(store as? any SQLDatabase)
        let summary = Fixtures.engineRun().summary
        let runs = RunTables(db: db)
        for (id, created) in [("20240101-000000-older", "2024-01-01T00:00:00Z"), ("20240102-000000-newer", "2024-01-02T00:00:00Z")] {
            try runs.insert(RunRow(runID: id, createdAt: created, kind: "backtest", configHash: "cafe" + id, configText: "", symbol: "ES",
                                   timeframe: "1m", dataFrom: "2019-03-05T00:00:00Z", dataTo: nil, codeVersion: "t", summaryJSON: summary.json),
                            trades: [], fills: [], equity: [], performance: [])
        }
        // A summary that does not parse still lists the run, its figures empty.
        try runs.insert(RunRow(runID: "20231231-000000-garbled", createdAt: "2023-12-31T00:00:00Z", kind: "backtest", configHash: "x",
                               configText: "", symbol: "NQ", timeframe: "5m", dataFrom: nil, dataTo: nil, codeVersion: "t", summaryJSON: "{"),
                        trades: [], fills: [], equity: [], performance: [])
        let sweeps = SweepTables(db: db)
        try sweeps.register(SweepRow(sweepID: "aaaa000000000001", createdAt: "2024-01-03T00:00:00Z", strategy: "sma_bracket", symbol: "ES",
                                     timeframe: "1m", dataFrom: nil, dataTo: nil, space: "fast=5,10", baseConfig: "", cells: 3))
        for (k, pnl) in ["987.00", "1234.56"].enumerated() {
            try sweeps.insert(SweepResultRow(configHash: "h\(k)", cell: k, params: "fast=\(5 * (k + 1))", trades: 3, netPnlUsd: pnl, winRate: 0.5,
                                             profitFactor: nil, sharpe: nil, maxDrawdownUsd: nil, ruleBreaches: 0, seconds: 0), sweepID: "aaaa000000000001")
        }
        try sweeps.register(SweepRow(sweepID: "bbbb000000000002", createdAt: "2024-01-01T00:00:00Z", strategy: "orb", symbol: "ES",
                                     timeframe: "1m", dataFrom: nil, dataTo: nil, space: "x=1", baseConfig: "", cells: 1))

        let catalog = try RunCatalog(store: store)
        let listed = try catalog.listRuns()
        #expect(listed.map(\.runID) == ["20240102-000000-newer", "20240101-000000-older", "20231231-000000-garbled"], "\(url)")
        #expect(listed[0].netPnl == Money(summary.netPnlUsd))
        #expect(listed[0].trades == summary.trades)
        #expect(listed[0].strategy == summary.strategies.joined(separator: " + "))
        #expect(listed[0].configHash == "cafe20240102-000000-newer")
        #expect(listed[2].netPnl == nil && listed[2].strategy == "backtest")
        let listedSweeps = try catalog.listSweeps()
        #expect(listedSweeps.map(\.sweepID) == ["aaaa000000000001", "bbbb000000000002"])
        #expect(listedSweeps[0].configurations == 2 && listedSweeps[0].cells == 3)
        #expect(listedSweeps[0].bestNetPnlUsd == 1234.56, "the best is the numeric maximum, not the text one (987.00 sorts after 1234.56 as text)")
        #expect(listedSweeps[1].configurations == 0 && listedSweeps[1].bestNetPnlUsd == nil)

        let page = ResearchPage.render(runs: listed, sweeps: listedSweeps, store: url)
        let data = try ListingData(page: page)
        #expect(data.runs.ids == listed.map(\.runID))
        #expect(data.sweeps.rows[0].contains("2 of 3"))
    }

    @Test("stored text that looks like markup stays text: it cannot close the data's script element or add an element")
    func hostileTextStaysText() throws {
        let evil = "</script><img src=x onerror=alert(1)>&amp;"
        let run = RunCatalog.ListedRun(runID: "r-" + evil, createdAt: "2024-01-01T00:00:00Z", strategy: evil, symbol: "ES", timeframe: "1m",
                                       dataFrom: nil, dataTo: nil, netPnl: Money(cents: -1250), trades: 1, winRate: 0, maxDrawdownUsd: 12.5,
                                       configHash: evil)
        let sweep = RunCatalog.ListedSweep(sweepID: evil, createdAt: "x", strategy: evil, symbol: "ES", timeframe: "1m", dataFrom: nil,
                                           dataTo: nil, configurations: 1, cells: 1, bestNetPnlUsd: nil)
        let page = ResearchPage.render(runs: [run], sweeps: [sweep], store: "sqlite:" + evil)
        #expect(!page.contains("<img"), "markup reached the page")
        #expect(page.components(separatedBy: "</script>").count == 4, "only the page's own three script elements close")
        let data = try ListingData(page: page)
        #expect(data.runs.rows[0][2] == evil && data.sweeps.ids == [evil], "the text itself survives, for textContent")
        let missing = ResearchPage.notFound(kind: "run", id: evil, store: "s")
        #expect(!missing.contains("<img") && missing.contains("&lt;img"))
    }

    @Test("in Chromium the page lists the runs, the filter narrows them, a run's link opens its report; nothing fetched beyond 127.0.0.1, no sideways scroll at 390 px",
          .enabled(if: Tools.available(Tools.chromium)))
    func researchPageInChromium() async throws {
        let chromium = try Tools.require(Tools.chromium, "Chromium")
        let store = try await ResearchStore.get()
        let serve = try await ServeProcess.start(store)
        let proxy = try await ProbeProxy.start(upstream: serve.url)

        let wide = try await ResearchBrowser.probe(chromium, url: proxy.url, width: 1280, height: 900)
        #expect(wide.probe.errors == [], "\(wide.log.suffix(2000))")
        #expect(Chromium.consoleProblems(wide.log).filter { $0.contains("Uncaught") || $0.contains("rror") } == [])
        #expect(wide.probe.runRows == store.runs.count)
        #expect(wide.probe.sweepRows == 1)
        let only = store.runs.first { $0.strategies == ["sma_bracket"] }!
        #expect(wide.probe.filteredRuns == 1, "filtering on sma_bracket leaves its one run")
        #expect(wide.probe.filteredFirst == only.runId)
        #expect(wide.probe.compareDisabled == true, "Compare waits for two ticks")
        #expect(wide.probe.compareAfterTwo == false)
        #expect(wide.probe.resources.allSatisfy { $0.hasPrefix("http://127.0.0.1:") }, "\(wide.probe.resources)")
        #expect(wide.probe.overflow <= 1)

        let href = try #require(wide.probe.links.first { $0.hasSuffix("/runs/" + only.runId) }, "\(wide.probe.links)")
        #expect(href.hasPrefix("http://127.0.0.1:"))
        let report = try await ResearchBrowser.probe(chromium, url: href, width: 1280, height: 900)
        #expect(report.probe.errors == [], "\(report.log.suffix(2000))")
        #expect(report.probe.stats["net_pnl"] == Fmt.usd(Money(only.netPnlUsd)!))
        #expect(report.probe.resources.allSatisfy { $0.hasPrefix("http://127.0.0.1:") }, "\(report.probe.resources)")

        // Ticking two runs makes Compare a link to both, in the table's order; it opens the comparison.
        let compareHref = try #require(wide.probe.compareHref)
        #expect(compareHref.hasPrefix(proxy.url + "compare?runs="))
        #expect(store.runs.allSatisfy { compareHref.contains($0.runId) }, "\(compareHref)")
        let comparison = try await ResearchBrowser.probe(chromium, url: compareHref, width: 1280, height: 900)
        #expect(comparison.probe.errors == [], "\(comparison.log.suffix(2000))")
        #expect(comparison.probe.resources.allSatisfy { $0.hasPrefix("http://127.0.0.1:") }, "\(comparison.probe.resources)")
        #expect(comparison.probe.title.contains("ompar"), "\(comparison.probe.title)")

        let narrow = try await ResearchBrowser.probe(chromium, url: proxy.url, width: 390, height: 844)
        #expect(narrow.probe.errors == [])
        #expect(narrow.probe.overflow <= 1, "the page scrolls sideways at 390 px by \(narrow.probe.overflow) px")

        // The picture in docs/backtesting.md, of the page as served (no probe).
        let png = TestEnvironment.packageRoot + "/docs/screenshots/research.png"
        try FileManager.default.createDirectory(atPath: TestEnvironment.packageRoot + "/docs/screenshots", withIntermediateDirectories: true)
        let size = try await ResearchBrowser.screenshot(chromium, url: serve.url, png: png, width: 1280, height: 900)
        #expect(size.0 == 1280 && size.1 == 900)

        await proxy.stop()
        #expect(try await serve.shutdown() == 0)
    }
}

/// A store for the research page: the shared ES sample, two backtests (mean reversion under a
/// 50K Combine, the SMA bracket) and a four-configuration sweep, all through the binary.
struct ResearchStore: Sendable {
    let dir: String
    let environment: [String: String]
    let runs: [RunSummary]
    let sweepID: String

    static let shared = Task { () throws(TestFailure) -> ResearchStore in
        do { return try await make() } catch { throw TestFailure("\(error)") }
    }

    static func get() async throws -> ResearchStore { try await shared.value }

    static func make() async throws -> ResearchStore {
        let dir = TestEnvironment.temporaryDirectory("research-store")
        let env = ["TSXLAB_DATA_DIR": dir + "/data", "TOPSTEPX_API_KEY": CLIRun.secret, "PROJECTX_TOKEN": CLIRun.token]
        func tsx(_ args: [String]) async throws -> String {
            let r = try await CLIRun.tsx(args, dir: dir, env: env)
            guard r.status == 0 else { throw TestFailure("tsxlab \(args.joined(separator: " ")) failed (\(r.status)): \(r.stderr)") }
            return r.stdout
        }
        _ = try await tsx(["data", "import", TestEnvironment.sharedDataset(CLIRun.dataset), "--symbol", "ES", "--timeframe", "1m"])
        var runs: [RunSummary] = []
        for args in [["--strategy", "mean_reversion", "--rules", "topstep-50k"], ["--strategy", "sma-bracket"]] {
            let out = try await tsx(["backtest"] + args + ["--symbol", "ES", "--timeframe", "1m", "--json"])
            runs.append(try JSONDecoder().decode(RunSummary.self, from: Data(out.utf8)))
        }
        let sweep = try await tsx(["sweep", "--strategy", "sma-bracket", "--param", "fast=5,10", "--param", "slow=60,120",
                                   "--symbol", "ES", "--out", dir + "/sweep", "--json"])
        guard let id = (try JSONSerialization.jsonObject(with: Data(sweep.utf8)) as? [String: Any])?["sweep_id"] as? String else {
            throw TestFailure("no sweep_id in the sweep's JSON: \(sweep.prefix(300))")
        }
        return ResearchStore(dir: dir, environment: env, runs: runs, sweepID: id)
    }

    /// The `report.html` that `tsxlab report ID` writes.
    func reportFile(_ id: String) async throws -> String { try await reportFile([id]) }

    /// The `report.html` that `tsxlab report ID …` writes (two or more ids: the comparison).
    func reportFile(_ ids: [String]) async throws -> String {
        let out = dir + "/report-\(UUID().uuidString.prefix(6))"
        let r = try await CLIRun.tsx(["report"] + ids + ["--out", out], dir: dir, env: environment)
        guard r.status == 0 else { throw TestFailure("report \(ids) failed (\(r.status)): \(r.stderr)") }
        return try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    }
}

/// A `tsxlab serve --port 0` process: started, its printed URL awaited, stopped with SIGTERM.
final class ServeProcess: @unchecked Sendable {
    // @unchecked: `process` is set once in init; `stop` runs once, at the end of a test.
    let process: ChildProcess
    let port: Int
    let stderrPath: String

    var url: String { "http://127.0.0.1:\(port)/" }

    private init(_ store: ResearchStore, arguments: [String], environment: [String: String]) throws {
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        for (k, v) in store.environment.merging(environment, uniquingKeysWith: { $1 }) { env[k] = v }
        stderrPath = store.dir + "/serve-\(UUID().uuidString.prefix(6)).err"
        process = try ChildProcess(CLI.binary, ["serve", "--port", "0"] + arguments, cwd: store.dir, environment: env, stderr: .file(stderrPath))
        let out = process.standardOutput!
        // The first line is `listening http://HOST:PORT/`, written once the socket listens.
        var line = Data()
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while !line.contains(0x0A) {
            let chunk = out.availableData
            if chunk.isEmpty {
                if Date() > deadline || !process.isRunning { break }
                continue
            }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let r = text.range(of: #"listening http://[0-9.]+:(\d+)/"#, options: .regularExpression),
              let p = Int(text[r].dropLast().split(separator: ":").last ?? "") else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            throw TestFailure("tsxlab serve did not print its URL (exit \(process.terminationStatus)): \(text) \(err)")
        }
        port = p
    }

    static func start(_ store: ResearchStore, arguments: [String] = [], environment: [String: String] = [:]) async throws -> ServeProcess {
        try await onOwnThread { try ServeProcess(store, arguments: arguments, environment: environment) }
    }

    /// SIGTERM, then the exit status (SIGKILL after the hang guard).
    func shutdown() async throws -> Int32 {
        try await onOwnThread { [self] in stop() }
    }

    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { stop() } }
}

/// One GET over a real socket.
enum HTTPGet {
    struct Answer: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    static let session: URLSession = {
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = TestEnvironment.hangGuard
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: c)
    }()

    static func fetch(_ url: String, bearer: String? = nil) async throws -> Answer {
        var request = URLRequest(url: URL(string: url)!)
        if let bearer { request.setValue("Bearer " + bearer, forHTTPHeaderField: "Authorization") }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw TestFailure("no HTTP answer from \(url)") }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers["\(k)"] = "\(v)" }
        return Answer(status: http.statusCode, headers: headers, body: String(decoding: data, as: UTF8.self))
    }
}

/// The rows the research page carries for its script.
struct ListingData: Decodable {
    struct Block: Decodable { var ids: [String]; var rows: [[String]] }
    var runs: Block
    var sweeps: Block

    init(page: String) throws {
        guard let a = page.range(of: "<script type=\"application/json\" id=\"research-data\">"),
              let b = page.range(of: "</script>", range: a.upperBound..<page.endIndex) else { throw TestFailure("no research data in the page") }
        self = try JSONDecoder().decode(ListingData.self, from: Data(page[a.upperBound..<b.lowerBound].utf8))
    }
}

/// A forwarder on 127.0.0.1 in front of `tsxlab serve` that adds a probe script at the top of
/// each HTML page's `<head>` (headers, the Content-Security-Policy among them, pass unchanged):
/// Chromium then loads the page over http:// with the probe watching from the first moment.
final class ProbeProxy: Sendable {
    let server: HTTPServer
    let port: UInt16
    var url: String { "http://127.0.0.1:\(port)/" }

    private init(server: HTTPServer, port: UInt16) { self.server = server; self.port = port }

    static func start(upstream: String) async throws -> ProbeProxy {
        let base = String(upstream.dropLast())
        let server = HTTPServer(address: try sockaddr_in.inet(ip4: "127.0.0.1", port: 0), timeout: 60, pool: NoDelayPool(), logger: .disabled)
        await server.appendRoute("*") { request in
            var target = URLComponents(string: base + request.path)!
            if !request.query.isEmpty { target.queryItems = request.query.map { URLQueryItem(name: $0.name, value: $0.value) } }
            let answer = try await HTTPGet.fetch(target.url!.absoluteString)
            var body = answer.body
            if answer.header("Content-Type")?.hasPrefix("text/html") == true, let head = body.range(of: "<head>") {
                body.replaceSubrange(head, with: "<head><script>" + ResearchBrowser.probeScript + "</script>")
            }
            var headers: [HTTPHeader: String] = [:]
            for (k, v) in answer.headers where k.lowercased() != "content-length" && k.lowercased() != "connection" { headers[HTTPHeader(k)] = v }
            return HTTPResponse(statusCode: HTTPStatusCode(answer.status, phrase: ""), headers: HTTPHeaders(headers), body: Data(body.utf8))
        }
        guard let port = try await server.listen() else { throw TestFailure("the probe proxy did not listen") }
        return ProbeProxy(server: server, port: port)
    }

    func stop() async { await server.stop(timeout: 1) }
}

/// Headless Chromium on an http:// page: a probe records script errors, console errors and policy
/// violations from the first moment; after load it reads the research page's tables, types in the
/// filter, ticks runs, and writes what it saw as JSON into the DOM for `--dump-dom`.
enum ResearchBrowser {
    struct Probe: Decodable, Sendable {
        var errors: [String]
        var title: String
        var overflow: Double
        var resources: [String]
        var stats: [String: String]
        var links: [String]
        var runRows: Int?
        var sweepRows: Int?
        var filteredRuns: Int?
        var filteredFirst: String?
        var compareDisabled: Bool?
        var compareAfterTwo: Bool?
        var compareHref: String?
    }

    static let probeScript = Browser.errorCapture + """
        window.addEventListener('load',function(){setTimeout(function(){
        var out={errors:window.__errors,title:document.title,overflow:document.documentElement.scrollWidth-window.innerWidth,stats:{},links:[],
        resources:performance.getEntriesByType('resource').map(function(r){return r.name;})};
        document.querySelectorAll('[data-stat]').forEach(function(d){out.stats[d.getAttribute('data-stat')]=d.querySelector('.value').textContent;});
        document.querySelectorAll('#runs-table a, #sweeps-table a').forEach(function(a){out.links.push(a.href);});
        var runs=document.getElementById('runs-table');
        if(runs){out.runRows=runs.tBodies[0].rows.length;out.sweepRows=document.getElementById('sweeps-table').tBodies[0].rows.length;
        var c=document.getElementById('compare');out.compareDisabled=c.getAttribute('aria-disabled')==='true'&&!c.hasAttribute('href');
        var boxes=runs.querySelectorAll('input[type=checkbox]');
        if(boxes.length>=2){boxes[0].click();boxes[1].click();out.compareAfterTwo=c.getAttribute('aria-disabled')==='true';out.compareHref=c.href;
        boxes[0].click();boxes[1].click();}
        var f=document.getElementById('filter');f.value='sma_bracket';f.dispatchEvent(new Event('input'));
        out.filteredRuns=runs.tBodies[0].rows.length;
        if(out.filteredRuns>0)out.filteredFirst=runs.tBodies[0].rows[0].cells[1].textContent;}
        var pre=document.createElement('pre');pre.id='tsxlab-probe';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);},0);});
        """

    static func probe(_ chromium: String, url: String, width: Int, height: Int) async throws -> (probe: Probe, log: String) {
        try await Browser.dump(chromium, url, width: width, height: height)
    }

    /// A screenshot of `url`; returns the PNG's pixel size.
    static func screenshot(_ chromium: String, url: String, png: String, width: Int, height: Int) async throws -> (Int, Int) {
        try await Browser.screenshot(chromium, html: url, png: png, width: width, height: height)
    }
}
