import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `tsxlab gateway serve` process on 127.0.0.1 for tests: started on a free port, stopped
/// (SIGTERM, then SIGKILL) by `stop()` or when released. Tests reach it over real sockets.
public final class GatewayProcess: @unchecked Sendable {
    // @unchecked: `process` is set once in init; `stop` is idempotent.
    public let port: Int
    public let arguments: [String]
    private let process: ChildProcess

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var hubURL: String { "ws://127.0.0.1:\(port)" }

    /// One contract a gateway trades: its bars (a shared dataset path), symbol and CME code.
    public struct Tape: Sendable {
        public var csv: String, symbol: String, contract: String
        public init(csv: String, symbol: String, contract: String) { self.csv = csv; self.symbol = symbol; self.contract = contract }
    }

    /// Starts a gateway replaying `csv` (a shared dataset path) as `contract`.
    public convenience init(csv: String, symbol: String = "ES", contract: String, extra: [String] = [], environment: [String: String] = [:]) throws {
        try self.init(tapes: [Tape(csv: csv, symbol: symbol, contract: contract)], extra: extra, environment: environment)
    }

    /// Starts a gateway trading every tape on its one account (`--symbol … --csv … --contract …`
    /// once per tape, in the order given: bars of the same minute play in that order).
    public init(tapes: [Tape], extra: [String] = [], environment: [String: String] = [:]) throws {
        arguments = ["gateway", "serve"] + tapes.flatMap { ["--csv", $0.csv, "--symbol", $0.symbol, "--contract", $0.contract] } + ["--port", "0"] + extra
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        for (k, v) in environment { env[k] = v }
        process = try ChildProcess(CLI.binary, arguments, environment: env, stderr: .null)
        let output = process.standardOutput!
        // The first line names the port.
        var line = Data()
        let deadline = Date().addingTimeInterval(30)
        while !line.contains(0x0A) {
            let chunk = output.availableData
            if chunk.isEmpty {
                if Date() > deadline || !process.isRunning { break }
                continue
            }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let r = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
              let p = Int(text[r].split(separator: ":").last ?? "") else {
            process.terminate()
            throw GatewayProcessError.didNotStart(text)
        }
        port = p
    }

    /// Starts a gateway (as `init`) on a thread of its own: waiting for its port line does not
    /// hold a thread of the shared pool, which the other tests' servers need.
    public static func start(csv: String, symbol: String = "ES", contract: String, extra: [String] = [],
                             environment: [String: String] = [:]) async throws -> GatewayProcess {
        try await onOwnThread { try GatewayProcess(csv: csv, symbol: symbol, contract: contract, extra: extra, environment: environment) }
    }

    /// Starts a gateway trading several tapes (as `init(tapes:)`) on a thread of its own.
    public static func start(tapes: [Tape], extra: [String] = [], environment: [String: String] = [:]) async throws -> GatewayProcess {
        try await onOwnThread { try GatewayProcess(tapes: tapes, extra: extra, environment: environment) }
    }

    /// Stops the gateway (as `stop`) on a thread of its own.
    public func shutdown() async {
        _ = try? await onOwnThread { [self] in stop() }
    }

    deinit { stop() }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    /// POSTs JSON to a control endpoint (`/_gateway/step`, `/_gateway/faults`) and returns the
    /// decoded answer.
    @discardableResult
    public func control(_ path: String, _ body: [String: Any] = [:]) throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: body)
        let out = try Subprocess.runBlocking("/usr/bin/curl", ["-s", "-X", path.hasSuffix("state") ? "GET" : "POST", "--data-binary", "@-", baseURL + path],
                                     input: String(decoding: data, as: UTF8.self))
        guard out.status == 0 else { throw GatewayProcessError.controlFailed(path, "curl exited \(out.status): \(out.stderr)") }
        return try Self.object(Data(out.stdout.utf8), path)
    }

    /// A control endpoint's answer as a JSON object; anything else (a dead gateway, an error
    /// page) is an error, never an empty state a test could read as "nothing happened".
    static func object(_ data: Data, _ path: String) throws -> [String: Any] {
        guard let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw GatewayProcessError.controlFailed(path, "not a JSON object: \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return o
    }

    /// POSTs to a control endpoint from async code (in-process HTTP: fast enough to step a whole
    /// day bar by bar).
    public func post(_ path: String, _ body: [String: Any] = [:]) async throws -> [String: Any] {
        var req = URLRequest(url: URL(string: baseURL + path)!)
        req.httpMethod = "POST"
        req.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, _) = try await URLSession.shared.data(for: req)
        return try Self.object(data, path)
    }

    /// Steps the tape `bars` bars.
    public func step(_ bars: Int) throws { try control("/_gateway/step", ["bars": bars]) }

    public func state() throws -> [String: Any] { try control("/_gateway/state") }
}

public enum GatewayProcessError: Error, CustomStringConvertible {
    case didNotStart(String)
    case controlFailed(String, String)
    public var description: String {
        switch self {
        case .didNotStart(let output): "the gateway did not start; its output: \(output)"
        case .controlFailed(let path, let why): "the gateway's control endpoint \(path) failed: \(why)"
        }
    }
}
