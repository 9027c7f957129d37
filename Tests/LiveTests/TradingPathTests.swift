import Foundation
import Testing
import Synchronization
import Data
import Trading
import ProjectX
import TSXLabTesting
@testable import Live

/// The trading path (market data in, strategy, risk, order request out) runs on the runner's own
/// thread and never waits for a thread of the shared pool, which HTTP requests, JSON encoding and
/// the hubs' housekeeping keep busy.
@Suite("the trading path without the shared pool", .serialized)
struct TradingPathTests {
    /// Asks for a far-away limit order on every bar, noting the thread it is called on.
    final class OrderEveryBar: Strategy {
        let name = "every-bar"
        let symbols = ["ES"]
        let threads = Mutex<Set<String>>([])
        func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
            threads.withLock { _ = $0.insert(Thread.current.name ?? "") }
            _ = broker.place(OrderRequest(symbol: symbol, side: .buy, quantity: 1, kind: .limit(Price(ticks: bar.close.ticks - 400))))
        }
    }

    static let contract = "CON.F.US.EP.Z13"
    static let base: Int64 = 1_381_147_200   // 2013-10-07T12:00:00Z

    /// A market-hub trade print `i` minutes after `base`: each finishes the previous minute's bar.
    static func record(_ i: Int) throws -> Data {
        let print = PXTradePrint(symbolId: "F.US.EP", price: Decimal(1680) + Decimal(i % 8) / 4,
                                 timestamp: PXTime.format(Timestamp(seconds: base + Int64(i) * 60)), type: 0, volume: 1)
        return HubMessage.invocation(id: nil, target: "GatewayTrade", arguments: [.string(contract), try JSONValue(encoding: [print])]).encoded().dropLast()
    }

    /// `scripts/test.sh` runs this test in a process of its own: while it holds the shared pool,
    /// every other test's async work in the same process waits.
    @Test("market data ingested while every thread of the shared pool is blocked still reaches the strategy and becomes an order request")
    func withThePoolBlocked() async throws {
        let spec = try ContractRegistry.builtIn.spec(for: "ES")
        let broker = LiveBroker(accountID: 1, instruments: [Instrument(spec: spec)], contracts: ["ES": Self.contract], rules: .unlimited(),
                                startingBalance: Money(cents: 50_000_00), tagPrefix: "path", now: Timestamp(seconds: Self.base))
        var settings = LiveRunnerSettings(accountID: 1, symbol: "ES", contractID: Self.contract)
        settings.dryRun = true
        let unused = HubClient(url: "ws://127.0.0.1:9/hubs/none") { _ in "" }
        let requested = DispatchSemaphore(value: 0)
        let placed = Mutex<[OrderID]>([])
        let strategy = OrderEveryBar()
        let runner = LiveRunner(client: ProjectXClient(baseURL: "http://127.0.0.1:9", credentials: APICredentials(userName: "t", apiKey: Secret("t"))),
                                broker: broker, strategies: [strategy], settings: settings, userHub: unused, marketHub: unused,
                                onCommand: { cmd in
            if case .place(let local, _) = cmd { placed.withLock { $0.append(local) } }
            requested.signal()
        })
        await runner.startOffline()
        let records = try (0...3).map(Self.record)
        runner.ingest(market: records[0])   // opens the first bar

        // A thread of its own blocks every thread of each priority's pool, feeds three prints
        // (each finishing a bar) and waits for their order requests; this task waits without
        // holding a pool thread.
        let (blocked, requests, answered) = await withCheckedContinuation { (done: CheckedContinuation<(Bool, Int, Bool), Never>) in
            Thread {
                let gate = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
                let perPool = ProcessInfo.processInfo.activeProcessorCount
                let priorities: [TaskPriority] = [.high, .medium, .low, .background]
                for p in priorities {
                    for _ in 0..<perPool { Task.detached(priority: p) { started.signal(); gate.wait() } }
                }
                var blocked = true
                for _ in 0..<(priorities.count * perPool) where started.wait(timeout: .now() + 60) == .timedOut { blocked = false }
                var requests = 0, answered = false
                if blocked {
                    for r in records.dropFirst() {
                        runner.ingest(market: r)
                        if requested.wait(timeout: .now() + 10) == .success { requests += 1 }
                    }
                    // The senders run on threads of their own: the dry run's answers ("not sent")
                    // come back and settle the orders while the pool is still blocked.
                    let deadline = Date().addingTimeInterval(60)
                    while !answered && Date() < deadline {
                        let ids = placed.withLock { $0 }
                        answered = ids.count == 3 && ids.allSatisfy { broker.order($0)?.status == .rejected }
                        if !answered { usleep(1_000) }
                    }
                }
                for _ in 0..<(priorities.count * perPool) { gate.signal() }
                done.resume(returning: (blocked, requests, answered))
            }.start()
        }
        #expect(blocked, "every pool thread was taken by a blocked task")
        #expect(requests == 3, "each finished bar became an order request while the pool was blocked")
        #expect(answered, "the senders answered each order while the pool was blocked")
        #expect(await runner.stats.barsProcessed == 3)
        #expect(strategy.threads.withLock { $0 } == ["tsxlab.runner"])
        await runner.stop()
    }
}

/// The pieces the trading path's threads share: the runner's executor and the lock of the state
/// other threads read.
@Suite("the runner's executor and the trading lock")
struct TradingPrimitivesTests {
    /// Counts its calls and notes any call that began while another was still running.
    actor Counter {
        nonisolated let executor = ThreadExecutor(name: "test.executor")
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
        var calls = 0, overlapped = 0, inside = false, sink = 0
        var threads: Set<String> = []
        func hit() {
            if inside { overlapped += 1 }
            inside = true
            threads.insert(Thread.current.name ?? "")
            // A little work while "inside", so an overlapping call would be seen.
            var x = 0
            for i in 0..<200 { x &+= i &* calls }
            sink = x
            calls += 1
            inside = false
        }
    }

