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
    // per bar) and the two running sums, in ticks.
    private let ring: UnsafeMutablePointer<Int64>
    private var head = 0
    private var seen = 0
    private var fastSum: Int64 = 0
    private var slowSum: Int64 = 0
    private var previousD: Int64 = 0
    private var hasPrevious = false
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
        let p = parameters
        let c = bar.close.ticks
        // Running sums: add the new close, drop the ones leaving each window.
        let slowOut = ring[head]
        let fastOutIndex = head - p.fast + p.slow
        let fastOut = ring[fastOutIndex >= p.slow ? fastOutIndex - p.slow : fastOutIndex]
        ring[head] = c
        head += 1
        if head == p.slow { head = 0 }
        seen += 1
        fastSum += c - (seen > p.fast ? fastOut : 0)
        slowSum += c - (seen > p.slow ? slowOut : 0)
        let occupied = inPosition || filledThisBar || entryPending
        filledThisBar = false
        guard seen >= p.slow else { return }
        let d = Int64(p.slow) * fastSum - Int64(p.fast) * slowSum
        defer { previousD = d; hasPrevious = true }
        guard hasPrevious, !occupied else { return }
        let side: OrderSide
        if d > 0 && previousD <= 0 { side = .buy } else if d < 0 && previousD >= 0 { side = .sell } else { return }
        entryPending = true
        let r = broker.place(OrderRequest(symbol: symbols[0], side: side, quantity: p.quantity, kind: .market, timeInForce: .gtc,
                                          bracket: Bracket(stopLoss: .ticks(p.stopTicks), takeProfit: .ticks(p.targetTicks))))
        if r.rejection != nil { entryPending = false }
    }
}
