import ArgumentParser
import Configuration
import Data
import Foundation
import HTTPServing
import Jobs
import Live
import Logging
import Operations
import ProjectX
import Trading

struct LiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Trade a tested configuration on a TopStepX account through the ProjectX gateway, or act on the account by hand.",
        discussion: """
            Connection: PROJECTX_API_URL (default https://api.topstepx.com) and PROJECTX_RTC_URL
            (default https://rtc.topstepx.com); credentials: PROJECTX_USERNAME and PROJECTX_API_KEY,
            or PROJECTX_API_KEY_FILE naming a file only you can read (chmod 600). The key is never
            printed, logged or stored. Every gateway request is recorded in the store's api_metrics.
            Rehearse against `tsxlab gateway serve` by pointing both URLs at it.
            """,
        subcommands: [LiveRun.self, LiveCheckCommand.self, LiveAccount.self, LiveContracts.self, LiveHistory.self, LivePositions.self,
                      LiveOrders.self, LivePlace.self, LiveStopBracket.self, LiveCancel.self, LiveFlatten.self],
        defaultSubcommand: LiveRun.self
    )
}

/// Connection, account and output options every live command shares.
struct LiveOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The account's name (default: PROJECTX_ACCOUNT, else the only active account).", valueName: "name"))
    var account: String?

    @Option(help: ArgumentHelp("Account rules the risk engine applies: topstep-50k, topstep-100k, topstep-150k or unlimited.", valueName: "preset"))
    var rules: String = "topstep-50k"

    @Flag(help: "Print JSON instead of lines.") var json = false

    @OptionGroup var storeOptions: StoreOptions

    var environment: [String: String] { ProcessInfo.processInfo.environment }
    var apiURL: String { Self.apiURL(environment) }
    static func apiURL(_ environment: [String: String]) -> String { environment["PROJECTX_API_URL"] ?? "https://api.topstepx.com" }
    var rtcURL: String { Self.rtcURL(environment) }
    /// The hubs' base URL: PROJECTX_RTC_URL (http(s) written as ws(s)), else TopStepX's.
    static func rtcURL(_ environment: [String: String]) -> String {
        let base = environment["PROJECTX_RTC_URL"] ?? "https://rtc.topstepx.com"
        if base.hasPrefix("https://") { return "wss://" + base.dropFirst(8) }
        if base.hasPrefix("http://") { return "ws://" + base.dropFirst(7) }
        return base
    }

    func riskRules() throws -> RiskRules {
        switch rules {
        case "unlimited": return .unlimited()
        case "topstep-50k", "topstep-100k", "topstep-150k": return RiskRules.topstepCombine(Int(rules.dropFirst(8).dropLast())!)!
        default: throw ValidationError("--rules must be topstep-50k, topstep-100k, topstep-150k or unlimited, not '\(rules)'")
        }
    }

    /// The client, recording every request in the store's `api_metrics` (when the store can).
    func connect(also extra: (any APICallSink)? = nil) throws -> (ProjectXClient, StoreAPICallRecorder?) {
        try connectProjectX(storeOptions, environment: environment, also: extra)
    }

    func resolveAccount(_ client: ProjectXClient) async throws -> PXAccount {
        try await client.activeAccount(named: account ?? environment["PROJECTX_ACCOUNT"])
    }

    func resolveContract(_ client: ProjectXClient, _ symbol: String) async throws -> (PXContract, ContractSpec) {
        try await client.contract(for: symbol, registry: try storeOptions.registry())
    }
}

