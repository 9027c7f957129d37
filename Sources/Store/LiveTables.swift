import Data

/// The live runner's row for an account (`live_runner_state`): the tag prefix and order counter,
/// the trade day, and the risk state as JSON.
public struct LiveRunnerStateRow: Hashable, Sendable {
    public var tagPrefix: String
    public var nextLocalID: Int64
    public var tradeDay: Int64
    public var riskJSON: String
    public init(tagPrefix: String, nextLocalID: Int64, tradeDay: Int64, riskJSON: String) {
        self.tagPrefix = tagPrefix; self.nextLocalID = nextLocalID; self.tradeDay = tradeDay; self.riskJSON = riskJSON
    }
}

/// One account-state sample (`account_state`, the seed's table); amounts in dollars as text.
public struct AccountStateRow: Hashable, Sendable {
    public var balance: String
    public var dailyLossRemaining, maxLossRemaining: String?
    public init(balance: String, dailyLossRemaining: String?, maxLossRemaining: String?) {
        self.balance = balance; self.dailyLossRemaining = dailyLossRemaining; self.maxLossRemaining = maxLossRemaining
    }
}

/// An order the runner sent, by its custom tag (`live_orders`).
public struct LiveOrderRow: Hashable, Sendable {
    public var tag: String
    public var localID: Int64
    public var gatewayID: Int64?
    public var strategy: String?
    public var symbol, side: String
    public var quantity: Int64
    public var kind, status: String
    public init(tag: String, localID: Int64, gatewayID: Int64?, strategy: String?, symbol: String, side: String, quantity: Int64,
                kind: String, status: String) {
        self.tag = tag; self.localID = localID; self.gatewayID = gatewayID; self.strategy = strategy; self.symbol = symbol
        self.side = side; self.quantity = quantity; self.kind = kind; self.status = status
    }
}

/// One request to the gateway (`api_metrics`, the seed's table).
public struct APICallRow: Hashable, Sendable {
    public var endpoint, method: String
    public var durationMs: Double
    public var status: Int
    public var success: Bool
    public var error: String?
    /// ISO-8601 UTC.
    public var at: String
    public init(endpoint: String, method: String, durationMs: Double, status: Int, success: Bool, error: String?, at: String) {
        self.endpoint = endpoint; self.method = method; self.durationMs = durationMs; self.status = status
        self.success = success; self.error = error; self.at = at
    }
}

/// The live runner's tables for one account: its state, account-state history and sent orders.
public struct LiveTables: Sendable {
    public let db: any SQLDatabase
    public let account: String
    public init(db: any SQLDatabase, account: String) { self.db = db; self.account = account }

    public func runnerState() throws -> LiveRunnerStateRow? {
        let rows = try db.query("SELECT tag_prefix, next_local_id, trade_day, risk_json FROM live_runner_state WHERE account_id = $1", [.text(account)])
        guard let r = rows.first, let prefix = r[0].text, let next = r[1].int, let day = r[2].int, let json = r[3].text else { return nil }
        return LiveRunnerStateRow(tagPrefix: prefix, nextLocalID: next, tradeDay: day, riskJSON: json)
    }

    /// Saves the runner state and appends an account-state row, in one transaction; `time` is ISO-8601 UTC.
    public func save(_ state: LiveRunnerStateRow, account snapshot: AccountStateRow, at time: String) throws {
        try db.transaction {
            try db.execute("""
                INSERT INTO live_runner_state (account_id, tag_prefix, next_local_id, trade_day, risk_json, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (account_id) DO UPDATE SET tag_prefix = excluded.tag_prefix, next_local_id = excluded.next_local_id,
                    trade_day = excluded.trade_day, risk_json = excluded.risk_json, updated_at = excluded.updated_at
                """, [.text(account), .text(state.tagPrefix), .int(state.nextLocalID), .int(state.tradeDay), .text(state.riskJSON), .text(time)])
            try db.execute("""
                INSERT INTO account_state (account_id, balance, dll_remaining, mll_remaining, timestamp) VALUES ($1, $2, $3, $4, $5)
                """, [.text(account), .text(snapshot.balance), snapshot.dailyLossRemaining.map { .text($0) } ?? .null,
                      snapshot.maxLossRemaining.map { .text($0) } ?? .null, .text(time)])
        }
    }

