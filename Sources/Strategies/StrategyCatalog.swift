import Data
import Trading

/// A strategy the product knows by name: its parameters and how to build it.
public struct StrategyDescriptor: Sendable {
    public let name: String
    public let summary: String
    /// The seed bot's `*_ENABLED` variable, when it had one.
    public let enabledEnvironment: String?
    public let parameters: [ParameterSpec]
    let make: @Sendable (_ symbol: String, _ parameters: ParameterSet) throws -> any Strategy

    public init(name: String, summary: String, enabledEnvironment: String?, parameters: [ParameterSpec],
                make: @escaping @Sendable (String, ParameterSet) throws -> any Strategy) {
        self.name = name; self.summary = summary; self.enabledEnvironment = enabledEnvironment
        self.parameters = parameters; self.make = make
    }

    public func defaults() -> ParameterSet { ParameterSet(parameters) }
    public func build(symbol: String, parameters: ParameterSet) throws -> any Strategy { try make(symbol, parameters) }
}

/// Every strategy, registered by name (`overnight_range`, `mean_reversion`, `trend_following`,
/// `sma_bracket`). Names with a dash are accepted too (`sma-bracket`).
public enum StrategyCatalog {
    public static var all: [StrategyDescriptor] { registered }

    static let registered: [StrategyDescriptor] = [
        OvernightRangeBreakout.descriptor, MeanReversion.descriptor, TrendFollowing.descriptor, SMABracket.descriptor,
    ]

    public static func descriptor(named name: String) throws -> StrategyDescriptor {
        let key = name.replacingOccurrences(of: "-", with: "_").lowercased()
        if let d = all.first(where: { $0.name == key }) { return d }
        throw DataError.badInput(file: "strategy", line: nil, field: "name",
            reason: "unknown strategy '\(name)'; known: \(all.map(\.name).joined(separator: ", "))")
    }
}

extension SMABracket {
    public static let descriptor = StrategyDescriptor(
        name: "sma_bracket", summary: "SMA cross, market entry at the next open, fixed bracket (the reference workload)",
        enabledEnvironment: nil,
        parameters: [
            ParameterSpec("fast", .int(1...10_000), default: .int(10), help: "bars in the fast SMA"),
            ParameterSpec("slow", .int(2...10_000), default: .int(30), help: "bars in the slow SMA, more than fast"),
            ParameterSpec("stop_ticks", .int(1...100_000), default: .int(20), help: "stop distance from the fill, in ticks"),
            ParameterSpec("target_ticks", .int(1...100_000), default: .int(40), help: "target distance from the fill, in ticks"),
            ParameterSpec("quantity", .int(1...1000), default: .int(1), help: "contracts per trade"),
        ],
        make: { symbol, p in
            guard p.int("fast") < p.int("slow") else {
                throw DataError.badInput(file: "sma_bracket", line: nil, field: "fast",
                                         reason: "fast (\(p.int("fast"))) must be below slow (\(p.int("slow")))")
            }
            return SMABracket(symbol: symbol, parameters: Parameters(
                fast: Int(p.int("fast")), slow: Int(p.int("slow")), stopTicks: p.int("stop_ticks"),
                targetTicks: p.int("target_ticks"), quantity: p.int("quantity")))
        })
}
