import Foundation
import CCurl
import ProjectX

/// Why a WebSocket connection failed or ended.
public enum WebSocketError: Error, Hashable, CustomStringConvertible {
    case badURL(String)
    case connect(String)
    case upgrade(String)
    case io(String)
    case closed(code: UInt16, reason: String)
    case timedOut(String)

    public var description: String {
        switch self {
        case .badURL(let u): "not a ws:// or wss:// URL: \(u)"
        case .connect(let why): "cannot connect: \(why)"
        case .upgrade(let why): "WebSocket upgrade failed: \(why)"
        case .io(let why): "WebSocket I/O failed: \(why)"
        case .closed(let code, let reason): "WebSocket closed (\(code)\(reason.isEmpty ? "" : ": \(reason)"))"
        case .timedOut(let what): "timed out \(what)"
        }
    }
}

private let curlGlobalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

/// One WebSocket over libcurl: curl resolves, connects and does TLS for `wss://`
/// (`CURLOPT_CONNECT_ONLY`), and the RFC 6455 handshake and frames are ours (`WebSocket` in
/// ProjectX). Debian's libcurl is built without its own WebSocket support, and Foundation's
/// WebSocket task needs it.
///
/// A dedicated thread reads (poll, then `curl_easy_recv` until it would block — TLS may hold
/// decrypted bytes the socket no longer signals) and hands messages to `messages`; pings are
/// answered on that thread. Sends come from any task; one lock serialises every use of the curl
/// handle, which is not safe to share.
public final class WebSocketConnection: @unchecked Sendable {
    // @unchecked: `handle` (a C pointer) and `readBuffer` are used only under `lock`; the other
    // fields are set once in init or are themselves thread-safe.
    private let lock = NSLock()
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var handle: UnsafeMutableRawPointer?
    private let socket: curl_socket_t
    public let messages: AsyncThrowingStream<WebSocket.Message, any Error>
    private let continuation: AsyncThrowingStream<WebSocket.Message, any Error>.Continuation
    private var closed = false
    private var decoder: WebSocket.Decoder
    /// Sees each text message on the reader thread before `messages` does (see `init`).
    private let textTap: (@Sendable (Data) -> Data?)?

    /// Connects and upgrades; blocks the calling thread up to `timeout` seconds (call it from a
    /// detached task or thread). `textTap`, if given, sees each text message on the reader thread
    /// first: what it returns goes on to `messages` (nil: nothing).
    public init(url: String, timeout: Double = 10, maxMessageBytes: Int = 4 << 20, textTap: (@Sendable (Data) -> Data?)? = nil) throws {
        self.textTap = textTap
        _ = curlGlobalInit
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "ws" || scheme == "wss",
              let host = u.host else { throw WebSocketError.badURL(url) }
        let httpURL = (scheme == "wss" ? "https" : "http") + url.dropFirst(scheme.count)
        guard let h = curl_easy_init() else { throw WebSocketError.connect("curl_easy_init failed") }
        _ = tsx_curl_setopt_string(h, CURLOPT_URL, httpURL)
        _ = tsx_curl_setopt_long(h, CURLOPT_CONNECT_ONLY, 1)
        _ = tsx_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, Int(timeout * 1000))
        _ = tsx_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        let rc = curl_easy_perform(h)
        guard rc == CURLE_OK else {
            let why = String(cString: curl_easy_strerror(rc))
            curl_easy_cleanup(h)
            throw WebSocketError.connect("\(why) (\(u.host ?? "")\(u.port.map { ":\($0)" } ?? ""))")
        }
        var s: curl_socket_t = -1
        _ = tsx_curl_getinfo_socket(h, &s)
        handle = h
        socket = s
        decoder = WebSocket.Decoder(maxMessageBytes: maxMessageBytes, fromServer: true)
        (messages, continuation) = AsyncThrowingStream.makeStream()