/// The ProjectX client with the credentials from the environment or a 0600 key file (a missing
/// or unreadable one: stderr and exit 64 or 66), recording every request in the store's
/// `api_metrics` (when the store can).
func connectProjectX(_ storeOptions: StoreOptions, environment: [String: String], also extra: (any APICallSink)? = nil) throws -> (ProjectXClient, StoreAPICallRecorder?) {
    let credentials: APICredentials
    do { credentials = try APICredentials.load(environment: environment) } catch let e as CredentialsError {
        Terminal.error(e.description)
        throw ExitCode(e == .missing("PROJECTX_USERNAME") || e == .missing("PROJECTX_API_KEY") ? 64 : 66)
    }
    var recorder: StoreAPICallRecorder?
    if let db = try? storeOptions.openStore() as? any SQLDatabase { recorder = StoreAPICallRecorder(db: db) }
    let sinks: [any APICallSink] = [recorder ?? MemoryAPICallSink()] + (extra.map { [$0] } ?? [])
    return (ProjectXClient(baseURL: LiveOptions.apiURL(environment), credentials: credentials, calls: FanOutAPICallSink(sinks)), recorder)
}

enum LiveCLIError: Error, CustomStringConvertible {
    case usage(String)
    var description: String {
        switch self {
        case .usage(let s): s
        }
    }
}

/// Runs an async command body: gateway, credential and usage errors go to stderr with an exit code.
func runLive(_ recorder: StoreAPICallRecorder? = nil, _ body: () async throws -> Void) async throws {
    defer { recorder?.flush() }
    do {
        try await body()
    } catch let e as LiveCLIError {
        Terminal.error(e.description)
        throw ExitCode(64)
    } catch let e as LiveSetupError {
        Terminal.error(e.description)
        throw ExitCode(64)
    } catch let e as ManualOrderRefusal {
        Terminal.error(e.description)
        throw ExitCode(65)
    } catch let e as PromotionError {
        Terminal.error(e.description)
        throw ExitCode(65)
    } catch let e as AccountRulesMismatch {
        Terminal.error(e.description)
        throw ExitCode(e.exitCode)
    } catch let e as StoredRiskMismatch {
        Terminal.error(e.description)
        throw ExitCode(e.exitCode)
    } catch let e as ProjectXError {
        Terminal.error(e.description)
        if case .authentication = e { throw ExitCode(77) }
        throw ExitCode(69)
    } catch {
        throw reported(error)
    }
}

struct LiveAccount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "account", abstract: "The account: balance and whether it can trade.")
    @OptionGroup var options: LiveOptions

    func run() async throws {
        let (client, recorder) = try options.connect()
        try await runLive(recorder) {
            let a = try await options.resolveAccount(client)
            if options.json { try Terminal.printJSON(a) } else {
                print("account \(a.name) (#\(a.id)): balance $\(a.balance), \(a.canTrade ? "can trade" : "cannot trade")\(a.simulated ? ", simulated" : "")")
            }
        }
    }
}

struct LiveContracts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "contracts", abstract: "Contracts the gateway lists (all, or those matching TEXT).")
    @Argument(help: "Search text (e.g. ES, MNQ).") var text: String?
    @OptionGroup var options: LiveOptions

    func run() async throws {
        let (client, recorder) = try options.connect()
        try await runLive(recorder) {
            let list: [PXContract]
            if let text { list = try await client.searchContracts(text) } else { list = try await client.availableContracts() }
            if options.json { try Terminal.printJSON(list); return }
            for c in list { print("\(c.id)  \(c.name)  tick \(c.tickSize) = $\(c.tickValue)\(c.activeContract ? "" : "  (inactive)")  \(c.description)") }
        }
    }
}

