import Backtest
import Data
import Foundation
import Testing
import Trading
import TSXLabTesting

@Suite("Drill-down to prints against an independent tick-by-tick replay (the ESM8 morning)")
struct TickReplayReferenceTests {
    static let prints: [TradePrint] = {
        var all: [TradePrint] = []
        _ = try! TickCSV.read(path: TestEnvironment.sharedDataset("ESM8_ticks_2018-05-07_0830-1200CT.csv.gz"),
                              options: TickCSVOptions(symbol: "ESM8", tickSize: TickSize("0.25")!)) { all += $0 }
        return all
    }()

    @Test("one-minute bars with drill-down to the prints, and the prints alone (tick replay), make exactly the reference's trades, for 4/4, 8/8 and 8/16-tick brackets",
          arguments: [(Int64(4), Int64(4)), (8, 8), (8, 16)])
    func sameTrades(stop: Int64, target: Int64) throws {
        let tick = TickSize("0.25")!
        // The contract's bars and prints, traded as the product's instrument.
        let bars = try SharedData.readBars(path: TestEnvironment.sharedDataset("ESM8_1m_2018-05-07_2018-05-11_unadjusted.csv.gz"),
                                           symbol: "ES", tickSize: tick, timeframe: .oneMinute)
            .slice(from: Timestamp(iso8601: "2018-05-07T13:30:00Z")!, to: Timestamp(iso8601: "2018-05-07T17:00:00Z")!)
        let es = Instrument(spec: try ContractRegistry.builtIn.spec(for: "ES"), feePerSide: .zero)
        let ex = SimulatedExchange(instruments: [es], rules: .unlimited(), config: ExchangeConfig())
        let strategy = EveryFewMinutes(stop: stop, target: target, from: Timestamp(iso8601: "2018-05-07T13:30:00Z")!, through: Timestamp(iso8601: "2018-05-07T16:30:00Z")!)
        let result = BacktestEngine(exchange: ex, strategies: [strategy]).run(bars, prints: Self.prints)

        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tick_replay_ESM8_\(stop)_\(target).csv")
        let want = try String(contentsOf: fixture, encoding: .utf8).split(separator: "\n").dropFirst().map(String.init)
        let got = result.trades.map { t in
            "\(t.entryTime.iso8601),\(tick.format(Price(ticks: Int64(t.entryPriceTicks)), decimals: 2)),\(t.exitTime.iso8601),\(tick.format(Price(ticks: Int64(t.exitPriceTicks)), decimals: 2)),\(t.exitReason)"
        }
        #expect(got == want)
        #expect(want.count > 10)

        // Tick replay: the prints are the only input, the strategy's minute bars built from them.
        // The strategy's entries depend on the clock alone, so the trades are the reference's too.
        var built = BarSeries(symbol: "ES", timeframe: .oneMinute, tickSize: tick)
        TickBars.add(Self.prints, to: &built)
        let replay = BacktestEngine(exchange: SimulatedExchange(instruments: [es], rules: .unlimited(), config: ExchangeConfig()),
                                    strategies: [EveryFewMinutes(stop: stop, target: target, from: Timestamp(iso8601: "2018-05-07T13:30:00Z")!,
                                                                 through: Timestamp(iso8601: "2018-05-07T16:30:00Z")!)])
            .run(built, prints: Self.prints)
        #expect(replay.trades.map { t in
            "\(t.entryTime.iso8601),\(tick.format(Price(ticks: Int64(t.entryPriceTicks)), decimals: 2)),\(t.exitTime.iso8601),\(tick.format(Price(ticks: Int64(t.exitPriceTicks)), decimals: 2)),\(t.exitReason)"
        } == want)
        // Every fill inside a bar was decided by the prints.
        #expect(result.fills.allSatisfy { $0.resolution == FillResolution.prints } && result.resolution.prints == result.fills.count)
    }
}
