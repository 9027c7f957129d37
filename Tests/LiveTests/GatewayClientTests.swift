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

/// The REST client and the hub client against a `tsxlab gateway serve` process on 127.0.0.1
/// replaying the shipped ESZ13 bars (starting Sunday 2013-10-06 17:00 CT).
enum LoopbackGateway {
    static let contract = "CON.F.US.EP.Z13"
    static let tape = TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz")
    static let key = "loopback-key-5f0c9d2e"

    static func start(_ extra: [String] = []) async throws -> GatewayProcess {
        try await GatewayProcess.start(csv: tape, contract: "ESZ13", extra: extra)
    }

    static func client(_ gw: GatewayProcess, calls: any APICallSink = MemoryAPICallSink(), retry: RetryPolicy = RetryPolicy(delays: [0.05, 0.1, 0.2], jitter: 0.2)) -> ProjectXClient {
        ProjectXClient(baseURL: gw.baseURL, credentials: APICredentials(userName: "trader", apiKey: Secret(key)), calls: calls, retry: retry)
    }
}

@Suite("ProjectX REST client against the loopback gateway", .serialized)
struct GatewayRESTTests {
    @Test("login, accounts, contracts by text and by id, and history paged over the per-call limit without the forming bar")
    func readEndpoints() async throws {
        let gw = try await LoopbackGateway.start()
        try gw.step(600)
        let client = LoopbackGateway.client(gw)
        let accounts = try await client.searchAccounts()
        #expect(accounts.map(\.name) == ["50KTC-LOOPBACK-1"] && accounts[0].balance == 50_000)
        let found = try await client.searchContracts("ES")
        #expect(found.contains { $0.id == LoopbackGateway.contract })
        let es = try await client.contract(id: LoopbackGateway.contract)
        #expect(es.tickSize == Decimal(string: "0.25") && es.tickValue == Decimal(string: "12.5") && es.symbolId == "F.US.EP")
        await #expect(throws: ProjectXError.rejected(endpoint: "/api/Contract/searchById", code: 1, message: "Contract not found")) {
            try await client.contract(id: "CON.F.US.XX.Z13")
        }

