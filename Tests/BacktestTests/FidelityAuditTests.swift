import Backtest
import Data
import Foundation
import Testing
import Trading
import TSXLabTesting

/// Prints at `start` plus the given seconds, at prices in ticks.
private func tape(_ start: String, _ items: [(s: Int64, price: Int64)]) -> [TradePrint] {
    let t0 = Timestamp(iso8601: start)!.seconds * 1_000_000_000
    return items.map { TradePrint(time: t0 + $0.s * 1_000_000_000, price: $0.price, size: 1) }
}

private func audited(_ config: ExchangeConfig = ExchangeConfig()) -> ExchangeConfig {
    var c = config
    c.fidelityAudit = true
    return c
}

/// Wrong and other-price counts per model, in `PathModel.allCases` order.
private func tally(_ a: FidelityAudit) -> (wrong: [Int], otherPrices: [Int]) {
    (a.scores.map(\.wrong), a.scores.map(\.otherPrices))
}

@Suite("Fidelity audit: each path model scored against the finer data that decided the bar (hand-checked)")
struct FidelityAuditTests {
    /// A market buy with a 4-tick stop and target at the close of bars 0, 2, 4 and 6 (price 400);
    /// bars 1, 3, 5 and 7 open at 400, reach both exits, and their prints decide.
    ///
    /// | bar | O H L C           | prints            | prints decide           | nearest | worst | best   | stop-first |
    /// | 1   | 400 405 396 404   | 400 396 405       | stop 396                | right   | right | wrong  | right      |
    /// | 3   | 400 405 396 396   | 400 405 396       | target 404 (405 through)| wrong   | wrong | right  | wrong      |
    /// | 5   | 400 404 396 396   | 400 404 396       | stop (404 only touched) | right   | right | wrong  | right      |
    /// | 7   | 400 406 394 406   | 400 394 406       | stop at the print 394   | 396     | 396   | wrong  | 396        |
    ///
    /// Nearest goes to the low first when the open is no farther from it (bars 1, 5, 7), worst and
    /// stop-first go to the long's adverse low, best to its high; the models fill a limit on a
    /// touch and a stop at its price, the prints a limit only through it and a stop at the print.
    func fourBrackets() -> (BarBuilder, ScriptedStrategy, [TradePrint]) {
        var b = BarBuilder()
        let st = ScriptedStrategy()
        let bars: [(Int64, Int64, Int64, Int64, [Int64])] = [
            (400, 405, 396, 404, [400, 396, 405]),
            (400, 405, 396, 396, [400, 405, 396]),
            (400, 404, 396, 396, [400, 404, 396]),
            (400, 406, 394, 406, [400, 394, 406]),
        ]
        var prints: [TradePrint] = []
        for (k, x) in bars.enumerated() {
            b.bar(400, 400, 400, 400)
            st.at(2 * k) { $0.place(order(.buy, .market, bracket: Bracket(stopLoss: .ticks(4), takeProfit: .ticks(4)))) }
            let t = b.bar(x.0, x.1, x.2, x.3)
            prints += tape(t.iso8601, x.4.enumerated().map { (Int64($0.offset + 1), $0.element) })
        }
        return (b, st, prints)
    }

    @Test("four ambiguous bars decided by prints: nearest, worst and stop-first wrong once, best three times; a stop through its price is right at another price")
    func printsDecide() throws {
        let (b, st, prints) = fourBrackets()
        let r = runFixture(b, st, config: audited(), prints: prints).0
        #expect(r.fills.map(\.price.ticks) == [400, 396, 400, 404, 400, 396, 400, 394])
        let a = try #require(r.fidelity)
        #expect(a.barsByPrints == 4 && a.barsByFinerBars == 0 && a.barsNotSettled == 0 && a.audited == 4)
        #expect(a.scores.map(\.model) == ["nearest", "worst", "best", "stop-first"])
        #expect(tally(a).wrong == [1, 1, 3, 1])
        #expect(tally(a).otherPrices == [1, 1, 0, 1])
        #expect(a.errorRate(.bestCase) == 0.75 && a.errorRate(.nearestExtremeFirst) == 0.25)
        // What was kept to look at: the bar, what the prints did, what the model would have done.
        let first = try #require(a.disagreements.first)
        #expect(first.bar == "2019-03-05T14:31:00Z" && first.model == "best")
        #expect(first.actual == ["#1 buy 1 @ 100.00", "#2 sell 1 @ 99.00"] && first.modelled == ["#1 buy 1 @ 100.00", "#3 sell 1 @ 101.00"])
    }

    @Test("limit_fill touch: the touched target of bar 5 fills on the prints too, so best is right there and nearest, worst and stop-first wrong")
    func touchOption() throws {
        let (b, st, prints) = fourBrackets()
        var c = ExchangeConfig()
        c.limitFillOnPrints = .touch
        let a = try #require(runFixture(b, st, config: audited(c), prints: prints).0.fidelity)
        #expect(tally(a).wrong == [2, 2, 2, 2])
        #expect(tally(a).otherPrices == [1, 1, 0, 1])
    }

