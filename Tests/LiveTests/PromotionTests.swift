import Backtest
import Data
import Foundation
import Live
import Jobs
import Strategies
import Testing
import Trading
import TSXLabTesting

/// A real backtest of the overnight-range breakout on the shipped ESZ13 tape, recorded in a
/// SQLite store in a temporary folder, as `tsxlab backtest` records it.
struct RecordedRun {
    let db: SQLiteBarStore
    let summary: RunSummary
    let configText: String
    var hash: String { summary.configHash }

    /// The run's canonical configuration text (the shape of `RunConfiguration.canonicalText`),
    /// with `atr_period` as given.
    static func canonical(atrPeriod: String) throws -> (String, ParameterSet) {
        let d = try StrategyCatalog.descriptor(named: "overnight_range")
        var p = d.defaults()
        try p.set("atr_period", text: atrPeriod, source: "test")
        var lines = [
            "account.rules=unlimited", "account.starting_balance=50000.00", "account.daily_loss_limit=off",
            "account.max_loss_drawdown=off", "account.max_contracts=off", "account.safety_buffer=off",
            "account.no_new_entries_after=off", "account.flatten_time=off", "data.symbol=ES", "data.timeframe=1m",
            "data.from=start", "data.to=2013-10-12T00:00:00Z", "data.finer_timeframe=none", "exchange.path_model=nearest",
            "exchange.stop_slippage_ticks=0", "exchange.market_slippage_ticks=0", "exchange.commission_per_side=table",
            "exchange.enforce_sessions=true", "strategy.overnight_range.symbol=ES",
        ]
        for spec in p.specs { lines.append("strategy.overnight_range.\(spec.name)=\(p.values[spec.name]!)") }
        return (lines.joined(separator: "\n") + "\n", p)
    }

    static func hash(_ text: String) -> String { SHA256.hex(Array(text.utf8)) }

    static func record() throws -> RecordedRun {
        let db = try SQLiteBarStore(path: TestEnvironment.temporaryDirectory("promote") + "/tsxlab.sqlite")
        let (text, parameters) = try canonical(atrPeriod: "2")
        let spec = try ContractRegistry.builtIn.spec(for: "ES")
        let all = try SharedData.readBars(path: TestEnvironment.shippedDataset("ESZ13_1m_lean.csv.gz"), symbol: "ES", tickSize: spec.tickSize)
        let series = all.slice(from: all.first!.time, to: Timestamp(iso8601: "2013-10-12T00:00:00Z")!)
        let strategy = try StrategyCatalog.descriptor(named: "overnight_range").build(symbol: "ES", parameters: parameters)
        let rules = RiskRules.unlimited(Money(cents: 50_000_00))
        let ex = SimulatedExchange(instruments: [Instrument(spec: spec)], rules: rules)
        let result = BacktestEngine(exchange: ex, strategies: [strategy]).run(series)
        let hash = Self.hash(text)
        let summary = RunSummary.make(runId: RunRecorder.newRunID(configHash: hash), result: result, strategies: [strategy.name],
                                      series: series, rules: rules, configHash: hash)
        try RunRecorder.save(summary, result: result, configText: text, spec: { _ in spec }, into: db)
        return RecordedRun(db: db, summary: summary, configText: text)
    }
}

/// Reads `key: value` lines of the pin back (a stand-in for the YAML loader, which `Live` does
/// not depend on; the CLI tests load the whole file with it).
func pinFields(_ yaml: String) -> [String: String] {
    var out: [String: String] = [:]
    var inPin = false
    for line in yaml.split(separator: "\n").map(String.init) {
        if line == "  pinned:" { inPin = true; continue }
        guard inPin, line.hasPrefix("    "), let colon = line.range(of: ": ") else { continue }
        var value = String(line[colon.upperBound...])
        if value.hasPrefix("\"") { value = String(value.dropFirst().dropLast()) }
        out["pinned." + line[..<colon.lowerBound].trimmingCharacters(in: .whitespaces)] = value
    }
    return out
}

