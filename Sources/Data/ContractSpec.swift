import Foundation

/// What the exchange allows and charges for one futures product: tick grid, tick value, fees and
/// the listing cycle. The connection to a venue is a separate concern (see `Trading`).
public struct ContractSpec: Hashable, Sendable {
    /// CME symbol root, e.g. `MNQ`, `ES`.
    public let symbol: String
    public let name: String
    /// The root ProjectX uses in contract ids (`EP` for ES, `ENQ` for NQ, …).
    public let projectXRoot: String
    public let exchange: String
    public let tickSize: TickSize
    /// Dollars per tick per contract.
    public let tickValue: Money
    /// TopStepX-style round-turn fee per contract (commission + exchange + NFA); half per side.
    public let feeRoundTurn: Money
    /// Digits after the point when prices are written out.
    public let priceDecimals: Int
    /// Listed contract months as CME month codes, e.g. `HMUZ`.
    public let monthCycle: String
    /// How the product counts toward a prop-firm position limit in minis (a micro is 0.1).
    public let miniEquivalent: Double
    /// Where the numbers come from.
    public let source: String

    /// Dollars per full point: tick value ÷ tick size (MNQ 0.50 / 0.25 = $2).
    public var pointValue: Double { tickValue.dollars / tickSize.value }

    /// Fee charged per side per contract (half the round turn, rounded to the cent).
    public var feePerSide: Money { Money(cents: (feeRoundTurn.cents + 1) / 2) }

    public init(
        symbol: String, name: String, projectXRoot: String, exchange: String, tickSize: TickSize,
        tickValue: Money, feeRoundTurn: Money, priceDecimals: Int, monthCycle: String,
        miniEquivalent: Double, source: String
    ) {
        self.symbol = symbol; self.name = name; self.projectXRoot = projectXRoot
        self.exchange = exchange; self.tickSize = tickSize; self.tickValue = tickValue
        self.feeRoundTurn = feeRoundTurn; self.priceDecimals = priceDecimals
        self.monthCycle = monthCycle; self.miniEquivalent = miniEquivalent; self.source = source
    }

    /// Formats a price of this contract with its usual number of decimals.
    public func format(_ p: Price) -> String { tickSize.format(p, decimals: priceDecimals) }

    /// Money for a move of `ticks` ticks on `quantity` contracts.
    @inlinable public func value(ofTicks ticks: Int64, quantity: Int64 = 1) -> Money {
        Money(cents: tickValue.cents * ticks * quantity)
    }
}

/// The contract specifications the product knows, from the built-in table plus any the user adds
/// (a CSV file with the same columns, named by `--contracts` or `TSXLAB_CONTRACTS`).
public struct ContractRegistry: Sendable {
    public private(set) var specs: [String: ContractSpec]

    /// The built-in table: CME specs, ProjectX roots from the gateway reference, TopStepX fees.
    public static let builtIn: ContractRegistry = {
        do { return try ContractRegistry(csv: builtInCSV, source: "built-in contract table") }
        catch { fatalError("built-in contract table is malformed: \(error)") }
    }()

    public init(specs: [String: ContractSpec] = [:]) { self.specs = specs }

    /// Parses the contract table format (header row required, `#` lines ignored).
    public init(csv: String, source: String) throws {
        specs = [:]
        try merge(csv: csv, source: source)
    }

