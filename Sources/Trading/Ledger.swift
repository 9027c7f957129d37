import Data

/// A round trip: from flat to flat (or to a reversal) in one contract. Scaling in and out is one
/// trade; its prices are the averages of the entry and exit fills and its P&L is exact (FIFO).
public struct Trade: Hashable, Sendable {
    public var symbol: String
    /// `.buy` for a long trade, `.sell` for a short one.
    public var side: OrderSide
    /// Contracts entered over the trade.
    public var quantity: Int64
    public var entryTime: Timestamp
    public var exitTime: Timestamp
    /// Average entry and exit prices in (possibly fractional) ticks.
    public var entryPriceTicks: Double
    public var exitPriceTicks: Double
    public var exitReason: String
    /// Realised P&L in ticks × contracts, before fees.
    public var grossTicks: Int64
    public var fees: Money
    /// Net P&L: gross in currency less fees.
    public var pnl: Money
    /// Largest adverse and favourable excursion from the average entry, in ticks (≥ 0).
    public var maeTicks: Int64
    public var mfeTicks: Int64
    /// The strategy that opened it, when known.
    public var strategy: String?

    public init(symbol: String, side: OrderSide, quantity: Int64, entryTime: Timestamp, exitTime: Timestamp,
                entryPriceTicks: Double, exitPriceTicks: Double, exitReason: String, grossTicks: Int64, fees: Money,
                pnl: Money, maeTicks: Int64, mfeTicks: Int64, strategy: String?) {
        self.symbol = symbol; self.side = side; self.quantity = quantity; self.entryTime = entryTime; self.exitTime = exitTime
        self.entryPriceTicks = entryPriceTicks; self.exitPriceTicks = exitPriceTicks; self.exitReason = exitReason
        self.grossTicks = grossTicks; self.fees = fees; self.pnl = pnl; self.maeTicks = maeTicks; self.mfeTicks = mfeTicks
        self.strategy = strategy
    }
}

/// A contract's fee and value schedule as the ledger needs it.
public struct Instrument: Sendable, Hashable {
    public var spec: ContractSpec
    /// Fee per contract per side (defaults to half the spec's round-turn fee).
    public var feePerSide: Money
    public init(spec: ContractSpec, feePerSide: Money? = nil) {
        self.spec = spec
        self.feePerSide = feePerSide ?? spec.feePerSide
    }
    @inlinable public var symbol: String { spec.symbol }
    @inlinable public var tickValueCents: Int64 { spec.tickValue.cents }
}

/// Cash, positions, fills and round-trip trades of one account. Cash moves only by fills:
/// balance = starting balance + Σ realised P&L − Σ fees, always (tests check it).
public struct Ledger: Sendable {
    struct OpenTrade: Sendable {
        var side: OrderSide
        var entered: Int64 = 0
        var entryCost: Int64 = 0
        var exited: Int64 = 0
        var exitCost: Int64 = 0
        var realizedTicks: Int64 = 0
        var fees: Money = .zero
        var entryTime: Timestamp
        var best: Int64
        var worst: Int64
        var strategy: String?
        var symbol: String

        mutating func widen(high: Int64, low: Int64) {
            if side == .buy { best = max(best, high); worst = min(worst, low) }
            else { best = min(best, low); worst = max(worst, high) }
        }
    }

    public let startingBalance: Money
    public private(set) var balance: Money
    public private(set) var feesPaid: Money = .zero
    public private(set) var realizedGross: Money = .zero
    public private(set) var positions: [String: Position] = [:]
    public private(set) var fills: [Fill] = []
    public private(set) var trades: [Trade] = []
    /// The open round trips, one per symbol at most. An account trades a handful of symbols, so
    /// these and `slots` are searched by comparing strings, never by hashing one (a hash per
    /// fill cost more than the rest of the bookkeeping).
    private var open: [OpenTrade] = []
    /// Where each symbol's position sits in `positions` (valid until a symbol is added).
    private var slots: [(symbol: String, index: Dictionary<String, Position>.Index)] = []

    public init(startingBalance: Money) {
        self.startingBalance = startingBalance
        self.balance = startingBalance
    }

    public func position(_ symbol: String) -> Position {
        if let k = slot(symbol) { return positions.values[k] }
        return Position(symbol: symbol)
    }

    private func slot(_ symbol: String) -> Dictionary<String, Position>.Index? {
        for s in slots where s.symbol == symbol { return s.index }
        return nil
    }

