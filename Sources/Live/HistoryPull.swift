import Foundation
import Synchronization
import Data
import ProjectX

/// What `tsxlab data pull` asks for: a symbol's bars over a window, into the store.
public struct PullRequest: Sendable {
    /// A product (`ES`: the dated contracts the window spans) or one dated contract (`ESZ13`).
    public var symbol: String
    /// One dated contract instead of the ones the window spans (`--contract ESZ25`).
    public var contract: String?
    /// Any timeframe from 1s; 1d, 1w and 1M are built from pulled minute bars.
    public var timeframe: Timeframe
    /// First bar time wanted (UTC, inclusive).
    public var from: Timestamp
    /// End of the window (UTC, exclusive); nil or later than now: now.
    public var to: Timestamp?
    /// Stitch the continuous series (named after the product) at the roll dates.
    public var continuous = false
    public var adjustment: ContinuousSeries.Adjustment = .none
    /// Bars asked for per history call (1…20,000, the endpoint's limit).
    public var pageBars = 20_000

    public init(symbol: String, contract: String? = nil, timeframe: Timeframe, from: Timestamp, to: Timestamp? = nil) {
        self.symbol = symbol; self.contract = contract; self.timeframe = timeframe; self.from = from; self.to = to
    }
}

/// A pull that cannot go on as asked. Each case says what to do; `exitCode` is what the CLI exits
/// with (64 usage, 65 bad input, 69 the venue failed).
public enum PullError: Error, Equatable, CustomStringConvertible {
    case unknownSymbol(String, near: [String])
    case futureWindow(from: Timestamp, now: Timestamp)
    case emptyWindow(from: Timestamp, to: Timestamp)
    case contractMismatch(contract: String, symbol: String)
    case timeframeUnsupported(Timeframe)
    /// The history endpoint refused the bar unit or its count (codes 2 and 3).
    case timeframeRefused(Timeframe, code: Int, message: String?)
    /// Neither the contract search nor the lookup by id knows the contract.
    case notListed(contract: String, id: String, listed: [String])
    /// The venue answered a call with an error code.
    case venue(endpoint: String, code: Int, message: String?)
    /// The venue sent a bar the store cannot hold (a price off the tick grid).
    case badBar(contract: String, reason: String)

    public var exitCode: Int32 {
        switch self {
        case .futureWindow, .emptyWindow, .contractMismatch, .timeframeUnsupported: 64
        case .unknownSymbol, .timeframeRefused, .notListed, .badBar: 65
        case .venue: 69
        }
    }

    public var description: String {
        switch self {
        case let .unknownSymbol(s, near):
            "unknown symbol '\(s)'" + (near.isEmpty ? "" : "; near matches: \(near.joined(separator: ", "))")
                + ". Give a product (ES) or a dated contract (ESZ25), or add the product with a contracts file (--contracts-file FILE)"
        case let .futureWindow(from, now):
            "the window starts at \(from), in the future (now is \(now)): give an earlier --from"
        case let .emptyWindow(from, to):
            "the window [\(from), \(to)) is empty: --from must come before --to"
        case let .contractMismatch(contract, symbol):
            "--contract \(contract) is not a dated contract of \(symbol): give one such as \(symbol)Z25"
        case let .timeframeUnsupported(t):
            "\(t) bars cannot be pulled or built: give 1s … 4h, or 1d, 1w or 1M (built from minute bars)"
        case let .timeframeRefused(t, code, message):
            "the venue refuses \(t) bars (code \(code)\(message.map { ": \($0)" } ?? "")): pull a timeframe it serves, e.g. 1m, and build coarser bars with `tsxlab data resample`"
        case let .notListed(contract, id, listed):
            "the venue does not know \(contract) (\(id))" + (listed.isEmpty ? "" : "; it lists \(listed.joined(separator: ", "))")
                + ": narrow the window to months it lists, or give --contract"
        case let .venue(endpoint, code, message):
            "the venue answered \(endpoint) with error code \(code)\(message.map { ": \($0)" } ?? ""): check the request, or try again later"
        case let .badBar(contract, reason):
            "\(contract): \(reason); the page was not stored"
        }
    }
}

