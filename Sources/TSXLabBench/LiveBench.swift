import Foundation
import Synchronization
import Data
import Trading
import Live
import ProjectX
import ProjectXGateway
import TSXLabTesting
import Operations
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Places a far-away limit order on every bar: each market event that finishes a bar becomes one
/// order request.
final class OrderEveryBar: Strategy {
    let name = "bench"
    let symbols = ["ES"]
    func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        _ = broker.place(OrderRequest(symbol: symbol, side: .buy, quantity: 1, kind: .limit(Price(ticks: bar.close.ticks - 400))))
    }
}

/// Keeps a result the optimiser could otherwise find unused.
@inline(never) func keep(_ x: Int) { if x == .min { print("") } }

func percentiles(_ xs: [Double]) -> (p50: Double, p99: Double, max: Double) {
    let s = xs.sorted()
    return (s[s.count / 2], s[min(s.count - 1, s.count * 99 / 100)], s.last ?? 0)
}

/// Live path latency: (1) in process, from a market-hub record arriving (its JSON decoded, the
/// bar it finishes built, the strategy called, the risk engine passed) to the order request
/// handed to the sender that would post it; (2) the loopback round trip of REST calls through
/// the gateway over a socket.
func benchLive() throws {
    let events = 100_000
    let spec = try ContractRegistry.builtIn.spec(for: "ES")
    let contract = "CON.F.US.EP.Z13"
    // Prints one minute apart: each finishes the previous minute's bar.
    let base: Int64 = 1_381_147_200   // 2013-10-07T12:00:00Z, a Monday morning
    /// Market-hub record `i` (JSON, without its separator), made when it is fed.
    @Sendable func record(_ i: Int) -> Data {
        let price = Decimal(1680) + Decimal(i % 40) / 4
        let print = PXTradePrint(symbolId: "F.US.EP", price: price, timestamp: PXTime.format(Timestamp(seconds: base + Int64(i) * 60)), type: 0, volume: 3)
        let msg = HubMessage.invocation(id: nil, target: "GatewayTrade", arguments: [.string(contract), try! JSONValue(encoding: [print])])
        return msg.encoded().dropLast()
    }
    // The reader's share of an event: one record parsed and its print read, by `JSONValue.parse`
    // with `PXTradePrint(json:)` (what the hub reader and the runner do) and by Foundation's
    // JSONDecoder into `JSONValue` with the print decoded through a JSON round trip (the path
    // they replaced), timed in the same run.
    do {
        let sample = record(7), n = 20_000
        func time(_ body: () throws -> Void) rethrows -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<n { try body() }
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(n) / 1000
        }
        var checksum = 0
        let direct = try time {
            guard case .invocation(_, _, let args) = try HubMessage.decode(sample), case .array(let items) = args[1] else { throw BenchError("bad sample") }
            checksum &+= Int(try items.map { p throws(PayloadShapeError) in try PXTradePrint(json: p) }[0].volume)
        }
        let viaDecodable = try time {
            let whole = try JSONDecoder().decode(JSONValue.self, from: sample)
            guard case .object(let o) = whole, case .array(let args)? = o["arguments"] else { throw BenchError("bad sample") }
            checksum &+= Int(try args[1].decode([PXTradePrint].self)[0].volume)
        }
        line("live: hub record → trade print", "\(fmt(direct, 1)) µs", "JSONValue.parse + PXTradePrint(json:); Foundation's JSONDecoder via Decodable: \(fmt(viaDecodable, 1)) µs (×\(fmt(viaDecodable / direct, 1)); \(sample.count)-byte record, \(n) times each)")
        keep(checksum)
    }
    let sent = Mutex<(count: Int, at: UInt64)>((0, 0))
    let arrived = DispatchSemaphore(value: 0)
    let broker = LiveBroker(accountID: 1, instruments: [Instrument(spec: spec)], contracts: ["ES": contract], rules: .unlimited(),
                            startingBalance: Money(cents: 50_000_00), tagPrefix: "bench", now: Timestamp(seconds: base))
    var settings = LiveRunnerSettings(accountID: 1, symbol: "ES", contractID: contract)
    settings.dryRun = true
    settings.calendar = SessionCalendar.cmeEquityIndex
    // No hubs are connected: the runner is fed records directly.
    let unused = HubClient(url: "ws://127.0.0.1:9/hubs/none") { _ in "" }
    let runner = LiveRunner(client: ProjectXClient(baseURL: "http://127.0.0.1:9", credentials: APICredentials(userName: "b", apiKey: Secret("b"))),
                            broker: broker, strategies: [OrderEveryBar()], settings: settings, userHub: unused, marketHub: unused, onCommand: { _ in
        let t = DispatchTime.now().uptimeNanoseconds
        sent.withLock { $0 = ($0.count + 1, t) }
        arrived.signal()
    })
    // Wired as `tsxlab live --http` wires it: the metrics and the status board fed from the
    // runner's observations through the relay, in every phase, loaded or not.
    let metrics = RunnerMetrics()
    let board = StatusBoard(runner: runner, broker: broker, accountName: "bench", strategies: ["bench"])
    let observers = try waitFor { await runner.relayObservations(metrics: metrics, notifier: nil, board: board) { _, p in spec.format(p) } }
    try waitFor { await runner.startOffline() }
    runner.ingest(market: record(0))   // the first print opens the first bar: nothing to send yet
    /// Feeds the next `count` records one by one, each waited for; latencies in µs and the events'
    /// rate.
    /// - `.inProcess`: handed to `ingest(market:)` from a thread started for it, as a hub reader
    ///   hands them (the record is decoded there);
    /// - `.socket`: written as a WebSocket frame by `HubFeed` (the gateway's side) to the market
    ///   hub's client on 127.0.0.1, whose reader thread decodes it and hands it to the runner, as
    ///   in `tsxlab live`.
    let next = Mutex(1)
    let feed = try HubFeed()
    let hub = HubClient(url: "ws://127.0.0.1:\(feed.port)/hubs/market") { _ in "bench" }
    try waitFor { await runner.take(from: hub, market: true) }
    let accepted = DispatchSemaphore(value: 0)
    let acceptError = Mutex<String?>(nil)
    Thread { do { try feed.accept() } catch { acceptError.withLock { $0 = "\(error)" } }; accepted.signal() }.start()
    try waitFor { try await hub.start() }
    accepted.wait()
    if let e = acceptError.withLock({ $0 }) { throw BenchError(e) }
    enum Path { case inProcess, socket }
    func measure(_ path: Path, _ count: Int = events) -> (lat: [Double], perSecond: Double) {
        let from = next.withLock { n in defer { n += count }; return n }
        let body: @Sendable () -> (lat: [Double], perSecond: Double) = {
            var lat: [Double] = []
            lat.reserveCapacity(count)
            let t0 = DispatchTime.now().uptimeNanoseconds
            for i in from..<(from + count) {
                let r = record(i)
                if path == .inProcess {
                    let start = DispatchTime.now().uptimeNanoseconds
                    runner.ingest(market: r)
                    arrived.wait()
                    lat.append(Double(sent.withLock { $0.at } - start) / 1000)
                } else {
                    let frame = WebSocket.encode(.text(r + [SignalR.recordSeparator]), mask: nil)
                    let start = DispatchTime.now().uptimeNanoseconds
                    try! feed.send(frame)
                    arrived.wait()
                    lat.append(Double(sent.withLock { $0.at } - start) / 1000)
                }
            }
            return (lat, Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9))
        }
        return onThread(path == .inProcess ? "bench.feed" : "bench.network", body)
    }
    let unloaded = measure(.inProcess)
    let p = percentiles(unloaded.lat)
    line("live: market event → order request (in process)", "p50 \(fmt(p.p50, 1)) µs", "p99 \(fmt(p.p99, 1)) µs, max \(fmt(p.max, 0)) µs over \(unloaded.lat.count) events, \(fmt(unloaded.perSecond / 1000, 1))k events/s (target p99 < 1 ms)")
    let overSocket = measure(.socket)
    let ps = percentiles(overSocket.lat)
    line("live: hub frame on a socket → order request", "p50 \(fmt(ps.p50, 1)) µs", "p99 \(fmt(ps.p99, 1)) µs, max \(fmt(ps.max, 0)) µs over \(overSocket.lat.count) events, \(fmt(overSocket.perSecond / 1000, 1))k events/s")
    // The same with the tape recorded: every print also goes to the recorder, whose task writes
    // it to a SQLite store beside the trading path.
    do {
        let db = try StoreURL.open("sqlite:" + TestEnvironment.temporaryDirectory("bench-tape") + "/tape.sqlite") as! any SQLDatabase
        let recorder = TapeRecorder(tape: TapeStore(db: db))
        try waitFor { await runner.recordTape(recorder) }
        let rin = percentiles(measure(.inProcess).lat), rso = percentiles(measure(.socket).lat)
        try waitFor { await runner.recordTape(nil) }
        try waitFor { await recorder.finish() }
        let c = recorder.counts
        line("live: market event → order request, recording the tape", "p99 \(fmt(rin.p99, 1)) µs", "in process (without: \(fmt(p.p99, 1)) µs); over the socket \(fmt(rso.p99, 1)) µs (without: \(fmt(ps.p99, 1)) µs); \(c.stored) of \(c.received) prints stored")
    }

    // The same, while the status page, /status.json, /metrics and the alert endpoint serve
    // 200 requests a second from 4 HTTP clients on loopback: a busy dashboard and alert feed,
    // not a flood (the 2-core machine is shared with the trading path being measured).
    let alerts = AlertEndpoint(secret: Secret("bench-secret"), symbols: ["ES": spec], maxQuantity: 1) { _, _ in .rejected(.unknownSymbol("none")) }
    let status = try StatusServer(host: "127.0.0.1", port: 0, token: nil, metrics: metrics, alerts: alerts) { await board.snapshot() }
    let statusPort = try waitFor { try await status.start() }
    // TSXLAB_BENCH_PATHS=/status.json,… narrows the load to some endpoints.
    let paths = ProcessInfo.processInfo.environment["TSXLAB_BENCH_PATHS"].map { $0.split(separator: ",").map(String.init) } ?? ["/status.json", "/metrics", "/", "/alert"]
    // wrk, out of process as a browser or an alert sender is, when installed (scripts/bench.sh
    // installs it); else (or with TSXLAB_BENCH_LOAD=in-process) URLSession clients in this process.
    let wrk = ProcessInfo.processInfo.environment["TSXLAB_BENCH_LOAD"] == "in-process" ? nil : executableInPath("wrk")
    /// Measures both paths under the load and without it. First a stretch of a tenth of
    /// `events` on each path under a running load gives the HTTP side's figures. Then one load
    /// runs throughout while `windows` pairs of windows (200 by default, TSXLAB_BENCH_WINDOWS to
    /// change) share `events` on each path: the load resumed for the loaded window of a pair and
    /// paused (wrk stopped by SIGSTOP) for the unloaded one, which comes first or second by turns.
    /// A window lasts about half a second, shorter than most of the host's disturbances, so these
    /// fall on loaded and unloaded windows alike. Prints the HTTP side's line and each path's: its
    /// pooled p99 against the unloaded windows' and against `baseline`'s, the pairs' ratios and
    /// the host's steal in both kinds of window.
    func loaded(_ where_: String, against baseline: [Path: [(String, Double)]]) throws {
        let windows = max(2, ProcessInfo.processInfo.environment["TSXLAB_BENCH_WINDOWS"].flatMap { Int($0) } ?? 200)
        func startLoad() throws -> any HTTPLoad {
            try wrk.map { try WrkLoad(wrk: $0, port: statusPort, paths: paths) } ?? InProcessLoad(port: statusPort, paths: paths)
        }
        // The HTTP side, while the runner trades (its answers are timed only here: a paused
        // load's requests in flight would count the pause).
        let serving = try startLoad()
        let label = serving.label
        Thread.sleep(forTimeInterval: 0.3)
        for path in [Path.inProcess, .socket] { _ = measure(path, events / 10) }
        let http = try serving.stop()
        line("live: status page + alert endpoint on loopback", "\(fmt(http.perSecond, 0)) req/s", "p50 \(fmt(http.p50, 2)) ms, p99 \(fmt(http.p99, 2)) ms\(http.failed > 0 ? ", \(http.failed) failed" : "") while the runner trades (\(label); \(where_))")

        var on: [Path: [Double]] = [:], off: [Path: [Double]] = [:]
        // The same, from the pairs in whose two windows the host took under `calm` % of the
        // CPU time (steal): what a machine of the trader's own, which has no hypervisor, sees.
        let calm = 2.0
        var calmOn: [Path: [Double]] = [:], calmOff: [Path: [Double]] = [:], calmPairs = 0
        // Each pair's ratio of p99s (loaded over unloaded), and the time the hypervisor took the
        // machine's CPUs away (steal) in each window: the pairs show whether a pooled figure
        // comes from the load or from a few windows the host disturbed.
        var pairRatios: [Path: [Double]] = [:], stealOn: [Double] = [], stealOff: [Double] = []
        /// What one window measured: each path's latencies and the host's steal.
        typealias Window = (lat: [Path: [Double]], steal: Double)
        /// One window: both paths, a `windows`-th of `events` each.
        func window() -> Window {
            var lat: [Path: [Double]] = [:]
            let s0 = CPUTimes.read()
            for path in [Path.inProcess, .socket] { lat[path] = measure(path, events / windows).lat }
            return (lat, CPUTimes.stealPercent(s0, CPUTimes.read()))
        }
        let load = try startLoad()
        Thread.sleep(forTimeInterval: 0.3)
        for k in 0..<windows {
            var loadedWindow: Window = ([:], 0), quietWindow: Window = ([:], 0)
            for loadedNow in (k % 2 == 0 ? [true, false] : [false, true]) {
                // After a switch the server finishes what is in flight (a few ms) or the load's
                // connections pick up again before the window starts.
                if loadedNow { load.resume(); Thread.sleep(forTimeInterval: 0.03); loadedWindow = window() }
                else { load.pause(); Thread.sleep(forTimeInterval: 0.03); quietWindow = window() }
            }
            let isCalm = loadedWindow.steal < calm && quietWindow.steal < calm
            if isCalm { calmPairs += 1 }
            for path in [Path.inProcess, .socket] {
                let l = loadedWindow.lat[path]!, q = quietWindow.lat[path]!
                on[path, default: []] += l
                off[path, default: []] += q
                if isCalm { calmOn[path, default: []] += l; calmOff[path, default: []] += q }
                pairRatios[path, default: []].append(percentiles(l).p99 / percentiles(q).p99)
            }
            stealOn.append(loadedWindow.steal)
            stealOff.append(quietWindow.steal)
        }
        _ = try load.stop()
        for (path, name) in [(Path.inProcess, "market event → order request"), (.socket, "hub frame on a socket → order request")] {
            let pl = percentiles(on[path] ?? []), po = percentiles(off[path] ?? [])
            let ratios = ([("the unloaded windows", po.p99)] + (baseline[path] ?? [])).map { "\(fmt((pl.p99 / $0.1 - 1) * 100, 0)) % vs \($0.0)" }.joined(separator: ", ")
            line("live: \(name), under that load", "p50 \(fmt(pl.p50, 1)) µs", "p99 \(fmt(pl.p99, 1)) µs over \(on[path]?.count ?? 0) events (unloaded windows: p50 \(fmt(po.p50, 1)), p99 \(fmt(po.p99, 1)) µs): p99 \(ratios) (target: p99 under 1 ms)")
            let pairs = (pairRatios[path] ?? []).sorted()
            let q = { (f: Double) in fmt((pairs[min(pairs.count - 1, Int(Double(pairs.count) * f))] - 1) * 100, 0) }
            line("  the same, pair by pair", "median \(q(0.5)) %", "p99 of each loaded window over its unloaded pair's, \(pairs.count) pairs: quartiles \(q(0.25)) % and \(q(0.75)) %, range \(q(0)) to \(q(1)) %")
            if calmPairs > 0 {
                let cl = percentiles(calmOn[path] ?? []), co = percentiles(calmOff[path] ?? [])
                line("  the same, host calm", "\(fmt((cl.p99 / co.p99 - 1) * 100, 0)) %", "pooled p99 \(fmt(cl.p99, 1)) µs loaded vs \(fmt(co.p99, 1)) µs unloaded over the \(calmPairs) pairs with steal under \(fmt(calm, 0)) % in both windows")
            } else {
                line("  the same, host calm", "no pair", "(steal reached \(fmt(calm, 0)) % in a window of every pair)")
            }
        }
        let so = stealOn.sorted(), sf = stealOff.sorted()
        line("  steal (CPU time the host took)", "loaded \(fmt(so[so.count / 2], 1)) %", "unloaded \(fmt(sf[sf.count / 2], 1)) % (median window; loaded max \(fmt(so.last ?? 0, 1)) %, unloaded max \(fmt(sf.last ?? 0, 1)) %)")
    }
    try loaded("the runner on the shared pool", against: [.inProcess: [("unloaded", p.p99)], .socket: [("unloaded", ps.p99)]])
    try waitFor { await status.stop() }
    try waitFor { await observers.stop() }
    let relayed = observers.counts
    line("live: observations relayed to metrics and the board", "\(relayed.handled) handled", "\(relayed.dropped) dropped of \(relayed.enqueued + relayed.dropped)")

    // Loopback round trip: the REST client and the gateway over a socket on 127.0.0.1.
    let tape = try SharedData.readBars(path: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), symbol: "ES", tickSize: spec.tickSize)
    var config = GatewayConfig()
    config.generalLimit = (1_000_000, 60)
    config.rules = .unlimited()
    let server = try GatewayServer(config: config, tape: GatewayTape(series: tape, contract: ContractID(cme: "ESZ13")!))
    let port = try waitFor { try await server.start() }
    _ = try waitFor { await server.venue.step(600) }
    let client = ProjectXClient(baseURL: "http://127.0.0.1:\(port)", credentials: APICredentials(userName: "bench", apiKey: Secret("bench")),
                                generalLimit: (1_000_000, 60))
    let calls = 2_000
    let (queries, places) = try waitFor { () async throws -> ([Double], [Double]) in
        _ = try await client.searchAccounts()
        var q: [Double] = [], pl: [Double] = []
        for _ in 0..<calls {
            let a = DispatchTime.now().uptimeNanoseconds
            _ = try await client.searchOpenOrders(accountId: 1)
            q.append(Double(DispatchTime.now().uptimeNanoseconds - a) / 1000)
        }
        for k in 0..<calls {
            let a = DispatchTime.now().uptimeNanoseconds
            _ = try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: contract, type: .limit, side: .bid, size: 1,
                                                                limitPrice: 1500, customTag: "bench-\(k)"))
            pl.append(Double(DispatchTime.now().uptimeNanoseconds - a) / 1000)
        }
        return (q, pl)
    }
    let pq = percentiles(queries), pp = percentiles(places)
    line("live: loopback round trip, Order/searchOpen", "p50 \(fmt(pq.p50 / 1000, 2)) ms", "p99 \(fmt(pq.p99 / 1000, 2)) ms over \(calls) calls")
    line("live: loopback round trip, Order/place", "p50 \(fmt(pp.p50 / 1000, 2)) ms", "p99 \(fmt(pp.p99 / 1000, 2)) ms over \(calls) orders")
    try waitFor { await server.stop() }
}

