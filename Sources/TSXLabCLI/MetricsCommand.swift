import ArgumentParser
import Data
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Operations
import Store

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "The seed's performance report: API calls (with the slowest endpoints) from the store; with --url, a running runner's figures too.",
        discussion: """
            API calls come from the store's api_metrics table (every request the live runner and the
            manual commands made). --url reads a running runner's /metrics (system, cache,
            orders, fills, strategy execution, risk headroom).
            """)

    @Option(help: ArgumentHelp("Only calls since this time.", valueName: "time")) var since: TimeArgument?
    @Option(help: ArgumentHelp("A running runner's address (http://127.0.0.1:PORT).", valueName: "url")) var url: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    struct EndpointRow: Encodable {
        var endpoint: String
        var calls: Int
        var errors: Int
        var p50Ms: Double
        var p95Ms: Double
        var maxMs: Double
    }

    struct Report: Encodable {
        var calls: Int
        var errors: Int
        var errorRate: Double
        var endpoints: [EndpointRow]
        var runner: [String: Double]?
    }

    func run() async throws {
        try await runLive {
            guard let db = try storeOptions.openStore() as? any SQLDatabase else { throw LiveCLIError.usage("this store has no api_metrics table") }
            var byEndpoint: [String: (durations: [Double], errors: Int)] = [:]
            for r in try APICallTable(db: db).calls() {
                if let since, let t = Timestamp(iso8601: r.at) ?? Timestamp(iso8601: String(r.at.prefix(19)) + "Z"), t < since.timestamp { continue }
                byEndpoint[r.endpoint, default: ([], 0)].durations.append(r.durationMs)
                if !r.success { byEndpoint[r.endpoint, default: ([], 0)].errors += 1 }
            }
            func pct(_ xs: [Double], _ p: Double) -> Double { let s = xs.sorted(); return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * p))] }
            let endpoints = byEndpoint.map { e, v in
                EndpointRow(endpoint: e, calls: v.durations.count, errors: v.errors, p50Ms: pct(v.durations, 0.5), p95Ms: pct(v.durations, 0.95), maxMs: v.durations.max() ?? 0)
            }.sorted { $0.p95Ms > $1.p95Ms }
            let calls = endpoints.reduce(0) { $0 + $1.calls }, errors = endpoints.reduce(0) { $0 + $1.errors }
            var runner: [String: Double]?
            if let url {
                guard let u = URL(string: url + "/metrics") else { throw LiveCLIError.usage("--url '\(url)' is not a URL") }
                let (data, _) = try await URLSession.shared.data(from: u)
                runner = Self.parse(String(decoding: data, as: UTF8.self))
            }
            let report = Report(calls: calls, errors: errors, errorRate: calls == 0 ? 0 : Double(errors) / Double(calls), endpoints: endpoints, runner: runner)
            if json { try Terminal.printJSON(report); return }
            print("API calls: \(calls), errors \(errors) (\(String(format: "%.1f", report.errorRate * 100)) %)")
            print("slowest endpoints (p95):")
            for e in endpoints.prefix(10) {
                print("  \(e.endpoint.padding(toLength: 36, withPad: " ", startingAt: 0)) \(String(format: "%6d calls  %4d errors  p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms", e.calls, e.errors, e.p50Ms, e.p95Ms, e.maxMs))")
            }
            if let runner {
                print("runner:")
                for k in runner.keys.sorted() { print("  \(k) \(runner[k]!)") }
            }
        }
    }

    /// Unlabelled samples and label-summed series of the Prometheus text (histogram buckets left out).
    static func parse(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let v = Double(parts[parts.count - 1]) else { continue }
            let name = String(parts[0].split(separator: "{").first ?? parts[0])
            if name.hasSuffix("_bucket") { continue }
            out[name, default: 0] += v
        }
        return out
    }
}
