/// Numbers written as ASCII digits straight into a byte buffer, for texts written in bulk (bar
/// CSV files, a sweep's stored balances) where a `String` per number would cost more than the
/// rest of the work.
public enum DecimalBytes {
    /// `v` in decimal, with a minus sign when negative: `-1234`.
    @inlinable @inline(__always)
    public static func appendInt(_ v: Int64, _ out: inout [UInt8]) {
        if v < 0 { out.append(45) }
        var a = v.magnitude
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { b in
            repeat { b[n] = UInt8(48 + a % 10); a /= 10; n += 1 } while a > 0
            for k in stride(from: n - 1, through: 0, by: -1) { out.append(b[k]) }
        }
    }

    /// The last `width` digits of `v` (0 ≤ v), zero-padded: `appendPadded(7, 2)` writes `07`.
    @inlinable @inline(__always)
    public static func appendPadded(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
        var d = 1
        for _ in 1..<width { d *= 10 }
        var x = v
        while d > 0 { out.append(UInt8(48 + x / d % 10)); x %= d; d /= 10 }
    }
}
