import Data
import Foundation

/// What a live configuration is pinned to: the stored backtest run that tested it.
///
/// Written under `live.pinned` in the file by `tsxlab promote` and checked by `tsxlab live`
/// (`Promotion.verify`) before any order is sent. Money is in dollars, times are UTC ISO-8601
/// (the first and last bar of the tested series), rates are fractions (0.42 is 42 %).
public struct LivePin: Hashable, Sendable, Codable {
    public var runID: String
    /// SHA-256 (hex) of the configuration's canonical text, as the backtest recorded it.
    public var configHash: String
    public var dataFrom: String?
    public var dataTo: String?
    public var codeVersion: String
    public var trades: Int
    /// Net P&L after fees, dollars with two decimals (`-10127.50`), exactly as stored.
    public var netPnlUsd: String
    public var winRate: Double
    public var profitFactor: Double?
    public var sharpe: Double?
    public var maxDrawdownUsd: Double?

    public init(runID: String, configHash: String, dataFrom: String?, dataTo: String?, codeVersion: String, trades: Int,
                netPnlUsd: String, winRate: Double, profitFactor: Double?, sharpe: Double?, maxDrawdownUsd: Double?) {
        self.runID = runID; self.configHash = configHash; self.dataFrom = dataFrom; self.dataTo = dataTo
        self.codeVersion = codeVersion; self.trades = trades; self.netPnlUsd = netPnlUsd; self.winRate = winRate
        self.profitFactor = profitFactor; self.sharpe = sharpe; self.maxDrawdownUsd = maxDrawdownUsd
    }

    /// The keys under `live.pinned`, in the order they are written, with what each holds (the
    /// configuration reference is written from this table).
    public static let keyHelp: [(key: String, help: String)] = [
        ("run_id", "The stored backtest run that tested the configuration."),
        ("config_hash", "SHA-256 (hex) of the configuration's canonical text, as the run recorded it; `tsxlab live` refuses a file that no longer hashes to it."),
        ("data_from", "First bar of the tested series (UTC, ISO-8601)."),
        ("data_to", "Last bar of the tested series (UTC, ISO-8601)."),
        ("code_version", "The tsxlab version that ran the test."),
        ("trades", "Trades in the tested run."),
        ("net_pnl_usd", "Net P&L after fees, dollars with two decimals, as stored."),
        ("win_rate", "Winning trades as a fraction (0.42 is 42 %)."),
        ("profit_factor", "Gross profit ÷ gross loss, or null."),
        ("sharpe", "The Sharpe ratio the run reported, or null."),
        ("max_drawdown_usd", "Largest drawdown from a running peak, dollars, or null."),
    ]

    /// The keys under `live.pinned`, in the order they are written.
    static let keys = keyHelp.map(\.key)

    /// Reads the pin from the `live.pinned.*` fields of a file (`fields` keyed by the path below
    /// `pinned`, e.g. `run_id`). Every missing or malformed field is named at once.
    public init(fields: [String: String], source: String) throws {
        var problems: [String] = []
        func text(_ key: String) -> String? {
            guard let v = fields[key], !Self.isNull(v) else { return nil }
            return v
        }
        func required(_ key: String) -> String {
            guard let v = text(key), !v.isEmpty else { problems.append("live.pinned.\(key): missing"); return "" }
            return v
        }
        func number<T: LosslessStringConvertible>(_ key: String, _: T.Type, optional: Bool) -> T? {
            guard let v = text(key) else {
                if !optional { problems.append("live.pinned.\(key): missing") }
                return nil
            }
            guard let n = T(v) else { problems.append("live.pinned.\(key): '\(v)' is not a number"); return nil }
            // A figure beyond Double's range reads as infinity and could not be written back:
            // refused here, named (the pin fuzz target found `win_rate: 0.1e3084563`).
            if let d = n as? Double, !d.isFinite { problems.append("live.pinned.\(key): '\(v)' is not a finite number"); return nil }
            return n
        }
        let runID = required("run_id"), hash = required("config_hash"), version = required("code_version")
        let trades = number("trades", Int.self, optional: false)
        let net = required("net_pnl_usd")
        if !net.isEmpty && Money(net) == nil { problems.append("live.pinned.net_pnl_usd: '\(net)' is not an amount in dollars") }
        let winRate = number("win_rate", Double.self, optional: false)
        let pf = number("profit_factor", Double.self, optional: true)
        let sharpe = number("sharpe", Double.self, optional: true)
        let dd = number("max_drawdown_usd", Double.self, optional: true)
        if !problems.isEmpty { throw PromotionError.badPin(source: source, problems: problems) }
        self.init(runID: runID, configHash: hash, dataFrom: text("data_from"), dataTo: text("data_to"), codeVersion: version,
                  trades: trades ?? 0, netPnlUsd: net, winRate: winRate ?? 0, profitFactor: pf, sharpe: sharpe, maxDrawdownUsd: dd)
    }

