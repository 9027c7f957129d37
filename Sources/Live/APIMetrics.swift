import Foundation
import Data
import Store

/// One request to the gateway and its outcome (the seed's `api_metrics` row).
public struct APICallRecord: Hashable, Sendable {
    public var endpoint: String
    public var method: String
    public var durationMs: Double
    /// HTTP status, 0 when no answer came.
    public var status: Int
    public var success: Bool
    /// The gateway's error code and message, or the transport error; never a credential.
    public var error: String?
    public var at: Date
    public init(endpoint: String, method: String, durationMs: Double, status: Int, success: Bool, error: String?, at: Date) {
        self.endpoint = endpoint; self.method = method; self.durationMs = durationMs; self.status = status
        self.success = success; self.error = error; self.at = at
    }
}

/// Where request records go. `record` never blocks the caller.
public protocol APICallSink: Sendable {
    func record(_ call: APICallRecord)
}

/// Writes records to the store's `api_metrics` table from a background task, through a bounded
/// queue: the trading path only appends; when the queue is full the oldest records are dropped
/// and counted, so a slow store never slows an order.
public final class StoreAPICallRecorder: APICallSink, @unchecked Sendable {
    // @unchecked: `queue` and `dropped` are only touched under `lock`.
    private let lock = NSLock()
    private let writeLock = NSLock()
    private var queue: [APICallRecord] = []
    private var dropped = 0
    private let capacity: Int
    private let db: any SQLDatabase
    private var schemaReady = false
    private var task: Task<Void, Never>?
    private let wake: AsyncStream<Void>.Continuation
    private let wakeStream: AsyncStream<Void>

    public init(db: any SQLDatabase, capacity: Int = 10_000) {
        self.db = db; self.capacity = capacity
        (wakeStream, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        task = Task.detached(priority: .background) { [weak self, wakeStream] in
            for await _ in wakeStream { self?.flush() }
        }
    }

    public func record(_ call: APICallRecord) {
        lock.withLock {
            if queue.count >= capacity { queue.removeFirst(); dropped += 1 }
            queue.append(call)
        }
        wake.yield()
    }

    /// Records dropped because the queue was full.
    public var droppedCount: Int { lock.withLock { dropped } }

    /// Writes everything queued now (also called by the background task). One writer at a time:
    /// a caller returns only once what was queued before it is in the store.
    public func flush() {
        writeLock.lock()
        defer { writeLock.unlock() }
        let batch: [APICallRecord] = lock.withLock { let b = queue; queue = []; return b }
        guard !batch.isEmpty else { return }
        if !schemaReady { schemaReady = (try? StoreSchema.migrate(db)) != nil }  // under writeLock
        _ = try? APICallTable(db: db).insert(batch.map {
            APICallRow(endpoint: $0.endpoint, method: $0.method, durationMs: $0.durationMs, status: $0.status, success: $0.success,
                       error: $0.error, at: Timestamp(seconds: Int64($0.at.timeIntervalSince1970)).iso8601)
        })
    }

    deinit { wake.finish() }
}

/// Keeps records in memory (the CLI's `--json` summary and tests read them).
public final class MemoryAPICallSink: APICallSink, @unchecked Sendable {
    // @unchecked: `calls` is only touched under `lock`.
    private let lock = NSLock()
    private var calls: [APICallRecord] = []
    public init() {}
    public func record(_ call: APICallRecord) { lock.withLock { calls.append(call) } }
    public var records: [APICallRecord] { lock.withLock { calls } }
}

/// Sends each record to several sinks.
public struct FanOutAPICallSink: APICallSink {
    public var sinks: [any APICallSink]
    public init(_ sinks: [any APICallSink]) { self.sinks = sinks }
    public func record(_ call: APICallRecord) { for s in sinks { s.record(call) } }
}
