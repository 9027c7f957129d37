import ArgumentParser
import Data
import Foundation
import Research

/// `tsxlab stats`: the performance summary (the default, `StatsSummaryCommand`) or the
/// overfitting statistics. The parent has no options of its own, so `--json` reaches whichever
/// subcommand runs.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Performance statistics of an equity curve or trades (the default), or overfitting statistics of a sweep's returns.",
        subcommands: [StatsSummaryCommand.self, OverfittingCommand.self],
        defaultSubcommand: StatsSummaryCommand.self)
}

/// `tsxlab stats overfitting`: PBO, PSR and DSR of a returns matrix.
struct OverfittingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overfitting",
        abstract: "Probability of Backtest Overfitting (CSCV), Probabilistic and Deflated Sharpe ratios of a returns matrix.",
        discussion: """
            MATRIX.csv: a header naming the configurations, one row per day, one column per
            configuration (a first column named date, time, timestamp, trade_date or day is skipped).
            The chosen configuration is the one with the best Sharpe ratio over all rows (first on ties).
            PSR: P(true Sharpe > 0). DSR: P(true Sharpe > the best Sharpe N unskilled trials would show),
            with N = the columns and the variance of their Sharpe ratios (Bailey & López de Prado 2014).
            PBO: combinatorially symmetric cross-validation (Bailey, Borwein, López de Prado & Zhu 2017)
            over S equal blocks (the T mod S oldest rows are left out); in each of the C(S, S/2) splits the
            in-sample best is ranked out of sample (1 = worst, ties share their average rank),
            w = rank / (N + 1); PBO = the share of splits with ln(w / (1 − w)) ≤ 0.
            Sharpe ratios are per row (daily); the annualised figures multiply by √252.
              tsxlab stats overfitting --returns sweep-returns.csv --blocks 16 --json
            """)

    @Option(help: "Returns matrix CSV (one column per configuration).") var returns: String
    @Option(help: "S, the even number of blocks for CSCV.") var blocks = 16
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard blocks >= 2, blocks <= 24, blocks % 2 == 0 else { throw ValidationError("--blocks must be an even number from 2 to 24") }
    }

    func run() throws {
        try runReportingErrors {
            let m = try ReturnsMatrix.parse(csv: try readText(returns), source: returns)
            let s: OverfittingStatistics
            do { s = try OverfittingStatistics.compute(m, blocks: blocks) } catch let e as OverfittingError {
                throw DataError.badInput(file: returns, line: nil, field: nil, reason: e.description)
            }
            if json {
                try Terminal.printJSON(OverfittingJSON(s, rows: m.rows))
            } else {
                print(Self.text(s, rows: m.rows))
            }
        }
    }

    static func text(_ s: OverfittingStatistics, rows: Int) -> String {
        var out = "\(s.trials) configurations × \(rows) days; chosen: \(s.chosenName) (best Sharpe)\n"
        var table: [[String]] = [
            ["Sharpe (daily / annualised)", String(format: "%.4f / %.2f", s.moments.sharpe, s.moments.sharpe * 252.0.squareRoot())],
            ["skewness, kurtosis", String(format: "%.3f, %.3f", s.moments.skewness, s.moments.kurtosis)],
            ["variance of the trials' Sharpe (daily)", String(format: "%.6g", s.trialVariance)],
            ["expected best Sharpe by luck (annualised)", String(format: "%.2f", s.expectedMaximumSharpe * 252.0.squareRoot())],
            ["PSR", String(format: "%.4f", s.psr)], ["DSR", String(format: "%.4f", s.dsr)],
        ]
        if let o = s.overfitting {
            table += [["PBO", String(format: "%.4f (%d blocks, %d splits, %d oldest rows left out)", o.pbo, o.blocks, o.splits, o.rowsLeftOut)],
                      ["P(out-of-sample loss)", String(format: "%.4f", o.probabilityOfLoss)],
                      ["degradation (OOS on IS Sharpe)", String(format: "slope %.3f, intercept %.4f", o.degradationSlope, o.degradationIntercept)]]
        }
        out += TSXLabCLI.table(["statistic", "value"], table)
        return out + "\n" + s.sentences.joined(separator: "\n")
    }
}

/// `stats overfitting --json` (and the sweep's `overfitting` object): the statistics and their inputs.
struct OverfittingJSON: Encodable {
    let pbo, probabilityOfLoss, degradationSlope, degradationIntercept: Double?
    let blocks, splits, rowsLeftOut: Int?
    let psr, dsr: Double
    let chosen: String
    let trials, observations: Int
    let sharpe, sharpeAnnualised, skewness, kurtosis, trialSharpeVariance, expectedMaximumSharpe: Double

    init(_ s: OverfittingStatistics, rows: Int) {
        pbo = s.overfitting?.pbo; probabilityOfLoss = s.overfitting?.probabilityOfLoss
        degradationSlope = s.overfitting?.degradationSlope; degradationIntercept = s.overfitting?.degradationIntercept
        blocks = s.overfitting?.blocks; splits = s.overfitting?.splits; rowsLeftOut = s.overfitting?.rowsLeftOut
        psr = s.psr; dsr = s.dsr; chosen = s.chosenName; trials = s.trials; observations = s.moments.observations
        sharpe = s.moments.sharpe; sharpeAnnualised = s.moments.sharpe * 252.0.squareRoot(); skewness = s.moments.skewness
        kurtosis = s.moments.kurtosis; trialSharpeVariance = s.trialVariance; expectedMaximumSharpe = s.expectedMaximumSharpe
    }

    enum CodingKeys: String, CodingKey {
        case pbo, psr, dsr, chosen, trials, observations, sharpe, skewness, kurtosis, blocks, splits
        case probabilityOfLoss = "probability_of_loss", degradationSlope = "degradation_slope", degradationIntercept = "degradation_intercept"
        case rowsLeftOut = "rows_left_out", sharpeAnnualised = "sharpe_annualised", trialSharpeVariance = "trial_sharpe_variance"
        case expectedMaximumSharpe = "expected_maximum_sharpe"
    }

    // Explicit nulls (PBO without enough rows), so scripts see every key.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pbo, forKey: .pbo); try c.encode(psr, forKey: .psr); try c.encode(dsr, forKey: .dsr)
        try c.encode(chosen, forKey: .chosen); try c.encode(trials, forKey: .trials); try c.encode(observations, forKey: .observations)
        try c.encode(sharpe, forKey: .sharpe); try c.encode(sharpeAnnualised, forKey: .sharpeAnnualised)
        try c.encode(skewness, forKey: .skewness); try c.encode(kurtosis, forKey: .kurtosis)
        try c.encode(trialSharpeVariance, forKey: .trialSharpeVariance); try c.encode(expectedMaximumSharpe, forKey: .expectedMaximumSharpe)
        try c.encode(blocks, forKey: .blocks); try c.encode(splits, forKey: .splits); try c.encode(rowsLeftOut, forKey: .rowsLeftOut)
        try c.encode(probabilityOfLoss, forKey: .probabilityOfLoss)
        try c.encode(degradationSlope, forKey: .degradationSlope); try c.encode(degradationIntercept, forKey: .degradationIntercept)
    }
}
