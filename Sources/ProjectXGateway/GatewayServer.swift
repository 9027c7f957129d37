import Foundation
import FlyingFox
import FlyingSocks
import HTTPServing
import Data
import ProjectX

/// The loopback ProjectX gateway: the reference's REST endpoints and both SignalR hubs on
/// 127.0.0.1, answering with the real JSON shapes, error envelopes and rate limits, and trading
/// with `GatewayVenue`. Control endpoints under `/_gateway/` step the tape, inject faults and
/// report counters; they exist only here, never on the real gateway.
public final class GatewayServer: Sendable {
    public let venue: GatewayVenue
    let server: HTTPServer
    let hubs: HubRegistry
    let config: GatewayConfig

    public convenience init(config: GatewayConfig, tape: GatewayTape?, history: [GatewayTape] = []) throws {
        try self.init(config: config, tapes: tape.map { [$0] } ?? [], history: history)
    }

    /// A gateway trading several contracts on its one account (`GatewayVenue.init(config:tapes:)`).
    public init(config: GatewayConfig, tapes: [GatewayTape], history: [GatewayTape] = []) throws {
        self.config = config
        venue = GatewayVenue(config: config, tapes: tapes, history: history)
        hubs = HubRegistry(venue: venue, pingInterval: config.pingInterval)
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: config.port), timeout: 60,
                            pool: NoDelayPool(HTTPServer.defaultPool()), logger: .disabled)
    }

    /// Starts listening; returns the port.
    public func start() async throws -> UInt16 {
        let hubs = self.hubs
        await venue.setPush { pushes in hubs.deliver(pushes) }
        let handler = GatewayHTTPHandler(venue: venue, hubs: hubs)
        await server.appendRoute("*", to: handler)
        guard let port = try await server.listen() else { throw GatewayError.notListening }
        if config.speed > 0 {
            let venue = self.venue, speed = config.speed
            Task.detached {
                while !Task.isCancelled {
                    let length = Double(await venue.barSeconds)
                    try? await Task.sleep(for: .seconds(length / speed))
                    // The bars of every contract at one time play together.
                    if await venue.stepMinutes(1) == 0 { break }
                }
            }
        }
        return port
    }

    public func stop() async {
        hubs.dropAll()
        await server.stop(timeout: 1)
    }
}

public enum GatewayError: Error, CustomStringConvertible {
    case notListening
    public var description: String { "the gateway did not start listening" }
}

extension GatewayVenue {
    var barSeconds: Int64 { tapes.first?.series.timeframe.fixedSeconds ?? 60 }
}