/// How far a pull has come (after each history call), for a progress line.
public struct PullProgress: Sendable {
    public var contract: String
    /// Bars received so far (all contracts).
    public var bars: Int
    /// History calls answered so far.
    public var calls: Int
    /// Rate-limit answers (HTTP 429) so far: each one slowed the pull down.
    public var rateLimited: Int
    /// Window time fetched and to fetch in all (seconds of market time the store lacked).
    public var doneSeconds: Int64
    public var totalSeconds: Int64
    /// Seconds since the pull started.
    public var elapsed: Double

    /// Seconds left at the rate so far; nil before anything is done.
    public var eta: Double? {
        guard doneSeconds > 0, totalSeconds >= doneSeconds else { return nil }
        return elapsed * Double(totalSeconds - doneSeconds) / Double(doneSeconds)
    }
}

/// What a pull did; `--json` prints it.
public struct PullReport: Codable, Sendable {
    /// One dated contract's part of the pull.
    public struct ContractPart: Codable, Sendable {
        /// `ESZ13`: the series the bars are stored under.
        public var contract: String
        /// `CON.F.US.EP.Z13`.
        public var contractId: String
        /// The window pulled for this contract (UTC), `[from, to)`.
        public var from: String
        public var to: String
        /// Stretches of trading time the store lacked in that window (only these were asked for).
        public var missing: Int
        public var calls: Int
        public var bars: Int
        public var inserted: Int
        public var updated: Int
        public var unchanged: Int
    }

    /// A series built from the pulled ones (coarser bars, the continuous series).
    public struct Built: Codable, Sendable {
        public var symbol: String
        public var timeframe: String
        public var bars: Int
        public var inserted: Int
        public var updated: Int
    }

    public struct RollJSON: Codable, Sendable {
        public var from: String
        public var to: String
        public var at: String
        /// Ticks, nil when the two never traded in the same minute before the roll.
        public var spreadTicks: Int64?
    }

    public var symbol: String
    public var timeframe: String
    /// The timeframe asked of the venue (1m for 1d, 1w and 1M).
    public var pulledTimeframe: String
    public var from: String
    public var to: String
    public var contracts: [ContractPart] = []
    public var built: [Built] = []
    public var rolls: [RollJSON] = []
    public var calls = 0
    public var rateLimited = 0
    public var bars = 0
    public var seconds = 0.0
}

/// Counts the history calls a client makes and the rate-limit answers among them (an
/// `APICallSink` beside the store's recorder).
public final class HistoryCallCounter: APICallSink {
    private let counts = Mutex((calls: 0, limited: 0))
    public init() {}
    public func record(_ call: APICallRecord) {
        guard call.endpoint.lowercased() == "/api/history/retrievebars" else { return }
        counts.withLock { c in
            c.calls += 1
            if call.status == 429 { c.limited += 1 }
        }
    }
    public var calls: Int { counts.withLock { $0.calls } }
    public var rateLimited: Int { counts.withLock { $0.limited } }
}

/// Pulls bars from the ProjectX history endpoint into a store (`tsxlab data pull`).
///
/// - Contracts: a product's window is split at the roll dates `ContinuousSeries` stitches at;
///   each dated contract is pulled over the part it is front month, plus the session before its
///   roll (where the roll's spread is measured), and stored as its own series (`ESZ13 1m`).
/// - Only what the store lacks: the store's coverage (the windows recorded as fetched) is
///   subtracted first, and what is left is trimmed to trading sessions.
/// - Paging: backwards from the end of each missing stretch, `pageBars` bars a call; each page is
///   one store transaction with the window it covers, so a pull stopped at any moment keeps
///   every page it stored and a rerun asks for the rest only.
/// - Budget: the client's history limiter (50 calls / 30 s) paces the calls; a rate-limit answer
///   (HTTP 429, `Retry-After`) slows the pull down and is never an error.
/// - The newest `settleSeconds` are stored but not recorded as fetched: the venue may still add
///   to them, and the next pull asks again.
/// - 1d, 1w and 1M: minute bars are pulled over whole trade days and the coarser bars built from
///   them by the CME trade day (`Resample`), never taken from the venue, whose daily bars start
///   at another hour.
public struct HistoryPull: Sendable {
    public let client: ProjectXClient
    public let store: any BarStore
    public let registry: ContractRegistry
    public var calendar: SessionCalendar = .cmeEquityIndex
    public var counter: HistoryCallCounter?
    public var settleSeconds: Int64 = 120
    public var now: @Sendable () -> Timestamp = { Timestamp(seconds: Int64(Date().timeIntervalSince1970)) }

