import Data
import Foundation
import Strategies
import Trading
import Yams

extension RunConfiguration {
    /// Reads `.env`-style `KEY=VALUE` lines (comments and `export ` allowed, quotes stripped).
    public static func parseDotEnv(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, let l = value.last, (f == "\"" && l == "\"") || (f == "'" && l == "'") {
                value = String(value.dropFirst().dropLast())
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            out[key] = value
        }
        return out
    }

    /// The environment a configuration sees: a `.env` file's values under the process's own.
    public static func environment(process: [String: String], dotEnvPath: String?) -> [String: String] {
        guard let path = dotEnvPath, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return process }
        return parseDotEnv(text).merging(process) { _, processValue in processValue }
    }

    /// Loads a YAML configuration; every problem is collected and reported at once.
    public static func load(path: String, environment: [String: String]) throws -> RunConfiguration {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DataError.noInput(path: path, reason: "cannot read the configuration file")
        }
        return try parse(yaml: text, source: path, environment: environment)
    }

    /// Defaults only (no file): an unlimited account, the given data, no strategies.
    public static func defaults(symbol: String, timeframe: Timeframe) -> RunConfiguration {
        RunConfiguration(source: "command line", account: .unlimited(Money(cents: 50_000_00)),
                         data: DataSelection(symbol: symbol, timeframe: timeframe))
    }

    public static func parse(yaml: String, source: String, environment: [String: String]) throws -> RunConfiguration {
        var problems: [String] = []
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigurationError(source: source, problems: ["not valid YAML: \(error)"])
        }
        func line(_ n: Node) -> String { n.mark.map { "line \($0.line)" } ?? "" }
        func scalar(_ n: Node) -> String? { n.scalar?.string }
        /// Symbols as a YAML list (`[MES, MNQ]`) or one line separated by commas (`MES, MNQ`).
        func symbolList(_ n: Node, _ at: String) -> [String]? {
            let items = n.sequence.map { $0.compactMap { $0.scalar?.string } } ?? (scalar(n) ?? "").split(separator: ",").map(String.init)
            let list = items.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.filter { !$0.isEmpty }
            guard !list.isEmpty else {
                problems.append("\(at): expected one or more symbols, e.g. [MES, MNQ]")
                return nil
            }
            return list
        }

        /// The mapping under `key`, checking that only `allowed` keys appear.
        func section(_ node: Node?, _ path: String, allowed: [String]) -> [(String, Node)] {
            guard let node else { return [] }
            guard let m = node.mapping else {
                problems.append("\(path) (\(line(node))): expected a mapping of keys to values")
                return []
            }
            var out: [(String, Node)] = []
            for (k, v) in m {
                guard let key = k.scalar?.string else { continue }
                if !allowed.contains(key) {
                    problems.append("\(path).\(key) (\(line(k))): unknown key; known: \(allowed.joined(separator: ", "))")
                    continue
                }
                out.append((key, v))
            }
            return out
        }

        // `live` (account and pin, written by `tsxlab promote`) is read by `liveSection(yaml:source:)`
        // and is not part of the hash: the hash stays what the backtest recorded.
        let top = section(root, "(top level)", allowed: ConfigurationSection.topLevelKeys)
        func child(_ name: String) -> Node? { top.first { $0.0 == name }?.1 }

        // Account.
        var rules = RiskRules.unlimited(Money(cents: 50_000_00))
        // The keys, their defaults and descriptions: ConfigurationKeys.swift (the reference is written from it).
        let accountKeys = ConfigurationSection.account.keyNames
        let account = section(child("account"), "account", allowed: accountKeys)
        if let preset = account.first(where: { $0.0 == "rules" }).flatMap({ scalar($0.1) }) {
            switch preset {
            case "unlimited": break
            case "topstep-50k", "topstep-100k", "topstep-150k":
                rules = RiskRules.topstepCombine(Int(preset.dropFirst(8).dropLast())!)!
            default:
                problems.append("account.rules: '\(preset)' is not a preset; use unlimited, topstep-50k, topstep-100k or topstep-150k")
            }
        }
        var attempts = false
        for (key, node) in account where key != "rules" {
            let v = scalar(node) ?? ""
            let at = "account.\(key) (\(line(node)))"
            func money() -> Money?? {
                if ["off", "none", "false"].contains(v.lowercased()) { return .some(nil) }
                guard let m = Money(v), m.cents >= 0 else { problems.append("\(at): '\(v)' is not an amount in dollars, or off"); return nil }
                return .some(m)
            }
            switch key {
            case "starting_balance":
                if let m = money(), let m { rules.startingBalance = m; if rules.maxLossLockLevel != nil { rules.maxLossLockLevel = m } }
            case "daily_loss_limit": if let m = money() { rules.dailyLossLimit = m }
            case "max_loss_drawdown":
                if let m = money() { rules.maxLossDrawdown = m; if m != nil && rules.maxLossLockLevel == nil { rules.maxLossLockLevel = rules.startingBalance } }
            case "profit_target": if let m = money() { rules.profitTarget = m }
            case "safety_buffer": if let m = money() { rules.safetyBuffer = m }
            case "max_contracts":
                if v.lowercased() == "off" { rules.maxMiniEquivalents = nil }
                else if let d = Double(v), d > 0 { rules.maxMiniEquivalents = d }
                else { problems.append("\(at): '\(v)' is not a positive number of mini-equivalent contracts") }
            case "consistency_share":
                if let d = Double(v), d > 0, d <= 1 { rules.consistencyShare = d } else { problems.append("\(at): '\(v)' must be a share in (0, 1]") }
            case "consistency_governor":
                if let b = Bool(v.lowercased()) { rules.consistencyGovernor = b } else { problems.append("\(at): '\(v)' is not true or false") }
            case "attempts":
                if let b = Bool(v.lowercased()) { attempts = b } else { problems.append("\(at): '\(v)' is not true or false") }
            case "min_days":
                if let d = Int(v), d >= 0 { rules.minimumTradingDays = d } else { problems.append("\(at): '\(v)' is not a whole number of days, 0 or more") }
            case "reset_price": if let m = money() { rules.resetPrice = m }
            case "reduced_quantity":
                if let q = Int64(v), q > 0 { rules.reducedQuantity = q } else { problems.append("\(at): '\(v)' is not a positive whole number") }
            case "no_new_entries_after", "flatten_time":
                var t: LocalTime?? = nil
                if v.lowercased() == "off" { t = .some(nil) } else {
                    do { t = .some(try LocalTime(v)) } catch { problems.append("\(at): '\(v)' is not a time with a zone, e.g. 15:05 America/Chicago") }
                }
                if let t { if key == "flatten_time" { rules.flattenTime = t } else { rules.noNewEntriesAfter = t } }
            default: break
            }
        }

        // Data.
        var data = DataSelection(symbol: "ES", timeframe: .oneMinute)
        for (key, node) in section(child("data"), "data", allowed: ConfigurationSection.data.keyNames) {
            let v = scalar(node) ?? ""
            let at = "data.\(key) (\(line(node)))"
            switch key {
            case "symbol": data.symbol = v.uppercased()
            case "symbols":
                if let m = node.mapping {
                    // {MES: 1m, NQ: 5m}: each symbol at its own timeframe.
                    var list: [String] = []
                    for (k, v) in m {
                        guard let name = k.scalar?.string.trimmingCharacters(in: .whitespaces).uppercased(), !name.isEmpty else { continue }
                        guard let tf = Timeframe(scalar(v) ?? "") else {
                            problems.append("data.symbols.\(name) (\(line(v))): '\(scalar(v) ?? "")' is not a timeframe (1s … 1M)")
                            continue
                        }
                        list.append(name)
                        data.timeframes[name] = tf
                    }
                    if list.isEmpty { problems.append("\(at): expected one or more symbols, e.g. [MES, MNQ] or {MES: 1m, NQ: 5m}") } else { data.symbols = list }
                } else if let list = symbolList(node, at) {
                    data.symbols = list
                }
            case "timeframe", "finer_timeframe":
                guard let tf = Timeframe(v) else { problems.append("\(at): '\(v)' is not a timeframe (1s … 1M)"); continue }
                if key == "timeframe" { data.timeframe = tf } else { data.finerTimeframe = tf }
            case "from", "to":
                guard let t = Timestamp(iso8601: v) else { problems.append("\(at): '\(v)' is not a date or ISO-8601 time"); continue }
                if key == "from" { data.from = t } else { data.to = t }
            case "ticks":
                data.ticks = v.isEmpty || v == "none" ? nil : v.uppercased()
            case "bars_from":
                guard v == "store" || v == "ticks" else { problems.append("\(at): '\(v)' is not store or ticks"); continue }
                data.barsFromTicks = v == "ticks"
            default: break
            }
        }

        // Exchange.
        var exchange = ExchangeSettings()
        let exchangeKeys = ConfigurationSection.exchange.keyNames
        for (key, node) in section(child("exchange"), "exchange", allowed: exchangeKeys) {
            let v = scalar(node) ?? ""
            let at = "exchange.\(key) (\(line(node)))"
            switch key {
            case "path_model":
                if ["nearest", "worst", "best", "stop-first"].contains(v) { exchange.pathModel = v }
                else { problems.append("\(at): '\(v)' is not one of nearest, worst, best, stop-first") }
            case "stop_slippage_ticks", "market_slippage_ticks":
                guard let n = Int64(v), n >= 0, n <= 1000 else { problems.append("\(at): '\(v)' is not 0…1000 ticks"); continue }
                if key == "stop_slippage_ticks" { exchange.stopSlippageTicks = n } else { exchange.marketSlippageTicks = n }
            case "commission_per_side":
                guard let m = Money(v), m.cents >= 0 else { problems.append("\(at): '\(v)' is not an amount in dollars"); continue }
                exchange.commissionPerSide = m
            case "limit_fill":
                if ["through", "touch"].contains(v) { exchange.limitFill = v }
                else { problems.append("\(at): '\(v)' is not through or touch") }
            case "enforce_sessions":
                guard let b = Bool(v.lowercased()) else { problems.append("\(at): '\(v)' is not true or false"); continue }
                exchange.enforceSessions = b
            default: break
            }
        }

        // Strategies: file values, then the environment.
        var entries: [StrategyEntry] = []
        let strategyNodes = section(child("strategies"), "strategies", allowed: StrategyCatalog.all.map(\.name))
        for d in StrategyCatalog.all {
            var entry = StrategyEntry(name: d.name, symbols: data.symbols, enabled: false, parameters: d.defaults())
            var configured = false
            if let node = strategyNodes.first(where: { $0.0 == d.name })?.1 {
                configured = true
                entry.enabled = true
                for (key, v) in section(node, "strategies.\(d.name)", allowed: ConfigurationSection.strategyCommonKeys.map(\.name) + d.parameters.map(\.name)) {
                    let text = scalar(v) ?? ""
                    let at = "strategies.\(d.name).\(key) (\(line(v)))"
                    switch key {
                    case "enabled":
                        guard let b = Bool(text.lowercased()) else { problems.append("\(at): '\(text)' is not true or false"); continue }
                        entry.enabled = b
                    case "symbol": entry.symbol = text.uppercased()
                    case "symbols": if let list = symbolList(v, at) { entry.symbols = list }
                    default:
                        do { try entry.parameters.set(key, text: text, source: source) } catch let e as DataError {
                            problems.append("\(at): \(e.reasonOnly)")
                        } catch {}
                    }
                }
            }
            if let env = d.enabledEnvironment, let v = environment[env] {
                guard let b = Bool(v.lowercased()) else { problems.append("\(env)=\(v): not true or false"); continue }
                entry.enabled = b
                configured = true
            }
            for spec in d.parameters {
                guard let env = spec.environment, let v = environment[env] else { continue }
                if env.hasSuffix("_SYMBOL") { entry.symbol = v.uppercased(); continue }
                do { try entry.parameters.set(spec.name, text: v, source: env) } catch let e as DataError {
                    problems.append("\(env)=\(v): \(e.reasonOnly)")
                } catch {}
            }
            if let symEnv = d.parameters.first?.environment.map({ $0.components(separatedBy: "_").first! + "_SYMBOL" }),
               let v = environment[symEnv] {
                entry.symbol = v.uppercased()
            }
            if configured { entries.append(entry) }
        }
        if !problems.isEmpty { throw ConfigurationError(source: source, problems: problems) }
        var config = RunConfiguration(source: source, account: rules, data: data)
        config.exchange = exchange
        config.strategies = entries
        config.attempts = attempts
        return config
    }
}

