import Foundation
import Data
import Trading
import Live
import HTTPServing

/// TradingView-style alerts as an entry path: `POST /alert` with a JSON body such as
/// `{"secret": "…", "symbol": "ES", "action": "buy", "quantity": 1, "time": "2026-11-25T14:30:00Z"}`
/// (`action`: buy, sell, flatten; optional `order_type`: market (default), limit, stop with
/// `price`). The shared secret comes in the body or the `X-Tsxlab-Secret` header. Every request is
/// validated before anything reaches the broker; a valid one goes through the same `Broker` and risk
/// engine as the strategies' orders.
public struct AlertEndpoint: Sendable {
    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var body: [String: String]
    }

    let secret: Secret
    let symbols: [String: ContractSpec]
    let maxQuantity: Int64
    let maxAge: Double
    let now: @Sendable () -> Date
    /// Runs a request through the broker on the runner's task; returns its answer.
    let submit: @Sendable (OrderRequest?, _ flattenSymbol: String?) async -> CommandResult

    public init(secret: Secret, symbols: [String: ContractSpec], maxQuantity: Int64, maxAge: Double = 60, now: @escaping @Sendable () -> Date = { Date() },
                submit: @escaping @Sendable (OrderRequest?, String?) async -> CommandResult) {
        self.secret = secret; self.symbols = symbols; self.maxQuantity = maxQuantity; self.maxAge = maxAge; self.now = now; self.submit = submit
    }

    static let maxBody = 16 * 1024

    public func handle(body: Data, headerSecret: String?) async -> Answer {
        func refuse(_ status: Int, _ why: String) -> Answer { Answer(status: status, body: ["error": why]) }
        guard body.count <= Self.maxBody else { return refuse(413, "alert body larger than \(Self.maxBody) bytes") }
        guard let obj = try? JSONSerialization.jsonObject(with: body), let a = obj as? [String: Any] else {
            return refuse(400, "the body is not a JSON object")
        }
        // The secret first: nothing else is said to a caller without it.
        let given = headerSecret ?? (a["secret"] as? String)
        guard let given, HTTPAccess.constantTimeEqual(given, secret.reveal()) else { return refuse(401, "missing or wrong secret") }
        guard let symbolText = a["symbol"] as? String, !symbolText.isEmpty else { return refuse(400, "field 'symbol' is required (a string such as ES)") }
        let symbol = symbolText.uppercased()
        guard let spec = symbols[symbol] else {
            return refuse(422, "unknown symbol '\(symbolText)': this runner trades \(symbols.keys.sorted().joined(separator: ", "))")
        }
        guard let action = (a["action"] as? String)?.lowercased() else { return refuse(400, "field 'action' is required: buy, sell or flatten") }
        guard let timeText = a["time"] as? String, let t = Timestamp(iso8601: timeText) ?? Timestamp(iso8601: String(timeText.prefix(19)) + "Z") else {
            return refuse(400, "field 'time' is required (ISO-8601 UTC, e.g. TradingView's {{timenow}})")
        }
        let age = now().timeIntervalSince1970 - Double(t.seconds)
        guard age <= maxAge else { return refuse(422, "stale alert: \(Int(age)) s old (at most \(Int(maxAge)) s)") }
        guard age >= -5 else { return refuse(422, "alert time \(timeText) is in the future") }
        if action == "flatten" {
            let r = await submit(nil, symbol)
            if case .rejected(let why) = r { return refuse(422, why.description) }
            return Answer(status: 202, body: ["status": "accepted", "action": "flatten", "symbol": symbol])
        }
        guard action == "buy" || action == "sell" else { return refuse(422, "bad action '\(action)': buy, sell or flatten") }
        // The quantity as the exact decimal the body wrote: `int64Value` wraps a number beyond
        // Int64 (18446744073709551617 read as 1 and placed an order for one contract; pinned by
        // `aQuantityBeyondInt64IsRefusedNotWrapped`).
        guard let number = a["quantity"] as? NSNumber else { return refuse(422, "field 'quantity' must be a positive whole number of contracts") }
        var exact = number.decimalValue, whole = Decimal()
        NSDecimalRound(&whole, &exact, 0, .plain)
        guard !exact.isNaN, whole == exact, exact >= 1 else { return refuse(422, "field 'quantity' must be a positive whole number of contracts") }
        guard exact <= Decimal(maxQuantity) else { return refuse(422, "quantity \(exact) is over this endpoint's limit of \(maxQuantity)") }
        let quantity = NSDecimalNumber(decimal: exact).int64Value
        let kind: OrderKind
        switch (a["order_type"] as? String ?? "market").lowercased() {
        case "market": kind = .market
        case let type where type == "limit" || type == "stop":
            guard let p = a["price"] as? NSNumber, p.doubleValue.isFinite, p.doubleValue > 0,
                  let ticks = spec.tickSize.ticks(decimal: p.decimalValue) else {
                return refuse(422, "field 'price' must be a positive price on the \(spec.tickSize) tick grid for a \(type) order")
            }
            kind = type == "limit" ? .limit(Price(ticks: ticks)) : .stop(Price(ticks: ticks))
        case let other:
            return refuse(422, "bad order_type '\(other)': market, limit or stop")
        }
        let request = OrderRequest(symbol: symbol, side: action == "buy" ? .buy : .sell, quantity: quantity, kind: kind, purpose: .entry)
        switch await submit(request, nil) {
        case .accepted(let id): return Answer(status: 202, body: ["status": "accepted", "order": id.description])
        case .rejected(let why): return refuse(422, why.description)
        }
    }
}
