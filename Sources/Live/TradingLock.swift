import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The lock of state the trading threads share with other threads (the broker, the runner's
/// queues and counters, a hub socket): a mutex with priority inheritance. A trading thread runs
/// real-time; if it waits for this lock while an ordinary thread (an HTTP request reading the
/// status, a sender answering) holds it, the holder runs at the trading thread's priority until
/// it lets go, instead of waiting behind every other ordinary thread on its CPU (priority
/// inversion, which an `NSLock` allows).
public final class TradingLock: @unchecked Sendable {
    // @unchecked: the pthread mutex is the synchronisation.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        #if os(Linux)
        pthread_mutexattr_setprotocol(&attributes, Int32(PTHREAD_PRIO_INHERIT))
        #endif
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
