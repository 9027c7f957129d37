import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Data
import Trading
import Live

/// Something worth telling the trader.
public struct Notice: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case fill, riskWarning = "risk_warning", ruleBreach = "rule_breach", dailySummary = "daily_summary", error
    }
    public var kind: Kind
    public var text: String
    public var time: Timestamp
    public var fields: [String: String]
    public init(kind: Kind, text: String, time: Timestamp, fields: [String: String] = [:]) {
        self.kind = kind; self.text = text; self.time = time; self.fields = fields
    }

    /// The notices a runner observation gives: fills, size cuts near the daily loss limit, breaches.
    public static func from(_ o: RunnerObservation, format: (String, Price) -> String = { _, p in String(p.ticks) }) -> Notice? {
        guard case .event(let e) = o else {
            if case .note(let text) = o { return Notice(kind: .error, text: text, time: Timestamp(seconds: Int64(Date().timeIntervalSince1970))) }
            return nil
        }
        switch e {
        case .orderFilled(let order, let f):
            return Notice(kind: .fill, text: "\(f.side) \(f.quantity) \(f.symbol) @ \(format(f.symbol, f.price)) (\(f.purpose.reason))", time: f.time,
                          fields: ["symbol": f.symbol, "side": f.side.description, "quantity": String(f.quantity), "price": format(f.symbol, f.price),
                                   "reason": f.purpose.reason, "order": order.id.description])
        case .ruleBreached(let b) where b.rule == .sizeReduced:
            return Notice(kind: .riskWarning, text: b.detail, time: b.time, fields: ["rule": b.rule.rawValue])
        case .ruleBreached(let b):
            return Notice(kind: .ruleBreach, text: "\(b.rule): \(b.detail)", time: b.time,
                          fields: ["rule": b.rule.rawValue, "value": b.value.description, "limit": b.limit.description])
        default:
            return nil
        }
    }
}

/// Where notices go: a Discord webhook (`{"content": …}`) or a generic JSON webhook
/// (`{"kind", "text", "time", "fields"}`). The URL is a secret: it prints as `***`.
public struct WebhookTarget: Sendable, CustomStringConvertible {
    public enum Format: String, Sendable { case discord, json }
    public var url: Secret
    public var format: Format
    public init(url: Secret, format: Format) { self.url = url; self.format = format }
    public var description: String { "\(format) webhook ***" }

    func body(_ n: Notice) -> Data {
        switch format {
        case .discord:
            let prefix = switch n.kind {
            case .fill: "Fill"
            case .riskWarning: "Risk warning"
            case .ruleBreach: "RULE BREACH"
            case .dailySummary: "Daily summary"
            case .error: "Error"
            }
            return (try? JSONEncoder().encode(["content": "**\(prefix)** \(n.time.iso8601): \(n.text)"])) ?? Data()
        case .json:
            struct Wire: Encodable { var kind: String; var text: String; var time: String; var fields: [String: String] }
            return (try? JSONEncoder().encode(Wire(kind: n.kind.rawValue, text: n.text, time: n.time.iso8601, fields: n.fields))) ?? Data()
        }
    }
}

/// Delivers notices to webhooks without ever slowing trading: `post` only appends to a bounded
/// queue (the oldest notice is dropped, and counted, when it is full); one task per target sends
/// them in order, retrying a failed delivery after 1, 2 and 4 s before giving up on it.
public actor Notifier {
    public struct Stats: Sendable, Equatable {
        public var delivered = 0
        public var failed = 0
        public var retries = 0
        public var dropped = 0
        public init(delivered: Int = 0, failed: Int = 0, retries: Int = 0, dropped: Int = 0) {
            self.delivered = delivered; self.failed = failed; self.retries = retries; self.dropped = dropped
        }
    }

    let targets: [WebhookTarget]
    let capacity: Int
    let retryDelays: [Double]
    let timeout: Double
    var queues: [[Notice]]
    var waiting: [CheckedContinuation<Void, Never>?]
    public private(set) var stats = Stats()
    var senders: [Task<Void, Never>] = []

    public init(targets: [WebhookTarget], capacity: Int = 1_000, retryDelays: [Double] = [1, 2, 4], timeout: Double = 10) {
        self.targets = targets; self.capacity = capacity; self.retryDelays = retryDelays
        queues = Array(repeating: [], count: targets.count)
        waiting = Array(repeating: nil, count: targets.count)
        self.timeout = timeout
    }

    /// Starts the senders.
    public func start() {
        guard senders.isEmpty else { return }
        for i in targets.indices { senders.append(Task { await self.run(i) }) }
    }

    public func stop() {
        for s in senders { s.cancel() }
        for i in waiting.indices { waiting[i]?.resume(); waiting[i] = nil }
    }

    /// Queues a notice for every target; never waits.
    public func post(_ n: Notice) {
        for i in targets.indices {
            if queues[i].count >= capacity { queues[i].removeFirst(); stats.dropped += 1 }
            queues[i].append(n)
            if let w = waiting[i] { waiting[i] = nil; w.resume() }
        }
    }

    /// Notices still waiting to be sent.
    public var pending: Int { queues.reduce(0) { $0 + $1.count } }

    func next(_ i: Int) async -> Notice? {
        while queues[i].isEmpty {
            if Task.isCancelled { return nil }
            await withCheckedContinuation { waiting[i] = $0 }
        }
        return queues[i].removeFirst()
    }

    func run(_ i: Int) async {
        let target = targets[i]
        while let n = await next(i) {
            var attempt = 0
            while true {
                if await Self.deliver(n, to: target, timeout: timeout) { stats.delivered += 1; break }
                guard attempt < retryDelays.count, !Task.isCancelled else { stats.failed += 1; break }
                stats.retries += 1
                try? await Task.sleep(for: .seconds(retryDelays[attempt]))
                attempt += 1
            }
        }
    }

    nonisolated static func deliver(_ n: Notice, to target: WebhookTarget, timeout: Double) async -> Bool {
        guard let url = URL(string: target.url.reveal()) else { return false }
        var req = URLRequest(url: url)
        req.httpMethod = "POST"
        req.timeoutInterval = timeout
        req.httpBody = target.body(n)
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        guard let (_, response) = try? await RESTSession.data(for: req), let http = response as? HTTPURLResponse else { return false }
        return (200..<300).contains(http.statusCode)
    }
}
