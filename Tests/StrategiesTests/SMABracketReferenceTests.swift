import Backtest
import Data
import Foundation
import Strategies
import Testing
import Trading
import TSXLabTesting

/// Runs the reference workload through the engine and the simulated exchange as the reference
/// defines it: sessions ignored, stop-first bars, $2.50 a side, the last position closed at the
/// last close.
func runSMABracket(_ series: BarSeries, _ p: SMABracket.Parameters = .init()) -> BacktestResult {
    var cfg = ExchangeConfig()
    cfg.pathModel = .stopFirst
    cfg.enforceSessions = false
    let es = Instrument(spec: try! ContractRegistry.builtIn.spec(for: "ES"), feePerSide: Money(cents: 250))
    let ex = SimulatedExchange(instruments: [es], rules: .unlimited(), config: cfg)
    return BacktestEngine(exchange: ex, strategies: [SMABracket(symbol: series.symbol, parameters: p)]).run(series)
}

let referenceDir = URL(fileURLWithPath: SharedData.datasetsDirectory).deletingLastPathComponent().appendingPathComponent("reference").path

@Suite("sma-bracket reproduces the reference trade for trade")
struct SMABracketReferenceTests {
    @Test("ES 2019, default parameters: the trade list equals the reference file line for line")
    func defaultRun() throws {
        let series = try SharedData.loadBars("ES_1m_2019.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        let r = runSMABracket(series)
        let es = try ContractRegistry.builtIn.spec(for: "ES")
        let ours = RunCSV.trades(r.trades, spec: { _ in es }).split(separator: "\n").map { $0.split(separator: ",").prefix(7).joined(separator: ",") }
        let reference = try String(contentsOfFile: referenceDir + "/sma-bracket_ES_1m_2019_trades.csv", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(ours.count == reference.count)
        if let i = (0..<min(ours.count, reference.count)).first(where: { ours[$0] != reference[$0] }) {
            Issue.record("line \(i + 1): ours '\(ours[i])' reference '\(reference[i])'")
        }
        #expect(r.trades.count == 1638)
        #expect(r.netPnL == Money(cents: -1_012_750))
    }

    @Test("the standard 100-config grid: trades and net P&L of every config equal the reference")
    func grid() throws {
        let series = try SharedData.loadBars("ES_1m_2019.csv.gz", symbol: "ES", tickSize: TickSize("0.25")!)
        let rows = try String(contentsOfFile: referenceDir + "/sma-bracket_ES_1m_2019_grid.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 100)
        for row in rows {
            let p = SMABracket.Parameters(fast: Int(row[0])!, slow: Int(row[1])!, stopTicks: Int64(row[2])!, targetTicks: Int64(row[3])!)
            let r = runSMABracket(series, p)
            let ends = r.trades.filter { $0.exitReason == "end" }.count
            let got = [r.trades.count, r.trades.filter { $0.side == .buy }.count, r.trades.filter { $0.exitReason == "stop" }.count,
                       r.trades.filter { $0.exitReason == "target" }.count, ends, r.trades.filter { $0.pnl.cents > 0 }.count]
            let want = [row[5], row[6], row[8], row[9], row[10], row[11]].map { Int($0)! }
            #expect(got == want, "config \(row[0..<4].joined(separator: "/"))")
            #expect(r.netPnL.description == row[12], "config \(row[0..<4].joined(separator: "/"))")
        }
    }
}
