import Foundation
import ProjectX
#if canImport(Glibc)
import Glibc
#endif

/// The far end of a market hub for the live bench: a listening socket on 127.0.0.1 that accepts
/// one WebSocket client, answers its upgrade and SignalR handshake, and then writes the frames it
/// is given, as the gateway's hub would. Plain blocking socket calls on the caller's thread, so
/// the bench controls which thread (and CPU) the "network" side runs on.
final class HubFeed: @unchecked Sendable {
    // @unchecked: `connection` is set once by `accept()` before any `send`, from one thread.
    private let listener: Int32
    private var connection: Int32 = -1
    let port: UInt16

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw BenchError("hub feed: socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(listener, p, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, p, &length) == 0
            }
        }
        guard bound else { close(listener); throw BenchError("hub feed: bind/listen on 127.0.0.1: \(String(cString: strerror(errno)))") }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        if connection >= 0 { close(connection) }
        close(listener)
    }

    /// Waits for the client, upgrades its connection and answers its SignalR handshake.
    func accept() throws {
        let c = Glibc.accept(listener, nil, nil)
        guard c >= 0 else { throw BenchError("hub feed: accept: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        _ = setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        connection = c
        var head = Data()
        while head.range(of: Data("\r\n\r\n".utf8)) == nil { head += try receive() }
        let text = String(decoding: head, as: UTF8.self)
        guard let line = text.components(separatedBy: "\r\n").first(where: { $0.lowercased().hasPrefix("sec-websocket-key:") }) else {
            throw BenchError("hub feed: the client's upgrade has no Sec-WebSocket-Key")
        }
        let key = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
        try send(Data(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       + "Sec-WebSocket-Accept: \(WebSocket.acceptValue(forKey: key))\r\n\r\n").utf8))
        var decoder = WebSocket.Decoder(fromServer: false)
        var handshake = Data()
        while !handshake.contains(SignalR.recordSeparator) {
            if case .text(let d)? = try decoder.next() { handshake += d } else { decoder.append(try receive()) }
        }
        try send(WebSocket.encode(.text(Data("{}".utf8) + [SignalR.recordSeparator]), mask: nil))
    }

    /// Writes `bytes` whole.
    func send(_ bytes: Data) throws {
        try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(connection, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw BenchError("hub feed: send: \(String(cString: strerror(errno)))") }
                offset += n
            }
        }
    }

    private func receive() throws -> Data {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(connection, &buffer, buffer.count, 0)
        guard n > 0 else { throw BenchError("hub feed: the client closed the connection") }
        return Data(buffer[0..<n])
    }
}