    static func isNull(_ v: String) -> Bool { ["", "~", "null", "none"].contains(v.lowercased()) }

    /// The pin as YAML lines indented by `indent` spaces (the body of `pinned:`).
    public func yaml(indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        func d(_ v: Double?) -> String { v.map { $0.isFinite ? String($0) : "null" } ?? "null" }
        let values: [String] = [
            YAMLText.scalar(runID), YAMLText.scalar(configHash), dataFrom.map(YAMLText.quoted) ?? "null",
            dataTo.map(YAMLText.quoted) ?? "null", YAMLText.quoted(codeVersion), String(trades), YAMLText.quoted(netPnlUsd),
            d(winRate), d(profitFactor), d(sharpe), d(maxDrawdownUsd),
        ]
        return zip(Self.keys, values).map { "\(pad)\($0): \($1)\n" }.joined()
    }
}

/// The `live:` section of a live configuration file: the account to trade, the pin, how the
/// feed is watched and how the venue's view of the account is checked.
public struct LiveSection: Hashable, Sendable {
    /// The TopStepX account name (as the gateway lists it).
    public var account: String?
    public var pin: LivePin?
    public var feed = FeedWatch()
    public var venue = VenueWatch()

    public init(account: String?, pin: LivePin?) { self.account = account; self.pin = pin }

    /// Reads the section from its fields, keyed by dotted path below `live` (`account`,
    /// `pinned.run_id`, …), as `RunConfiguration.liveSection(yaml:source:)` hands them back.
    /// Keys this type does not know are left to the live runner's own settings.
    public init(fields: [String: String], source: String) throws {
        account = fields["account"].flatMap { LivePin.isNull($0) ? nil : $0 }
        let pinned = fields.filter { $0.key.hasPrefix("pinned.") }
        var pinFields: [String: String] = [:]
        for (k, v) in pinned { pinFields[String(k.dropFirst("pinned.".count))] = v }
        pin = pinned.isEmpty ? nil : try LivePin(fields: pinFields, source: source)
        var feedFields: [String: String] = [:]
        for (k, v) in fields where k.hasPrefix("feed.") { feedFields[String(k.dropFirst("feed.".count))] = v }
        var venueFields: [String: String] = [:]
        for (k, v) in fields where k.hasPrefix("venue.") { venueFields[String(k.dropFirst("venue.".count))] = v }
        var problems: [String] = []
        do { feed = try FeedWatch(fields: feedFields, source: source) } catch PromotionError.badSetting(_, let p) { problems += p }
        do { venue = try VenueWatch(fields: venueFields, source: source) } catch PromotionError.badSetting(_, let p) { problems += p }
        if !problems.isEmpty { throw PromotionError.badSetting(source: source, problems: problems) }
    }

    /// `live:` with `account:` and `pinned:`, ready to append to a configuration file.
    public var yaml: String {
        var out = "live:\n"
        if let account { out += "  account: \(YAMLText.quoted(account))\n" }
        if let pin { out += "  pinned:\n" + pin.yaml(indent: 4) }
        if feed != FeedWatch() {
            out += "  feed:\n    silent_seconds: \(feed.silentSeconds)\n    loss_seconds: \(feed.lossSeconds)\n"
                + "    on_loss: \(feed.flattenOnLoss ? "flatten" : "keep")\n"
        }
        if venue != VenueWatch() {
            out += "  venue:\n    check_seconds: \(venue.checkSeconds)\n    on_mismatch: \(venue.flattenOnMismatch ? "flatten" : "keep")\n"
        }
        return out
    }
}

