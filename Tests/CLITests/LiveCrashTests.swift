import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Data
import TSXLabTesting

/// `tsxlab live run` killed with SIGKILL at seeded random moments while it trades a fast tape on a
/// `tsxlab gateway serve` process, restarted each time on the same store, then stopped with
/// SIGTERM; afterwards the gateway's orders and trades and the store's order records are checked
/// against each other (issue 19, "Crash test in the suite").
///
/// The moments: each of the 24 kills is one of three kinds, in a seeded order: during start-up (a
/// random delay after launch, which may land in the login, the warm-up replay or the reconcile),
/// while trading (a random delay after the runner's start line, bars playing), or while an order
/// is in flight (the gateway holds every REST answer `slowMs`, and the kill lands a random
/// moment after the runner wrote a new order record "sending" and before its answer). The seed is
/// `TSXLAB_CRASH_SEED` when set, else random; every failure names it.
@Suite("tsxlab live run: SIGKILL at seeded random moments, restarted on the same store", .serialized)
struct LiveCrashTests {
    static let kills = 24
    static let slowMs = 300

    /// An SMA cross with short periods and a tight bracket: an entry every few bars on the shipped
    /// tape, filled at the next bar's open, its exits a few bars later.
    static let configuration = """
        account:
          rules: topstep-50k
          daily_loss_limit: 100000
          max_loss_drawdown: 100000
        data:
          symbol: ES
          timeframe: 1m
        strategies:
          sma_bracket:
            fast: 2
            slow: 5
            stop_ticks: 4
            target_ticks: 4
        """

    enum Moment: String, CustomStringConvertible {
        case startup, trading, inFlight
        var description: String { rawValue }
    }