    public init(client: ProjectXClient, store: any BarStore, registry: ContractRegistry, counter: HistoryCallCounter? = nil) {
        self.client = client; self.store = store; self.registry = registry; self.counter = counter
    }

    /// Runs a pull; `progress` hears after every history call.
    public func run(_ r: PullRequest, progress: @escaping @Sendable (PullProgress) -> Void = { _ in }) async throws -> PullReport {
        let started = monotonicSeconds()
        let spec = try await resolveSpec(r.symbol)
        guard let base = Self.pulledTimeframe(r.timeframe) else { throw PullError.timeframeUnsupported(r.timeframe) }
        let now = self.now()
        guard r.from < now else { throw PullError.futureWindow(from: r.from, now: now) }
        var window = TimeWindow(from: r.from, to: min(r.to ?? now, now))
        guard !window.isEmpty else { throw PullError.emptyWindow(from: window.from, to: window.to) }
        if r.timeframe.isSessionBased {
            // Whole trade days: a daily bar is built from its whole session.
            window.from = calendar.session(for: calendar.tradeDate(containing: window.from))?.open ?? window.from
            let lastDay = calendar.tradeDate(containing: window.to.adding(seconds: -1))
            if let s = calendar.session(for: lastDay), s.open < window.to { window.to = min(now, s.close) }
        }
        let parts = try contracts(r, spec: spec, window: window)
        let listed = try await venueContracts(spec)

        var report = PullReport(symbol: spec.symbol, timeframe: r.timeframe.description, pulledTimeframe: base.description,
                                from: window.from.description, to: window.to.description)
        let (unitCode, unitCount) = base.projectXUnit
        guard let unit = PXBarUnit(rawValue: unitCode) else { throw PullError.timeframeUnsupported(r.timeframe) }
        let settled = now.adding(seconds: -settleSeconds)
        let limit = max(1, min(r.pageBars, 20_000))

        // What the store lacks, per contract, before asking for anything.
        var plans: [(id: ContractID, pxID: String, window: TimeWindow, missing: [TimeWindow])] = []
        for (id, part) in parts {
            let pxID = try await checkListed(id, listed: listed)
            let key = SeriesKey(symbol: id.cmeCode, timeframe: base)
            let store = self.store
            let covered = try await offPool { try store.coverage(key) }
            plans.append((id, pxID, part, SeriesCoverage.holes(coverage: covered, within: part, calendar: calendar)))
        }
        let total = plans.reduce(Int64(0)) { $0 + $1.missing.reduce(Int64(0)) { $0 + $1.to.seconds - $1.from.seconds } }
        var done: Int64 = 0
        let limitedBefore = counter?.rateLimited ?? 0
        var calls = 0, bars = 0

        for plan in plans {
            let key = SeriesKey(symbol: plan.id.cmeCode, timeframe: base)
            var part = PullReport.ContractPart(contract: plan.id.cmeCode, contractId: plan.pxID, from: plan.window.from.description,
                                               to: plan.window.to.description, missing: plan.missing.count, calls: 0, bars: 0,
                                               inserted: 0, updated: 0, unchanged: 0)
            for gap in plan.missing {
                var end = gap.to
                var slowdowns = 0
                while end > gap.from {
                    let page: [PXBar]
                    do {
                        page = try await client.retrieveBarsPage(contractId: plan.pxID, unit: unit, unitNumber: unitCount,
                                                                 start: gap.from, end: end, limit: limit)
                    } catch ProjectXError.rateLimited {
                        // Still limited after the client's own waits: wait on (the limiter holds
                        // the next call back until the venue's Retry-After), no error.
                        slowdowns += 1
                        if slowdowns > 100 { throw ProjectXError.rateLimited(endpoint: "/api/History/retrieveBars") }
                        continue
                    } catch ProjectXError.rejected(let endpoint, let code, let message) {
                        if code == 2 || code == 3 { throw PullError.timeframeRefused(base, code: code, message: message) }
                        throw PullError.venue(endpoint: endpoint, code: code, message: message)
                    }
                    slowdowns = 0
                    calls += 1; part.calls += 1
                    let series: BarSeries
                    do { series = try ProjectXBarSource.series(page, key, spec.tickSize).slice(from: gap.from, to: end) } catch {
                        throw PullError.badBar(contract: plan.id.cmeCode, reason: "\(error)")
                    }
                    // A full page may have more before it: it covers from its earliest bar only.
                    let full = page.count >= limit && !series.isEmpty
                    let coverFrom = full ? series.first!.time : gap.from
                    let cover = TimeWindow(from: coverFrom, to: min(end, settled))
                    let store = self.store
                    let stored = try await offPool { try store.write(series, coverage: cover.isEmpty ? nil : cover) }
                    part.bars += series.count; bars += series.count
                    part.inserted += stored.inserted; part.updated += stored.updated; part.unchanged += stored.unchanged
                    done += end.seconds - coverFrom.seconds
                    progress(PullProgress(contract: plan.id.cmeCode, bars: bars, calls: calls,
                                          rateLimited: (counter?.rateLimited ?? 0) - limitedBefore,
                                          doneSeconds: done, totalSeconds: total, elapsed: monotonicSeconds() - started))
                    guard full, coverFrom < end else { break }
                    end = coverFrom
                }
            }
            report.contracts.append(part)
        }

        let names = plans.map(\.id.cmeCode)
        if r.timeframe.isSessionBased {
            for plan in plans { try await build(plan.id.cmeCode, from: base, to: r.timeframe, window: plan.window, into: &report) }
        }
        if r.continuous && r.contract == nil && ContractID(cme: r.symbol) == nil {
            let store = self.store
            let withBars = try await offPool { try names.filter { try store.count(SeriesKey(symbol: $0, timeframe: base)) > 0 } }
            if !withBars.isEmpty {
                let (adjustment, calendar, symbol) = (r.adjustment, self.calendar, spec.symbol)
                let (series, rolls, stored) = try await offPool {
                    try ContinuousSeries.rollStored(store, symbol: symbol, timeframe: base, contracts: withBars, adjustment: adjustment, calendar: calendar)
                }
                report.rolls = rolls.map { .init(from: $0.from.cmeCode, to: $0.to.cmeCode, at: $0.at.description, spreadTicks: $0.spreadTicks) }
                report.built.append(.init(symbol: symbol, timeframe: base.description, bars: series.count, inserted: stored.inserted, updated: stored.updated))
                if r.timeframe.isSessionBased { try await build(symbol, from: base, to: r.timeframe, window: window, into: &report) }
            }
        }
        report.calls = calls
        report.rateLimited = (counter?.rateLimited ?? 0) - limitedBefore
        report.bars = bars
        report.seconds = monotonicSeconds() - started
        return report
    }

