import Backtest
import Configuration
import Data
import Foundation
import Jobs
import Store
import Strategies
import Testing
import Trading
import TSXLabTesting

/// Portfolios from the configuration file: `data.symbols`, per-strategy `symbols`, the backtest
/// job, sweeps with `symbol` as a parameter and with a portfolio as one configuration.
@Suite("Portfolio configurations: backtest and sweep")
struct PortfolioJobTests {
    /// A store holding a week of MES and NQ minute bars (shared data, the days both files hold).
    static func store(_ label: String) throws -> any BarStore {
        let store = try StoreSchema.open("sqlite:" + TestEnvironment.temporaryDirectory(label) + "/tsxlab.sqlite")
        let from = Timestamp(iso8601: "2023-11-26T23:00:00Z")!, to = Timestamp(iso8601: "2023-12-02T00:00:00Z")!
        for (file, symbol) in [("MES_1m_2023-11-26_2023-12-11.csv.gz", "MES"), ("NQ_1m_2023-11-19_2023-12-04.csv.gz", "NQ")] {
            try store.write(try SharedData.readBars(path: TestEnvironment.sharedDataset(file), symbol: symbol, tickSize: TickSize("0.25")!,
                                                    from: from, to: to), coverage: nil)
        }
        return store
    }

    static func job(_ yaml: String, _ store: any BarStore) throws -> BacktestJob {
        let cfg = try RunConfiguration.parse(yaml: yaml, source: "portfolio.yaml", environment: [:])
        return BacktestJob(config: cfg, registry: .builtIn, store: store, source: nil)
    }

    static let twoStrategies = """
        data:
          symbols: [MES, NQ]
        strategies:
          sma_bracket:
            symbols: [MES]
            fast: 5
            slow: 30
          mean_reversion:
            symbol: NQ
        """

    @Test("two strategies each on its own symbol: the job's portfolio run is the union of the two one-symbol runs, and the configuration names both")
    func twoStrategiesTwoSymbols() throws {
        let store = try Self.store("portfolio-job")
        let together = try Self.job(Self.twoStrategies, store).run(record: false)
        let mes = try Self.job("data: {symbol: MES}\nstrategies:\n  sma_bracket: {fast: 5, slow: 30}\n", store).run(record: false)
        let nq = try Self.job("data: {symbol: NQ}\nstrategies:\n  mean_reversion: {}\n", store).run(record: false)
        #expect(mes.result.trades.count > 5 && nq.result.trades.count > 5)
        let key = { (t: Trade) in "\(t.entryTime.seconds) \(t.symbol)" }
        #expect(together.result.trades.count == mes.result.trades.count + nq.result.trades.count)
        #expect(Set(together.result.trades).symmetricDifference(mes.result.trades + nq.result.trades).sorted { key($0) < key($1) }.map { "\($0)" } == [])
        #expect(together.summary.symbol == "MES,NQ")
        // In the catalog's order, whatever the file's.
        #expect(together.summary.strategies == ["mean_reversion", "sma_bracket"])
        #expect(together.summary.bars == mes.summary.bars + nq.summary.bars)
        #expect(together.portfolio.map(\.symbol) == ["MES", "NQ"])
        let text = try Self.job(Self.twoStrategies, store).config.canonicalText
        #expect(text.contains("data.symbols=MES,NQ\n") && text.contains("strategy.sma_bracket.symbol=MES\n"))
    }

