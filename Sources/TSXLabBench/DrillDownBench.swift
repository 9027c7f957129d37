import Backtest
import Data
import Foundation
import Trading
import TSXLabTesting

/// Drill-down to prints: the shared ESM8 morning (210 one-minute bars, 74,907 prints) traded by a
/// bracket entered every five minutes, with its prints and without (the path model), in turn.
/// What a bar decided by prints costs, and the prints the exchange walks a second.
func benchDrillDown() throws {
    print("== drill-down to prints: the ESM8 morning, a bracket every five minutes")
    let tick = TickSize("0.25")!
    var prints: [TradePrint] = []
    _ = try TickCSV.read(path: TestEnvironment.sharedDataset("ESM8_ticks_2018-05-07_0830-1200CT.csv.gz"),
                         options: TickCSVOptions(symbol: "ESM8", tickSize: tick)) { prints += $0 }
    let (from, to) = (Timestamp(iso8601: "2018-05-07T13:30:00Z")!, Timestamp(iso8601: "2018-05-07T17:00:00Z")!)
    let bars = try SharedData.readBars(path: TestEnvironment.sharedDataset("ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz"),
                                       symbol: "ES", tickSize: tick, timeframe: .oneMinute).slice(from: from, to: to)
    let es = Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"), feePerSide: .zero)
    for (stop, target) in [(Int64(4), Int64(4)), (8, 16)] {
        var walked = 0, decided = 0
        func run(_ withPrints: Bool) -> Double {
            let ex = SimulatedExchange(instruments: [es], rules: .unlimited(), config: ExchangeConfig())
            let st = EveryFewMinutes(stop: stop, target: target, from: from, through: Timestamp(iso8601: "2018-05-07T16:30:00Z")!)
            let t0 = monotonicSeconds()
            _ = BacktestEngine(exchange: ex, strategies: [st]).run(bars, prints: withPrints ? prints : nil)
            let t = monotonicSeconds() - t0
            if withPrints { walked = ex.core.printsWalked; decided = ex.core.barsDecidedByPrints }
            return t
        }
        var with: [Double] = [], without: [Double] = []
        for _ in 0..<200 { with.append(run(true)); without.append(run(false)) }
        with.sort(); without.sort()
        let extra = median(with) - median(without)
        line("\(stop)/\(target) ticks: the morning with its prints / bars only", "\(fmt(median(with) * 1e6, 0)) / \(fmt(median(without) * 1e6, 0)) µs",
             "\(decided) of \(bars.count) bars decided by prints, \(walked) prints walked")
        line("  a bar decided by prints costs", "\(fmt(extra / Double(max(decided, 1)) * 1e6, 2)) µs",
             "\(fmt(Double(walked) / max(extra, 1e-9) / 1e6, 1))M prints walked a second")
    }

    // Tick replay: the strategy's bars built from the prints, a bracket entered every minute the
    // position is flat, so an order is working at nearly every print and the prints decide
    // every fill. Throughput counts every print of the morning.
    print("== tick replay: the ESM8 morning's prints as the input (1m bars built from them), a 4/4 bracket every minute")
    var walked = 0, audited = 0
    func replay(audit: Bool) -> (build: Double, run: Double) {
        let t0 = monotonicSeconds()
        var built = BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: tick)
        TickBars.add(prints, to: &built)
        let t1 = monotonicSeconds()
        var config = ExchangeConfig()
        config.fidelityAudit = audit
        let ex = SimulatedExchange(instruments: [es], rules: .unlimited(), config: config)
        let st = EveryFewMinutes(minutes: 1, stop: 4, target: 4, from: from, through: to)
        _ = BacktestEngine(exchange: ex, strategies: [st]).run(built, prints: prints)
        let t2 = monotonicSeconds()
        walked = ex.core.printsWalked
        if audit { audited = ex.core.audit?.audited ?? 0 }
        return (t1 - t0, t2 - t1)
    }
    var build: [Double] = [], run: [Double] = [], withAudit: [Double] = []
    for _ in 0..<200 {
        let r = replay(audit: false)
        build.append(r.build); run.append(r.run)
        withAudit.append(replay(audit: true).run)
    }
    build.sort(); run.sort(); withAudit.sort()
    line("prints through the exchange", "\(fmt(Double(prints.count) / median(run) / 1e6, 1))M prints/s",
         "\(prints.count) prints in \(fmt(median(run) * 1e3, 2)) ms, \(walked) of them in bars where something could fill (\(fmt(Double(walked) / median(run) / 1e6, 1))M/s); bound ≥ 20M")
    line("  with the bars built from the prints", "\(fmt(Double(prints.count) / (median(run) + median(build)) / 1e6, 1))M prints/s",
         "building the bars \(fmt(median(build) * 1e3, 2)) ms")
    line("  the fidelity audit costs", "\(fmt((median(withAudit) - median(run)) / Double(max(audited, 1)) * 1e6, 1)) µs an audited bar",
         "\(audited) bars audited, the run \(fmt(median(withAudit) * 1e3, 2)) ms with it")
}