extension RunConfiguration {
    /// The `live:` section of a configuration file as plain values keyed by their dotted path below
    /// `live` (`account`, `pinned.run_id`, …); nil when the file has none.
    ///
    /// - Throws: `ConfigurationError` for invalid YAML, or a `live` that is neither a mapping nor empty.
    public static func liveSection(yaml: String, source: String) throws -> [String: String]? {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigurationError(source: source, problems: ["not valid YAML: \(error)"])
        }
        guard let live = root?.mapping?.first(where: { $0.key.scalar?.string == "live" })?.value else { return nil }
        guard let mapping = live.mapping else {
            if let s = live.scalar?.string, ["", "~", "null"].contains(s) { return [:] }
            throw ConfigurationError(source: source, problems: ["live (\(live.mark.map { "line \($0.line)" } ?? "")): expected a mapping of keys to values"])
        }
        var fields: [String: String] = [:]
        // Scalars only; a sequence is left to whoever reads that setting.
        func walk(_ m: Node.Mapping, _ prefix: String) {
            for (k, v) in m {
                guard let key = k.scalar?.string else { continue }
                if let sub = v.mapping { walk(sub, prefix + key + ".") } else if let s = v.scalar { fields[prefix + key] = s.string }
            }
        }
        walk(mapping, "")
        return fields
    }
}

extension DataError {
    /// The reason without the place (for messages that name the place themselves).
    var reasonOnly: String {
        if case .badInput(_, _, _, let r) = self { return r }
        return description
    }
}
