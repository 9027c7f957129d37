import Foundation
import Synchronization
import ProjectX

/// What a hub connection reports to its owner, in order.
public enum HubEvent: Sendable {
    /// Connected and handshaken, subscriptions (re)sent. `reconnect` is true after a drop: the
    /// owner reconciles over REST, since events during the gap are lost.
    case connected(reconnect: Bool)
    /// A server event (`GatewayUserOrder`, `GatewayQuote`, …).
    case message(target: String, arguments: [JSONValue])
    /// The connection dropped; a reconnect follows unless the client was stopped.
    case disconnected(String)
    /// Stopped for good (`stop()`).
    case stopped(String)
}

/// Timing of a hub connection; tests shorten it.
public struct HubTiming: Sendable {
    /// Send a ping after this long with nothing sent.
    public var keepAlive: Double = 10
    /// Treat the socket as dead after this long with nothing received (0: never; a quiet user
    /// hub is normal when flat, so only the market hub sets it).
    public var staleAfter: Double = 0
    /// Wait for a completion this long.
    public var invocationTimeout: Double = 15
    /// Pauses before reconnect attempts 1, 2, 3, … (the last repeats).
    public var reconnectDelays: [Double] = [1, 3, 5]
    public var connectTimeout: Double = 10
    public init() {}
    public init(keepAlive: Double, staleAfter: Double, invocationTimeout: Double, reconnectDelays: [Double], connectTimeout: Double = 10) {
        self.keepAlive = keepAlive; self.staleAfter = staleAfter; self.invocationTimeout = invocationTimeout
        self.reconnectDelays = reconnectDelays; self.connectTimeout = connectTimeout
    }
}

public enum HubError: Error, CustomStringConvertible {
    case notConnected
    case handshake(String)
    case invocation(target: String, error: String)
    case timedOut(target: String)
    public var description: String {
        switch self {
        case .notConnected: "hub not connected"
        case .handshake(let why): "hub handshake failed: \(why)"
        case .invocation(let t, let e): "hub call \(t) failed: \(e)"
        case .timedOut(let t): "hub call \(t) got no completion in time"
        }
    }
}

