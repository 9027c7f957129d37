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

    /// `URLSession.data(for:)` on the shared session, cancelled with the calling task, without
    /// the deadlock of FoundationNetworking's own: its cancellation handler cancels the request
    /// synchronously on the session's queue while the task's status is locked, and that queue,
    /// completing the same request, waits for that lock to resume the caller (seen in a clean
    /// run: `LiveRunner.stop` cancelling a task mid-request froze every REST call in the process).
    /// Here the request is cancelled from another thread.
    public static func data(for request: URLRequest) async throws -> (Data, URLResponse) {
        let pending = PendingRequest()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<(Data, URLResponse), any Error>) in
                let task = shared.dataTask(with: request) { data, response, error in
                    if let error { done.resume(throwing: error) }
                    else if let data, let response { done.resume(returning: (data, response)) }
                    else { done.resume(throwing: URLError(.badServerResponse)) }
                }
                pending.start(task)
            }
        } onCancel: {
            DispatchQueue.global().async { pending.cancel() }
        }
    }
}

/// A request that may be cancelled before or after it starts.
private final class PendingRequest: @unchecked Sendable {
    // @unchecked: both fields are only touched under `lock`.
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func start(_ t: URLSessionDataTask) {
        let cancelNow = lock.withLock { task = t; return cancelled }
        t.resume()
        if cancelNow { DispatchQueue.global().async { t.cancel() } }
    }

    func cancel() {
        let t = lock.withLock { cancelled = true; return task }
        t?.cancel()
    }
}
