import Data
import Indicators
import Trading

extension SeriesRecipe {
    /// The indicator `spec` describes, as a shared series: computed once per set of bars in a
    /// backtest (and shared by every configuration of a sweep that asks for it), extended bar by
    /// bar live.
    ///
    /// Units: prices are fed as **ticks** (`Double(bar.close.ticks)`), so price indicators (moving
    /// averages, ATR, bands, MACD, highest/lowest, deviation, VWAP) answer in ticks, the unit of
    /// order prices, and the running sums stay exact; RSI is 0–100. This is what `tsxlab indicators`
    /// computes before it multiplies price columns by the tick size for points
    /// (`IndicatorSpec.compute(_:calendar:)` does the same). VWAP's sessions are the CME
    /// equity-index trade dates, as there.
    ///
    /// Each series is folded by the indicator's own streaming type (`SMA`, `EMA`, `RSI`, `ATR`,
    /// `TrueRange`, `BollingerBands`, `MACD`, …), which runs the batch kernels' arithmetic in
    /// their order: the series equals the command's column value for value
    /// (`IndicatorRecipeTests`). NaN while the indicator warms up (and, for VWAP, before a
    /// session's first volume).
    ///
    /// The key is the spec's canonical text (`SMA:20` and `sma:20` share `sma:20`; `atr:14` is
    /// `atr:14:talib`, apart from `atr:14:pine`), so a recipe of another kind must not use these
    /// names. A spec parsed from text is always valid; one built in code from a `Kind` with a
    /// period below 1 (or a MACD's fast period above its slow one) stops at the indicator's
    /// precondition when the series is first computed.
    public static func indicator(_ spec: IndicatorSpec) -> SeriesRecipe {
        let key = spec.canonicalText
        switch spec.kind {
        case .sma(let p): return SeriesRecipe(key) { OfPrice(SMA(period: p), .close) }
        case .ema(let p): return SeriesRecipe(key) { OfPrice(EMA(period: p), .close) }
        case .wma(let p): return SeriesRecipe(key) { OfPrice(WMA(period: p), .close) }
        case .rma(let p): return SeriesRecipe(key) { OfPrice(RMA(period: p), .close) }
        case .rsi(let p): return SeriesRecipe(key) { OfPrice(RSI(period: p), .close) }
        case .highest(let p): return SeriesRecipe(key) { OfPrice(Highest(period: p), .high) }
        case .lowest(let p): return SeriesRecipe(key) { OfPrice(Lowest(period: p), .low) }
        case let .standardDeviation(p, k): return SeriesRecipe(key) { OfPrice(RollingStdDev(period: p, deviations: k), .close) }
        case .trueRange(let s): return SeriesRecipe(key) { OfRange(TrueRange(seeding: s)) }
        case let .atr(p, s): return SeriesRecipe(key) { OfRange(ATR(period: p, seeding: s)) }
        case let .bollingerUpper(p, k): return SeriesRecipe(key) { Band(BollingerBands(period: p, deviations: k), .upper) }
        // The command's middle band is the bands' with 0 deviations: the same mean as any K.
        case .bollingerMiddle(let p): return SeriesRecipe(key) { Band(BollingerBands(period: p, deviations: 0), .middle) }
        case let .bollingerLower(p, k): return SeriesRecipe(key) { Band(BollingerBands(period: p, deviations: k), .lower) }
        case let .macd(f, s, g): return SeriesRecipe(key) { MACDLine(MACD(fast: f, slow: s, signal: g), .macd) }
        case let .macdSignal(f, s, g): return SeriesRecipe(key) { MACDLine(MACD(fast: f, slow: s, signal: g), .signal) }
        case let .macdHistogram(f, s, g): return SeriesRecipe(key) { MACDLine(MACD(fast: f, slow: s, signal: g), .histogram) }
        case .vwap: return SeriesRecipe(key) { VWAP() }
        }
    }