    /// The timeframe asked of the venue for `t`: itself below a day, 1m for 1d, 1w and 1M; nil
    /// for a multi-day count (2d), which neither the venue's bars nor the trade day give.
    public static func pulledTimeframe(_ t: Timeframe) -> Timeframe? {
        guard t.isSessionBased else { return t }
        return t.count == 1 ? .oneMinute : nil
    }

    /// Where `data pull --keep-fresh` starts for `symbol` at `timeframe`: the newest bar stored
    /// (its continuous series or any of its dated contracts); for 1d, 1w and 1M, the newest such
    /// bar, else the oldest minute bar stored (everything stored is built). Nil: nothing stored.
    public func freshFrom(symbol: String, timeframe: Timeframe) throws -> Timestamp? {
        guard let base = Self.pulledTimeframe(timeframe) else { return nil }
        let product = (try? registry.spec(for: symbol).symbol) ?? symbol.uppercased()
        let series = try store.listSeries().filter { s in s.key.symbol == product || ContractID(cme: s.key.symbol)?.symbol == product }
        if timeframe.isSessionBased {
            if let built = series.filter({ $0.key.timeframe == timeframe }).compactMap(\.last).max() { return built }
            return series.filter { $0.key.timeframe == base }.compactMap(\.first).min()
        }
        return series.filter { $0.key.timeframe == base }.compactMap(\.last).max()
    }

