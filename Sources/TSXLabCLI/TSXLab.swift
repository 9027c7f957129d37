import ArgumentParser
import Data
import Foundation
import Store
import Strategies

/// The whole command line. A trader's own package runs it with their strategies beside the
/// built-in ones: `TSXLab.main(strategies: [MyBreakout.self])` in the package's `main.swift`, then
/// `swift run mybot backtest|sweep|report|promote|live|gateway …`.
public struct TSXLab: AsyncParsableCommand {
    public init() {}

    /// Registers `strategies` (their names must differ from every other) and runs the command
    /// line; a name already taken ends the program with the clash named (exit 64).
    public static func main(strategies: [any CatalogStrategy.Type]) async {
        do {
            try StrategyCatalog.register(strategies.map { $0.descriptor })
        } catch {
            Terminal.error("\(error)")
            Self.exit(withError: ExitCode(64))
        }
        await main()
    }

    public static let configuration = CommandConfiguration(
        commandName: "tsxlab",
        abstract: "Research, backtest and sweep futures strategies over cached bars; trade the tested configuration on TopStepX.",
        discussion: """
            Exit codes: 0 success, 64 bad arguments, 65 bad input data, 66 missing input file,
            69 store unavailable, 70 internal failure.
            """,
        subcommands: [DataCommand.self, BacktestCommand.self, StrategiesCommand.self, NewCommand.self, SweepCommand.self, ReportCommand.self, ServeCommand.self, IndicatorsCommand.self, StatsCommand.self, CombineCommand.self, GatewayCommand.self, PromoteCommand.self, LiveCommand.self, RecordCommand.self, MetricsCommand.self, DocsCommand.self]
    )
}

/// Options every store-using command shares.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Store URL: sqlite:PATH or postgres://user@host:port/db. Default: TSXLAB_STORE, else a SQLite file in the data directory.", valueName: "url"))
    var store: String?

    @Option(help: ArgumentHelp("Extra contract specifications (CSV with the built-in table's columns). Default: TSXLAB_CONTRACTS.", valueName: "file"))
    var contractsFile: String?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    func storeURL() -> String { StoreURL.resolve(flag: store, environment: environment) }

    /// The store with the bar tables and the run, sweep, queue and live tables ready.
    func openStore() throws -> any BarStore { try StoreSchema.open(storeURL()) }

    func registry() throws -> ContractRegistry {
        var r = ContractRegistry.builtIn
        if let path = contractsFile ?? environment["TSXLAB_CONTRACTS"], !path.isEmpty {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw DataError.noInput(path: path, reason: "cannot read the contracts file")
            }
            try r.merge(csv: text, source: path)
        }
        return r
    }
}

/// Runs a command body, printing a failure to stderr and exiting with its code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch { throw reported(error) }
}

/// The error a command exits with: a data error's message and code, argument errors and exit
/// codes as they are, anything else as an internal failure (70).
func reported(_ error: any Error) -> any Error {
    switch error {
    case let e as DataError:
        Terminal.error(e.description)
        return ExitCode(e.exitCode)
    case is ExitCode, is ValidationError:
        return error
    default:
        Terminal.error("internal error: \(error)")
        return ExitCode(70)
    }
}

/// SIGINT and SIGTERM as a stream (the long-running commands stop on the first).
func stopSignals() -> AsyncStream<Void> {
    AsyncStream<Void> { c in
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig)
            source.setEventHandler { c.yield() }
            source.resume()
            sources.append(source)
        }
        nonisolated(unsafe) let keep = sources
        c.onTermination = { _ in _ = keep }
    }
}

enum Terminal {
    static let stderrIsTTY = isatty(2) == 1

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Progress of long work for a pipe or a log: a plain line on stderr at each tenth of the way
    /// (not the last: the work's own summary says it ended); silent on a terminal, which has the bar.
    static func progressLines(_ label: String, _ done: Int64, _ total: Int64, rate: String) {
        guard !stderrIsTTY, total > 0, done > 0, done < total, done * 10 / total > (done - 1) * 10 / total else { return }
        note("\(label) \(done * 10 / total * 10)%  \(rate)")
    }

    /// A one-line progress bar on stderr when it is a terminal; silent in a pipe.
    static func progress(_ label: String, _ done: Int64, _ total: Int64, rate: String = "") {
        guard stderrIsTTY, total > 0 else { return }
        let frac = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(frac * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = "\r\(label) \(bar) \(Int(frac * 100))% \(rate)"
        FileHandle.standardError.write(Data(line.utf8))
        if done >= total { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// Encodes a value as pretty, key-sorted JSON on stdout.
    static func printJSON(_ value: some Encodable) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try enc.encode(value), as: UTF8.self))
    }
}

/// Parses `--from`/`--to`: a date (`2019-01-01`, midnight UTC) or an ISO-8601 time.
struct TimeArgument: ExpressibleByArgument {
    let timestamp: Timestamp
    init?(argument: String) {
        guard let t = Timestamp(iso8601: argument) else { return nil }
        timestamp = t
    }
    static var defaultCompletionKind: CompletionKind { .default }
}

extension Timeframe: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
