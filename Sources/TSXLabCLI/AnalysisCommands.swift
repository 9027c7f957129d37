import ArgumentParser
import Data
import Foundation
import Indicators

/// `tsxlab indicators`: indicator series over stored bars, as CSV.
struct IndicatorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicators",
        abstract: "Write indicator series over stored bars as CSV (timestamp plus one column per indicator).",
        discussion: """
            Each --indicator is one column, named exactly as given; cells are empty while the
            indicator warms up. Price indicators are in points (ticks × tick size); RSI is 0–100.
            Values are computed over the bars of the window only: the warm-up uses its first bars.
              sma:N ema:N wma:N rma:N        moving averages of the close
              tr  tr:pine                    true range (TA-Lib: none for the first bar; Pine: high − low)
              atr:N  atr:N:pine              ATR, TA-Lib seeding (default) or Pine's ta.atr
              rsi:N                          RSI (Wilder, TA-Lib seeding)
              bbupper:N[:K] bbmiddle:N bblower:N[:K]   Bollinger bands, K deviations (default 2)
              macd[:F:S:G] macdsignal[:F:S:G] macdhist[:F:S:G]   MACD (default 12:26:9, TA-Lib seeding)
              highest:N lowest:N             highest high / lowest low of N bars
              stddev:N[:K]                   population standard deviation of the close
              vwap                           VWAP anchored at each CME trade date's 17:00 CT open
            Example: tsxlab indicators --symbol ES --timeframe 1m --from 2019-03-01 --to 2019-04-01 \\
                       --indicator atr:14 --indicator rsi:14 --indicator ema:20 --out es.csv
            """)

    @Option var symbol: String
    @Option var timeframe: Timeframe
    @Option(help: "First bar time (UTC date or ISO time), inclusive.") var from: TimeArgument?
    @Option(help: "End time (UTC date or ISO time), exclusive.") var to: TimeArgument?
    @Option(name: .customLong("indicator"), help: ArgumentHelp("An indicator spec such as atr:14 (repeatable).", valueName: "spec"))
    var indicators: [String] = []
    @Option(help: "Output file; - for stdout.") var out: String
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        guard !indicators.isEmpty else { throw ValidationError("give at least one --indicator, e.g. --indicator atr:14") }
        var seen = Set<String>()
        for text in indicators {
            do { _ = try IndicatorSpec(text) } catch let e as IndicatorSpecError { throw ValidationError(e.description) }
            guard seen.insert(text).inserted else { throw ValidationError("--indicator '\(text)' is given twice") }
        }
    }

    func run() throws {
        try runReportingErrors {
            let specs = try indicators.map { try IndicatorSpec($0) }
            let store = try storeOptions.openStore()
            let key = SeriesKey(symbol: symbol.uppercased(), timeframe: timeframe)
            let window = TimeWindow(from: from?.timestamp ?? .distantPast, to: to?.timestamp ?? .distantFuture)
            let bars = try store.read(key, window)
            guard !bars.isEmpty else {
                throw DataError.badInput(file: storeOptions.storeURL(), line: nil, field: nil,
                                         reason: "no \(key) bars in \(window); see `tsxlab data list`")
            }
            var inputs = IndicatorSpec.Inputs(bars)
            let scale = bars.tickSize.value
            let columns: [[Double]] = specs.map { spec in
                var s = spec.compute(&inputs)
                if spec.isPrice { for i in s.values.indices { s.values[i] *= scale } }
                return s.values
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(bars.count * (22 + 20 * specs.count))
            bytes.append(contentsOf: ("timestamp," + indicators.joined(separator: ",") + "\n").utf8)
            for i in 0..<bars.count {
                bytes.append(contentsOf: Timestamp(seconds: bars.time[i]).iso8601.utf8)
                for column in columns {
                    bytes.append(UInt8(ascii: ","))
                    let v = column[i]
                    if !v.isNaN { bytes.append(contentsOf: v.description.utf8) }
                }
                bytes.append(UInt8(ascii: "\n"))
            }
            if out == "-" {
                FileHandle.standardOutput.write(Data(bytes))
            } else {
                guard FileManager.default.createFile(atPath: out, contents: Data(bytes)) else {
                    throw DataError.noInput(path: out, reason: "cannot write the output file")
                }
                Terminal.note("wrote \(bars.count) rows × \(specs.count) indicators to \(out)")
            }
        }
    }
}