    /// Records an order by its tag (insert, or update of its gateway id, status, size and kind).
    public func record(_ o: LiveOrderRow, at time: String) throws {
        try db.execute("""
            INSERT INTO live_orders (account_id, tag, local_id, gateway_id, strategy, symbol, side, quantity, kind, status, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
            ON CONFLICT (account_id, tag) DO UPDATE SET gateway_id = COALESCE(excluded.gateway_id, live_orders.gateway_id),
                status = excluded.status, quantity = excluded.quantity, kind = excluded.kind, updated_at = excluded.updated_at
            """, [.text(account), .text(o.tag), .int(o.localID), o.gatewayID.map { .int($0) } ?? .null, o.strategy.map { .text($0) } ?? .null,
                  .text(o.symbol), .text(o.side), .int(o.quantity), .text(o.kind), .text(o.status), .text(time)])
    }

    /// Sets the gateway id of a recorded order found at the gateway by its tag (status `accepted`).
    public func acknowledge(tag: String, gatewayID: Int64, at time: String) throws {
        try db.execute("UPDATE live_orders SET gateway_id = $1, status = 'accepted', updated_at = $2 WHERE account_id = $3 AND tag = $4",
                       [.int(gatewayID), .text(time), .text(account), .text(tag)])
    }

    /// Sets the status of a recorded order.
    public func settle(tag: String, status: String, at time: String) throws {
        try db.execute("UPDATE live_orders SET status = $1, updated_at = $2 WHERE account_id = $3 AND tag = $4",
                       [.text(status), .text(time), .text(account), .text(tag)])
    }

    /// The orders sent from this account, by local id: tag, local id, gateway id and status.
    public func orders() throws -> [LiveOrderRow] {
        try db.query("SELECT tag, local_id, gateway_id, status, strategy, symbol, side, quantity, kind FROM live_orders WHERE account_id = $1 ORDER BY local_id",
                     [.text(account)]).compactMap { r in
            guard let tag = r[0].text, let local = r[1].int, let status = r[3].text else { return nil }
            return LiveOrderRow(tag: tag, localID: local, gatewayID: r[2].int, strategy: r[4].text, symbol: r[5].text ?? "",
                                side: r[6].text ?? "", quantity: r[7].int ?? 0, kind: r[8].text ?? "", status: status)
        }
    }
}

/// The gateway request log (`api_metrics`).
public struct APICallTable: Sendable {
    public let db: any SQLDatabase
    public init(db: any SQLDatabase) { self.db = db }

    /// Every record, in the order stored. `success` reads PostgreSQL's BOOLEAN and SQLite's 0/1
    /// alike; `at` is the time as the database prints it (PostgreSQL: `2025-06-01 14:31:00+00`).
    /// A row without an endpoint or duration is left out.
    public func calls() throws -> [APICallRow] {
        try db.query("SELECT endpoint, method, duration_ms, status_code, success, error_message, created_at FROM api_metrics", [])
            .compactMap { r in
                guard let endpoint = r[0].text, let ms = r[2].double else { return nil }
                let success = r[4].int.map { $0 != 0 } ?? (r[4].text == "t" || r[4].text == "true")
                return APICallRow(endpoint: endpoint, method: r[1].text ?? "", durationMs: ms, status: Int(r[3].int ?? 0),
                                  success: success, error: r[5].text, at: r[6].text ?? "")
            }
    }

    /// Appends records in one transaction.
    public func insert(_ calls: [APICallRow]) throws {
        try db.transaction {
            for r in calls {
                try db.execute("""
                    INSERT INTO api_metrics (endpoint, method, duration_ms, status_code, success, error_message, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    """, [.text(r.endpoint), .text(r.method), .double(r.durationMs), .int(Int64(r.status)),
                          .int(r.success ? 1 : 0), r.error.map(SQLValue.text) ?? .null, .text(r.at)])
            }
        }
    }
}
