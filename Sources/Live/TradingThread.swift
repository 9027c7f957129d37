import Foundation
import Synchronization
import CLinuxSched

/// Scheduling of the threads on the trading path (the runner's and the hub readers'): real-time
/// priority when the process may have it, and optionally a CPU of their own.
public enum TradingThread {
    /// Asks the kernel for round-robin real-time scheduling of the calling thread, so HTTP and
    /// other work on the machine cannot delay it by a time slice. Needs CAP_SYS_NICE (root, or
    /// `AmbientCapabilities=CAP_SYS_NICE` in the systemd unit); without it nothing changes.
    /// Returns whether it took effect.
    ///
    /// Threads it starts from then on are ordinary (`SCHED_RESET_ON_FORK`): a thread otherwise
    /// inherits its creator's policy, so the observation relay the runner's thread starts, or a
    /// pool thread created when the runner started a task, would be real-time too, and the
    /// runner, woken on that CPU, would wait for it to block instead of taking the CPU at once.
    @discardableResult
    public static func raisePriority(_ priority: Int32 = 10) -> Bool {
        var param = sched_param()
        param.sched_priority = priority
        #if os(Linux)
        let policy = Int32(SCHED_RR) | Int32(TSX_SCHED_RESET_ON_FORK)
        #else
        let policy = Int32(SCHED_RR)
        #endif
        return pthread_setschedparam(pthread_self(), policy, &param) == 0
    }

    /// The kernel's scheduling policy of thread `tid` of this process, without the
    /// reset-on-fork flag: `SCHED_OTHER`, `SCHED_RR`, … (nil when the kernel does not say).
    public static func policy(ofThread tid: Int32) -> Int32? {
        #if os(Linux)
        let p = sched_getscheduler(tid)
        return p < 0 ? nil : p & ~Int32(TSX_SCHED_RESET_ON_FORK)
        #else
        return nil
        #endif
    }

    /// Runs `body` as a trading thread (see `enter`), which it stops being when `body` returns.
    /// `named` names the thread for `ps`, `top` and `perf` (the kernel keeps 15 bytes; a thread
    /// otherwise keeps the name of the thread that started it).
    public static func run(named name: String? = nil, _ body: () -> Void) {
        if let name { nameCurrentThread(name) }
        enter()
        defer { leave() }
        body()
    }

    /// Names the calling thread for the kernel (`ps`, `top -H`, `perf`, /proc): its first 15
    /// bytes. Foundation's `Thread.name` does not always reach the kernel on Linux.
    public static func nameCurrentThread(_ name: String) {
        _ = tsx_set_thread_name(name)
    }

    /// Makes the calling thread a trading thread: real-time priority (see `raisePriority`), and
    /// while a CPU is reserved (now or later) it runs on that CPU only. Returns whether real-time
    /// priority took effect.
    @discardableResult
    public static func enter() -> Bool {
        #if os(Linux)
        let tid = tsx_gettid()
        state.withLock { s in
            s.trading.insert(tid)
            if let cpu = s.cpu { _ = tsx_set_affinity(tid, mask([cpu])) }
        }
        #endif
        return raisePriority()
    }

    /// The calling thread stops being a trading thread: back on the CPUs of the others. Its
    /// scheduling policy stays as it is.
    public static func leave() {
        #if os(Linux)
        let tid = tsx_gettid()
        state.withLock { s in
            s.trading.remove(tid)
            if s.cpu != nil { _ = tsx_set_affinity(tid, s.others) }
        }
        #endif
    }

    /// Reserves `cpu` for the trading threads: they run on it alone, and every other thread of
    /// the process runs on the other CPUs it may use, so a burst of HTTP requests, a JSON
    /// encoding or a store write never takes the trading path's core or its caches. Threads that
    /// other threads start later inherit "anywhere but `cpu`"; a sweep once a second over
    /// `/proc/self/task` moves those a trading thread started (pool threads can be), since they
    /// inherit its CPU. Other processes are not affected: keep them off the core with the
    /// kernel's `isolcpus` or systemd's `AllowedCPUs` if they compete. Reserving again moves the
    /// reservation. Linux only; needs two CPUs the process may use.
    public static func reserveCPU(_ cpu: Int) throws {
        #if os(Linux)
        try state.withLock { s in
            let original = s.cpu == nil ? try processMask() : s.original
            let allowed = cpus(original)
            try check(cpu, allowed: allowed)
            s.cpu = cpu
            reserving.store(true, ordering: .releasing)
            s.original = original
            s.others = mask(allowed.filter { $0 != cpu })
            let own = mask([cpu])
            for tid in s.trading { _ = tsx_set_affinity(tid, own) }
            sweep(s)
            if s.sweeper == nil {
                let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
                timer.schedule(deadline: .now() + 1, repeating: 1)
                timer.setEventHandler { state.withLock { sweep($0) } }
                timer.resume()
                s.sweeper = timer
            }
        }
        #else
        throw TradingCPUError.unsupported
        #endif
    }