/// `tsxlab stats` (`stats summary`, the default): performance statistics of an equity curve
/// and/or a list of trades.
struct StatsSummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Performance statistics of an equity curve (--equity) and/or a list of trades (--trades).",
        discussion: """
            Equity CSV: a header, then one row per point in increasing time:
              timestamp (or time, date, datetime): ISO-8601 UTC or epoch seconds
              equity (or equity_usd, balance, balance_usd, value, nav): account equity in dollars
              position (or pos, contracts): optional signed contracts held until the next point (exposure)
            Trades CSV: one row per closed trade, in closing order:
              pnl (or pnl_usd, profit, net_pnl, pl): net dollars; optional entry_time, exit_time
              (both give the exposure), mae, mfe (dollars).
            tsxlab backtest's equity.csv and trades.csv read as they are.
            Returns are per CME trade date (the last point of each), annualised with --annualization
            (default 252). Sharpe = mean/std(ddof 1)·√A; Sortino = mean·A/(√mean(min(r,0)²)·√A) as
            empyrical. Undefined ratios are 0 (Sharpe and Sortino without variation or downside,
            Calmar without drawdown) or null (profit factor without a losing trade).
            """)

    @Option(help: "Equity curve CSV.") var equity: String?
    @Option(help: "Trades CSV.") var trades: String?
    @Option(help: "Periods per year for annualising.") var annualization: Double = 252
    @Option(help: "Return periods: trade-dates (CME trade dates) or points (each row after the first).") var periods: String = "trade-dates"
    @Option(help: "Dollars added to every equity value (for a file of cumulative P&L).") var capital: Double = 0
    @Flag(help: "Print the statistics as JSON.") var json = false

    func validate() throws {
        guard equity != nil || trades != nil else { throw ValidationError("give --equity FILE, --trades FILE or both") }
        guard annualization > 0, annualization.isFinite else { throw ValidationError("--annualization must be a positive number") }
        guard ["trade-dates", "points"].contains(periods) else {
            throw ValidationError("--periods must be trade-dates or points, not '\(periods)'")
        }
    }

    func run() throws {
        try runReportingErrors {
            var report = StatsReport()
            if let path = equity {
                var curve = try EquityCurve(csv: try readText(path), source: path)
                if capital != 0 { curve.equity = curve.equity.map { $0 + capital } }
                let options = PerformanceOptions(annualization: annualization,
                                                 periods: periods == "points" ? .asGiven : .tradeDates(.cmeEquityIndex))
                do {
                    report.equity = EquityJSON(try Performance.statistics(of: curve, options: options))
                } catch let e as StatisticsError {
                    var reason = e.description
                    if case .nonPositiveEquity = e { reason += " (--capital DOLLARS adds it)" }
                    throw DataError.badInput(file: path, line: nil, field: "equity", reason: reason)
                }
            }
            if let path = trades {
                report.trades = TradesJSON(Performance.statistics(of: try TradeRecord.parse(csv: try readText(path), source: path)))
            }
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
                print(String(decoding: try enc.encode(report), as: UTF8.self))
            } else {
                print(report.text)
            }
        }
    }
}

/// A text file the user named (`--equity`, `--trades`, `--returns`), as UTF-8.
///
/// - Throws: `DataError.noInput` (exit 66) saying whether the file is missing or unreadable.
func readText(_ path: String) throws -> String {
    guard let d = FileManager.default.contents(atPath: path) else {
        throw DataError.noInput(path: path, reason: FileManager.default.fileExists(atPath: path) ? "unreadable" : "no such file")
    }
    return String(decoding: d, as: UTF8.self)
}

struct StatsReport: Encodable {
    var equity: EquityJSON?
    var trades: TradesJSON?

