import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import FlyingFox
import HTTPServing
import Data
import Trading
import Live
import Operations
import TSXLabTesting

@Suite("Runner metrics in the Prometheus text format")
struct MetricsTests {
    @Test("API calls by endpoint and status, errors, orders, fills, rejections by reason, strategy time and risk headroom are exposed with their values")
    func exposition() {
        let m = RunnerMetrics()
        let now = Date()
        m.record(APICallRecord(endpoint: "/api/Order/place", method: "POST", durationMs: 1.5, status: 200, success: true, error: nil, at: now))
        m.record(APICallRecord(endpoint: "/api/Order/place", method: "POST", durationMs: 2.5, status: 200, success: true, error: nil, at: now))
        m.record(APICallRecord(endpoint: "/api/Order/cancel", method: "POST", durationMs: 3, status: 200, success: false, error: "code 2", at: now))
        let o = Order(id: OrderID(1), request: OrderRequest(symbol: "ES", side: .buy, quantity: 1, kind: .market), status: .working,
                      createdAt: Timestamp(seconds: 0), tradeDay: 0)
        m.observe(.event(.orderAccepted(o)))
        m.observe(.event(.orderFilled(o, Fill(orderID: o.id, symbol: "ES", side: .buy, quantity: 1, price: Price(ticks: 8000), time: Timestamp(seconds: 0),
                                            fee: Money(cents: 70), resolution: .exact, purpose: .entry))))
        m.observe(.event(.orderRejected(o.request, .riskRule(.dailyLossLimit, "locked"))))
        m.observe(.strategyCall(strategy: "overnight_range", seconds: 0.0002))
        m.observe(.event(.accountChanged(AccountSnapshot(balance: Money(cents: 50_100_00), equity: Money(cents: 50_150_00), dayStartBalance: Money(cents: 50_000_00),
                                                         maxLossLevel: Money(cents: 48_000_00), dailyLossRemaining: Money(cents: 1_150_00),
                                                         maxLossRemaining: Money(cents: 2_150_00), lockedUntilNextDay: false, failed: false))))
        let text = m.render()
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"tsxlab_api_calls_total{endpoint="/api/Order/place",status="200"} 2"#), "\(text)")
        #expect(lines.contains(#"tsxlab_api_errors_total{endpoint="/api/Order/cancel"} 1"#))
        #expect(lines.contains("tsxlab_orders_placed_total 1") && lines.contains("tsxlab_fills_total 1"))
        #expect(lines.contains(#"tsxlab_rejections_total{reason="daily_loss_limit"} 1"#))
        #expect(lines.contains("tsxlab_daily_loss_limit_remaining_usd 1150.0") && lines.contains("tsxlab_max_loss_limit_remaining_usd 2150.0"))
        #expect(lines.contains { $0.hasPrefix(#"tsxlab_strategy_execution_count{strategy="overnight_range"} 1"#) })
        #expect(lines.contains { $0.hasPrefix(#"tsxlab_api_call_duration_count{endpoint="/api/Order/place"} 2"#) })
        #expect(lines.contains { $0.hasPrefix("tsxlab_resident_memory_bytes ") && !$0.hasSuffix(" 0.0") })
        #expect(lines.contains { $0.hasPrefix("tsxlab_uptime_seconds ") })
    }
}

/// An HTTP receiver on 127.0.0.1 that answers with the statuses it is given, in turn, and
/// records each body.
final class Receiver: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Int]
    private var bodies: [Data] = []
    let delay: Double
    let server: HTTPServer
    var port: UInt16 = 0

    init(statuses: [Int], delay: Double = 0) throws {
        self.statuses = statuses; self.delay = delay
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), logger: .disabled)
    }

    func start() async throws {
        await server.appendRoute("POST /hook") { [self] req in
            let body = try await req.bodyData
            if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
            let status: Int = lock.withLock { bodies.append(body); return statuses.count > 1 ? statuses.removeFirst() : statuses.first ?? 200 }
            return HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "X"))
        }
        port = try await server.listen() ?? 0
    }

    var received: [Data] { lock.withLock { bodies } }
    var url: String { "http://127.0.0.1:\(port)/hook" }
}

