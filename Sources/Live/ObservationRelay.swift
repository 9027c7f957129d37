import Foundation
import Synchronization

/// Carries the runner's observations off its thread to the work they feed (metrics, notices,
/// the status page's curve), which runs on an ordinary thread of the relay's own.
///
/// The runner tells its observers on its real-time thread, in the middle of handling a market
/// event. What they feed shares locks with the HTTP side: the metrics registry that `/metrics`
/// renders, the board `/status.json` reads. Called there, an observer could wait for a request
/// thread that holds such a lock and is itself waiting for a CPU, and the order would wait with
/// it. Enqueueing takes only a priority-inheriting lock held for an append or a swap, and
/// allocates nothing once the buffers have grown to the flow's size.
///
/// Observations are handled in the order they came. While the handler works through a batch,
/// the next ones queue; when `capacity` of them wait, new ones are dropped and counted rather
/// than held: trading never waits for them.
///
/// The relay's thread looks for observations on its own every `interval` (1 ms while they flow,
/// up to 32 times that while none come) instead of being woken for each: a wake-up would be a
/// system call and, when the relay sleeps on another CPU, an interrupt sent to it, on the runner's
/// thread for every market event. The caller wakes it only when a batch's worth has queued
/// (4,096, or a sixteenth of the queue if less), so a burst never waits for the next look.
public final class ObservationRelay: Sendable {
    private struct Queue {
        var pending: [RunnerObservation] = []
        var enqueued = 0
        var dropped = 0
        var stopping = false
    }
    /// The queue, behind a priority-inheriting lock: a relay thread holding it when the runner
    /// wants it runs at the runner's priority until it lets go.
    private let queue: LockedQueue
    private let wake = DispatchSemaphore(value: 0)
    private let handled = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)
    private let handler: @Sendable (RunnerObservation) -> Void
    public let capacity: Int
    /// How often the relay looks for observations while they flow.
    public let interval: Duration
    /// The queue's length at which the caller wakes the relay.
    let wakeAt: Int

    private final class LockedQueue: @unchecked Sendable {
        // @unchecked: `q` is only touched under `lock`.
        let lock = TradingLock()
        var q = Queue()
    }

    /// Starts the relay's thread; `handler` runs there for each observation.
    public init(capacity: Int = 65_536, interval: Duration = .milliseconds(1), handler: @escaping @Sendable (RunnerObservation) -> Void) {
        self.capacity = capacity
        self.interval = interval
        wakeAt = max(1, min(4_096, capacity / 16))
        self.handler = handler
        queue = LockedQueue()
        queue.q.pending.reserveCapacity(min(capacity, 4_096))
        Thread.detachNewThread { [self] in
            TradingThread.nameCurrentThread("tsxlab.observe")   // else it keeps its parent's name
            loop()
        }
    }

    /// Hands an observation over (from any thread; the runner's observer).
    public func enqueue(_ o: RunnerObservation) {
        let batchQueued = queue.lock.withLock {
            guard !queue.q.stopping, queue.q.pending.count < capacity else { queue.q.dropped += 1; return false }
            queue.q.pending.append(o)
            queue.q.enqueued += 1
            return queue.q.pending.count == wakeAt
        }
        if batchQueued { wake.signal() }
    }

    /// Observations handed over and not dropped, those handled, and those dropped.
    public var counts: (enqueued: Int, handled: Int, dropped: Int) {
        let (e, d) = queue.lock.withLock { (queue.q.enqueued, queue.q.dropped) }
        return (e, handled.load(ordering: .acquiring), d)
    }

    /// Handles what is queued, then ends the thread; later observations are dropped.
    public func stop() async {
        let first = queue.lock.withLock { () -> Bool in
            defer { queue.q.stopping = true }
            return !queue.q.stopping
        }
        guard first else { return }
        wake.signal()
        let finished = self.finished
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { finished.wait(); done.resume() }
        }
    }

    private func loop() {
        // The queue's buffer and this one take turns, keeping their capacity.
        var batch: [RunnerObservation] = []
        batch.reserveCapacity(min(capacity, 4_096))
        let base = max(1, Int(interval / .nanoseconds(1)))
        var idle = 0   // looks in a row that found nothing: the next wait is longer
        while true {
            _ = wake.wait(timeout: .now() + .nanoseconds(base << min(idle, 5)))
            let stopping = queue.lock.withLock { () -> Bool in
                swap(&queue.q.pending, &batch)
                return queue.q.stopping
            }
            idle = batch.isEmpty ? idle + 1 : 0
            for o in batch {
                handler(o)
                handled.add(1, ordering: .releasing)
            }
            batch.removeAll(keepingCapacity: true)
            // Once stopping is seen, nothing more is accepted: the batch was the last.
            if stopping { finished.signal(); return }
        }
    }
}
