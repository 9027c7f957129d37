import Foundation
import FlyingFox
import ProjectX

enum HubKind: String, Sendable {
    case user, market

    /// `/hubs/user` or `/hubs/market` (lower-cased).
    init?(path: String) {
        switch path {
        case "/hubs/user": self = .user
        case "/hubs/market": self = .market
        default: return nil
        }
    }
}

/// The connected hub clients and what each subscribed to. Pushes from the venue are routed here
/// and written to each matching connection's outbound stream.
final class HubRegistry: @unchecked Sendable {
    // @unchecked: `peers` and the counters are only touched under `lock`.
    struct Peer {
        var hub: HubKind
        var out: AsyncStream<WSMessage>.Continuation
        var accounts = false
        var userStreams: [String: Set<Int>] = [:]
        var market: [MarketStream: Set<String>] = [:]
        /// A frozen feed (the `silent` and `silentUser` faults): pings only.
        var silent = false
    }

    private let lock = NSLock()
    private var peers: [UUID: Peer] = [:]
    private var total = 0
    /// Ids a negotiation issued and no WebSocket has named yet: the hub, and the other name of
    /// the same connection (a version-1 negotiation issues an id and a token; either redeems it).
    private var issued: [String: (hub: HubKind, twin: String?)] = [:]
    /// The last depth record of each contract: a new depth subscriber gets it at once (the
    /// snapshot the real hub sends on subscribe).
    private var book: [String: (record: String, items: [ProjectX.JSONValue])] = [:]
    /// What went out on the market hub, in order (the latest `sentLimit` entries): each trade
    /// print, quote and depth update with its target, contract and the number of connections it
    /// went to. Tests compare a recorded tape with it (`/_gateway/sent-market`).
    private var sent: [SentMarketData] = []
    let sentLimit = 200_000
    struct SentMarketData { var target: String; var contract: String; var item: ProjectX.JSONValue; var connections: Int }

    /// Trade prints that went to at least one connection, since the start: a test waits until its
    /// client has read as many (the answer of `/_gateway/step`).
    private var printsDelivered = 0
    var printsSent: Int { lock.withLock { printsDelivered } }

    /// The market data pushed so far (the latest `sentLimit` entries, up to a quarter more).
    var sentMarketData: [SentMarketData] { lock.withLock { sent } }

    /// The depth snapshot of `contract` to a connection that just subscribed to it.
    func sendBook(_ id: UUID, contract: String) {
        // Sent to this connection alone and noted as what went out, under the lock as `deliver`
        // sends: a push between the two would otherwise reach the socket before the snapshot
        // while the log has it after.
        lock.withLock {
            guard let snapshot = book[contract], let out = peers[id]?.out else { return }
            sent += snapshot.items.map { SentMarketData(target: "GatewayDepth", contract: contract, item: $0, connections: 1) }
            out.yield(.text(snapshot.record))
        }
    }
    private var negotiated = 0
    let venue: GatewayVenue
    let pingInterval: Double

    init(venue: GatewayVenue, pingInterval: Double) { self.venue = venue; self.pingInterval = pingInterval }

    var connectionCount: Int { lock.withLock { peers.count } }
    var negotiations: Int { lock.withLock { negotiated } }

    /// A negotiation: the connection's id and, from version 1, its token.
    func issue(_ hub: HubKind, version: Int) -> (id: String, token: String?) {
        let id = UUID().uuidString.lowercased()
        let token = version >= 1 ? UUID().uuidString.lowercased() : nil
        lock.withLock {
            negotiated += 1
            issued[id] = (hub, token)
            if let token { issued[token] = (hub, id) }
        }
        return (id, token)
    }

    /// True once for an id (or token) a negotiation with `hub` issued.
    func redeem(_ id: String, _ hub: HubKind) -> Bool {
        lock.withLock {
            guard let entry = issued[id], entry.hub == hub else { return false }
            issued[id] = nil
            if let twin = entry.twin { issued[twin] = nil }
            return true
        }
    }
    var totalConnections: Int { lock.withLock { total } }

    func add(_ id: UUID, _ peer: Peer) { lock.withLock { peers[id] = peer; total += 1 } }
    func remove(_ id: UUID) { lock.withLock { _ = peers.removeValue(forKey: id) } }
    func update(_ id: UUID, _ body: (inout Peer) -> Void) { lock.withLock { if peers[id] != nil { body(&peers[id]!) } } }

    /// Ends every connection now (the drop-sockets and restart faults).
    func dropAll() {
        let all = lock.withLock { let p = peers; peers = [:]; return p }
        for p in all.values { p.out.finish() }
    }

    /// Ends every connection with a SignalR close message (the `closeHubs` fault).
    func closeAll(error: String, allowReconnect: Bool) {
        let all = lock.withLock { let p = peers; peers = [:]; return p }
        let record = String(decoding: HubMessage.close(error: error, allowReconnect: allowReconnect).encoded(), as: UTF8.self)
        for p in all.values {
            p.out.yield(.text(record))
            p.out.finish()
        }
    }

    /// Sends `GatewayLogout` to every user-hub connection (the `logout` fault).
    func logoutAll() {
        let record = String(decoding: HubMessage.invocation(id: nil, target: "GatewayLogout", arguments: []).encoded(), as: UTF8.self)
        lock.withLock { for p in peers.values where p.hub == .user { p.out.yield(.text(record)) } }
    }

    /// Freezes the feed of every connection to `hub` open now (the `silent` and `silentUser` faults).
    func silence(_ hub: HubKind) {
        lock.withLock { for id in peers.keys where peers[id]!.hub == hub { peers[id]!.silent = true } }
    }

    func send(_ id: UUID, _ record: Data) {
        let out = lock.withLock { peers[id]?.out }
        out?.yield(.text(String(decoding: record, as: UTF8.self)))
    }