    @Test("calls from many tasks at once all run, one at a time, on the executor's own thread")
    func executorRunsEveryJobSerially() async {
        // Small enough not to crowd the shared pool that the suite's other tests run on.
        let counter = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { for _ in 0..<100 { await counter.hit() } } }
        }
        #expect(await counter.calls == 8 * 100)
        #expect(await counter.overlapped == 0)
        #expect(await counter.threads == ["test.executor"])
    }

    @Test("the senders' queue hands commands over in order, in batches; a waiting sender is resumed by the next command; once finished it gives what is left, then nil, and takes nothing more")
    func commandQueue() async {
        @Sendable func place(_ i: Int64) -> GatewayCommand {
            .place(local: OrderID(i), PXPlaceOrderRequest(accountId: 1, contractId: "C", type: .limit, side: .bid, size: 1, limitPrice: 1, customTag: "t\(i)"))
        }
        func ids(_ batch: [GatewayCommand]?) -> [Int64]? {
            batch?.map { if case .place(let local, _) = $0 { local.raw } else { -1 } }
        }
        let queue = CommandQueue()
        for i: Int64 in 1...3 { queue.yield(place(i)) }
        #expect(ids(await queue.next()) == [1, 2, 3])
        // Nothing queued: the sender waits until a command comes from another thread.
        let waiting = Task { ids(await queue.next()) }
        try? await Task.sleep(for: .milliseconds(20))
        Thread.detachNewThread { queue.yield(place(4)) }
        #expect(await waiting.value == [4])
        queue.yield(place(5))
        queue.finish()
        queue.yield(place(6))
        #expect(ids(await queue.next()) == [5])
        #expect(await queue.next() == nil)
        // A sender waiting when the queue is finished gets nil.
        let other = CommandQueue()
        let ended = Task { await other.next() == nil }
        try? await Task.sleep(for: .milliseconds(20))
        other.finish()
        #expect(await ended.value)
    }

    @Test("the trading lock excludes: increments from eight threads under it add up exactly")
    func tradingLockExcludes() {
        final class Shared: @unchecked Sendable {
            // @unchecked: `n` only under `lock` (what the test checks).
            let lock = TradingLock()
            var n = 0
        }
        let shared = Shared()
        let group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            Thread {
                for _ in 0..<20_000 { shared.lock.withLock { shared.n += 1 } }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(shared.lock.withLock { shared.n } == 8 * 20_000)
    }
}

@Suite("the relay that carries the runner's observations off its thread")
struct ObservationRelayTests {
    final class Seen: @unchecked Sendable {
        // @unchecked: everything behind `lock`.
        let lock = NSLock()
        var notes: [String] = []
        var threads: Set<Int32> = []
        var comm: String?
    }

    static func text(_ o: RunnerObservation) -> String { if case .note(let t) = o { t } else { "?" } }

    @Test("every observation is handled once, in order, on the relay's thread and not the caller's")
    func orderAndThread() async throws {
        let seen = Seen()
        let relay = ObservationRelay { o in
            let tid = TradingThread.currentThreadID
            let first = seen.lock.withLock { seen.threads.isEmpty }
            // The kernel's name for the thread, while it runs (read once).
            let comm = first ? (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) : nil
            seen.lock.withLock {
                seen.notes.append(Self.text(o)); seen.threads.insert(tid)
                if let comm { seen.comm = comm }
            }
        }
        let fed = DispatchSemaphore(value: 0)
        let feeder = Mutex<Int32>(0)
        Thread.detachNewThread {
            feeder.withLock { $0 = TradingThread.currentThreadID }
            for i in 0..<10_000 { relay.enqueue(.note("\(i)")) }
            fed.signal()
        }
        try await onOwnThread { fed.wait() }
        await relay.stop()
        let (notes, threads) = seen.lock.withLock { (seen.notes, seen.threads) }
        #expect(notes == (0..<10_000).map { "\($0)" })
        // One thread, not the feeder's, named for top -H.
        let tid = try #require(threads.first)
        #expect(threads.count == 1 && tid != feeder.withLock { $0 })
        #expect(seen.lock.withLock { seen.comm } == "tsxlab.observe\n")
        #expect(relay.counts == (enqueued: 10_000, handled: 10_000, dropped: 0))
        relay.enqueue(.note("late"))
        #expect(relay.counts.dropped == 1 && seen.lock.withLock { seen.notes.count } == 10_000)
    }

    @Test("a handler that hangs never holds up the caller: a full queue drops and counts what comes, and what was taken is handled in order once the handler goes on")
    func stuckHandler() async throws {
        let seen = Seen()
        let gate = DispatchSemaphore(value: 0)
        let relay = ObservationRelay(capacity: 100) { o in
            if Self.text(o) == "0" { gate.wait() }
            seen.lock.withLock { seen.notes.append(Self.text(o)) }
        }
        // All 1,000 calls return while the handler is stuck on the first observation: at most
        // the batch in its hands and a full queue are kept.
        for i in 0..<1_000 { relay.enqueue(.note("\(i)")) }
        let held = relay.counts
        #expect(held.handled == 0)
        #expect(held.enqueued >= 100 && held.enqueued <= 200, "\(held)")
        #expect(held.enqueued + held.dropped == 1_000)
        gate.signal()
        await relay.stop()
        let numbers = seen.lock.withLock { seen.notes }.compactMap(Int.init)
        #expect(numbers.count == held.enqueued && numbers.first == 0)
        #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 })
        #expect(relay.counts.handled == held.enqueued)
    }
}
