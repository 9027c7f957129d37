import Foundation
import Data

// The ProjectX Gateway's JSON shapes (projectx-gateway.md §2–4), shared by the client in `Live`
// and the loopback gateway. Names are the wire's camelCase; enums are the wire's integers.
// Prices and money are `Decimal` on the wire and never pass through `Double`.

/// The envelope every JSON answer carries: `success == (errorCode == 0)`. A business rejection is
/// HTTP 200 with `success: false`; the meaning of `errorCode` depends on the endpoint.
public protocol PXResponse: Codable, Sendable {
    var success: Bool { get }
    var errorCode: Int { get }
    var errorMessage: String? { get }
}

/// An answer with no payload (`Auth/logout`, `Order/modify`, `Order/cancel`, position closes).
public struct PXEmptyResponse: PXResponse {
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(errorCode: Int = 0, errorMessage: String? = nil) {
        self.success = errorCode == 0; self.errorCode = errorCode; self.errorMessage = errorMessage
    }
}

// MARK: Auth

public struct PXLoginKeyRequest: Codable, Sendable {
    public var userName: String
    public var apiKey: String
    public init(userName: String, apiKey: String) { self.userName = userName; self.apiKey = apiKey }
}

public struct PXLoginResponse: PXResponse {
    public var token: String?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(token: String?, errorCode: Int = 0, errorMessage: String? = nil) {
        self.token = token; self.success = errorCode == 0; self.errorCode = errorCode; self.errorMessage = errorMessage
    }
}

public struct PXValidateResponse: PXResponse {
    public var newToken: String?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(newToken: String?, errorCode: Int = 0, errorMessage: String? = nil) {
        self.newToken = newToken; self.success = errorCode == 0; self.errorCode = errorCode; self.errorMessage = errorMessage
    }
}

// MARK: Accounts

public struct PXAccount: Codable, Hashable, Sendable {
    public var id: Int
    public var name: String
    public var balance: Decimal
    public var canTrade: Bool
    public var isVisible: Bool
    public var simulated: Bool
    public init(id: Int, name: String, balance: Decimal, canTrade: Bool, isVisible: Bool = true, simulated: Bool = true) {
        self.id = id; self.name = name; self.balance = balance; self.canTrade = canTrade
        self.isVisible = isVisible; self.simulated = simulated
    }
}

public struct PXAccountSearchRequest: Codable, Sendable {
    public var onlyActiveAccounts: Bool
    public init(onlyActiveAccounts: Bool) { self.onlyActiveAccounts = onlyActiveAccounts }
}

public struct PXAccountSearchResponse: PXResponse {
    public var accounts: [PXAccount]?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(accounts: [PXAccount]) { self.accounts = accounts; success = true; errorCode = 0 }
}

// MARK: Contracts

public struct PXContract: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    public var description: String
    public var tickSize: Decimal
    public var tickValue: Decimal
    public var activeContract: Bool
    public var symbolId: String?
    public init(id: String, name: String, description: String, tickSize: Decimal, tickValue: Decimal, activeContract: Bool, symbolId: String?) {
        self.id = id; self.name = name; self.description = description; self.tickSize = tickSize
        self.tickValue = tickValue; self.activeContract = activeContract; self.symbolId = symbolId
    }
}

public struct PXContractSearchRequest: Codable, Sendable {
    public var searchText: String
    public var live: Bool
    public init(searchText: String, live: Bool = false) { self.searchText = searchText; self.live = live }
}

public struct PXContractByIDRequest: Codable, Sendable {
    public var contractId: String
    public init(contractId: String) { self.contractId = contractId }
}

public struct PXContractAvailableRequest: Codable, Sendable {
    public var live: Bool
    public init(live: Bool = false) { self.live = live }
}

public struct PXContractSearchResponse: PXResponse {
    public var contracts: [PXContract]?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(contracts: [PXContract]) { self.contracts = contracts; success = true; errorCode = 0 }
}