/// Why a run cannot be promoted, or why a live configuration is refused. `exitCode` is what the
/// CLI exits with (65: the input — the run id, the file or its pin — is the problem).
public enum PromotionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// One reason `tsxlab live` will not trade a configuration (unless forced).
    public enum Refusal: Hashable, Sendable, CustomStringConvertible {
        /// The file has no `live.pinned` section.
        case notPinned(configHash: String)
        /// No stored run has the file's configuration hash.
        case untested(configHash: String)
        /// The file was edited since it was promoted: its hash is no longer the pinned one.
        case editedSincePromotion(runID: String, pinnedHash: String, currentHash: String)
        /// The pinned run is not in the store (another store, or deleted).
        case pinnedRunMissing(runID: String, store: String)
        /// The pinned run exists but recorded another configuration hash (the pin was edited).
        case pinDisagreesWithRun(runID: String, pinnedHash: String, recordedHash: String)

        static let remedy = "backtest it (`tsxlab backtest --config FILE`), promote that run (`tsxlab promote RUN_ID --account NAME`), or pass --force to trade it untested"

        public var description: String {
            switch self {
            case let .notPinned(hash):
                "the configuration (hash \(hash)) is not pinned to a tested run: it has no live.pinned section; \(Self.remedy)"
            case let .untested(hash):
                "no stored run tested this configuration: no run in the store has its hash \(hash); \(Self.remedy)"
            case let .editedSincePromotion(run, pinned, current):
                "the configuration changed since run \(run) was promoted: pinned hash \(pinned), the file now hashes to \(current); "
                    + "undo the edit, or \(Self.remedy)"
            case let .pinnedRunMissing(run, store):
                "the pinned run \(run) is not in \(store); use the store it was recorded in (--store URL), or \(Self.remedy)"
            case let .pinDisagreesWithRun(run, pinned, recorded):
                "the pin does not match run \(run): the pin says hash \(pinned), the store recorded \(recorded) for that run; "
                    + "promote the run again (`tsxlab promote \(run) --account NAME --force`), or pass --force"
            }
        }
    }

    /// No run with this id in the store; `newest` lists the most recent (newest first).
    case unknownRun(id: String, store: String, newest: [String])
    /// A stored run whose configuration or summary cannot be turned into a live configuration.
    case unpromotable(runID: String, reason: String)
    /// A `live.pinned` section with missing or malformed fields.
    case badPin(source: String, problems: [String])
    /// Other `live` settings with bad values (`live.feed`, `live.venue`).
    case badSetting(source: String, problems: [String])
    /// The configuration is refused for live trading, for every reason listed.
    case refused([Refusal])

    public var exitCode: Int32 { 65 }

    public var description: String {
        switch self {
        case let .unknownRun(id, store, newest):
            let list = newest.isEmpty ? "the store holds no run yet (run `tsxlab backtest --config FILE` first)"
                : "the newest are: " + newest.joined(separator: ", ") + " (run ids are printed by `tsxlab backtest`; `latest` names the newest)"
            return "no run '\(id)' in \(store); \(list)"
        case let .unpromotable(run, reason):
            return "run \(run) cannot be promoted: \(reason)"
        case let .badPin(source, problems):
            return "\(source): the live.pinned section is incomplete:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
        case let .badSetting(source, problems):
            return "\(source): bad live settings:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
        case let .refused(refusals):
            return "refusing to trade this configuration live:\n" + refusals.map { "  - " + $0.description }.joined(separator: "\n")
        }
    }
}

