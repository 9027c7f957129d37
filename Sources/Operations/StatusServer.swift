import Foundation
import FlyingFox
import FlyingSocks
import HTTPServing
import Data
import Trading
import Live

/// What the status page shows: one value, built from the runner and its broker.
public struct StatusSnapshot: Codable, Sendable, Equatable {
    public struct PositionRow: Codable, Sendable, Equatable {
        public var symbol: String; public var quantity: Int64; public var average: String
        public init(symbol: String, quantity: Int64, average: String) { self.symbol = symbol; self.quantity = quantity; self.average = average }
    }
    public struct OrderRow: Codable, Sendable, Equatable {
        public var id: String; public var symbol: String; public var side: String; public var quantity: Int64; public var kind: String; public var status: String
        public init(id: String, symbol: String, side: String, quantity: Int64, kind: String, status: String) {
            self.id = id; self.symbol = symbol; self.side = side; self.quantity = quantity; self.kind = kind; self.status = status
        }
    }
    public struct Point: Codable, Sendable, Equatable {
        public var time: String; public var equity: Double
        public init(time: String, equity: Double) { self.time = time; self.equity = equity }
    }
    public var time: String
    public var account: String
    public var balance: Double
    public var equity: Double
    public var dayPnL: Double
    public var dailyLossLimit: Double?
    public var dailyLossRemaining: Double?
    public var maxLossLimit: Double?
    public var maxLossRemaining: Double?
    public var positions: [PositionRow]
    public var orders: [OrderRow]
    public var equityToday: [Point]
    public var strategies: [String]
    public var state: String
    public var lastErrors: [String]

    public init(time: String, account: String, balance: Double, equity: Double, dayPnL: Double, dailyLossLimit: Double?, dailyLossRemaining: Double?,
                maxLossLimit: Double?, maxLossRemaining: Double?, positions: [PositionRow], orders: [OrderRow], equityToday: [Point],
                strategies: [String], state: String, lastErrors: [String]) {
        self.time = time; self.account = account; self.balance = balance; self.equity = equity; self.dayPnL = dayPnL
        self.dailyLossLimit = dailyLossLimit; self.dailyLossRemaining = dailyLossRemaining; self.maxLossLimit = maxLossLimit
        self.maxLossRemaining = maxLossRemaining; self.positions = positions; self.orders = orders; self.equityToday = equityToday
        self.strategies = strategies; self.state = state; self.lastErrors = lastErrors
    }
}

/// Builds snapshots from a running runner.
public actor StatusBoard {
    let runner: LiveRunner
    let broker: LiveBroker
    let accountName: String
    let strategies: [String]
    var curve: [StatusSnapshot.Point] = []
    var curveDay = Int64.min

    public init(runner: LiveRunner, broker: LiveBroker, accountName: String, strategies: [String]) {
        self.runner = runner; self.broker = broker; self.accountName = accountName; self.strategies = strategies
    }

    /// Adds a point to today's equity curve (call on each bar).
    public func sample() {
        let a = broker.account
        let day = broker.risk.tradeDay
        if day != curveDay { curve = []; curveDay = day }
        curve.append(.init(time: broker.now.iso8601, equity: a.equity.dollars))
        if curve.count > 2_000 { curve.removeFirst(curve.count - 2_000) }
    }

    public func snapshot() async -> StatusSnapshot {
        let view = broker.statusView()
        let a = view.account, rules = view.rules
        let stats = runner.currentStats
        let positions = view.positions.map { p in
            StatusSnapshot.PositionRow(symbol: p.symbol, quantity: p.quantity,
                                       average: p.averagePriceTicks.map { t in broker.instrument(p.symbol).map { $0.spec.tickSize.format(Price(ticks: Int64(t.rounded()))) } ?? "\(t)" } ?? "-")
        }
        let orders = view.openOrders.map { o in
            StatusSnapshot.OrderRow(id: o.id.description, symbol: o.symbol, side: o.side.description, quantity: o.remaining,
                                    kind: o.request.kind.description, status: o.status.description)
        }
        return StatusSnapshot(
            time: view.now.iso8601, account: accountName, balance: a.balance.dollars, equity: a.equity.dollars,
            dayPnL: (a.equity - a.dayStartBalance).dollars, dailyLossLimit: rules.dailyLossLimit?.dollars, dailyLossRemaining: a.dailyLossRemaining?.dollars,
            maxLossLimit: rules.maxLossDrawdown?.dollars, maxLossRemaining: a.maxLossRemaining?.dollars, positions: positions, orders: orders,
            equityToday: curve, strategies: strategies, state: stats.halted.map { "halted: \($0)" } ?? stats.feedTrouble.map { "running; \($0)" }
                ?? stats.venueMismatch.map { "running; the venue differs: \($0)" } ?? "running", lastErrors: Array(stats.lastErrors.suffix(10)))
    }
}

/// The runner's HTTP address: `/` the status page (updated over a WebSocket at `/ws`),
/// `/status.json`, `/metrics` (Prometheus text). Beyond loopback every request needs the token
/// (`?token=` or `Authorization: Bearer`).
public final class StatusServer: Sendable {
    let server: HTTPServer

