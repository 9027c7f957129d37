import ArgumentParser
import Configuration
import Data
import Foundation
import Live

extension DataCommand {
    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pull bars from the TopStepX history endpoint into the store, only what the store lacks.",
            discussion: """
                A product (ES) is pulled as the dated contracts its window spans (ESZ25, ESH26, …),
                each stored as its own series over the part of the window it is front month (plus
                the session before its roll); --continuous then stitches the product's series at
                the roll dates, as `data roll` does. Each page of up to 20,000 bars is one store
                transaction with the window it covers: a pull stopped at any moment keeps what it
                stored, and the next one asks only for the rest. Rate-limit answers slow the pull
                down. 1d, 1w and 1M bars are built from pulled minute bars by the CME trade day.
                Credentials: PROJECTX_USERNAME and PROJECTX_API_KEY (or PROJECTX_API_KEY_FILE, mode
                0600); PROJECTX_API_URL names another gateway. --keep-fresh pulls the symbols and
                timeframes of a pull configuration (keys symbols, timeframes, since, continuous)
                from the last stored bar to now.
                """)

        @Argument(help: "Products (ES) or dated contracts (ESZ25).") var symbols: [String] = []
        @Option(help: "Bar length: 1s 5s 15s 30s 1m 2m 3m 5m 15m 30m 1h 2h 4h, or 1d 1w 1M (built from minute bars).") var timeframe: Timeframe = .oneMinute
        @Option(help: ArgumentHelp("First bar time (UTC date or ISO time), inclusive.", valueName: "time")) var from: TimeArgument?
        @Option(help: ArgumentHelp("End of the window (UTC date or ISO time), exclusive. Default: now.", valueName: "time")) var to: TimeArgument?
        @Option(help: ArgumentHelp("Pull this one dated contract (e.g. ESZ25) instead of the ones the window spans.", valueName: "code")) var contract: String?
        @Flag(help: "Stitch the product's continuous series at the roll dates after pulling.") var continuous = false
        @Option(help: "With --continuous: none (prices as traded) or back (back-adjusted).") var adjust: String = "none"
        @Option(help: ArgumentHelp("Bars per history call (1…20,000).", valueName: "n")) var pageBars = 20_000
        @Flag(help: "Pull the configured symbols and timeframes from the last stored bar to now (or --to).") var keepFresh = false
        @Option(help: ArgumentHelp("The pull configuration for --keep-fresh. Default: pull.yaml in the data directory.", valueName: "file")) var config: String?
        @Flag(help: "Print a summary as JSON on stdout.") var json = false
        @OptionGroup var storeOptions: StoreOptions

        func validate() throws {
            guard (1...20_000).contains(pageBars) else { throw ValidationError("--page-bars must be 1…20000, not \(pageBars)") }
            guard ContinuousSeries.Adjustment(rawValue: adjust) != nil else { throw ValidationError("--adjust must be none or back, not '\(adjust)'") }
            if keepFresh {
                guard symbols.isEmpty, from == nil, contract == nil else {
                    throw ValidationError("--keep-fresh takes its symbols and timeframes from the configuration: leave out SYMBOL, --from and --contract")
                }
            } else {
                guard !symbols.isEmpty else { throw ValidationError("name a symbol to pull (e.g. ES), or pass --keep-fresh") }
                guard from != nil else { throw ValidationError("--from is required: the first bar time wanted (e.g. --from 2025-06-01)") }
                guard contract == nil || symbols.count == 1 else { throw ValidationError("--contract goes with one symbol") }
            }
        }

        func run() async throws {
            let store: any BarStore
            let registry: ContractRegistry
            do { (store, registry) = (try storeOptions.openStore(), try storeOptions.registry()) } catch { throw reported(error) }
            let counter = HistoryCallCounter()
            let (client, recorder) = try connectProjectX(storeOptions, environment: storeOptions.environment, also: counter)
            let pull = HistoryPull(client: client, store: store, registry: registry, counter: counter)
            let requests: [PullRequest]
            do {
                requests = try keepFresh ? try freshRequests(pull) : symbols.map { s in
                    PullRequest(symbol: s, contract: contract, timeframe: timeframe, from: from!.timestamp, to: to?.timestamp)
                }
            } catch let e as ConfigurationError {
                Terminal.error(e.description); throw ExitCode(e.exitCode)
            } catch { throw reported(error) }
            try await runLive(recorder) {
                var reports: [PullReport] = []
                for var r in requests {
                    r.continuous = r.continuous || continuous
                    r.adjustment = ContinuousSeries.Adjustment(rawValue: adjust) ?? .none
                    r.pageBars = pageBars
                    let report: PullReport
                    do {
                        report = try await pull.run(r) { p in
                            let eta = p.eta.map { "ETA \(formatDuration(Int64($0.rounded())))" } ?? ""
                            Terminal.progress("pulling \(p.contract)", p.doneSeconds, p.totalSeconds,
                                              rate: "\(p.bars) bars, \(p.calls) calls\(p.rateLimited > 0 ? ", \(p.rateLimited) rate-limited" : "") \(eta)")
                        }
                    } catch let e as PullError {
                        Terminal.error(e.description); throw ExitCode(e.exitCode)
                    }
                    reports.append(report)
                    if !json { print(Self.summary(report)) }
                }
                if json { try Terminal.printJSON(reports) }
            }
        }

        /// The keep-fresh pulls: each configured symbol and timeframe from its last stored bar
        /// (or the configuration's `since`) to now.
        func freshRequests(_ pull: HistoryPull) throws -> [PullRequest] {
            let path = config ?? StoreURL.dataDirectory(environment: storeOptions.environment) + "/pull.yaml"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw DataError.noInput(path: path, reason: "no pull configuration: write one (symbols: [ES], timeframes: [1m], since: 2025-01-01) or name it with --config")
            }
            let cfg = try PullConfiguration.parse(yaml: text, source: path)
            var out: [PullRequest] = []
            for s in cfg.symbols {
                for t in cfg.timeframes {
                    guard let from = try pull.freshFrom(symbol: s, timeframe: t) ?? cfg.since else {
                        throw DataError.badInput(file: path, line: nil, field: "since",
                            reason: "nothing of \(s) \(t) is stored yet: give since: (the first date to pull) or pull a window first with --from")
                    }
                    var r = PullRequest(symbol: s, timeframe: t, from: from, to: to?.timestamp)
                    r.continuous = cfg.continuous
                    out.append(r)
                }
            }
            return out
        }

        static func summary(_ r: PullReport) -> String {
            var lines: [String] = []
            for c in r.contracts {
                let what = c.missing == 0 ? "already stored" : "\(c.bars) bars in \(c.calls) calls (\(c.inserted) new, \(c.updated) updated)"
                lines.append("\(c.contract) \(r.pulledTimeframe) [\(c.from), \(c.to)): \(what)")
            }
            for roll in r.rolls { lines.append("roll \(roll.from) → \(roll.to) at \(roll.at)") }
            for b in r.built { lines.append("\(b.symbol) \(b.timeframe): \(b.bars) bars built (\(b.inserted) new, \(b.updated) updated)") }
            let slowed = r.rateLimited > 0 ? ", \(r.rateLimited) rate-limit answers waited out" : ""
            lines.append("\(r.symbol) \(r.timeframe): \(r.bars) \(r.pulledTimeframe) bars from \(r.calls) history calls\(slowed) (\(String(format: "%.1f", r.seconds)) s)")
            return lines.joined(separator: "\n")
        }
    }
}