    @Test("finer bars that settle an ambiguous bar are audited; one whose finer bar is itself ambiguous is counted apart and not scored")
    func finerBars() throws {
        // Five-minute bars: the entry placed at bar 0's close; bar 1 reaches both exits.
        var coarse = BarBuilder(timeframe: Timeframe("5m")!)
        coarse.bar(400, 400, 400, 400)
        coarse.bar(400, 405, 396, 396)
        let st = ScriptedStrategy()
        st.at(0) { $0.place(order(.buy, .market, bracket: Bracket(stopLoss: .ticks(4), takeProfit: .ticks(4)))) }
        // Its minutes: the entry at 400, the target (405 from 400), then the fall to 396.
        var fine = BarBuilder(start: "2019-03-05T14:35:00Z")
        fine.bar(400, 400, 400, 400)
        fine.bar(400, 405, 400, 404)
        fine.bar(404, 404, 396, 396)
        let settled = try #require(runFixture(coarse, st, config: audited(), finer: fine.series).0.fidelity)
        #expect(settled.barsByFinerBars == 1 && settled.barsByPrints == 0 && settled.barsNotSettled == 0)
        #expect(tally(settled).wrong == [1, 1, 0, 1])

        // The same hour with one minute reaching both exits: the path model decided inside it.
        var rough = BarBuilder(start: "2019-03-05T14:35:00Z")
        rough.bar(400, 405, 396, 396)
        let st2 = ScriptedStrategy()
        st2.at(0) { $0.place(order(.buy, .market, bracket: Bracket(stopLoss: .ticks(4), takeProfit: .ticks(4)))) }
        let unsettled = try #require(runFixture(coarse, st2, config: audited(), finer: rough.series).0.fidelity)
        #expect(unsettled.barsNotSettled == 1 && unsettled.audited == 0)
        #expect(tally(unsettled).wrong == [0, 0, 0, 0])
    }

    @Test("without the audit there is none")
    func off() {
        let (b, st, prints) = fourBrackets()
        #expect(runFixture(b, st, prints: prints).0.fidelity == nil)
    }
}

@Suite("Fidelity audit on the ESM8 morning (the rates the README and docs/backtesting.md publish)")
struct FidelityAuditESM8Tests {
    static let bars: BarSeries = {
        try! SharedData.readBars(path: TestEnvironment.sharedDataset("ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz"),
                                 symbol: "ES", tickSize: TickSize("0.25")!, timeframe: .oneMinute)
            .slice(from: Timestamp(iso8601: "2018-05-07T13:30:00Z")!, to: Timestamp(iso8601: "2018-05-07T17:00:00Z")!)
    }()
    static let prints: [TradePrint] = {
        var all: [TradePrint] = []
        _ = try! TickCSV.read(path: TestEnvironment.sharedDataset("ESM8_ticks_2018-05-07_0830-1200CT.csv.gz"),
                              options: TickCSVOptions(symbol: "ESM8", tickSize: TickSize("0.25")!)) { all += $0 }
        return all
    }()

    static func run(_ bars: BarSeries, stop: Int64, target: Int64, config: ExchangeConfig, prints: [TradePrint]?) throws -> BacktestResult {
        let es = Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"), feePerSide: .zero)
        let strategy = EveryFewMinutes(stop: stop, target: target, from: Timestamp(iso8601: "2018-05-07T13:30:00Z")!,
                                       through: Timestamp(iso8601: "2018-05-07T16:30:00Z")!)
        return BacktestEngine(exchange: SimulatedExchange(instruments: [es], rules: .unlimited(), config: config), strategies: [strategy])
            .run(bars, prints: prints)
    }

    /// A page's table rows: `| 1m | 4/4 | through | 21 | 4 (19.0 %) | … |`, by bars, bracket and rule.
    static func publishedRows(_ page: String) throws -> [String: [String]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../" + page)
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [String: [String]] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| ") && line.contains("/") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.count >= 8, cells[1].split(separator: "/").count == 2, ["through", "touch"].contains(cells[2]) {
                rows["\(cells[0]) \(cells[1]) \(cells[2])"] = Array(cells[3...])
            }
        }
        return rows
    }

    @Test("the audit changes no trade, and its rates per bar length, bracket and limit rule are the README's",
          arguments: ["1m", "5m"], [(Int64(4), Int64(4)), (8, 8), (8, 16)])
    func published(timeframe: String, bracket: (Int64, Int64)) throws {
        let (stop, target) = bracket
        let docs = try Self.publishedRows("docs/backtesting.md"), readme = try Self.publishedRows("README.md")
        #expect(docs.count == 12 && readme.count == 4)
        let bars = timeframe == "1m" ? Self.bars : try Self.bars.resampled(to: Timeframe(timeframe)!)
        for rule in ExchangeConfig.LimitFill.allCases {
            var plain = ExchangeConfig()
            plain.limitFillOnPrints = rule
            let without = try Self.run(bars, stop: stop, target: target, config: plain, prints: Self.prints)
            let with = try Self.run(bars, stop: stop, target: target, config: audited(plain), prints: Self.prints)
            #expect(with.trades == without.trades && with.fills == without.fills)
            let a = try #require(with.fidelity)
            #expect(a.barsByPrints == a.audited && a.audited > 0)
            let cells = [String(a.audited)] + PathModel.allCases.map { m in
                let s = a.scores.first { $0.model == m.rawValue }!
                return "\(s.wrong) (\(String(format: "%.1f", a.errorRate(m)! * 100)) %)"
            }
            let key = "\(timeframe) \(stop)/\(target) \(rule.rawValue)"
            #expect(docs[key].map { Array($0.prefix(5)) } == cells, "docs/backtesting.md row \(key); measured: \(cells)")
            if let row = readme[key] { #expect(Array(row.prefix(5)) == cells, "README row \(key); measured: \(cells)") }
        }
    }
}
