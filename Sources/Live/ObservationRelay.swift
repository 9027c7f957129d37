import Synchronization

/// Carries the runner's observations off its task to the work they feed (metrics, notices, the
/// status page's curve, the log), which runs in a task of the relay's own.
///
/// What the observations feed shares locks with the HTTP side (the metrics registry `/metrics`
/// renders, the board `/status.json` reads) and may write to a terminal or the journal: called
/// by the runner, an observer would make the market event that caused it wait for those.
/// Handing one over is a buffered `AsyncStream` yield.
///
/// Observations are handled in the order they came. When `capacity` of them wait, new ones are
/// dropped and counted rather than held: trading never waits for them.
public final class ObservationRelay: Sendable {
    private struct Counts {
        var enqueued = 0
        var handled = 0
        var dropped = 0
    }
    private let input: AsyncStream<RunnerObservation>.Continuation
    private let counted = Mutex(Counts())
    private let done = Mutex<Task<Void, Never>?>(nil)
    public let capacity: Int

    /// Starts the relay's task; `handler` runs there for each observation.
    public init(capacity: Int = 65_536, handler: @escaping @Sendable (RunnerObservation) -> Void) {
        self.capacity = capacity
        let (observations, input) = AsyncStream.makeStream(of: RunnerObservation.self, bufferingPolicy: .bufferingOldest(capacity))
        self.input = input
        let task = Task.detached { [self] in
            for await o in observations {
                handler(o)
                counted.withLock { $0.handled += 1 }
            }
        }
        done.withLock { $0 = task }
    }

    /// Hands an observation over (from any thread; the runner's observer).
    public func enqueue(_ o: RunnerObservation) {
        switch input.yield(o) {
        case .enqueued: counted.withLock { $0.enqueued += 1 }
        default: counted.withLock { $0.dropped += 1 }
        }
    }

    /// Observations handed over and not dropped, those handled, and those dropped.
    public var counts: (enqueued: Int, handled: Int, dropped: Int) {
        counted.withLock { ($0.enqueued, $0.handled, $0.dropped) }
    }

    /// Handles what is queued, then ends the relay's task; later observations are dropped.
    public func stop() async {
        input.finish()
        await done.withLock { $0 }?.value
    }
}
