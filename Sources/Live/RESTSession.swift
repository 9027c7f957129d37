import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The process's one `URLSession` for REST calls (the gateway client and webhooks).
///
/// On Linux, FoundationNetworking wraps libcurl's sockets and timers in dispatch sources, and
/// tearing a session down races their cancellation: a crash in libdispatch's event loop
/// (`_dispatch_event_loop_drain`, swift-corelibs-foundation #4791 and its family). A clean run of
/// the test suite, which makes hundreds of clients, crashed there once. A session that lives as
/// long as the process is never torn down, so each client shares this one and sets its timeout
/// on the request instead of on a configuration of its own.
public enum RESTSession {
    public static let shared: URLSession = {
        let config = URLSessionConfiguration.ephemeral
        config.httpMaximumConnectionsPerHost = 8
        return URLSession(configuration: config)
    }()
}