/// `Contract/searchById`: sources disagree (§4.2), so the client reads `contract` or
/// `contracts[0]`; the gateway sends `contract`.
public struct PXContractByIDResponse: PXResponse {
    public var contract: PXContract?
    public var contracts: [PXContract]?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(contract: PXContract?, errorCode: Int = 0, errorMessage: String? = nil) {
        self.contract = contract; self.success = errorCode == 0; self.errorCode = errorCode; self.errorMessage = errorMessage
    }
    public var found: PXContract? { contract ?? contracts?.first }
}

// MARK: History

/// `unit` of `History/retrieveBars`.
public enum PXBarUnit: Int, Codable, Sendable, CaseIterable {
    case second = 1, minute = 2, hour = 3, day = 4, week = 5, month = 6
}

public struct PXRetrieveBarsRequest: Codable, Sendable {
    public var contractId: String
    public var live: Bool
    public var startTime: String
    public var endTime: String
    public var unit: Int
    public var unitNumber: Int
    public var limit: Int
    public var includePartialBar: Bool
    public init(contractId: String, live: Bool = false, startTime: String, endTime: String, unit: Int, unitNumber: Int,
                limit: Int, includePartialBar: Bool = false) {
        self.contractId = contractId; self.live = live; self.startTime = startTime; self.endTime = endTime
        self.unit = unit; self.unitNumber = unitNumber; self.limit = limit; self.includePartialBar = includePartialBar
    }
}

public struct PXBar: Codable, Hashable, Sendable {
    /// The bar's start, UTC.
    public var t: String
    public var o: Decimal
    public var h: Decimal
    public var l: Decimal
    public var c: Decimal
    public var v: Int64
    public init(t: String, o: Decimal, h: Decimal, l: Decimal, c: Decimal, v: Int64) {
        self.t = t; self.o = o; self.h = h; self.l = l; self.c = c; self.v = v
    }
}

public struct PXRetrieveBarsResponse: PXResponse {
    /// Newest first, as the gateway sends them.
    public var bars: [PXBar]?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(bars: [PXBar]?, errorCode: Int = 0, errorMessage: String? = nil) {
        self.bars = bars; self.success = errorCode == 0; self.errorCode = errorCode; self.errorMessage = errorMessage
    }
}

// MARK: Orders

/// `type` of an order (§4.4). StopLimit (3) appears in answers only.
public enum PXOrderType: Int, Codable, Sendable {
    case limit = 1, market = 2, stopLimit = 3, stop = 4, trailingStop = 5, joinBid = 6, joinAsk = 7
}

/// `side`: 0 bid (buy), 1 ask (sell).
public enum PXSide: Int, Codable, Sendable {
    case bid = 0, ask = 1
}

/// `status` of an order. Terminal: filled, cancelled, expired, rejected.
public enum PXOrderStatus: Int, Codable, Sendable {
    case none = 0, open = 1, filled = 2, cancelled = 3, expired = 4, rejected = 5, pending = 6, pendingCancellation = 7, suspended = 8
    public var isTerminal: Bool { [.filled, .cancelled, .expired, .rejected].contains(self) }
}

public struct PXBracket: Codable, Hashable, Sendable {
    /// Signed distance from the entry's fill price: below a long entry is negative.
    public var ticks: Int
    public var type: Int
    public init(ticks: Int, type: PXOrderType) { self.ticks = ticks; self.type = type.rawValue }
}

public struct PXPlaceOrderRequest: Codable, Hashable, Sendable {
    public var accountId: Int
    public var contractId: String
    public var type: Int
    public var side: Int
    public var size: Int
    public var limitPrice: Decimal?
    public var stopPrice: Decimal?
    public var trailPrice: Decimal?
    public var customTag: String?
    public var stopLossBracket: PXBracket?
    public var takeProfitBracket: PXBracket?
    public init(accountId: Int, contractId: String, type: PXOrderType, side: PXSide, size: Int, limitPrice: Decimal? = nil,
                stopPrice: Decimal? = nil, trailPrice: Decimal? = nil, customTag: String? = nil,
                stopLossBracket: PXBracket? = nil, takeProfitBracket: PXBracket? = nil) {
        self.accountId = accountId; self.contractId = contractId; self.type = type.rawValue; self.side = side.rawValue
        self.size = size; self.limitPrice = limitPrice; self.stopPrice = stopPrice; self.trailPrice = trailPrice
        self.customTag = customTag; self.stopLossBracket = stopLossBracket; self.takeProfitBracket = takeProfitBracket
    }
}

