import Data

/// An indicator named in text, as `tsxlab indicators --indicator atr:14` takes it: `name[:arg…]`,
/// the name case-insensitive. One spec is one output column.
///
/// | spec | meaning (input) |
/// |---|---|
/// | `sma:N` `ema:N` `wma:N` `rma:N` | moving averages of the close |
/// | `tr`, `tr:pine` | true range (TA-Lib: none for the first bar; Pine: high − low there) |
/// | `atr:N`, `atr:N:pine` | ATR, TA-Lib seeding or Pine's `ta.atr` |
/// | `rsi:N` | RSI of the close (TA-Lib seeding) |
/// | `bbupper:N[:K]` `bbmiddle:N` `bblower:N[:K]` | Bollinger bands of the close, K deviations (default 2) |
/// | `macd[:F:S:G]` `macdsignal[:F:S:G]` `macdhist[:F:S:G]` | MACD lines (default 12:26:9) |
/// | `highest:N` `lowest:N` | highest high / lowest low of the last N bars |
/// | `stddev:N[:K]` | population standard deviation of the close, times K (default 1) |
/// | `vwap` | session-anchored VWAP (CME trade date) |
///
/// Periods are whole numbers from 1 to 100,000.
public struct IndicatorSpec: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case sma(Int), ema(Int), wma(Int), rma(Int)
        case trueRange(ATRSeeding)
        case atr(Int, ATRSeeding)
        case rsi(Int)
        case bollingerUpper(Int, Double), bollingerMiddle(Int), bollingerLower(Int, Double)
        case macd(Int, Int, Int), macdSignal(Int, Int, Int), macdHistogram(Int, Int, Int)
        case highest(Int), lowest(Int)
        case standardDeviation(Int, Double)
        case vwap
    }

    /// The spec exactly as given (the output column's name).
    public let text: String
    public let kind: Kind

    public var description: String { text }

    /// The names the parser knows, for messages.
    public static let names = ["sma", "ema", "wma", "rma", "tr", "atr", "rsi", "bbupper", "bbmiddle", "bblower",
                               "macd", "macdsignal", "macdhist", "highest", "lowest", "stddev", "vwap"]

    /// Parses a spec.
    ///
    /// - Throws: `IndicatorSpecError` naming the spec and what is wrong with it.
    public init(_ text: String) throws {
        self.text = text
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { String($0).lowercased() }
        let name = parts[0], args = Array(parts.dropFirst())
        func fail(_ reason: String) -> IndicatorSpecError { IndicatorSpecError(spec: text, reason: reason) }
        func period(_ i: Int, default d: Int? = nil) throws -> Int {
            guard i < args.count else {
                if let d { return d }
                throw fail("'\(name)' needs a period, e.g. '\(name):14'")
            }
            guard let v = Int(args[i]), v >= 1, v <= 100_000 else {
                throw fail("'\(args[i])' is not a period (a whole number from 1 to 100000)")
            }
            return v
        }
        func deviations(_ i: Int, default d: Double) throws -> Double {
            guard i < args.count else { return d }
            guard let v = Double(args[i]), v.isFinite, v >= 0 else { throw fail("'\(args[i])' is not a number of deviations (≥ 0)") }
            return v
        }
        func arity(_ most: Int) throws {
            if args.count > most { throw fail("'\(name)' takes at most \(most) argument\(most == 1 ? "" : "s"), got \(args.count)") }
        }
        func seeding(_ i: Int) throws -> ATRSeeding {
            guard i < args.count else { return .taLib }
            switch args[i] {
            case "pine": return .pine
            case "talib", "ta-lib": return .taLib
            default: throw fail("'\(args[i])' is not a seeding: use 'talib' (default) or 'pine'")
            }
        }
        func macdPeriods() throws -> (Int, Int, Int) {
            try arity(3)
            guard args.isEmpty || args.count == 3 else { throw fail("'\(name)' takes fast:slow:signal, e.g. '\(name):12:26:9'") }
            let f = try period(0, default: 12), s = try period(1, default: 26), g = try period(2, default: 9)
            guard f <= s else { throw fail("the fast period \(f) is longer than the slow period \(s)") }
            return (f, s, g)
        }
        switch name {
        case "sma": try arity(1); kind = .sma(try period(0))
        case "ema": try arity(1); kind = .ema(try period(0))
        case "wma": try arity(1); kind = .wma(try period(0))
        case "rma": try arity(1); kind = .rma(try period(0))
        case "tr": try arity(1); kind = .trueRange(try seeding(0))
        case "atr": try arity(2); kind = .atr(try period(0), try seeding(1))
        case "rsi": try arity(1); kind = .rsi(try period(0))
        case "bbupper": try arity(2); kind = .bollingerUpper(try period(0), try deviations(1, default: 2))
        case "bbmiddle": try arity(1); kind = .bollingerMiddle(try period(0))
        case "bblower": try arity(2); kind = .bollingerLower(try period(0), try deviations(1, default: 2))
        case "macd": let (f, s, g) = try macdPeriods(); kind = .macd(f, s, g)
        case "macdsignal": let (f, s, g) = try macdPeriods(); kind = .macdSignal(f, s, g)
        case "macdhist": let (f, s, g) = try macdPeriods(); kind = .macdHistogram(f, s, g)
        case "highest": try arity(1); kind = .highest(try period(0))
        case "lowest": try arity(1); kind = .lowest(try period(0))
        case "stddev": try arity(2); kind = .standardDeviation(try period(0), try deviations(1, default: 1))
        case "vwap": try arity(0); kind = .vwap
        default:
            throw fail("unknown indicator '\(parts[0])'; known: \(IndicatorSpec.names.joined(separator: ", "))")
        }
    }

    /// The spec of `kind`, its text the canonical one.
    public init(_ kind: Kind) {
        self.kind = kind
        text = IndicatorSpec.canonicalText(of: kind)
    }

    /// The spec in one spelling: lower case, with every default and seeding written out
    /// (`SMA:20` → `sma:20`, `atr:14` → `atr:14:talib`, `bbupper:20` → `bbupper:20:2.0`, `macd` →
    /// `macd:12:26:9`). Two texts that parse to the same indicator have the same canonical text and
    /// two that differ never do, so it names a computed series (a strategy's shared series are
    /// keyed by it); it parses back to the same `kind`.
    public var canonicalText: String { IndicatorSpec.canonicalText(of: kind) }

    static func canonicalText(of kind: Kind) -> String {
        func seeding(_ s: ATRSeeding) -> String { s == .pine ? "pine" : "talib" }
        // A Double's description is its shortest round-tripping spelling (`2` and `2.0` give
        // `2.0`); `-0` is the same number of deviations as `0`, so it is spelt `0.0` too.
        func number(_ k: Double) -> String { (k == 0 ? 0.0 : k).description }
        switch kind {
        case .sma(let p): return "sma:\(p)"
        case .ema(let p): return "ema:\(p)"
        case .wma(let p): return "wma:\(p)"
        case .rma(let p): return "rma:\(p)"
        case .trueRange(let s): return "tr:\(seeding(s))"
        case let .atr(p, s): return "atr:\(p):\(seeding(s))"
        case .rsi(let p): return "rsi:\(p)"
        case let .bollingerUpper(p, k): return "bbupper:\(p):\(number(k))"
        case .bollingerMiddle(let p): return "bbmiddle:\(p)"
        case let .bollingerLower(p, k): return "bblower:\(p):\(number(k))"
        case let .macd(f, s, g): return "macd:\(f):\(s):\(g)"
        case let .macdSignal(f, s, g): return "macdsignal:\(f):\(s):\(g)"
        case let .macdHistogram(f, s, g): return "macdhist:\(f):\(s):\(g)"
        case .highest(let p): return "highest:\(p)"
        case .lowest(let p): return "lowest:\(p)"
        case let .standardDeviation(p, k): return "stddev:\(p):\(number(k))"
        case .vwap: return "vwap"
        }
    }

    /// False only for the RSI, which has no price unit.
    public var isPrice: Bool { if case .rsi = kind { return false } else { return true } }

    /// The indicator over a bar series, computed in ticks and converted to points (× tick size)
    /// for price-unit indicators; NaN during the warm-up.
    public func compute(_ bars: BarSeries, calendar: SessionCalendar = .cmeEquityIndex) -> IndicatorSeries {
        var inputs = Inputs(bars)
        var out = compute(&inputs, calendar: calendar)
        if isPrice {
            let scale = bars.tickSize.value
            out.values.withUnsafeMutableBufferPointer { v in for i in 0..<v.count { v[i] *= scale } }
        }
        return out
    }

    /// Price arrays of one series in ticks, converted once and shared by many specs.
    public struct Inputs {
        public let bars: BarSeries
        public private(set) lazy var high = bars.prices(\.high)
        public private(set) lazy var low = bars.prices(\.low)
        public private(set) lazy var close = bars.prices(\.close)
        public init(_ bars: BarSeries) { self.bars = bars }
    }

    /// The indicator in ticks (RSI unitless) over shared inputs.
    public func compute(_ x: inout Inputs, calendar: SessionCalendar = .cmeEquityIndex) -> IndicatorSeries {
        switch kind {
        case .sma(let p): return SMA.compute(x.close, period: p)
        case .ema(let p): return EMA.compute(x.close, period: p)
        case .wma(let p): return WMA.compute(x.close, period: p)
        case .rma(let p): return RMA.compute(x.close, period: p)
        case .trueRange(let s): return TrueRange.compute(high: x.high, low: x.low, close: x.close, seeding: s)
        case .atr(let p, let s): return ATR.compute(high: x.high, low: x.low, close: x.close, period: p, seeding: s)
        case .rsi(let p): return RSI.compute(x.close, period: p)
        case .bollingerUpper(let p, let k):
            let b = BollingerBands.compute(x.close, period: p, deviations: k)
            return IndicatorSeries(values: b.upper, warmup: b.warmup)
        case .bollingerMiddle(let p):
            let b = BollingerBands.compute(x.close, period: p, deviations: 0)
            return IndicatorSeries(values: b.middle, warmup: b.warmup)
        case .bollingerLower(let p, let k):
            let b = BollingerBands.compute(x.close, period: p, deviations: k)
            return IndicatorSeries(values: b.lower, warmup: b.warmup)
        case let .macd(f, s, g):
            let m = MACD.compute(x.close, fast: f, slow: s, signal: g)
            return IndicatorSeries(values: m.macd, warmup: m.warmup)
        case let .macdSignal(f, s, g):
            let m = MACD.compute(x.close, fast: f, slow: s, signal: g)
            return IndicatorSeries(values: m.signal, warmup: m.warmup)
        case let .macdHistogram(f, s, g):
            let m = MACD.compute(x.close, fast: f, slow: s, signal: g)
            return IndicatorSeries(values: m.histogram, warmup: m.warmup)
        case .highest(let p): return Highest.compute(x.high, period: p)
        case .lowest(let p): return Lowest.compute(x.low, period: p)
        case let .standardDeviation(p, k): return RollingStdDev.compute(x.close, period: p, deviations: k)
        case .vwap:
            return SessionVWAP.compute(time: x.bars.time, high: x.high, low: x.low, close: x.close,
                                       volume: x.bars.volumes, calendar: calendar)
        }
    }
}

/// A spec that cannot be parsed. The CLI exits 64 (bad arguments) with `description`.
public struct IndicatorSpecError: Error, Hashable, CustomStringConvertible, Sendable {
    public var spec: String
    public var reason: String
    public var exitCode: Int32 { 64 }
    public var description: String { "bad indicator spec '\(spec)': \(reason)" }
}
