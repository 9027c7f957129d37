import Foundation
import CLinuxSched
#if canImport(Glibc)
import Glibc
#endif

/// The lock of state the trading threads share with other threads (the broker, the runner's
/// queues and counters, a hub socket): a mutex with priority inheritance. A trading thread runs
/// real-time; if it waits for this lock while an ordinary thread (an HTTP request reading the
/// status, a sender answering) holds it, the holder runs at the trading thread's priority until
/// it lets go, instead of waiting behind every other ordinary thread on its CPU (priority
/// inversion, which an `NSLock` allows).
///
/// A thread that finds it held first tries again for a few microseconds before it sleeps: the
/// holders keep it for an append or a swap, and are most likely running on another CPU, while a
/// sleep and the wake-up after it cost a trading thread tens of microseconds on a virtual machine
/// (an idle CPU woken by an interrupt). Past that the holder may have lost its CPU, and the
/// thread sleeps with the holder boosted as above.
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

    /// Tries before sleeping: about 10 µs of `pause` between attempts on current x86 processors.
    static let spins = 128

    public func lock() {
        if pthread_mutex_trylock(mutex) == 0 { return }
        for _ in 0..<Self.spins {
            tsx_cpu_relax()
            if pthread_mutex_trylock(mutex) == 0 { return }
        }
        pthread_mutex_lock(mutex)
    }

    public func unlock() { pthread_mutex_unlock(mutex) }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
