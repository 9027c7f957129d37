import Data
import Foundation
import Yams

/// Reading a rules file:
///
/// ```yaml
/// start_balance: 50000
/// profit_target: 3000
/// daily_loss_limit: none        # or dollars
/// max_loss: 2000
/// max_loss_basis: eod           # static | eod | intraday
/// max_loss_lock: start_balance  # start_balance | none
/// consistency_share: 0.55       # or none
/// min_days: 0
/// reset_price: 49
/// funded:                       # optional
///   start_balance: 0
///   max_loss: 2000
///   max_loss_basis: eod
///   max_loss_lock: start_balance
///   daily_loss_limit: none
///   payout_winning_days: 5
///   payout_winning_day: 150
///   payout_cap: 2000
///   payout_share: 0.5
/// ```
///
/// Every key is required except `funded` (and, inside it, `daily_loss_limit`). A problem throws
/// `DataError.badInput` naming the file, the line and the key (exit code 65).
extension CombineRules {
    public static let keys = ["start_balance", "profit_target", "daily_loss_limit", "max_loss", "max_loss_basis",
                              "max_loss_lock", "consistency_share", "min_days", "reset_price", "funded"]
    public static let fundedKeys = ["start_balance", "max_loss", "max_loss_basis", "max_loss_lock", "daily_loss_limit",
                                    "payout_winning_days", "payout_winning_day", "payout_cap", "payout_share"]

    /// The presets shipped with tsxlab (`topstep-50k`, …, and `-dll` variants with the optional
    /// daily loss limit).
    public static let presetNames = ["topstep-50k", "topstep-100k", "topstep-150k",
                                     "topstep-50k-dll", "topstep-100k-dll", "topstep-150k-dll"]

    /// A preset by name, or nil for an unknown name. The plain presets are files
    /// (`Rules/topstep-50k.yaml`, …); a `-dll` preset is its plain file with the optional daily
    /// loss limit TopStepX sells at purchase: 2 % of the start balance, which carries into the
    /// funded account.
    public static func preset(_ name: String) throws -> CombineRules? {
        guard presetNames.contains(name) else { return nil }
        let withLimit = name.hasSuffix("-dll")
        let file = withLimit ? String(name.dropLast(4)) : name
        guard let url = Bundle.module.url(forResource: file, withExtension: "yaml", subdirectory: "Rules"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        var rules = try parse(yaml: text, source: name)
        if withLimit {
            let limit = Money(cents: rules.startBalance.cents * 2 / 100)
            rules.dailyLossLimit = limit
            rules.funded?.dailyLossLimit = limit
        }
        return rules
    }

    /// A preset by name or a rules file by path.
    ///
    /// - Throws: `DataError.noInput` for a file that cannot be read (naming the presets),
    ///   `DataError.badInput` for a bad file.
    public static func load(_ nameOrPath: String) throws -> CombineRules {
        if let rules = try preset(nameOrPath) { return rules }
        guard let data = FileManager.default.contents(atPath: nameOrPath) else {
            throw DataError.noInput(path: nameOrPath, reason: "no such rules file, and not a preset (presets: \(presetNames.joined(separator: ", ")))")
        }
        return try parse(yaml: String(decoding: data, as: UTF8.self), source: nameOrPath)
    }

    /// Parses a rules file's text; `source` names it in errors.
    public static func parse(yaml: String, source: String) throws -> CombineRules {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch let e as YamlError {
            throw DataError.badInput(file: source, line: Self.line(of: e), field: nil, reason: "not valid YAML: \(e)")
        }
        guard let root, let mapping = root.mapping else {
            throw DataError.badInput(file: source, line: root?.mark?.line, field: nil, reason: "expected a mapping of rule keys to values (keys: \(keys.joined(separator: ", ")))")
        }
        var r = RuleReader(source: source, mapping: mapping, prefix: "", allowed: keys, parentLine: root.mark?.line)
        try r.checkKeys()
        let start = try r.money("start_balance")
        var rules = CombineRules(
            name: source, startBalance: start, profitTarget: try r.money("profit_target", positive: true),
            dailyLossLimit: try r.optionalMoney("daily_loss_limit"), maxLoss: try r.money("max_loss", positive: true),
            maxLossBasis: try r.choice("max_loss_basis"), maxLossLock: try r.choice("max_loss_lock"),
            consistencyShare: try r.optionalShare("consistency_share"), minDays: try r.count("min_days"),
            resetPrice: try r.money("reset_price"))
        if let node = r.node("funded") {
            guard let m = node.mapping else {
                throw DataError.badInput(file: source, line: node.mark?.line, field: "funded", reason: "expected a mapping (keys: \(fundedKeys.joined(separator: ", ")))")
            }
            var f = RuleReader(source: source, mapping: m, prefix: "funded.", allowed: fundedKeys, parentLine: node.mark?.line)
            try f.checkKeys()
            rules.funded = Funded(
                startBalance: try f.money("start_balance", allowNegative: true), maxLoss: try f.money("max_loss", positive: true),
                maxLossBasis: try f.choice("max_loss_basis"), maxLossLock: try f.choice("max_loss_lock"),
                dailyLossLimit: f.node("daily_loss_limit") == nil ? nil : try f.optionalMoney("daily_loss_limit"),
                payoutWinningDays: try f.count("payout_winning_days"), payoutWinningDay: try f.money("payout_winning_day"),
                payoutCap: try f.money("payout_cap", positive: true), payoutShare: try f.share("payout_share"))
        }
        return rules
    }

    static func line(of e: YamlError) -> Int? {
        switch e {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): mark.line
        default: nil
        }
    }
}

