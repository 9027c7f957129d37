import Data
import Indicators
import Strategies
import Testing
import Trading
import TSXLabTesting

/// Every kind of spec, with defaults left out and written in, both seedings, and periods long
/// enough that the warm-up spans a session boundary.
let everyIndicatorKind = [
    "sma:20", "ema:9", "wma:10", "rma:14", "tr", "tr:pine", "atr:14", "atr:14:pine", "atr:1", "rsi:14",
    "bbupper:20", "bbmiddle:20", "bblower:20:2.5", "macd", "macdsignal:12:26:9", "macdhist:5:13:4",
    "highest:20", "lowest:20", "stddev:20", "stddev:30:1.5", "vwap",
]

/// The shared files the recipes are checked on: ES (a power-of-two tick) and 6E (0.00005, where
/// ticks and points differ in more than the exponent).
let indicatorFiles: [(file: String, symbol: String, tick: String)] = [
    ("ES_1m_2023-09-24_2023-10-09.csv.gz", "ES", "0.25"),
    ("6EH4_1m_2024-01.csv.gz", "6E", "0.00005"),
]

/// Equal as the same value, or both NaN.
func sameValue(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

/// The first index where two value lists differ, for a message that points at it.
func firstDifference(_ a: [Double], _ b: [Double]) -> String {
    guard a.count == b.count else { return "\(a.count) values against \(b.count)" }
    guard let i = a.indices.first(where: { !sameValue(a[$0], b[$0]) }) else { return "none" }
    return "bar \(i): \(a[i]) against \(b[i])"
}

@Suite("Indicators as shared series")
struct IndicatorRecipeTests {
    @Test("each kind's series equals the column `tsxlab indicators` computes, value for value, NaN where it has none",
          arguments: indicatorFiles.map(\.file))
    func batch(file: String) throws {
        let f = indicatorFiles.first { $0.file == file }!
        let bars = try SharedData.loadBars(f.file, symbol: f.symbol, tickSize: TickSize(f.tick)!)
        #expect(bars.count > 10_000)
        let book = SeriesBook(bars: bars)
        // The command's inputs: price arrays in ticks shared by every column.
        var inputs = IndicatorSpec.Inputs(bars)
        let scale = bars.tickSize.value
        for text in everyIndicatorKind {
            let spec = try IndicatorSpec(text)
            let series = book.values(.indicator(spec)).values
            let column = spec.compute(&inputs)
            #expect(series.count == bars.count)
            #expect(column.warmup < bars.count, "\(text) never warms up on \(file)")
            let batch = (0..<bars.count).map { column[$0] ?? .nan }
            #expect(firstDifference(series, batch) == "none", "\(text) on \(file), ticks")
            // The file's unit: the command multiplies price columns by the tick size.
            let points = spec.compute(bars).values
            let ours = spec.isPrice ? series.map { $0 * scale } : series
            #expect(firstDifference(ours, points) == "none", "\(text) on \(file), points")
        }
        #expect(book.count == everyIndicatorKind.count)
    }

    @Test("a market growing bar by bar gives the book's values, asked for before the first bar or after history",
          arguments: indicatorFiles.map(\.file))
    func growing(file: String) throws {
        let f = indicatorFiles.first { $0.file == file }!
        let bars = try SharedData.loadBars(f.file, symbol: f.symbol, tickSize: TickSize(f.tick)!)
        let book = SeriesBook(bars: bars)
        let history = bars.count / 3
        let empty = MarketSeries(growing: BarSeries(symbol: bars.symbol, timeframe: bars.timeframe, tickSize: bars.tickSize))
        let resumed = MarketSeries(growing: bars.slice(0..<history))
        let fromStart = try everyIndicatorKind.map { try empty.indicator($0) }
        let afterHistory = try everyIndicatorKind.map { try resumed.indicator($0) }
        var live = [[Double]](repeating: [], count: everyIndicatorKind.count)
        var late = [[Double]](repeating: [], count: everyIndicatorKind.count)
        // What the history gave, read as a strategy would at its last bar and before.
        for k in everyIndicatorKind.indices {
            late[k] = (0..<history).reversed().map { afterHistory[k][$0] }
        }
        for i in 0..<bars.count {
            empty.append(bars[i])
            for k in everyIndicatorKind.indices { live[k].append(fromStart[k][0]) }
            if i >= history {
                resumed.append(bars[i])
                for k in everyIndicatorKind.indices { late[k].append(afterHistory[k][0]) }
            }
        }
        for (k, text) in everyIndicatorKind.enumerated() {
            let whole = book.values(.indicator(try IndicatorSpec(text))).values
            #expect(firstDifference(live[k], whole) == "none", "\(text) on \(file), from the first bar")
            #expect(firstDifference(late[k], whole) == "none", "\(text) on \(file), after \(history) bars of history")
        }
    }

    @Test("one spelling, one series: texts meaning the same indicator share a key, different ones never collide")
    func keys() throws {
        let bars = try SharedData.loadBars(indicatorFiles[0].file, symbol: "ES", tickSize: TickSize("0.25")!)
        let book = SeriesBook(bars: bars)
        let market = MarketSeries(book: book)
        for group in [["sma:20", "SMA:20"], ["atr:14", "ATR:14:TALIB", "atr:14:ta-lib"], ["bbupper:20", "bbupper:20:2", "bbupper:20:2.0"],
                      ["macd", "macd:12:26:9"], ["stddev:20", "stddev:20:1"], ["tr", "tr:talib"], ["bblower:20:0", "bblower:20:-0"]] {
            let before = book.count
            let keys = Set(try group.map { SeriesRecipe.indicator(try IndicatorSpec($0)).key })
            #expect(keys.count == 1, "\(group) → \(keys)")
            for text in group { _ = try market.indicator(text) }
            #expect(book.count == before + 1, "\(group) computed \(book.count - before) series")
        }
        // Distinct indicators, distinct keys; each key parses back to its indicator.
        let specs = try everyIndicatorKind.map { try IndicatorSpec($0) }
        let keys = specs.map { SeriesRecipe.indicator($0).key }
        #expect(Set(keys).count == Set(specs.map(\.kind)).count)
        for (spec, key) in zip(specs, keys) {
            #expect(try IndicatorSpec(key).kind == spec.kind, "\(spec.text) → \(key)")
            #expect(IndicatorSpec(spec.kind).text == key)
        }
        #expect(SeriesRecipe.indicator(.atr(14, .pine)).key == "atr:14:pine")
        #expect(SeriesRecipe.indicator(.atr(14, .pine)).key != SeriesRecipe.indicator(.atr(14, .taLib)).key)
    }

    @Test("a text that is no indicator fails with the spec's own error")
    func badText() throws {
        let market = MarketSeries(growing: BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize("0.25")!))
        for text in ["sma", "kama:10", "atr:14:wilder"] {
            let error = #expect(throws: IndicatorSpecError.self) { try market.indicator(text) }
            #expect(error?.spec == text)
        }
    }
}
