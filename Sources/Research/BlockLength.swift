import Data
import Foundation

/// Automatic block length for the stationary (and circular) block bootstrap: Politis & White
/// (2004), "Automatic block-length selection for the dependent bootstrap", with the correction
/// of Patton, Politis & White (2009). The same steps as `arch.bootstrap.optimal_block_length`
/// (the reference in `scripts/reference/block_length_arch.py`):
///
/// 1. Demean x (n values). Autocorrelations ρ(k) for k = 0 … m_max, m_max = ⌈√n⌉ + K_n,
///    K_n = max(5, ⌊log10 n⌋).
/// 2. m̂ = the smallest lag after which K_n consecutive |ρ| are all under 2·√(log10 n / n);
///    M = 2·max(m̂, 1) (m_max when no such lag), capped at m_max.
/// 3. With the flat-top kernel λ(t) = 1 for t ≤ ½, 2(1 − t) above:
///    G = Σ_{k=1}^{M} 2·λ(k/M)·k·γ(k), σ² = γ(0) + Σ_{k=1}^{M} 2·λ(k/M)·γ(k) (γ: autocovariance /n).
/// 4. b_SB = (2G² / (2σ⁴))^{1/3}·n^{1/3}, b_CB = (2G² / (4σ⁴/3))^{1/3}·n^{1/3}, each capped at
///    ⌈min(3√n, n/3)⌉.
///
/// The result is a mean block length in observations (days); at least 1.
public enum BlockLength {
    public struct Estimate: Hashable, Sendable {
        /// Mean block length of the stationary bootstrap.
        public var stationary: Double
        /// Block length of the circular block bootstrap.
        public var circular: Double
    }

    public static func politisWhite(_ x: [Double]) -> Estimate {
        let n = x.count
        guard n >= 4 else { return Estimate(stationary: 1, circular: 1) }
        let mean = x.reduce(0, +) / Double(n)
        let e = x.map { $0 - mean }
        let nd = Double(n)
        let bMax = (min(3 * nd.squareRoot(), nd / 3)).rounded(.up)
        let kn = max(5, Int(log10(nd)))
        let mMax = min(Int(nd.squareRoot().rounded(.up)) + kn, n - 2)
        let cv = 2 * (log10(nd) / nd).squareRoot()
        var acv = [Double](repeating: 0, count: mMax + 1)
        var absCorr = [Double](repeating: 0, count: mMax + 1)
        var optM: Int?
        for i in 0...mMax {
            var v1 = 0.0, v2 = 0.0, cross = 0.0
            for j in (i + 1)..<n { v1 += e[j] * e[j] }
            for j in 0..<(n - i - 1) { v2 += e[j] * e[j] }
            for j in i..<n { cross += e[j] * e[j - i] }
            acv[i] = cross / nd
            absCorr[i] = v1 > 0 && v2 > 0 ? abs(cross) / (v1 * v2).squareRoot() : 0
            if i >= kn, optM == nil, absCorr[(i - kn)..<i].allSatisfy({ $0 < cv }) { optM = i - kn }
        }
        let m = min(optM.map { 2 * max($0, 1) } ?? mMax, mMax)
        var g = 0.0, lr = acv[0]
        for k in stride(from: 1, through: m, by: 1) {
            let t = Double(k) / Double(m)
            let lambda = t <= 0.5 ? 1 : 2 * (1 - t)
            g += 2 * lambda * Double(k) * acv[k]
            lr += 2 * lambda * acv[k]
        }
        guard lr > 0, g != 0 else { return Estimate(stationary: 1, circular: 1) }
        let dSB = 2 * lr * lr, dCB = 4.0 / 3.0 * lr * lr
        let bSB = min(pow(2 * g * g / dSB, 1.0 / 3) * pow(nd, 1.0 / 3), bMax)
        let bCB = min(pow(2 * g * g / dCB, 1.0 / 3) * pow(nd, 1.0 / 3), bMax)
        return Estimate(stationary: max(1, bSB), circular: max(1, bCB))
    }
}

/// The Monte Carlo's random stream: Data's SplitMix64 (`SeededGenerator`), seeded per chunk of
/// paths (so results do not depend on how many cores ran them).
struct PathRandom {
    var generator: SeededGenerator

    init(seed: UInt64, stream: Int) {
        generator = SeededGenerator(seed: seed &+ UInt64(truncatingIfNeeded: stream) &* 0xD1B5_4A32_D192_ED03)
        _ = generator.next()
    }

    @inline(__always) mutating func next() -> UInt64 { generator.next() }

    /// Uniform in [0, 1).
    @inline(__always) mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in 0..<n (multiply-shift; the bias is below 2⁻³² for any n a history has).
    @inline(__always) mutating func below(_ n: Int) -> Int { Int(next().multipliedFullWidth(by: UInt64(n)).high) }
}
