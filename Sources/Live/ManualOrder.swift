import Data
import Foundation
import ProjectX
import Trading

/// An order placed by hand (`tsxlab live place`, `stop-bracket`): it passes the same pre-trade
/// checks and risk rules as the runner's, against the account as it stands today.
public enum ManualOrder {
    /// A broker seeded with the account's state today (positions, working orders, today's fills)
    /// under `rules`, marked at the contract's last traded price.
    public static func seededBroker(client: ProjectXClient, account: PXAccount, contract: PXContract, spec: ContractSpec,
                                    rules: RiskRules, now: Timestamp = Timestamp(seconds: Int64(Date().timeIntervalSince1970))) async throws -> LiveBroker {
        let calendar = SessionCalendar.cmeEquityIndex
        let day = calendar.tradeDayNumber(containing: now.seconds)
        let dayStart = calendar.session(for: TradeDate(dayNumber: day))?.open ?? Timestamp(seconds: now.seconds - 86_400)
        let trades = try await client.searchTrades(accountId: account.id, from: dayStart)
        let todayNet = trades.reduce(Decimal(0)) { $0 + ($1.profitAndLoss ?? 0) - $1.fees }
        let balance = Money(decimal: account.balance - todayNet)
        var rules = rules
        rules.startingBalance = balance
        let broker = LiveBroker(accountID: account.id, instruments: [Instrument(spec: spec)], contracts: [spec.symbol: contract.id],
                                rules: rules, startingBalance: balance, tagPrefix: "tsx-manual-\(UUID().uuidString.prefix(8).lowercased())", now: now)
        broker.beginTradeDay(day)
        let orders = try await client.workingOrders(accountId: account.id, contractId: contract.id)
        broker.reconcile(orders: orders, trades: trades.filter { $0.contractId == contract.id })
        _ = broker.takeEvents()
        // A trade since the last print gives a bracket its reference price.
        if let q = try? await client.retrieveBars(contractId: contract.id, unit: .minute, unitNumber: 1,
                                                   start: Timestamp(seconds: now.seconds - 7 * 86_400), end: now, includePartialBar: true).last,
           let px = spec.tickSize.ticks(decimal: q.c) {
            broker.mark(spec.symbol, price: px, at: broker.now)
        }
        return broker
    }

    /// Runs `request` through a seeded broker's checks and sends it.
    ///
    /// - Returns: the gateway's order id and the request as sent.
    /// - Throws: `LiveSetupError` with the rule's words when the checks refuse it; `ProjectXError`
    ///   when the gateway does.
    public static func place(_ request: OrderRequest, client: ProjectXClient, account: PXAccount, contract: PXContract, spec: ContractSpec,
                             rules: RiskRules) async throws -> (orderID: Int64, sent: PXPlaceOrderRequest) {
        let broker = try await seededBroker(client: client, account: account, contract: contract, spec: spec, rules: rules)
        if case .rejected(let why) = broker.place(request) { throw ManualOrderRefusal(reason: why.description) }
        guard case .place(_, let r)? = broker.takeOutbox().first else { throw ManualOrderRefusal(reason: "nothing to send") }
        return (try await client.placeOrder(r), r)
    }
}

/// The pre-trade checks or the risk rules refused a manual order; `reason` is the rule's words.
public struct ManualOrderRefusal: Error, CustomStringConvertible, Equatable {
    public let reason: String
    public var description: String { "refused: \(reason)" }
}
