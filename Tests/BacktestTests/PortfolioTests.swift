import Backtest
import Data
import Testing
import Trading
import TSXLabTesting

/// Several series on one account in one engine run: each strategy sees only its symbols' bars,
/// and the account's rules count every position together. The fixtures are small enough to check
/// by hand; the comments carry the arithmetic.
@Suite("Portfolio: several symbols on one account")
struct PortfolioTests {
    static func instrument(_ symbol: String) throws -> Instrument {
        Instrument(spec: try ContractRegistry.builtIn.spec(for: symbol), feePerSide: .zero)
    }

    static func run(_ portfolio: [BarSeries], _ strategies: [any Strategy], rules: RiskRules) throws -> BacktestResult {
        let exchange = SimulatedExchange(instruments: try portfolio.map { try instrument($0.symbol) }, rules: rules)
        return BacktestEngine(exchange: exchange, strategies: strategies).run(portfolio: portfolio)
    }

    static func market(_ symbol: String, _ side: OrderSide, _ quantity: Int64) -> OrderRequest {
        OrderRequest(symbol: symbol, side: side, quantity: quantity, kind: .market)
    }

    /// Flat bars from 14:30Z on a Tuesday (08:30 CT), one a minute.
    static func flat(_ symbol: String, _ ticks: Int64, count: Int) -> BarSeries {
        var b = BarBuilder(symbol: symbol)
        for _ in 0..<count { b.bar(ticks, ticks, ticks, ticks) }
        return b.series
    }