        var key = [UInt8](repeating: 0, count: 16)
        for i in key.indices { key[i] = UInt8.random(in: 0...255) }
        let keyText = Data(key).base64EncodedString()
        let port = u.port.map { ":\($0)" } ?? ""
        var path = u.path.isEmpty ? "/" : u.path
        if let q = u.query { path += "?" + q }
        do {
            try sendAll(WebSocket.upgradeRequest(host: host + port, path: path, key: keyText), deadline: Date().addingTimeInterval(timeout))
            let (head, rest) = try readHead(deadline: Date().addingTimeInterval(timeout))
            try WebSocket.validateUpgradeResponse(head, key: keyText)
            decoder.append(rest)
        } catch let e as WebSocket.ProtocolError {
            shutdown(); throw WebSocketError.upgrade(e.description)
        } catch {
            shutdown(); throw error
        }
        let reader = Thread { [self] in
            // For top -H and the log. On Linux a new thread starts with its creator's name (here a
            // pool thread's, as the connection is made in a task), and Foundation's `name` setter
            // below reaches the system thread only if `start()` has recorded it first, which the
            // new thread can outrun (seen in a loaded run). So the reader names itself before its
            // first read; nothing it hands on can carry the creator's name.
            tsx_name_this_thread("tsxlab.hub")
            readLoop()
        }
        reader.name = "tsxlab.hub"
        reader.start()
    }

    deinit { shutdown() }

    /// Sends one message (masked, as a client must).
    public func send(_ message: WebSocket.Message) throws {
        try sendAll(WebSocket.encode(message, mask: UInt32.random(in: 0...UInt32.max)), deadline: Date().addingTimeInterval(10))
    }

    public func sendText(_ data: Data) throws { try send(.text(data)) }

    /// Sends a close frame (best effort) and releases the connection; `messages` finishes.
    public func close(code: UInt16 = 1000) {
        try? send(.close(code, ""))
        shutdown()
    }

    /// Drops the TCP connection without a close frame (tests simulate a dead network with it).
    public func abort() { shutdown() }

    public var isClosed: Bool { lock.withLock { closed } }

    private func shutdown() {
        lock.lock()
        let h = handle
        handle = nil
        let wasClosed = closed
        closed = true
        lock.unlock()
        if let h { curl_easy_cleanup(h) }
        if !wasClosed { continuation.finish() }
    }

    private func sendAll(_ data: Data, deadline: Date) throws {
        var offset = 0
        while offset < data.count {
            var sent = 0
            let rc: CURLcode = try lock.withLock {
                guard let h = handle else { throw WebSocketError.io("connection closed") }
                return data.withUnsafeBytes { p in curl_easy_send(h, p.baseAddress! + offset, data.count - offset, &sent) }
            }
            if rc == CURLE_AGAIN {
                if Date() > deadline { throw WebSocketError.timedOut("sending") }
                _ = waitSocket(events: Int16(POLLOUT), ms: 50)
                continue
            }
            guard rc == CURLE_OK else { throw WebSocketError.io(String(cString: curl_easy_strerror(rc))) }
            offset += sent
        }
    }

    /// Reads what is available without blocking: nil when it would block, empty at EOF.
    private func recvSome() throws -> Data? {
        var got = 0
        // One read buffer for the connection's life, used only under `lock` (no 64 KiB
        // allocation and zeroing per read on the market-data path).
        let (rc, data): (CURLcode, Data?) = try lock.withLock {
            guard let h = handle else { throw WebSocketError.io("connection closed") }
            let rc = readBuffer.withUnsafeMutableBytes { p in curl_easy_recv(h, p.baseAddress, p.count, &got) }
            return (rc, rc == CURLE_OK ? Data(readBuffer[0..<got]) : nil)
        }
        if rc == CURLE_AGAIN { return nil }
        guard rc == CURLE_OK, let data else { throw WebSocketError.io(String(cString: curl_easy_strerror(rc))) }
        return data
    }

    private func waitSocket(events: Int16, ms: Int32) -> Bool {
        var p = pollfd(fd: socket, events: events, revents: 0)
        return poll(&p, 1, ms) > 0
    }

    private func readHead(deadline: Date) throws -> (String, Data) {
        var acc = Data()
        let end = Data("\r\n\r\n".utf8)
        while true {
            if let r = acc.range(of: end) {
                return (String(decoding: acc[..<r.lowerBound], as: UTF8.self), Data(acc[r.upperBound...]))
            }
            if acc.count > 64 * 1024 { throw WebSocketError.upgrade("response head too long") }
            if let d = try recvSome() {
                if d.isEmpty { throw WebSocketError.upgrade("server closed the connection during the upgrade") }
                acc.append(d)
            } else {
                if Date() > deadline { throw WebSocketError.timedOut("waiting for the upgrade response") }
                _ = waitSocket(events: Int16(POLLIN), ms: 50)
            }
        }
    }

    private func readLoop() {
        do {
            while !isClosed {
                // Deliver whatever is already decoded before reading more.
                while let m = try decoder.next() {
                    switch m {
                    case .ping(let payload): try send(.pong(payload))
                    case .close(let code, let reason):
                        try? send(.close(code == 1005 ? 1000 : code, ""))
                        continuation.finish(throwing: WebSocketError.closed(code: code, reason: reason))
                        shutdown()
                        return
                    case .text(let d):
                        if let tap = textTap {
                            if let rest = tap(d) { continuation.yield(.text(rest)) }
                        } else {
                            continuation.yield(m)
                        }
                    default: continuation.yield(m)
                    }
                }
                if let d = try recvSome() {
                    if d.isEmpty { throw WebSocketError.io("the server closed the connection") }
                    decoder.append(d)
                } else {
                    _ = waitSocket(events: Int16(POLLIN), ms: 200)
                }
            }
        } catch let e as WebSocket.ProtocolError {
            continuation.finish(throwing: WebSocketError.io(e.description))
            try? send(.close(1002, ""))
        } catch {
            if !isClosed { continuation.finish(throwing: error) }
        }
        shutdown()
    }
}