    @Test("one strategy on several symbols runs once per symbol with the same parameters, its trades attributed to name@SYMBOL")
    func oneStrategyOnEachSymbol() throws {
        let store = try Self.store("portfolio-each")
        let both = try Self.job("data: {symbols: [MES, NQ]}\nstrategies:\n  sma_bracket: {fast: 5, slow: 30}\n", store).run(record: false)
        let mes = try Self.job("data: {symbol: MES}\nstrategies:\n  sma_bracket: {fast: 5, slow: 30}\n", store).run(record: false)
        let nq = try Self.job("data: {symbol: NQ}\nstrategies:\n  sma_bracket: {fast: 5, slow: 30}\n", store).run(record: false)
        #expect(both.summary.strategies == ["sma_bracket@MES", "sma_bracket@NQ"])
        #expect(Set(both.result.trades.compactMap(\.strategy)) == ["sma_bracket@MES", "sma_bracket@NQ"])
        for t in both.result.trades { #expect(t.strategy == "sma_bracket@" + t.symbol) }
        var alone = mes.result.trades + nq.result.trades
        for i in alone.indices { alone[i].strategy = "sma_bracket@" + alone[i].symbol }
        let key = { (t: Trade) in "\(t.entryTime.seconds) \(t.symbol)" }
        #expect(both.result.trades.count == alone.count)
        #expect(Set(both.result.trades).symmetricDifference(alone).sorted { key($0) < key($1) }.map { "\($0)" } == [])
    }

    @Test("a sweep with symbol as a parameter runs each symbol separately, as its own backtest; a portfolio is one configuration")
    func sweeps() async throws {
        let store = try Self.store("portfolio-sweep")
        let base = try Self.job("data: {symbol: MES}\nstrategies:\n  sma_bracket: {fast: 5, slow: 30}\n", store)
        let bySymbol = try SweepJob(backtest: base, space: SweepSpace(axes: [try SweepAxis.parse("symbol=MES,NQ"), try SweepAxis.parse("fast=5,8")]))
        #expect(try bySymbol.kernel(for: bySymbol.cells) == nil)
        for cell in bySymbol.cells {
            let outcome = try bySymbol.evaluate(cell, kernel: nil)
            var single = base
            single.config = try bySymbol.configuration(for: cell)
            let alone = try single.run(record: false)
            #expect(outcome.trades == alone.summary.trades && outcome.netPnl == alone.result.netPnL, "\(cell.values)")
            #expect(outcome.configHash == single.config.hash)
        }
        let portfolio = try Self.job("data: {symbols: [MES, NQ]}\nstrategies:\n  sma_bracket: {fast: 5, slow: 30}\n", store)
        let sweep = try SweepJob(backtest: portfolio, space: SweepSpace(axes: [try SweepAxis.parse("fast=5,8")]))
        for cell in sweep.cells {
            let outcome = try sweep.evaluate(cell, kernel: nil)
            var single = portfolio
            single.config = try sweep.configuration(for: cell)
            let whole = try single.run(record: false)
            #expect(outcome.trades == whole.summary.trades && outcome.netPnl == whole.result.netPnL, "\(cell.values)")
            #expect(Set(whole.result.trades.map(\.symbol)) == ["MES", "NQ"])
        }
    }

    @Test("bad portfolio configurations are refused naming the key and what to do")
    func badConfigurations() throws {
        let store = try Self.store("portfolio-bad")
        func problems(_ yaml: String) -> String {
            do { _ = try Self.job(yaml, store).run(record: false); return "" } catch { return "\(error)" }
        }
        #expect(problems("data: {symbols: [MES, NQ]}\nstrategies:\n  sma_bracket: {symbols: [ES]}\n")
            .contains("strategies.sma_bracket.symbols: ES is not among the data symbols (MES, NQ); add it to data.symbols or trade one of those"))
        #expect(problems("data: {symbols: [MES, MES]}\nstrategies:\n  sma_bracket: {}\n").contains("data.symbols: MES is listed twice"))
        #expect(problems("data: {symbols: []}\nstrategies:\n  sma_bracket: {}\n").contains("data.symbols (line 1): expected one or more symbols"))
        #expect(problems("data: {symbols: [MES, NQ], ticks: ESM8}\nstrategies:\n  sma_bracket: {}\n").contains("several symbols are read as stored bars only"))
        let missing = problems("data: {symbols: [MES, MNQ]}\nstrategies:\n  sma_bracket: {}\n")
        #expect(missing.contains("data.symbols") && missing.contains("no MNQ 1m bars"), "\(missing)")
    }