    func deliver(_ pushes: [GatewayPush]) {
        guard !pushes.isEmpty else { return }
        // Each record encoded once, whoever receives it.
        let records = pushes.map { push -> String in
            switch push {
            case .user(let target, _, let args), .market(let target, _, _, let args):
                String(decoding: HubMessage.invocation(id: nil, target: target, arguments: args).encoded(), as: UTF8.self)
            }
        }
        lock.withLock {
            for (push, record) in zip(pushes, records) {
                if case .market(_, let contract, .depth, let args) = push, args.count > 1 {
                    book[contract] = (record, { if case .array(let items) = args[1] { items } else { [args[1]] } }())
                }
            }
            var receivers = Array(repeating: 0, count: pushes.count)
            for (_, p) in peers {
                var frame = ""
                for (k, (push, record)) in zip(pushes, records).enumerated() {
                    switch push {
                    case .user(let target, let account, _):
                        guard p.hub == .user, !p.silent else { continue }
                        let stream = String(target.dropFirst("GatewayUser".count)) + "s"
                        let wanted = stream == "Accounts" ? p.accounts : (p.userStreams[stream]?.contains(account) ?? false)
                        guard wanted else { continue }
                        frame += record
                    case .market(_, let contract, let kind, _):
                        guard p.hub == .market, !p.silent, p.market[kind]?.contains(contract) ?? false else { continue }
                        frame += record
                        receivers[k] += 1
                    }
                }
                // Several records in one frame, as the real hubs send them.
                if !frame.isEmpty { p.out.yield(.text(frame)) }
            }
            for (k, push) in pushes.enumerated() {
                guard case .market(let target, let contract, _, let args) = push, args.count > 1 else { continue }
                let items: [ProjectX.JSONValue] = if case .array(let items) = args[1] { items } else { [args[1]] }
                sent += items.map { SentMarketData(target: target, contract: contract, item: $0, connections: receivers[k]) }
                if target == "GatewayTrade" && receivers[k] > 0 { printsDelivered += items.count }
            }
            // Trimmed a quarter at a time: once full, a shift of the whole log on every push would
            // cost a long-running gateway more than the push itself.
            if sent.count > sentLimit + sentLimit / 4 { sent.removeFirst(sent.count - sentLimit) }
        }
    }
}

/// One hub connection: handshake, invocations answered with completions, keep-alive pings.
struct HubSession: WSMessageHandler {
    let hub: HubKind
    let registry: HubRegistry

    func makeMessages(for client: AsyncStream<WSMessage>) async throws -> AsyncStream<WSMessage> {
        let id = UUID()
        let (out, continuation) = AsyncStream<WSMessage>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        registry.add(id, .init(hub: hub, out: continuation))
        let registry = self.registry, hub = self.hub
        let pinger = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(registry.pingInterval))
                registry.send(id, HubMessage.ping.encoded())
            }
        }
        Task {
            var buffer = Data()
            var handshaken = false
            for await m in client {
                guard case .text(let text) = m else { if case .close = m { break } else { continue } }
                buffer.append(Data(text.utf8))
                for record in SignalR.takeRecords(from: &buffer) {
                    if !handshaken {
                        handshaken = true
                        let ok = (try? JSONSerialization.jsonObject(with: record) as? [String: Any])?["protocol"] as? String == "json"
                        if ok {
                            // The answer and a first ping in one frame, as ASP.NET sometimes sends them.
                            registry.send(id, SignalR.handshakeResponse + HubMessage.ping.encoded())
                        } else {
                            registry.send(id, Data("{\"error\":\"Requested protocol is not supported.\"}\u{1E}".utf8))
                            continuation.finish()
                        }
                        continue
                    }
                    guard let msg = try? HubMessage.decode(record) else { continue }
                    if case .invocation(let invocation, let target, let args) = msg {
                        let error = Self.apply(target: target, args: args, hub: hub, id: id, registry: registry)
                        if let invocation {
                            registry.send(id, HubMessage.completion(id: invocation, result: nil, error: error).encoded())
                        }
                    }
                }
            }
            pinger.cancel()
            registry.remove(id)
            continuation.finish()
        }
        return out
    }

    /// Subscribes or unsubscribes; the error text for a completion, nil when fine.
    static func apply(target: String, args: [ProjectX.JSONValue], hub: HubKind, id: UUID, registry: HubRegistry) -> String? {
        let subscribe = target.hasPrefix("Subscribe")
        let name = String(target.dropFirst(subscribe ? "Subscribe".count : "Unsubscribe".count))
        guard subscribe || target.hasPrefix("Unsubscribe") else { return "Unknown hub method '\(target)'" }
        switch hub {
        case .user:
            if name == "Accounts" { registry.update(id) { $0.accounts = subscribe }; return nil }
            guard ["Orders", "Positions", "Trades"].contains(name) else { return "Unknown hub method '\(target)'" }
            guard let account = args.first?.int else { return "\(target) takes the account id" }
            registry.update(id) { p in
                if subscribe { p.userStreams[name, default: []].insert(account) } else { p.userStreams[name]?.remove(account) }
            }
        case .market:
            let kind: MarketStream
            switch name {
            case "ContractQuotes": kind = .quotes
            case "ContractTrades": kind = .trades
            case "ContractMarketDepth": kind = .depth
            default: return "Unknown hub method '\(target)'"
            }
            guard let contract = args.first?.string else { return "\(target) takes the contract id" }
            registry.update(id) { p in
                if subscribe { p.market[kind, default: []].insert(contract) } else { p.market[kind]?.remove(contract) }
            }
            if subscribe && kind == .depth { registry.sendBook(id, contract: contract) }
        }
        return nil
    }
}
