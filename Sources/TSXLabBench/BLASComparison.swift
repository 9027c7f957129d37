import COpenBLAS
import Indicators

/// OpenBLAS formulations of indicator kernels that were measured and **not** adopted; kept so
/// `tsxlab-bench indicators` can show the comparison on any machine. Nothing in the libraries calls
/// these. Results equal the adopted kernels' to rounding.
enum BLASComparison {
    /// WMA as one `cblas_ddot` of each window with the weights 1…period, into a reused buffer:
    /// O(n·period) work plus a library call per bar, against the O(1) update of `WMA.compute`.
    static func wmaByDot(_ input: [Double], period: Int, into output: inout [Double]) {
        checkPeriod(period, "WMA")
        let n = input.count
        let weights = (1...period).map(Double.init)
        let divisor = Double(period) * Double(period + 1) / 2
        _ = fill(&output, n) { o in
            input.withUnsafeBufferPointer { x in
                weights.withUnsafeBufferPointer { w in
                    for i in 0..<min(period - 1, n) { o[i] = .nan }
                    guard n >= period else { return }
                    for i in (period - 1)..<n {
                        o[i] = cblas_ddot(Int32(period), x.baseAddress! + (i + 1 - period), 1, w.baseAddress!, 1) / divisor
                    }
                }
            }
            return min(period - 1, n)
        }
    }

    /// Bollinger bands as passes over reused buffers: the middle (`SMA`) and the deviation
    /// (`RollingStdDev`) loops, then `cblas_dcopy` + `cblas_daxpy` for upper = middle + k·sd and
    /// lower = middle − k·sd, against the single fused pass of `BollingerBands.compute(…into:)`.
    static func bollingerByAxpy(_ input: [Double], period: Int, deviations k: Double,
                                       into out: inout BollingerBands.Series, deviation: inout [Double]) {
        checkPeriod(period, "Bollinger bands")
        let n = input.count
        out.warmup = SMA.compute(input, period: period, into: &out.middle)
        _ = fill(&deviation, n) { sd in
            input.withUnsafeBufferPointer { x in
                RollingStdDev.kernel(x, period) { i, _, v in sd[i] = v } nan: { sd[$0] = .nan }
            }
        }
        resize(&out.upper, n); resize(&out.lower, n)
        let count = Int32(n)
        out.middle.withUnsafeBufferPointer { m in
            deviation.withUnsafeBufferPointer { s in
                out.upper.withUnsafeMutableBufferPointer { u in
                    cblas_dcopy(count, m.baseAddress, 1, u.baseAddress, 1)
                    cblas_daxpy(count, k, s.baseAddress, 1, u.baseAddress, 1)
                }
                out.lower.withUnsafeMutableBufferPointer { l in
                    cblas_dcopy(count, m.baseAddress, 1, l.baseAddress, 1)
                    cblas_daxpy(count, -k, s.baseAddress, 1, l.baseAddress, 1)
                }
            }
        }
    }
}

// The buffer helpers of `Indicators` (internal there), for the formulations above.
private func checkPeriod(_ period: Int, _ name: String) {
    precondition(period >= 1, "\(name) needs a period of at least 1, not \(period)")
}

private func fill(_ output: inout [Double], _ n: Int, _ kernel: (UnsafeMutableBufferPointer<Double>) -> Int) -> Int {
    resize(&output, n)
    return output.withUnsafeMutableBufferPointer { kernel($0) }
}

private func resize(_ output: inout [Double], _ n: Int) {
    if output.count > n { output.removeLast(output.count - n) } else if output.count < n {
        output.append(contentsOf: repeatElement(Double.nan, count: n - output.count))
    }
}