/// `Order/place`'s error codes (reference §4.4). The numbers are this endpoint's own: code 2 is
/// `OrderRejected` here but `OrderNotFound` on cancel. The message beside a code is free text
/// and not stable (§5): logic keys on the code.
public enum PXPlaceOrderError: Int, Codable, Sendable, CaseIterable {
    case accountNotFound = 1
    /// Every refusal of the order itself: off the tick grid, wrong bracket signs, and a
    /// `customTag` the account already used ("must be unique within the account; reuse is
    /// rejected" — the reference gives a reused tag no code of its own). It may carry the
    /// `orderId` of the rejected record.
    case orderRejected = 2
    case insufficientFunds = 3, accountViolation = 4, outsideTradingHours = 5
    /// Ambiguous, as `unknownError` is: the order may exist; reconcile before resending.
    case orderPending = 6
    case unknownError = 7, contractNotFound = 8, contractNotActive = 9, accountRejected = 10
}

public struct PXPlaceOrderResponse: PXResponse {
    /// Present on success, and sometimes on a rejection too: it alone does not mean accepted.
    public var orderId: Int64?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(orderId: Int64?, errorCode: Int = 0, errorMessage: String? = nil) {
        self.orderId = orderId; self.success = errorCode == 0; self.errorCode = errorCode; self.errorMessage = errorMessage
    }
    public init(orderId: Int64? = nil, error: PXPlaceOrderError, message: String?) {
        self.init(orderId: orderId, errorCode: error.rawValue, errorMessage: message)
    }

    enum CodingKeys: String, CodingKey { case orderId, success, errorCode, errorMessage }

    /// Every field of the envelope, `null` where absent, as the reference's examples show it
    /// (`{"orderId":9056,"success":true,"errorCode":0,"errorMessage":null}`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(orderId, forKey: .orderId)
        try c.encode(success, forKey: .success)
        try c.encode(errorCode, forKey: .errorCode)
        try c.encode(errorMessage, forKey: .errorMessage)
    }
}

public struct PXModifyOrderRequest: Codable, Sendable {
    public var accountId: Int
    public var orderId: Int64
    public var size: Int?
    public var limitPrice: Decimal?
    public var stopPrice: Decimal?
    public var trailPrice: Decimal?
    public init(accountId: Int, orderId: Int64, size: Int? = nil, limitPrice: Decimal? = nil, stopPrice: Decimal? = nil, trailPrice: Decimal? = nil) {
        self.accountId = accountId; self.orderId = orderId; self.size = size
        self.limitPrice = limitPrice; self.stopPrice = stopPrice; self.trailPrice = trailPrice
    }
}

public struct PXCancelOrderRequest: Codable, Sendable {
    public var accountId: Int
    public var orderId: Int64
    public init(accountId: Int, orderId: Int64) { self.accountId = accountId; self.orderId = orderId }
}

public struct PXOrder: Codable, Hashable, Sendable {
    public var id: Int64
    public var accountId: Int
    public var contractId: String
    public var symbolId: String?
    public var creationTimestamp: String
    public var updateTimestamp: String?
    public var status: Int
    public var type: Int
    public var side: Int
    public var size: Int
    public var limitPrice: Decimal?
    public var stopPrice: Decimal?
    public var fillVolume: Int?
    public var filledPrice: Decimal?
    public var customTag: String?
    public var parentOrderId: Int64?
    public init(id: Int64, accountId: Int, contractId: String, symbolId: String?, creationTimestamp: String, updateTimestamp: String?,
                status: PXOrderStatus, type: PXOrderType, side: PXSide, size: Int, limitPrice: Decimal?, stopPrice: Decimal?,
                fillVolume: Int, filledPrice: Decimal?, customTag: String?, parentOrderId: Int64?) {
        self.id = id; self.accountId = accountId; self.contractId = contractId; self.symbolId = symbolId
        self.creationTimestamp = creationTimestamp; self.updateTimestamp = updateTimestamp; self.status = status.rawValue
        self.type = type.rawValue; self.side = side.rawValue; self.size = size; self.limitPrice = limitPrice
        self.stopPrice = stopPrice; self.fillVolume = fillVolume; self.filledPrice = filledPrice
        self.customTag = customTag; self.parentOrderId = parentOrderId
    }
    public var orderStatus: PXOrderStatus { PXOrderStatus(rawValue: status) ?? .none }
}

