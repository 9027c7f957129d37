import ArgumentParser
import Data
import Foundation
import ProjectX
import ProjectXGateway
import Trading

struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "A ProjectX gateway on 127.0.0.1 that fills orders from stored bars (rehearsals and tests).",
        subcommands: [GatewayServe.self]
    )
}

struct GatewayServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ProjectX REST endpoints and both SignalR hubs on 127.0.0.1.",
        discussion: """
            The gateway replays one contract's bars from the store (or a CSV file) and fills orders
            with the simulated exchange. Several contracts on the one account: repeat --symbol (and
            --csv and --contract, one each in the same order), e.g. --symbol MES --csv mes.csv
            --symbol NQ --csv nq.csv; their bars play in time order, bars of the same minute in the
            order given, each contract filling on its own tick size. It prints `listening http://127.0.0.1:PORT` once ready.
            With --speed 0 the tape moves only on `POST /_gateway/step {"bars": N}` (or {"minutes": N}:
            every contract's bars of the next N bar times); with --speed 60 a 1-minute bar (of every
            contract) plays each second. Faults: `POST /_gateway/faults` with any of
            rejectOrders, rateLimit, retryAfter, expireTokens, slowMs, dropSockets, restart, downMs,
            loseNextPlaceAnswer, nullErrorMessages. `GET /_gateway/state` reports counters. The
            account is named after its size as TopStepX names Combines: --account 150 serves
            150KTC-LOOPBACK-1 holding $150,000 (--account unlimited: LOOPBACK-1, $50,000). Point the live runner at it
            with PROJECTX_API_URL=http://127.0.0.1:PORT PROJECTX_RTC_URL=ws://127.0.0.1:PORT.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port: UInt16 = 0

    @Option(help: ArgumentHelp("Symbol whose bars a tape plays (default ES). Repeatable: one tape per symbol, traded on the one account.", valueName: "symbol"))
    var symbol: [String] = []

    @Option(help: ArgumentHelp("The contract a tape is (CME code, e.g. ESZ13), one per --symbol in the same order. Default: the front month at the tape's start.", valueName: "code"))
    var contract: [String] = []

    @Option(help: "Timeframe of the tape.")
    var timeframe: Timeframe = .oneMinute

    @Option(help: ArgumentHelp("Start of the tape (date or ISO-8601 time, UTC).", valueName: "time"))
    var from: TimeArgument?

    @Option(help: ArgumentHelp("End of the tape (exclusive).", valueName: "time"))
    var to: TimeArgument?

    @Option(help: ArgumentHelp("Read a tape from this CSV/CSV.gz file instead of the store, one per --symbol in the same order.", valueName: "file"))
    var csv: [String] = []

    @Option(name: .customLong("history-tape"), help: ArgumentHelp("Another dated contract's bars (CODE=FILE, or CODE for the store's CODE series), served by the contract and history endpoints up to the replay clock, not traded: a pull across a roll sees both months. Repeatable.", valueName: "code[=file]"))
    var historyTapes: [String] = []

    @Option(help: "Market seconds played per real second (0: only on request).")
    var speed: Double = 0

    @Option(help: ArgumentHelp("The account's rules: a TopStepX Combine size (50, 100, 150) or 'unlimited'.", valueName: "size"))
    var account: String = "50"

    @Option(help: ArgumentHelp("Override the daily loss limit (USD).", valueName: "usd"))
    var dailyLossLimit: Double?

    @Option(help: ArgumentHelp("Override the trailing maximum loss: the drawdown from the end-of-day high-water mark (USD).", valueName: "usd"))
    var maxLoss: Double?

    @Option(help: ArgumentHelp("The level at which the maximum loss stops trailing (USD), or 'none'. Default: the account's.", valueName: "usd|none"))
    var maxLossLock: String?

    @Option(help: "Token lifetime in seconds.")
    var tokenLifetime: Int64 = 86_400

    @Option(help: "Seconds between server pings on the hubs.")
    var pingInterval: Double = 15

    @Option(help: ArgumentHelp("Shape of user-hub payloads: wrapped, bare or array.", valueName: "shape"))
    var payloadShape: String = "wrapped"

    @Option(help: ArgumentHelp("History rate limit as N/SECONDS.", valueName: "n/s"))
    var historyLimit: String = "50/30"

    @Option(help: ArgumentHelp("Rate limit of the other endpoints as N/SECONDS.", valueName: "n/s"))
    var generalLimit: String = "200/60"
    @Option(help: ArgumentHelp("Second and minute bars of an expired contract: keep (served) or none (the venue is reported to keep minute bars only for the active month).", valueName: "keep|none"))
    var expiredMinuteHistory: String = "keep"

    /// One tape per `--symbol`: each symbol once, with one `--csv` and one `--contract` each (or none).
    func validate() throws {
        let symbols = symbol.isEmpty ? ["ES"] : symbol
        guard Set(symbols).count == symbols.count else {
            throw ValidationError("--symbol names \(symbols.joined(separator: ", ")): give each symbol once (one tape per contract)")
        }
        guard csv.isEmpty || csv.count == symbols.count else {
            throw ValidationError("--csv is given \(csv.count) time(s) for \(symbols.count) --symbol(s): give one file per symbol, in the same order, or none to read the store")
        }
        guard contract.isEmpty || contract.count == symbols.count else {
            throw ValidationError("--contract is given \(contract.count) time(s) for \(symbols.count) --symbol(s): give one code per symbol, in the same order, or none for the front months")
        }
    }

    func run() async throws {
        var config = GatewayConfig()
        config.port = port
        config.speed = speed
        config.tokenLifetime = tokenLifetime
        config.pingInterval = pingInterval
        switch expiredMinuteHistory {
        case "keep": config.expiredMinuteHistory = true
        case "none": config.expiredMinuteHistory = false
        default: throw ValidationError("--expired-minute-history must be keep or none, not '\(expiredMinuteHistory)'")
        }
        guard let shape = PXUserEventPayload.Shape(rawValue: payloadShape) else {
            throw ValidationError("--payload-shape must be wrapped, bare or array, not '\(payloadShape)'")
        }
        config.payloadShape = shape
        guard var rules = account == "unlimited" ? RiskRules.unlimited(Money(cents: 50_000_00)) : Int(account).flatMap({ RiskRules.topstepCombine($0) }) else {
            throw ValidationError("--account must be 50, 100, 150 or unlimited, not '\(account)'")
        }
        if let dll = dailyLossLimit {
            guard dll > 0 else { throw ValidationError("--daily-loss-limit must be positive, not \(dll)") }
            rules.dailyLossLimit = Money(cents: Int64((dll * 100).rounded()))
        }
        if let mll = maxLoss {
            guard mll > 0 else { throw ValidationError("--max-loss must be positive, not \(mll)") }
            rules.maxLossDrawdown = Money(cents: Int64((mll * 100).rounded()))
            rules.maxLossLockLevel = rules.maxLossLockLevel ?? rules.startingBalance
        }
        if let lock = maxLossLock {
            if lock == "none" { rules.maxLossLockLevel = nil }
            else if let v = Double(lock), v > 0 { rules.maxLossLockLevel = Money(cents: Int64((v * 100).rounded())) }
            else { throw ValidationError("--max-loss-lock must be a positive amount in USD or 'none', not '\(lock)'") }
        }
        config.rules = rules
        config.accountName = GatewayConfig.accountName(size: Int(account))
        config.historyLimit = try Self.limit(historyLimit, "--history-limit")
        config.generalLimit = try Self.limit(generalLimit, "--general-limit")
        let tapes: [GatewayTape]
        do { tapes = try loadTapes() } catch let e as DataError {
            Terminal.error(e.description)
            throw ExitCode(e.exitCode)
        }
        let history: [GatewayTape]
        do { history = try historyTapes.map(loadHistoryTape) } catch let e as DataError {
            Terminal.error(e.description)
            throw ExitCode(e.exitCode)
        }
        let server = try GatewayServer(config: config, tapes: tapes, history: history)
        let bound = try await server.start()
        let served = tapes.map { "\($0.contract.cmeCode), \($0.series.count) bars from \($0.series.first?.time.iso8601 ?? "-")" }.joined(separator: "; ")
        // Written straight to the descriptor (no stdio buffer): a script waits for this line.
        FileHandle.standardOutput.write(Data("listening http://127.0.0.1:\(bound) (\(served))\n".utf8))
        // Serve until SIGINT or SIGTERM.
        let stop = stopSignals()
        for await _ in stop { break }
        await server.stop()
    }

    static func limit(_ text: String, _ flag: String) throws -> (Int, Double) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let n = Int(parts[0]), n > 0, let s = Double(parts[1]), s > 0 else {
            throw ValidationError("\(flag) takes N/SECONDS, e.g. 50/30, not '\(text)'")
        }
        return (n, s)
    }

    /// `CODE=FILE` or `CODE` (the store's series of that name) as a history-only tape.
    func loadHistoryTape(_ text: String) throws -> GatewayTape {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard let id = ContractID(cme: parts[0]) else {
            throw ValidationError("--history-tape '\(text)' must start with a dated contract code such as ESH14")
        }
        let spec = try storeOptions.registry().spec(for: id.symbol)
        let series: BarSeries
        if parts.count == 2 {
            series = try BarCSV.read(path: parts[1], options: BarCSVOptions(symbol: id.symbol, timeframe: timeframe, tickSize: spec.tickSize)).0
        } else {
            series = try storeOptions.openStore().read(SeriesKey(symbol: id.cmeCode, timeframe: timeframe), TimeWindow(from: .distantPast, to: .distantFuture))
        }
        guard !series.isEmpty else {
            throw DataError.noInput(path: parts.count == 2 ? parts[1] : storeOptions.storeURL(), reason: "no \(id.cmeCode) \(timeframe) bars for --history-tape")
        }
        return GatewayTape(series: series, contract: id)
    }

    /// One tape per `--symbol` (ES when none is given), each with its `--csv` and `--contract`
    /// in the same position.
    func loadTapes() throws -> [GatewayTape] {
        let symbols = symbol.isEmpty ? ["ES"] : symbol
        return try symbols.indices.map { k in
            try loadTape(symbol: symbols[k], csv: csv.isEmpty ? nil : csv[k], contract: contract.isEmpty ? nil : contract[k])
        }
    }

    func loadTape(symbol: String, csv: String?, contract: String?) throws -> GatewayTape {
        let registry = try storeOptions.registry()
        let spec = try registry.spec(for: symbol)
        let window = TimeWindow(from: from?.timestamp ?? .distantPast, to: to?.timestamp ?? .distantFuture)
        let series: BarSeries
        if let csv {
            let (s, _) = try BarCSV.read(path: csv, options: BarCSVOptions(symbol: symbol, timeframe: timeframe, tickSize: spec.tickSize))
            series = s.slice(from: window.from, to: window.to)
        } else {
            series = try storeOptions.openStore().read(SeriesKey(symbol: symbol, timeframe: timeframe), window)
        }
        guard let first = series.first else {
            throw DataError.noInput(path: csv ?? storeOptions.storeURL(), reason: "no \(symbol) \(timeframe) bars in \(window); import some with `tsxlab data import`")
        }
        let id: ContractID
        if let contract {
            guard let c = ContractID(cme: contract), c.symbol == symbol else {
                throw ValidationError("--contract '\(contract)' is not a \(symbol) contract code such as \(symbol)Z13")
            }
            id = c
        } else {
            id = ContractID.front(symbol: symbol, on: CivilTime(utcSeconds: first.time.seconds), cycle: spec.monthCycle)
        }
        return GatewayTape(series: series, contract: id)
    }
}
