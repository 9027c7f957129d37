import Foundation
import Synchronization
import FlyingFox

/// Why a server did not come up.
public enum ListeningError: Error, CustomStringConvertible {
    case timedOut(seconds: Double)

    public var description: String {
        switch self {
        case .timedOut(let s): "the HTTP server was not listening after \(Int(s)) s; the process may be starved of CPU, try again"
        }
    }
}

extension HTTPServer {
    /// Runs the server in a task of its own and returns its port once it listens (nil when its
    /// address is not IPv4). A failure to
    /// bind (the port taken, an address not on this host) is thrown at once with its own words,
    /// where FlyingFox's `waitUntilListening` would wait out its timeout. The timeout only guards
    /// against a hang: a process whose shared thread pool is busy may take minutes to get the
    /// server's task going, and that is no reason to fail (the test suite, hundreds of tests on
    /// two cores beside a build, once kept a status server's task waiting over 120 s).
    public func listen(timeout: Double = 900) async throws -> UInt16? {
        let failure = Mutex<(any Error)?>(nil)
        Task {
            do { try await self.run() } catch { failure.withLock { $0 = error } }
        }
        let deadline = ContinuousClock.now + .seconds(timeout)
        while !isListening {
            if let error = failure.withLock({ $0 }) { throw error }
            guard ContinuousClock.now < deadline else { throw ListeningError.timedOut(seconds: timeout) }
            try await Task.sleep(for: .milliseconds(5))
        }
        guard case .ip4(_, let port) = listeningAddress else { return nil }
        return port
    }
}
