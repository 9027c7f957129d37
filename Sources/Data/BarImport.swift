#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Imports bar files into a store, one transaction per file: a file that fails validation or
/// storage leaves nothing of itself behind, and earlier files stay stored.
public enum BarImport {
    public static func importFile(
        path: String, options: BarCSVOptions, into store: any BarStore,
        progress: ((_ done: Int64, _ total: Int64) -> Void)? = nil
    ) throws -> ImportReport {
        let t0 = monotonicSeconds()
        let (series, read) = try BarCSV.read(path: path, options: options, progress: progress)
        var report = read
        let coverage = series.first.map { first in
            TimeWindow(from: first.time, to: series.last!.time.adding(seconds: options.timeframe.nominalSeconds))
        }
        report.stored = try store.write(series, coverage: coverage)
        report.seconds = monotonicSeconds() - t0
        return report
    }
}

/// Writes bars as CSV in the datasets format: `timestamp,open,high,low,close,volume`, ISO-8601
/// UTC stamps, prices with the contract's decimals.
public enum BarCSVWriter {
    public static func header() -> String { "timestamp,open,high,low,close,volume\n" }

    /// Appends rows to `out` (bytes); no per-row String allocation beyond number formatting.
    public static func append(_ s: BarSeries, decimals: Int, to out: inout [UInt8]) {
        for i in 0..<s.count {
            appendISO(s.time[i], to: &out); out.append(44)
            appendPrice(s.open[i], s.tickSize, decimals, &out); out.append(44)
            appendPrice(s.high[i], s.tickSize, decimals, &out); out.append(44)
            appendPrice(s.low[i], s.tickSize, decimals, &out); out.append(44)
            appendPrice(s.close[i], s.tickSize, decimals, &out); out.append(44)
            DecimalBytes.appendInt(s.volume[i], &out); out.append(10)
        }
    }

    /// Writes a whole series to a file (plain CSV; `.gz` names are gzip-compressed by the caller's
    /// choice of `gzip` flag).
    public static func write(_ s: BarSeries, decimals: Int, to path: String) throws {
        var out = Array(header().utf8)
        out.reserveCapacity(s.count * 56 + 64)
        append(s, decimals: decimals, to: &out)
        guard let f = fopen(path, "wb") else { throw DataError.noInput(path: path, reason: String(cString: strerror(errno))) }
        defer { fclose(f) }
        let n = out.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        guard n == out.count else { throw DataError.noInput(path: path, reason: "short write: \(String(cString: strerror(errno)))") }
    }

    static func appendISO(_ t: Int64, to out: inout [UInt8]) {
        let c = CivilTime(utcSeconds: t)
        DecimalBytes.appendPadded(c.year, 4, &out); out.append(45); DecimalBytes.appendPadded(c.month, 2, &out); out.append(45)
        DecimalBytes.appendPadded(c.day, 2, &out); out.append(84); DecimalBytes.appendPadded(c.hour, 2, &out); out.append(58)
        DecimalBytes.appendPadded(c.minute, 2, &out); out.append(58); DecimalBytes.appendPadded(c.second, 2, &out); out.append(90)
    }

    static func appendPrice(_ ticks: Int64, _ tick: TickSize, _ decimals: Int, _ out: inout [UInt8]) {
        let dec = max(decimals, tick.scale)
        var m = ticks * tick.units
        for _ in tick.scale..<dec { m *= 10 }
        if m < 0 { out.append(45); m = -m }
        if dec == 0 { DecimalBytes.appendInt(m, &out); return }
        let div = pow10i(dec)
        DecimalBytes.appendInt(m / div, &out)
        out.append(46)
        DecimalBytes.appendPadded(Int(m % div), dec, &out)
    }
}

/// Seconds on a monotonic clock (for durations and rates).
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
