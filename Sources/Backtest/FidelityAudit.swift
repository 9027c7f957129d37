import Data
import Trading

/// How far each intrabar path model can be trusted, measured on a run's own ambiguous bars.
///
/// A bar is ambiguous when two or more things could trade inside it (two orders, an order and a
/// bracket exit it would open, the risk stop). When such a bar is decided by finer data (its trade
/// prints, or finer bars that settle it without the path model), the exchange first plays the
/// bar under each path model on a copy of itself, then lets the finer data decide, and compares:
/// a model is wrong on the bar when the orders it fills differ from the ones the finer data fills,
/// or come in another order; it is right but at other prices when the same orders fill at another
/// price (a stop filled at a print beyond it, a limit the prints touched but did not go through).
///
/// The net P&L a model would have reported is the run on the bars alone under that model
/// (`BacktestJob` runs those), so a trader who has only bars sees both how often the model
/// errs and what it does to the bottom line.
public struct FidelityAudit: Codable, Hashable, Sendable {
    public struct Score: Codable, Hashable, Sendable {
        /// `nearest`, `worst`, `best` or `stop-first`.
        public var model: String
        /// Audited bars on which the model filled other orders, or the same in another order.
        public var wrong: Int
        /// Audited bars on which it filled the same orders in the same order, at another price.
        public var otherPrices: Int
        /// The net P&L of the same run on the bars alone under this model (dollars as text; absent
        /// until the job has run it).
        public var netPnlUsd: String?
    }

    /// One ambiguous bar on which a model and the finer data disagreed, for a trader to look at.
    public struct Disagreement: Codable, Hashable, Sendable {
        /// The bar's time (UTC, ISO 8601).
        public var bar: String
        public var model: String
        /// The fills, as "#7 sell 1 @ 2712.50", the finer data made and the model would have made.
        public var actual: [String]
        public var modelled: [String]
    }

    /// Ambiguous bars decided by their trade prints, and by finer bars.
    public var barsByPrints = 0
    public var barsByFinerBars = 0
    /// Ambiguous bars whose finer bars were themselves ambiguous (the path model decided inside
    /// them): nothing to measure against, so not audited.
    public var barsNotSettled = 0
    /// One score per path model, in `PathModel.allCases` order.
    public var scores: [Score] = PathModel.allCases.map { Score(model: $0.rawValue, wrong: 0, otherPrices: 0) }
    /// The first disagreements of the run (at most `disagreementsKept`).
    public var disagreements: [Disagreement] = []
    /// The net P&L of the run itself, finer data deciding (dollars as text; set by the job).
    public var netPnlUsd: String?

    public static let disagreementsKept = 40

    public init() {}

    /// The bars measured against.
    public var audited: Int { barsByPrints + barsByFinerBars }

    /// Wrong bars ÷ audited bars for `model`; nil when no bar was audited.
    public func errorRate(_ model: PathModel) -> Double? {
        guard audited > 0, let s = scores.first(where: { $0.model == model.rawValue }) else { return nil }
        return Double(s.wrong) / Double(audited)
    }

    /// One fill as the audit compares it: the order, its quantity and price.
    struct FillKey: Hashable {
        var order: OrderID
        var side: OrderSide
        var quantity: Int64
        var price: Int64
    }

    /// Scores one audited bar: `actual` are the fills the finer data made, `trials[m]` those path
    /// model `m` would have made.
    mutating func record(bar: Timestamp, byPrints: Bool, actual: [FillKey], trials: [[FillKey]], tickSize: TickSize) {
        if byPrints { barsByPrints += 1 } else { barsByFinerBars += 1 }
        func text(_ f: FillKey) -> String {
            "#\(f.order.raw) \(f.side == .buy ? "buy" : "sell") \(f.quantity) @ \(tickSize.format(Price(ticks: f.price)))"
        }
        for (m, trial) in trials.enumerated() {
            let sameOrders = trial.map { ($0.order, $0.quantity) }.elementsEqual(actual.map { ($0.order, $0.quantity) }, by: ==)
            if !sameOrders {
                scores[m].wrong += 1
                if disagreements.count < Self.disagreementsKept {
                    disagreements.append(Disagreement(bar: bar.description, model: scores[m].model,
                                                      actual: actual.map(text), modelled: trial.map(text)))
                }
            } else if trial != actual {
                scores[m].otherPrices += 1
            }
        }
    }
}