    /// The slot of `symbol`'s position, added (flat) when the ledger has none yet. Adding a key
    /// may move every entry of the dictionary, so the slots are taken afresh then.
    private mutating func slotAdding(_ symbol: String) -> Dictionary<String, Position>.Index {
        if let k = slot(symbol) { return k }
        positions[symbol] = Position(symbol: symbol)
        slots = positions.indices.map { (positions.keys[$0], $0) }
        return slot(symbol)!
    }

    /// Records a fill: moves the position (FIFO), books realised P&L and the fee, and closes or
    /// opens round-trip trades. Returns the realised P&L in currency (before the fee).
    @discardableResult
    public mutating func record(_ fill: Fill, instrument: Instrument, strategy: String? = nil) -> Money {
        record(fill, tickValueCents: instrument.tickValueCents, strategy: strategy)
    }

    /// `record(_:instrument:strategy:)` with only the contract's tick value in cents (no copy of
    /// its specification per fill).
    @discardableResult
    public mutating func record(_ fill: Fill, tickValueCents: Int64, strategy: String? = nil) -> Money {
        // Mutated in place in the dictionary (no copy of the position's lots).
        let k = slotAdding(fill.symbol)
        let (realizedTicks, closed, before, after) = Self.apply(fill, to: &positions.values[k])
        let realized = Money(cents: realizedTicks * tickValueCents)
        balance += realized - fill.fee
        realizedGross += realized
        feesPaid += fill.fee
        fills.append(fill)

        // Round trips. The fee of a fill that both closes and opens is split by quantity.
        let opened = fill.quantity - closed
        let feePerContract = fill.fee.cents / max(fill.quantity, 1)
        let closingFee = Money(cents: feePerContract * closed)
        let openingFee = fill.fee - closingFee
        if closed > 0, let k = open.firstIndex(where: { $0.symbol == fill.symbol }) {
            var t = open[k]
            t.exited += closed
            t.exitCost += closed * fill.price.ticks
            t.realizedTicks += realizedTicks
            t.fees += closingFee
            t.widen(high: fill.price.ticks, low: fill.price.ticks)
            if after == 0 || (before > 0) != (after > 0) {
                trades.append(Self.close(t, symbol: fill.symbol, at: fill.time, reason: fill.purpose.reason, tickValue: tickValueCents))
                open.remove(at: k)
            } else {
                open[k] = t
            }
        }
        if opened > 0 {
            if let k = open.firstIndex(where: { $0.symbol == fill.symbol }) {
                open[k].entered += opened
                open[k].entryCost += opened * fill.price.ticks
                open[k].fees += openingFee
            } else {
                var t = OpenTrade(side: fill.side, entryTime: fill.time, best: fill.price.ticks, worst: fill.price.ticks,
                                  strategy: strategy, symbol: fill.symbol)
                t.entered = opened
                t.entryCost = opened * fill.price.ticks
                t.fees = openingFee
                open.append(t)
            }
        }
        return realized
    }

    private static func apply(_ fill: Fill, to pos: inout Position) -> (realizedTicks: Int64, closed: Int64, before: Int64, after: Int64) {
        let before = pos.quantity
        let (realizedTicks, closed) = pos.apply(side: fill.side, quantity: fill.quantity, price: fill.price, time: fill.time)
        return (realizedTicks, closed, before, pos.quantity)
    }

    private static func close(_ t: OpenTrade, symbol: String, at time: Timestamp, reason: String, tickValue: Int64) -> Trade {
        let entry = Double(t.entryCost) / Double(t.entered)
        let exit = Double(t.exitCost) / Double(max(t.exited, 1))
        let s = t.side.sign
        let mae = max(0, Int64((Double(s) * (entry - Double(t.worst))).rounded(.up)))
        let mfe = max(0, Int64((Double(s) * (Double(t.best) - entry)).rounded(.down)))
        return Trade(symbol: symbol, side: t.side, quantity: t.entered, entryTime: t.entryTime, exitTime: time,
                     entryPriceTicks: entry, exitPriceTicks: exit, exitReason: reason, grossTicks: t.realizedTicks,
                     fees: t.fees, pnl: Money(cents: t.realizedTicks * tickValue) - t.fees,
                     maeTicks: mae, mfeTicks: mfe, strategy: t.strategy)
    }

    /// Widens the open trade's excursion with prices the market traded while it was open.
    public mutating func markExcursion(_ symbol: String, high: Int64, low: Int64) {
        if let k = open.firstIndex(where: { $0.symbol == symbol }) { open[k].widen(high: high, low: low) }
    }
}
