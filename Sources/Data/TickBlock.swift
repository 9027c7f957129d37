/// A run of up to `capacity` trade prints, in tape order, as the bytes of one stored row.
///
/// Prints are stored in blocks, not a row each: a row a print held a tick file's import into
/// SQLite to 1.12M prints/s (a plain `INSERT … SELECT` of the same rows ran at 0.94M rows/s
/// here, so no binding could have helped) at 25 bytes a print; in blocks of 4,096 the same
/// import runs at 4.5M prints/s (PostgreSQL 2.35M, from 0.07M) at 6.3 bytes a print
/// (`tsxlab-bench ticks`).
///
/// Layout: a version byte (1), the count as a varint, then per print the time's step from the
/// previous print (the first from 0) as a varint, the price's step as a zigzag varint, the size
/// plus one as a varint (0: no size), the aggressor as a byte (0 none, 1 buy, 2 sell).
enum TickBlock {
    static let capacity = 4_096

    static func encode(_ prints: ArraySlice<TradePrint>) -> [UInt8] {
        var out: [UInt8] = [1]
        out.reserveCapacity(8 + prints.count * 8)
        varint(UInt64(prints.count), &out)
        var time: Int64 = 0, price: Int64 = 0
        for p in prints {
            varint(UInt64(bitPattern: p.time &- time), &out)
            let d = p.price &- price
            varint(UInt64(bitPattern: (d << 1) ^ (d >> 63)), &out)
            varint(p.size.map { UInt64(bitPattern: $0) &+ 1 } ?? 0, &out)
            out.append(UInt8(truncatingIfNeeded: p.aggressor?.rawValue ?? 0))
            time = p.time; price = p.price
        }
        return out
    }

    /// Appends the block's prints to `out`; nil when the bytes are not a block.
    static func decode(_ bytes: [UInt8], into out: inout [TradePrint]) -> Bool {
        bytes.withUnsafeBufferPointer { b -> Bool in
            guard b.first == 1 else { return false }
            var i = 1
            @inline(__always) func next() -> UInt64? {
                var v: UInt64 = 0, shift: UInt64 = 0
                while i < b.count {
                    let c = b[i]; i += 1
                    v |= UInt64(c & 0x7f) << shift
                    if c < 0x80 { return v }
                    shift += 7
                    if shift > 63 { return nil }
                }
                return nil
            }
            guard let n = next(), n <= UInt64(capacity) * 64 else { return false }
            out.reserveCapacity(out.count + Int(n))
            var time: Int64 = 0, price: Int64 = 0
            for _ in 0..<n {
                guard let dt = next(), let zp = next(), let size = next(), i < b.count else { return false }
                let aggressor = b[i]; i += 1
                time &+= Int64(bitPattern: dt)
                price &+= Int64(bitPattern: zp >> 1) ^ -Int64(bitPattern: zp & 1)
                out.append(TradePrint(time: time, price: price, size: size == 0 ? nil : Int64(bitPattern: size &- 1),
                                      aggressor: Aggressor(rawValue: Int64(aggressor))))
            }
            return i == b.count
        }
    }

    @inline(__always)
    static func varint(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
        while v >= 0x80 { out.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }
}