/// Reads typed values from one mapping, throwing `DataError.badInput` with the file, the line
/// and the key's full name (`funded.max_loss`) for the first problem.
private struct RuleReader {
    let source: String
    let mapping: Node.Mapping
    let prefix: String
    let allowed: [String]
    let parentLine: Int?

    func node(_ key: String) -> Node? { mapping[Node(key)] }

    func fail(_ key: String, _ node: Node?, _ reason: String) -> DataError {
        .badInput(file: source, line: node?.mark?.line ?? parentLine, field: prefix + key, reason: reason)
    }

    func checkKeys() throws {
        var seen = Set<String>()
        for (k, _) in mapping {
            let key = k.scalar?.string ?? "\(k)"
            guard allowed.contains(key) else {
                throw fail(key, k, "unknown key; known keys: \(allowed.joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else { throw fail(key, k, "given twice") }
        }
    }

    func text(_ key: String) throws -> (String, Node) {
        guard let n = node(key) else { throw fail(key, nil, "missing; every rules file gives \(allowed.filter { $0 != "funded" }.joined(separator: ", "))") }
        guard let s = n.scalar?.string else { throw fail(key, n, "expected a single value, not a list or mapping") }
        return (s.trimmingCharacters(in: .whitespaces), n)
    }

    func money(_ key: String, positive: Bool = false, allowNegative: Bool = false) throws -> Money {
        let (s, n) = try text(key)
        guard let m = Money(s) else { throw fail(key, n, "'\(s)' is not an amount in dollars (at most two decimals)") }
        if positive && m.cents <= 0 { throw fail(key, n, "'\(s)' must be more than zero") }
        if !allowNegative && m.cents < 0 { throw fail(key, n, "'\(s)' must not be negative") }
        return m
    }

    func optionalMoney(_ key: String) throws -> Money? {
        let (s, n) = try text(key)
        if s.lowercased() == "none" { return nil }
        guard let m = Money(s), m.cents > 0 else { throw fail(key, n, "'\(s)' is neither a positive amount in dollars nor none") }
        return m
    }

    func share(_ key: String) throws -> Double {
        let (s, n) = try text(key)
        guard let d = Double(s), d > 0, d <= 1 else { throw fail(key, n, "'\(s)' must be a share in (0, 1], e.g. 0.55") }
        return d
    }

    func optionalShare(_ key: String) throws -> Double? {
        let (s, _) = try text(key)
        return s.lowercased() == "none" ? nil : try share(key)
    }

    func count(_ key: String) throws -> Int {
        let (s, n) = try text(key)
        guard let i = Int(s), i >= 0 else { throw fail(key, n, "'\(s)' must be a whole number of days, 0 or more") }
        return i
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String) throws -> T where T.RawValue == String {
        let (s, n) = try text(key)
        guard let v = T(rawValue: s) else {
            throw fail(key, n, "'\(s)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }
}