    /// Adds or replaces specs from CSV text; errors name the source, line and field.
    public mutating func merge(csv: String, source: String) throws {
        let expected = ["symbol", "name", "projectx_root", "exchange", "tick_size", "tick_value_usd",
                        "fee_round_turn_usd", "price_decimals", "months", "mini_equivalent", "source"]
        var header: [String]?
        for (n, raw) in csv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let h = header else {
                guard fields == expected else {
                    throw DataError.badInput(file: source, line: n + 1, field: nil,
                        reason: "contract table header must be: \(expected.joined(separator: ","))")
                }
                header = fields
                continue
            }
            func fail(_ field: String, _ why: String) -> DataError {
                .badInput(file: source, line: n + 1, field: field, reason: why)
            }
            guard fields.count == h.count else {
                throw fail("row", "expected \(h.count) fields, found \(fields.count)")
            }
            guard let tick = TickSize(fields[4]) else { throw fail("tick_size", "'\(fields[4])' is not a positive decimal") }
            guard let tv = Money(fields[5]), tv.cents > 0 else { throw fail("tick_value_usd", "'\(fields[5])' is not a positive amount in cents") }
            guard let fee = Money(fields[6]), fee.cents >= 0 else { throw fail("fee_round_turn_usd", "'\(fields[6])' is not an amount in cents") }
            guard let dec = Int(fields[7]), dec >= 0, dec <= 10 else { throw fail("price_decimals", "'\(fields[7])' is not 0…10") }
            guard !fields[8].isEmpty, fields[8].allSatisfy({ MonthCode.letters.contains($0) }) else {
                throw fail("months", "'\(fields[8])' must be CME month codes (FGHJKMNQUVXZ)")
            }
            guard let mini = Double(fields[9]), mini > 0 else { throw fail("mini_equivalent", "'\(fields[9])' is not a positive number") }
            let symbol = fields[0].uppercased()
            guard !symbol.isEmpty else { throw fail("symbol", "empty symbol") }
            specs[symbol] = ContractSpec(
                symbol: symbol, name: fields[1], projectXRoot: fields[2].isEmpty ? symbol : fields[2],
                exchange: fields[3], tickSize: tick, tickValue: tv, feeRoundTurn: fee,
                priceDecimals: dec, monthCycle: fields[8], miniEquivalent: mini, source: fields[10])
        }
        if header == nil {
            throw DataError.badInput(file: source, line: 1, field: nil, reason: "contract table is empty")
        }
    }

    /// The spec for a symbol (case-insensitive) or a dated contract code of it (`ESZ13`), or a
    /// bad-input error that lists what is known.
    public func spec(for symbol: String) throws -> ContractSpec {
        if let s = specs[symbol.uppercased()] { return s }
        if let c = ContractID(cme: symbol), let s = specs[c.symbol] { return s }
        throw DataError.unknownSymbol(symbol, known: specs.keys.sorted())
    }

    /// The spec whose ProjectX root is `root` (`EP` → ES).
    public func spec(projectXRoot root: String) -> ContractSpec? {
        specs.values.first { $0.projectXRoot == root }
    }

    static let builtInCSV = """
    # Tick sizes and values: CME contract specifications; ProjectX roots: gateway reference §8;
    # round-turn fees: TopStepX schedule 2026 (topstepx-rules §9; 'inferred' where the schedule
    # names only a peer product of the same tier).
    symbol,name,projectx_root,exchange,tick_size,tick_value_usd,fee_round_turn_usd,price_decimals,months,mini_equivalent,source
    ES,E-mini S&P 500,EP,CME,0.25,12.50,3.78,2,HMUZ,1,CME spec; TopStepX fees 2026
    MES,Micro E-mini S&P 500,MES,CME,0.25,1.25,1.22,2,HMUZ,0.1,CME spec; TopStepX fees 2026
    NQ,E-mini Nasdaq-100,ENQ,CME,0.25,5.00,3.78,2,HMUZ,1,CME spec; TopStepX fees 2026 (ES tier inferred)
    MNQ,Micro E-mini Nasdaq-100,MNQ,CME,0.25,0.50,1.22,2,HMUZ,0.1,CME spec; TopStepX fees 2026 (MES tier inferred)
    YM,E-mini Dow ($5),YM,CBOT,1,5.00,3.78,0,HMUZ,1,CME spec; TopStepX fees (ES tier inferred)
    MYM,Micro E-mini Dow,MYM,CBOT,1,0.50,1.22,0,HMUZ,0.1,CME spec; TopStepX fees (MES tier inferred)
    RTY,E-mini Russell 2000,RTY,CME,0.10,5.00,3.78,2,HMUZ,1,CME spec; TopStepX fees (ES tier inferred)
    M2K,Micro E-mini Russell 2000,M2K,CME,0.10,0.50,1.22,2,HMUZ,0.1,CME spec; TopStepX fees (MES tier inferred)
    GC,Gold,GCE,COMEX,0.10,10.00,4.32,1,GJMQVZ,1,CME spec; TopStepX fees 2026
    MGC,Micro Gold,MGC,COMEX,0.10,1.00,1.92,1,GJMQVZ,0.1,CME spec; TopStepX fees 2026
    CL,Crude Oil,CLE,NYMEX,0.01,10.00,3.78,2,FGHJKMNQUVXZ,1,CME spec; TopStepX fees (ES tier inferred)
    MCL,Micro WTI Crude Oil,MCLE,NYMEX,0.01,1.00,1.72,2,FGHJKMNQUVXZ,0.1,CME spec; TopStepX fees from 2026-10-01
    6E,Euro FX,EU6,CME,0.00005,6.25,3.78,5,HMUZ,1,CME spec; TopStepX fees (ES tier inferred)
    """
}
