import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program a test starts: `posix_spawn` with every descriptor but the three standard ones
/// closed in the child, in its own process group, with signals at their defaults.
///
/// Not Foundation's `Process`: on Linux its `run()` copies each `/proc/self/fd` entry's whole
/// 256-byte name field, reading past glibc's directory buffer; when that buffer ends at an unmapped
/// page the test process dies (SIGSEGV in `Process.run`, seen in a full run of this suite with
/// Swift 6.3.1; swift-corelibs-foundation pull request 5472). swift-subprocess spawns correctly but
/// only inside a closure that outlives the child, and these tests keep servers running across
/// many steps. The names below are `Process`'s, so a test reads the same.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` is only touched under `lock`; the rest is set once in init.

    /// Where a standard stream goes.
    public enum Stream: Sendable {
        /// A pipe: the test reads (or writes) the other end, `standardOutput` and so on.
        case pipe
        /// `/dev/null`.
        case null
        /// A file, created or truncated (output streams only).
        case file(String)
        /// This text, then end of input (standard input only).
        case text(String)
    }

    public let processIdentifier: pid_t
    /// The test's ends of the pipes, when the stream is `.pipe`.
    public let standardInput: FileHandle?
    public let standardOutput: FileHandle?
    public let standardError: FileHandle?

    private let lock = NSLock()
    private var status: Int32?

    public init(_ executable: String, _ args: [String], cwd: String? = nil, environment: [String: String]? = nil,
                stdin: Stream = .null, stdout: Stream = .pipe, stderr: Stream = .pipe) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var childEnds: [Int32] = []
        var ours: [Int32?] = [nil, nil, nil]
        var inputFile: String?
        defer {
            for fd in childEnds { close(fd) }
            if let inputFile { unlink(inputFile) }
        }
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .text(let text):
                // From a file: the child reads it at its pace, and no write can meet a closed pipe.
                let path = NSTemporaryDirectory() + "/child-input-" + UUID().uuidString
                guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                    throw ChildProcessError.system("write \(path)", errno)
                }
                inputFile = path
                posix_spawn_file_actions_addopen(&actions, target, path, O_RDONLY, 0)
            case .pipe:
                var fds: [Int32] = [0, 0]
                // Close-on-exec for any other spawner; children of this one close every descriptor past 2 anyway.
                guard pipe(&fds) == 0 else { throw ChildProcessError.system("pipe", errno) }
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                let (child, mine) = target == 0 ? (fds[0], fds[1]) : (fds[1], fds[0])
                childEnds.append(child)
                ours[Int(target)] = mine
                posix_spawn_file_actions_adddup2(&actions, child, target)
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
        }
        guard let closeFrom = Self.addCloseFrom, let changeDirectory = Self.addChangeDirectory else {
            throw ChildProcessError.system("posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later)", ENOSYS)
        }
        _ = closeFrom(&actions, 3)
        if let cwd {
            let r = cwd.withCString { changeDirectory(&actions, $0) }
            guard r == 0 else { throw ChildProcessError.system("chdir \(cwd)", r) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let env = environment ?? ProcessInfo.processInfo.environment
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in envp { free(p) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard r == 0 else {
            for fd in ours.compactMap({ $0 }) { close(fd) }
            throw ChildProcessError.system("posix_spawn \(executable)", r)
        }
        processIdentifier = pid
        standardInput = ours[0].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardOutput = ours[1].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardError = ours[2].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    /// glibc's descriptor-closing and directory-changing spawn actions: GNU extensions the Glibc
    /// module does not import, looked up by name.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addCloseFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }
    private static let addChangeDirectory: ChangeDirectory? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: ChangeDirectory.self) }

    /// The wait status once the child has ended (reaped here, once).
    private func poll() -> Int32? {
        lock.withLock {
            if let status { return status }
            var s: Int32 = 0
            let r = waitpid(processIdentifier, &s, WNOHANG)
            if r == processIdentifier { status = s }
            return status
        }
    }

    public var isRunning: Bool { poll() == nil }

    /// Blocks until the child has ended. Polls: `waitpid` is called under the lock, never blocking.
    public func waitUntilExit() {
        while poll() == nil { usleep(2_000) }
    }

    /// Waits for the child to end on a thread of its own, never holding a thread of the shared pool.
    public func exited() async {
        _ = try? await onOwnThread { self.waitUntilExit() }
    }

    /// The exit code, or the number of the signal that ended the child (as `Process` reports it).
    public var terminationStatus: Int32 {
        guard let s = poll() else { return -1 }
        return s & 0x7f == 0 ? (s >> 8) & 0xff : s & 0x7f
    }

    /// Whether a signal ended the child.
    public var endedBySignal: Bool { poll().map { $0 & 0x7f != 0 } ?? false }

    /// SIGTERM.
    public func terminate() { if isRunning { kill(processIdentifier, SIGTERM) } }

    /// SIGINT.
    public func interrupt() { if isRunning { kill(processIdentifier, SIGINT) } }
}

public enum ChildProcessError: Error, CustomStringConvertible {
    case system(String, Int32)
    public var description: String {
        switch self {
        case .system(let what, let code): "\(what) failed: \(String(cString: strerror(code)))"
        }
    }
}
