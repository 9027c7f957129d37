import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Data
import ProjectX

/// A gateway call failed. Each case names the endpoint; none carries a credential.
public enum ProjectXError: Error, Hashable, CustomStringConvertible {
    /// The gateway answered `success: false`: a definitive business rejection.
    case rejected(endpoint: String, code: Int, message: String?)
    /// Login or token renewal failed (bad user name or key, no API subscription, …).
    case authentication(code: Int, message: String?)
    /// Still rate limited (HTTP 429) after every retry.
    case rateLimited(endpoint: String)
    /// An HTTP error status other than 401/429 after every retry.
    case http(endpoint: String, status: Int)
    /// No answer (refused, reset, timed out) after every retry.
    case transport(endpoint: String, reason: String)
    /// A mutation whose outcome is unknown (transport failure or 5xx after sending it, or the
    /// gateway's "pending"/"unknown" codes): reconcile from an order/position snapshot before
    /// sending anything again.
    case ambiguous(endpoint: String, reason: String)
    case decoding(endpoint: String, reason: String)

    public var description: String {
        switch self {
        case .rejected(let e, let c, let m): "\(e) rejected (code \(c))\(m.map { ": \($0)" } ?? "")"
        case .authentication(let c, let m): "login failed (code \(c))\(m.map { ": \($0)" } ?? ""): check PROJECTX_USERNAME and the API key"
        case .rateLimited(let e): "\(e): still rate limited after retries"
        case .http(let e, let s): "\(e): HTTP \(s)"
        case .transport(let e, let r): "\(e): no answer from the gateway (\(r))"
        case .ambiguous(let e, let r): "\(e): outcome unknown (\(r)); reconcile before resending"
        case .decoding(let e, let r): "\(e): unexpected answer (\(r))"
        }
    }
}

/// Backoff for rate-limit answers and transient errors: the first attempt plus one retry per
/// delay (2 s, 4 s, 8 s by default), each delay scaled by a random factor in 1 ± `jitter`.
public struct RetryPolicy: Sendable {
    public var delays: [Double]
    public var jitter: Double
    public init(delays: [Double] = [2, 4, 8], jitter: Double = 0.2) { self.delays = delays; self.jitter = jitter }
    func delay(_ attempt: Int) -> Double {
        delays[min(attempt, delays.count - 1)] * (1 + Double.random(in: -jitter...jitter))
    }
}