    public init(host: String, port: UInt16, token: Secret?, metrics: RunnerMetrics, alerts: AlertEndpoint? = nil,
                snapshot: @escaping @Sendable () async -> StatusSnapshot) throws {
        let extraRoutes: [(String, @Sendable (HTTPRequest) async -> HTTPResponse)] = alerts.map { [("/alert", $0.route)] } ?? []
        let access: HTTPAccess
        do { access = try HTTPAccess(host: host, token: token?.reveal()) } catch { throw StatusServerError.tokenRequired(host) }
        server = HTTPServer(address: try .inet(ip4: access.bindAddress, port: port), timeout: 60,
                            pool: NoDelayPool(), logger: .disabled)
        let handler = StatusHandler(access: access, metrics: metrics, snapshot: snapshot,
                                    extra: Dictionary(extraRoutes, uniquingKeysWith: { a, _ in a }))
        self.handler = handler
        address = "\(host):\(port)"
    }
    let handler: StatusHandler
    let address: String

    /// Starts listening; returns the port.
    public func start() async throws -> UInt16 {
        await server.appendRoute("*", to: handler)
        let port: UInt16?
        do { port = try await server.listen() } catch let error as ListeningError { throw error } catch {
            throw StatusServerError.cannotListen(address, "\(error)")
        }
        guard let port else { throw StatusServerError.notListening }
        return port
    }

    public func stop() async { await server.stop(timeout: 1) }
}

extension AlertEndpoint {
    /// The endpoint as an HTTP route (`POST` only; JSON answers).
    public var route: @Sendable (HTTPRequest) async -> HTTPResponse {
        { request in
            guard request.method == .POST else { return HTTPResponse(statusCode: .methodNotAllowed) }
            let body = (try? await request.bodyData) ?? Data()
            let answer = await self.handle(body: body, headerSecret: request.headers[HTTPHeader("X-Tsxlab-Secret")])
            return HTTPResponse(statusCode: HTTPStatusCode(answer.status, phrase: ""), headers: HTTPHeaders([.contentType: "application/json"]),
                                body: (try? JSONEncoder().encode(answer.body)) ?? Data())
        }
    }
}

public enum StatusServerError: Error, CustomStringConvertible {
    case tokenRequired(String)
    case notListening
    case cannotListen(String, String)
    public var description: String {
        switch self {
        case .cannotListen(let address, let why):
            "the status address \(address) cannot be opened (\(why)): is another process on that port? Pick another with --http HOST:PORT"
        case .tokenRequired(let h): "the status address \(h) is beyond loopback: set TSXLAB_HTTP_TOKEN (or a token file) to protect it"
        case .notListening: "the status server did not start listening"
        }
    }
}

struct StatusHandler: HTTPHandler {
    /// Loopback, or the token beyond it (the rule the research page shares).
    let access: HTTPAccess
    let metrics: RunnerMetrics
    let snapshot: @Sendable () async -> StatusSnapshot
    let extra: [String: @Sendable (HTTPRequest) async -> HTTPResponse]

    /// The page's bytes, made once.
    static let page = Data(StatusPage.html.utf8)

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        // Extra routes (the alert endpoint) authenticate on their own terms.
        if let route = extra[request.path] { return await route(request) }
        guard access.admits(request) else { return HTTPResponse(statusCode: .unauthorized) }
        switch request.path {
        case "/":
            return HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: "text/html; charset=utf-8"]), body: Self.page)
        case "/status.json":
            let s = await snapshot()
            return HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: "application/json"]), body: (try? JSONEncoder().encode(s)) ?? Data())
        case "/metrics":
            return HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: "text/plain; version=0.0.4"]), body: Data(metrics.render().utf8))
        case "/ws":
            let ws = WebSocketHTTPHandler(handler: MessageFrameWSHandler(handler: StatusFeed(snapshot: snapshot), frameSize: 1 << 20))
            return (try? await ws.handleRequest(request)) ?? HTTPResponse(statusCode: .badRequest)
        default:
            return HTTPResponse(statusCode: .notFound)
        }
    }
}

/// Pushes a snapshot to the page when it changes (checked every 250 ms).
struct StatusFeed: WSMessageHandler {
    let snapshot: @Sendable () async -> StatusSnapshot
    func makeMessages(for client: AsyncStream<WSMessage>) async throws -> AsyncStream<WSMessage> {
        let (out, c) = AsyncStream<WSMessage>.makeStream(bufferingPolicy: .bufferingNewest(4))
        let snapshot = self.snapshot
        let pusher = Task {
            var last: StatusSnapshot?
            while !Task.isCancelled {
                let s = await snapshot()
                if s != last, let d = try? JSONEncoder().encode(s) {
                    last = s
                    c.yield(.text(String(decoding: d, as: UTF8.self)))
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        Task {
            for await _ in client {}
            pusher.cancel()
            c.finish()
        }
        return out
    }
}
