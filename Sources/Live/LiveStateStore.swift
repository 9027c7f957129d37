import Foundation
import Data
import Store
import Synchronization
import Trading

/// The runner's durable state in the store: the tag prefix and order counter (so a restarted
/// runner makes the same custom tags and finds its orders by them), the risk state (start-of-day
/// balance, high-water mark, locks), a history of account states, and every order it sent, written
/// before the order leaves and again when its state changes.
public final class LiveStateStore: Sendable {
    let db: any SQLDatabase
    public let account: String

    public init(db: any SQLDatabase, account: String) { self.db = db; self.account = account }

    public struct Saved: Sendable, Equatable {
        public var tagPrefix: String
        public var nextLocalID: Int64
        public var tradeDay: Int64
        public var risk: RiskState.Snapshot
    }

    private let schemaReady = Mutex(false)

    /// The runner's tables, created on first use when the database lacks them (a store opened
    /// through `StoreURL` alone has only the bar tables).
    var tables: LiveTables {
        get throws {
            try schemaReady.withLock { ready in
                if !ready { try StoreSchema.migrate(db); ready = true }
            }
            return LiveTables(db: db, account: account)
        }
    }

    /// The stored state, or nil when the account has none.
    ///
    /// - Throws: `LiveStateUnreadable` when a row exists but its risk state cannot be read: the
    ///   runner must not start on a guessed high-water mark.
    public func load() throws -> Saved? {
        guard let r = try tables.runnerState() else { return nil }
        let risk: RiskState.Snapshot
        do { risk = try JSONDecoder().decode(RiskState.Snapshot.self, from: Data(r.riskJSON.utf8)) }
        catch { throw LiveStateUnreadable(account: account, reason: "\(error)") }
        return Saved(tagPrefix: r.tagPrefix, nextLocalID: r.nextLocalID, tradeDay: r.tradeDay, risk: risk)
    }

    /// Saves the runner state and appends an account-state row (the seed's `account_state`).
    public func save(tagPrefix: String, nextLocalID: Int64, risk: RiskState, account snapshot: AccountSnapshot, at time: Timestamp) throws {
        let json = String(decoding: try JSONEncoder().encode(risk.snapshot), as: UTF8.self)
        try tables.save(LiveRunnerStateRow(tagPrefix: tagPrefix, nextLocalID: nextLocalID, tradeDay: risk.tradeDay, riskJSON: json),
                        account: AccountStateRow(balance: snapshot.balance.description, dailyLossRemaining: snapshot.dailyLossRemaining?.description,
                                                 maxLossRemaining: snapshot.maxLossRemaining?.description),
                        at: time.iso8601)
    }

    /// Records an order by its tag (before it is sent, and after each change).
    public func record(tag: String, order: Order, gatewayID: Int64?, strategy: String?, status: String, at time: Timestamp) throws {
        try tables.record(LiveOrderRow(tag: tag, localID: order.id.raw, gatewayID: gatewayID, strategy: strategy, symbol: order.symbol,
                                       side: order.side.description, quantity: order.request.quantity,
                                       kind: order.request.kind.description, status: status),
                          at: time.iso8601)
    }

    /// Completes the record of a placement whose answer never came: the gateway holds the order
    /// `gatewayID` under `tag`.
    public func acknowledge(tag: String, gatewayID: Int64, at time: Timestamp) throws {
        try tables.acknowledge(tag: tag, gatewayID: gatewayID, at: time.iso8601)
    }

    /// Sets the status of a recorded order (`not received`: a placement a killed run sent that
    /// the gateway never took).
    public func settle(tag: String, status: String, at time: Timestamp) throws {
        try tables.settle(tag: tag, status: status, at: time.iso8601)
    }

    public struct SentOrder: Sendable, Equatable {
        public var tag: String
        public var localID: Int64
        public var gatewayID: Int64?
        public var status: String
    }

    public func orders() throws -> [SentOrder] {
        try tables.orders().map { SentOrder(tag: $0.tag, localID: $0.localID, gatewayID: $0.gatewayID, status: $0.status) }
    }
}

/// The store holds a runner state for the account whose risk state cannot be read.
public struct LiveStateUnreadable: Error, CustomStringConvertible, Equatable, Sendable {
    public var account: String
    public var reason: String
    public var description: String {
        "the stored risk state of account \(account) (live_runner_state.risk_json) cannot be read: \(reason); the runner does not start on a guessed high-water mark"
    }
}
