import Foundation
import Data
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

    public func load() throws -> Saved? {
        let rows = try db.query("SELECT tag_prefix, next_local_id, trade_day, risk_json FROM live_runner_state WHERE account_id = $1", [.text(account)])
        guard let r = rows.first, let prefix = r[0].text, let next = r[1].int, let day = r[2].int, let json = r[3].text,
              let risk = try? JSONDecoder().decode(RiskState.Snapshot.self, from: Data(json.utf8)) else { return nil }
        return Saved(tagPrefix: prefix, nextLocalID: next, tradeDay: day, risk: risk)
    }

    /// Saves the runner state and appends an account-state row (the seed's `account_state`).
    public func save(tagPrefix: String, nextLocalID: Int64, risk: RiskState, account snapshot: AccountSnapshot, at time: Timestamp) throws {
        let json = String(decoding: try JSONEncoder().encode(risk.snapshot), as: UTF8.self)
        try db.transaction {
            try db.execute("""
                INSERT INTO live_runner_state (account_id, tag_prefix, next_local_id, trade_day, risk_json, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (account_id) DO UPDATE SET tag_prefix = excluded.tag_prefix, next_local_id = excluded.next_local_id,
                    trade_day = excluded.trade_day, risk_json = excluded.risk_json, updated_at = excluded.updated_at
                """, [.text(account), .text(tagPrefix), .int(nextLocalID), .int(risk.tradeDay), .text(json), .text(time.iso8601)])
            try db.execute("""
                INSERT INTO account_state (account_id, balance, dll_remaining, mll_remaining, timestamp) VALUES ($1, $2, $3, $4, $5)
                """, [.text(account), .text(snapshot.balance.description), snapshot.dailyLossRemaining.map { .text($0.description) } ?? .null,
                      snapshot.maxLossRemaining.map { .text($0.description) } ?? .null, .text(time.iso8601)])
        }
    }

    /// Records an order by its tag (before it is sent, and after each change).
    public func record(tag: String, order: Order, gatewayID: Int64?, strategy: String?, status: String, at time: Timestamp) throws {
        try db.execute("""
            INSERT INTO live_orders (account_id, tag, local_id, gateway_id, strategy, symbol, side, quantity, kind, status, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
            ON CONFLICT (account_id, tag) DO UPDATE SET gateway_id = COALESCE(excluded.gateway_id, live_orders.gateway_id),
                status = excluded.status, quantity = excluded.quantity, kind = excluded.kind, updated_at = excluded.updated_at
            """, [.text(account), .text(tag), .int(order.id.raw), gatewayID.map { .int($0) } ?? .null, strategy.map { .text($0) } ?? .null,
                  .text(order.symbol), .text(order.side.description), .int(order.request.quantity), .text(order.request.kind.description),
                  .text(status), .text(time.iso8601)])
    }

    public struct SentOrder: Sendable, Equatable {
        public var tag: String
        public var localID: Int64
        public var gatewayID: Int64?
        public var status: String
    }

    public func orders() throws -> [SentOrder] {
        try db.query("SELECT tag, local_id, gateway_id, status FROM live_orders WHERE account_id = $1 ORDER BY local_id", [.text(account)]).compactMap { r in
            guard let tag = r[0].text, let local = r[1].int, let status = r[3].text else { return nil }
            return SentOrder(tag: tag, localID: local, gatewayID: r[2].int, status: status)
        }
    }
}