/// A SignalR JSON hub client (projectx-gateway.md §7): direct WebSocket upgrade with the token in
/// `access_token`, handshake, invocations with completions, keep-alive pings, reconnection with
/// backoff using the newest token, and re-subscription after every reconnect.
///
/// A close message from the server that does not allow a reconnect (a session ended or revoked
/// there) is not the end either: a trading runner must get its feed back, so the client
/// reconnects with a new token (the one it had may be why it was closed). Only `stop()` ends it.
public actor HubClient {
    public nonisolated let events: AsyncStream<HubEvent>
    private let eventSink: AsyncStream<HubEvent>.Continuation
    private let url: String
    private let token: @Sendable (_ refused: String?) async throws -> String
    /// The token the last upgrade was refused with (HTTP 401): the next attempt asks for a new one.
    private var refusedToken: String?
    private let timing: HubTiming
    private var socket: WebSocketConnection?
    private var subscriptions: [(target: String, arguments: [JSONValue])] = []
    private var pending: [String: CheckedContinuation<JSONValue?, any Error>] = [:]
    private var nextID = 1
    private var lastSent = Date()
    private var lastReceived = Date()
    private var runner: Task<Void, Never>?
    private var stopped = false
    /// Connections made so far (1 after the first connect).
    public private(set) var connections = 0
    /// Where events go instead of `events` (see `deliver(to:)`).
    private var sink: (@Sendable (HubEvent) -> Void)?
    /// When the socket's reader thread last handed a record over (pushes bypass the actor).
    private let readerClock = ReaderClock()

    /// Delivers events to `sink` instead of `events`, from now on. Server invocations (market
    /// data, order and trade updates) then reach it straight from the socket's reader thread,
    /// decoded there: they pass neither this actor nor a thread of the shared pool, so a busy
    /// pool (HTTP requests, JSON encoding) cannot delay them. The other events come from the
    /// actor. `sink` must only hand work off.
    public func deliver(to sink: @escaping @Sendable (HubEvent) -> Void) {
        self.sink = sink
    }

    private func emit(_ e: HubEvent) {
        if let sink { sink(e) } else { eventSink.yield(e) }
    }

    /// `url` is the hub's ws(s) URL without the token (`ws://127.0.0.1:PORT/hubs/user`).
    /// `token` gives the token to connect with; its argument is a token the hub refused, which
    /// must not be given again (`ProjectXClient.token(replacing:)`).
    public init(url: String, timing: HubTiming = HubTiming(), token: @escaping @Sendable (_ refused: String?) async throws -> String) {
        self.url = url; self.timing = timing; self.token = token
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(100_000))
    }

    /// Starts connecting (and reconnecting); returns once the first connection is up, or throws
    /// its error.
    public func start() async throws {
        try await connectOnce(reconnect: false)
        runner = Task { await self.run() }
    }

    public func stop() {
        stopped = true
        runner?.cancel()
        socket?.close()
        socket = nil
        failPending(HubError.notConnected)
        emit(.stopped("stopped"))
        eventSink.finish()
    }

    /// Calls a hub method and remembers it so it is sent again after every reconnect.
    public func subscribe(_ target: String, _ arguments: [JSONValue] = []) async throws {
        subscriptions.append((target, arguments))
        _ = try await invoke(target, arguments)
    }

    /// Calls a hub method and waits for its completion.
    public func invoke(_ target: String, _ arguments: [JSONValue] = []) async throws -> JSONValue? {
        guard let socket else { throw HubError.notConnected }
        let id = String(nextID); nextID += 1
        let record = HubMessage.invocation(id: id, target: target, arguments: arguments).encoded()
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<JSONValue?, any Error>) in
            pending[id] = c
            do {
                try socket.sendText(record)
                lastSent = Date()
            } catch {
                pending[id] = nil
                c.resume(throwing: error)
                return
            }
            let timeout = timing.invocationTimeout
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(timeout))
                await self?.expire(id, target: target)
            }
        }
    }

    private func expire(_ id: String, target: String) {
        pending.removeValue(forKey: id)?.resume(throwing: HubError.timedOut(target: target))
    }

    private func failPending(_ error: any Error) {
        let p = pending
        pending = [:]
        for c in p.values { c.resume(throwing: error) }
    }

    private func connectOnce(reconnect: Bool) async throws {
        let t = try await token(refusedToken)
        refusedToken = nil
        currentToken = t
        let sep = url.contains("?") ? "&" : "?"
        let full = url + sep + "access_token=" + (t.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? t)
        let timeout = timing.connectTimeout
        let ws: WebSocketConnection
        do {
            // With a sink, server invocations go to it from the socket's reader thread.
            var textTap: (@Sendable (Data) -> Data?)?
            if let sink {
                let tap = PushTap(sink: sink, clock: readerClock)
                textTap = { tap.take($0) }
            }
            let tapToUse = textTap
            ws = try await Task.detached { try WebSocketConnection(url: full, timeout: timeout, textTap: tapToUse) }.value
        } catch WebSocketError.upgrade(let why) where why.contains(" 401") {
            refusedToken = t
            throw WebSocketError.upgrade(why)
        }
        awaitingHandshake = true
        socket = ws
        Task { await self.read(ws) }
        do {
            try ws.sendText(SignalR.handshakeRequest)
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                handshakeWaiter = c
                Task { [weak self] in
                    try? await Task.sleep(for: .seconds(timeout))
                    await self?.finishHandshake(HubError.handshake("no answer in \(timeout) s"))
                }
            }
        } catch {
            if socket === ws { socket = nil }
            ws.abort()
            throw error
        }
        connections += 1
        lastSent = Date(); lastReceived = Date()
        for s in subscriptions { _ = try await invoke(s.target, s.arguments) }
        emit(.connected(reconnect: reconnect))
    }

    private var dropped: String?
    private var awaitingHandshake = false
    private var handshakeWaiter: CheckedContinuation<Void, any Error>?

    private func finishHandshake(_ error: (any Error)?) {
        awaitingHandshake = false
        guard let c = handshakeWaiter else { return }
        handshakeWaiter = nil
        if let error { c.resume(throwing: error) } else { c.resume() }
    }

    private func read(_ ws: WebSocketConnection) async {
        var buf = Data()
        do {
            for try await m in ws.messages {
                guard case .text(let d) = m else { continue }
                buf.append(d)
                for r in SignalR.takeRecords(from: &buf) { handle(record: r, from: ws) }
            }
            connectionEnded(ws, "the server closed the connection")
        } catch {
            connectionEnded(ws, "\(error)")
        }
    }

    /// The token the current connection was made with.
    private var currentToken: String?

    /// Drops the connection now and reconnects (with the usual backoff), with a new token when
    /// `newToken` (a `GatewayLogout`), else with the current one (a feed that went silent).
    public func reconnect(_ why: String, newToken: Bool) {
        if newToken { refusedToken = currentToken }
        guard let ws = socket else { return }
        ws.close()
        connectionEnded(ws, why)
    }

    private func handle(record: Data, from ws: WebSocketConnection) {
        guard ws === socket else { return }
        lastReceived = Date()
        if awaitingHandshake {
            // The answer `{}` (or `{"error":…}`) may share a frame with the first ping or event.
            let obj = try? JSONSerialization.jsonObject(with: record) as? [String: Any]
            finishHandshake((obj?["error"] as? String).map { HubError.handshake($0) })
            return
        }
        guard let m = try? HubMessage.decode(record) else { return }
        switch m {
        case .invocation(_, let target, let args): emit(.message(target: target, arguments: args))
        case .completion(let id, let result, let error):
            guard let c = pending.removeValue(forKey: id) else { return }
            if let error { c.resume(throwing: HubError.invocation(target: id, error: error)) } else { c.resume(returning: result) }
        case .ping, .unsupported: break
        case .close(let error, let allow):
            // Not allowed to reconnect as it was: the next connection asks for a new token.
            if !allow { refusedToken = currentToken }
            socket?.close()
            connectionEnded(socket, "the server closed the hub" + (error.map { ": \($0)" } ?? "") + (allow ? "" : " (no reconnect allowed: reconnecting with a new token)"))
        }
    }

    private func connectionEnded(_ ws: WebSocketConnection?, _ why: String) {
        guard let ws, ws === socket else { return }
        if awaitingHandshake { finishHandshake(HubError.handshake(why)) }
        socket = nil
        ws.abort()
        failPending(HubError.notConnected)
        dropped = why
        emit(.disconnected(why))
    }

    /// Keep-alive, stale detection and reconnection.
    private func run() async {
        var attempt = 0
        while !stopped && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
            if stopped { return }
            if let ws = socket {
                attempt = 0
                if Date().timeIntervalSince(lastSent) >= timing.keepAlive {
                    try? ws.sendText(HubMessage.ping.encoded())
                    lastSent = Date()
                }
                if timing.staleAfter > 0 && Date().timeIntervalSince(max(lastReceived, readerClock.last)) >= timing.staleAfter {
                    connectionEnded(ws, "no message for \(timing.staleAfter) s")
                }
                continue
            }
            let delays = timing.reconnectDelays.isEmpty ? [1.0] : timing.reconnectDelays
            let delay = delays[min(attempt, delays.count - 1)]
            attempt += 1
            try? await Task.sleep(for: .seconds(delay))
            if stopped { return }
            do { try await connectOnce(reconnect: true) } catch {
                socket?.abort(); socket = nil
                emit(.disconnected("reconnect attempt \(attempt) failed: \(error)"))
            }
        }
    }
}

/// When a hub's socket reader last handed records over.
final class ReaderClock: Sendable {
    private let time = Mutex(Date.distantPast)
    func touch() { time.withLock { $0 = Date() } }
    var last: Date { time.withLock { $0 } }
}

/// Runs on a hub socket's reader thread: splits its text into records, hands server invocations
/// to the sink at once, and returns the rest (handshake answer, completions, pings, close) for
/// the hub's actor.
final class PushTap: @unchecked Sendable {
    // @unchecked: `buffer` is only touched by the one reader thread that calls `take`.
    private var buffer = Data()
    private let sink: @Sendable (HubEvent) -> Void
    private let clock: ReaderClock

    init(sink: @escaping @Sendable (HubEvent) -> Void, clock: ReaderClock) {
        self.sink = sink; self.clock = clock
    }

    func take(_ text: Data) -> Data? {
        buffer.append(text)
        var rest: Data?
        for record in SignalR.takeRecords(from: &buffer) {
            if case .invocation(_, let target, let args)? = try? HubMessage.decode(record) {
                sink(.message(target: target, arguments: args))
            } else {
                rest = (rest ?? Data()) + record + [SignalR.recordSeparator]
            }
        }
        clock.touch()
        return rest
    }
}
