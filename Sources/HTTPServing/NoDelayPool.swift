import Foundation
import FlyingFox
import FlyingSocks

/// A FlyingFox socket pool with Nagle's algorithm off on every socket it waits on. FlyingFox
/// writes a response's head and body separately; with Nagle on, the body waits for the client's
/// delayed ACK (40 ms on Linux) and every small answer takes 40 ms.
public struct NoDelayPool: AsyncSocketPool {
    let inner: any AsyncSocketPool
    public init(_ inner: any AsyncSocketPool = HTTPServer.defaultPool()) { self.inner = inner }
    public func prepare() async throws { try await inner.prepare() }
    public func run() async throws { try await inner.run() }
    public func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        var on: Int32 = 1
        _ = setsockopt(socket.file.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        try await inner.suspendSocket(socket, untilReadyFor: events)
    }
}