        // 600 one-minute bars played (real data: some minutes have no bar). Five-minute bars,
        // fetched 20 at a time, oldest first, each aggregating its one-minute bars exactly; the
        // bucket the tape is still inside is left out.
        let tape = try SharedData.readBars(path: LoopbackGateway.tape, symbol: "ES", tickSize: TickSize("0.25")!)
        let start = tape.first!.time, played = 600
        var expected: [(t: Int64, o: Int64, h: Int64, l: Int64, c: Int64, v: Int64)] = []
        for i in 0..<played {
            let b = tape.time[i] / 300 * 300
            if let last = expected.last, last.t == b {
                expected[expected.count - 1] = (b, last.o, max(last.h, tape.high[i]), min(last.l, tape.low[i]), tape.close[i], last.v + tape.volume[i])
            } else {
                expected.append((b, tape.open[i], tape.high[i], tape.low[i], tape.close[i], tape.volume[i]))
            }
        }
        if tape.time[played - 1] + 60 < expected.last!.t + 300 { expected.removeLast() }
        let end = Timestamp(seconds: tape.time[played - 1] + 86_400)
        let calls = MemoryAPICallSink()
        let paging = LoopbackGateway.client(gw, calls: calls)
        let bars = try await paging.retrieveBars(contractId: LoopbackGateway.contract, unit: .minute, unitNumber: 5, start: start, end: end, limit: 20)
        #expect(calls.records.filter { $0.endpoint == "/api/History/retrieveBars" }.count >= expected.count / 20)
        let tick = TickSize("0.25")!
        let got = bars.map { b in (PXTime.parse(b.t)!.seconds, tick.ticks(decimal: b.o)!, tick.ticks(decimal: b.h)!, tick.ticks(decimal: b.l)!, tick.ticks(decimal: b.c)!, b.v) }
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) { #expect(g == e) }
        let withPartial = try await client.retrieveBars(contractId: LoopbackGateway.contract, unit: .minute, unitNumber: 5, start: start, end: end, includePartialBar: true)
        #expect(withPartial.count == expected.count + (tape.time[played - 1] % 300 == 240 ? 0 : 1))
        // Daily bars are session-aware, as the product resamples them; today's is still forming.
        let days = try await client.retrieveBars(contractId: LoopbackGateway.contract, unit: .day, unitNumber: 1, start: start, end: end)
        #expect(days.isEmpty)
        let today = try await client.retrieveBars(contractId: LoopbackGateway.contract, unit: .day, unitNumber: 1, start: start, end: end, includePartialBar: true)
        let daily = try tape.slice(0..<played).resampled(to: Timeframe("1d")!)
        #expect(today.count == 1 && PXTime.parse(today[0].t)?.seconds == daily.time[0] && today[0].v == daily.volume[0])
        await gw.shutdown()
    }

    @Test("a market order fills at the next bar's open; the trade, the position and its close come back over REST")
    func orderLifecycle() async throws {
        let gw = try await LoopbackGateway.start()
        try gw.step(30)
        let client = LoopbackGateway.client(gw)
        let tape = try SharedData.readBars(path: LoopbackGateway.tape, symbol: "ES", tickSize: TickSize("0.25")!)
        let id = try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .market, side: .bid, size: 2, customTag: "t-1"))
        try gw.step(1)
        let trades = try await client.searchTrades(accountId: 1, from: tape.first!.time)
        #expect(trades.count == 1 && trades[0].orderId == id && trades[0].size == 2 && trades[0].profitAndLoss == nil)
        #expect(TickSize("0.25")!.ticks(decimal: trades[0].price) == tape.open[30])
        let positions = try await client.openPositions(accountId: 1)
        #expect(positions.count == 1 && positions[0].signedSize == 2)
        try await client.closePosition(accountId: 1, contractId: LoopbackGateway.contract)
        try gw.step(1)
        #expect(try await client.openPositions(accountId: 1).isEmpty)
        let all = try await client.searchTrades(accountId: 1, from: tape.first!.time)
        let pnlTicks = (tape.open[31] - tape.open[30]) * 2
        #expect(all.count == 2 && all[1].profitAndLoss == Decimal(pnlTicks) * Decimal(string: "12.5")!)
        // A tag is unique per account: placing the same tag again finds the first order, never a second.
        let again = try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .market, side: .bid, size: 2, customTag: "t-1"))
        let placed = try gw.state()["ordersPlaced"] as? Int
        #expect(again == id && placed == 1)
        await #expect(throws: ProjectXError.rejected(endpoint: "/api/Order/place", code: 2, message: "Invalid limitPrice 1600.1: not a multiple of the tick size 0.25")) {
            _ = try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .limit, side: .bid, size: 1, limitPrice: Decimal(string: "1600.1")))
        }
        await gw.shutdown()
    }

    @Test("native brackets: signs checked with the gateway's messages; exits are suspended until the entry fills, then one cancels the other")
    func nativeBrackets() async throws {
        let gw = try await LoopbackGateway.start()
        try gw.step(30)
        let client = LoopbackGateway.client(gw)
        await #expect(throws: ProjectXError.rejected(endpoint: "/api/Order/place", code: 2, message: "Invalid stop loss ticks (40). Ticks should be less than zero when longing.")) {
            try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .market, side: .bid, size: 1,
                                                            stopLossBracket: PXBracket(ticks: 40, type: .stop), takeProfitBracket: PXBracket(ticks: 80, type: .limit)))
        }
        await #expect(throws: ProjectXError.rejected(endpoint: "/api/Order/place", code: 2, message: "Invalid stop loss type (Limit)")) {
            try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .market, side: .ask, size: 1,
                                                            stopLossBracket: PXBracket(ticks: 40, type: .limit)))
        }
        let entry = try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .market, side: .ask, size: 1,
                                                                    stopLossBracket: PXBracket(ticks: 8, type: .stop), takeProfitBracket: PXBracket(ticks: -8, type: .limit)))
        let before = try await client.workingOrders(accountId: 1)
        #expect(Set(before.filter { $0.parentOrderId == entry }.map(\.status)) == [PXOrderStatus.suspended.rawValue])
        #expect(try await client.searchOpenOrders(accountId: 1).allSatisfy { $0.parentOrderId != entry })
        try gw.step(1)
        let exits = try await client.workingOrders(accountId: 1).filter { $0.parentOrderId == entry }
        #expect(exits.count == 2 && exits.allSatisfy { $0.status == PXOrderStatus.open.rawValue })
        try gw.step(400)
        let done = try await client.searchOrders(accountId: 1, from: Timestamp(seconds: 0)).filter { $0.parentOrderId == entry }
        #expect(done.filter { $0.status == PXOrderStatus.filled.rawValue }.count == 1)
        #expect(done.filter { $0.status == PXOrderStatus.cancelled.rawValue }.count == 1)
        await gw.shutdown()
    }

    @Test("a 401 mid-session renews the token once for all waiting requests, and every request goes through")
    func renewalAfter401() async throws {
        let gw = try await LoopbackGateway.start()
        let client = LoopbackGateway.client(gw)
        _ = try await client.searchAccounts()
        #expect(await client.renewals == 1)
        try gw.control("/_gateway/faults", ["expireTokens": true])
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await client.searchAccounts().count } }
            for try await n in group { #expect(n == 1) }
        }
        #expect(await client.renewals == 2)
        let state = try gw.state()
        #expect(state["login"] as? Int == 2)
        await gw.shutdown()
    }

    @Test("rate-limit answers back off and retry; nothing is lost and each attempt is recorded")
    func rateLimitBackoff() async throws {
        let gw = try await LoopbackGateway.start()
        let calls = MemoryAPICallSink()
        let client = LoopbackGateway.client(gw, calls: calls)
        _ = try await client.searchAccounts()
        try gw.control("/_gateway/faults", ["rateLimit": 3, "retryAfter": 0])
        let accounts = try await client.searchAccounts()
        #expect(accounts.count == 1)
        let search = calls.records.filter { $0.endpoint == "/api/Account/search" }
        #expect(search.map(\.status) == [200, 429, 429, 429, 200])
        try gw.control("/_gateway/faults", ["rateLimit": 4, "retryAfter": 0])
        await #expect(throws: ProjectXError.rateLimited(endpoint: "/api/Account/search")) { try await client.searchAccounts() }
        await gw.shutdown()
    }

    @Test("an order placement is retried only with a custom tag: a lost answer is recovered by the tag, never a second order")
    func placementRetries() async throws {
        let gw = try await LoopbackGateway.start()
        try gw.step(30)
        let client = LoopbackGateway.client(gw)
        // Untagged: a 429 is not retried.
        try gw.control("/_gateway/faults", ["rateLimit": 1, "retryAfter": 0])
        await #expect(throws: ProjectXError.rateLimited(endpoint: "/api/Order/place")) {
            try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .limit, side: .bid, size: 1, limitPrice: 1600))
        }
        // Untagged: an HTTP 500 after the gateway took it is ambiguous, not retried.
        try gw.control("/_gateway/faults", ["loseNextPlaceAnswer": 1])
        await #expect(throws: ProjectXError.ambiguous(endpoint: "/api/Order/place", reason: "HTTP 500")) {
            try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .limit, side: .bid, size: 1, limitPrice: 1600))
        }
        #expect(try gw.state()["ordersPlaced"] as? Int == 1)
        // Tagged: the lost answer is retried; the gateway refuses the tag; the order is found by it.
        try gw.control("/_gateway/faults", ["loseNextPlaceAnswer": 1])
        let id = try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .limit, side: .bid, size: 1,
                                                                 limitPrice: 1601, customTag: "entry-42"))
        #expect(try gw.state()["ordersPlaced"] as? Int == 2)
        let found = try await client.order(accountId: 1, orderId: id)
        #expect(found?.customTag == "entry-42")
        await gw.shutdown()
    }
}

