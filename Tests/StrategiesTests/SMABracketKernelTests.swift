import Backtest
import Data
import Foundation
import Strategies
import SweepKernel
import Testing
import Trading
import TSXLabTesting

/// The sweep kernel must be the engine, only faster: same trades (every field), same equity
/// curve, same fill resolutions, same summaries, and the reference grid.
@Suite("sma-bracket sweep kernel equals the engine")
struct SMABracketKernelTests {
    static let es = Instrument(spec: try! ContractRegistry.builtIn.spec(for: "ES"), feePerSide: Money(cents: 250))
    static var config: ExchangeConfig {
        var cfg = ExchangeConfig()
        cfg.pathModel = .stopFirst
        cfg.enforceSessions = false
        return cfg
    }

    static func engine(_ series: BarSeries, _ p: SMABracketKernel.Parameters) -> BacktestResult {
        let ex = SimulatedExchange(instruments: [es], rules: .unlimited(), config: config)
        let st = SMABracket(symbol: series.symbol, parameters: .init(fast: p.fast, slow: p.slow, stopTicks: p.stopTicks,
                                                                     targetTicks: p.targetTicks, quantity: p.quantity))
        return BacktestEngine(exchange: ex, strategies: [st]).run(series, driver: st)
    }

    /// Compares everything the kernel reports with the engine's run of the same configuration.
    static func expectIdentical(_ series: BarSeries, _ kernel: SMABracketKernel, _ p: SMABracketKernel.Parameters) {
        let label = "\(p.fast)/\(p.slow) \(p.stopTicks)/\(p.targetTicks) ×\(p.quantity)"
        let want = engine(series, p)
        let got = kernel.run(p)
        #expect(got.trades.count == want.trades.count, "\(label): trade count")
        if let i = zip(got.trades, want.trades).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("\(label): trade \(i + 1) differs\n kernel \(got.trades[i])\n engine \(want.trades[i])")
        }
        #expect(got.equity == want.equity, "\(label): equity curve")
        if let i = zip(got.equity, want.equity).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("\(label): equity point \(i) kernel \(got.equity[i]) engine \(want.equity[i])")
        }
        #expect(got.resolution == want.resolution, "\(label): fill resolutions")
        #expect(got.account == want.account, "\(label): account")
        #expect(got.netPnL == want.netPnL, "\(label): net")
        let s = kernel.summary(p)
        #expect(s.trades == want.trades.count && s.netPnL == want.netPnL, "\(label): summary")
        #expect(kernel.tradeRecords(p).count == want.trades.count)
        // The summary a sweep stores is the engine's, field for field (timing and stamp aside).
        let t = Date(timeIntervalSince1970: 0)
        var a = RunSummary.make(runId: "", kernelRun: got, strategies: ["sma_bracket"], series: series, rules: .unlimited(), configHash: "h", now: t)
        var b = RunSummary.make(runId: "", result: want, strategies: ["sma_bracket"], series: series, rules: .unlimited(), configHash: "h", now: t)
        a.seconds = 0; b.seconds = 0
        #expect(a == b, "\(label): run summary")
    }

    @Test("several configurations on ES 2019: trades, equity, resolutions and summaries equal single engine backtests")
    func identityWithEngine() throws {
        let series = try SharedData.loadBars("ES_1m_2019.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        let configs: [SMABracketKernel.Parameters] = [
            .init(), .init(fast: 5, slow: 60, stopTicks: 8, targetTicks: 8), .init(fast: 50, slow: 200, stopTicks: 40, targetTicks: 80),
            .init(fast: 20, slow: 90, stopTicks: 12, targetTicks: 24, quantity: 3), .init(fast: 30, slow: 160, stopTicks: 40, targetTicks: 80),
        ]
        let kernel = SMABracketKernel(series: series, instrument: Self.es, rules: .unlimited(), config: Self.config, parameters: configs)
        for p in configs { Self.expectIdentical(series, kernel, p) }
    }

    @Test("a position still open at the end closes at the last close; a signal on the last bar is dropped")
    func endOfData() throws {
        let full = try SharedData.loadBars("ES_1m_2019.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        let p = SMABracketKernel.Parameters(fast: 5, slow: 60, stopTicks: 400, targetTicks: 800, quantity: 2)
        // Cut the series inside a trade, and at a signal bar.
        let whole = SMABracketKernel(series: full.slice(0..<20_000), instrument: Self.es, rules: .unlimited(), config: Self.config, parameters: [p])
        let records = whole.tradeRecords(p)
        let open = try #require(records.first { $0.exitBar > $0.entryBar + 5 })
        for cut in [open.entryBar + 3, open.entryBar, open.entryBar - 1] {
            let series = full.slice(0..<cut)
            let kernel = SMABracketKernel(series: series, instrument: Self.es, rules: .unlimited(), config: Self.config, parameters: [p])
            Self.expectIdentical(series, kernel, p)
        }
        #expect(SMABracketKernel(series: full.slice(0..<(open.entryBar + 3)), instrument: Self.es, rules: .unlimited(), config: Self.config,
                                 parameters: [p]).summary(p).ends == 1)
    }

    @Test("the standard 100-config grid: every column of the reference grid file")
    func referenceGrid() throws {
        let series = try SharedData.loadBars("ES_1m_2019.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        let rows = try String(contentsOfFile: referenceDir + "/sma-bracket_ES_1m_2019_grid.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 100)
        let params = rows.map { SMABracketKernel.Parameters(fast: Int($0[0])!, slow: Int($0[1])!, stopTicks: Int64($0[2])!, targetTicks: Int64($0[3])!) }
        let kernel = SMABracketKernel(series: series, instrument: Self.es, rules: .unlimited(), config: Self.config, parameters: params)
        var total = 0, net = Money.zero
        for (row, p) in zip(rows, params) {
            let s = kernel.summary(p)
            let got = [s.trades, s.longs, s.shorts, s.stops, s.targets, s.ends, s.wins]
            let want = [row[5], row[6], row[7], row[8], row[9], row[10], row[11]].map { Int($0)! }
            #expect(got == want, "config \(row[0..<4].joined(separator: "/"))")
            #expect(s.netPnL.description == row[12], "config \(row[0..<4].joined(separator: "/"))")
            total += s.trades; net += s.netPnL
        }
        #expect(total == 176_244)
        #expect(net == Money(cents: -84_369_500))
        // With too little room to keep every window's sums, each pair computes its own: same results.
        let lean = SMABracketKernel(series: series, instrument: Self.es, rules: .unlimited(), config: Self.config, parameters: params, sumBudget: 0)
        for p in params { #expect(lean.summary(p) == kernel.summary(p)) }
        // Grown one configuration at a time, as an ask/tell sweep grows it: same results, and a
        // configuration whose pair is prepared adds nothing.
        var grown = SMABracketKernel(series: series, instrument: Self.es, rules: .unlimited(), config: Self.config, parameters: [params[0]])
        for p in params.dropFirst() { grown = grown.preparing([p]) }
        for p in params { #expect(grown.summary(p) == kernel.summary(p) && grown.run(p).trades == kernel.run(p).trades && grown.run(p).equity == kernel.run(p).equity) }
        #expect(grown.preparing([params[7]]) === grown)
    }

    @Test("it is chosen only for settings it models; anything else runs through the engine")
    func applicability() throws {
        #expect(SMABracketKernel.models(config: Self.config, rules: .unlimited()))
        var c = Self.config
        c.pathModel = .nearestExtremeFirst
        #expect(!SMABracketKernel.models(config: c, rules: .unlimited()))
        c = Self.config; c.enforceSessions = true
        #expect(!SMABracketKernel.models(config: c, rules: .unlimited()))
        c = Self.config; c.stopSlippageTicks = 1
        #expect(!SMABracketKernel.models(config: c, rules: .unlimited()))
        c = Self.config; c.maxVolumeShare = 0.5
        #expect(!SMABracketKernel.models(config: c, rules: .unlimited()))
        #expect(!SMABracketKernel.models(config: Self.config, rules: RiskRules.topstepCombine(50)!))
        #expect(!SMABracketKernel.models(config: Self.config, rules: .unlimited(), flattenTime: LocalTime(hour: 15, minute: 5, zone: .chicago)))
        let bars = BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: TickSize("0.25")!)
        #expect(!SMABracketKernel.models(config: Self.config, rules: .unlimited(), finer: bars))
    }
}