struct LiveHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "The last COUNT bars of SYMBOL at TIMEFRAME (1s to 1M), oldest first.")
    @Argument(help: "Symbol (ES) or dated contract (ESZ13).") var symbol: String
    @Argument(help: "Timeframe: 1s, 1m, 5m, 1h, 1d, 1w, 1M, …") var timeframe: Timeframe
    @Argument(help: "Number of bars.") var count: Int
    @Option(help: ArgumentHelp("End of the window (default: now).", valueName: "time")) var to: TimeArgument?
    @OptionGroup var options: LiveOptions

    func validate() throws {
        guard count > 0 else { throw ValidationError("COUNT must be positive, not \(count)") }
    }

    func run() async throws {
        let (client, recorder) = try options.connect()
        try await runLive(recorder) {
            let (contract, spec) = try await options.resolveContract(client, symbol)
            let (unit, n) = timeframe.projectXUnit
            guard let u = PXBarUnit(rawValue: unit) else { throw LiveCLIError.usage("the gateway has no unit for \(timeframe)") }
            let end = to?.timestamp ?? Timestamp(seconds: Int64(Date().timeIntervalSince1970))
            let span = (timeframe.fixedSeconds ?? 31 * 86_400) * Int64(count) * 4 + 7 * 86_400
            let bars = try await client.retrieveBars(contractId: contract.id, unit: u, unitNumber: n, start: Timestamp(seconds: end.seconds - span), end: end)
            let last = Array(bars.suffix(count))
            if options.json { try Terminal.printJSON(last); return }
            print("time,open,high,low,close,volume")
            for b in last {
                func p(_ d: Decimal) -> String { spec.tickSize.ticks(decimal: d).map { spec.format(Price(ticks: $0)) } ?? "\(d)" }
                print("\(PXTime.parse(b.t)?.iso8601 ?? b.t),\(p(b.o)),\(p(b.h)),\(p(b.l)),\(p(b.c)),\(b.v)")
            }
        }
    }
}

struct LivePositions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "positions", abstract: "Open positions.")
    @OptionGroup var options: LiveOptions

    func run() async throws {
        let (client, recorder) = try options.connect()
        try await runLive(recorder) {
            let a = try await options.resolveAccount(client)
            let list = try await client.openPositions(accountId: a.id)
            if options.json { try Terminal.printJSON(list); return }
            if list.isEmpty { print("flat") }
            for p in list { print("\(p.contractId)  \(p.signedSize > 0 ? "long" : "short") \(abs(p.size)) @ \(p.averagePrice)") }
        }
    }
}

struct LiveOrders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "orders", abstract: "Working orders, bracket exits waiting for their entry included.")
    @OptionGroup var options: LiveOptions

    func run() async throws {
        let (client, recorder) = try options.connect()
        try await runLive(recorder) {
            let a = try await options.resolveAccount(client)
            let list = try await client.workingOrders(accountId: a.id)
            if options.json { try Terminal.printJSON(list); return }
            if list.isEmpty { print("no working orders") }
            for o in list { print(Self.line(o)) }
        }
    }

    static func line(_ o: PXOrder) -> String {
        let type = PXOrderType(rawValue: o.type).map { "\($0)" } ?? String(o.type)
        let price = (o.stopPrice.map { " stop \($0)" } ?? "") + (o.limitPrice.map { " limit \($0)" } ?? "")
        let parent = o.parentOrderId.map { " (exit of #\($0))" } ?? ""
        return "#\(o.id)  \(o.side == 0 ? "BUY" : "SELL") \(o.size) \(o.contractId) \(type)\(price)  \(PXOrderStatus(rawValue: o.status).map { "\($0)" } ?? "?")\(parent)\(o.customTag.map { "  tag \($0)" } ?? "")"
    }
}

/// Places one order through the shared risk engine, then the gateway.
func placeManually(_ options: LiveOptions, _ client: ProjectXClient, symbol: String, request: (String) -> OrderRequest) async throws {
    let account = try await options.resolveAccount(client)
    let (contract, spec) = try await options.resolveContract(client, symbol)
    let (id, r) = try await ManualOrder.place(request(spec.symbol), client: client, account: account, contract: contract, spec: spec,
                                              rules: try options.riskRules())
    if options.json { try Terminal.printJSON(["orderId": String(id), "customTag": r.customTag ?? "", "contractId": r.contractId]) }
    else { print("placed #\(id) on \(contract.id) (tag \(r.customTag ?? "-"))") }
}