    @Test("24 SIGKILLs at seeded moments (some while an order is in flight), each followed by a restart on the same store: one gateway order per decision, no exit without its entry, every filled entry bracketed, nothing working or open after SIGTERM, and the store's records equal the gateway's",
          arguments: StoreKind.available)
    func killedAndRestarted(_ kind: StoreKind) async throws {
        let seed = ProcessInfo.processInfo.environment["TSXLAB_CRASH_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        let context = "\(kind), seed \(seed) (TSXLAB_CRASH_SEED=\(seed) repeats the moments)"
        print("LiveCrashTests: \(context)")
        var rng = SeededGenerator(seed: seed)
        var moments = [Moment](repeating: .startup, count: 5) + [Moment](repeating: .trading, count: 11) + [Moment](repeating: .inFlight, count: 8)
        moments.shuffle(using: &rng)

        let dir = TestEnvironment.temporaryDirectory("live-crash")
        let (handle, _, url) = try kind.make()
        let db = try #require(handle as? any SQLDatabase)
        let file = dir + "/sma-fast.yaml"
        try Self.configuration.write(toFile: file, atomically: true, encoding: .utf8)

        let gw = try await GatewayProcess.start(csv: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), contract: "ESZ13",
                                                extra: ["--general-limit", "100000/1", "--history-limit", "100000/1",
                                                        "--daily-loss-limit", "100000", "--max-loss", "100000"])
        defer { gw.stop() }
        // The tape to 2013-10-07 13:30Z (the cash open): the replay starts half an hour before.
        let tape = try SharedData.readBars(path: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), symbol: "ES", tickSize: TickSize("0.25")!)
        let open = (0..<tape.count).filter { tape.time[$0] < Timestamp(iso8601: "2013-10-07T13:30:00Z")!.seconds }.count
        try gw.step(open)
        let env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "TSXLAB_DATA_DIR": dir, "TSXLAB_STORE": url,
                   "PROJECTX_API_URL": gw.baseURL, "PROJECTX_RTC_URL": gw.baseURL, "PROJECTX_USERNAME": "trader", "PROJECTX_API_KEY": "k-crash"]
        let args = ["live", "run", "--config", file, "--force", "--warmup-from", "2013-10-07T13:00:00Z"]
        let started = "live: sma_bracket on 50KTC-LOOPBACK-1 CON.F.US.EP.Z13"

        /// Plays one bar (the runner's market data), a short pause after it.
        func play() async throws {
            _ = try await gw.post("/_gateway/step", ["bars": 1])
            try await Task.sleep(for: .milliseconds(100))
        }
        /// Tags of the order records the store holds as "sending".
        func sending() -> Set<String> {
            let rows = (try? db.query("SELECT tag FROM live_orders WHERE status = 'sending'", [])) ?? []
            return Set(rows.compactMap { $0[0].text })
        }

        var log: [String] = []
        var outputs: [String] = []     // every killed run's output, printed when a check fails
        for (k, moment) in moments.enumerated() {
            let (p, collected) = try Collected.launch(args, environment: env, cwd: dir)
            let pid = p.processIdentifier
            defer { if p.isRunning { kill(pid, SIGKILL) } }
            switch moment {
            case .startup:
                try await Task.sleep(for: .milliseconds(Int.random(in: 50...1500, using: &rng)))
            case .trading:
                try await collected.wait("run \(k) to start (\(context))", timeout: TestEnvironment.hangGuard) { $0.err.contains(started) || !p.isRunning }
                let until = Date().addingTimeInterval(Double(Int.random(in: 200...2500, using: &rng)) / 1000)
                while Date() < until && p.isRunning { try await play() }
            case .inFlight:
                try await collected.wait("run \(k) to start (\(context))", timeout: TestEnvironment.hangGuard) { $0.err.contains(started) || !p.isRunning }
                let before = sending()
                _ = try await gw.post("/_gateway/faults", ["slowMs": Self.slowMs])
                // An entry comes every few bars on this tape; 150 bars without one is a runner that stopped deciding.
                var found = false, bars = 0
                while !found && p.isRunning && bars < 150 {
                    bars += 1
                    _ = try await gw.post("/_gateway/step", ["bars": 1])
                    // Polled often: the record stays "sending" for the gateway's delay.
                    for _ in 0..<20 where !found {
                        found = !sending().subtracting(before).isEmpty
                        if !found { try await Task.sleep(for: .milliseconds(5)) }
                    }
                }
                // A runner behind the tape (a loaded machine) decides late: wait for its order.
                let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
                while !found && p.isRunning && Date() < deadline {
                    found = !sending().subtracting(before).isEmpty
                    if !found { try await Task.sleep(for: .milliseconds(5)) }
                }
                #expect(found, "run \(k): no order went out after 150 bars: \(collected.texts.err.suffix(1500)) (\(context))")
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...(Self.slowMs * 2 / 3), using: &rng)))
            }
            #expect(p.isRunning, "run \(k) (\(moment)) ended before its kill: \(collected.texts.err.suffix(1500)) (\(context))")
            kill(pid, SIGKILL)
            await p.exited()
            if moment == .inFlight { _ = try await gw.post("/_gateway/faults", ["slowMs": 0]) }
            log.append("\(k):\(moment)")
            outputs.append("--- run \(k) (\(moment)), killed:\n\(collected.texts.err)")
        }

        // The last run trades a while and is stopped as an operator stops it.
        let (p, collected) = try Collected.launch(args, environment: env, cwd: dir)
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        try await collected.wait("the last run to start (\(context))", timeout: TestEnvironment.hangGuard) { $0.err.contains(started) || !p.isRunning }
        for _ in 0..<20 where p.isRunning { try await play() }
        p.terminate()
        // The closes fill on the next bars: the tape plays until the runner has exited.
        let deadline = Date().addingTimeInterval(TestEnvironment.hangGuard)
        while p.isRunning && Date() < deadline { try await play() }
        await p.exited()
        let stderr = collected.texts.err
        #expect(p.terminationStatus == 0, "the last run: \(stderr.suffix(2000)) (\(context))")
        #expect(stderr.contains("live: stopping: cancelling working orders and closing positions"), "\(context)")

        let rest = try await GatewayREST.login(gw.baseURL)
        let orders = try await rest.objects("/api/Order/search", ["accountId": 1, "startTimestamp": "2013-10-01T00:00:00Z"], key: "orders")
        let trades = try await rest.objects("/api/Trade/search", ["accountId": 1, "startTimestamp": "2013-10-01T00:00:00Z"], key: "trades")
        let working = try await rest.objects("/api/Order/searchOpen", ["accountId": 1], key: "orders")
        let positions = try await rest.objects("/api/Position/searchOpen", ["accountId": 1], key: "positions")
        let stored = try db.query("SELECT tag, gateway_id, status, side, quantity, created_at, updated_at FROM live_orders WHERE account_id = '1' ORDER BY local_id", [])
        let report = Self.check(orders: orders, trades: trades, stored: stored)
        let summary = "\(orders.count) gateway orders, \(trades.count) trades, \(stored.count) records; kills \(log.joined(separator: " ")) (\(context))"
        print("LiveCrashTests: \(summary)")
        if !report.problems.isEmpty || !working.isEmpty || !positions.isEmpty {
            print(outputs.joined(separator: "\n"))
            print("--- the last run:\n\(stderr)")
            // The gateway's record, for reading a failure: orders, then trades.
            for o in orders {
                print("order #\(o["id"]!) \(o["customTag"] ?? "-") parent \(o["parentOrderId"] ?? "-") type \(o["type"]!) side \(o["side"]!) status \(o["status"]!) created \(o["creationTimestamp"]!) updated \(o["updateTimestamp"] ?? "-") filled \(o["fillVolume"]!)")
            }
            for t in trades { print("trade #\(t["id"]!) order #\(t["orderId"]!) side \(t["side"]!) size \(t["size"]!) at \(t["creationTimestamp"]!)") }
            for r in stored { print("record \(r.map(\.description).joined(separator: " "))") }
        }
        for problem in report.problems { Issue.record("\(problem) — \(summary)") }
        #expect(working.isEmpty, "orders left working after SIGTERM: \(working) (\(context))")
        #expect(positions.isEmpty, "positions left open after SIGTERM: \(positions) (\(context))")
        // The kills must have met trading: entries filled and bracketed across the restarts.
        #expect(report.filledEntries >= 5, "only \(report.filledEntries) entries filled: the test did not trade enough — \(summary)")
    }

    struct Report {
        var problems: [String] = []
        var filledEntries = 0
    }

    /// The invariants over the gateway's orders and trades and the store's records.
    static func check(orders: [[String: Any]], trades: [[String: Any]], stored: [[SQLValue]]) -> Report {
        var r = Report()
        func int(_ o: [String: Any], _ k: String) -> Int64? { (o[k] as? NSNumber)?.int64Value }
        let byID = Dictionary(orders.compactMap { o in int(o, "id").map { ($0, o) } }, uniquingKeysWith: { a, _ in a })
        let childrenOf = Dictionary(grouping: orders.filter { int($0, "parentOrderId") != nil }) { int($0, "parentOrderId")! }
        let tagged = orders.filter { ($0["customTag"] as? String) != nil }

        // One gateway order per decision: a decision's tag names one order, every order the
        // runner placed has a tag, and the position (one contract a decision) never exceeds one.
        let tags = tagged.map { $0["customTag"] as! String }
        for (tag, n) in Dictionary(tags.map { ($0, 1) }, uniquingKeysWith: +) where n > 1 { r.problems.append("tag \(tag) names \(n) gateway orders") }
        for o in orders where int(o, "parentOrderId") == nil && o["customTag"] == nil && int(o, "type") != 2 {
            r.problems.append("gateway order \(o["id"] ?? "?") is neither tagged, a bracket exit, nor a close: \(o)")
        }
        var position: Int64 = 0
        var closedAt: [Int64: String] = [:]     // entry id → time its position was flat again
        var openEntry: Int64?
        var flattened: Set<Int64> = []         // entries whose position a close ended (a flatten)
        for t in trades.sorted(by: { int($0, "id")! < int($1, "id")! }) {
            guard let oid = int(t, "orderId"), let o = byID[oid], let size = int(t, "size"), let side = int(t, "side") else {
                r.problems.append("trade \(t) names no known order"); continue
            }
            let signed = side == 0 ? size : -size
            let isEntry = o["customTag"] != nil && int(o, "parentOrderId") == nil
            if isEntry {
                if position != 0 { r.problems.append("entry \(oid) (\(o["customTag"]!)) filled while a position of \(position) was open") }
                openEntry = oid
            } else {
                // An exit (a bracket leg, a close) only ever reduces a position: never one without its entry.
                if position == 0 || (position > 0) == (signed > 0) || abs(signed) > abs(position) {
                    r.problems.append("exit order \(oid) traded \(signed) against a position of \(position)")
                }
                if let parent = int(o, "parentOrderId"), parent != openEntry {
                    r.problems.append("bracket exit \(oid) of entry \(parent) filled while the open position came from \(openEntry.map(String.init) ?? "nothing")")
                }
            }
            position += signed
            if abs(position) > 1 { r.problems.append("the position reached \(position) (one contract a decision)") }
            if position == 0, let e = openEntry {
                closedAt[e] = t["creationTimestamp"] as? String ?? ""
                if o["customTag"] == nil && int(o, "parentOrderId") == nil { flattened.insert(e) }
                openEntry = nil
            }
        }

        // Every filled entry protected by its bracket while it was open: both exits exist, sized
        // as the entry, and none was cancelled before the position was flat again, unless a close
        // ended it (a flatten cancels the exits first, then closes the position).
        for e in tagged where int(e, "parentOrderId") == nil && (int(e, "fillVolume") ?? 0) > 0 {
            r.filledEntries += 1
            let id = int(e, "id")!
            let kids = childrenOf[id] ?? []
            let types = Set(kids.compactMap { int($0, "type") })
            if kids.count != 2 || types != [1, 4] || kids.contains(where: { int($0, "size") != int(e, "size") }) {
                r.problems.append("filled entry \(id) (\(e["customTag"]!)) has exits \(kids.map { "#\($0["id"]!) type \($0["type"]!) status \($0["status"]!)" })")
                continue
            }
            let flat = closedAt[id]
            for k in kids where int(k, "status") == 3 && !flattened.contains(id) {
                let cancelled = k["updateTimestamp"] as? String ?? ""
                if let flat, cancelled < flat {
                    r.problems.append("exit \(k["id"]!) of entry \(id) was cancelled at \(cancelled), before its position was flat at \(flat)")
                }
            }
        }

        // The store's records equal the gateway's: each tagged gateway order is recorded under its
        // tag with its gateway id, side and size; a record without a gateway order never reached it.
        let byTag = Dictionary(tagged.map { ($0["customTag"] as! String, $0) }, uniquingKeysWith: { a, _ in a })
        var recorded: Set<String> = []
        for row in stored {
            guard let tag = row[0].text else { continue }
            recorded.insert(tag)
            let gid = row[1].int, status = row[2].text ?? "", side = row[3].text ?? "", qty = row[4].int
            if let o = byTag[tag] {
                let wantSide = int(o, "side") == 0 ? "buy" : "sell"
                if gid != int(o, "id") || status != "accepted" || side.lowercased() != wantSide || qty != int(o, "size") {
                    r.problems.append("store record \(tag) (gateway id \(gid.map(String.init) ?? "none"), \(status), \(side) \(qty ?? 0)) differs from gateway order #\(o["id"]!) (\(wantSide) \(o["size"]!))")
                }
            } else if gid != nil || status == "accepted" {
                r.problems.append("store record \(tag) (gateway id \(gid.map(String.init) ?? "none"), \(status)) has no gateway order")
            }
        }
        for tag in byTag.keys where !recorded.contains(tag) { r.problems.append("gateway order \(byTag[tag]!["id"]!) (\(tag)) has no store record") }
        return r
    }
}

/// The gateway's REST endpoints as a client sees them, logged in.
struct GatewayREST {
    let base: String
    let token: String

    static func login(_ base: String) async throws -> GatewayREST {
        let o = try await post(base, "/api/Auth/loginKey", ["userName": "trader", "apiKey": "k-crash"], token: nil)
        return GatewayREST(base: base, token: try #require(o["token"] as? String))
    }

    static func post(_ base: String, _ path: String, _ body: [String: Any], token: String?) async throws -> [String: Any] {
        var req = URLRequest(url: URL(string: base + path)!)
        req.httpMethod = "POST"
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token { req.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
        req.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, _) = try await URLSession.shared.data(for: req)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(path): \(String(decoding: data, as: UTF8.self))")
    }

    func objects(_ path: String, _ body: [String: Any], key: String) async throws -> [[String: Any]] {
        let o = try await Self.post(base, path, body, token: token)
        return try #require(o[key] as? [[String: Any]], "\(path): \(o)")
    }
}
