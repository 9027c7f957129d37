import Foundation
import CoreMetrics
import Prometheus
import Data
import Trading
import Live

/// The runner's metrics through swift-metrics, kept in a Prometheus registry of its own (no
/// process-wide bootstrap: several runners or tests in one process each have theirs).
///
/// API calls by endpoint (count, errors, latency), orders placed, fills, rejections by reason,
/// strategy execution time, risk headroom, memory, CPU and uptime; `render()` gives the
/// Prometheus text format for `/metrics`.
public final class RunnerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let started = Date()
    let ordersPlaced: CoreMetrics.Counter
    let fills: CoreMetrics.Counter
    let bars: CoreMetrics.Counter
    let dllRemaining: CoreMetrics.Gauge
    let mllRemaining: CoreMetrics.Gauge
    let equity: CoreMetrics.Gauge
    let uptime: CoreMetrics.Gauge
    let residentBytes: CoreMetrics.Gauge
    let cpuSeconds: CoreMetrics.Gauge

    public init() {
        registry = PrometheusCollectorRegistry()
        var f = PrometheusMetricsFactory(registry: registry)
        f.defaultDurationHistogramBuckets = [.microseconds(50), .microseconds(200), .milliseconds(1), .milliseconds(5), .milliseconds(20),
                                             .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10)]
        factory = f
        ordersPlaced = CoreMetrics.Counter(label: "tsxlab_orders_placed_total", factory: f)
        fills = CoreMetrics.Counter(label: "tsxlab_fills_total", factory: f)
        bars = CoreMetrics.Counter(label: "tsxlab_bars_total", factory: f)
        dllRemaining = CoreMetrics.Gauge(label: "tsxlab_daily_loss_limit_remaining_usd", factory: f)
        mllRemaining = CoreMetrics.Gauge(label: "tsxlab_max_loss_limit_remaining_usd", factory: f)
        equity = CoreMetrics.Gauge(label: "tsxlab_equity_usd", factory: f)
        uptime = CoreMetrics.Gauge(label: "tsxlab_uptime_seconds", factory: f)
        residentBytes = CoreMetrics.Gauge(label: "tsxlab_resident_memory_bytes", factory: f)
        cpuSeconds = CoreMetrics.Gauge(label: "tsxlab_cpu_seconds", factory: f)
    }

    /// One gateway request (`APICallSink`): count and latency by endpoint and status, errors apart.
    public func record(_ call: APICallRecord) {
        let dims = [("endpoint", call.endpoint), ("status", String(call.status))]
        CoreMetrics.Counter(label: "tsxlab_api_calls_total", dimensions: dims, factory: factory).increment()
        if !call.success { CoreMetrics.Counter(label: "tsxlab_api_errors_total", dimensions: [("endpoint", call.endpoint)], factory: factory).increment() }
        CoreMetrics.Timer(label: "tsxlab_api_call_duration", dimensions: [("endpoint", call.endpoint)], factory: factory)
            .recordNanoseconds(Int64(call.durationMs * 1_000_000))
    }

    /// One observation of the runner.
    public func observe(_ o: RunnerObservation) {
        switch o {
        case .event(let e):
            switch e {
            case .orderAccepted(let order) where order.parent == nil: ordersPlaced.increment()
            case .orderFilled: fills.increment()
            case .orderRejected(_, let why):
                CoreMetrics.Counter(label: "tsxlab_rejections_total", dimensions: [("reason", Self.reasonLabel(why))], factory: factory).increment()
            case .accountChanged(let a): account(a)
            case .ruleBreached(let b):
                CoreMetrics.Counter(label: "tsxlab_rule_events_total", dimensions: [("rule", b.rule.rawValue)], factory: factory).increment()
            default: break
            }
        case .strategyCall(let name, let seconds):
            CoreMetrics.Timer(label: "tsxlab_strategy_execution", dimensions: [("strategy", name)], factory: factory)
                .recordNanoseconds(Int64(seconds * 1e9))
        case .bar: bars.increment()
        case .barTraded(_, _, let a): account(a)
        case .note: break
        }
    }

    public func account(_ a: AccountSnapshot) {
        equity.record(a.equity.dollars)
        if let d = a.dailyLossRemaining { dllRemaining.record(d.dollars) }
        if let m = a.maxLossRemaining { mllRemaining.record(m.dollars) }
    }

    /// Cache hits and misses by tier (the bar cache's own counters, as gauges of their totals).
    public func cache(_ s: CacheStats) {
        for (tier, t) in [("memory", s.memory), ("store", s.store), ("source", s.source)] {
            CoreMetrics.Gauge(label: "tsxlab_cache_hits", dimensions: [("tier", tier)], factory: factory).record(Double(t.hits))
            CoreMetrics.Gauge(label: "tsxlab_cache_misses", dimensions: [("tier", tier)], factory: factory).record(Double(t.misses))
        }
    }

    static func reasonLabel(_ r: RejectReason) -> String {
        switch r {
        case .offTickGrid: "off_tick_grid"
        case .invalidQuantity: "invalid_quantity"
        case .sizeAboveLimit: "size_limit"
        case .marketClosed: "market_closed"
        case .unknownSymbol: "unknown_symbol"
        case .unknownOrder: "unknown_order"
        case .orderNotWorking: "order_not_working"
        case .duplicateTag: "duplicate_tag"
        case .invalidBracket: "invalid_bracket"
        case .invalidPrice: "invalid_price"
        case .invalidModification: "invalid_modification"
        case .riskRule(let rule, _): rule.rawValue.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        case .venue: "venue"
        case .barInProgress: "bar_in_progress"
        }
    }

    /// The Prometheus text format, process figures sampled now.
    public func render() -> String {
        uptime.record(Date().timeIntervalSince(started))
        residentBytes.record(Double(ProcessFigures.residentBytes()))
        cpuSeconds.record(ProcessFigures.cpuSeconds())
        return registry.emitToString()
    }
}

/// The process's own figures from the kernel.
public enum ProcessFigures {
    public static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    public static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
}

/// Sends API call records to the metrics as well as to the store.
public struct MetricsAPICallSink: APICallSink {
    let metrics: RunnerMetrics
    public init(_ metrics: RunnerMetrics) { self.metrics = metrics }
    public func record(_ call: APICallRecord) { metrics.record(call) }
}
