import Data
import Trading

/// Finer bars of the same instrument, for resolving a coarse bar that could fill several orders.
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

extension SimulatedExchange {
    /// Trades one bar of `symbol` (index `s`): fills what the bar reached, in the order the path
    /// model (or finer bars) says, then marks positions. `length` is the bar's duration in
    /// seconds (for finding finer bars).
    @inlinable
    public func process(_ bar: Bar, symbol s: Int, length: Int64, finer: FinerBars? = nil) {
        // Fast path: nothing working, nothing held.
        if live[s].isEmpty && positionQty[s] == 0 {
            lastPrice[s] = bar.close.ticks
            return
        }
        processSlow(bar, s, length, finer)
    }

    @usableFromInline
    func processSlow(_ bar: Bar, _ s: Int, _ length: Int64, _ finer: FinerBars?) {
        if config.enforceSessions && !config.calendar.isOpen(at: bar.time) { return }
        now = bar.time
        let touchable = touchableCount(bar, s)
        let ambiguous = touchable >= 2
        // Whenever the bar could fill anything and finer bars exist, they decide: the minute (or
        // second) and the price a fill happened at, not only the order of several fills.
        if touchable >= 1, let finer {
            let r = finer.range(from: bar.time.seconds, to: bar.time.seconds + length)
            if !r.isEmpty {
                for i in r {
                    let sub = finer.series[i]
                    if config.enforceSessions && !config.calendar.isOpen(at: sub.time) { continue }
                    now = sub.time
                    simulate(sub, s, resolution: touchableCount(sub, s) >= 2 ? .pathModel : .drillDown, drill: true)
                }
                finishBar(bar, s)
                return
            }
        }
        simulate(bar, s, resolution: ambiguous ? .pathModel : .exact, drill: false)
        finishBar(bar, s)
    }

    func finishBar(_ bar: Bar, _ s: Int) {
        lastPrice[s] = bar.close.ticks
    }

    /// How many distinct things could trade inside the bar: live orders whose trigger the bar
    /// reaches (or a market order), bracket exits that would be born inside it, the risk stop.
    func touchableCount(_ bar: Bar, _ s: Int) -> Int {
        let lo = bar.low.ticks, hi = bar.high.ticks
        var n = 0
        for i in live[s] {
            let o = orders[i]
            if o.status == .suspended {
                guard let p = o.parent, orders[Int(p.raw) - 1].status.isLive,
                      let parentPx = triggerPrice(orders[Int(p.raw) - 1]),
                      parentPx.map({ $0 >= lo && $0 <= hi }) ?? true,
                      let px = triggerPrice(o) ?? nil else { continue }
                if px >= lo && px <= hi { n += 1 }
                continue
            }
            guard let tp = triggerPrice(o) else { continue }
            if let px = tp {
                if (px >= lo && px <= hi) || satisfied(o, at: bar.open.ticks) { n += 1 }
            } else {
                n += 1  // market
            }
        }
        if let b = breachPrice[s], b >= lo && b <= hi { n += 1 }
        return n
    }

    /// The price that makes an order trade: nil for a market order (`.some(nil)`), the stop,
    /// limit or trail level otherwise. Returns nil (outer) when the order cannot trade.
    func triggerPrice(_ o: Order) -> Int64?? {
        switch o.request.kind {
        case .market: return .some(nil)
        case .limit(let p): return .some(p.ticks)
        case .stop(let p): return .some(p.ticks)
        case .stopLimit(let st, let l): return .some(o.triggered ? l.ticks : st.ticks)
        case .trailingStop: return o.trailStop.map { .some($0.ticks) } ?? nil
        }
    }

    /// Whether an order would trade if the market printed `px` right now.
    func satisfied(_ o: Order, at px: Int64) -> Bool {
        let buy = o.side == .buy
        switch o.request.kind {
        case .market: return true
        case .limit(let p): return buy ? px <= p.ticks : px >= p.ticks
        case .stop(let p): return buy ? px >= p.ticks : px <= p.ticks
        case .stopLimit(let st, let l):
            if o.triggered { return buy ? px <= l.ticks : px >= l.ticks }
            return buy ? px >= st.ticks : px <= st.ticks
        case .trailingStop:
            guard let t = o.trailStop?.ticks else { return false }
            return buy ? px >= t : px <= t
        }
    }

    // MARK: The path

