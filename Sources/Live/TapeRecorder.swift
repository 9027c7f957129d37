import Foundation
import Synchronization
import Data
import ProjectX

/// Keeps the trade prints (and, when asked, quotes and depth updates) the market hub delivers:
/// the runner (or `tsxlab record`) hands each record's over as it arrives, and a task of the
/// recorder's own writes them to the store's tape in batches, so the trading path never waits
/// for the database.
///
/// Prints are stored in the order they were handed over, each once: a reconnect delivers new
/// prints only (the hub replays nothing), and a batch the store refuses is kept and tried
/// again with the next (its failure is counted and reported, never dropped silently).
public final class TapeRecorder: Sendable {
    /// What waits for the store, by symbol, and what happened to what came before.
    struct Pending {
        var prints: [String: [TradePrint]] = [:]
        var quotes: [String: [QuoteRecord]] = [:]
        var depth: [String: [DepthUpdate]] = [:]
        var tickSizes: [String: TickSize] = [:]
        var received = Tally()
        var stored = Tally()
        var failures = 0
        var lastError: String?
        var isEmpty: Bool { prints.isEmpty && quotes.isEmpty && depth.isEmpty }
    }
    /// Records by kind.
    public struct Tally: Sendable, Equatable {
        public var prints = 0, quotes = 0, depth = 0
        public var total: Int { prints + quotes + depth }
    }
    private let pending = Mutex(Pending())
    private let bell: AsyncStream<Void>.Continuation
    private let writer: Mutex<Task<Void, Never>?> = Mutex(nil)
    let tape: TapeStore

    /// Starts the writing task.
    public init(tape: TapeStore) {
        self.tape = tape
        let (rings, bell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.bell = bell
        let task = Task.detached { [self] in
            for await _ in rings { write() }
            write()   // what came after the last ring, once finished
        }
        writer.withLock { $0 = task }
    }

    /// Hands over prints of `symbol` (a dated contract, e.g. `ESZ13`) from any thread.
    public func record(_ prints: [TradePrint], symbol: String, tickSize: TickSize) { hand(prints, symbol, tickSize, \.prints, \.prints) }

    /// Hands over quotes of `symbol` from any thread.
    public func record(_ quotes: [QuoteRecord], symbol: String, tickSize: TickSize) { hand(quotes, symbol, tickSize, \.quotes, \.quotes) }

    /// Hands over depth updates of `symbol` from any thread.
    public func record(_ updates: [DepthUpdate], symbol: String, tickSize: TickSize) { hand(updates, symbol, tickSize, \.depth, \.depth) }

    private func hand<T>(_ items: [T], _ symbol: String, _ tick: TickSize, _ queue: WritableKeyPath<Pending, [String: [T]]> & Sendable,
                         _ kind: WritableKeyPath<Tally, Int> & Sendable) {
        guard !items.isEmpty else { return }
        pending.withLock { p in
            p[keyPath: queue][symbol, default: []] += items
            p.tickSizes[symbol] = tick
            p.received[keyPath: kind] += items.count
        }
        bell.yield()
    }

    /// Writes what waits, one append per symbol and kind; what the store refuses waits for the
    /// next try, ahead of what came since.
    private func write() {
        let (batch, ticks) = pending.withLock { p -> (Pending, [String: TickSize]) in
            defer { p.prints = [:]; p.quotes = [:]; p.depth = [:] }
            return (p, p.tickSizes)
        }
        store(batch.prints, ticks, \.prints, \.prints) { try $0.append($1, symbol: $2, tickSize: $3) }
        store(batch.quotes, ticks, \.quotes, \.quotes) { try $0.append($1, symbol: $2, tickSize: $3) }
        store(batch.depth, ticks, \.depth, \.depth) { try $0.append($1, symbol: $2, tickSize: $3) }
    }

    private func store<T>(_ batch: [String: [T]], _ ticks: [String: TickSize], _ queue: WritableKeyPath<Pending, [String: [T]]> & Sendable,
                          _ kind: WritableKeyPath<Tally, Int> & Sendable, _ append: (TapeStore, [T], String, TickSize) throws -> Int) {
        for (symbol, items) in batch.sorted(by: { $0.key < $1.key }) {
            do {
                _ = try append(tape, items, symbol, ticks[symbol]!)
                pending.withLock { $0.stored[keyPath: kind] += items.count }
            } catch {
                pending.withLock { p in
                    p[keyPath: queue][symbol] = items + (p[keyPath: queue][symbol] ?? [])
                    p.failures += 1
                    p.lastError = "\(error)"
                }
            }
        }
    }

    /// Prints handed over and stored so far, the store's refusals (with the last one's reason).
    public var counts: (received: Int, stored: Int, failures: Int, lastError: String?) {
        pending.withLock { ($0.received.prints, $0.stored.prints, $0.failures, $0.lastError) }
    }

    /// Records of every kind handed over and stored so far.
    public var tallies: (received: Tally, stored: Tally) { pending.withLock { ($0.received, $0.stored) } }

    /// Writes everything handed over so far, then ends the writing task.
    public func finish() async {
        bell.finish()
        await writer.withLock { $0 }?.value
    }
}

extension PXTradePrint {
    /// The print as the tape keeps it: nanosecond time, price in ticks of `tick`, its size, and
    /// the aggressor from `type` (0 buy, 1 sell); nil when its time or price cannot be read.
    public func tapePrint(tick: TickSize) -> TradePrint? {
        guard let t = Timestamp.nanoseconds(iso8601: timestamp), let px = tick.ticks(decimal: price) else { return nil }
        return TradePrint(time: t, price: px, size: volume, aggressor: type == 0 ? .buy : type == 1 ? .sell : nil)
    }
}

extension PXQuote {
    /// The quote as the tape keeps it (prices in ticks of `tick`); nil without a readable time.
    public func tapeQuote(tick: TickSize) -> QuoteRecord? {
        guard let t = timestamp.flatMap(Timestamp.nanoseconds(iso8601:)) else { return nil }
        return QuoteRecord(time: t, bid: bestBid.flatMap { tick.ticks(decimal: $0) }, ask: bestAsk.flatMap { tick.ticks(decimal: $0) },
                           last: lastPrice.flatMap { tick.ticks(decimal: $0) }, volume: volume)
    }
}

extension DepthUpdate {
    /// One entry of a `GatewayDepth` push (`timestamp, type, price, volume, currentVolume`), prices
    /// in ticks of `tick`; nil when its time, type or price cannot be read.
    public init?(json: JSONValue, tick: TickSize) {
        guard case .object(let o) = json, let t = o["timestamp"]?.string.flatMap(Timestamp.nanoseconds(iso8601:)),
              let type = o["type"]?.int64, case .number(let px)? = o["price"], let price = tick.ticks(decimal: px) else { return nil }
        self.init(time: t, type: type, price: price, volume: o["volume"]?.int64, resting: o["currentVolume"]?.int64)
    }
}