public struct PXOrderSearchRequest: Codable, Sendable {
    public var accountId: Int
    public var startTimestamp: String
    public var endTimestamp: String?
    public init(accountId: Int, startTimestamp: String, endTimestamp: String? = nil) {
        self.accountId = accountId; self.startTimestamp = startTimestamp; self.endTimestamp = endTimestamp
    }
}

public struct PXAccountRequest: Codable, Sendable {
    public var accountId: Int
    public init(accountId: Int) { self.accountId = accountId }
}

public struct PXOrderByIDRequest: Codable, Sendable {
    public var accountId: Int
    public var orderId: Int64
    public init(accountId: Int, orderId: Int64) { self.accountId = accountId; self.orderId = orderId }
}

/// `Order/v2/query`: the only search that returns suspended bracket children.
public struct PXOrderQueryRequest: Codable, Sendable {
    public struct Filter: Codable, Sendable {
        public var accountId: Int
        public var statuses: [Int]?
        public var contractId: String?
        public var createdAfter: String?
        public var createdBefore: String?
        public init(accountId: Int, statuses: [Int]? = nil, contractId: String? = nil, createdAfter: String? = nil, createdBefore: String? = nil) {
            self.accountId = accountId; self.statuses = statuses; self.contractId = contractId
            self.createdAfter = createdAfter; self.createdBefore = createdBefore
        }
    }
    public var filter: Filter
    public var pageSize: Int
    public var pageOffset: Int
    public var sortBy: Int
    public var sortDirection: Int
    public var includeTotalCount: Bool
    public init(filter: Filter, pageSize: Int = 100, pageOffset: Int = 0) {
        self.filter = filter; self.pageSize = pageSize; self.pageOffset = pageOffset
        sortBy = 1; sortDirection = 0; includeTotalCount = true
    }
}

public struct PXOrderSearchResponse: PXResponse {
    public var orders: [PXOrder]?
    public var totalCount: Int?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(orders: [PXOrder]?, totalCount: Int? = nil, errorCode: Int = 0, errorMessage: String? = nil) {
        self.orders = orders; self.totalCount = totalCount; self.success = errorCode == 0
        self.errorCode = errorCode; self.errorMessage = errorMessage
    }
}

public struct PXOrderByIDResponse: PXResponse {
    public var order: PXOrder?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(order: PXOrder?, errorCode: Int = 0, errorMessage: String? = nil) {
        self.order = order; self.success = errorCode == 0; self.errorCode = errorCode; self.errorMessage = errorMessage
    }
}

// MARK: Positions

public struct PXPosition: Codable, Hashable, Sendable {
    public var id: Int
    public var accountId: Int
    public var contractId: String
    public var creationTimestamp: String
    /// 1 long, 2 short.
    public var type: Int
    /// Positive, direction in `type` (a signed size is tolerated: take its magnitude).
    public var size: Int
    public var averagePrice: Decimal
    public init(id: Int, accountId: Int, contractId: String, creationTimestamp: String, type: Int, size: Int, averagePrice: Decimal) {
        self.id = id; self.accountId = accountId; self.contractId = contractId; self.creationTimestamp = creationTimestamp
        self.type = type; self.size = size; self.averagePrice = averagePrice
    }
    /// Signed quantity: positive long, negative short.
    public var signedSize: Int { type == 2 ? -abs(size) : abs(size) }
}

public struct PXPositionSearchResponse: PXResponse {
    public var positions: [PXPosition]?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(positions: [PXPosition]?, errorCode: Int = 0, errorMessage: String? = nil) {
        self.positions = positions; self.success = errorCode == 0; self.errorCode = errorCode; self.errorMessage = errorMessage
    }
}