    func simulate(_ bar: Bar, _ s: Int, resolution: FillResolution, drill: Bool) {
        barLow = bar.low.ticks; barHigh = bar.high.ticks; barVolume = bar.volume
        barResolution = resolution
        if config.maxVolumeShare != nil { barFills.removeAll(keepingCapacity: true) }
        let path = BarPath(open: bar.open.ticks, high: bar.high.ticks, low: bar.low.ticks, close: bar.close.ticks,
                           model: config.pathModel, position: positionQty[s])
        // At the open: market orders, then everything the open already satisfies (gaps).
        let open = path[0]
        var guardCount = 0
        while let i = nextAtPrice(open, s, opening: true, bar: bar), guardCount < 1000 {
            execute(i, s, at: open, isStopLike: isStopLike(orders[i]))
            guardCount += 1
        }
        if let b = breachPrice[s], positionQty[s] > 0 ? open <= b : (positionQty[s] < 0 && open >= b) {
            breach(s, at: open)
        }
        updateTrails(s, to: open)
        if positionQty[s] != 0 { ledger.markExcursion(instruments[s].symbol, high: open, low: open) }
        var cur = open
        for k in 1..<path.count {
            let target = path[k]
            while true {
                guard let (i, px, isBreach) = earliestTouch(s, from: cur, to: target) else { break }
                cur = px
                if isBreach { breach(s, at: px); continue }
                let o = orders[i]
                if case .stopLimit = o.request.kind, !o.triggered {
                    orders[i].apply(.trigger, at: now)
                    if satisfied(orders[i], at: px) { execute(i, s, at: px, isStopLike: false) }
                    continue
                }
                execute(i, s, at: px, isStopLike: isStopLike(o))
                // Bracket exits born at this price may already be marketable.
                var n = 0
                while let j = nextAtPrice(px, s, opening: false, bar: bar), n < 1000 {
                    execute(j, s, at: px, isStopLike: isStopLike(orders[j])); n += 1
                }
            }
            cur = target
            updateTrails(s, to: target)
            // Excursions follow the path after the fills, so an entry bar's earlier range and an
            // exit bar's later range do not count.
            if positionQty[s] != 0 { ledger.markExcursion(instruments[s].symbol, high: target, low: target) }
        }
    }

    /// With a volume cap: the order has taken its share of this bar already.
    @inline(__always)
    func exhausted(_ i: Int) -> Bool {
        guard let share = config.maxVolumeShare else { return false }
        let cap = max(1, Int64(Double(barVolume) * share))
        return barFills.contains { $0.order == i && $0.quantity >= cap }
    }

    func isStopLike(_ o: Order) -> Bool {
        switch o.request.kind {
        case .stop, .trailingStop, .market: true
        case .stopLimit: !o.triggered
        case .limit: false
        }
    }

    /// The next live working order that trades at `px` without the price moving (market orders
    /// first, then by id). In stop-first mode a take-profit whose protective stop the bar
    /// reaches waits for the stop.
    func nextAtPrice(_ px: Int64, _ s: Int, opening: Bool, bar: Bar) -> Int? {
        var best: Int?
        for i in live[s] {
            let o = orders[i]
            guard o.status == .working || o.status == .partiallyFilled, !exhausted(i) else { continue }
            if case .market = o.request.kind {
                if opening { return i }
                continue
            }
            guard satisfied(o, at: px) else { continue }
            if config.pathModel == .stopFirst, o.request.purpose == .takeProfit, siblingStopReached(o, bar) { continue }
            if best == nil || i < best! { best = i }
        }
        return best
    }

    func siblingStopReached(_ o: Order, _ bar: Bar) -> Bool {
        guard let g = o.ocoGroup, let s = symbolIndex[o.symbol] else { return false }
        for j in live[s] where orders[j].ocoGroup == g && orders[j].request.purpose == .stopLoss {
            if case .stop(let p) = orders[j].request.kind {
                if orders[j].side == .sell ? bar.low.ticks <= p.ticks : bar.high.ticks >= p.ticks { return true }
            }
        }
        return false
    }

