/// Bars built from trade prints: the open is a bucket's first print, the close its last (in the
/// tape's order, so prints sharing one time keep the source's order), high and low the extremes,
/// the volume the summed sizes — a print without a size counts one contract.
///
/// Intraday buckets are aligned to UTC clock multiples of the bar length, as `Resample` aligns
/// them, and a bar is stamped at its bucket's start; 1d, 1w and 1M bars are built from minute
/// bars by `Resample`, on the session calendar.
public enum TickBars {
    /// Adds `prints` (in time order, after every print already added) to `bars`, whose timeframe
    /// is intraday: a print in the last bar's bucket extends it.
    public static func add(_ prints: [TradePrint], to bars: inout BarSeries) {
        guard let length = bars.timeframe.fixedSeconds, !bars.timeframe.isSessionBased else {
            preconditionFailure("bars from prints are built at an intraday timeframe; \(bars.timeframe) comes from minute bars")
        }
        let lengthNs = length * 1_000_000_000
        var j = bars.count - 1
        var bucketEnd = j >= 0 ? (bars.time[j] + length) * 1_000_000_000 : Int64.min
        for p in prints {
            let volume = p.size ?? 1
            if p.time < bucketEnd && j >= 0 {
                bars.high[j] = max(bars.high[j], p.price)
                bars.low[j] = min(bars.low[j], p.price)
                bars.close[j] = p.price
                bars.volume[j] += volume
            } else {
                // Floor division: the bucket holding the print, also before 1970.
                let start = (p.time >= 0 ? p.time / lengthNs : (p.time - lengthNs + 1) / lengthNs) * lengthNs
                bars.time.append(start / 1_000_000_000)
                bars.open.append(p.price); bars.high.append(p.price); bars.low.append(p.price)
                bars.close.append(p.price); bars.volume.append(volume)
                j = bars.count - 1
                bucketEnd = start + lengthNs
            }
        }
    }

    /// What `build` made, and from how much.
    public struct Built: Sendable {
        public var bars: BarSeries
        public var prints = 0
        /// Prints without a size, each counted as one contract in the volume.
        public var withoutSize = 0
    }

    /// Bars of `timeframe` from the stored prints of `symbol` in `window`, read a UTC day at a
    /// time so a long tape never sits in memory whole. Nil when the store holds no prints of it.
    public static func build(from tape: TapeStore, symbol: String, timeframe: Timeframe, window: TimeWindow,
                             progress: ((_ done: Int64, _ total: Int64) -> Void)? = nil) throws -> Built? {
        guard let info = try tape.list().first(where: { $0.symbol == symbol }), let first = info.first, let last = info.last else { return nil }
        let intraday = !timeframe.isSessionBased
        var built = Built(bars: BarSeries(symbol: symbol, timeframe: intraday ? timeframe : .oneMinute, tickSize: info.tickSize))
        let day: Int64 = 86_400
        let from = max(window.from.seconds, first / 1_000_000_000), to = min(window.to.seconds, last / 1_000_000_000 + 1)
        var start = from - ((from % day) + day) % day
        while start < to {
            let slice = TimeWindow(from: Timestamp(seconds: max(start, from)), to: Timestamp(seconds: min(start + day, to)))
            let prints = try tape.read(symbol, slice)
            built.prints += prints.count
            built.withoutSize += prints.lazy.filter { $0.size == nil }.count
            add(prints, to: &built.bars)
            start += day
            progress?(min(start, to) - from, to - from)
        }
        if !intraday { built.bars = try Resample.resample(built.bars, to: timeframe) }
        return built
    }
}