    /// `indicator(IndicatorSpec(kind))`: `.indicator(.rsi(14))`.
    public static func indicator(_ kind: IndicatorSpec.Kind) -> SeriesRecipe {
        indicator(IndicatorSpec(kind))
    }
}

extension MarketSeries {
    /// The indicator named by `text` (`rsi:14`, `atr:14:pine`, `bbupper:20:2`; see
    /// `IndicatorSpec`) over this market's bars, in ticks (RSI 0–100), shared with every strategy
    /// that asks for the same indicator in any spelling.
    ///
    /// - Throws: `IndicatorSpecError` naming the text and what is wrong with it.
    public func indicator(_ text: String) throws -> Series {
        series(.indicator(try IndicatorSpec(text)))
    }
}

// MARK: Folds

/// An indicator fed one price per bar.
protocol PriceIndicator {
    mutating func update(_ x: Double) -> Double?
}

extension SMA: PriceIndicator {}
extension EMA: PriceIndicator {}
extension WMA: PriceIndicator {}
extension RMA: PriceIndicator {}
extension RSI: PriceIndicator {}
extension Highest: PriceIndicator {}
extension Lowest: PriceIndicator {}
extension RollingStdDev: PriceIndicator {}

/// Which of a bar's prices an indicator reads.
enum BarPrice {
    case high, low, close

    @inline(__always)
    func ticks(_ bar: Bar) -> Double {
        switch self {
        case .high: Double(bar.high.ticks)
        case .low: Double(bar.low.ticks)
        case .close: Double(bar.close.ticks)
        }
    }
}

struct OfPrice<I: PriceIndicator>: SeriesFold {
    var indicator: I
    let price: BarPrice
    init(_ indicator: I, _ price: BarPrice) { self.indicator = indicator; self.price = price }
    mutating func next(_ bar: Bar) -> Double { indicator.update(price.ticks(bar)) ?? .nan }
}

/// An indicator fed high, low and close.
protocol RangeIndicator {
    mutating func update(high: Double, low: Double, close: Double) -> Double?
}

extension TrueRange: RangeIndicator {}
extension ATR: RangeIndicator {}

struct OfRange<I: RangeIndicator>: SeriesFold {
    var indicator: I
    init(_ indicator: I) { self.indicator = indicator }
    mutating func next(_ bar: Bar) -> Double {
        indicator.update(high: Double(bar.high.ticks), low: Double(bar.low.ticks), close: Double(bar.close.ticks)) ?? .nan
    }
}

/// One of the Bollinger bands of the close.
struct Band: SeriesFold {
    enum Line { case upper, middle, lower }
    var bands: BollingerBands
    let line: Line
    init(_ bands: BollingerBands, _ line: Line) { self.bands = bands; self.line = line }
    mutating func next(_ bar: Bar) -> Double {
        guard let v = bands.update(Double(bar.close.ticks)) else { return .nan }
        switch line {
        case .upper: return v.upper
        case .middle: return v.middle
        case .lower: return v.lower
        }
    }
}

/// One of the MACD lines of the close.
struct MACDLine: SeriesFold {
    enum Line { case macd, signal, histogram }
    var macd: MACD
    let line: Line
    init(_ macd: MACD, _ line: Line) { self.macd = macd; self.line = line }
    mutating func next(_ bar: Bar) -> Double {
        guard let v = macd.update(Double(bar.close.ticks)) else { return .nan }
        switch line {
        case .macd: return v.macd
        case .signal: return v.signal
        case .histogram: return v.histogram
        }
    }
}

/// Session VWAP of the typical price, volume-weighted, on CME equity-index trade dates.
struct VWAP: SeriesFold {
    var vwap = SessionVWAP(calendar: .cmeEquityIndex)
    mutating func next(_ bar: Bar) -> Double {
        vwap.update(time: bar.time.seconds, high: Double(bar.high.ticks), low: Double(bar.low.ticks),
                    close: Double(bar.close.ticks), volume: Double(bar.volume)) ?? .nan
    }
}
