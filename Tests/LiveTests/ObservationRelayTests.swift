import Foundation
import Testing
import Synchronization
import TSXLabTesting
@testable import Live

@Suite("the relay that carries the runner's observations off its thread")
struct ObservationRelayTests {
    final class Seen: @unchecked Sendable {
        // @unchecked: everything behind `lock`.
        let lock = NSLock()
        var notes: [String] = []
        var threads: Set<UInt> = []
    }

    static func text(_ o: RunnerObservation) -> String { if case .note(let t) = o { t } else { "?" } }

    @Test("every observation is handled once, in order, and not on the caller's thread")
    func orderAndThread() async throws {
        let seen = Seen()
        let relay = ObservationRelay { o in
            let tid = UInt(pthread_self())
            seen.lock.withLock { seen.notes.append(Self.text(o)); seen.threads.insert(tid) }
        }
        let fed = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let feeder = Mutex<UInt>(0)
        // The feeder stays alive until the checks are done: a thread's id is reused once it has
        // ended, and a pool thread started later could carry the feeder's (a clean run saw it).
        defer { release.signal() }
        Thread.detachNewThread {
            feeder.withLock { $0 = UInt(pthread_self()) }
            for i in 0..<10_000 { relay.enqueue(.note("\(i)")) }
            fed.signal()
            release.wait()
        }
        try await onOwnThread { fed.wait() }
        await relay.stop()
        let (notes, threads) = seen.lock.withLock { (seen.notes, seen.threads) }
        #expect(notes == (0..<10_000).map { "\($0)" })
        #expect(!threads.isEmpty && !threads.contains(feeder.withLock { $0 }))
        #expect(relay.counts == (enqueued: 10_000, handled: 10_000, dropped: 0))
        relay.enqueue(.note("late"))
        #expect(relay.counts.dropped == 1 && seen.lock.withLock { seen.notes.count } == 10_000)
    }

    @Test("a handler that hangs never holds up the caller: a full queue drops and counts what comes, and what was taken is handled in order once the handler goes on")
    func stuckHandler() async throws {
        let seen = Seen()
        let gate = DispatchSemaphore(value: 0)
        let relay = ObservationRelay(capacity: 100) { o in
            if Self.text(o) == "0" { gate.wait() }
            seen.lock.withLock { seen.notes.append(Self.text(o)) }
        }
        // All 1,000 calls return while the handler is stuck on the first observation: at most
        // the one in its hands and a full queue are kept.
        for i in 0..<1_000 { relay.enqueue(.note("\(i)")) }
        let held = relay.counts
        #expect(held.handled == 0)
        #expect(held.enqueued >= 100 && held.enqueued <= 200, "\(held)")
        #expect(held.enqueued + held.dropped == 1_000)
        gate.signal()
        await relay.stop()
        let numbers = seen.lock.withLock { seen.notes }.compactMap(Int.init)
        #expect(numbers.count == held.enqueued && numbers.first == 0)
        #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 })
        #expect(relay.counts.handled == held.enqueued)
    }
}
