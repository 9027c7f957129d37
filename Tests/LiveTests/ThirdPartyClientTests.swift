import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing
import Data
import ProjectX
import TSXLabTesting
@testable import Live

/// The loopback gateway as a trader's own ProjectX tooling meets it: a SignalR client from PyPI
/// (signalrcore, which `scripts/test.sh` installs) negotiates (`POST /hubs/…/negotiate`), opens
/// both hubs' WebSockets with the id it was given, subscribes, and receives quotes, trades,
/// depth and the account's order, trade and position events, over real sockets to a
/// `tsxlab gateway serve` process.
@Suite("Loopback gateway: a third-party SignalR client through negotiation", .serialized)
struct ThirdPartyClientTests {
    /// A Python that imports signalrcore, or nil.
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["TSXLAB_PYTHON"] ?? "", TestEnvironment.packageRoot + "/.build-venv/bin/python"]
        return candidates.first { c in
            !c.isEmpty && FileManager.default.isExecutableFile(atPath: c) && ((try? Subprocess.runBlocking(c, ["-c", "import signalrcore"]))?.status == 0)
        }
    }()

    @Test("signalrcore connects to both hubs through negotiation and receives quotes, trades, depth and the account's events; the direct upgrade still works; an id the gateway never issued is refused",
          .enabled(if: python != nil || TestEnvironment.isCI, "signalrcore is installed by scripts/test.sh"))
    func signalrcore() async throws {
        let python = try #require(Self.python, "no Python with signalrcore: run scripts/test.sh, which installs it into .build-venv")
        let gw = try await GatewayProcess.start(csv: LoopbackGateway.tape, contract: "ESZ13")
        defer { gw.stop() }
        try gw.step(3)
        let client = ProjectXClient(baseURL: gw.baseURL, credentials: APICredentials(userName: "trader", apiKey: Secret(LoopbackGateway.key)))
        let token = try await client.token(replacing: nil)

        // The client as its own process; its lines collected as they come.
        let (p, collected) = try Collected.launch([TestEnvironment.packageRoot + "/Tests/LiveTests/Support/signalr_client.py", gw.baseURL, token, LoopbackGateway.contract, "1"],
                                                  executable: python)
        defer { if p.isRunning { p.terminate() } }
        /// Until the client has printed `line`, stepping the tape a bar at a time while it waits when
        /// `stepping`; a client that ends without printing it fails with its output (its last lines
        /// get a few seconds to come through the pipe first).
        func wait(_ what: String, for line: String, stepping: Bool = false) async throws {
            var endedAt: Date?
            try await collected.wait(what, timeout: TestEnvironment.hangGuard) { t in
                if t.out.contains(line) { return true }
                if p.isRunning {
                    if stepping { try gw.step(1) }
                    return false
                }
                let ended = endedAt ?? Date()
                endedAt = ended
                guard Date().timeIntervalSince(ended) > 5 else { return false }
                throw Collected.NotSeen(description: "\(what): the client ended: \(t.out) \(t.err)")
            }
        }
        try await wait("both hubs open and subscribed", for: "ready")
        #expect(try gw.state()["negotiations"] as? Int == 2, "one negotiation per hub")

        // A market order, and the tape moves: the fill reaches the user hub, the bar the market hub.
        _ = try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .market, side: .bid, size: 1))
        try await wait("every kind of message", for: "done", stepping: true)
        await p.exited()
        let said = collected.texts.out + collected.texts.err
        #expect(p.terminationStatus == 0, "\(said)")
        for target in ["GatewayQuote", "GatewayTrade", "GatewayDepth", "GatewayUserOrder", "GatewayUserTrade", "GatewayUserPosition"] {
            #expect(said.contains("event \(target)"), "\(target): \(said)")
        }

        // The direct upgrade, without negotiation, as tsxlab's own client connects.
        let hub = HubClient(url: gw.hubURL + "/hubs/market") { try await client.token(replacing: $0) }
        try await hub.start()
        try await hub.subscribe("SubscribeContractQuotes", [.string(LoopbackGateway.contract)])
        await hub.stop()
        // A WebSocket naming an id no negotiation issued: 404, as the real hubs answer.
        var request = URLRequest(url: URL(string: gw.baseURL + "/hubs/market?id=never-issued&access_token=\(token)")!)
        request.setValue("websocket", forHTTPHeaderField: "Upgrade")
        request.setValue("Upgrade", forHTTPHeaderField: "Connection")
        request.setValue("13", forHTTPHeaderField: "Sec-WebSocket-Version")
        request.setValue("dGhlIHNhbXBsZSBub25jZQ==", forHTTPHeaderField: "Sec-WebSocket-Key")
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 404)
    }

    @Test("GatewayDepth: a subscriber gets the book at once, then after every bar: a reset, the best bid a tick under the close and the best ask at it, five levels a side")
    func depth() async throws {
        let gw = try await GatewayProcess.start(csv: LoopbackGateway.tape, contract: "ESZ13")
        defer { gw.stop() }
        try gw.step(3)
        let tape = try SharedData.readBars(path: LoopbackGateway.tape, symbol: "ES", tickSize: TickSize("0.25")!)
        let client = ProjectXClient(baseURL: gw.baseURL, credentials: APICredentials(userName: "trader", apiKey: Secret(LoopbackGateway.key)))
        let hub = HubClient(url: gw.hubURL + "/hubs/market") { try await client.token(replacing: $0) }
        let books = Mutex<[[JSONValue]]>([])
        await hub.deliver { e in
            if case .message("GatewayDepth", let args) = e, args.count == 2, case .array(let levels) = args[1] { books.withLock { $0.append(levels) } }
        }
        try await hub.start()
        defer { Task { await hub.stop() } }
        try await hub.subscribe("SubscribeContractMarketDepth", [.string(LoopbackGateway.contract)])
        func wait(_ n: Int) async throws {
            let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
            while books.withLock({ $0.count }) < n {
                guard Date() < deadline else { Issue.record("\(n) books: not received"); throw CancellationError() }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try await wait(1)   // the snapshot on subscribe: the book after bar 3
        try gw.step(1)
        try await wait(2)
        for (k, book) in books.withLock({ $0 }).enumerated() {
            let close = Decimal(tape.close[2 + k]) / 4
            func field(_ level: JSONValue, _ key: String) -> Decimal? { if case .object(let o) = level, case .number(let d)? = o[key] { d } else { nil } }
            let types = book.compactMap { field($0, "type") }
            #expect(types == [6, 4, 3] + Array(repeating: [2, 1], count: 5).flatMap { $0 }, "book \(k): \(types)")
            #expect(field(book[1], "price") == close - Decimal(string: "0.25")! && field(book[2], "price") == close, "book \(k): best bid and ask around the close \(close)")
            let bids = book.filter { field($0, "type") == 2 }.compactMap { field($0, "price") }
            let asks = book.filter { field($0, "type") == 1 }.compactMap { field($0, "price") }
            #expect(bids == bids.sorted(by: >) && asks == asks.sorted() && bids.first! < asks.first!, "book \(k): \(bids) / \(asks)")
            #expect(book.dropFirst().allSatisfy { (field($0, "currentVolume") ?? 0) > 0 })
        }
    }
}

@Suite("Loopback gateway: history as the venue keeps it", .serialized)
struct GatewayHistoryTests {
    /// The shipped tape played as ESU13 (expired 2013-09-20, before the tape starts): with
    /// `--expired-minute-history none` its minute bars are gone and its hourly bars are not;
    /// with the default they are served. A misspelt value is refused at start.
    @Test("--expired-minute-history none: an expired contract's minute bars come back empty, its hourly bars do not; keep serves both")
    func expiredMinuteHistory() async throws {
        let start = Timestamp(iso8601: "2013-10-06T00:00:00Z")!, end = Timestamp(iso8601: "2013-10-08T00:00:00Z")!
        var counts: [Bool: (minutes: Int, hours: Int)] = [:]
        for keep in [false, true] {
            let gw = try await GatewayProcess.start(csv: LoopbackGateway.tape, contract: "ESU13", extra: ["--expired-minute-history", keep ? "keep" : "none"])
            defer { gw.stop() }
            try gw.step(1380)
            let client = LoopbackGateway.client(gw)
            let minutes = try await client.retrieveBars(contractId: "CON.F.US.EP.U13", unit: .minute, unitNumber: 1, start: start, end: end)
            let hours = try await client.retrieveBars(contractId: "CON.F.US.EP.U13", unit: .hour, unitNumber: 1, start: start, end: end)
            counts[keep] = (minutes.count, hours.count)
        }
        #expect(counts[false]?.minutes == 0 && (counts[true]?.minutes ?? 0) > 1000, "\(counts)")
        #expect(counts[false]?.hours == counts[true]?.hours && (counts[true]?.hours ?? 0) > 20, "\(counts)")
        let refused = try await Subprocess.run(CLI.binary, ["gateway", "serve", "--csv", LoopbackGateway.tape, "--expired-minute-history", "never"])
        #expect(refused.status == 64 && refused.stderr.contains("--expired-minute-history must be keep or none, not 'never'"), "\(refused.stderr)")
    }
}
