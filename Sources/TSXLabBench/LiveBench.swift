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
    var records: [Data] = []
    records.reserveCapacity(events + 1)
    for i in 0...(2 * events) {
        let price = Decimal(1680) + Decimal(i % 40) / 4
        let print = PXTradePrint(symbolId: "F.US.EP", price: price, timestamp: PXTime.format(Timestamp(seconds: base + Int64(i) * 60)), type: 0, volume: 3)
        let msg = HubMessage.invocation(id: nil, target: "GatewayTrade", arguments: [.string(contract), try JSONValue(encoding: [print])])
        records.append(msg.encoded().dropLast())
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
    try waitFor { await runner.startOffline() }
    // This thread plays the hub reader's part: the same scheduling as the reader threads.
    let realtime = TradingThread.raisePriority()
    /// Feeds records `range` one by one, each waited for; latencies in µs.
    func measure(_ range: ClosedRange<Int>) -> ([Double], Double) {
        var lat: [Double] = []
        lat.reserveCapacity(range.count)
        let t0 = DispatchTime.now().uptimeNanoseconds
        for i in range {
            let start = DispatchTime.now().uptimeNanoseconds
            let r = records[i]
            runner.ingest(market: r)
            guard i > 0 else { continue }   // the first print opens the first bar; nothing to send yet
            arrived.wait()
            lat.append(Double(sent.withLock { $0.at } - start) / 1000)
        }
        return (lat, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    let (lat, seconds) = measure(0...events)
    let p = percentiles(lat)
    line("live: market event → order request (in process)", "p50 \(fmt(p.p50, 1)) µs", "p99 \(fmt(p.p99, 1)) µs, max \(fmt(p.max, 0)) µs over \(lat.count) events, \(fmt(Double(events) / seconds / 1000, 1))k events/s (target p99 < 1 ms)\(realtime ? "; real-time threads" : "; normal threads: no CAP_SYS_NICE")")

    // The same, while the status page, /status.json, /metrics and the alert endpoint serve
    // 200 requests a second from 4 HTTP clients on loopback.
    let metrics = RunnerMetrics()
    let board = StatusBoard(runner: runner, broker: broker, accountName: "bench", strategies: ["bench"])
    let alerts = AlertEndpoint(secret: Secret("bench-secret"), symbols: ["ES": spec], maxQuantity: 1) { _, _ in .rejected(.unknownSymbol("none")) }
    let status = try StatusServer(host: "127.0.0.1", port: 0, token: nil, metrics: metrics, alerts: alerts) { await board.snapshot() }
    let statusPort = try waitFor { try await status.start() }
    final class LoadState: @unchecked Sendable {
        // @unchecked: both fields only under `lock`.
        let lock = NSLock()
        var stop = false
        var latencies: [Double] = []
    }
    let state = LoadState()
    let loadStart = DispatchTime.now().uptimeNanoseconds
    let load = Task.detached {
        await withTaskGroup(of: Void.self) { group in
            // Four clients, each paced at 50 requests a second: a busy dashboard and alert feed,
            // not a flood (the 2-core machine is shared with the trading path being measured).
            for c in 0..<4 {
                group.addTask {
                    // TSXLAB_BENCH_PATHS=/status.json,… narrows the load to some endpoints.
                    let paths = ProcessInfo.processInfo.environment["TSXLAB_BENCH_PATHS"].map { $0.split(separator: ",").map(String.init) } ?? ["/status.json", "/metrics", "/", "/alert"]
                    var k = c
                    let begin = DispatchTime.now().uptimeNanoseconds
                    while !state.lock.withLock({ state.stop }) {
                        let due = begin + UInt64(k - c) * 20_000_000
                        let nowNs = DispatchTime.now().uptimeNanoseconds
                        if due > nowNs { try? await Task.sleep(for: .nanoseconds(Int(due - nowNs))) }
                        let path = paths[k % paths.count]; k += 1
                        var req = URLRequest(url: URL(string: "http://127.0.0.1:\(statusPort)\(path)")!)
                        if path == "/alert" { req.httpMethod = "POST"; req.httpBody = Data("{\"secret\":\"wrong\"}".utf8) }
                        let a = DispatchTime.now().uptimeNanoseconds
                        _ = try? await URLSession.shared.data(for: req)
                        let ms = Double(DispatchTime.now().uptimeNanoseconds - a) / 1e6
                        state.lock.withLock { state.latencies.append(ms) }
                    }
                }
            }
        }
    }
    Thread.sleep(forTimeInterval: 0.5)
    let (loaded, _) = measure((events + 1)...(2 * events))
    state.lock.withLock { state.stop = true }
    try waitFor { await load.value }
    let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e9
    try waitFor { await status.stop() }
    let pl = percentiles(loaded), ph = percentiles(state.lock.withLock { state.latencies })
    let requests = state.lock.withLock { state.latencies.count }
    line("live: status page + alert endpoint, 4 clients × 50 req/s", "\(fmt(Double(requests) / loadSeconds, 0)) req/s", "p50 \(fmt(ph.p50, 2)) ms, p99 \(fmt(ph.p99, 2)) ms")
    line("live: market event → order request, under that load", "p50 \(fmt(pl.p50, 1)) µs", "p99 \(fmt(pl.p99, 1)) µs: p99 \(fmt((pl.p99 / p.p99 - 1) * 100, 0)) % vs unloaded (target ≤ +10 %)")

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