    var text: String {
        func money(_ v: Double) -> String { String(format: "%.2f", v) }
        func pct(_ v: Double) -> String { String(format: "%.2f%%", v * 100) }
        func num(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "n/a" }
        var rows: [[String]] = []
        if let e = equity {
            rows += [["period", "\(e.start) → \(e.end) (\(e.periods) return periods)"],
                     ["equity", "\(money(e.startingEquity)) → \(money(e.endingEquity)) (net \(money(e.netProfit)))"],
                     ["total return", pct(e.totalReturn)],
                     ["annualised return", pct(e.annualisedReturn)],
                     ["CAGR", e.cagr.map(pct) ?? "n/a (under a day)"],
                     ["annual volatility", pct(e.annualVolatility)],
                     ["Sharpe", num(e.sharpe)], ["Sortino", num(e.sortino)], ["Calmar", num(e.calmar)]]
            if let d = e.maxDrawdown {
                rows.append(["max drawdown ($)", "\(money(d.amount)) (\(pct(d.fraction))) \(d.peak) → \(d.trough), recovered \(d.recovery ?? "never")"])
            }
            if let d = e.maxDrawdownPercent {
                rows.append(["max drawdown (%)", "\(pct(d.fraction)) (\(money(d.amount))) \(d.peak) → \(d.trough), recovered \(d.recovery ?? "never")"])
            }
            if let d = e.longestDrawdown { rows.append(["longest drawdown", "\(formatDuration(d.durationSeconds)) from \(d.peak)"]) }
            if let x = e.exposure { rows.append(["exposure", pct(x)]) }
        }
        if let t = trades {
            if !rows.isEmpty { rows.append(["", ""]) }
            rows += [["trades", "\(t.trades) (\(t.wins) won, \(t.losses) lost, \(t.breakeven) flat)"],
                     ["win rate", pct(t.winRate)], ["net profit", money(t.netProfit)],
                     ["profit factor", num(t.profitFactor)], ["expectancy", money(t.expectancy)],
                     ["average win / loss", "\(money(t.averageWin)) / \(money(t.averageLoss))"],
                     ["largest win / loss", "\(money(t.largestWin)) / \(money(t.largestLoss))"],
                     ["longest streaks", "\(t.longestWinStreak) wins, \(t.longestLossStreak) losses"]]
            if let x = t.exposure { rows.append(["exposure", pct(x)]) }
            if let a = t.averageMAE, let b = t.averageMFE {
                rows.append(["average MAE / MFE", "\(money(a)) / \(money(b))"])
            }
        }
        return table(["statistic", "value"], rows)
    }
}

struct DrawdownJSON: Encodable {
    let amount, fraction: Double
    let peak, trough: String
    let recovery: String?
    let durationSeconds: Int64
    init(_ d: Drawdown) {
        amount = d.amount; fraction = d.fraction; peak = d.peak.iso8601; trough = d.trough.iso8601
        recovery = d.recovery?.iso8601; durationSeconds = d.duration
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(amount, forKey: .amount); try c.encode(fraction, forKey: .fraction)
        try c.encode(peak, forKey: .peak); try c.encode(trough, forKey: .trough)
        try c.encode(recovery, forKey: .recovery); try c.encode(durationSeconds, forKey: .durationSeconds)
    }
    enum CodingKeys: String, CodingKey { case amount, fraction, peak, trough, recovery, durationSeconds }
}