/// Routes every request: REST (case-insensitive paths, bearer tokens, budgets), hub upgrades and
/// the control endpoints.
struct GatewayHTTPHandler: HTTPHandler {
    let venue: GatewayVenue
    let hubs: HubRegistry

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let path = request.path.lowercased()
        if path.hasPrefix("/hubs/") {
            if path.hasSuffix("/negotiate") { return await negotiate(request, hubPath: String(path.dropLast("/negotiate".count))) }
            return await upgrade(request, path: path)
        }
        if path.hasPrefix("/_gateway/") { return try await control(request, path: path) }
        if path == "/api/status/ping" { return HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: "text/plain"]), body: Data("pong".utf8)) }
        guard request.method == .POST else { return HTTPResponse(statusCode: .methodNotAllowed) }
        let slow = await venue.slowMs
        if slow > 0 { try? await Task.sleep(for: .milliseconds(slow)) }
        let body = try await request.bodyData
        switch path {
        case "/api/auth/loginkey":
            guard let r = try? JSONDecoder().decode(PXLoginKeyRequest.self, from: body) else { return badRequest("userName and apiKey are required") }
            return json(await venue.login(user: r.userName, key: r.apiKey))
        default: break
        }
        guard let token = bearer(request), await venue.isValid(token: token) else {
            return HTTPResponse(statusCode: .unauthorized)
        }
        if path == "/api/auth/validate" { return json(await venue.validate(token: token)) }
        if path == "/api/auth/logout" { return json(PXEmptyResponse()) }
        if let wait = await venue.admit(history: path == "/api/history/retrievebars") {
            return HTTPResponse(statusCode: .tooManyRequests, headers: HTTPHeaders([HTTPHeader("Retry-After"): String(wait)]))
        }
        func decode<T: Decodable>(_ t: T.Type) -> T? { try? JSONDecoder().decode(T.self, from: body) }
        switch path {
        case "/api/account/search":
            return json(PXAccountSearchResponse(accounts: await venue.accounts()))
        case "/api/contract/search":
            guard let r = decode(PXContractSearchRequest.self) else { return badRequest("searchText and live are required") }
            return json(PXContractSearchResponse(contracts: await venue.searchContracts(r.searchText)))
        case "/api/contract/available":
            return json(PXContractSearchResponse(contracts: await venue.allContracts()))
        case "/api/contract/searchbyid":
            guard let r = decode(PXContractByIDRequest.self) else { return badRequest("contractId is required") }
            if let c = await venue.contract(id: r.contractId) { return json(PXContractByIDResponse(contract: c)) }
            return json(PXContractByIDResponse(contract: nil, errorCode: 1, errorMessage: "Contract not found"))
        case "/api/history/retrievebars":
            guard let r = decode(PXRetrieveBarsRequest.self) else { return badRequest("every field of retrieveBars is required") }
            if await venue.holdsHistoryCall() {
                while await venue.holdingHistory { try? await Task.sleep(for: .milliseconds(20)) }
            }
            return json(await venue.bars(r))
        case "/api/order/place":
            guard let r = decode(PXPlaceOrderRequest.self) else { return badRequest("accountId, contractId, type, side and size are required") }
            var answer = await venue.place(r)
            if answer.success, await venue.takeLostAnswerFault() { return HTTPResponse(statusCode: .internalServerError) }
            if !answer.success, await venue.nullsErrorMessages { answer.errorMessage = nil }
            return json(answer)
        case "/api/order/modify":
            guard let r = decode(PXModifyOrderRequest.self) else { return badRequest("accountId and orderId are required") }
            return json(await venue.modify(r))
        case "/api/order/cancel":
            guard let r = decode(PXCancelOrderRequest.self) else { return badRequest("accountId and orderId are required") }
            return json(await venue.cancel(r))
        case "/api/order/search":
            guard let r = decode(PXOrderSearchRequest.self), r.accountId == venue.config.accountID else { return json(PXOrderSearchResponse(orders: nil, errorCode: 1, errorMessage: "Account not found")) }
            return json(PXOrderSearchResponse(orders: await venue.orders(from: PXTime.parse(r.startTimestamp), to: r.endTimestamp.flatMap(PXTime.parse))))
        case "/api/order/searchopen":
            guard let r = decode(PXAccountRequest.self), r.accountId == venue.config.accountID else { return json(PXOrderSearchResponse(orders: nil, errorCode: 1, errorMessage: "Account not found")) }
            return json(PXOrderSearchResponse(orders: await venue.orders(statuses: [1])))
        case "/api/order/searchbyid":
            guard let r = decode(PXOrderByIDRequest.self) else { return badRequest("accountId and orderId are required") }
            if let o = await venue.order(id: r.orderId), r.accountId == venue.config.accountID { return json(PXOrderByIDResponse(order: o)) }
            return json(PXOrderByIDResponse(order: nil, errorCode: 1, errorMessage: "Order not found"))
        case "/api/order/v2/query":
            guard let r = decode(PXOrderQueryRequest.self), r.filter.accountId == venue.config.accountID else { return json(PXOrderSearchResponse(orders: nil, errorCode: 1, errorMessage: "Account not found")) }
            let all = await venue.orders(statuses: r.filter.statuses.map(Set.init), contractID: r.filter.contractId,
                                         from: r.filter.createdAfter.flatMap(PXTime.parse), to: r.filter.createdBefore.flatMap(PXTime.parse))
            let sorted = r.sortDirection == 1 ? all.sorted { $0.id > $1.id } : all.sorted { $0.id < $1.id }
            let page = Array(sorted.dropFirst(max(0, r.pageOffset)).prefix(max(1, r.pageSize)))
            return json(PXOrderSearchResponse(orders: page, totalCount: r.includeTotalCount ? all.count : nil))
        case "/api/position/searchopen":
            guard let r = decode(PXAccountRequest.self), r.accountId == venue.config.accountID else { return json(PXPositionSearchResponse(positions: nil, errorCode: 1, errorMessage: "Account not found")) }
            return json(PXPositionSearchResponse(positions: await venue.positions()))
        case "/api/position/closecontract":
            guard let r = decode(PXCloseContractRequest.self) else { return badRequest("accountId and contractId are required") }
            return json(await venue.close(accountID: r.accountId, contractID: r.contractId, size: nil))
        case "/api/position/partialclosecontract":
            guard let r = decode(PXPartialCloseRequest.self) else { return badRequest("accountId, contractId and size are required") }
            return json(await venue.close(accountID: r.accountId, contractID: r.contractId, size: r.size))
        case "/api/trade/search":
            guard let r = decode(PXTradeSearchRequest.self), r.accountId == venue.config.accountID else { return json(PXTradeSearchResponse(trades: nil, errorCode: 1, errorMessage: "Account not found")) }
            return json(PXTradeSearchResponse(trades: await venue.tradeList(from: PXTime.parse(r.startTimestamp), to: r.endTimestamp.flatMap(PXTime.parse))))
        default:
            return HTTPResponse(statusCode: .notFound)
        }
    }

    func bearer(_ request: HTTPRequest) -> String? {
        guard let h = request.headers[.authorization], h.lowercased().hasPrefix("bearer ") else { return nil }
        return String(h.dropFirst(7))
    }

    func json<T: Encodable>(_ value: T) -> HTTPResponse {
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: "application/json"]), body: data)
    }

    func badRequest(_ why: String) -> HTTPResponse {
        HTTPResponse(statusCode: .badRequest, headers: HTTPHeaders([.contentType: "application/json"]),
                     body: (try? JSONEncoder().encode(["error": why])) ?? Data())
    }

    /// `POST /hubs/{user,market}/negotiate[?negotiateVersion=1]`, which the common SignalR clients
    /// send before the WebSocket unless told to skip it: the connection's id (and, from version
    /// 1, its token) and WebSockets as the one transport. The token is the bearer header or
    /// `access_token`; the WebSocket then names the id (version 0) or the token (1) as `?id=`.
    func negotiate(_ request: HTTPRequest, hubPath: String) async -> HTTPResponse {
        guard let hub = HubKind(path: hubPath) else { return HTTPResponse(statusCode: .notFound) }
        guard request.method == .POST else { return HTTPResponse(statusCode: .methodNotAllowed) }
        if await venue.hubsRefusing { return HTTPResponse(statusCode: .serviceUnavailable) }
        guard let token = bearer(request) ?? request.query.first(where: { $0.name == "access_token" })?.value, await venue.isValid(token: token) else {
            return HTTPResponse(statusCode: .unauthorized)
        }
        let version = min(1, max(0, request.query.first(where: { $0.name == "negotiateVersion" }).flatMap { Int($0.value) } ?? 0))
        let (id, connectionToken) = hubs.issue(hub, version: version)
        var body: [String: ProjectX.JSONValue] = [
            "connectionId": .string(id), "negotiateVersion": .number(Decimal(version)),
            "availableTransports": .array([.object(["transport": .string("WebSockets"), "transferFormats": .array([.string("Text"), .string("Binary")])])]),
        ]
        if let connectionToken { body["connectionToken"] = .string(connectionToken) }
        return json(ProjectX.JSONValue.object(body))
    }

    /// The WebSocket of a hub: straight away (clients that skip negotiation, as the ProjectX
    /// examples do) or after `negotiate` with `?id=` naming what it issued, once.
    func upgrade(_ request: HTTPRequest, path: String) async -> HTTPResponse {
        guard let hub = HubKind(path: path) else { return HTTPResponse(statusCode: .notFound) }
        if await venue.hubsRefusing { return HTTPResponse(statusCode: .serviceUnavailable) }
        guard let token = request.query.first(where: { $0.name == "access_token" })?.value, await venue.isValid(token: token) else {
            return HTTPResponse(statusCode: .unauthorized)
        }
        if let id = request.query.first(where: { $0.name == "id" })?.value, !hubs.redeem(id, hub) {
            return HTTPResponse(statusCode: .notFound, headers: HTTPHeaders([.contentType: "text/plain"]), body: Data("No Connection with that ID".utf8))
        }
        let ws = WebSocketHTTPHandler(handler: MessageFrameWSHandler(handler: HubSession(hub: hub, registry: hubs), frameSize: 1 << 20))
        return (try? await ws.handleRequest(request)) ?? HTTPResponse(statusCode: .badRequest)
    }

    func control(_ request: HTTPRequest, path: String) async throws -> HTTPResponse {
        let body = try await request.bodyData
        switch path {
        case "/_gateway/step":
            // `minutes`: every contract's bars of the next N bar times (one bar each with one contract).
            struct Step: Decodable { var bars: Int?; var minutes: Int?; var boundary: Bool? }
            let r = try? JSONDecoder().decode(Step.self, from: body)
            let played = if let m = r?.minutes { await venue.stepMinutes(m, boundary: r?.boundary ?? true) }
                else { await venue.step(r?.bars ?? 1, boundary: r?.boundary ?? true) }
            // `time`: the replay clock after the step (the end of the last bar played).
            let counts: [String: ProjectX.JSONValue] = ["played": .number(Decimal(played)), "cursor": .number(Decimal(await venue.cursor)),
                                                        "trades": .number(Decimal(await venue.tradeCount)), "printsSent": .number(Decimal(hubs.printsSent)),
                                                        "time": .string(await venue.now.iso8601)]
            return json(counts)
        case "/_gateway/tick":
            await venue.closeBar()
            return json(["cursor": await venue.cursor])
        case "/_gateway/faults":
            guard let f = try? JSONDecoder().decode(GatewayFaults.self, from: body) else { return badRequest("a JSON object of GatewayFaults fields") }
            let now = await venue.applyFaults(f)
            if f.dropSockets == true || f.restart == true { hubs.dropAll() }
            if f.closeHubs == true { hubs.closeAll(error: "Server closed the connection.", allowReconnect: f.allowReconnect ?? false) }
            if f.logout == true { hubs.logoutAll() }
            if f.silent == true { hubs.silence(.market) }
            if f.silentUser == true { hubs.silence(.user) }
            if let amount = f.adjustBalance { hubs.deliver(await venue.adjustBalance(by: amount)) }
            return json(now)
        case "/_gateway/sent-market":
            // The trade prints, quotes and depth updates pushed on the market hub, in order, each
            // with its target, contract and how many connections it went to (the latest 200,000).
            let items = hubs.sentMarketData.map {
                ProjectX.JSONValue.object(["target": .string($0.target), "contract": .string($0.contract), "item": $0.item, "connections": .number(Decimal($0.connections))])
            }
            return json(ProjectX.JSONValue.object(["sent": .array(items)]))
        case "/_gateway/state":
            var state = await venue.stateSummary()
            state["hubConnections"] = .number(Decimal(hubs.connectionCount))
            state["printsSent"] = .number(Decimal(hubs.printsSent))
            state["hubConnectionsTotal"] = .number(Decimal(hubs.totalConnections))
            state["negotiations"] = .number(Decimal(hubs.negotiations))
            return json(state)
        default:
            return HTTPResponse(statusCode: .notFound)
        }
    }
}