public struct PXCloseContractRequest: Codable, Sendable {
    public var accountId: Int
    public var contractId: String
    public init(accountId: Int, contractId: String) { self.accountId = accountId; self.contractId = contractId }
}

public struct PXPartialCloseRequest: Codable, Sendable {
    public var accountId: Int
    public var contractId: String
    public var size: Int
    public init(accountId: Int, contractId: String, size: Int) { self.accountId = accountId; self.contractId = contractId; self.size = size }
}

// MARK: Trades (fills)

public struct PXTrade: Codable, Hashable, Sendable {
    public var id: Int64
    public var accountId: Int
    public var contractId: String
    public var creationTimestamp: String
    public var price: Decimal
    /// Gross realised P&L of a closing fill; nil for an opening (half-turn) fill.
    public var profitAndLoss: Decimal?
    public var fees: Decimal
    public var side: Int
    public var size: Int
    public var voided: Bool
    public var orderId: Int64
    public init(id: Int64, accountId: Int, contractId: String, creationTimestamp: String, price: Decimal, profitAndLoss: Decimal?,
                fees: Decimal, side: Int, size: Int, voided: Bool = false, orderId: Int64) {
        self.id = id; self.accountId = accountId; self.contractId = contractId; self.creationTimestamp = creationTimestamp
        self.price = price; self.profitAndLoss = profitAndLoss; self.fees = fees; self.side = side; self.size = size
        self.voided = voided; self.orderId = orderId
    }
}

public struct PXTradeSearchRequest: Codable, Sendable {
    public var accountId: Int
    public var startTimestamp: String
    public var endTimestamp: String?
    public init(accountId: Int, startTimestamp: String, endTimestamp: String? = nil) {
        self.accountId = accountId; self.startTimestamp = startTimestamp; self.endTimestamp = endTimestamp
    }
}

public struct PXTradeSearchResponse: PXResponse {
    public var trades: [PXTrade]?
    public var success: Bool
    public var errorCode: Int
    public var errorMessage: String?
    public init(trades: [PXTrade]?, errorCode: Int = 0, errorMessage: String? = nil) {
        self.trades = trades; self.success = errorCode == 0; self.errorCode = errorCode; self.errorMessage = errorMessage
    }
}

// MARK: Market hub payloads

/// `GatewayQuote`: sparse — a missing field is "unchanged", not zero.
public struct PXQuote: Codable, Hashable, Sendable {
    public var symbol: String?
    public var lastPrice: Decimal?
    public var bestBid: Decimal?
    public var bestAsk: Decimal?
    public var volume: Int64?
    public var timestamp: String?
    public init(symbol: String?, lastPrice: Decimal?, bestBid: Decimal?, bestAsk: Decimal?, volume: Int64?, timestamp: String?) {
        self.symbol = symbol; self.lastPrice = lastPrice; self.bestBid = bestBid; self.bestAsk = bestAsk
        self.volume = volume; self.timestamp = timestamp
    }
}

/// One print of `GatewayTrade`; `type` is the aggressor (0 buy, 1 sell).
public struct PXTradePrint: Codable, Hashable, Sendable {
    public var symbolId: String?
    public var price: Decimal
    public var timestamp: String
    public var type: Int?
    public var volume: Int64
    public init(symbolId: String?, price: Decimal, timestamp: String, type: Int?, volume: Int64) {
        self.symbolId = symbolId; self.price = price; self.timestamp = timestamp; self.type = type; self.volume = volume
    }
}

// MARK: Timestamps and prices

public enum PXTime {
    /// The gateway's timestamp form: microseconds and `+00:00`.
    public static func format(_ t: Timestamp) -> String {
        CivilTime(utcSeconds: t.seconds).isoString + ".000000+00:00"
    }

    /// The request form: whole seconds and `Z`.
    public static func request(_ t: Timestamp) -> String { t.iso8601 }

    /// Parses `2025-04-14T17:49:10.142532+00:00`, `...Z`, any fraction length; whole seconds
    /// (fractions are cut, not rounded, so a print stays in the second it happened in).
    public static func parse(_ text: String) -> Timestamp? { Timestamp(iso8601: text) }
}

