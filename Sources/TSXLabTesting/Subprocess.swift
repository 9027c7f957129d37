import Foundation

/// Runs an external program for a test: both pipes drained concurrently (a full pipe cannot
/// block the child) and a watchdog that kills a child that outlives `timeout` seconds, so a hung
/// program fails its test instead of hanging the suite.
///
/// `run` waits on a thread of its own, never on the shared pool: the suites run in parallel on a
/// pool as wide as the host has cores, and two tests blocked on their children would otherwise
/// hold every async test in the process up (a webhook receiver or a server waiting to listen)
/// for as long as the children run.
public enum Subprocess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static func run(_ executable: String, _ args: [String], cwd: String? = nil, environment: [String: String]? = nil,
                           input: String? = nil, timeout: Double = 300) async throws -> Output {
        try await onOwnThread { try runBlocking(executable, args, cwd: cwd, environment: environment, input: input, timeout: timeout) }
    }

    /// `run` on the calling thread: for code that is not async and owns its thread.
    public static func runBlocking(_ executable: String, _ args: [String], cwd: String? = nil, environment: [String: String]? = nil,
                                   input: String? = nil, timeout: Double = 300) throws -> Output {
        let p = try ChildProcess(executable, args, cwd: cwd, environment: environment, stdin: input.map { .text($0) } ?? .null)
        let pid = p.processIdentifier
        let watchdog = DispatchWorkItem { if p.isRunning { kill(pid, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        group.enter()
        DispatchQueue.global().async { outData = p.standardOutput!.readDataToEndOfFile(); group.leave() }
        let errData = p.standardError!.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A program started for a test that goes on running while the test acts on it (a live runner,
/// a third-party client): its output is collected as it comes, and the test waits for what it
/// needs to see there.
public final class Collected: @unchecked Sendable {
    // @unchecked: `o` and `e` are only touched under `lock`.
    private let lock = NSLock()
    private var o = Data(), e = Data()

    /// Starts `executable` (the tsxlab binary unless given) with both pipes collected; with
    /// `stdin: .pipe`, the test writes the program's standard input (`standardInput`) as it goes.
    public static func launch(_ args: [String], executable: String = CLI.binary, environment: [String: String]? = nil,
                              cwd: String? = nil, stdin: ChildProcess.Stream = .null) throws -> (ChildProcess, Collected) {
        let p = try ChildProcess(executable, args, cwd: cwd, environment: environment, stdin: stdin)
        let collected = Collected()
        p.standardOutput!.readabilityHandler = { h in let d = h.availableData; collected.lock.withLock { collected.o.append(d) } }
        p.standardError!.readabilityHandler = { h in let d = h.availableData; collected.lock.withLock { collected.e.append(d) } }
        return (p, collected)
    }

    /// Everything the program wrote so far.
    public var texts: (out: String, err: String) { lock.withLock { (String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self)) } }

    /// Waits until `ok` holds for the output so far, up to `timeout` seconds; then throws an
    /// error naming `what` with the end of both outputs.
    public func wait(_ what: String, timeout: Double, _ ok: ((out: String, err: String)) throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try !ok(texts) {
            guard Date() < deadline else {
                let t = texts
                throw NotSeen(description: "timed out after \(Int(timeout)) s waiting for \(what); stdout ends: \(t.out.suffix(800)); stderr ends: \(t.err.suffix(800))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    public struct NotSeen: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }
}

/// Runs blocking work (a wait for a child, a semaphore) on a new thread while the calling task
/// waits without holding a thread of the shared pool.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
        Thread.detachNewThread { done.resume(with: Result { try body() }) }
    }
}
