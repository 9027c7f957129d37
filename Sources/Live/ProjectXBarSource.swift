import Foundation
import Synchronization
import Data
import ProjectX

/// The history endpoint as the third tier of the bar cache (memory → store → gateway): the cache
/// asks for the windows its store lacks, and the answers are written through to the store.
///
/// `BarSource.fetch` is synchronous; the request runs on a task of its own while the calling
/// thread waits, so call the cache from a thread that may block (`BarCache.bars(on:)` below), not
/// from a task on the cooperative pool.
public struct ProjectXBarSource: BarSource {
    public let name = "projectx"
    let client: ProjectXClient
    /// Series symbol (`ES`, `ESZ13`) → gateway contract id.
    let contracts: [String: String]
    let tickSizes: [String: TickSize]

    public init(client: ProjectXClient, contracts: [String: String], tickSizes: [String: TickSize]) {
        self.client = client; self.contracts = contracts; self.tickSizes = tickSizes
    }

    public enum SourceError: Error, CustomStringConvertible {
        case unknownSeries(SeriesKey)
        case noUnit(Timeframe)
        case offGrid(String, TickSize)
        public var description: String {
            switch self {
            case .unknownSeries(let k): "no gateway contract is known for \(k)"
            case .noUnit(let t): "the gateway has no bar unit for \(t)"
            case .offGrid(let p, let t): "the gateway sent price \(p), off the \(t) tick grid"
            }
        }
    }

    public func fetch(_ key: SeriesKey, _ window: TimeWindow) throws -> BarSeries {
        guard let contract = contracts[key.symbol], let tick = tickSizes[key.symbol] else { throw SourceError.unknownSeries(key) }
        let (u, n) = key.timeframe.projectXUnit
        guard let unit = PXBarUnit(rawValue: u) else { throw SourceError.noUnit(key.timeframe) }
        let client = self.client
        let bars = try waitFor { try await client.retrieveBars(contractId: contract, unit: unit, unitNumber: n, start: window.from, end: window.to) }
        return try Self.series(bars, key, tick)
    }

    /// The gateway's bars as a series in time order (any order in; a repeated time keeps the
    /// last); a bar with an unreadable time is skipped.
    ///
    /// - Throws: `SourceError.offGrid` for a price off the tick grid.
    public static func series(_ bars: [PXBar], _ key: SeriesKey, _ tick: TickSize) throws -> BarSeries {
        var rows: [(Int64, PXBar)] = []
        rows.reserveCapacity(bars.count)
        for b in bars { if let t = PXTime.parse(b.t) { rows.append((t.seconds, b)) } }
        rows.sort { $0.0 < $1.0 }
        var series = BarSeries(symbol: key.symbol, timeframe: key.timeframe, tickSize: tick)
        series.reserveCapacity(rows.count)
        for (t, b) in rows {
            guard let o = tick.ticks(decimal: b.o), let h = tick.ticks(decimal: b.h), let l = tick.ticks(decimal: b.l),
                  let c = tick.ticks(decimal: b.c) else { throw SourceError.offGrid("\(b.o) \(b.h) \(b.l) \(b.c)", tick) }
            if series.time.last == t {
                let j = series.count - 1
                series.open[j] = o; series.high[j] = h; series.low[j] = l; series.close[j] = c; series.volume[j] = b.v
            } else {
                series.append(Bar(t, o, h, l, c, b.v))
            }
        }
        return series
    }
}

/// Runs an async body to completion and waits for it on the calling thread (never call it from a
/// task on the cooperative pool).
public func waitFor<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let r: Result<T, any Error>
        do { r = .success(try await body()) } catch { r = .failure(error) }
        result.withLock { $0 = r }
        done.signal()
    }
    done.wait()
    return try result.withLock { $0! }.get()
}

/// Runs blocking work (the store, the cache's gateway tier) on a dispatch thread while the calling
/// task waits without holding a cooperative thread.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        DispatchQueue.global().async {
            do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
        }
    }
}

extension ProjectXBarSource {
    /// History for a live runner: the last two days straight from the endpoint (they may still
    /// change), everything older through `cache` (memory → store → endpoint, only the missing
    /// windows fetched, then kept). When the endpoint has nothing recent (a recorded tape on the
    /// loopback gateway) nothing is cached.
    public func history(_ key: SeriesKey, cache: BarCache, now: Timestamp) -> @Sendable (TimeWindow) async throws -> [Bar] {
        { window in
            let recentFrom = Timestamp(seconds: max(window.from.seconds, now.seconds - 2 * 86_400))
            let recent = try await offPool { try self.fetch(key, TimeWindow(from: recentFrom, to: window.to)) }
            guard !recent.isEmpty else { return try await offPool { try self.fetch(key, window) }.bars }
            let older = recentFrom > window.from
                ? try await offPool { try cache.bars(key, TimeWindow(from: window.from, to: recentFrom)) }.bars : []
            return older + recent.bars
        }
    }
}