/// Promotion of a tested configuration to live, and the check `tsxlab live` makes before trading.
///
/// The configuration's identity is its hash: SHA-256 of the canonical text the backtest recorded
/// in `backtest_runs.config_hash`. The `live:` section is not part of it, so a file keeps the hash
/// of the run it was promoted from until a setting that affects results is edited.
public enum Promotion {
    /// Reads run `runID` (or `latest`) from the store and returns the live configuration file's text
    /// (the run's configuration as YAML, then the `live:` section with `account` and the pin) and
    /// the pin itself.
    ///
    /// - Throws: `PromotionError.unknownRun` (listing the newest runs) when the store has no such
    ///   run; `.unpromotable` when its stored configuration or summary cannot be read back.
    public static func promote(runID: String, account: String, db: any SQLDatabase) throws -> (configText: String, pin: LivePin) {
        let store = storeName(db)
        var id = runID
        if runID == "latest" {
            guard let newest = try newestRuns(db, 1).first else { throw PromotionError.unknownRun(id: runID, store: store, newest: []) }
            id = newest
        }
        guard let row = try db.query("""
            SELECT config_hash, config_text, data_from, data_to, code_version, summary_json FROM backtest_runs WHERE run_id = $1
            """, [.text(id)]).first else {
            throw PromotionError.unknownRun(id: runID, store: store, newest: try newestRuns(db, 5))
        }
        let account = account.trimmingCharacters(in: .whitespaces)
        guard !account.isEmpty else { throw PromotionError.unpromotable(runID: id, reason: "the account name is empty") }
        let headline: Headline
        do {
            headline = try JSONDecoder().decode(Headline.self, from: Data((row[5].text ?? "").utf8))
        } catch {
            throw PromotionError.unpromotable(runID: id, reason: "its stored summary does not parse (\(error))")
        }
        let pin = LivePin(runID: id, configHash: row[0].text ?? "", dataFrom: row[2].text, dataTo: row[3].text,
                          codeVersion: row[4].text ?? "", trades: headline.trades, netPnlUsd: headline.netPnlUsd,
                          winRate: headline.winRate, profitFactor: headline.profitFactor, sharpe: headline.sharpe,
                          maxDrawdownUsd: headline.maxDrawdownUsd)
        let config = try configurationYAML(canonicalText: row[1].text ?? "", runID: id)
        let header = """
            # Live configuration promoted from backtest run \(id) (configuration hash \(pin.configHash)).
            # Editing any setting above `live:` changes the hash, and `tsxlab live` then refuses the file
            # until the edited configuration is backtested and promoted again.

            """
        return (header + config + "\n" + LiveSection(account: account, pin: pin).yaml, pin)
    }

    /// Checks that a configuration may trade live: it is pinned, the pin is its current hash, the
    /// pinned run is in the store with that hash, and some stored run tested that hash.
    ///
    /// - Parameters:
    ///   - configHash: the hash of the file's configuration without its `live:` section
    ///     (`RunConfiguration.hash`, with the environment the live runner will see).
    ///   - force: the trader's override: every refusal is returned as a warning instead.
    /// - Returns: the warnings (empty unless forced past a refusal).
    /// - Throws: `PromotionError.refused` with every reason, when not forced.
    public static func verify(configHash: String, pin: LivePin?, db: any SQLDatabase, force: Bool) throws -> [String] {
        var refusals: [PromotionError.Refusal] = []
        if let pin {
            if pin.configHash != configHash {
                refusals.append(.editedSincePromotion(runID: pin.runID, pinnedHash: pin.configHash, currentHash: configHash))
            }
            if let recorded = try db.query("SELECT config_hash FROM backtest_runs WHERE run_id = $1", [.text(pin.runID)]).first {
                let hash = recorded[0].text ?? ""
                if hash != pin.configHash {
                    refusals.append(.pinDisagreesWithRun(runID: pin.runID, pinnedHash: pin.configHash, recordedHash: hash))
                }
            } else {
                refusals.append(.pinnedRunMissing(runID: pin.runID, store: storeName(db)))
            }
        } else {
            refusals.append(.notPinned(configHash: configHash))
        }
        let tested = try db.query("SELECT COUNT(*) FROM backtest_runs WHERE config_hash = $1", [.text(configHash)]).first?.first?.int ?? 0
        if tested == 0 { refusals.append(.untested(configHash: configHash)) }
        if refusals.isEmpty { return [] }
        if force { return refusals.map { "forced: " + $0.description } }
        throw PromotionError.refused(refusals)
    }