    /// The first order (or the risk stop) the price reaches moving from `cur` to `target`.
    func earliestTouch(_ s: Int, from cur: Int64, to target: Int64) -> (Int, Int64, Bool)? {
        if cur == target { return nil }
        let up = target > cur
        var best: (Int, Int64, Bool)?
        func consider(_ i: Int, _ px: Int64, _ isBreach: Bool) {
            let inRange = up ? (px > cur && px <= target) : (px < cur && px >= target)
            guard inRange else { return }
            if let b = best {
                let closer = up ? px < b.1 : px > b.1
                if closer || (px == b.1 && !isBreach && i < b.0 && !b.2) { best = (i, px, isBreach) }
            } else {
                best = (i, px, isBreach)
            }
        }
        for i in live[s] {
            let o = orders[i]
            guard o.status == .working || o.status == .partiallyFilled, !exhausted(i) else { continue }
            let buy = o.side == .buy
            switch o.request.kind {
            case .market: continue
            case .limit(let p): if buy != up { consider(i, p.ticks, false) }
            case .stop(let p): if buy == up { consider(i, p.ticks, false) }
            case .stopLimit(let st, let l):
                if o.triggered { if buy != up { consider(i, l.ticks, false) } }
                else if buy == up { consider(i, st.ticks, false) }
            case .trailingStop:
                if let t = o.trailStop?.ticks, buy == up { consider(i, t, false) }
            }
        }
        if let b = breachPrice[s] {
            let q = positionQty[s]
            if (q > 0 && !up) || (q < 0 && up) { consider(Int.max, b, true) }
        }
        return best
    }

    func updateTrails(_ s: Int, to px: Int64) {
        for i in live[s] where orders[i].status == .working || orders[i].status == .partiallyFilled {
            guard case .trailingStop(let d) = orders[i].request.kind else { continue }
            let o = orders[i]
            if o.side == .sell {
                let level = px - d
                if o.trailStop == nil || level > o.trailStop!.ticks { orders[i].trailStop = Price(ticks: level) }
            } else {
                let level = px + d
                if o.trailStop == nil || level < o.trailStop!.ticks { orders[i].trailStop = Price(ticks: level) }
            }
        }
    }

    // MARK: Executions

    /// Fills order `i` at `px` (slipped and clamped into the bar for stop-like orders).
    func execute(_ i: Int, _ s: Int, at px: Int64, isStopLike: Bool) {
        var o = orders[i]
        var price = px
        if isStopLike {
            let slip = o.request.kind == .market ? config.marketSlippageTicks : config.stopSlippageTicks
            price = min(barHigh, max(barLow, px + slip * o.side.sign))
        }
        var qty = o.remaining
        // A reduce-only order never flips or grows the position.
        if o.request.reduceOnly {
            let pos = positionQty[s]
            if pos == 0 || (pos > 0) == (o.side == .buy) {
                cancelOrder(i, .positionClosed)
                return
            }
            qty = min(qty, abs(pos))
        }
        if let share = config.maxVolumeShare, !closingOut {
            let cap = max(1, Int64(Double(barVolume) * share))
            let k = barFills.firstIndex { $0.order == i }
            let used = k.map { barFills[$0].quantity } ?? 0
            qty = min(qty, cap - used)
            guard qty > 0 else { return }
            if let k { barFills[k].quantity += qty } else { barFills.append((i, qty)) }
        }
        guard qty > 0 else { return }
        o.apply(.fill(quantity: qty, price: Price(ticks: price)), at: now)
        orders[i] = o
        if !o.status.isLive { removeLive(i) }
        let ins = instruments[s]
        let fill = Fill(orderID: o.id, symbol: ins.symbol, side: o.side, quantity: qty, price: Price(ticks: price),
                        time: now, fee: ins.feePerSide * qty, resolution: barResolution, purpose: o.request.purpose)
        ledger.record(fill, instrument: ins, strategy: strategyOfOrder[i])
        positionQty[s] += o.side.sign * qty
        resolutionCounts[Int(barResolution.rawValue)] += 1
        events.append(.orderFilled(o, fill))
        events.append(.positionChanged(ledger.position(ins.symbol)))

        // OCO: any fill cancels the rest of the group.
        if let g = o.ocoGroup {
            for j in live[s] where j != i && orders[j].ocoGroup == g && orders[j].status != .suspended {
                cancelOrder(j, .ocoFilled(o.id))
            }
        }
        // Bracket exits come alive for the filled quantity, priced from the fill.
        if let kids = children[i] {
            for k in kids where orders[k].status.isLive {
                activateChild(k, parent: o, fillPrice: Price(ticks: price))
            }
        }
        // A flat position needs no protective orders.
        if positionQty[s] == 0 {
            for j in live[s] where orders[j].request.reduceOnly { cancelOrder(j, .positionClosed) }
        }
        recomputeBreach()
        if let b = breachPrice[s], positionQty[s] > 0 ? price <= b : (positionQty[s] < 0 && price >= b) {
            breach(s, at: price)
        }
        if risk.consistencyStopReached(dayPnL: equity() - risk.dayStartBalance), !risk.lockedToday {
            risk.breach(.consistency, at: now, equity: equity(), limit: risk.rules.profitTarget ?? .zero,
                        detail: "the day's profit reached the consistency stop; flat for the day")
            events.append(.ruleBreached(risk.breaches.last!))
            _ = flatten(nil, reason: "consistency")
        }
    }

