import Foundation

/// The moments of a return series that the Sharpe-ratio tests use, per period (not annualised).
public struct ReturnMoments: Hashable, Sendable, Codable {
    /// Mean ÷ standard deviation (n − 1 in the denominator); 0 when the series does not vary.
    public var sharpe: Double
    public var observations: Int
    /// Skewness m₃ / m₂^{3/2} (population moments; 0 for a normal series).
    public var skewness: Double
    /// Raw (not excess) kurtosis m₄ / m₂² (3 for a normal series).
    public var kurtosis: Double

    public init(sharpe: Double, observations: Int, skewness: Double, kurtosis: Double) {
        self.sharpe = sharpe; self.observations = observations; self.skewness = skewness; self.kurtosis = kurtosis
    }

    /// The moments of `returns`; a series that does not vary has Sharpe 0, skewness 0, kurtosis 3.
    public init(_ returns: some Collection<Double>) {
        let n = Double(returns.count)
        let mean = returns.reduce(0, +) / max(n, 1)
        var m2 = 0.0, m3 = 0.0, m4 = 0.0
        for r in returns {
            let d = r - mean, d2 = d * d
            m2 += d2; m3 += d2 * d; m4 += d2 * d2
        }
        observations = returns.count
        guard n > 1, m2 > 0 else { sharpe = 0; skewness = 0; kurtosis = 3; return }
        sharpe = mean / (m2 / (n - 1)).squareRoot()
        let p2 = m2 / n
        skewness = (m3 / n) / pow(p2, 1.5)
        kurtosis = (m4 / n) / (p2 * p2)
    }
}

/// Probabilistic and Deflated Sharpe ratios (Bailey & López de Prado, "The Deflated Sharpe
/// Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality", 2014).
/// Every Sharpe ratio and variance here is per period (daily for daily returns): divide an
/// annualised Sharpe by √(periods per year) and an annualised variance by periods per year.
public enum SharpeRatioTests {
    /// Euler–Mascheroni constant.
    static let eulerGamma = 0.577_215_664_901_532_9

    /// PSR(SR*): the probability that the true Sharpe ratio exceeds `benchmark`, given the
    /// observed one over `observations` periods with the given skewness and raw kurtosis:
    /// Φ((SR − SR*)·√(T − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4·SR²)).
    public static func probabilistic(_ m: ReturnMoments, benchmark: Double = 0) -> Double {
        let sr = m.sharpe
        let denominator = 1 - m.skewness * sr + (m.kurtosis - 1) / 4 * sr * sr
        guard m.observations > 1, denominator > 0 else { return sr > benchmark ? 1 : 0 }
        return Normal.cdf((sr - benchmark) * Double(m.observations - 1).squareRoot() / denominator.squareRoot())
    }

    /// The Sharpe ratio the best of `trials` unskilled trials is expected to show, when the
    /// trials' Sharpe ratios vary with `variance`:
    /// √V·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))). 0 for a single trial.
    public static func expectedMaximum(trials: Int, variance: Double) -> Double {
        guard trials > 1, variance > 0 else { return 0 }
        let n = Double(trials)
        return variance.squareRoot() * ((1 - eulerGamma) * Normal.quantile(1 - 1 / n)
                                        + eulerGamma * Normal.quantile(1 - 1 / (n * M_E)))
    }

    /// DSR: the PSR against the expected maximum Sharpe ratio of `trials` unskilled trials.
    public static func deflated(_ m: ReturnMoments, trials: Int, trialVariance: Double) -> Double {
        probabilistic(m, benchmark: expectedMaximum(trials: trials, variance: trialVariance))
    }
}

/// The standard normal distribution.
public enum Normal {
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Φ⁻¹(p) by Wichura's algorithm AS 241 (PPND16, relative error about 1e-16).
    public static func quantile(_ p: Double) -> Double {
        guard p > 0 else { return -.infinity }
        guard p < 1 else { return .infinity }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num = (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                + 133.14166789178437745) * r + 3.387132872796366608)
            let den = (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                + 42.313330701600911252) * r + 1)
            return q * num / den
        }
        var r = q < 0 ? p : 1 - p
        r = (-log(r)).squareRoot()
        var x: Double
        if r <= 5 {
            r -= 1.6
            x = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734)
                / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                + 2.05319162663775882187) * r + 1)
        } else {
            r -= 5
            x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772)
                / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                + 0.59983220655588793769) * r + 1)
        }
        return q < 0 ? -x : x
    }
}