struct EquityJSON: Encodable {
    let start, end: String
    let startingEquity, endingEquity, netProfit: Double
    let periods: Int
    let annualization, totalReturn, annualisedReturn: Double
    let cagr: Double?
    let annualVolatility, sharpe, sortino, downsideDeviation, calmar: Double
    let maxDrawdown, maxDrawdownPercent, longestDrawdown: DrawdownJSON?
    let exposure: Double?
    init(_ s: EquityStatistics) {
        start = s.start.iso8601; end = s.end.iso8601; startingEquity = s.startingEquity; endingEquity = s.endingEquity
        netProfit = s.netProfit; periods = s.periods; annualization = s.annualization; totalReturn = s.totalReturn
        annualisedReturn = s.annualisedReturn; cagr = s.cagr; annualVolatility = s.annualVolatility; sharpe = s.sharpe
        sortino = s.sortino; downsideDeviation = s.downsideDeviation; calmar = s.calmar
        maxDrawdown = s.maxDrawdown.map(DrawdownJSON.init); maxDrawdownPercent = s.maxDrawdownPercent.map(DrawdownJSON.init)
        longestDrawdown = s.longestDrawdown.map(DrawdownJSON.init); exposure = s.exposure
    }
    // Explicit nulls for the undefined values, so scripts see every key.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(start, forKey: .start); try c.encode(end, forKey: .end)
        try c.encode(startingEquity, forKey: .startingEquity); try c.encode(endingEquity, forKey: .endingEquity)
        try c.encode(netProfit, forKey: .netProfit); try c.encode(periods, forKey: .periods)
        try c.encode(annualization, forKey: .annualization); try c.encode(totalReturn, forKey: .totalReturn)
        try c.encode(annualisedReturn, forKey: .annualisedReturn); try c.encode(cagr, forKey: .cagr)
        try c.encode(annualVolatility, forKey: .annualVolatility); try c.encode(sharpe, forKey: .sharpe)
        try c.encode(sortino, forKey: .sortino); try c.encode(downsideDeviation, forKey: .downsideDeviation)
        try c.encode(calmar, forKey: .calmar); try c.encode(maxDrawdown, forKey: .maxDrawdown)
        try c.encode(maxDrawdownPercent, forKey: .maxDrawdownPercent); try c.encode(longestDrawdown, forKey: .longestDrawdown)
        try c.encode(exposure, forKey: .exposure)
    }
    enum CodingKeys: String, CodingKey {
        case start, end, startingEquity, endingEquity, netProfit, periods, annualization, totalReturn, annualisedReturn, cagr
        case annualVolatility, sharpe, sortino, downsideDeviation, calmar, maxDrawdown, maxDrawdownPercent, longestDrawdown, exposure
    }
}

struct TradesJSON: Encodable {
    let trades, wins, losses, breakeven, longestWinStreak, longestLossStreak: Int
    let netProfit, grossProfit, grossLoss, winRate, expectancy, averageWin, averageLoss, largestWin, largestLoss: Double
    let profitFactor, payoffRatio, exposure, averageMAE, averageMFE, worstMAE, bestMFE: Double?
    init(_ s: TradeStatistics) {
        trades = s.trades; wins = s.wins; losses = s.losses; breakeven = s.breakeven
        longestWinStreak = s.longestWinStreak; longestLossStreak = s.longestLossStreak
        netProfit = s.netProfit; grossProfit = s.grossProfit; grossLoss = s.grossLoss; winRate = s.winRate
        expectancy = s.expectancy; averageWin = s.averageWin; averageLoss = s.averageLoss
        largestWin = s.largestWin; largestLoss = s.largestLoss; profitFactor = s.profitFactor; payoffRatio = s.payoffRatio
        exposure = s.exposure; averageMAE = s.averageMAE; averageMFE = s.averageMFE; worstMAE = s.worstMAE; bestMFE = s.bestMFE
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        for (k, v) in [(CodingKeys.trades, trades), (.wins, wins), (.losses, losses), (.breakeven, breakeven),
                       (.longestWinStreak, longestWinStreak), (.longestLossStreak, longestLossStreak)] { try c.encode(v, forKey: k) }
        for (k, v) in [(CodingKeys.netProfit, netProfit), (.grossProfit, grossProfit), (.grossLoss, grossLoss), (.winRate, winRate),
                       (.expectancy, expectancy), (.averageWin, averageWin), (.averageLoss, averageLoss),
                       (.largestWin, largestWin), (.largestLoss, largestLoss)] { try c.encode(v, forKey: k) }
        for (k, v) in [(CodingKeys.profitFactor, profitFactor), (.payoffRatio, payoffRatio), (.exposure, exposure),
                       (.averageMAE, averageMAE), (.averageMFE, averageMFE), (.worstMAE, worstMAE), (.bestMFE, bestMFE)] { try c.encode(v, forKey: k) }
    }
    enum CodingKeys: String, CodingKey {
        case trades, wins, losses, breakeven, longestWinStreak, longestLossStreak
        case netProfit, grossProfit, grossLoss, winRate, expectancy, averageWin, averageLoss, largestWin, largestLoss
        case profitFactor, payoffRatio, exposure, averageMAE, averageMFE, worstMAE, bestMFE
    }
}