extension GatewayRESTTests {
    /// POSTs `body` to the gateway as it is, and returns the answer's JSON object as it came.
    static func raw(_ gw: GatewayProcess, _ path: String, _ body: [String: Any], token: String? = nil) async throws -> [String: Any] {
        var req = URLRequest(url: URL(string: gw.baseURL + path)!)
        req.httpMethod = "POST"
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token { req.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        req.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: req)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("a reused custom tag is answered with the place envelope's OrderRejected (code 2) and no order id; the client finds its order by the code, the message null")
    func duplicateTagEnvelope() async throws {
        let gw = try await LoopbackGateway.start()
        defer { gw.stop() }
        try gw.step(30)
        let login = try await Self.raw(gw, "/api/Auth/loginKey", ["userName": "trader", "apiKey": LoopbackGateway.key])
        let token = try #require(login["token"] as? String)
        let order: [String: Any] = ["accountId": 1, "contractId": LoopbackGateway.contract, "type": 1, "side": 0, "size": 1, "limitPrice": 1600, "customTag": "dup-1"]
        let first = try await Self.raw(gw, "/api/Order/place", order, token: token)
        let id = try #require(first["orderId"] as? Int)
        #expect(first["success"] as? Bool == true && first["errorCode"] as? Int == 0 && first["errorMessage"] is NSNull)
        // The same tag again: every field of the envelope, exactly.
        let again = try await Self.raw(gw, "/api/Order/place", order, token: token)
        #expect(Set(again.keys) == ["orderId", "success", "errorCode", "errorMessage"])
        #expect(again["orderId"] is NSNull && again["success"] as? Bool == false && again["errorCode"] as? Int == PXPlaceOrderError.orderRejected.rawValue)
        #expect(again["errorMessage"] as? String == "Custom tag 'dup-1' is already in use")
        // The message is free text and may be null: with it gone the client still recognises the
        // reused tag by its code and returns the order holding it, never a second one.
        try gw.control("/_gateway/faults", ["nullErrorMessages": true])
        let bare = try await Self.raw(gw, "/api/Order/place", order, token: token)
        #expect(bare["errorMessage"] is NSNull && bare["errorCode"] as? Int == 2)
        let client = LoopbackGateway.client(gw)
        let request = PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .limit, side: .bid, size: 1, limitPrice: 1600, customTag: "dup-1")
        #expect(try await client.placeOrder(request) == Int64(id))
        // A lost answer, retried: the retry's refusal (code 2, no message) leads to the order by its tag.
        try gw.control("/_gateway/faults", ["loseNextPlaceAnswer": 1])
        let second = try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .limit, side: .bid, size: 1,
                                                                     limitPrice: 1601, customTag: "dup-2"))
        #expect(try await client.order(accountId: 1, orderId: second)?.customTag == "dup-2")
        #expect(try gw.state()["ordersPlaced"] as? Int == 2)
        // A code-2 refusal of a tag no order holds is a refusal: nothing is taken for the order.
        await #expect(throws: ProjectXError.rejected(endpoint: "/api/Order/place", code: 2, message: nil)) {
            try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .limit, side: .bid, size: 1,
                                                            limitPrice: Decimal(string: "1600.1"), customTag: "dup-3"))
        }
        #expect(try gw.state()["ordersPlaced"] as? Int == 2)
    }
}