extension TickSize {
    /// The price as the gateway's decimal.
    public func decimal(_ p: Price) -> Decimal { Decimal(string: format(p)) ?? 0 }

    /// Whole ticks from a gateway decimal; nil when it is off this grid.
    public func ticks(decimal d: Decimal) -> Int64? { ticks("\(d)") }

    /// The nearest tick to a decimal (the client aligns prices before sending).
    public func nearestTicks(decimal d: Decimal) -> Int64 {
        ticks(decimal: d) ?? ticks(nearest: NSDecimalNumber(decimal: d).doubleValue)
    }
}

extension Money {
    public init(decimal d: Decimal) {
        var scaled = d * 100, rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        self.init(cents: NSDecimalNumber(decimal: rounded).int64Value)
    }
    public var decimal: Decimal { Decimal(cents) / 100 }
}

// MARK: Market hub payloads read without a JSON round trip

/// A hub argument whose shape is not the payload's: which field, and what it should be.
public struct PayloadShapeError: Error, Hashable, CustomStringConvertible {
    public var field: String
    public var expected: String
    public var description: String { "'\(field)' is missing or not \(expected)" }
    public init(field: String, expected: String) { self.field = field; self.expected = expected }
}

/// Reads an object's fields by kind; absent and null are nil for the optional ones.
struct PayloadFields {
    let fields: [String: JSONValue]

    init(_ v: JSONValue) throws(PayloadShapeError) {
        guard case .object(let o) = v else { throw PayloadShapeError(field: "(payload)", expected: "an object") }
        fields = o
    }

    func optional<T>(_ name: String, _ expected: String, _ read: (JSONValue) -> T?) throws(PayloadShapeError) -> T? {
        guard let v = fields[name], v != .null else { return nil }
        guard let t = read(v) else { throw PayloadShapeError(field: name, expected: expected) }
        return t
    }

    func required<T>(_ name: String, _ expected: String, _ read: (JSONValue) -> T?) throws(PayloadShapeError) -> T {
        guard let t = try optional(name, expected, read) else { throw PayloadShapeError(field: name, expected: expected) }
        return t
    }

    static func decimal(_ v: JSONValue) -> Decimal? { if case .number(let d) = v { d } else { nil } }
    static func text(_ v: JSONValue) -> String? { v.string }
    static func int64(_ v: JSONValue) -> Int64? { v.int64 }
    static func int(_ v: JSONValue) -> Int? { v.int64.flatMap { Int(exactly: $0) } }
}

extension PXTradePrint {
    /// The print in a `GatewayTrade` argument, read from the parsed value directly (the same
    /// fields and kinds as its `Decodable` form; `JSONValue.decode` would encode it to JSON and
    /// decode that, in the runner, for every print).
    public init(json: JSONValue) throws(PayloadShapeError) {
        let f = try PayloadFields(json)
        self.init(symbolId: try f.optional("symbolId", "a string", PayloadFields.text),
                  price: try f.required("price", "a number", PayloadFields.decimal),
                  timestamp: try f.required("timestamp", "a string", PayloadFields.text),
                  type: try f.optional("type", "a whole number", PayloadFields.int),
                  volume: try f.required("volume", "a whole number", PayloadFields.int64))
    }
}

extension PXQuote {
    /// The quote in a `GatewayQuote` argument, read from the parsed value directly (see
    /// `PXTradePrint.init(json:)`).
    public init(json: JSONValue) throws(PayloadShapeError) {
        let f = try PayloadFields(json)
        self.init(symbol: try f.optional("symbol", "a string", PayloadFields.text),
                  lastPrice: try f.optional("lastPrice", "a number", PayloadFields.decimal),
                  bestBid: try f.optional("bestBid", "a number", PayloadFields.decimal),
                  bestAsk: try f.optional("bestAsk", "a number", PayloadFields.decimal),
                  volume: try f.optional("volume", "a whole number", PayloadFields.int64),
                  timestamp: try f.optional("timestamp", "a string", PayloadFields.text))
    }
}
