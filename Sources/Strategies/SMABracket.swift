import Data
import Trading

/// The reference workload `sma-bracket` (shared reference `sma-bracket.md`): an SMA cross
/// entered at the next bar's open with a fixed bracket, one position at a time, so tsxlab can be
/// compared trade by trade and in speed with Python backtesters.
///
/// Signals use `D(i) = slow·F(i) − fast·S(i)` of running tick sums, a whole number (ties are
/// exact) in a series shared by every configuration with the same windows: long when `D(i) > 0 ≥ D(i−1)`, short when `D(i) < 0 ≤ D(i−1)`. A
/// signal counts only if no position was held at any moment of its bar (the "occupied bar"
/// rule); it enters with a good-till-cancelled market order and a bracket of `stopTicks` /
/// `targetTicks` from the fill. Run it with the `stopFirst` path model and sessions ignored to
/// reproduce the reference exactly.
///
/// It waits for the sign of `D` to change, so in a backtest the engine jumps over the bars
/// between crossings and between a bracket's fill and its exit.
public final class SMABracket: ReadsSeries, DeclaresWake {
    public typealias Parameters = SMABracketParameters

    public let name = "sma_bracket"
    public let symbols: [String]
    public let parameters: Parameters

    /// `D(i)` per bar, shared with every configuration of the same (fast, slow) in a sweep; NaN
    /// before bar `slow − 1`.
    @usableFromInline var d: Series!
    /// What it waits for while flat: the sign of `D` changing (made once: a `Wake` per call would
    /// allocate its list of series).
    var crossing = Wake.nothing
    // Occupied-bar bookkeeping.
    @usableFromInline var inPosition = false
    @usableFromInline var filledThisBar = false
    @usableFromInline var entryPending = false

    public init(symbol: String, parameters: Parameters = Parameters()) {
        precondition(parameters.fast > 0 && parameters.fast < parameters.slow, "0 < fast < slow")
        self.symbols = [symbol]
        self.parameters = parameters
    }

    /// The recipe of `D(i) = slow·F(i) − fast·S(i)` over running sums of closes in ticks. As a
    /// Double it is exact: |D| stays far below 2⁵³ for windows up to 10,000 bars of tick prices.
    public static func difference(fast: Int, slow: Int) -> SeriesRecipe {
        SeriesRecipe("sma_bracket.d:\(fast):\(slow)") { SMADifference(fast: fast, slow: slow) }
    }

    public func attach(_ market: MarketSeries) {
        d = market.series(Self.difference(fast: parameters.fast, slow: parameters.slow))
        crossing = .signChange(of: d)
    }

    /// Flat, a signal needs the sign of `D` to change. Holding a position or an entry, no signal
    /// can count (the occupied-bar rule) until the fill or the exit arrives as an event, and the
    /// strategy is handed that bar: it waits for nothing.
    public var waitingFor: Wake { inPosition || entryPending ? .nothing : crossing }

    public func onEvent(_ event: BrokerEvent, broker: any Broker) {
        switch event {
        case .orderFilled(let o, _):
            filledThisBar = true
            if o.request.purpose == .entry { entryPending = false }
        case .positionChanged(let p):
            inPosition = !p.isFlat
        case .orderRejected, .orderCancelled, .orderExpired:
            if case .orderCancelled(let o, _) = event, o.request.purpose != .entry { break }
            if case .orderExpired(let o) = event, o.request.purpose != .entry { break }
            entryPending = false
        default:
            break
        }
    }

    /// Inlinable so the engine's bar loop, specialised for this strategy, reads `D` in place;
    /// placing the entry is a separate call (it happens a few thousand times a run).
    @inlinable @inline(__always)
    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        let occupied = inPosition || filledThisBar || entryPending
        filledThisBar = false
        guard !occupied else { return }
        // NaN (warming up) compares false both ways: no signal before bar `slow`.
        let d = self.d[0], previous = self.d[1]
        if d > 0 && previous <= 0 { enter(.buy, broker) } else if d < 0 && previous >= 0 { enter(.sell, broker) }
    }

    /// A market entry with the bracket, at the next bar's open.
    @usableFromInline @inline(never)
    func enter(_ side: OrderSide, _ broker: any Broker) {
        entryPending = true
        let p = parameters
        let r = broker.place(OrderRequest(symbol: symbols[0], side: side, quantity: p.quantity, kind: .market, timeInForce: .gtc,
                                          bracket: Bracket(stopLoss: .ticks(p.stopTicks), takeProfit: .ticks(p.targetTicks))))
        if r.rejection != nil { entryPending = false }
    }
}

/// `D(i) = slow·F(i) − fast·S(i)` bar by bar, from running sums of the last `fast` and `slow`
/// closes in ticks (integers: ties are exact); NaN until `slow` closes are in.
struct SMADifference: SeriesFold {
    let fast: Int, slow: Int
    /// The last `slow` closes, zero-filled, so the closes leaving the windows read 0 while warming
    /// up. A buffer of its own: an array's uniqueness check per write was a tenth of computing D.
    let ring: Ring
    var head = 0, fastTail: Int, seen = 0
    var fastSum: Int64 = 0, slowSum: Int64 = 0

    final class Ring {
        let slots: UnsafeMutablePointer<Int64>
        init(_ n: Int) { slots = .allocate(capacity: n); slots.initialize(repeating: 0, count: n) }
        deinit { slots.deallocate() }
    }

    init(fast: Int, slow: Int) {
        self.fast = fast; self.slow = slow
        ring = Ring(slow)
        fastTail = slow - fast
    }

    @inline(__always)
    mutating func next(_ bar: Bar) -> Double {
        let c = bar.close.ticks, r = ring.slots
        let slowOut = r[head], fastOut = r[fastTail]
        r[head] = c
        head = head + 1 == slow ? 0 : head + 1
        fastTail = fastTail + 1 == slow ? 0 : fastTail + 1
        fastSum += c - fastOut
        slowSum += c - slowOut
        seen += 1
        guard seen >= slow else { return .nan }
        return Double(Int64(slow) * fastSum - Int64(fast) * slowSum)
    }
}