@Suite("Notifications over webhooks, against a receiver on 127.0.0.1", .serialized)
struct NotifierTests {
    static func fill() -> Notice {
        Notice(kind: .fill, text: "BUY 1 ES @ 1690.25 (entry)", time: Timestamp(year: 2013, month: 10, day: 10, hour: 13, minute: 30), fields: ["symbol": "ES"])
    }

    @Test("a failing receiver is retried until it answers; Discord and JSON bodies; the URL never prints")
    func retriesAndBodies() async throws {
        let discord = try Receiver(statuses: [500, 503, 204])
        let json = try Receiver(statuses: [200])
        try await discord.start(); try await json.start()
        let targets = [WebhookTarget(url: Secret(discord.url), format: .discord), WebhookTarget(url: Secret(json.url), format: .json)]
        #expect(!"\(targets)".contains("127.0.0.1"))
        // The receiver answers from this process's shared pool: a generous request timeout keeps a
        // busy pool from turning a slow answer into an extra retry.
        let n = Notifier(targets: targets, retryDelays: [0.05, 0.05, 0.05], timeout: TestEnvironment.hangGuard)
        await n.start()
        await n.post(Self.fill())
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while await n.stats.delivered < 2, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let stats = await n.stats
        #expect(stats.delivered == 2 && stats.retries == 2 && stats.failed == 0)
        #expect(discord.received.count == 3)
        let d = try JSONSerialization.jsonObject(with: discord.received[2]) as? [String: String]
        #expect(d == ["content": "**Fill** 2013-10-10T13:30:00Z: BUY 1 ES @ 1690.25 (entry)"])
        let j = try JSONSerialization.jsonObject(with: json.received[0]) as? [String: Any]
        #expect(j?["kind"] as? String == "fill" && j?["text"] as? String == "BUY 1 ES @ 1690.25 (entry)" && (j?["fields"] as? [String: String]) == ["symbol": "ES"])
        await n.stop()
    }

    @Test("a dead receiver gives up after the retries; a slow one never holds up posting: the queue is bounded and drops the oldest, counted")
    func deadAndSlow() async throws {
        let dead = Notifier(targets: [WebhookTarget(url: Secret("http://127.0.0.1:9/hook"), format: .json)], retryDelays: [0.01, 0.01, 0.01])
        await dead.start()
        await dead.post(Self.fill())
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while await dead.stats.failed < 1, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(await dead.stats == Notifier.Stats(delivered: 0, failed: 1, retries: 3, dropped: 0))
        await dead.stop()

        let slow = try Receiver(statuses: [200], delay: 2)
        try await slow.start()
        let n = Notifier(targets: [WebhookTarget(url: Secret(slow.url), format: .json)], capacity: 5)
        await n.start()
        for _ in 0..<50 { await n.post(Self.fill()) }
        let pending = await n.pending, stats = await n.stats
        #expect(pending <= 5 && stats.dropped >= 44 && stats.dropped + pending + stats.delivered + 1 >= 50)
        await n.stop()
    }
}

@Suite("The runner's HTTP address: status JSON, metrics, token, the page in Chromium", .serialized)
struct StatusServerTests {
    static func snapshot(_ balance: Double) -> StatusSnapshot {
        StatusSnapshot(time: "2013-10-10T14:00:00Z", account: "50KTC-LOOPBACK-1", balance: balance, equity: balance + 37.5, dayPnL: 37.5,
                       dailyLossLimit: 1000, dailyLossRemaining: 1037.5, maxLossLimit: 2000, maxLossRemaining: 2037.5,
                       positions: [.init(symbol: "ES", quantity: 1, average: "1690.25")],
                       orders: [.init(id: "#2", symbol: "ES", side: "SELL", quantity: 1, kind: "stop 6741t", status: "working")],
                       equityToday: [.init(time: "2013-10-10T13:30:00Z", equity: balance), .init(time: "2013-10-10T14:00:00Z", equity: balance + 37.5)],
                       strategies: ["overnight_range"], state: "running", lastErrors: [])
    }

