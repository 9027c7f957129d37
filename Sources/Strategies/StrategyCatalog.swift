import Data
import Synchronization
import Trading

/// A strategy the product knows by name: its parameters and how to build it.
public struct StrategyDescriptor: Sendable {
    public let name: String
    public let summary: String
    /// The seed bot's `*_ENABLED` variable, when it had one.
    public let enabledEnvironment: String?
    public let parameters: [ParameterSpec]
    /// Builds the strategy over the symbols it trades: one for most strategies, several for one
    /// that trades them together (`tradesTogether`).
    let make: @Sendable (_ symbols: [String], _ parameters: ParameterSet) throws -> any Strategy
    /// Whether one strategy trades all its configured symbols together (a pair, a spread); if
    /// not, a configuration listing several symbols runs one strategy per symbol.
    public let tradesTogether: Bool

    /// A strategy written for one symbol.
    public init(name: String, summary: String, enabledEnvironment: String?, parameters: [ParameterSpec],
                make: @escaping @Sendable (String, ParameterSet) throws -> any Strategy) {
        self.name = name; self.summary = summary; self.enabledEnvironment = enabledEnvironment
        self.parameters = parameters; self.make = { symbols, p in try make(symbols[0], p) }
        tradesTogether = false
    }

    /// A strategy that trades several symbols together, handed them all in the configured order.
    public init(name: String, summary: String, enabledEnvironment: String?, parameters: [ParameterSpec],
                makeTradingTogether make: @escaping @Sendable ([String], ParameterSet) throws -> any Strategy) {
        self.name = name; self.summary = summary; self.enabledEnvironment = enabledEnvironment
        self.parameters = parameters; self.make = make
        tradesTogether = true
    }

    public func defaults() -> ParameterSet { ParameterSet(parameters) }
    public func build(symbol: String, parameters: ParameterSet) throws -> any Strategy { try make([symbol], parameters) }

    /// What a configured strategy trading `symbols` runs as: one strategy per symbol, or one over
    /// them all when it trades them together.
    public func build(symbols: [String], parameters: ParameterSet) throws -> [any Strategy] {
        if tradesTogether { return [try make(symbols, parameters)] }
        return try symbols.map { try make([$0], parameters) }
    }
}

/// A strategy the product can build by name: its descriptor declares its parameters once (name,
/// kind and range, default, unit, help), and from it come the configuration keys and their
/// checks, `--param`, the configuration hash, reports, promotion and `tsxlab strategies`.
public protocol CatalogStrategy: Strategy {
    static var descriptor: StrategyDescriptor { get }
}

/// Every strategy by name: the built-in ones (`overnight_range`, `mean_reversion`,
/// `trend_following`, `sma_bracket`) and those a trader's package registers
/// (`TSXLab.main(strategies:)`). Names with a dash are accepted too (`sma-bracket`).
public enum StrategyCatalog {
    public static var all: [StrategyDescriptor] { builtIn + registered.withLock { $0 } }

    public static let builtIn: [StrategyDescriptor] = [
        OvernightRangeBreakout.descriptor, MeanReversion.descriptor, TrendFollowing.descriptor, SMABracket.descriptor,
    ]

    private static let registered = Mutex<[StrategyDescriptor]>([])

    /// Adds a trader's strategies, all or none. A name must be a lower-case identifier (letters,
    /// digits and `_`, a letter first) and differ from every registered one.
    public static func register(_ descriptors: [StrategyDescriptor]) throws {
        try registered.withLock { registeredList in
            var list = registeredList
            for d in descriptors {
                let valid = d.name.first.map { $0.isLetter && $0.isLowercase } == true
                    && d.name.allSatisfy { ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "_" }
                guard valid else {
                    throw DataError.badInput(file: "strategy", line: nil, field: "name",
                        reason: "'\(d.name)' is not a strategy name: use lower-case letters, digits and _, a letter first (e.g. opening_range)")
                }
                guard !(builtIn + list).contains(where: { $0.name == d.name }) else {
                    throw DataError.badInput(file: "strategy", line: nil, field: "name",
                        reason: "a strategy named '\(d.name)' is already registered; give yours another name")
                }
                var names = Set<String>()
                for p in d.parameters where !names.insert(p.name).inserted {
                    throw DataError.badInput(file: "strategy \(d.name)", line: nil, field: p.name, reason: "the parameter is declared twice")
                }
                list.append(d)
            }
            registeredList = list
        }
    }

    public static func descriptor(named name: String) throws -> StrategyDescriptor {
        let key = name.replacingOccurrences(of: "-", with: "_").lowercased()
        if let d = all.first(where: { $0.name == key }) { return d }
        throw DataError.badInput(file: "strategy", line: nil, field: "name",
            reason: "unknown strategy '\(name)'; known: \(all.map(\.name).joined(separator: ", "))")
    }
}

extension OvernightRangeBreakout: CatalogStrategy {}
extension MeanReversion: CatalogStrategy {}
extension TrendFollowing: CatalogStrategy {}
extension SMABracket: CatalogStrategy {}

extension SMABracket {
    public static let descriptor = StrategyDescriptor(
        name: "sma_bracket", summary: "SMA cross, market entry at the next open, fixed bracket (the reference workload)",
        enabledEnvironment: nil,
        parameters: [
            ParameterSpec("fast", .int(1...10_000), default: .int(10), unit: "bars", help: "bars in the fast SMA"),
            ParameterSpec("slow", .int(2...10_000), default: .int(30), unit: "bars", help: "bars in the slow SMA, more than fast"),
            ParameterSpec("stop_ticks", .int(1...100_000), default: .int(20), unit: "ticks", help: "stop distance from the fill"),
            ParameterSpec("target_ticks", .int(1...100_000), default: .int(40), unit: "ticks", help: "target distance from the fill"),
            ParameterSpec("quantity", .int(1...1000), default: .int(1), unit: "contracts", help: "contracts per trade"),
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