enum SideArgument: String, ExpressibleByArgument, CaseIterable {
    case BUY, SELL, buy, sell
    var side: OrderSide { self == .BUY || self == .buy ? .buy : .sell }
}

/// A price argument in the contract's units, aligned to its tick before anything is sent.
func ticks(_ text: String, _ spec: ContractSpec, _ what: String) throws -> Price {
    guard let d = Decimal(string: text), d > 0 else { throw LiveCLIError.usage("\(what) '\(text)' is not a price") }
    return Price(ticks: spec.tickSize.nearestTicks(decimal: d))
}

struct LivePlace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "place", abstract: "Place a market, limit or stop order (checked by the risk engine first).")
    @Argument(help: "Symbol (ES) or dated contract (ESZ13).") var symbol: String
    @Argument(help: "BUY or SELL.") var side: SideArgument
    @Argument(help: "Contracts.") var quantity: Int64
    @Option(help: "Limit price.") var limit: String?
    @Option(help: "Stop price.") var stop: String?
    @Option(help: "Custom tag (unique per account; a retry with the same tag never makes a second order).") var tag: String?
    @OptionGroup var options: LiveOptions

    func validate() throws {
        guard quantity > 0 else { throw ValidationError("QTY must be a positive whole number of contracts, not \(quantity)") }
        guard limit == nil || stop == nil else { throw ValidationError("give --limit or --stop, not both (stop-limit orders cannot be placed through ProjectX)") }
    }

    func run() async throws {
        let (client, recorder) = try options.connect()
        try await runLive(recorder) {
            let registry = try options.storeOptions.registry()
            let spec = try registry.spec(for: ContractID(cme: symbol.uppercased())?.symbol ?? symbol.uppercased())
            let kind: OrderKind = try limit.map { .limit(try ticks($0, spec, "--limit")) } ?? stop.map { .stop(try ticks($0, spec, "--stop")) } ?? .market
            try await placeManually(options, client, symbol: symbol) { sym in
                OrderRequest(symbol: sym, side: side.side, quantity: quantity, kind: kind, tag: tag.map { ClientTag($0) })
            }
        }
    }
}

struct LiveStopBracket: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop-bracket",
        abstract: "A stop entry with a stop-loss and a take-profit: stop-bracket SYMBOL BUY|SELL QTY ENTRY STOP TARGET.")
    @Argument var symbol: String
    @Argument var side: SideArgument
    @Argument var quantity: Int64
    @Argument var entry: String
    @Argument var stop: String
    @Argument var target: String
    @OptionGroup var options: LiveOptions

    func run() async throws {
        let (client, recorder) = try options.connect()
        try await runLive(recorder) {
            let registry = try options.storeOptions.registry()
            let spec = try registry.spec(for: ContractID(cme: symbol.uppercased())?.symbol ?? symbol.uppercased())
            let e = try ticks(entry, spec, "ENTRY"), s = try ticks(stop, spec, "STOP"), t = try ticks(target, spec, "TARGET")
            try await placeManually(options, client, symbol: symbol) { sym in
                OrderRequest(symbol: sym, side: side.side, quantity: quantity, kind: .stop(e),
                             bracket: Bracket(stopLoss: .price(s), takeProfit: .price(t)))
            }
        }
    }
}

struct LiveCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a working order by its gateway id.")
    @Argument(help: "The order id (as `tsxlab live orders` shows it, with or without #).") var orderID: String
    @OptionGroup var options: LiveOptions

    func run() async throws {
        let (client, recorder) = try options.connect()
        try await runLive(recorder) {
            guard let id = Int64(orderID.trimmingCharacters(in: CharacterSet(charactersIn: "#"))) else { throw LiveCLIError.usage("'\(orderID)' is not an order id") }
            let a = try await options.resolveAccount(client)
            try await client.cancelOrder(accountId: a.id, orderId: id)
            if options.json { try Terminal.printJSON(["cancelled": String(id)]) } else { print("cancelled #\(id)") }
        }
    }
}

