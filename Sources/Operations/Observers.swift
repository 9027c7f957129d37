import Data
import Live
import Logging

extension LiveRunner {
    /// Feeds the day-to-day parts from the runner's observations: the metrics, the notices the
    /// notifier sends, the status board's equity curve, the log (`Logger.log(_:broker:format:)`). They run in an `ObservationRelay`'s
    /// task, never in the runner: the metrics registry and the board are read by HTTP requests,
    /// and the runner must not wait for one of those.
    public func relayObservations(metrics: RunnerMetrics, notifier: Notifier?, board: StatusBoard?, logger: Logger? = nil,
                                  format: @escaping @Sendable (String, Price) -> String) -> ObservationRelay {
        let broker = gateway
        let relay = ObservationRelay { o in
            metrics.observe(o)
            logger?.log(o, broker: broker, format: format)
            if let notifier, let n = Notice.from(o, format: format) { Task { await notifier.post(n) } }
            if let board, case .bar = o { Task { await board.sample() } }
        }
        observe { relay.enqueue($0) }
        return relay
    }
}
