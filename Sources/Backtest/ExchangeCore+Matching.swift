import Data
import Trading

/// Finer bars of the same instrument, for resolving a coarse bar that could fill something.
public struct FinerBars: Sendable {
    public let series: BarSeries
    public init(_ series: BarSeries) { self.series = series }

    /// Indexes of the finer bars inside `[from, to)`.
    @inlinable
    public func range(from: Int64, to: Int64) -> Range<Int> {
        let a = series.lowerBound(from)
        return a..<max(a, series.lowerBound(to))
    }
}

/// Trade prints of an instrument, for resolving a bar that could fill something.
public struct FinerPrints: Sendable {
    /// UTC nanoseconds, in order.
    public let time: [Int64]
    public let price: [Int64]
    public let size: [Int64]
    public init(_ prints: [TradePrint]) {
        time = prints.map(\.time); price = prints.map(\.price); size = prints.map { $0.size ?? 1 }
    }

    /// Indexes of the prints inside `[from, to)` (whole seconds).
    public func range(from: Int64, to: Int64) -> Range<Int> {
        func lowerBound(_ ns: Int64) -> Int {
            var lo = 0, hi = time.count
            while lo < hi { let mid = (lo + hi) >> 1; if time[mid] < ns { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        let a = lowerBound(from * 1_000_000_000)
        return a..<max(a, lowerBound(to * 1_000_000_000))
    }
}

extension ExchangeCore {
    /// Trades one bar, then moves the clock to its close; true when events are waiting.
    ///
    /// Inlined into the engine's bar loop: a bar that reaches nothing (most bars) costs a few
    /// compares and stores there, with no call.
    @inlinable @inline(__always)
    public mutating func step(_ bar: Bar, symbol s: Int, length: Int64) -> Bool {
        process(bar, symbol: s, length: length)
        now = Timestamp(seconds: bar.time.seconds + length)
        return !events.isEmpty
    }

    /// Trades one bar of the instrument at index `s`: fills what the bar reached, in the order
    /// the finer bars (or the path model) say, then marks positions.
    @inlinable @inline(__always)
    public mutating func process(_ bar: Bar, symbol s: Int, length: Int64) {
        if !quietBar(bar, s) { processBusy(bar, s, length) }
    }

    /// The bar reaches nothing (nothing working and nothing held, or it stays inside a valid
    /// reach band in an open stretch of the session): marks the last price (and the open trade's
    /// excursion) and returns true. False leaves everything to `processBusy`.
    @inlinable @inline(__always)
    mutating func quietBar(_ bar: Bar, _ s: Int) -> Bool {
        // Fields are read one by one and written only when they change (never the whole state
        // struct copied out and back: that copy's odd-sized moves defeat store forwarding, bar
        // after bar; and a write into `sym` costs a uniqueness check of its buffer).
        // Fast path: nothing working, nothing held.
        if sym[s].live == 0 && sym[s].position == 0 {
            noteClose(bar.close.ticks, s)
            return true
        }
        let t = bar.time.seconds
        guard sym[s].bandValid && t >= openFrom && t < openUntil else { return false }
        return passesQuietly(bar, s)
    }

    /// Records the close of a bar of `s` that traded nothing. It is kept in two plain fields, not
    /// in `sym` (no uniqueness check of the array per bar), until `flushClose` moves it there;
    /// `lastPrice(_:)` reads it either way.
    @inlinable @inline(__always)
    mutating func noteClose(_ close: Int64, _ s: Int) {
        if s != closeSymbol {
            flushClose()
            closeSymbol = s
        }
        pendingClose = close
    }

    /// Moves what `noteClose` and `passesQuietly` kept in plain fields (the last close, the open
    /// trade's excursion) into `sym`: before anything else reads or writes them there.
    @inlinable @inline(__always)
    mutating func flushClose() {
        if closeSymbol >= 0 {
            sym[closeSymbol].lastPrice = pendingClose
            if pendingHigh > sym[closeSymbol].excHigh { sym[closeSymbol].excHigh = pendingHigh }
            if pendingLow < sym[closeSymbol].excLow { sym[closeSymbol].excLow = pendingLow }
            pendingHigh = Int64.min
            pendingLow = Int64.max
            closeSymbol = -1
        }
    }

    /// For the engine's skip over quiet bars (`BacktestEngine.skippingBarLoop`): bars of `s` from
    /// time `t` on pass quietly while their low stays above `down`, their high below `up` and they
    /// start before `until` — exactly the bars `quietBar` would pass. An empty band (`down` =
    /// `Int64.max`) when the bar at `t` must be traded.
    mutating func quietBand(_ s: Int, at t: Int64) -> (down: Int64, up: Int64, until: Int64) {
        if sym[s].live == 0 && sym[s].position == 0 { return (Int64.min, Int64.max, Int64.max) }
        guard t >= openFrom && t < openUntil else { return (Int64.max, Int64.min, Int64.max) }
        if !sym[s].bandValid { computeReachBand(s) }
        return (sym[s].reachDown, sym[s].reachUp, openUntil)
    }

    /// Whether a position in `s` is open (a quiet pass then keeps the trade's excursion).
    @inline(__always)
    func holdsPosition(_ s: Int) -> Bool { sym[s].position != 0 }

    /// Bars of `s` passed quietly up to `now` (their last close, highest high and lowest low):
    /// what `quietBar` records for each, at once.
    mutating func passQuietly(_ s: Int, close: Int64, high: Int64, low: Int64, now: Int64) {
        noteClose(close, s)
        if sym[s].position != 0 {
            if high > pendingHigh { pendingHigh = high }
            if low < pendingLow { pendingLow = low }
        }
        self.now = Timestamp(seconds: now)
    }

    /// The rest of `process`: the session check, the reach band, and the bar's fills.
    @usableFromInline @inline(never)
    mutating func processBusy(_ bar: Bar, _ s: Int, _ length: Int64) {
        flushClose()
        let t = bar.time.seconds
        if config.enforceSessions && !(t >= openFrom && t < openUntil) {
            guard refreshOpenInterval(t) else { return }
        }
        if !sym[s].bandValid { computeReachBand(s) }
        // Common case: orders work but the bar reaches none of them (nor the risk stop).
        if passesQuietly(bar, s) { return }
        processSlow(bar, s, length)
    }

    /// When the bar stays inside the reach band (and no finer bars decide): marks the last price
    /// and the open trade's excursion, and returns true. Both are kept in plain fields until
    /// `flushClose`: a write into `sym` costs a call to check its buffer's uniqueness, and the
    /// excursion widened on enough bars that those calls were 6 % of the engine's time with a
    /// bracket working (perf, `tsxlab-bench engine`).
    @inlinable @inline(__always)
    mutating func passesQuietly(_ bar: Bar, _ s: Int) -> Bool {
        let lo = bar.low.ticks, hi = bar.high.ticks
        guard lo > sym[s].reachDown && hi < sym[s].reachUp else { return false }
        noteClose(bar.close.ticks, s)
        if sym[s].position != 0 {
            if hi > pendingHigh { pendingHigh = hi }
            if lo < pendingLow { pendingLow = lo }
        }
        return true
    }

    /// The reach band of symbol `s` (see `SymbolState.reachDown`): a bar reaches a live order's
    /// trigger, holds a market order or a trailing stop (whose level moves), or reaches the risk
    /// stop exactly when it leaves the band. One-sided levels also catch a bar that gapped wholly
    /// beyond a level.
    @usableFromInline
    mutating func computeReachBand(_ s: Int) {
        // Finer bars decide every bar that holds an order or a position: no bar passes quietly
        // (the band is empty; folded in here so a quiet bar tests one thing fewer).
        if sym[s].hasFiner { sym[s].reachDown = Int64.max; sym[s].reachUp = Int64.min; sym[s].bandValid = true; return }
        (sym[s].reachDown, sym[s].reachUp) = reachBand(s)
        sym[s].bandValid = true
    }

    /// The prices strictly between which nothing of symbol `s` can trade: no live order's trigger
    /// or limit, no market order or trailing stop (the band is then empty), not the risk stop.
    mutating func reachBand(_ s: Int) -> (down: Int64, up: Int64) {
        var down = Int64.min, up = Int64.max
        let st = sym[s]
        if st.hasBreach {
            if st.position > 0 { down = max(down, st.breachPrice) } else { up = min(up, st.breachPrice) }
        }
        for e in book where !e.suspended && e.symbol == s {
            switch e.kind {
            case .market, .trailing: down = Int64.max
            case .limit:
                if e.sign > 0 { down = max(down, e.limit) } else { up = min(up, e.limit) }
            case .stop:
                if e.sign > 0 { up = min(up, e.stop) } else { down = max(down, e.stop) }
            case .stopLimit:
                if e.triggered {
                    if e.sign > 0 { down = max(down, e.limit) } else { up = min(up, e.limit) }
                } else {
                    if e.sign > 0 { up = min(up, e.stop) } else { down = max(down, e.stop) }
                }
            }
        }
        return (down, up)
    }

    /// Whether the market is open at `t`; caches the open stretch around it.
    @usableFromInline
    mutating func refreshOpenInterval(_ t: Int64) -> Bool {
        guard let r = config.calendar.openInterval(containing: Timestamp(seconds: t)) else {
            openFrom = Int64.max; openUntil = Int64.min
            return false
        }
        openFrom = r.lowerBound; openUntil = r.upperBound
        return true
    }

    @usableFromInline
    mutating func processSlow(_ bar: Bar, _ s: Int, _ length: Int64) {
        now = bar.time
        let touchable = touchableCount(bar, s)
        // Whenever the bar could fill anything and finer data covers it, the finer data decides:
        // its trade prints first, else its finer bars.
        var byPrints: Range<Int>?, byFinerBars: Range<Int>?
        if touchable >= 1 {
            if let r = prints[s]?.range(from: bar.time.seconds, to: bar.time.seconds + length), !r.isEmpty {
                byPrints = r
            } else if let r = finer[s]?.range(from: bar.time.seconds, to: bar.time.seconds + length), !r.isEmpty {
                byFinerBars = r
            }
        }
        // The fidelity audit: what each path model would have done with an ambiguous bar that
        // finer data is about to decide.
        var trials: [[FidelityAudit.FillKey]]?
        let before = events.count
        if audit != nil && touchable >= 2 && (byPrints != nil || byFinerBars != nil) { trials = pathModelTrials(bar, s) }

        if let r = byPrints {
            walkPrints(r, bar, s)
        } else if let r = byFinerBars {
            let settled = walkFinerBars(r, s)
            if !settled, trials != nil { audit!.barsNotSettled += 1; trials = nil }
        } else if touchable == 0 && !book.contains(where: { $0.symbol == s && $0.kind == .trailing && !$0.suspended }) {
            if sym[s].position != 0 {
                sym[s].excHigh = max(sym[s].excHigh, bar.high.ticks)
                sym[s].excLow = min(sym[s].excLow, bar.low.ticks)
            }
        } else {
            simulate(bar, s, resolution: touchable >= 2 ? .pathModel : .exact)
        }
        sym[s].lastPrice = bar.close.ticks
        if let trials {
            audit!.record(bar: bar.time, byPrints: byPrints != nil, actual: fillKeys(since: before), trials: trials,
                          tickSize: instruments[s].spec.tickSize)
        }
    }

    /// The bar's trade prints decide, print by print in time order.
    mutating func walkPrints(_ r: Range<Int>, _ bar: Bar, _ s: Int) {
        let p = prints[s]!
        barLow = bar.low.ticks; barHigh = bar.high.ticks; barVolume = bar.volume
        barResolution = .prints
        if config.maxVolumeShare != nil { barFills.removeAll(keepingCapacity: true) }
        printsWalked += r.count
        barsDecidedByPrints += 1
        // A print strictly inside the reach band can fill nothing: it only widens the open
        // trade's excursion. The band changes only when a print trades something. (Every print
        // through `tradePrint`, tick replay ran at 17.6M prints/s; `tsxlab-bench drilldown`.)
        var band = reachBand(s)
        for k in r {
            let t = p.time[k] >= 0 ? p.time[k] / 1_000_000_000 : (p.time[k] + 1) / 1_000_000_000 - 1
            // The session's open stretch is cached: the calendar is asked once per stretch,
            // not per print (asked per print, it held the walk to 2.9M prints/s).
            if config.enforceSessions && !(t >= openFrom && t < openUntil) && !refreshOpenInterval(t) { continue }
            let px = p.price[k]
            if px > band.down && px < band.up {
                markExcursion(s, px)
                continue
            }
            now = Timestamp(seconds: t)
            tradePrint(px, s)
            band = reachBand(s)
        }
    }

    /// The bar's finer bars decide: the minute (or second) and the price a fill happened at, not
    /// only the order of several fills. False when a finer bar was itself ambiguous (the path
    /// model decided inside it).
    mutating func walkFinerBars(_ r: Range<Int>, _ s: Int) -> Bool {
        let finer = finer[s]!
        var settled = true
        for i in r {
            let sub = finer.series[i]
            if config.enforceSessions && !config.calendar.isOpen(at: sub.time) { continue }
            now = sub.time
            let ambiguous = touchableCount(sub, s) >= 2
            if ambiguous { settled = false }
            simulate(sub, s, resolution: ambiguous ? .pathModel : .drillDown)
        }
        return settled
    }

    /// The fills each path model would make in `bar`, played on copies of the exchange (the
    /// audit only: a copy per model per audited bar).
    mutating func pathModelTrials(_ bar: Bar, _ s: Int) -> [[FidelityAudit.FillKey]] {
        PathModel.allCases.map { model in
            var trial = self
            trial.audit = nil
            trial.config.pathModel = model
            let before = trial.events.count
            trial.simulate(bar, s, resolution: .pathModel)
            return trial.fillKeys(since: before)
        }
    }

    /// The fills among the events from index `start` on.
    func fillKeys(since start: Int) -> [FidelityAudit.FillKey] {
        events[start...].compactMap {
            if case .orderFilled(_, let f) = $0 { return FidelityAudit.FillKey(order: f.orderID, side: f.side, quantity: f.quantity, price: f.price.ticks) }
            return nil
        }
    }

    /// How many distinct things could trade inside the bar: live orders whose trigger the bar
    /// reaches (or a market order), bracket exits that would be born inside it, the risk stop.
    mutating func touchableCount(_ bar: Bar, _ s: Int) -> Int {
        let lo = bar.low.ticks, hi = bar.high.ticks, open = bar.open.ticks
        var n = 0
        for e in book where e.symbol == s {
            if e.suspended {
                // A bracket exit counts when its entry could fill in this bar and its own price
                // lies inside the bar.
                guard let parent = book.first(where: { $0.index == e.parent }), !parent.suspended else { continue }
                let parentReached = parent.trigger.map { ($0 >= lo && $0 <= hi) || parent.satisfied(at: open) } ?? true
                if parentReached, let px = e.trigger, px >= lo && px <= hi { n += 1 }
                continue
            }
            if let px = e.trigger {
                if (px >= lo && px <= hi) || e.satisfied(at: open) { n += 1 }
            } else {
                n += 1  // market order, or a trailing stop still without a level
            }
        }
        if sym[s].hasBreach && (sym[s].position > 0 ? lo <= sym[s].breachPrice : hi >= sym[s].breachPrice) { n += 1 }
        return n
    }

    // MARK: Prints

    /// The market trades `px` (one print): every order the print fills, one after another in the
    /// order they were placed (bracket exits born by a fill may fill on the same print), then the
    /// risk stop, the trailing stops and the open trade's excursion.
    mutating func tradePrint(_ px: Int64, _ s: Int) {
        var n = 0
        while let (i, at) = nextOnPrint(px, s), n < 1000 {
            execute(i, s, at: at)
            n += 1
        }
        breachIfReached(s, px)
        updateTrails(s, to: px)
        markExcursion(s, px)
    }

    /// The risk stop (the price at which equity meets the breach level) when `px` reaches it.
    mutating func breachIfReached(_ s: Int, _ px: Int64) {
        if sym[s].hasBreach, sym[s].position > 0 ? px <= sym[s].breachPrice : (sym[s].position < 0 && px >= sym[s].breachPrice) {
            breach(s, at: px)
        }
    }

    /// The first order (by placement) that a print at `px` fills, and its price: a market order,
    /// a stop or trailing stop the print reaches (at the print), a marketable limit (at the print
    /// or its limit, the better for it), a resting limit the print goes through (or touches, as
    /// configured; at its limit). A stop-limit whose stop the print reaches is triggered here.
    mutating func nextOnPrint(_ px: Int64, _ s: Int) -> (Int, Int64)? {
        let touch = config.limitFillOnPrints == .touch
        for k in book.indices where book[k].symbol == s && !book[k].suspended && !exhausted(book[k].index) {
            let e = book[k], buy = e.sign > 0
            func limitFill(_ limit: Int64) -> Int64? {
                if e.marketable { return (buy ? px <= limit : px >= limit) ? (buy ? min(px, limit) : max(px, limit)) : nil }
                let fills = touch ? (buy ? px <= limit : px >= limit) : (buy ? px < limit : px > limit)
                return fills ? limit : nil
            }
            switch e.kind {
            case .market: return (e.index, px)
            case .stop: if buy ? px >= e.stop : px <= e.stop { return (e.index, px) }
            case .trailing: if e.hasTrail && (buy ? px >= e.trail : px <= e.trail) { return (e.index, px) }
            case .limit: if let at = limitFill(e.limit) { return (e.index, at) }
            case .stopLimit:
                if !e.triggered {
                    guard buy ? px >= e.stop : px <= e.stop else { continue }
                    orders[e.index].apply(.trigger, at: now)
                    book[k].triggered = true
                    // Triggered by this print, it takes liquidity up to its limit.
                    book[k].marketable = true
                    sym[s].bandValid = false
                }
                if buy ? px <= book[k].limit : px >= book[k].limit { return (e.index, buy ? min(px, book[k].limit) : max(px, book[k].limit)) }
            }
        }
        return nil
    }

    // MARK: The path

    mutating func simulate(_ bar: Bar, _ s: Int, resolution: FillResolution) {
        barLow = bar.low.ticks; barHigh = bar.high.ticks; barVolume = bar.volume
        barResolution = resolution
        if config.maxVolumeShare != nil { barFills.removeAll(keepingCapacity: true) }
        // At the open: market orders, then everything the open already satisfies (gaps).
        let open = bar.open.ticks
        var guardCount = 0
        while let i = nextAtPrice(open, s, opening: true, bar: bar), guardCount < 1000 {
            execute(i, s, at: open)
            guardCount += 1
        }
        breachIfReached(s, open)
        updateTrails(s, to: open)
        markExcursion(s, open)
        // Worst/best-case paths depend on the position held once the open has traded (an entry
        // filled at the open is what the bar's extremes are adverse or favourable to).
        let path = BarPath(open: open, high: bar.high.ticks, low: bar.low.ticks, close: bar.close.ticks,
                           model: config.pathModel, position: sym[s].position)
        var cur = open
        for k in 1..<path.count {
            let target = path[k]
            while let (i, px) = earliestTouch(s, from: cur, to: target) {
                cur = px
                if i < 0 { breach(s, at: px); continue }
                guard let k = book.firstIndex(where: { $0.index == i }) else { continue }
                if book[k].kind == .stopLimit && !book[k].triggered {
                    orders[i].apply(.trigger, at: now)
                    book[k].triggered = true
                    sym[s].bandValid = false
                    if book[k].satisfied(at: px) { execute(i, s, at: px) }
                    continue
                }
                execute(i, s, at: px)
                // Bracket exits born at this price may already be marketable.
                var n = 0
                while let j = nextAtPrice(px, s, opening: false, bar: bar), n < 1000 {
                    execute(j, s, at: px); n += 1
                }
            }
            cur = target
            updateTrails(s, to: target)
            // Excursions follow the path after the fills, so an entry bar's earlier range and an
            // exit bar's later range do not count.
            markExcursion(s, target)
        }
    }

    @inline(__always)
    mutating func markExcursion(_ s: Int, _ px: Int64) {
        guard sym[s].position != 0 else { return }
        if px > sym[s].excHigh { sym[s].excHigh = px }
        if px < sym[s].excLow { sym[s].excLow = px }
    }

    /// With a volume cap: the order has taken its share of this bar already.
    @inline(__always)
    mutating func exhausted(_ i: Int) -> Bool {
        guard let share = config.maxVolumeShare, !closingOut else { return false }
        let cap = max(1, Int64(Double(barVolume) * share))
        return barFills.contains { $0.order == i && $0.quantity >= cap }
    }

    /// The next live working order that trades at `px` without the price moving (market orders
    /// first at the open, then by placement). In stop-first mode a take-profit whose protective
    /// stop the bar reaches waits for the stop.
    mutating func nextAtPrice(_ px: Int64, _ s: Int, opening: Bool, bar: Bar) -> Int? {
        var best: Int?
        for e in book where e.symbol == s && !e.suspended && !exhausted(e.index) {
            if e.kind == .market {
                if opening { return e.index }
                continue
            }
            guard e.satisfied(at: px) else { continue }
            if config.pathModel == .stopFirst, e.isTakeProfit, siblingStopReached(e, s, bar) { continue }
            if best == nil || e.index < best! { best = e.index }
        }
        return best
    }

    mutating func siblingStopReached(_ e: LiveOrder, _ s: Int, _ bar: Bar) -> Bool {
        guard e.oco >= 0 else { return false }
        for o in book where o.symbol == s && o.oco == e.oco && o.isStopLoss && o.kind == .stop {
            if o.sign < 0 ? bar.low.ticks <= o.stop : bar.high.ticks >= o.stop { return true }
        }
        return false
    }

    /// The first order (or the risk stop, index −1) the price reaches moving from `cur` to
    /// `target`; ties go to the earlier order, the risk stop last.
    mutating func earliestTouch(_ s: Int, from cur: Int64, to target: Int64) -> (Int, Int64)? {
        if cur == target { return nil }
        let up = target > cur
        var bestIndex = Int.max
        var bestPrice: Int64 = 0
        var found = false
        @inline(__always) func consider(_ i: Int, _ px: Int64) {
            guard up ? (px > cur && px <= target) : (px < cur && px >= target) else { return }
            if !found || (up ? px < bestPrice : px > bestPrice) || (px == bestPrice && i < bestIndex) {
                bestIndex = i; bestPrice = px; found = true
            }
        }
        for e in book where e.symbol == s && !e.suspended && !exhausted(e.index) {
            let buy = e.sign > 0
            switch e.kind {
            case .market: continue
            case .limit: if buy != up { consider(e.index, e.limit) }
            case .stop: if buy == up { consider(e.index, e.stop) }
            case .stopLimit:
                if e.triggered { if buy != up { consider(e.index, e.limit) } }
                else if buy == up { consider(e.index, e.stop) }
            case .trailing: if e.hasTrail && buy == up { consider(e.index, e.trail) }
            }
        }
        if sym[s].hasBreach {
            let q = sym[s].position, b = sym[s].breachPrice
            if (q > 0 && !up) || (q < 0 && up), up ? (b > cur && b <= target) : (b < cur && b >= target) {
                if !found || (up ? b < bestPrice : b > bestPrice) { return (-1, b) }
            }
        }
        return found ? (bestIndex, bestPrice) : nil
    }

    mutating func updateTrails(_ s: Int, to px: Int64) {
        guard sym[s].trailing > 0 else { return }
        for k in book.indices where book[k].symbol == s && book[k].kind == .trailing && !book[k].suspended {
            let e = book[k]
            let level = e.sign < 0 ? px - e.trailDistance : px + e.trailDistance
            if !e.hasTrail || (e.sign < 0 ? level > e.trail : level < e.trail) {
                book[k].trail = level
                book[k].hasTrail = true
                sym[s].bandValid = false
                orders[e.index].trailStop = Price(ticks: level)
                if trailMoves != nil { trailMoves!.append((orders[e.index].id, level, now)) }
            }
        }
    }

    // MARK: Executions

    /// Fills order `i` at `px` (slipped and clamped into the bar for stop-like orders).
    mutating func execute(_ i: Int, _ s: Int, at px: Int64) {
        guard let k = book.firstIndex(where: { $0.index == i }) else { return }
        // A command (a flatten, the end of data) may fill outside a bar: the excursion so far first.
        flushClose()
        let e = book[k]
        var price = px
        if e.isStopLike {
            let slip = e.kind == .market ? config.marketSlippageTicks : config.stopSlippageTicks
            price = min(barHigh, max(barLow, px + slip * e.sign))
        }
        var qty = orders[i].remaining
        // A reduce-only order never flips or grows the position.
        if e.reduceOnly {
            let pos = sym[s].position
            if pos == 0 || (pos > 0) == (e.sign > 0) {
                cancelOrder(i, .positionClosed)
                return
            }
            qty = min(qty, abs(pos))
        }
        if let share = config.maxVolumeShare, !closingOut {
            let cap = max(1, Int64(Double(barVolume) * share))
            let f = barFills.firstIndex { $0.order == i }
            qty = min(qty, cap - (f.map { barFills[$0].quantity } ?? 0))
            guard qty > 0 else { return }
            if let f { barFills[f].quantity += qty } else { barFills.append((i, qty)) }
        }
        guard qty > 0 else { return }
        orders[i].apply(.fill(quantity: qty, price: Price(ticks: price)), at: now)
        // Fields are read from the order in place: a copy of the whole order per fill (and its
        // destruction) cost more than the rest of this bookkeeping.
        if !orders[i].status.isLive { removeLive(i) }
        let id = orders[i].id, side = orders[i].request.side
        // The order's symbol is the instrument's (placement resolved it); reading it from the
        // order avoids copying the instrument's specification per fill.
        let fill = Fill(orderID: id, symbol: orders[i].request.symbol, side: side, quantity: qty, price: Price(ticks: price),
                        time: now, fee: feePerSide[s] * qty, resolution: barResolution, purpose: orders[i].request.purpose)
        if sym[s].position != 0 { ledger.markExcursion(fill.symbol, high: sym[s].excHigh, low: sym[s].excLow) }
        ledger.record(fill, tickValueCents: tickCents[s], strategy: strategyOfOrder[i])
        sym[s].position += side.sign * qty
        sym[s].bandValid = false
        sym[s].excHigh = price; sym[s].excLow = price
        resolutionCounts[Int(barResolution.rawValue)] += 1
        events.append(.orderFilled(orders[i], fill))
        events.append(.positionChanged(ledger.position(fill.symbol)))

        // OCO: any fill cancels the rest of the group.
        if e.oco >= 0 {
            cancelEach(.ocoFilled(id)) { $0.symbol == s && $0.index != i && $0.oco == e.oco && !$0.suspended }
        }
        // Bracket exits come alive for the filled quantity, priced from the fill.
        for c in children[i] where orders[c].status.isLive { activateChild(c, parent: i, fillPrice: Price(ticks: price)) }
        // A flat position needs no protective orders.
        if sym[s].position == 0 {
            cancelEach(.positionClosed) { $0.symbol == s && $0.reduceOnly }
        }
        recomputeBreach()
        if sym[s].hasBreach, sym[s].position > 0 ? price <= sym[s].breachPrice : (sym[s].position < 0 && price >= sym[s].breachPrice) {
            breach(s, at: price)
        }
        if risk.rules.consistencyGovernor, let b = risk.enforceConsistency(equity: equity(), at: now) {
            events.append(.ruleBreached(b))
            _ = flatten(nil, reason: "consistency")
        }
    }

    /// Cancels every book entry that `matches`, in book order, as a loop over a copy of the book
    /// would, but without that copy (a loop holding the book while cancelling from it made every
    /// cancel, and the next placement, reallocate it). The book is in placement order and
    /// cancelling only removes entries, so the scan resumes after the last order it cancelled.
    @inline(__always)
    mutating func cancelEach(_ why: CancelReason, where matches: (LiveOrder) -> Bool) {
        var k = 0
        while k < book.count {
            let e = book[k]
            if matches(e) {
                cancelOrder(e.index, why)
                k = book.firstIndex { $0.index > e.index } ?? book.count
            } else {
                k += 1
            }
        }
    }

    /// Brings bracket exit `c` of entry `p` (indexes into `orders`) to life for what has filled.
    mutating func activateChild(_ c: Int, parent p: Int, fillPrice: Price) {
        let b = orders[p].request.bracket, side = orders[p].request.side
        switch orders[c].request.purpose {
        case .stopLoss:
            if let leg = b?.stopLoss { orders[c].request.kind = .stop(leg.price(entry: fillPrice, side: side, adverse: true)) }
        case .takeProfit:
            if let leg = b?.takeProfit { orders[c].request.kind = .limit(leg.price(entry: fillPrice, side: side, adverse: false)) }
        default: break
        }
        orders[c].request.quantity = orders[p].filledQuantity
        if orders[c].status == .suspended {
            orders[c].apply(.activate, at: now)
            syncBook(c)
            events.append(.orderWorking(orders[c]))
        } else {
            syncBook(c)
            events.append(.orderModified(orders[c]))
        }
    }

    /// With positions in several symbols, each one's risk stop depends on the others' prices: a
    /// portfolio run calls this after each bar so the others' stops move with the price that bar
    /// left. Nothing to do with one position or no loss level.
    public mutating func remarkRiskStops() {
        guard risk.rules.dailyLossLimit != nil || risk.rules.maxLossDrawdown != nil else { return }
        var held = 0
        for s in sym.indices where sym[s].position != 0 { held += 1 }
        if held > 1 && risk.breachLevel != nil { recomputeBreach() }
    }

    /// Recomputes, per symbol, the price at which equity would meet the nearer of the daily and
    /// maximum loss levels (other symbols marked at their last prices).
    mutating func recomputeBreach() {
        guard let (level, _) = risk.breachLevel else {
            for s in sym.indices { sym[s].hasBreach = false; sym[s].bandValid = false }
            return
        }
        for s in 0..<instruments.count {
            let q = sym[s].position
            guard q != 0 else { sym[s].hasBreach = false; sym[s].bandValid = false; continue }
            var other: Int64 = 0
            for t in 0..<instruments.count where t != s && sym[t].position != 0 && lastPrice(t) != Int64.min {
                other += ledger.position(instruments[t].symbol).unrealizedTicks(at: Price(ticks: lastPrice(t))) * instruments[t].tickValueCents
            }
            let tv = instruments[s].tickValueCents
            let cost = ledger.position(instruments[s].symbol).openCost
            // equity(P) = balance + other + (q·P − cost)·tv ≤ level
            let num = level.cents - ledger.balance.cents - other + cost * tv
            let den = q * tv
            sym[s].breachPrice = q > 0 ? floorDiv(num, den) : ceilDiv(num, den)
            sym[s].bandValid = false
            sym[s].hasBreach = true
        }
    }

    /// A loss limit was met at `px`: cancel everything, close every position there, lock the day
    /// (daily loss limit) or end the account (maximum loss limit).
    mutating func breach(_ s: Int, at px: Int64) {
        guard let b = risk.enforceLossLimits(equity: equityIf(s, px), at: now) else {
            // Not a breach after all (the account already locked for it): the virtual stop goes,
            // so the matching loop that reached it moves on.
            for t in sym.indices { sym[t].hasBreach = false; sym[t].bandValid = false }
            return
        }
        events.append(.ruleBreached(b))
        let reason = RiskState.lossLimitReason(b.rule)
        closingOut = true
        defer { closingOut = false }
        for i in book.map(\.index) { cancelOrder(i, .flatten(reason)) }
        for t in 0..<instruments.count where sym[t].position != 0 {
            let q = sym[t].position
            newOrder(OrderRequest(symbol: instruments[t].symbol, side: q > 0 ? .sell : .buy, quantity: abs(q),
                                  kind: .market, reduceOnly: true, purpose: .flatten(reason)), t, parent: nil)
            // The breached symbol closes at the breach price (slipped within the bar); others at
            // their last price.
            if t == s {
                execute(orders.count - 1, t, at: px)
            } else {
                let (lo, hi) = (barLow, barHigh)
                let at = last(t) ?? px
                barLow = at; barHigh = at
                execute(orders.count - 1, t, at: at)
                barLow = lo; barHigh = hi
            }
        }
        for t in sym.indices { sym[t].hasBreach = false; sym[t].bandValid = false }
        events.append(.accountChanged(account))
    }

    func equityIf(_ s: Int, _ px: Int64) -> Money {
        var u: Int64 = 0
        for t in 0..<instruments.count where sym[t].position != 0 {
            let mark = t == s || lastPrice(t) == Int64.min ? px : lastPrice(t)
            u += ledger.position(instruments[t].symbol).unrealizedTicks(at: Price(ticks: mark)) * instruments[t].tickValueCents
        }
        return ledger.balance + Money(cents: u)
    }
}

@inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
}

@inline(__always) func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && ((a < 0) == (b < 0))) ? q + 1 : q
}