@Suite("Promotion of a tested run to live, and the check before trading")
struct PromotionTests {
    @Test("a promoted run's file carries its configuration, account and pin; its hash verifies with no warning")
    func promoteAndVerify() throws {
        let run = try RecordedRun.record()
        #expect(run.summary.trades > 0)
        let (text, pin) = try Promotion.promote(runID: run.summary.runId, account: "PRAC-V2 #7", db: run.db)
        #expect(pin.runID == run.summary.runId)
        #expect(pin.configHash == run.hash)
        #expect(pin.dataFrom == run.summary.dataFrom && pin.dataTo == run.summary.dataTo && pin.dataFrom != nil)
        #expect(pin.codeVersion == ProductVersion.string)
        #expect(pin.trades == run.summary.trades && pin.netPnlUsd == run.summary.netPnlUsd && pin.winRate == run.summary.winRate)
        #expect(pin.profitFactor == run.summary.profitFactor && pin.sharpe == run.summary.sharpe
            && pin.maxDrawdownUsd == run.summary.maxDrawdownUsd)
        // The configuration as the loader reads it: defaults left out, times quoted, strategy nested.
        #expect(text.contains("account:\n  rules: unlimited\n  starting_balance: 50000.00\n"), "\(text)")
        #expect(text.contains("  to: 2013-10-12T00:00:00Z\n") && !text.contains("from: start") && !text.contains("commission_per_side"))
        #expect(text.contains("strategies:\n  overnight_range:\n    symbol: ES\n"))
        #expect(text.contains("    atr_period: 2\n"))
        #expect(text.contains("live:\n  account: \"PRAC-V2 #7\"\n  pinned:\n    run_id: \(pin.runID)\n    config_hash: \(run.hash)\n"))
        // The pin reads back from what was written.
        let section = try LiveSection(fields: pinFields(text).merging(["account": "PRAC-V2 #7"]) { $1 }, source: "test")
        #expect(section.pin == pin && section.account == "PRAC-V2 #7")
        #expect(try Promotion.verify(configHash: run.hash, pin: pin, db: run.db, force: false).isEmpty)
        // `latest` names the newest run.
        #expect(try Promotion.promote(runID: "latest", account: "A", db: run.db).pin == pin)
    }

    @Test("an edited configuration is refused, naming the run and both hashes")
    func editedIsRefused() throws {
        let run = try RecordedRun.record()
        let pin = try Promotion.promote(runID: run.summary.runId, account: "A", db: run.db).pin
        let edited = RecordedRun.hash(try RecordedRun.canonical(atrPeriod: "3").0)
        #expect(edited != run.hash)
        do {
            _ = try Promotion.verify(configHash: edited, pin: pin, db: run.db, force: false)
            Issue.record("an edited configuration passed")
        } catch let e as PromotionError {
            #expect(e == .refused([.editedSincePromotion(runID: pin.runID, pinnedHash: run.hash, currentHash: edited), .untested(configHash: edited)]))
            #expect(e.description.contains(run.hash) && e.description.contains(edited) && e.description.contains(pin.runID))
            #expect(e.description.contains("tsxlab backtest") && e.description.contains("tsxlab promote") && e.description.contains("--force"))
            #expect(e.exitCode == 65)
        }
    }

    @Test("an unknown run cannot be promoted (the newest are listed); a pin to a run the store lacks, or no pin, is refused")
    func unknownRuns() throws {
        let run = try RecordedRun.record()
        #expect(throws: PromotionError.unknownRun(id: "20990101-000000-deadbeef", store: run.db.displayURL, newest: [run.summary.runId])) {
            try Promotion.promote(runID: "20990101-000000-deadbeef", account: "A", db: run.db)
        }
        var pin = try Promotion.promote(runID: run.summary.runId, account: "A", db: run.db).pin
        pin.runID = "20990101-000000-deadbeef"
        #expect(throws: PromotionError.refused([.pinnedRunMissing(runID: pin.runID, store: run.db.displayURL)])) {
            try Promotion.verify(configHash: run.hash, pin: pin, db: run.db, force: false)
        }
        #expect(throws: PromotionError.refused([.notPinned(configHash: run.hash)])) {
            try Promotion.verify(configHash: run.hash, pin: nil, db: run.db, force: false)
        }
        // A pin edited by hand to another hash no longer matches its run.
        var forged = try Promotion.promote(runID: run.summary.runId, account: "A", db: run.db).pin
        forged.configHash = String(repeating: "0", count: 64)
        #expect(throws: PromotionError.refused([
            .editedSincePromotion(runID: forged.runID, pinnedHash: forged.configHash, currentHash: run.hash),
            .pinDisagreesWithRun(runID: forged.runID, pinnedHash: forged.configHash, recordedHash: run.hash),
        ])) {
            try Promotion.verify(configHash: run.hash, pin: forged, db: run.db, force: false)
        }
    }

    @Test("forced, every refusal comes back as a warning naming what was wrong")
    func forceWarns() throws {
        let run = try RecordedRun.record()
        let pin = try Promotion.promote(runID: run.summary.runId, account: "A", db: run.db).pin
        let edited = RecordedRun.hash(try RecordedRun.canonical(atrPeriod: "3").0)
        let warnings = try Promotion.verify(configHash: edited, pin: pin, db: run.db, force: true)
        #expect(warnings.count == 2)
        #expect(warnings[0].contains(run.hash) && warnings[0].contains(edited) && warnings[0].contains(pin.runID))
        #expect(warnings[1].contains("no stored run tested this configuration") && warnings[1].contains(edited))
        let unpinned = try Promotion.verify(configHash: edited, pin: nil, db: run.db, force: true)
        #expect(unpinned.count == 2 && unpinned[0].contains("not pinned"))
        #expect(try Promotion.verify(configHash: run.hash, pin: pin, db: run.db, force: true).isEmpty)
    }

    @Test("a pin with missing or malformed fields is refused, each field named")
    func badPin() throws {
        #expect(throws: PromotionError.badPin(source: "f.yaml", problems: [
            "live.pinned.config_hash: missing", "live.pinned.code_version: missing", "live.pinned.trades: 'many' is not a number",
            "live.pinned.net_pnl_usd: missing", "live.pinned.win_rate: missing",
        ])) {
            try LiveSection(fields: ["account": "A", "pinned.run_id": "r", "pinned.trades": "many"], source: "f.yaml")
        }
        #expect(try LiveSection(fields: ["account": "A"], source: "f.yaml").pin == nil)
    }

    @Test("a figure beyond Double's range is refused as not finite, named, not read as infinity (fuzz input regression-infinite-figure)")
    func aFigureBeyondDoubleIsRefusedNotInfinite() throws {
        let fields = ["account": "A", "pinned.run_id": "r", "pinned.config_hash": "h", "pinned.code_version": "v", "pinned.trades": "1",
                      "pinned.net_pnl_usd": "1.00", "pinned.win_rate": "0.1e3084563"]
        #expect(throws: PromotionError.badPin(source: "f.yaml", problems: ["live.pinned.win_rate: '0.1e3084563' is not a finite number"])) {
            try LiveSection(fields: fields, source: "f.yaml")
        }
    }
}
