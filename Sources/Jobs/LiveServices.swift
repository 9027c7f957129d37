import Data
import Foundation
import Live
import Logging
import Operations
import ServiceLifecycle
import Trading

/// A live run's parts as services of one `ServiceGroup` (`LiveJob.run`): started in the order
/// notifier, status page, trading; on SIGTERM or SIGINT (or the caller's stop) shut down in the
/// reverse order, each waiting for the one before: trading stops first (no new order, working
/// orders cancelled, positions closed, the state saved, the hubs closed), then the status page,
/// then the notifier, once it has sent what trading's shutdown told it.

/// Sends the notices (webhooks) until the end; shut down last, after posting what is queued.
struct NotifierService: Service {
    let notifier: Notifier
    let log: Logger

    func run() async throws {
        try? await gracefulShutdown()
        // What the shutdown itself reported (the summary) goes out first, for up to 5 s.
        let deadline = ContinuousClock.now + .seconds(5)
        while await notifier.pending > 0, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        await notifier.stop()
        let sent = await notifier.stats
        log.notice("live: notifications stopped (\(sent.delivered) delivered, \(sent.failed) failed)")
    }
}

/// The status page, `/status.json`, `/metrics` and the alert endpoint (already listening).
struct StatusService: Service {
    let server: StatusServer
    let log: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await server.stop()
        log.notice("live: status page closed")
    }
}

/// The runner (already started): one line per live bar until shutdown, then the ordered stop.
struct TradingService: Service {
    let runner: LiveRunner
    let broker: LiveBroker
    let observers: ObservationRelay
    let notifier: Notifier
    let metrics: RunnerMetrics
    let cache: BarCache
    /// Each traded symbol's contract (for formatting its prices).
    let specs: [String: ContractSpec]
    let log: Logger
    /// The tape recorder, when recording: written out once trading has stopped.
    let recorder: TapeRecorder?
    let onBar: @Sendable (LiveBarLine) -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown { await reportBars() }
        // Ordered shutdown: no new order, working orders cancelled, positions closed, then the
        // connections. The closes fill on the market's next prints: up to 15 s.
        log.notice("live: stopping: cancelling working orders and closing positions")
        broker.stopTrading("shutdown")
        _ = broker.flatten(nil, reason: "shutdown")
        await runner.nudge()
        let deadline = ContinuousClock.now + .seconds(15)
        var flattened = ContinuousClock.now
        func done() -> Bool { broker.positions().isEmpty && broker.openOrders().isEmpty }
        while ContinuousClock.now < deadline, !(await runner.isIdle) || !done() {
            // What the flatten could not reach yet closes once everything sent is answered: an
            // order whose placement was still on its way (no venue id to cancel by), or an entry
            // that filled as its cancel went out (found by the SIGKILL crash test and the live
            // job test when the runner was behind the tape).
            if !done(), await runner.isIdle, ContinuousClock.now - flattened > .seconds(1) {
                log.notice("live: stopping: an order or a position appeared during the shutdown; cancelling and closing again")
                _ = broker.flatten(nil, reason: "shutdown")
                await runner.nudge()
                flattened = ContinuousClock.now
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        await runner.stop("shutdown")
        let open = broker.positions().count, working = broker.openOrders().count
        if open > 0 || working > 0 {
            log.error("live: trading stopped with \(open) position(s) open and \(working) order(s) working after 15 s: close them at the venue")
        } else {
            log.notice("live: trading stopped: flat, nothing working")
        }
        if let recorder {
            await recorder.finish()
            let c = recorder.counts
            if c.stored < c.received {
                log.error("live: the tape kept \(c.stored) of \(c.received) prints: the store refused \(c.failures) write(s), the last: \(c.lastError ?? "")")
            } else {
                log.notice("live: the tape kept \(c.stored) prints")
            }
        }
        // The shutdown's own fills reach the metrics, the log and the notifier before the summary.
        await observers.stop()
        let a = broker.account
        await notifier.post(Notice(kind: .dailySummary, text: "stopped: balance \(a.balance), today \(a.equity - a.dayStartBalance), \(broker.ledger.trades.count) trades",
                                   time: broker.now))
    }

    /// Each live bar once, in the order handed on (the warm-up's bars are not reported), with the
    /// account and the bar's symbol's position after it.
    func reportBars() async {
        var reported = await runner.closedCount
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            let s = await runner.stats
            metrics.cache(cache.stats)
            metrics.account(broker.account)
            let (fresh, count) = await runner.closedBars(since: reported)
            guard !fresh.isEmpty else { continue }
            reported = count
            let a = broker.account
            for (symbol, b) in fresh {
                guard let spec = specs[symbol] else { continue }
                onBar(LiveBarLine(symbol: symbol, time: b.time, close: spec.format(b.close), position: broker.position(symbol).quantity,
                                  balance: a.balance, equity: a.equity, dailyLossRemaining: a.dailyLossRemaining, halted: s.halted))
            }
        }
    }
}

/// Runs `services` as one group until `stop` yields (the command turns SIGTERM and SIGINT into it,
/// see `stopSignals()`), then shuts them down in reverse order; the group's own log at warnings and above.
func runServiceGroup(_ services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger,
                     until stop: AsyncStream<Void>?) async throws {
    var groupLog = logger
    groupLog.logLevel = .warning
    let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [], logger: groupLog))
    let stopping = Task {
        guard let stop else { return }
        for await _ in stop { break }
        await group.triggerGracefulShutdown()
    }
    defer { stopping.cancel() }
    try await group.run()
}