    @Test("symbols at their own timeframes from the file ({MES: 1m, NQ: 5m}): the job reads each series at its own, the hash names the difference, and each strategy trades its bars")
    func ownTimeframes() throws {
        let store = try Self.store("portfolio-timeframes")
        let nq = try store.read(SeriesKey(symbol: "NQ", timeframe: .oneMinute), TimeWindow(from: .distantPast, to: .distantFuture))
        try store.write(try nq.resampled(to: Timeframe(5, .minute)), coverage: nil)
        let yaml = """
            data:
              symbols: {MES: 1m, NQ: 5m}
            strategies:
              sma_bracket: {symbol: MES, fast: 5, slow: 30}
              mean_reversion: {symbol: NQ}
            """
        let job = try Self.job(yaml, store)
        #expect(job.config.data.symbols == ["MES", "NQ"])
        #expect(job.config.data.timeframe(of: "NQ") == Timeframe(5, .minute) && job.config.data.timeframe(of: "MES") == .oneMinute)
        #expect(job.config.canonicalText.contains("data.symbols=MES,NQ\ndata.timeframe.NQ=5m\n"))
        let outcome = try job.run(record: false)
        #expect(outcome.portfolio.map(\.timeframe) == [.oneMinute, Timeframe(5, .minute)])
        #expect(outcome.summary.timeframe == "1m,5m")
        #expect(Set(outcome.result.trades.map(\.symbol)) == ["MES", "NQ"])
        // No fill of NQ lies inside one of its 5-minute bars before the order was placed: each
        // entry fills at a bar's open.
        let opens = Set(outcome.portfolio[1].time)
        for f in outcome.result.fills where f.symbol == "NQ" && f.orderID.raw > 0 {
            guard let o = outcome.result.orders.first(where: { $0.id == f.orderID }), o.request.purpose == .entry, o.request.kind == .market else { continue }
            #expect(opens.contains(f.time.seconds), "\(f)")
        }
        #expect(Self.problemsOf("data: {symbols: {MES: 1m, NQ: 7q}}\nstrategies:\n  sma_bracket: {}\n").contains("data.symbols.NQ (line 1): '7q' is not a timeframe"))
    }

    static func problemsOf(_ yaml: String) -> String {
        do { _ = try RunConfiguration.parse(yaml: yaml, source: "portfolio.yaml", environment: [:]); return "" } catch { return "\(error)" }
    }

    @Test("a strategy that trades its symbols together is built once over all of them, in the configured order; one written for one symbol is built per symbol")
    func tradingTogether() throws {
        final class Spread: Strategy {
            let name = "spread"
            let symbols: [String]
            var bars: [String] = []
            init(_ symbols: [String]) { self.symbols = symbols }
            func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
                bars.append(symbol)
                // Long the first, short the second, once.
                if bars.count == 2 {
                    _ = broker.place(OrderRequest(symbol: symbols[0], side: .buy, quantity: 1, kind: .market))
                    _ = broker.place(OrderRequest(symbol: symbols[1], side: .sell, quantity: 1, kind: .market))
                }
            }
        }
        let together = StrategyDescriptor(name: "spread", summary: "", enabledEnvironment: nil, parameters: [],
                                          makeTradingTogether: { symbols, _ in Spread(symbols) })
        let built = try together.build(symbols: ["MES", "NQ"], parameters: together.defaults())
        #expect(built.count == 1 && built[0].symbols == ["MES", "NQ"])
        let each = StrategyDescriptor(name: "spread", summary: "", enabledEnvironment: nil, parameters: [],
                                      make: { symbol, _ in Spread([symbol]) })
        #expect(try each.build(symbols: ["MES", "NQ"], parameters: each.defaults()).map(\.symbols) == [["MES"], ["NQ"]])

        var mes = BarBuilder(symbol: "MES"), nq = BarBuilder(symbol: "NQ")
        for k in 0..<4 { mes.bar(18_000 + Int64(k), 18_000 + Int64(k), 18_000 + Int64(k), 18_000 + Int64(k)); nq.bar(64_000 - Int64(k), 64_000 - Int64(k), 64_000 - Int64(k), 64_000 - Int64(k)) }
        let spread = try #require(built[0] as? Spread)
        let ex = SimulatedExchange(instruments: try ["MES", "NQ"].map { Instrument(spec: try ContractRegistry.builtIn.spec(for: $0), feePerSide: .zero) },
                                   rules: .unlimited())
        let r = BacktestEngine(exchange: ex, strategies: built).run(portfolio: [mes.series, nq.series])
        #expect(spread.bars == ["MES", "NQ", "MES", "NQ", "MES", "NQ", "MES", "NQ"])
        // Entered at 14:31's opens (MES 18001, NQ 63999), closed at the data's end (MES 18003, NQ 63997).
        #expect(r.trades.map { "\($0.symbol) \($0.side) \(Int64($0.entryPriceTicks)) \(Int64($0.exitPriceTicks)) \($0.strategy ?? "")" }.sorted()
                == ["MES BUY 18001 18003 spread", "NQ SELL 63999 63997 spread"])
    }
}