/// Runs `body` on a thread of its own named `name` (the feeding side: a hub reader, the network),
/// and waits for it.
func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.value = body()
        done.signal()
    }
    thread.start()
    // Named once started (see `WebSocketConnection`: a thread that names itself can outrun start()).
    thread.name = name
    done.wait()
    return box.value!
}

final class ResultBox<T>: @unchecked Sendable {
    // @unchecked: written by one thread before it signals, read by another after the wait.
    var value: T?
}

/// The first executable called `name` on the PATH.
func executableInPath(_ name: String) -> String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// What a paced HTTP load measured: requests a second, latency percentiles (ms), requests that
/// failed on the socket (refused alerts, which are expected, do not count).
struct HTTPFigures {
    var perSecond: Double, p50: Double, p99: Double, failed: Int
}

/// A paced HTTP load on the status server, running from its creation until `stop`.
protocol HTTPLoad {
    var label: String { get }
    /// Holds the load back until `resume` (requests already sent are still answered).
    func pause()
    func resume()
    /// Ends the load; its figures cover the whole run, so a load that was paused counts the pauses
    /// (in its rate, and in the latency of a request answered while paused).
    func stop() throws -> HTTPFigures
}

/// wrk, out of process: 4 connections on one thread, each waiting 20 ms after an answer before
/// its next request (wrk 4.1 has no rate option, so a little under 50 req/s each), cycling
/// through the paths; /alert is a POST with a wrong secret, refused as a stranger's would be.
final class WrkLoad: HTTPLoad {
    let label = "wrk: 4 connections, 20 ms pause after each answer"
    private let process = Process()
    private let output = Pipe()
    private let dir = TestEnvironment.temporaryDirectory("tsxlab-wrk")