    func activateChild(_ k: Int, parent: Order, fillPrice: Price) {
        var c = orders[k]
        let b = parent.request.bracket
        switch c.request.purpose {
        case .stopLoss:
            if let leg = b?.stopLoss { c.request.kind = .stop(leg.price(entry: fillPrice, side: parent.side, adverse: true)) }
        case .takeProfit:
            if let leg = b?.takeProfit { c.request.kind = .limit(leg.price(entry: fillPrice, side: parent.side, adverse: false)) }
        default: break
        }
        c.request.quantity = parent.filledQuantity
        if c.status == .suspended {
            c.apply(.activate, at: now)
            orders[k] = c
            events.append(.orderWorking(c))
        } else {
            orders[k] = c
            events.append(.orderModified(c))
        }
    }

    /// Recomputes, per symbol, the price at which equity would meet the nearer of the daily and
    /// maximum loss levels (other symbols marked at their last prices).
    func recomputeBreach() {
        guard let (level, _) = risk.breachLevel else {
            for s in 0..<breachPrice.count { breachPrice[s] = nil }
            return
        }
        for s in 0..<instruments.count {
            let q = positionQty[s]
            guard q != 0 else { breachPrice[s] = nil; continue }
            var other: Int64 = 0
            for t in 0..<instruments.count where t != s && positionQty[t] != 0 {
                if let px = lastPrice[t] { other += ledger.position(instruments[t].symbol).unrealizedTicks(at: Price(ticks: px)) * instruments[t].tickValueCents }
            }
            let tv = instruments[s].tickValueCents
            let cost = ledger.position(instruments[s].symbol).openCost
            // equity(P) = balance + other + (q·P − cost)·tv ≤ level
            let num = level.cents - ledger.balance.cents - other + cost * tv
            let den = q * tv
            breachPrice[s] = q > 0 ? floorDiv(num, den) : ceilDiv(num, den)
        }
    }

    /// A loss limit was met at `px`: cancel everything, close every position there, lock the day
    /// (daily loss limit) or end the account (maximum loss limit).
    func breach(_ s: Int, at px: Int64) {
        guard let (level, rule) = risk.breachLevel else { return }
        let eqAtBreach = equityIf(s, px)
        risk.breach(rule, at: now, equity: eqAtBreach, limit: level,
                    detail: "equity \(eqAtBreach) met the \(rule) level \(level); flattened and \(rule == .maxLossLimit ? "account ended" : "locked until the next trading day")")
        events.append(.ruleBreached(risk.breaches.last!))
        let reason = rule == .maxLossLimit ? "max_loss_limit" : "daily_loss_limit"
        closingOut = true
        defer { closingOut = false }
        for t in 0..<instruments.count {
            for i in live[t] { cancelOrder(i, .flatten(reason)) }
        }
        for t in 0..<instruments.count where positionQty[t] != 0 {
            let q = positionQty[t]
            let req = OrderRequest(symbol: instruments[t].symbol, side: q > 0 ? .sell : .buy, quantity: abs(q),
                                   kind: .market, reduceOnly: true, purpose: .flatten(reason))
            newOrder(req, t, parent: nil)
            let i = orders.count - 1
            // The breached symbol closes at the breach price; others at their last price.
            let at = t == s ? px : (lastPrice[t] ?? px)
            if t == s { execute(i, t, at: at, isStopLike: true) } else {
                let (lo, hi) = (barLow, barHigh)
                barLow = Int64.min; barHigh = Int64.max
                execute(i, t, at: at, isStopLike: false)
                barLow = lo; barHigh = hi
            }
        }
        breachPrice = breachPrice.map { _ in nil }
        events.append(.accountChanged(account))
    }

    func equityIf(_ s: Int, _ px: Int64) -> Money {
        var u: Int64 = 0
        for t in 0..<instruments.count where positionQty[t] != 0 {
            let mark = t == s ? px : (lastPrice[t] ?? px)
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
