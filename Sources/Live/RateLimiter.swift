import Foundation

/// A rolling-window limit: at most `limit` requests in any `window` seconds. `acquire` waits
/// for a slot rather than failing (projectx-gateway.md §6: history 50 / 30 s, everything else
/// 200 / 60 s, independent budgets).
public actor RateLimiter {
    public let limit: Int
    public let window: Double
    private var sent: [Date] = []

    public init(limit: Int, window: Double) { self.limit = limit; self.window = window }

    public func acquire() async {
        while true {
            let now = Date()
            sent.removeAll { now.timeIntervalSince($0) >= window }
            if sent.count < limit {
                sent.append(now)
                return
            }
            let wait = window - now.timeIntervalSince(sent[0]) + 0.001
            try? await Task.sleep(for: .seconds(wait))
        }
    }

    /// Pushes the window back after the server said 429 with `Retry-After`: no request goes out
    /// before `until`.
    public func block(until: Date) {
        let fill = max(0, limit - sent.count)
        let start = until.addingTimeInterval(-window)
        sent.append(contentsOf: Array(repeating: start, count: fill))
        sent = sent.map { max($0, start) }
        sent.sort()
    }
}