    init(wrk: String, port: UInt16, paths: [String]) throws {
        let script = dir + "/paced.lua"
        let list = paths.map { "\"\($0)\"" }.joined(separator: ", ")
        try """
            local paths = { \(list) }
            local k = 0
            request = function()
              k = k + 1
              local p = paths[(k % #paths) + 1]
              if p == "/alert" then
                return wrk.format("POST", p, { ["Content-Type"] = "application/json" }, '{"secret":"wrong"}')
              end
              return wrk.format("GET", p)
            end
            delay = function() return 20 end
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format("tsxlab-load %d %d %d %d %d\\n", summary.requests, summary.duration,
                latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout))
            end
            """.write(toFile: script, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t", "1", "-c", "4", "-d", "3600s", "--timeout", "2s", "-s", script, "http://127.0.0.1:\(port)"]
        process.standardOutput = output
        try process.run()
    }

    func pause() { kill(process.processIdentifier, SIGSTOP) }
    func resume() { kill(process.processIdentifier, SIGCONT) }

    func stop() throws -> HTTPFigures {
        resume()              // a stopped wrk would not see the SIGINT until continued
        process.interrupt()   // wrk stops on SIGINT and reports
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dir)
        guard let report = text.split(separator: "\n").first(where: { $0.hasPrefix("tsxlab-load ") }),
              case let f = report.split(separator: " ").dropFirst().compactMap({ Double($0) }), f.count == 5 else {
            throw BenchError("wrk gave no report: \(text.suffix(400))")
        }
        return HTTPFigures(perSecond: f[0] / (f[1] / 1e6), p50: f[2] / 1000, p99: f[3] / 1000, failed: Int(f[4]))
    }
}