    /// Resamples a stored series over `window` to a trade-day timeframe and stores the result.
    func build(_ symbol: String, from base: Timeframe, to target: Timeframe, window: TimeWindow, into report: inout PullReport) async throws {
        let (store, calendar) = (self.store, self.calendar)
        let out = try await offPool { () -> (Int, UpsertResult) in
            let source = try store.read(SeriesKey(symbol: symbol, timeframe: base), window)
            guard !source.isEmpty else { return (0, UpsertResult()) }
            let built = try source.resampled(to: target, calendar: calendar)
            return (built.count, try store.write(built, coverage: window))
        }
        if out.0 > 0 { report.built.append(.init(symbol: symbol, timeframe: target.description, bars: out.0, inserted: out.1.inserted, updated: out.1.updated)) }
    }

    /// The product's specification, or the error naming near matches (the registry's symbols and
    /// what the venue's contract search finds for the text).
    func resolveSpec(_ symbol: String) async throws -> ContractSpec {
        if let s = try? registry.spec(for: symbol) { return s }
        let text = symbol.uppercased()
        var near = registry.specs.keys.filter { Self.isNear($0, text) }.sorted()
        if let found = try? await client.searchContracts(text) { near += found.map(\.name).filter { !near.contains($0) } }
        throw PullError.unknownSymbol(symbol, near: Array(near.prefix(10)))
    }

    /// One contains the other, or they are within one edit (two for names of four letters or more).
    static func isNear(_ a: String, _ b: String) -> Bool {
        if a.contains(b) || b.contains(a) { return true }
        let allowed = min(a.count, b.count) >= 4 ? 2 : 1
        let x = Array(a), y = Array(b)
        var row = Array(0...y.count)
        for i in 1...max(1, x.count) where i <= x.count {
            var next = [i] + Array(repeating: 0, count: y.count)
            for j in 1...max(1, y.count) where j <= y.count {
                next[j] = min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            row = next
        }
        return row[y.count] <= allowed
    }

    /// The dated contracts to pull, each with its window.
    func contracts(_ r: PullRequest, spec: ContractSpec, window: TimeWindow) throws -> [(ContractID, TimeWindow)] {
        if let code = r.contract ?? (ContractID(cme: r.symbol).flatMap { registry.specs[$0.symbol] != nil ? r.symbol : nil }) {
            guard let id = ContractID(cme: code), id.symbol == spec.symbol else {
                throw PullError.contractMismatch(contract: code, symbol: spec.symbol)
            }
            return [(id, window)]
        }
        let segments = ContinuousSeries.segments(symbol: spec.symbol, cycle: spec.monthCycle, window: window, calendar: calendar)
        return segments.enumerated().map { k, s in
            guard k > 0 else { return (s.contract, s.window) }
            // The session before the roll too: the roll's spread is measured there.
            let day = calendar.previousTradingDay(before: calendar.tradeDate(containing: s.window.from))
            let open = calendar.session(for: day)?.open ?? s.window.from
            return (s.contract, TimeWindow(from: max(window.from, open), to: s.window.to))
        }
    }

    /// The venue's contracts for the product (one contract search).
    func venueContracts(_ spec: ContractSpec) async throws -> [PXContract] {
        do { return try await client.searchContracts(spec.projectXRoot) } catch ProjectXError.rejected(let e, let code, let message) {
            throw PullError.venue(endpoint: e, code: code, message: message)
        }
    }

    /// The venue's id for a dated contract: from the search, else by a lookup of its id (the
    /// search may list active months only).
    func checkListed(_ id: ContractID, listed: [PXContract]) async throws -> String {
        let pxID = id.projectXID(registry: registry)
        if listed.contains(where: { $0.id.caseInsensitiveCompare(pxID) == .orderedSame }) { return pxID }
        do { return try await client.contract(id: pxID).id } catch ProjectXError.rejected(_, 1, _) {
            throw PullError.notListed(contract: id.cmeCode, id: pxID, listed: listed.filter { $0.id.contains(".\(registry.specs[id.symbol]?.projectXRoot ?? id.symbol).") }.map(\.name))
        } catch ProjectXError.rejected(let e, let code, let message) {
            throw PullError.venue(endpoint: e, code: code, message: message)
        }
    }
}