/// The ProjectX Gateway REST client (projectx-gateway.md §2–6).
///
/// - Tokens: logs in with user name and API key; renews before expiry (`exp` of the JWT, five
///   minutes ahead: `Auth/validate`, falling back to a new login) and after a 401 — one renewal
///   at a time, concurrent requests wait for it and then go through with the new token.
/// - Rate limits: one rolling window per budget (history 50/30 s, the rest 200/60 s); a request
///   waits for its slot. A 429 pushes the window back by `Retry-After`.
/// - Retries: queries retry a 429, a 5xx or a transport error with `RetryPolicy`'s backoff.
///   Mutations retry a 429 only (the gateway refused it unseen) — except an order placement that
///   carries a custom tag: the gateway refuses a second order with the same tag, so it is retried
///   like a query, and a "tag already used" answer is resolved by finding the order by its tag.
/// - Every attempt goes to `calls` (endpoint, method, duration, status, success, error).
public actor ProjectXClient {
    public let baseURL: String
    private let credentials: APICredentials
    private let requestTimeout: Double
    private let calls: any APICallSink
    public let retry: RetryPolicy
    private let historyLimiter: RateLimiter
    private let generalLimiter: RateLimiter
    private var token: String?
    private var renewal: Task<String, any Error>?
    /// Renewals done (logins and validations), for tests and the status line.
    public private(set) var renewals = 0

    public init(baseURL: String, credentials: APICredentials, calls: any APICallSink = MemoryAPICallSink(),
                retry: RetryPolicy = RetryPolicy(), historyLimit: (Int, Double) = (50, 30), generalLimit: (Int, Double) = (200, 60),
                requestTimeout: Double = 15) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.credentials = credentials
        self.calls = calls
        self.retry = retry
        historyLimiter = RateLimiter(limit: historyLimit.0, window: historyLimit.1)
        generalLimiter = RateLimiter(limit: generalLimit.0, window: generalLimit.1)
        self.requestTimeout = requestTimeout
    }

    // MARK: Endpoints

    public func searchAccounts(onlyActive: Bool = true) async throws -> [PXAccount] {
        let r: PXAccountSearchResponse = try await call("/api/Account/search", PXAccountSearchRequest(onlyActiveAccounts: onlyActive))
        return r.accounts ?? []
    }

    public func searchContracts(_ text: String, live: Bool = false) async throws -> [PXContract] {
        let r: PXContractSearchResponse = try await call("/api/Contract/search", PXContractSearchRequest(searchText: text, live: live))
        return r.contracts ?? []
    }

    public func availableContracts(live: Bool = false) async throws -> [PXContract] {
        let r: PXContractSearchResponse = try await call("/api/Contract/available", PXContractAvailableRequest(live: live))
        return r.contracts ?? []
    }

    public func contract(id: String) async throws -> PXContract {
        let r: PXContractByIDResponse = try await call("/api/Contract/searchById", PXContractByIDRequest(contractId: id))
        guard let c = r.found else { throw ProjectXError.rejected(endpoint: "/api/Contract/searchById", code: 1, message: "contract \(id) not found") }
        return c
    }

    /// Bars from `start` to `end` (UTC), oldest first. Pages backwards over the per-call limit
    /// (at most 20,000 bars a call) by moving `endTime` to the earliest bar received; the
    /// still-forming bar is left out unless `includePartialBar`.
    public func retrieveBars(contractId: String, unit: PXBarUnit, unitNumber: Int, start: Timestamp, end: Timestamp,
                             limit: Int = 20_000, includePartialBar: Bool = false, live: Bool = false, maxPages: Int = 100) async throws -> [PXBar] {
        var byTime: [Int64: PXBar] = [:]
        var pageEnd = end
        for _ in 0..<maxPages {
            let bars = try await retrieveBarsPage(contractId: contractId, unit: unit, unitNumber: unitNumber, start: start, end: pageEnd,
                                                  limit: limit, includePartialBar: includePartialBar, live: live)
            var earliest: Int64 = .max
            var added = 0
            for b in bars {
                guard let t = PXTime.parse(b.t) else { throw ProjectXError.decoding(endpoint: "/api/History/retrieveBars", reason: "bad bar time \(b.t)") }
                if byTime[t.seconds] == nil { added += 1 }
                byTime[t.seconds] = b
                earliest = min(earliest, t.seconds)
            }
            if bars.count < min(limit, 20_000) || added == 0 || earliest <= start.seconds { break }
            pageEnd = Timestamp(seconds: earliest)
        }
        return byTime.keys.sorted().compactMap { byTime[$0] }.filter { b in PXTime.parse(b.t).map { $0 >= start && $0 < end } ?? false }
    }

    /// One call of the history endpoint: at most `limit` bars (capped at 20,000) between `start`
    /// and `end` (UTC), the most recent ones when more exist, newest first as the gateway sends
    /// them. A caller pages backwards by moving `end` to the earliest bar received.
    public func retrieveBarsPage(contractId: String, unit: PXBarUnit, unitNumber: Int, start: Timestamp, end: Timestamp,
                                 limit: Int = 20_000, includePartialBar: Bool = false, live: Bool = false) async throws -> [PXBar] {
        let req = PXRetrieveBarsRequest(contractId: contractId, live: live, startTime: PXTime.request(start), endTime: PXTime.request(end),
                                        unit: unit.rawValue, unitNumber: unitNumber, limit: min(limit, 20_000), includePartialBar: includePartialBar)
        let r: PXRetrieveBarsResponse = try await call("/api/History/retrieveBars", req, budget: .history)
        return r.bars ?? []
    }

    /// Places an order and returns the gateway's order id.
    ///
    /// A tagged placement is idempotent: sent again (a retry after a lost answer, or a restart
    /// resending it), the gateway refuses the tag it already holds, and the order holding the
    /// tag is this placement's. The refusal is recognised by its code, `OrderRejected` (2), the
    /// only code the reference gives a reused tag (§4.4); the message is free text (§5) and may
    /// be null. So every code-2 refusal of a tagged placement looks the tag up (two order
    /// searches; refusals are rare, the order gate refuses most bad orders before sending): an
    /// order holding the tag that the gateway did not reject is returned, otherwise the refusal
    /// is thrown as it came. A rejected record holding the tag (a code-2 rejection may leave one)
    /// is never taken for an accepted order.
    public func placeOrder(_ order: PXPlaceOrderRequest) async throws -> Int64 {
        let endpoint = "/api/Order/place"
        do {
            let r: PXPlaceOrderResponse = try await call(endpoint, order, mutation: order.customTag == nil ? .unsafe : .idempotent)
            guard let id = r.orderId else { throw ProjectXError.decoding(endpoint: endpoint, reason: "no orderId") }
            return id
        } catch ProjectXError.rejected(_, let code, let message) where order.customTag != nil && code == PXPlaceOrderError.orderRejected.rawValue {
            if let existing = try await findOrder(tag: order.customTag!, accountId: order.accountId) { return existing.id }
            throw ProjectXError.rejected(endpoint: endpoint, code: code, message: message)
        } catch ProjectXError.ambiguous(_, let reason) where order.customTag != nil {
            if let existing = try await findOrder(tag: order.customTag!, accountId: order.accountId) { return existing.id }
            throw ProjectXError.ambiguous(endpoint: endpoint, reason: reason)
        }
    }

    public func modifyOrder(_ change: PXModifyOrderRequest) async throws {
        let _: PXEmptyResponse = try await call("/api/Order/modify", change, mutation: .unsafe)
    }

    public func cancelOrder(accountId: Int, orderId: Int64) async throws {
        let _: PXEmptyResponse = try await call("/api/Order/cancel", PXCancelOrderRequest(accountId: accountId, orderId: orderId), mutation: .unsafe)
    }

    public func searchOrders(accountId: Int, from: Timestamp, to: Timestamp? = nil) async throws -> [PXOrder] {
        let r: PXOrderSearchResponse = try await call("/api/Order/search", PXOrderSearchRequest(accountId: accountId, startTimestamp: PXTime.request(from), endTimestamp: to.map(PXTime.request)))
        return r.orders ?? []
    }

    /// Open orders (status Open only: suspended bracket exits are not included; see `workingOrders`).
    public func searchOpenOrders(accountId: Int) async throws -> [PXOrder] {
        let r: PXOrderSearchResponse = try await call("/api/Order/searchOpen", PXAccountRequest(accountId: accountId))
        return r.orders ?? []
    }

    public func order(accountId: Int, orderId: Int64) async throws -> PXOrder? {
        do {
            let r: PXOrderByIDResponse = try await call("/api/Order/searchById", PXOrderByIDRequest(accountId: accountId, orderId: orderId))
            return r.order
        } catch ProjectXError.rejected(_, 1, _) { return nil }
    }

    /// Every working order including suspended bracket exits (`Order/v2/query`, all pages).
    public func workingOrders(accountId: Int, contractId: String? = nil) async throws -> [PXOrder] {
        var out: [PXOrder] = []
        var offset = 0
        while true {
            let q = PXOrderQueryRequest(filter: .init(accountId: accountId, statuses: [1, 6, 7, 8], contractId: contractId), pageSize: 100, pageOffset: offset)
            let r: PXOrderSearchResponse = try await call("/api/Order/v2/query", q)
            let page = r.orders ?? []
            out += page
            if page.count < 100 { return out }
            offset += page.count
        }
    }

    public func openPositions(accountId: Int) async throws -> [PXPosition] {
        let r: PXPositionSearchResponse = try await call("/api/Position/searchOpen", PXAccountRequest(accountId: accountId))
        return r.positions ?? []
    }

    /// Closes the position at market. Working orders on the contract stay (cancel them first).
    public func closePosition(accountId: Int, contractId: String) async throws {
        let _: PXEmptyResponse = try await call("/api/Position/closeContract", PXCloseContractRequest(accountId: accountId, contractId: contractId), mutation: .unsafe)
    }

    public func partialClosePosition(accountId: Int, contractId: String, size: Int) async throws {
        let _: PXEmptyResponse = try await call("/api/Position/partialCloseContract", PXPartialCloseRequest(accountId: accountId, contractId: contractId, size: size), mutation: .unsafe)
    }

    /// Fills since `from`, voided ones left out.
    public func searchTrades(accountId: Int, from: Timestamp, to: Timestamp? = nil) async throws -> [PXTrade] {
        let r: PXTradeSearchResponse = try await call("/api/Trade/search", PXTradeSearchRequest(accountId: accountId, startTimestamp: PXTime.request(from), endTimestamp: to.map(PXTime.request)))
        return (r.trades ?? []).filter { !$0.voided }
    }

    /// The order placed with `tag`: working orders first, then the account's order history (a
    /// rare path, taken only when a placement's answer was lost or refused, so the wide search is
    /// affordable). A record the gateway rejected is not an order placed.
    private func findOrder(tag: String, accountId: Int) async throws -> PXOrder? {
        if let o = try await workingOrders(accountId: accountId).first(where: { $0.customTag == tag }) { return o }
        return try await searchOrders(accountId: accountId, from: Timestamp(seconds: 0)).first {
            $0.customTag == tag && $0.status != PXOrderStatus.rejected.rawValue
        }
    }

    // MARK: Tokens

    /// A token valid for at least five more minutes, renewing if needed.
    public func currentToken() async throws -> String {
        if let t = token, let exp = JWT.expiry(of: t), Double(exp) - Date().timeIntervalSince1970 > 300 { return t }
        if let t = token, JWT.expiry(of: t) == nil { return t }
        return try await renew(stale: token, invalid: false)
    }

    /// A token other than `refused` (which a hub turned away): renews when they are the same.
    public func token(replacing refused: String?) async throws -> String {
        guard let refused else { return try await currentToken() }
        return try await renew(stale: refused, invalid: true)
    }

    /// Renews the token once for everyone waiting: a caller whose `stale` token was already
    /// replaced gets the new one without another renewal.
    private func renew(stale: String?, invalid: Bool) async throws -> String {
        if let t = token, t != stale { return t }
        if let r = renewal { return try await r.value }
        let previous = invalid ? nil : token
        // The task installs the token before anyone waiting on it resumes, so no waiter can
        // read the old one after the renewal.
        let task = Task { () async throws -> String in
            let t = try await self.obtainToken(validating: previous)
            self.install(t)
            return t
        }
        renewal = task
        defer { renewal = nil }
        return try await task.value
    }

    private func install(_ t: String) {
        token = t
        renewals += 1
    }

    private func obtainToken(validating previous: String?) async throws -> String {
        if let previous {
            if let (status, data) = try? await send("/api/Auth/validate", Data(), bearer: previous, method: "POST"), status == 200,
               let r = try? JSONDecoder().decode(PXValidateResponse.self, from: data), r.success {
                return r.newToken ?? previous
            }
        }
        let body = try JSONEncoder().encode(PXLoginKeyRequest(userName: credentials.userName, apiKey: credentials.apiKey.reveal()))
        var attempt = 0
        while true {
            do {
                let (status, data) = try await send("/api/Auth/loginKey", body, bearer: nil, method: "POST")
                if status == 200 {
                    guard let r = try? JSONDecoder().decode(PXLoginResponse.self, from: data) else {
                        throw ProjectXError.decoding(endpoint: "/api/Auth/loginKey", reason: "not a login answer")
                    }
                    guard r.success, let t = r.token else { throw ProjectXError.authentication(code: r.errorCode, message: r.errorMessage) }
                    return t
                }
                if (status == 429 || status >= 500), attempt < retry.delays.count {
                    try await Task.sleep(for: .seconds(retry.delay(attempt))); attempt += 1; continue
                }
                throw ProjectXError.http(endpoint: "/api/Auth/loginKey", status: status)
            } catch let e as URLError {
                guard attempt < retry.delays.count else { throw ProjectXError.transport(endpoint: "/api/Auth/loginKey", reason: e.localizedDescription) }
                try await Task.sleep(for: .seconds(retry.delay(attempt))); attempt += 1
            }
        }
    }

    // MARK: Transport

    enum Budget { case history, general }
    enum Mutation { case none, idempotent, unsafe }

    private func call<Req: Encodable, Res: PXResponse>(_ path: String, _ request: Req, budget: Budget = .general,
                                                       mutation: Mutation = .none) async throws -> Res {
        let body = try JSONEncoder().encode(request)
        var attempt = 0
        var renewedAfter401 = false
        let retriesTransient = mutation != .unsafe
        while true {
            await (budget == .history ? historyLimiter : generalLimiter).acquire()
            let bearer = try await currentToken()
            let status: Int
            let data: Data
            var retryAfter: Double?
            do {
                (status, data, retryAfter) = try await sendWithHeaders(path, body, bearer: bearer)
            } catch {
                let reason = (error as? URLError)?.localizedDescription ?? "\(error)"
                if retriesTransient && attempt < retry.delays.count {
                    try await Task.sleep(for: .seconds(retry.delay(attempt))); attempt += 1; continue
                }
                throw mutation == .none ? ProjectXError.transport(endpoint: path, reason: reason) : ProjectXError.ambiguous(endpoint: path, reason: reason)
            }
            switch status {
            case 200:
                let r: Res
                do { r = try JSONDecoder().decode(Res.self, from: data) } catch {
                    throw ProjectXError.decoding(endpoint: path, reason: "\(error)")
                }
                if !r.success {
                    if mutation != .none && isAmbiguous(path, r.errorCode) {
                        throw ProjectXError.ambiguous(endpoint: path, reason: "code \(r.errorCode)\(r.errorMessage.map { ": \($0)" } ?? "")")
                    }
                    throw ProjectXError.rejected(endpoint: path, code: r.errorCode, message: r.errorMessage)
                }
                return r
            case 401:
                guard !renewedAfter401 else { throw ProjectXError.http(endpoint: path, status: 401) }
                renewedAfter401 = true
                _ = try await renew(stale: bearer, invalid: true)
            case 429:
                if let retryAfter { await (budget == .history ? historyLimiter : generalLimiter).block(until: Date().addingTimeInterval(retryAfter)) }
                // An order placement without a tag is never sent twice, not even after a 429.
                let untaggedPlacement = mutation == .unsafe && path.lowercased() == "/api/order/place"
                guard !untaggedPlacement, attempt < retry.delays.count else { throw ProjectXError.rateLimited(endpoint: path) }
                try await Task.sleep(for: .seconds(max(retryAfter ?? 0, retry.delay(attempt)))); attempt += 1
            case 500...599:
                if retriesTransient && attempt < retry.delays.count {
                    try await Task.sleep(for: .seconds(retry.delay(attempt))); attempt += 1; continue
                }
                throw mutation == .none ? ProjectXError.http(endpoint: path, status: status) : ProjectXError.ambiguous(endpoint: path, reason: "HTTP \(status)")
            default:
                throw ProjectXError.http(endpoint: path, status: status)
            }
        }
    }

    /// The per-endpoint codes that leave a mutation's outcome unknown (§5).
    private func isAmbiguous(_ path: String, _ code: Int) -> Bool {
        switch path.lowercased() {
        case "/api/order/place": code == 6 || code == 7
        case "/api/order/modify", "/api/order/cancel": code == 4 || code == 5
        case "/api/position/closecontract": code == 6 || code == 7
        case "/api/position/partialclosecontract": code == 7 || code == 8
        default: false
        }
    }

    private func send(_ path: String, _ body: Data, bearer: String?, method: String) async throws -> (Int, Data) {
        let (s, d, _) = try await sendWithHeaders(path, body, bearer: bearer, method: method)
        return (s, d)
    }

    private func sendWithHeaders(_ path: String, _ body: Data, bearer: String?, method: String = "POST") async throws -> (Int, Data, Double?) {
        guard let url = URL(string: baseURL + path) else { throw ProjectXError.transport(endpoint: path, reason: "bad base URL") }
        var req = URLRequest(url: url)
        req.httpMethod = method
        req.httpBody = body
        req.timeoutInterval = requestTimeout
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        req.setValue("application/json", forHTTPHeaderField: "Accept")
        if let bearer { req.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        let started = Date()
        do {
            let (data, response) = try await RESTSession.data(for: req)
            let http = response as? HTTPURLResponse
            let status = http?.statusCode ?? 0
            var ok = status == 200
            var err: String? = status == 200 ? nil : "HTTP \(status)"
            if status == 200, let env = try? JSONDecoder().decode(PXEmptyResponse.self, from: data), !env.success {
                ok = false
                err = "code \(env.errorCode)\(env.errorMessage.map { ": \($0)" } ?? "")"
            }
            calls.record(APICallRecord(endpoint: path, method: method, durationMs: Date().timeIntervalSince(started) * 1000,
                                       status: status, success: ok, error: err, at: started))
            let retryAfter = (http?.value(forHTTPHeaderField: "Retry-After")).flatMap(Double.init)
            return (status, data, retryAfter)
        } catch {
            calls.record(APICallRecord(endpoint: path, method: method, durationMs: Date().timeIntervalSince(started) * 1000,
                                       status: 0, success: false, error: (error as? URLError)?.localizedDescription ?? "\(type(of: error))", at: started))
            throw error
        }
    }
}