/// URLSession clients in this process (libcurl), each paced at 50 requests a second by its own
/// clock, cycling through the paths; /alert as with wrk.
final class InProcessLoad: HTTPLoad {
    let label = "in process: 4 URLSession clients × 50 req/s"
    private final class State: @unchecked Sendable {
        // @unchecked: both fields only under `lock`.
        let lock = NSLock()
        var stop = false, paused = false
        var latencies: [Double] = []
        var failed = 0
    }
    private let state = State()
    private let start = DispatchTime.now().uptimeNanoseconds
    private let task: Task<Void, Never>

    init(port: UInt16, paths: [String]) {
        task = Task.detached { [state] in
            await withTaskGroup(of: Void.self) { group in
                for c in 0..<4 {
                    group.addTask {
                        var k = c, c0 = c
                        var begin = DispatchTime.now().uptimeNanoseconds
                        while !state.lock.withLock({ state.stop }) {
                            if state.lock.withLock({ state.paused }) {
                                try? await Task.sleep(for: .milliseconds(5))
                                // Paced from now on again, not making up for the pause.
                                begin = DispatchTime.now().uptimeNanoseconds; c0 = k
                                continue
                            }
                            let due = begin + UInt64(k - c0) * 20_000_000
                            let nowNs = DispatchTime.now().uptimeNanoseconds
                            if due > nowNs { try? await Task.sleep(for: .nanoseconds(Int(due - nowNs))) }
                            let path = paths[k % paths.count]; k += 1
                            var req = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
                            if path == "/alert" { req.httpMethod = "POST"; req.httpBody = Data("{\"secret\":\"wrong\"}".utf8) }
                            let a = DispatchTime.now().uptimeNanoseconds
                            let ok = (try? await URLSession.shared.data(for: req)) != nil
                            let ms = Double(DispatchTime.now().uptimeNanoseconds - a) / 1e6
                            state.lock.withLock { state.latencies.append(ms); if !ok { state.failed += 1 } }
                        }
                    }
                }
            }
        }
    }

