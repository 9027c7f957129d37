import Data
import Yams

/// What `tsxlab data pull --keep-fresh` keeps up to date: a small YAML file of its own
/// (`pull.yaml` in the data directory by default).
///
/// ```yaml
/// symbols: [ES, NQ]        # products (or dated contracts) to pull
/// timeframes: [1m, 1d]     # 1s … 4h pulled; 1d, 1w, 1M built from minute bars
/// since: 2025-01-01        # where a series with nothing stored starts
/// continuous: true         # stitch each product's continuous series at the roll dates
/// ```
public struct PullConfiguration: Hashable, Sendable {
    public var symbols: [String]
    public var timeframes: [Timeframe]
    /// Where a series with nothing stored yet starts (UTC); nil: such a series is an error.
    public var since: Timestamp?
    public var continuous: Bool

    public static let keys = ["symbols", "timeframes", "since", "continuous"]

    public init(symbols: [String], timeframes: [Timeframe], since: Timestamp? = nil, continuous: Bool = false) {
        self.symbols = symbols; self.timeframes = timeframes; self.since = since; self.continuous = continuous
    }

    /// - Throws: `ConfigurationError` (exit 65) listing every problem with its line.
    public static func parse(yaml: String, source: String) throws -> PullConfiguration {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigurationError(source: source, problems: ["not valid YAML: \(error)"])
        }
        guard let mapping = root?.mapping else {
            throw ConfigurationError(source: source, problems: ["expected keys \(keys.joined(separator: ", "))"])
        }
        var problems: [String] = []
        var out = PullConfiguration(symbols: [], timeframes: [])
        func list(_ n: Node) -> [String] {
            if let s = n.sequence { return s.compactMap { $0.scalar?.string } }
            return (n.scalar?.string ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        for (k, v) in mapping {
            let key = k.scalar?.string ?? ""
            let at = k.mark.map { "line \($0.line)" } ?? ""
            switch key {
            case "symbols": out.symbols = list(v).map { $0.uppercased() }
            case "timeframes":
                for t in list(v) {
                    if let tf = Timeframe(t) { out.timeframes.append(tf) } else { problems.append("timeframes (\(at)): '\(t)' is not a timeframe such as 1m, 5m, 1h or 1d") }
                }
            case "since":
                guard let text = v.scalar?.string, let t = Timestamp(iso8601: text) else {
                    problems.append("since (\(at)): expected a date or ISO-8601 time (UTC), e.g. 2025-01-01"); continue
                }
                out.since = t
            case "continuous":
                switch v.scalar?.string.lowercased() {
                case "true", "yes": out.continuous = true
                case "false", "no": out.continuous = false
                default: problems.append("continuous (\(at)): expected true or false")
                }
            default: problems.append("\(key) (\(at)): unknown key; known: \(keys.joined(separator: ", "))")
            }
        }
        if out.symbols.isEmpty { problems.append("symbols: name at least one, e.g. symbols: [ES]") }
        if out.timeframes.isEmpty && !problems.contains(where: { $0.hasPrefix("timeframes") }) { problems.append("timeframes: name at least one, e.g. timeframes: [1m]") }
        guard problems.isEmpty else { throw ConfigurationError(source: source, problems: problems) }
        return out
    }
}
