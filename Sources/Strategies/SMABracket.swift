import Data
import Trading

/// The reference workload `sma-bracket` (shared reference `sma-bracket.md`): an SMA cross
/// entered at the next bar's open with a fixed bracket, one position at a time, so tsxlab can be
/// compared trade by trade and in speed with Python backtesters.
///
/// Signals use the integer `D(i) = slow·F(i) − fast·S(i)` of running tick sums (no floating
/// point, so ties are exact): long when `D(i) > 0 ≥ D(i−1)`, short when `D(i) < 0 ≤ D(i−1)`. A
/// signal counts only if no position was held at any moment of its bar (the "occupied bar"
/// rule); it enters with a good-till-cancelled market order and a bracket of `stopTicks` /
/// `targetTicks` from the fill. Run it with the `stopFirst` path model and sessions ignored to
/// reproduce the reference exactly.
public final class SMABracket: Strategy {
    public typealias Parameters = SMABracketParameters

    public let name = "sma_bracket"
    public let symbols: [String]
    public let parameters: Parameters

    // Ring buffer of the last `slow` closes (owned here, freed in deinit: no copy-on-write check
    // per bar), zero-filled so the closes leaving the windows read 0 during the warm-up, and the
    // two running sums, in ticks.
    @usableFromInline let ring: UnsafeMutablePointer<Int64>
    @usableFromInline let fast: Int64
    @usableFromInline let slow: Int64
    /// Where the next close goes (the slow window's oldest close) and the fast window's oldest.
    @usableFromInline var head = 0
    @usableFromInline var fastTail: Int
    /// Bars still to see before `D` exists (it first does on bar `slow − 1`).
    @usableFromInline var warmup: Int
    @usableFromInline var fastSum: Int64 = 0
    @usableFromInline var slowSum: Int64 = 0
    @usableFromInline var previousD: Int64 = 0
    // Occupied-bar bookkeeping.
    @usableFromInline var inPosition = false
    @usableFromInline var filledThisBar = false
    @usableFromInline var entryPending = false

    public init(symbol: String, parameters: Parameters = Parameters()) {
        precondition(parameters.fast > 0 && parameters.fast < parameters.slow, "0 < fast < slow")
        self.symbols = [symbol]
        self.parameters = parameters
        ring = .allocate(capacity: parameters.slow)
        ring.initialize(repeating: 0, count: parameters.slow)
        fast = Int64(parameters.fast)
        slow = Int64(parameters.slow)
        fastTail = parameters.slow - parameters.fast
        warmup = parameters.slow
    }

    deinit { ring.deallocate() }

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

    /// Inlinable so the engine's bar loop, specialised for this strategy, runs the running sums
    /// in place; placing the entry is a separate call (it happens a few thousand times a run).
    @inlinable @inline(__always)
    public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
        let c = bar.close.ticks
        // Running sums: add the new close, drop the ones leaving each window (0 while warming up).
        // Wrapping arithmetic: sums of tick prices over at most 10,000 bars cannot overflow, and
        // the hot path then carries no overflow traps.
        let slowOut = ring[head], fastOut = ring[fastTail]
        ring[head] = c
        head = head &+ 1 == Int(slow) ? 0 : head &+ 1
        fastTail = fastTail &+ 1 == Int(slow) ? 0 : fastTail &+ 1
        fastSum = fastSum &+ (c &- fastOut)
        slowSum = slowSum &+ (c &- slowOut)
        let occupied = inPosition || filledThisBar || entryPending
        filledThisBar = false
        if warmup != 0 {
            warmup -= 1
            if warmup == 0 { previousD = slow &* fastSum &- fast &* slowSum }
            return
        }
        let d = slow &* fastSum &- fast &* slowSum
        let previous = previousD
        previousD = d
        guard !occupied else { return }
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