    func pause() { state.lock.withLock { state.paused = true } }
    func resume() { state.lock.withLock { state.paused = false } }

    func stop() throws -> HTTPFigures {
        state.lock.withLock { state.stop = true }
        try waitFor { [task] in await task.value }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (lat, failed) = state.lock.withLock { (state.latencies, state.failed) }
        let p = percentiles(lat)
        return HTTPFigures(perSecond: Double(lat.count) / seconds, p50: p.p50, p99: p.p99, failed: failed)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The machine's CPU time so far, from /proc/stat's first line (clock ticks): all of it, and
/// steal, the time a virtual machine's CPUs wanted to run but the host ran something else.
struct CPUTimes {
    var total: Double, steal: Double

    static func read() -> CPUTimes {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let first = text.split(separator: "\n").first, first.hasPrefix("cpu ") else { return CPUTimes(total: 0, steal: 0) }
        let fields = first.split(separator: " ").dropFirst().compactMap { Double($0) }
        // user nice system idle iowait irq softirq steal (guest time is counted in user already)
        let counted = fields.prefix(8)
        return CPUTimes(total: counted.reduce(0, +), steal: counted.count == 8 ? counted.last! : 0)
    }

    /// Steal as a percentage of all CPU time between two readings (0 where /proc/stat is absent).
    static func stealPercent(_ a: CPUTimes, _ b: CPUTimes) -> Double {
        let all = b.total - a.total
        return all > 0 ? (b.steal - a.steal) / all * 100 : 0
    }
}
