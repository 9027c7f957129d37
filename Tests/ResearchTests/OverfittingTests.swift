import Data
import Foundation
import Research
import Testing

/// Against the fixtures of scripts/reference/overfitting_reference.sh: PSR and DSR by skfolio, PBO
/// by ffn's CSCV (the probability of loss and the degradation fit from the split Sharpe ratios ffn
/// evaluated), the block length by arch, each pinned, with the script's own implementation from the
/// papers agreeing to 1e-12. The script's header says how the libraries' conventions are mapped to
/// ours: a column that does not vary has Sharpe 0 and counts as a trial, and the T mod S oldest
/// rows are left out.
@Suite("Overfitting statistics: PSR, DSR and PBO against the reference")
struct OverfittingTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func expected() throws -> [String: Double] {
        let text = try String(contentsOf: fixtures.appendingPathComponent("overfitting_expected.csv"), encoding: .utf8)
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let kv = line.split(separator: ",")
            out[String(kv[0])] = Double(kv[1])!
        }
        return out
    }

    static func matrix() throws -> ReturnsMatrix {
        let path = fixtures.appendingPathComponent("overfitting_returns.csv").path
        return try ReturnsMatrix.parse(csv: try String(contentsOfFile: path, encoding: .utf8), source: path)
    }

    static func close(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

    @Test("the Deflated Sharpe Ratio reproduces the paper's worked example (→ 0.9004)")
    func paperExample() {
        // 100 trials, annualised variance of their Sharpe ratios 0.5, 1,250 days, annualised SR 2.5,
        // skewness −3, kurtosis 10; 250 days a year.
        let m = ReturnMoments(sharpe: 2.5 / 250.0.squareRoot(), observations: 1250, skewness: -3, kurtosis: 10)
        let dsr = SharpeRatioTests.deflated(m, trials: 100, trialVariance: 0.5 / 250)
        #expect((dsr * 10_000).rounded() / 10_000 == 0.9004)
        #expect(Self.close(SharpeRatioTests.expectedMaximum(trials: 100, variance: 0.5 / 250) * 250.0.squareRoot(), 1.7894064662732077, 1e-12))
        // Deflation matters: against zero the same record is near certain.
        #expect(SharpeRatioTests.probabilistic(m) > 0.999)
    }

    @Test("the normal quantile inverts the normal distribution to 1e-14")
    func normal() {
        for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.99, 1 - 1e-9] {
            #expect(abs(Normal.cdf(Normal.quantile(p)) - p) < 1e-14 * max(1, 1 / p))
        }
        #expect(abs(Normal.quantile(0.975) - 1.959963984540054) < 1e-14)
    }

    @Test("PSR and DSR of the best of 24 configurations equal skfolio's")
    func sharpeTests() throws {
        let e = try Self.expected(), m = try Self.matrix()
        #expect(m.rows == 1003 && m.columns == 24 && m.names.first == "c01")
        let s = try OverfittingStatistics.compute(m, blocks: 16)
        #expect(s.chosen == Int(e["best_column"]!))
        #expect(Self.close(s.moments.sharpe, e["best_sharpe"]!) && Self.close(s.moments.skewness, e["best_skewness"]!)
                && Self.close(s.moments.kurtosis, e["best_kurtosis"]!))
        #expect(Self.close(s.trialVariance, e["trial_variance"]!))
        #expect(Self.close(s.psr, e["psr"]!) && Self.close(s.dsr, e["dsr"]!))
        #expect(s.dsr < s.psr)
    }

    @Test("PBO by CSCV equals ffn's for S = 8 and 16, with rows left over, a constant column and tied columns")
    func pbo() throws {
        let e = try Self.expected(), m = try Self.matrix()
        for s in [8, 16] {
            let o = try BacktestOverfitting.cscv(m, blocks: s)
            #expect(o.splits == Int(e["s\(s)_splits"]!) && o.rowsLeftOut == Int(e["s\(s)_rows_left_out"]!))
            #expect(o.pbo == e["s\(s)_pbo"]!, "S = \(s): \(o.pbo)")
            #expect(o.probabilityOfLoss == e["s\(s)_probability_of_loss"]!)
            #expect(Self.close(o.degradationSlope, e["s\(s)_degradation_slope"]!, 1e-8))
            #expect(Self.close(o.degradationIntercept, e["s\(s)_degradation_intercept"]!, 1e-8))
            #expect(Self.close(o.logits.reduce(0, +) / Double(o.splits), e["s\(s)_logit_mean"]!, 1e-9))
        }
    }

    @Test("pure-noise sweeps overfit about half the time on average; a sweep with one real edge does not")
    func pboBehaviour() throws {
        var g = SeededGenerator(seed: 42)
        func noise() -> Double { Double(g.next() % 2_000_001) / 1e8 - 0.01 }
        var total = 0.0
        var cols: [[Double]] = []
        for _ in 0..<12 {
            cols = (0..<40).map { _ in (0..<800).map { _ in noise() } }
            total += try BacktestOverfitting.cscv(ReturnsMatrix(columns: cols), blocks: 10).pbo
        }
        #expect(total / 12 > 0.35 && total / 12 < 0.65, "mean PBO of noise \(total / 12)")
        cols[17] = cols[17].map { $0 + 0.004 }
        let skilled = try BacktestOverfitting.cscv(ReturnsMatrix(columns: cols), blocks: 10)
        #expect(skilled.pbo < 0.05 && skilled.probabilityOfLoss == 0)
        #expect(throws: OverfittingError.self) { try BacktestOverfitting.cscv(ReturnsMatrix(columns: cols), blocks: 7) }
    }

    @Test("Politis–White block length equals arch's optimal_block_length")
    func blockLength() throws {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("block_length_series.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        let comment = String(lines[0])
        func value(_ key: String) -> Double {
            let r = comment.range(of: key + "=")!
            return Double(comment[r.upperBound...].prefix { !$0.isWhitespace })!
        }
        let x = lines.dropFirst(2).map { Double($0)! }
        let b = BlockLength.politisWhite(x)
        #expect(Self.close(b.stationary, value("stationary"), 1e-9) && Self.close(b.circular, value("circular"), 1e-9))
        // Independent data needs no blocks: the estimate stays small.
        var g = SeededGenerator(seed: 1)
        let iid = (0..<500).map { _ in Double(g.next() % 10_000) }
        #expect(BlockLength.politisWhite(iid).stationary < 3)
    }

    @Test("a bad returns matrix is named by file, line and column")
    func badMatrix() {
        #expect(throws: DataError.badInput(file: "m.csv", line: 3, field: "b", reason: "'n/a' is not a number (returns are plain decimals, e.g. 0.0012)")) {
            try ReturnsMatrix.parse(csv: "date,a,b\n2024-01-02,0.01,0.02\n2024-01-03,0.01,n/a\n", source: "m.csv")
        }
        #expect(throws: DataError.badInput(file: "m.csv", line: 2, field: nil, reason: "2 fields where the header has 3")) {
            try ReturnsMatrix.parse(csv: "date,a,b\n2024-01-02,0.01\n", source: "m.csv")
        }
    }

    @Test("a matrix of one row is refused for its rows, not for its configurations")
    func oneRow() {
        let m = ReturnsMatrix(columns: [[0.01], [0.02], [0.03]])
        #expect(throws: OverfittingError.rows(1)) { try OverfittingStatistics.compute(m) }
    }

    @Test("daily returns from end-of-session balances: the first from the starting balance, missing sessions are 0")
    func dailyMatrix() {
        let m = ReturnsMatrix.daily(balances: [[(day: 10, balance: 50_500), (day: 12, balance: 50_250)],
                                               [(day: 11, balance: 49_000)]], startingBalance: 50_000, names: ["a", "b"])
        #expect(m.rows == 3 && m.columns == 2)
        #expect(Array(m.column(0)) == [0.01, 0, -0.005] && Array(m.column(1)) == [0, -0.02, 0])
    }
}
