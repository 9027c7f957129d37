import Foundation
import Synchronization
import Data
import ProjectX

/// Keeps the trade prints the market hub delivers: the runner (or `tsxlab record`) hands each
/// record's prints over as they arrive, and a task of the recorder's own writes them to the
/// store's tape in batches, so the trading path never waits for the database.
///
/// Prints are stored in the order they were handed over, each once: a reconnect delivers new
/// prints only (the hub replays nothing), and a batch the store refuses is kept and tried
/// again with the next (its failure is counted and reported, never dropped silently).
public final class TapeRecorder: Sendable {
    /// One symbol's prints waiting for the store.
    struct Pending {
        var prints: [String: [TradePrint]] = [:]
        var tickSizes: [String: TickSize] = [:]
        var received = 0
        var stored = 0
        var failures = 0
        var lastError: String?
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
    public func record(_ prints: [TradePrint], symbol: String, tickSize: TickSize) {
        guard !prints.isEmpty else { return }
        pending.withLock { p in
            p.prints[symbol, default: []] += prints
            p.tickSizes[symbol] = tickSize
            p.received += prints.count
        }
        bell.yield()
    }

    /// Writes what waits, one append per symbol; what the store refuses waits for the next try.
    private func write() {
        let (batch, ticks) = pending.withLock { p -> ([String: [TradePrint]], [String: TickSize]) in
            defer { p.prints = [:] }
            return (p.prints, p.tickSizes)
        }
        for (symbol, prints) in batch.sorted(by: { $0.key < $1.key }) {
            do {
                try tape.append(prints, symbol: symbol, tickSize: ticks[symbol]!)
                pending.withLock { $0.stored += prints.count }
            } catch {
                pending.withLock { p in
                    p.prints[symbol] = prints + (p.prints[symbol] ?? [])
                    p.failures += 1
                    p.lastError = "\(error)"
                }
            }
        }
    }

    /// Prints handed over, stored, and the store's refusals so far (with the last one's reason).
    public var counts: (received: Int, stored: Int, failures: Int, lastError: String?) {
        pending.withLock { ($0.received, $0.stored, $0.failures, $0.lastError) }
    }

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