@Suite("SignalR hub client against the loopback gateway", .serialized)
struct GatewayHubTests {
    static let fast = HubTiming(keepAlive: 1, staleAfter: 0, invocationTimeout: 30, reconnectDelays: [0.05, 0.2])

    /// Collects hub events in a task.
    actor Collector {
        var events: [HubEvent] = []
        func add(_ e: HubEvent) { events.append(e) }
        func messages(_ target: String) -> [[JSONValue]] {
            events.compactMap { if case .message(let t, let a) = $0, t == target { a } else { nil } }
        }
        var reconnects: Int { events.filter { if case .connected(true) = $0 { true } else { false } }.count }
    }

    static func waitFor(_ what: String, timeout: Double = TestEnvironment.hangGuard, _ check: () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !(await check()) {
            guard Date() < deadline else { Issue.record("timed out waiting for \(what)"); return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// What a hub's sink was given, and on which threads.
    final class SinkLog: Sendable {
        private let log = Mutex<[(event: HubEvent, thread: String)]>([])
        func add(_ e: HubEvent) { log.withLock { $0.append((e, Thread.current.name ?? "")) } }
        func messages(_ target: String) -> [(arguments: [JSONValue], thread: String)] {
            log.withLock { $0.compactMap { if case .message(let t, let a) = $0.event, t == target { (a, $0.thread) } else { nil } } }
        }
        var reconnects: Int { log.withLock { $0.filter { if case .connected(true) = $0.event { true } else { false } }.count } }
    }

    @Test("with a sink, the hub's pushes come straight from its socket's reader thread (neither the actor nor the shared pool), subscribing still gets its answers, and after a dropped socket the pushes flow again the same way")
    func pushesFromTheReaderThread() async throws {
        let gw = try await LoopbackGateway.start()
        let client = LoopbackGateway.client(gw)
        let hub = HubClient(url: gw.hubURL + "/hubs/market", timing: Self.fast) { try await client.token(replacing: $0) }
        let got = SinkLog()
        await hub.deliver { got.add($0) }
        try await hub.start()
        try await hub.subscribe("SubscribeContractTrades", [.string(LoopbackGateway.contract)])
        try gw.step(3)
        try await Self.waitFor("three bars of prints") { got.messages("GatewayTrade").count == 3 }
        try gw.control("/_gateway/faults", ["dropSockets": true])
        try await Self.waitFor("the reconnect") { got.reconnects == 1 }
        try gw.step(2)
        try await Self.waitFor("the prints after the reconnect") { got.messages("GatewayTrade").count == 5 }
        let prints = got.messages("GatewayTrade")
        #expect(Set(prints.map(\.thread)) == ["tsxlab.hub"])
        let tape = try SharedData.readBars(path: LoopbackGateway.tape, symbol: "ES", tickSize: TickSize("0.25")!)
        let closes = prints.compactMap { (try? $0.arguments[1].decode([PXTradePrint].self))?.last.flatMap { TickSize("0.25")!.ticks(decimal: $0.price) } }
        #expect(closes == Array(tape.close[0..<5]))
        await hub.stop()
        await gw.shutdown()
    }

    @Test("market hub: the trade prints of a bar are its open, extremes and close, with its volume")
    func marketPrints() async throws {
        let gw = try await LoopbackGateway.start()
        let client = LoopbackGateway.client(gw)
        let hub = HubClient(url: gw.hubURL + "/hubs/market", timing: Self.fast) { try await client.token(replacing: $0) }
        try await hub.start()
        let got = Collector()
        let reader = Task { for await e in hub.events { await got.add(e) } }
        try await hub.subscribe("SubscribeContractTrades", [.string(LoopbackGateway.contract)])
        try await hub.subscribe("SubscribeContractQuotes", [.string(LoopbackGateway.contract)])
        try gw.step(3)
        try await Self.waitFor("three bars of prints") { await got.messages("GatewayTrade").count == 3 }
        let tape = try SharedData.readBars(path: LoopbackGateway.tape, symbol: "ES", tickSize: TickSize("0.25")!)
        let tick = TickSize("0.25")!
        let tradeMessages = await got.messages("GatewayTrade")
        for (i, args) in tradeMessages.enumerated() {
            #expect(args.first?.string == LoopbackGateway.contract)
            let prints = (try? args[1].decode([PXTradePrint].self)) ?? []
            let prices = prints.compactMap { tick.ticks(decimal: $0.price) }
            #expect(prices.first == tape.open[i] && prices.last == tape.close[i])
            #expect(prices.max() == tape.high[i] && prices.min() == tape.low[i])
            #expect(prints.map(\.volume).reduce(0, +) == tape.volume[i])
        }
        #expect(await got.messages("GatewayQuote").count == 3)
        let refused = await #expect(throws: HubError.self) { try await hub.invoke("SubscribeNothing", []) }
        #expect({ if case .invocation? = refused { true } else { false } }(), "an unknown hub method is refused by the hub, not timed out: \(String(describing: refused))")
        await hub.stop()
        reader.cancel()
        await gw.shutdown()
    }

    @Test("user hub: a fill arrives as order, trade, position and account events; after a dropped socket the client reconnects, resubscribes and events flow again")
    func userEventsAndReconnect() async throws {
        let gw = try await LoopbackGateway.start()
        try gw.step(30)
        let client = LoopbackGateway.client(gw)
        let hub = HubClient(url: gw.hubURL + "/hubs/user", timing: Self.fast) { try await client.token(replacing: $0) }
        try await hub.start()
        let got = Collector()
        let reader = Task { for await e in hub.events { await got.add(e) } }
        try await hub.subscribe("SubscribeAccounts")
        for s in ["SubscribeOrders", "SubscribePositions", "SubscribeTrades"] { try await hub.subscribe(s, [.number(1)]) }
        let id = try await client.placeOrder(PXPlaceOrderRequest(accountId: 1, contractId: LoopbackGateway.contract, type: .market, side: .bid, size: 1))
        try gw.step(1)
        try await Self.waitFor("the fill") { await !got.messages("GatewayUserTrade").isEmpty }
        let tradeArgs = await got.messages("GatewayUserTrade")[0]
        let trade = PXUserEventPayload.entities(PXTrade.self, from: tradeArgs)
        #expect(trade.first?.orderId == id)
        try await Self.waitFor("position and account") {
            let positions = await got.messages("GatewayUserPosition"), accounts = await got.messages("GatewayUserAccount")
            return !positions.isEmpty && !accounts.isEmpty
        }
        let orderArgs = await got.messages("GatewayUserOrder")
        let orders = orderArgs.flatMap { PXUserEventPayload.entities(PXOrder.self, from: $0) }
        #expect(orders.last?.id == id && orders.last?.orderStatus == .filled)

        try gw.control("/_gateway/faults", ["dropSockets": true])
        try await Self.waitFor("the reconnect") { await got.reconnects == 1 }
        #expect(await hub.connections == 2)
        try await client.closePosition(accountId: 1, contractId: LoopbackGateway.contract)
        try gw.step(1)
        try await Self.waitFor("the closing fill after the reconnect") { await got.messages("GatewayUserTrade").count == 2 }
        await hub.stop()
        reader.cancel()
        await gw.shutdown()
    }

    @Test("a hub refuses an expired token at the upgrade with 401, and the client reconnects with a renewed one")
    func hubTokenRenewal() async throws {
        let gw = try await LoopbackGateway.start()
        let client = LoopbackGateway.client(gw)
        let refused = await #expect(throws: WebSocketError.self) {
            _ = try await Task.detached { try WebSocketConnection(url: gw.hubURL + "/hubs/user?access_token=bogus", timeout: TestEnvironment.hangGuard) }.value
        }
        #expect({ if case .upgrade(let why)? = refused { why.contains("401") } else { false } }(), "\(String(describing: refused))")
        let hub = HubClient(url: gw.hubURL + "/hubs/user", timing: Self.fast) { try await client.token(replacing: $0) }
        try await hub.start()
        let got = Collector()
        let reader = Task { for await e in hub.events { await got.add(e) } }
        try gw.control("/_gateway/faults", ["restart": true, "downMs": 300])
        // The hub's reconnect meets a 401, asks for a new token, and gets in once the gateway is back.
        try await Self.waitFor("the reconnect after the restart") { await got.reconnects >= 1 }
        #expect(await client.renewals == 2)
        await hub.stop()
        reader.cancel()
        await gw.shutdown()
    }
}

@Suite("History through the three-tier cache", .serialized)
struct HistoryCacheTests {
    @Test("memory → store → history endpoint: the first read fetches from the gateway and writes through; later reads, and a reopened store, ask the gateway nothing; a longer window fetches only what is missing")
    func threeTiers() async throws {
        let gw = try await LoopbackGateway.start()
        defer { gw.stop() }
        try gw.step(900)
        let calls = MemoryAPICallSink()
        let client = LoopbackGateway.client(gw, calls: calls)
        let tick = TickSize("0.25")!
        let source = WindowLog(ProjectXBarSource(client: client, contracts: ["ESZ13": LoopbackGateway.contract], tickSizes: ["ESZ13": tick]))
        let dir = TestEnvironment.temporaryDirectory("px-cache")
        let key = SeriesKey(symbol: "ESZ13", timeframe: .oneMinute)
        let tape = try SharedData.readBars(path: LoopbackGateway.tape, symbol: "ESZ13", tickSize: tick)
        let w1 = TimeWindow(from: tape.first!.time, to: Timestamp(seconds: tape.time[500]))
        func historyCalls() -> Int { calls.records.filter { $0.endpoint == "/api/History/retrieveBars" }.count }

        let cache = BarCache(store: try StoreURL.open("sqlite:\(dir)/bars.db"), source: source)
        let first = try await offPool { try cache.bars(key, w1) }
        #expect(first.bars == Array(tape.bars[0..<500]))
        let afterFirst = historyCalls()
        #expect(afterFirst >= 1)
        _ = try await offPool { try cache.bars(key, w1) }
        #expect(historyCalls() == afterFirst)
        let reopened = BarCache(store: try StoreURL.open("sqlite:\(dir)/bars.db"), source: source)
        #expect(try await offPool { try reopened.bars(key, w1) }.bars == first.bars)
        #expect(historyCalls() == afterFirst)
        // A longer window: only [w1.to, w2.to) goes to the gateway.
        let w2 = TimeWindow(from: w1.from, to: Timestamp(seconds: tape.time[800]))
        let longer = try await offPool { try reopened.bars(key, w2) }
        #expect(longer.bars == Array(tape.bars[0..<800]))
        #expect(historyCalls() == afterFirst + 1)
        #expect(source.windows.last == TimeWindow(from: w1.to, to: w2.to))
    }
}

/// A bar source that remembers the windows it was asked for.
final class WindowLog: BarSource, @unchecked Sendable {
    // @unchecked: `asked` is only touched under `lock`.
    let inner: any BarSource
    private let lock = NSLock()
    private var asked: [TimeWindow] = []
    init(_ inner: any BarSource) { self.inner = inner }
    var name: String { inner.name }
    var windows: [TimeWindow] { lock.withLock { asked } }
    func fetch(_ key: SeriesKey, _ window: TimeWindow) throws -> BarSeries {
        lock.withLock { asked.append(window) }
        return try inner.fetch(key, window)
    }
}