    func get(_ url: String) async throws -> (Int, Data) {
        // A generous bound: on a loaded 2-core machine an answer took over URLSession's 60 s.
        var req = URLRequest(url: URL(string: url)!)
        req.timeoutInterval = TestEnvironment.hangGuard
        let (d, r) = try await URLSession.shared.data(for: req)
        return ((r as? HTTPURLResponse)?.statusCode ?? 0, d)
    }

    @Test("/status.json is the runner's snapshot, /metrics the registry; beyond loopback a token is required and checked")
    func endpoints() async throws {
        let metrics = RunnerMetrics()
        metrics.observe(.bar(Bar(0, 1, 1, 1, 1, 1)))
        let server = try StatusServer(host: "127.0.0.1", port: 0, token: nil, metrics: metrics) { Self.snapshot(50_000) }
        let port = try await server.start()
        let (s1, body) = try await get("http://127.0.0.1:\(port)/status.json")
        let decoded = try JSONDecoder().decode(StatusSnapshot.self, from: body)
        #expect(s1 == 200 && decoded == Self.snapshot(50_000))
        let (s2, text) = try await get("http://127.0.0.1:\(port)/metrics")
        #expect(s2 == 200 && String(decoding: text, as: UTF8.self).contains("tsxlab_bars_total 1"))
        await server.stop()

        #expect(throws: StatusServerError.self) {
            _ = try StatusServer(host: "0.0.0.0", port: 0, token: nil, metrics: metrics) { Self.snapshot(0) }
        }
        let guarded = try StatusServer(host: "0.0.0.0", port: 0, token: Secret("tok-123"), metrics: metrics) { Self.snapshot(50_000) }
        let gp = try await guarded.start()
        #expect(try await get("http://127.0.0.1:\(gp)/status.json").0 == 401)
        #expect(try await get("http://127.0.0.1:\(gp)/status.json?token=wrong").0 == 401)
        #expect(try await get("http://127.0.0.1:\(gp)/status.json?token=tok-123").0 == 200)
        await guarded.stop()
    }

    @Test("a port already taken is refused at once, naming the address and what to do; the first server keeps answering")
    func portTaken() async throws {
        let first = try StatusServer(host: "127.0.0.1", port: 0, token: nil, metrics: RunnerMetrics()) { Self.snapshot(50_000) }
        let port = try await first.start()
        let second = try StatusServer(host: "127.0.0.1", port: port, token: nil, metrics: RunnerMetrics()) { Self.snapshot(0) }
        do {
            _ = try await second.start()
            Issue.record("a second server started on port \(port)")
        } catch let error as StatusServerError {
            guard case .cannotListen(let address, let why) = error else { Issue.record("\(error)"); return }
            #expect(address == "127.0.0.1:\(port)" && why.lowercased().contains("in use"), "\(why)")
            #expect(error.description.contains("--http HOST:PORT"))
        }
        #expect(try await get("http://127.0.0.1:\(port)/status.json").0 == 200)
        await first.stop()
    }

    @Test("the page in headless Chromium: no console error, the runner's numbers shown, and an update pushed over the socket appears without a reload",
          .enabled(if: Chromium.installed || TestEnvironment.isCI))
    func pageInChromium() async throws {
        // The first snapshot (the page's fetch) shows 50,000; every later one (the socket's pushes) 50,250.
        final class Calls: @unchecked Sendable { let lock = NSLock(); var n = 0 }
        let calls = Calls()
        let server = try StatusServer(host: "127.0.0.1", port: 0, token: nil, metrics: RunnerMetrics()) {
            let k = calls.lock.withLock { calls.n += 1; return calls.n }
            return Self.snapshot(k == 1 ? 50_000 : 50_250)
        }
        let port = try await server.start()
        let out = try await Chromium.dumpDOM("http://127.0.0.1:\(port)/", beforeEach: { calls.lock.withLock { calls.n = 0 } },
                                 until: { $0.contains(#"<span id="balance" class="big">$50250.00</span>"#) })
        await server.stop()
        #expect(out.status == 0)
        let dom = out.dom
        #expect(dom.contains(#"<span id="balance" class="big">$50250.00</span>"#), "\(dom.prefix(3000))")
        #expect(dom.contains(#"<strong id="account">50KTC-LOOPBACK-1</strong>"#) && dom.contains("<td>ES</td><td>1</td><td>1690.25</td>"))
        #expect(dom.contains("$1037.50 of $1000.00") && dom.contains(#"<span id="state" class="">running</span>"#))
        #expect(calls.lock.withLock { calls.n } >= 2)
        let console = Chromium.consoleProblems(out.log)
        #expect(console.isEmpty, "\(console)")
    }
}

@Suite("The alert webhook: TradingView-style JSON through the same broker and risk engine", .serialized)
struct AlertEndpointTests {
    final class Sent: @unchecked Sendable {
        let lock = NSLock()
        var requests: [OrderRequest] = []
        var flattens: [String] = []
    }

    /// An endpoint on a live broker with the 50K Combine's rules; `sent` records what reached the broker.
    static func make(now: Date = Date()) throws -> (AlertEndpoint, LiveBroker, Sent) {
        let spec = try ContractRegistry.builtIn.spec(for: "ES")
        let rules = RiskRules.topstepCombine(50)!
        let broker = LiveBroker(accountID: 1, instruments: [Instrument(spec: spec)], contracts: ["ES": "CON.F.US.EP.Z13"], rules: rules,
                                startingBalance: rules.startingBalance, tagPrefix: "alert", now: Timestamp(year: 2013, month: 10, day: 10, hour: 14))
        broker.beginTradeDay(SessionCalendar.cmeEquityIndex.tradeDayNumber(containing: broker.now.seconds))
        broker.mark("ES", price: 6760, at: broker.now)
        let sent = Sent()
        let e = AlertEndpoint(secret: Secret("s3cret"), symbols: ["ES": spec], maxQuantity: 5, now: { now }) { request, flatten in
            sent.lock.withLock { if let request { sent.requests.append(request) }; if let flatten { sent.flattens.append(flatten) } }
            return request.map { broker.place($0) } ?? broker.flatten(flatten, reason: "alert")
        }
        return (e, broker, sent)
    }

    static func body(_ fields: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: fields) }

    @Test("a valid alert becomes an order through the broker")
    func valid() async throws {
        let (e, broker, sent) = try Self.make()
        let a = await e.handle(body: Self.body(["secret": "s3cret", "symbol": "es", "action": "buy", "quantity": 2,
                                                "time": Timestamp(seconds: Int64(Date().timeIntervalSince1970)).iso8601]), headerSecret: nil)
        #expect(a.status == 202 && a.body["status"] == "accepted")
        #expect(sent.requests.count == 1 && sent.requests[0].side == .buy && sent.requests[0].quantity == 2)
        #expect(broker.takeOutbox().count == 1)
    }

    @Test("malformed and hostile input: each refused with its status and a reason, nothing reaches the broker",
          arguments: [
            (Data("not json".utf8), nil, 400, "not a JSON object"),
            (Data("[1,2]".utf8), nil, 400, "not a JSON object"),
            (Data(repeating: 0x20, count: 20_000), nil, 413, "larger than"),
            (AlertEndpointTests.body(["symbol": "ES", "action": "buy", "quantity": 1, "time": "now"]), nil, 401, "secret"),
            (AlertEndpointTests.body(["secret": "wrong", "symbol": "ES", "action": "buy", "quantity": 1]), nil, 401, "secret"),
            (AlertEndpointTests.body(["symbol": "ES", "action": "buy", "quantity": 1]), "s3cre", 401, "secret"),
            (AlertEndpointTests.body(["secret": "s3cret", "symbol": "XYZ", "action": "buy", "quantity": 1, "time": "NOW"]), nil, 422, "unknown symbol 'XYZ'"),
            (AlertEndpointTests.body(["secret": "s3cret", "symbol": 7, "action": "buy", "quantity": 1]), nil, 400, "'symbol' is required"),
            (AlertEndpointTests.body(["secret": "s3cret", "symbol": "ES", "action": "hold", "quantity": 1, "time": "NOW"]), nil, 422, "bad action 'hold'"),
            (AlertEndpointTests.body(["secret": "s3cret", "symbol": "ES", "action": "buy", "quantity": 1, "time": "2013-10-10T14:00:00Z"]), nil, 422, "stale alert"),
            (AlertEndpointTests.body(["secret": "s3cret", "symbol": "ES", "action": "buy", "quantity": 1]), nil, 400, "'time' is required"),
            (AlertEndpointTests.body(["secret": "s3cret", "symbol": "ES", "action": "buy", "quantity": -3, "time": "NOW"]), nil, 422, "positive whole number"),
            (AlertEndpointTests.body(["secret": "s3cret", "symbol": "ES", "action": "buy", "quantity": 1.5, "time": "NOW"]), nil, 422, "positive whole number"),
            (AlertEndpointTests.body(["secret": "s3cret", "symbol": "ES", "action": "sell", "quantity": 50, "time": "NOW"]), nil, 422, "over this endpoint's limit of 5"),
            (AlertEndpointTests.body(["secret": "s3cret", "symbol": "ES", "action": "buy", "quantity": 1, "order_type": "limit", "price": 1690.1, "time": "NOW"]), nil, 422, "tick grid"),
            (AlertEndpointTests.body(["secret": "s3cret", "symbol": "ES", "action": "buy", "quantity": 1, "order_type": "iceberg", "time": "NOW"]), nil, 422, "bad order_type"),
          ] as [(Data, String?, Int, String)])
    func refused(_ body: Data, _ header: String?, _ status: Int, _ reason: String) async throws {
        let (e, broker, sent) = try Self.make()
        let now = Timestamp(seconds: Int64(Date().timeIntervalSince1970)).iso8601
        let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\"NOW\"", with: "\"\(now)\"")
        let a = await e.handle(body: Data(text.utf8), headerSecret: header)
        #expect(a.status == status && (a.body["error"] ?? "").contains(reason), "\(a)")
        #expect(sent.requests.isEmpty && sent.flattens.isEmpty && broker.takeOutbox().isEmpty)
    }

    @Test("an alert the risk engine refuses (6 contracts on a 5-contract account) is a 422 naming the rule, and nothing is sent")
    func riskRefusal() async throws {
        let (_, broker, _) = try Self.make()
        let base = AlertEndpoint(secret: Secret("s3cret"), symbols: ["ES": try ContractRegistry.builtIn.spec(for: "ES")], maxQuantity: 10) { r, f in
            r.map { broker.place($0) } ?? broker.flatten(f, reason: "alert")
        }
        let a = await base.handle(body: Self.body(["secret": "s3cret", "symbol": "ES", "action": "sell", "quantity": 6,
                                                   "time": Timestamp(seconds: Int64(Date().timeIntervalSince1970)).iso8601]), headerSecret: nil)
        #expect(a.status == 422 && a.body["error"] == "size would reach 6 mini-equivalents, above the limit of 5")
        #expect(broker.takeOutbox().isEmpty)
    }

    @Test("over HTTP on 127.0.0.1: the route answers 202 or the refusal's status, with a JSON reason; GET is refused")
    func overHTTP() async throws {
        let (e, _, sent) = try Self.make()
        let server = try StatusServer(host: "127.0.0.1", port: 0, token: nil, metrics: RunnerMetrics(), alerts: e) { StatusServerTests.snapshot(0) }
        let port = try await server.start()
        func post(_ body: Data, secret: String? = nil) async throws -> (Int, [String: String]) {
            var req = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/alert")!)
            req.httpMethod = "POST"; req.httpBody = body
            req.timeoutInterval = TestEnvironment.hangGuard
            if let secret { req.setValue(secret, forHTTPHeaderField: "X-Tsxlab-Secret") }
            let (d, r) = try await URLSession.shared.data(for: req)
            return ((r as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONDecoder().decode([String: String].self, from: d)) ?? [:])
        }
        let now = Timestamp(seconds: Int64(Date().timeIntervalSince1970)).iso8601
        let ok = try await post(Self.body(["symbol": "ES", "action": "flatten", "time": now]), secret: "s3cret")
        #expect(ok.0 == 202 && ok.1["action"] == "flatten" && sent.flattens == ["ES"])
        let bad = try await post(Data("{".utf8), secret: "s3cret")
        #expect(bad.0 == 400 && bad.1["error"] == "the body is not a JSON object")
        let (_, r) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/alert")!)
        #expect((r as? HTTPURLResponse)?.statusCode == 405)
        await server.stop()
    }
}