    /// The run configuration YAML (`account`, `data`, `exchange`, `strategies`) that loads back to
    /// the stored canonical text: `account.rules=TopStepX 50K Combine` becomes `rules: topstep-50k`,
    /// `start`/`end`/`none`/`table` (the loader's defaults) are left out, `strategy.NAME.KEY` goes
    /// under `strategies.NAME`. The CLI checks the result loads to the pinned hash.
    public static func configurationYAML(canonicalText: String, runID: String) throws -> String {
        let sections = ["account", "data", "exchange", "strategies"]
        var body: [String: [String]] = [:]
        var strategyOrder: [String] = []
        var strategyLines: [String: [String]] = [:]
        for raw in canonicalText.split(whereSeparator: \.isNewline) {
            let line = String(raw)
            guard let eq = line.firstIndex(of: "=") else {
                throw PromotionError.unpromotable(runID: runID, reason: "its stored configuration line '\(line)' is not key=value")
            }
            let path = line[..<eq].split(separator: ".").map(String.init)
            let value = String(line[line.index(after: eq)...])
            switch (path.first, path.count) {
            case ("account", 2) where path[1] == "rules":
                guard let preset = rulesPreset(value) else {
                    throw PromotionError.unpromotable(runID: runID, reason: "its account rules '\(value)' are not a preset a configuration file can name")
                }
                body["account", default: []].append("rules: \(preset)")
            case ("account", 2), ("exchange", 2), ("data", 2):
                let defaults: [String: String] = ["data.from": "start", "data.to": "end", "data.finer_timeframe": "none",
                                                  "exchange.commission_per_side": "table"]
                if defaults[path.joined(separator: ".")] == value { continue }
                body[path[0], default: []].append("\(path[1]): \(YAMLText.scalar(value))")
            case ("strategy", 3):
                if strategyLines[path[1]] == nil { strategyOrder.append(path[1]) }
                strategyLines[path[1], default: []].append("\(path[2]): \(YAMLText.scalar(value))")
            default:
                throw PromotionError.unpromotable(runID: runID, reason: "its stored configuration has the unknown setting '\(line)'")
            }
        }
        body["strategies"] = strategyOrder.flatMap { name in ["\(name):"] + strategyLines[name]!.map { "  " + $0 } }
        guard !strategyOrder.isEmpty else {
            throw PromotionError.unpromotable(runID: runID, reason: "its stored configuration enables no strategy")
        }
        return sections.compactMap { s in
            body[s].map { lines in "\(s):\n" + lines.map { "  \($0)\n" }.joined() }
        }.joined()
    }

    /// `unlimited` and `TopStepX 50K Combine` (the names `RiskRules` presets carry) as the
    /// configuration file names them.
    static func rulesPreset(_ name: String) -> String? {
        if name == "unlimited" { return name }
        let parts = name.split(separator: " ")
        guard parts.count == 3, parts[0] == "TopStepX", parts[2] == "Combine", parts[1].hasSuffix("K"),
              let size = Int(parts[1].dropLast()), [50, 100, 150].contains(size) else { return nil }
        return "topstep-\(size)k"
    }

    static func newestRuns(_ db: any SQLDatabase, _ count: Int) throws -> [String] {
        try db.query("SELECT run_id FROM backtest_runs ORDER BY created_at DESC, run_id DESC LIMIT \(max(0, count))", [])
            .compactMap { $0.first?.text }
    }

    static func storeName(_ db: any SQLDatabase) -> String { (db as? any BarStore)?.displayURL ?? "the store" }

    /// The headline statistics of `summary_json` (`RunSummary`'s keys).
    private struct Headline: Decodable {
        var trades: Int
        var netPnlUsd: String
        var winRate: Double
        var profitFactor: Double?
        var sharpe: Double?
        var maxDrawdownUsd: Double?
    }
}

/// Scalars as YAML text: plain when the loader reads them back unchanged, double-quoted otherwise.
enum YAMLText {
    static func scalar(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+/:")
        guard let first = s.first, first.isASCII, first.isLetter || first.isNumber, s.last != ":",
              s.allSatisfy({ safe.contains($0) }) else { return quoted(s) }
        return s
    }

    /// A double-quoted YAML scalar (JSON string escapes are valid YAML escapes).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\x%02X", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
