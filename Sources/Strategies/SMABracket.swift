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
    public struct Parameters: Hashable, Sendable {
        public var fast: Int
        public var slow: Int
        public var stopTicks: Int64
        public var targetTicks: Int64
        public var quantity: Int64
        public init(fast: Int = 10, slow: Int = 30, stopTicks: Int64 = 20, targetTicks: Int64 = 40, quantity: Int64 = 1) {
            self.fast = fast; self.slow = slow; self.stopTicks = stopTicks; self.targetTicks = targetTicks; self.quantity = quantity
        }
    }

    public let name = "sma_bracket"
    public let symbols: [String]
    public let parameters: Parameters

    // Ring buffer of the last `slow` closes (owned here, freed in deinit: no copy-on-write check
    // per bar), zero-filled so the closes leaving the windows read 0 during the warm-up, and the
    // two running sums, in ticks.
    private let ring: UnsafeMutablePointer<Int64>
    private let fast: Int64
    private let slow: Int64
    /// Where the next close goes (the slow window's oldest close) and the fast window's oldest.
    private var head = 0
    private var fastTail: Int
    /// Bars still to see before `D` exists (it first does on bar `slow − 1`).
    private var warmup: Int
    private var fastSum: Int64 = 0
    private var slowSum: Int64 = 0
    private var previousD: Int64 = 0
    // Occupied-bar bookkeeping.
    private var inPosition = false
    private var filledThisBar = false
    private var entryPending = false

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
        let side: OrderSide
        if d > 0 && previous <= 0 { side = .buy } else if d < 0 && previous >= 0 { side = .sell } else { return }
        entryPending = true
        let p = parameters
        let r = broker.place(OrderRequest(symbol: symbols[0], side: side, quantity: p.quantity, kind: .market, timeInForce: .gtc,
                                          bracket: Bracket(stopLoss: .ticks(p.stopTicks), takeProfit: .ticks(p.targetTicks))))
        if r.rejection != nil { entryPending = false }
    }
}