    @Test("each strategy is handed only the bars of its own symbol, in time order, and bars of one minute in the order the series are listed")
    func barsGoToTheirStrategies() throws {
        let es = ScriptedStrategy(name: "on_es", symbol: "ES"), nq = ScriptedStrategy(name: "on_nq", symbol: "NQ")
        final class Recorder: Strategy {
            let name = "recorder"
            let symbols = ["ES", "NQ"]
            var seen: [String] = []
            func onBar(_ bar: Bar, symbol: String, broker: any Broker) { seen.append("\(symbol) \(bar.time.iso8601)") }
        }
        let recorder = Recorder()
        var nqBars = BarBuilder(symbol: "NQ")
        nqBars.bar(64_000, 64_000, 64_000, 64_000)
        nqBars.skip(seconds: 60)  // NQ has no bar at 14:31
        nqBars.bar(64_000, 64_000, 64_000, 64_000)
        _ = try Self.run([Self.flat("ES", 16_000, count: 3), nqBars.series], [es, nq, recorder], rules: .unlimited())
        #expect(recorder.seen == ["ES 2019-03-05T14:30:00Z", "NQ 2019-03-05T14:30:00Z", "ES 2019-03-05T14:31:00Z",
                          "ES 2019-03-05T14:32:00Z", "NQ 2019-03-05T14:32:00Z"])
        #expect(es.seenBars.count == 3)
        #expect(nq.seenBars.count == 2)
    }

    @Test("a combined size limit refuses exactly the entries that would take the account over it, counting every symbol in mini-equivalents")
    func combinedSizeLimit() throws {
        var rules = RiskRules.unlimited()
        rules.maxMiniEquivalents = 1.5
        let es = ScriptedStrategy(name: "on_es", symbol: "ES"), mes = ScriptedStrategy(name: "on_mes", symbol: "MES")
        // Bar 0: 1 ES (1.0) and 4 MES (0.4): 1.4, both accepted.
        es.at(0) { $0.place(Self.market("ES", .buy, 1)) }
        mes.at(0) { $0.place(Self.market("MES", .buy, 4)) }
        // Bar 1: 2 more MES would hold 1.0 + 0.6 = 1.6 > 1.5: refused.
        mes.at(1) { $0.place(Self.market("MES", .buy, 2)) }
        // Bar 2: 1 more MES holds 1.0 + 0.5 = 1.5, at the limit: accepted.
        mes.at(2) { $0.place(Self.market("MES", .buy, 1)) }
        // Bar 3: ES sold out (a close is never refused for size); bar 4: 5 more MES: 0.5 + 0.5 = 1.0.
        es.at(3) { $0.place(Self.market("ES", .sell, 1)) }
        mes.at(4) { $0.place(Self.market("MES", .buy, 5)) }
        let r = try Self.run([Self.flat("ES", 16_000, count: 7), Self.flat("MES", 16_000, count: 7)], [es, mes], rules: rules)

        #expect(r.rejections.count == 1)
        #expect(r.rejections.first?.0 == Self.market("MES", .buy, 2))
        let refusal = "size would reach 1.6 mini-equivalents, above the limit of 1.5"
        #expect(r.rejections.first?.1.description == refusal)
        #expect(mes.results.map { $0.rejection?.description } == [nil, refusal, nil, nil])
        #expect(es.results.allSatisfy { $0.rejection == nil })
        // Alone, the refused order fits: the limit is the account's, across both symbols.
        let alone = ScriptedStrategy(name: "on_mes", symbol: "MES")
        alone.at(0) { $0.place(Self.market("MES", .buy, 4)) }
        alone.at(1) { $0.place(Self.market("MES", .buy, 2)) }
        let single = try Self.run([Self.flat("MES", 16_000, count: 4)], [alone], rules: rules)
        #expect(single.rejections.isEmpty)
    }

    @Test("a daily loss met by the sum of two positions flattens both at the same moment, at the price that met it; neither position alone meets it")
    func combinedDailyLoss() throws {
        var rules = RiskRules.unlimited(Money(cents: 50_000_00))
        rules.dailyLossLimit = Money(cents: 1_000_00)
        func bars() -> (BarSeries, BarSeries) {
            var es = BarBuilder(symbol: "ES"), nq = BarBuilder(symbol: "NQ")
            // 14:30 and 14:31 flat (the entries fill at 14:31's open: ES 16000, NQ 64000 ticks).
            for _ in 0..<2 { es.bar(16_000, 16_000, 16_000, 16_000); nq.bar(64_000, 64_000, 64_000, 64_000) }
            // 14:32: ES −40 ticks × $12.50 = −$500; NQ −50 ticks × $5 = −$250: −$750.
            es.bar(16_000, 16_000, 15_960, 15_960); nq.bar(64_000, 64_000, 63_950, 63_950)
            // 14:33: ES unchanged. NQ's low 63820 would be −$900 alone; with ES's −$500 the
            // account meets −$1,000 at NQ 63900: (63900 − 64000) × $5 = −$500.
            es.bar(15_960, 15_960, 15_960, 15_960); nq.bar(63_950, 63_950, 63_820, 63_850)
            es.bar(15_960, 15_960, 15_960, 15_960); nq.bar(63_850, 63_850, 63_850, 63_850)
            return (es.series, nq.series)
        }
        func strategies() -> (ScriptedStrategy, ScriptedStrategy) {
            let es = ScriptedStrategy(name: "on_es", symbol: "ES"), nq = ScriptedStrategy(name: "on_nq", symbol: "NQ")
            es.at(0) { $0.place(Self.market("ES", .buy, 1)) }
            nq.at(0) { $0.place(Self.market("NQ", .buy, 1)) }
            return (es, nq)
        }
        let (esBars, nqBars) = bars()
        let (es, nq) = strategies()
        let r = try Self.run([esBars, nqBars], [es, nq], rules: rules)
        let lines = r.trades.map { "\($0.symbol) \($0.entryTime.iso8601) \(Int64($0.entryPriceTicks)) → \($0.exitTime.iso8601) \(Int64($0.exitPriceTicks)) \($0.exitReason) \($0.pnl)" }
        #expect(lines.sorted() == [
            "ES 2019-03-05T14:31:00Z 16000 → 2019-03-05T14:33:00Z 15960 daily_loss_limit -500.00",
            "NQ 2019-03-05T14:31:00Z 64000 → 2019-03-05T14:33:00Z 63900 daily_loss_limit -500.00",
        ])
        #expect(r.breaches.map(\.rule) == [.dailyLossLimit])
        #expect(r.account.balance == Money(cents: 49_000_00))

        // Each alone ends the data still holding, the limit never met.
        for (series, strategy) in [(esBars, es.name), (nqBars, nq.name)] {
            let (e, n) = strategies()
            let alone = try Self.run([series], [strategy == e.name ? e : n], rules: rules)
            #expect(alone.breaches.isEmpty)
            #expect(alone.trades.map(\.exitReason) == ["end"])
        }
    }

    @Test("with rules that never refuse, two strategies on two symbols trade exactly the union of their runs alone (held-out: MES and NQ, 2023-11-27 to 12-04)")
    func unionOfSingleRuns() throws {
        let from = Timestamp(iso8601: "2023-11-26T23:00:00Z")!, to = Timestamp(iso8601: "2023-12-04T16:00:00Z")!
        let mes = try SharedData.readBars(path: TestEnvironment.sharedDataset("MES_1m_2023-11-26_2023-12-11.csv.gz"), symbol: "MES",
                                          tickSize: TickSize("0.25")!, from: from, to: to)
        let nq = try SharedData.readBars(path: TestEnvironment.sharedDataset("NQ_1m_2023-11-19_2023-12-04.csv.gz"), symbol: "NQ",
                                         tickSize: TickSize("0.25")!, from: from, to: to)
        #expect(mes.last?.time == nq.last?.time)
        // A bracket on each fill and a flatten at 15:00 CT: both strategies trade every day.
        func strategy(_ name: String, _ symbol: String, every: Int, offset: Int) -> ScriptedStrategy {
            let st = ScriptedStrategy(name: name, symbol: symbol)
            for k in stride(from: offset, to: 8_000, by: every) {
                st.at(k) { b in
                    guard b.position(symbol).isFlat else { return .accepted(OrderID(0)) }
                    return b.place(OrderRequest(symbol: symbol, side: k % 2 == 0 ? .buy : .sell, quantity: 1, kind: .market,
                                                bracket: Bracket(stopLoss: .ticks(40), takeProfit: .ticks(60))))
                }
            }
            return st
        }
        var rules = RiskRules.unlimited()
        rules.flattenTime = LocalTime(hour: 15, minute: 0, zone: .chicago)
        let together = try Self.run([mes, nq], [strategy("on_mes", "MES", every: 37, offset: 5), strategy("on_nq", "NQ", every: 53, offset: 11)], rules: rules)
        let mesAlone = try Self.run([mes], [strategy("on_mes", "MES", every: 37, offset: 5)], rules: rules)
        let nqAlone = try Self.run([nq], [strategy("on_nq", "NQ", every: 53, offset: 11)], rules: rules)
        #expect(mesAlone.trades.count > 20 && nqAlone.trades.count > 20)
        let key = { (t: Trade) in "\(t.entryTime.seconds) \(t.symbol)" }
        #expect(together.trades.sorted { key($0) < key($1) } == (mesAlone.trades + nqAlone.trades).sorted { key($0) < key($1) })
        #expect(together.fills.count == mesAlone.fills.count + nqAlone.fills.count)
        #expect(together.netPnL == mesAlone.netPnL + nqAlone.netPnL)
    }

    @Test("a strategy trading both symbols that acts on the first-listed symbol's bar fills on the other's next bar, never inside the bar of the same minute")
    func noFillFromBeforeTheOrder() throws {
        final class Pair: Strategy {
            let name = "pair"
            let symbols = ["ES", "NQ"]
            var placed = false
            func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
                // On ES's 14:31 bar (its close, 14:32), buy NQ at the market.
                if symbol == "ES" && bar.time == Timestamp(iso8601: "2019-03-05T14:31:00Z")! && !placed {
                    placed = true
                    _ = broker.place(OrderRequest(symbol: "NQ", side: .buy, quantity: 1, kind: .market))
                }
            }
        }
        var nq = BarBuilder(symbol: "NQ")
        nq.bar(64_000, 64_000, 64_000, 64_000)
        nq.bar(64_000, 64_010, 63_990, 64_004)  // 14:31: opens 64000 (before the order)
        nq.bar(64_008, 64_012, 64_004, 64_010)  // 14:32: opens 64008 — the fill
        nq.bar(64_010, 64_010, 64_010, 64_010)
        let r = try Self.run([Self.flat("ES", 16_000, count: 4), nq.series], [Pair()], rules: .unlimited())
        #expect(r.fills.map { "\($0.symbol) \($0.time.iso8601) \($0.price.ticks)" } == ["NQ 2019-03-05T14:32:00Z 64008", "NQ 2019-03-05T14:33:00Z 64010"])
    }

    @Test("symbols at their own timeframes: bars in the order of their closes; a command on a symbol whose bar is still trading is refused, one at its own close fills on its next bar")
    func severalTimeframes() throws {
        final class Recorder: Strategy {
            let name = "recorder"
            let symbols = ["ES", "NQ"]
            var seen: [String] = []
            var answers: [String] = []
            func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
                seen.append("\(symbol) \(bar.time.iso8601)")
                // At ES's 14:32 bar's close (14:33), NQ's 5-minute bar from 14:30 is still trading.
                if symbol == "ES" && seen.count == 3 {
                    answers.append(broker.place(OrderRequest(symbol: "NQ", side: .buy, quantity: 1, kind: .market)).rejection?.description ?? "accepted")
                }
                // At NQ's own close (14:35; ES's 14:34 bar closing with it came first) the order
                // is taken, and fills at the open of NQ's next bar.
                if symbol == "NQ" && seen.count == 6 {
                    answers.append(broker.place(OrderRequest(symbol: "NQ", side: .buy, quantity: 1, kind: .market)).rejection?.description ?? "accepted")
                }
            }
        }
        var nq = BarBuilder(symbol: "NQ", timeframe: Timeframe(5, .minute))
        nq.bar(64_000, 64_020, 63_980, 64_004)  // 14:30–14:35
        nq.bar(64_006, 64_030, 64_000, 64_010)  // 14:35–14:40
        let recorder = Recorder()
        let r = try Self.run([Self.flat("ES", 16_000, count: 7), nq.series], [recorder], rules: .unlimited())
        #expect(recorder.seen == ["ES 2019-03-05T14:30:00Z", "ES 2019-03-05T14:31:00Z", "ES 2019-03-05T14:32:00Z",
                                  "ES 2019-03-05T14:33:00Z", "ES 2019-03-05T14:34:00Z", "NQ 2019-03-05T14:30:00Z",
                                  "ES 2019-03-05T14:35:00Z", "ES 2019-03-05T14:36:00Z", "NQ 2019-03-05T14:35:00Z"])
        #expect(recorder.answers == ["NQ's bar closing at 2019-03-05T14:35:00Z is still trading; orders on NQ are taken from its close (place them on its own bars)",
                                     "accepted"])
        #expect(r.fills.first.map { "\($0.time.iso8601) \($0.price.ticks)" } == "2019-03-05T14:35:00Z 64006")
    }
}
