#if os(Linux)
import Foundation
import Testing
import Live
import TSXLabTesting

/// `--trading-cpu`: the trading threads on the reserved CPU alone, every other thread of the
/// process off it. Serialized: the reservation is the process's.
@Suite("a CPU reserved for the trading threads", .serialized)
struct TradingCPUTests {
    /// The CPUs the test process may run on.
    static let cpus = TradingThread.affinity(ofThread: TradingThread.currentThreadID) ?? []

    @Test("trading threads, started before or after the reservation, run on the reserved CPU alone; every other thread, older or newer, anywhere but there; a thread a trading thread starts is moved off by the sweep; the release gives every thread all the CPUs back",
          .enabled(if: cpus.count > 1 || TestEnvironment.isCI))
    func reserve() throws {
        let k = try #require(Self.cpus.last)
        let tradingBefore = Probe(trading: true), otherBefore = Probe(trading: false)
        try TradingThread.reserveCPU(k)
        // Whatever fails below, the rest of the process gets its CPUs back (a no-op once released).
        defer { TradingThread.releaseCPU() }
        let tradingAfter = Probe(trading: true, withChild: true), otherAfter = Probe(trading: false)
        let probes = [tradingBefore, otherBefore, tradingAfter, otherAfter]
        defer { probes.forEach { $0.finish() } }
        #expect(TradingThread.reservedCPU == k)
        #expect(tradingBefore.cpus == [k] && tradingAfter.cpus == [k])
        for p in [otherBefore, otherAfter] { #expect(p.cpus == Self.cpus.filter { $0 != k }) }
        #expect(TradingThread.affinity(ofThread: TradingThread.currentThreadID) == Self.cpus.filter { $0 != k })

        // A thread started by a trading thread inherits its CPU until the next sweep (once a second).
        let child = try #require(tradingAfter.child)
        let deadline = Date().addingTimeInterval(10)
        while child.cpus.contains(k) && Date() < deadline { usleep(50_000) }
        #expect(child.cpus == Self.cpus.filter { $0 != k })

        TradingThread.releaseCPU()
        #expect(TradingThread.reservedCPU == nil)
        for p in probes + [child] { #expect(p.cpus == Self.cpus) }
    }

    @Test("a trading thread runs real-time, and the threads it starts (the observation relay, pool threads) are ordinary: they never hold its CPU at its priority",
          .enabled(if: Self.realtimeAllowed || TestEnvironment.isCI))
    func startedThreadsAreOrdinary() throws {
        let trading = Probe(trading: true, withChild: true)
        defer { trading.finish() }
        let child = try #require(trading.child)
        #expect(trading.policy == SCHED_RR)
        #expect(child.policy == SCHED_OTHER)
        // A relay started from a trading thread, as the runner's thread starts it.
        let relayPolicy = Probe.onTradingThread { () -> Int32? in
            let seen = DispatchSemaphore(value: 0)
            let policy = Cell<Int32>()
            let relay = ObservationRelay { _ in
                policy.set(TradingThread.policy(ofThread: TradingThread.currentThreadID))
                seen.signal()
            }
            relay.enqueue(.note("x"))
            seen.wait()
            return policy.get()
        }
        #expect(relayPolicy == SCHED_OTHER)
    }

    /// An actor on a trading executor of its own that notes its thread's kernel id.
    actor OnExecutor {
        nonisolated let executor = ThreadExecutor(name: "test.polling")
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
        func tid() -> Int32 { TradingThread.currentThreadID }
    }

    /// Times thread `tid` has slept (given up its CPU to wait) so far, from the kernel.
    /// (A thread whose count cannot be read fails the test rather than counting as never asleep.)
    static func sleeps(_ tid: Int32) throws -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/task/\(tid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches:") }
        return try #require(line.flatMap { Int($0.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "") },
                            "no voluntary_ctxt_switches for thread \(tid)")
    }

    @Test("a trading executor sleeps between jobs, but while a CPU is reserved its thread waits for them on that CPU without sleeping, and a real-time executor never polls",
          .enabled(if: cpus.count > 1 || TestEnvironment.isCI))
    func executorPollsOnReservedCPU() async throws {
        let actor = OnExecutor()
        let tid = await actor.tid()
        /// Sleeps of the executor's thread over `calls` jobs a millisecond apart.
        func sleepsOver(_ calls: Int) async throws -> Int {
            let before = try Self.sleeps(tid)
            for _ in 0..<calls {
                try await Task.sleep(for: .milliseconds(1))
                _ = await actor.tid()
            }
            return try Self.sleeps(tid) - before
        }
        #expect(try await sleepsOver(100) >= 90, "unreserved: asleep between jobs")
        let k = try #require(Self.cpus.last)
        try TradingThread.reserveCPU(k)
        defer { TradingThread.releaseCPU() }
        _ = await actor.tid()   // wakes it: from now on it polls
        let reserved = try await sleepsOver(100)
        #expect(reserved <= 10, "reserved: \(reserved) sleeps over 100 jobs")
        #expect(TradingThread.affinity(ofThread: tid) == [k])
        // A real-time executor (the senders') is not a trading thread: it sleeps, off the CPU.
        let sender = ThreadExecutor(name: "test.sender", role: .realTime)
        let senderTid = await Task(executorPreference: sender) { TradingThread.currentThreadID }.value
        #expect(TradingThread.affinity(ofThread: senderTid) == Self.cpus.filter { $0 != k })
        let before = try Self.sleeps(senderTid)
        for _ in 0..<50 {
            try await Task.sleep(for: .milliseconds(1))
            _ = await Task(executorPreference: sender) { 0 }.value
        }
        #expect(try Self.sleeps(senderTid) - before >= 45)
        TradingThread.releaseCPU()
        #expect(try await sleepsOver(100) >= 90, "released: asleep again")
    }

    /// Whether this process may make a thread real-time (CAP_SYS_NICE); CI's machines may.
    static let realtimeAllowed: Bool = Probe.onTradingThread { TradingThread.policy(ofThread: TradingThread.currentThreadID) == SCHED_RR }

    @Test("a CPU the process may not run on is refused, saying which it may; nothing is reserved")
    func badCPU() {
        for cpu in [-1, (Self.cpus.max() ?? 0) + 1, 4096] {
            #expect(throws: TradingCPUError.noSuchCPU(cpu, allowed: Self.cpus)) { try TradingThread.reserveCPU(cpu) }
            #expect(throws: TradingCPUError.noSuchCPU(cpu, allowed: Self.cpus)) { try TradingThread.checkCPU(cpu) }
        }
        #expect(TradingThread.reservedCPU == nil)
        #expect("\(TradingCPUError.noSuchCPU(7, allowed: [0, 1, 2, 5]))" == "CPU 7 is not one this process may run on (CPUs 0-2,5)")
        if Self.cpus.count == 1 {
            #expect(throws: TradingCPUError.tooFewCPUs(allowed: Self.cpus)) { try TradingThread.reserveCPU(Self.cpus[0]) }
        }
    }
}

/// A value one thread sets and another reads.
private final class Cell<T: Sendable>: @unchecked Sendable {
    // @unchecked: `value` only under `lock`.
    private let lock = NSLock()
    private var value: T?
    func set(_ v: T?) { lock.withLock { value = v } }
    func get() -> T? { lock.withLock { value } }
}

/// A thread that waits until `finish`, whose CPUs the kernel can be asked.
private final class Probe: @unchecked Sendable {
    // @unchecked: `tid` and `child` are written before `started` is signalled and only read after.
    private let started = DispatchSemaphore(value: 0), end = DispatchSemaphore(value: 0)
    private var tid: Int32 = 0
    private(set) var child: Probe?

    /// `withChild`: the thread first starts a plain thread of its own (`child`).
    init(trading: Bool, withChild: Bool = false) {
        let thread = Thread { [self] in
            tid = TradingThread.currentThreadID
            let park = { [self] in
                if withChild { child = Probe(trading: false) }
                started.signal()
                end.wait()
            }
            if trading { TradingThread.run(park) } else { park() }
        }
        thread.start()
        started.wait()
    }

    var cpus: [Int] { TradingThread.affinity(ofThread: tid) ?? [] }
    var policy: Int32? { TradingThread.policy(ofThread: tid) }

    /// Runs `body` on a new trading thread and waits for it.
    static func onTradingThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Cell<T>()
        let thread = Thread { TradingThread.run { result.set(body()) }; done.signal() }
        thread.start()
        done.wait()
        return result.get()!
    }

    func finish() {
        child?.finish()
        end.signal()
    }
}
#endif