    /// Ends the reservation: every thread of the process, trading or not, may again run on the
    /// CPUs the process had before.
    public static func releaseCPU() {
        #if os(Linux)
        state.withLock { s in
            guard s.cpu != nil else { return }
            s.sweeper?.cancel()
            s.sweeper = nil
            s.cpu = nil
            reserving.store(false, ordering: .releasing)
            for tid in taskIDs() { _ = tsx_set_affinity(tid, s.original) }
        }
        #endif
    }

    /// The reserved CPU, if any.
    public static var reservedCPU: Int? {
        #if os(Linux)
        state.withLock { $0.cpu }
        #else
        nil
        #endif
    }

    /// Whether a CPU is reserved now: read without a lock, by a trading thread polling for work
    /// on the reserved CPU (it polls only while this holds).
    public static var isReserving: Bool { reserving.load(ordering: .acquiring) }
    private static let reserving = Atomic<Bool>(false)

    /// Gives the CPU to another trading thread that can run (a hub reader woken by its socket),
    /// if any; returns at once otherwise. A polling trading thread calls it between its checks.
    public static func yieldCPU() { sched_yield() }

    /// Throws what `reserveCPU(cpu)` would throw, reserving nothing (to check a command line
    /// before anything starts).
    public static func checkCPU(_ cpu: Int) throws {
        #if os(Linux)
        try state.withLock { s in try check(cpu, allowed: cpus(s.cpu == nil ? try processMask() : s.original)) }
        #else
        throw TradingCPUError.unsupported
        #endif
    }

    /// The kernel's id of the calling thread (what `/proc/self/task` lists); -1 but on Linux.
    public static var currentThreadID: Int32 { tsx_gettid() }

    /// The CPUs thread `tid` of this process may run on (nil when the kernel does not say).
    public static func affinity(ofThread tid: Int32) -> [Int]? {
        var words = [UInt64](repeating: 0, count: Int(TSX_CPU_WORDS))
        guard tsx_get_affinity(tid, &words) == 0 else { return nil }
        return cpus(words)
    }

    #if os(Linux)
    private struct State {
        /// Kernel ids of the threads inside `run` or between `enter` and `leave`.
        var trading: Set<Int32> = []
        var cpu: Int?
        /// The process's mask before the reservation, and the mask of every non-trading thread
        /// during it.
        var original: [UInt64] = []
        var others: [UInt64] = []
        var sweeper: (any DispatchSourceTimer)?
    }

    private static let state = Mutex(State())

    private static func processMask() throws -> [UInt64] {
        var words = [UInt64](repeating: 0, count: Int(TSX_CPU_WORDS))
        let rc = tsx_get_affinity(getpid(), &words)
        guard rc == 0 else { throw TradingCPUError.kernel("sched_getaffinity: " + String(cString: strerror(rc))) }
        return words
    }

    private static func check(_ cpu: Int, allowed: [Int]) throws {
        guard allowed.contains(cpu) else { throw TradingCPUError.noSuchCPU(cpu, allowed: allowed) }
        guard allowed.count >= 2 else { throw TradingCPUError.tooFewCPUs(allowed: allowed) }
    }

    /// Every thread of the process but the trading ones onto the other CPUs.
    private static func sweep(_ s: State) {
        guard s.cpu != nil else { return }
        for tid in taskIDs() where !s.trading.contains(tid) { _ = tsx_set_affinity(tid, s.others) }
    }

    private static func taskIDs() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []).compactMap { Int32($0) }
    }
    #endif

    private static func mask(_ cpus: [Int]) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: Int(TSX_CPU_WORDS))
        for c in cpus where c >= 0 && c < words.count * 64 { words[c / 64] |= 1 << UInt64(c % 64) }
        return words
    }

    private static func cpus(_ words: [UInt64]) -> [Int] {
        (0..<words.count * 64).filter { words[$0 / 64] & (1 << UInt64($0 % 64)) != 0 }
    }
}

/// Why a CPU cannot be reserved for the trading threads.
public enum TradingCPUError: Error, Equatable, CustomStringConvertible {
    /// CPU affinity is set with Linux's `sched_setaffinity`.
    case unsupported
    /// Not a CPU the process may run on (absent, offline, or outside its `taskset`/`AllowedCPUs`).
    case noSuchCPU(Int, allowed: [Int])
    /// Reserving the process's only CPU would leave nothing for the other threads.
    case tooFewCPUs(allowed: [Int])
    case kernel(String)

    public var description: String {
        switch self {
        case .unsupported: "reserving a CPU for the trading threads needs Linux"
        case .noSuchCPU(let cpu, let allowed): "CPU \(cpu) is not one this process may run on (\(Self.list(allowed)))"
        case .tooFewCPUs(let allowed): "reserving a CPU for the trading threads needs at least 2 CPUs, and this process may run on \(Self.list(allowed)) only"
        case .kernel(let why): why
        }
    }

    /// "CPU 0", "CPUs 0-3,6".
    public static func list(_ cpus: [Int]) -> String {
        var runs: [String] = []
        var i = 0
        while i < cpus.count {
            var j = i
            while j + 1 < cpus.count && cpus[j + 1] == cpus[j] + 1 { j += 1 }
            runs.append(i == j ? "\(cpus[i])" : "\(cpus[i])-\(cpus[j])")
            i = j + 1
        }
        return (cpus.count == 1 ? "CPU " : "CPUs ") + runs.joined(separator: ",")
    }
}
