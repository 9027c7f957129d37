import Backtest
import Data
import Foundation
import Store

/// The sweep's work queue lives in PostgreSQL; SQLite serves one machine (use shards there).
public struct SweepQueueUnavailable: Error, CustomStringConvertible, Sendable {
    public var store: String
    public var description: String {
        "the sweep queue of \(store) needs PostgreSQL: open a postgres:// store (SQLite serves one machine: split the sweep into shards there)"
    }
}

extension SweepJob {
    /// What one queue worker did.
    public struct QueueWork: Hashable, Sendable {
        /// Configurations it computed and recorded.
        public var computed: Int
        /// True when it stopped holding a lease (`abandonAfter`), as a killed worker would.
        public var abandonedLease: Bool
    }

    /// The queue of this sweep, when the store is PostgreSQL.
    public func queue() throws -> SweepQueue {
        guard let db = database, db.dialect == "postgres" else { throw SweepQueueUnavailable(store: backtest.store.displayURL) }
        try StoreSchema.migrate(db)
        return SweepQueue(db: db)
    }

    /// Puts every cell on the sweep's queue (cells already there are left as they are).
    public func enqueue() throws {
        try queue().enqueue(sweepID, cells: cells.map(\.index))
    }

    /// A queue worker: lease the next pending (or expired) configuration, run it (a full engine
    /// backtest), record the result and its end-of-session balances once and mark it done; repeat until nothing is pending or
    /// leased, or `isCancelled` answers true.
    ///
    /// - Parameters:
    ///   - worker: the name recorded with each lease (host and process id).
    ///   - leaseSeconds: how long a lease lasts; a dead worker's configurations are redone after it.
    ///   - abandonAfter: stop, holding the next lease, after computing this many (tests of a worker
    ///     that dies mid-lease).
    public func work(worker: String, leaseSeconds: Int, abandonAfter: Int? = nil, isCancelled: () -> Bool) throws -> QueueWork {
        let queue = try queue()
        var computed = 0
        while !isCancelled() {
            guard let cell = try queue.lease(sweepID, worker: worker, seconds: leaseSeconds) else {
                // Nothing to lease now: done when nothing is leased either.
                if try queue.openCount(sweepID) == 0 { break }
                usleep(200_000)
                continue
            }
            if let a = abandonAfter, computed >= a { return QueueWork(computed: computed, abandonedLease: true) }
            let (result, summary, hash) = try run(space.cell(cell), on: series)
            try queue.complete(sweepID, result: Self.row(SweepOutcome(cell: space.cell(cell), configHash: hash, summary: summary)),
                               dailyBalances: dailyBalancesRow(cell: cell, configHash: hash, sessions: Self.sessions(result.equity)))
            computed += 1
        }
        return QueueWork(computed: computed, abandonedLease: false)
    }
}
