/// The reference `sma-bracket` workload's parameters (../shared/reference/sma-bracket.md), for
/// the strategy and for the sweep kernel (`SweepKernel`).
public struct SMABracketParameters: Hashable, Sendable {
    public var fast: Int
    public var slow: Int
    /// Bracket distances from the entry fill, in ticks (both > 0).
    public var stopTicks: Int64
    public var targetTicks: Int64
    public var quantity: Int64
    public init(fast: Int = 10, slow: Int = 30, stopTicks: Int64 = 20, targetTicks: Int64 = 40, quantity: Int64 = 1) {
        self.fast = fast; self.slow = slow; self.stopTicks = stopTicks; self.targetTicks = targetTicks; self.quantity = quantity
    }
    /// 0 < fast < slow, and positive bracket distances and quantity.
    public var isValid: Bool { fast > 0 && fast < slow && stopTicks > 0 && targetTicks > 0 && quantity > 0 }
}
