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

    func finish() {
        child?.finish()
        end.signal()
    }
}
#endif