struct LiveFlatten: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "flatten",
        abstract: "Cancel every working order and close every position (of SYMBOL, or all).")
    @Argument(help: "Symbol or contract id (default: everything).") var symbol: String?
    @OptionGroup var options: LiveOptions

    func run() async throws {
        let (client, recorder) = try options.connect()
        try await runLive(recorder) {
            let a = try await options.resolveAccount(client)
            var contractID: String?
            if let symbol { contractID = symbol.hasPrefix("CON.") ? symbol : try await options.resolveContract(client, symbol).0.id }
            // Orders first: closing a position leaves its working orders at the gateway.
            let orders = try await client.workingOrders(accountId: a.id, contractId: contractID)
            for o in orders where o.parentOrderId == nil || o.orderStatus != .suspended { try? await client.cancelOrder(accountId: a.id, orderId: o.id) }
            let positions = try await client.openPositions(accountId: a.id).filter { contractID == nil || $0.contractId == contractID }
            for p in positions { try await client.closePosition(accountId: a.id, contractId: p.contractId) }
            if options.json { try Terminal.printJSON(["ordersCancelled": orders.count, "positionsClosed": positions.count]) }
            else { print("flatten: \(orders.count) orders cancelled, \(positions.count) positions closed") }
        }
    }
}

struct LiveRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the configuration's enabled strategies on the account (the default: `tsxlab live --config FILE`).",
        discussion: """
            Refuses a configuration no stored run tested, or whose hash changed since `tsxlab promote`
            pinned it (--force trades it anyway, with warnings). Replays the last --warmup-days of
            history through the strategies first, finding at the gateway by their tags the orders a
            previous run of the day placed (nothing is sent twice), and restores the day's risk state
            from the store. One line per bar on stdout (--json: one JSON object per line); the log
            (progress, warnings, the runner's notices, fills and refusals) on stderr, as text or, with
            --log-format json, one JSON object per line for the journal. SIGINT or SIGTERM: working
            orders cancelled, positions closed, then exit.
            """)

    @Option(help: "The live configuration (written by `tsxlab promote`).") var config: String
    @Option(help: ".env file whose values count as environment (default: ./.env when present).") var envFile: String?
    @Flag(help: "Trade a configuration that fails the promotion check, with warnings.") var force = false
    @Flag(help: "Run everything but send no order: each would-be command is printed.") var dryRun = false
    @Flag(help: "Start the risk state (high-water mark, day start, locks) afresh from the replay instead of the store's; after checking the account at the venue.") var resetRiskState = false
    @Flag(help: "Keep every trade print the market hub delivers in the store (the tape: `tsxlab data export --ticks`).") var recordTape = false
    @Flag(help: "With --record-tape: keep the quotes too.") var recordQuotes = false
    @Flag(help: "With --record-tape: keep the order book's updates too (the venue may need a market-depth subscription).") var recordDepth = false
    @Flag(help: "Paper trading: live market data, orders filled by the simulated exchange (nothing is sent; no promotion needed).") var paper = false
    @Option(help: ArgumentHelp("Serve the status page (/), /status.json and /metrics at HOST:PORT (beyond 127.0.0.1 it needs TSXLAB_HTTP_TOKEN).", valueName: "host:port"))
    var http: String?
    @Option(help: "The log on stderr: text (for a terminal) or json (one object per line with time, level, message, account, strategy, order tag: for the journal).")
    var logFormat: LogFormat = .text
    @Option(help: "Days of history replayed before trading (indicator warm-up, today's orders).") var warmupDays: Int = 20
    @Option(help: ArgumentHelp("Replay history from this time instead (a rehearsal on a recorded tape).", valueName: "time")) var warmupFrom: TimeArgument?
    @OptionGroup var options: LiveOptions

    /// `--http HOST:PORT`, or nil when it is not given or is not of that form.
    var statusAddress: LivePlan.StatusAddress? {
        guard let parts = http?.split(separator: ":"), parts.count == 2, let port = UInt16(parts[1]) else { return nil }
        return LivePlan.StatusAddress(host: String(parts[0]), port: port)
    }

    /// Every problem with the file, the environment and the flags, found before anything connects,
    /// so a service that fails to start says all of them at once.
    func preflight() -> [String] {
        var problems: [String] = []
        let env = options.environment
        do { _ = try APICredentials.load(environment: env) } catch { problems.append("\(error)") }
        if let text = try? String(contentsOfFile: config, encoding: .utf8) {
            let environment = RunConfiguration.environment(process: env, dotEnvPath: envFile ?? (FileManager.default.fileExists(atPath: ".env") ? ".env" : nil))
            do {
                let cfg = try RunConfiguration.parse(yaml: text, source: config, environment: environment)
                do { try cfg.checkConsistency() } catch { problems.append("\(error)") }
                if cfg.enabledStrategies.isEmpty { problems.append("\(config): no strategy is enabled") }
            } catch { problems.append("\(error)") }
        } else {
            problems.append("cannot read the configuration file \(config)")
        }
        do { _ = try options.riskRules() } catch { problems.append("\(error)") }
        for name in ["TSXLAB_DISCORD_WEBHOOK_FILE", "TSXLAB_WEBHOOK_URL_FILE", "TSXLAB_ALERT_SECRET_FILE", "TSXLAB_HTTP_TOKEN_FILE"] {
            if let f = env[name], !f.isEmpty { do { _ = try APICredentials.readKeyFile(f) } catch { problems.append("\(name): \(error)") } }
        }
        if let http {
            if let address = statusAddress {
                if !HTTPAccess.isLoopback(address.host) && env["TSXLAB_HTTP_TOKEN"] == nil && env["TSXLAB_HTTP_TOKEN_FILE"] == nil {
                    problems.append("--http \(http) listens beyond loopback: set TSXLAB_HTTP_TOKEN or TSXLAB_HTTP_TOKEN_FILE")
                }
            } else {
                problems.append("--http takes HOST:PORT, e.g. 127.0.0.1:8080, not '\(http)'")
            }
        } else if env["TSXLAB_ALERT_SECRET"] != nil || env["TSXLAB_ALERT_SECRET_FILE"] != nil {
            problems.append("an alert secret is set but --http is not: the alert endpoint needs the HTTP address")
        }
        if warmupDays < 1 { problems.append("--warmup-days must be at least 1, not \(warmupDays)") }
        if (recordQuotes || recordDepth) && !recordTape { problems.append("--record-quotes and --record-depth add to --record-tape: give it too") }
        return problems
    }

    func run() async throws {
        let problems = preflight()
        guard problems.isEmpty else {
            Terminal.error("cannot start the live runner (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n" + problems.map { "  - " + $0 }.joined(separator: "\n"))
            throw ExitCode(64)
        }
        // SIGTERM and SIGINT are taken from here on: one that comes while the runner starts up
        // (connecting, replaying) stops it gracefully once it is up, instead of killing it
        // half-started (the default action, exit 143, with nothing cancelled or closed).
        let stop = stopSignals()
        let metrics = RunnerMetrics()
        let (client, recorder) = try options.connect(also: MetricsAPICallSink(metrics))
        try await runLive(recorder) {
            let env = options.environment
            let environment = RunConfiguration.environment(process: env,
                dotEnvPath: envFile ?? (FileManager.default.fileExists(atPath: ".env") ? ".env" : nil))
            guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                throw DataError.noInput(path: config, reason: "cannot read the configuration file")
            }
            let cfg = try RunConfiguration.parse(yaml: text, source: config, environment: environment)
            try cfg.checkConsistency()
            let live = try LiveSection(fields: try RunConfiguration.liveSection(yaml: text, source: config) ?? [:], source: config)
            guard let db = try options.storeOptions.openStore() as? any SQLDatabase else {
                throw LiveCLIError.usage("the live runner needs a sqlite: or postgres:// store for its state")
            }
            let now = Int64(Date().timeIntervalSince1970)
            var plan = LivePlan(config: cfg, live: live, warmupFrom: warmupFrom?.timestamp ?? Timestamp(seconds: now - Int64(max(1, warmupDays)) * 86_400),
                                rtcURL: options.rtcURL)
            plan.account = options.account ?? live.account ?? env["PROJECTX_ACCOUNT"]
            plan.dryRun = dryRun
            plan.force = force
            plan.resetRiskState = resetRiskState
            plan.recordTape = recordTape
            plan.recordQuotes = recordQuotes
            plan.recordDepth = recordDepth
            // `preflight` refused a malformed --http.
            if let address = statusAddress {
                plan.statusAddress = address
                plan.statusToken = try APICredentials.secret("TSXLAB_HTTP_TOKEN", in: env)
                plan.alertSecret = try APICredentials.secret("TSXLAB_ALERT_SECRET", in: env)
            }
            plan.webhooks = try Self.webhooks(env)
            var job = LiveJob(client: client, db: db, store: try options.storeOptions.openStore(), registry: try options.storeOptions.registry(), metrics: metrics)
            let format = logFormat
            job.logger = Logger(label: "tsxlab.live") { LineLogHandler(label: $0, format: format) }
            let json = options.json, paper = self.paper, several = cfg.data.symbols.count > 1
            job.onBar = { line in
                // Straight to the descriptor: a pipe sees each bar as it happens.
                FileHandle.standardOutput.write(Data((Self.format(line, json: json, paper: paper, symbol: several) + "\n").utf8))
            }
            if paper {
                _ = try await job.paper(plan, until: stop)
            } else {
                try await job.run(plan, until: stop)
            }
        }
    }

    /// One bar's line: text for a terminal, or a JSON object; with `symbol` (several contracts)
    /// the bar's symbol leads the line.
    static func format(_ b: LiveBarLine, json: Bool, paper: Bool, symbol: Bool = false) -> String {
        if json {
            var fields = ["bar": b.time.iso8601, "close": b.close, "position": String(b.position), "equity": b.equity.description]
            if symbol { fields["symbol"] = b.symbol }
            if !paper {
                fields["balance"] = b.balance.description
                fields["dll_remaining"] = b.dailyLossRemaining?.description ?? ""
                fields["halted"] = b.halted ?? ""
            }
            return (try? JSONEncoder().encode(fields)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        let when = symbol ? "\(b.time.iso8601) \(b.symbol)" : b.time.iso8601
        if paper { return "\(when) close \(b.close)  position \(b.position)  equity \(b.equity)  (paper)" }
        return "\(when) close \(b.close)  position \(b.position)  equity \(b.equity)  DLL room \(b.dailyLossRemaining?.description ?? "-")\(b.halted.map { "  HALTED: \($0)" } ?? "")"
    }

    /// Webhooks from the environment (or 0600 files): `TSXLAB_DISCORD_WEBHOOK[_FILE]`,
    /// `TSXLAB_WEBHOOK_URL[_FILE]` (generic JSON). The URLs are secrets.
    static func webhooks(_ env: [String: String]) throws -> [WebhookTarget] {
        var out: [WebhookTarget] = []
        for (name, format) in [("TSXLAB_DISCORD_WEBHOOK", WebhookTarget.Format.discord), ("TSXLAB_WEBHOOK_URL", .json)] {
            if let url = try APICredentials.secret(name, in: env) { out.append(WebhookTarget(url: url, format: format)) }
        }
        return out
    }
}

extension LogFormat: ExpressibleByArgument {}
