import Data
import Trading

extension RunSummary {
    /// Combine attempts on history as the summary, `--json`, `run.json` and the report show them.
    /// Amounts are dollars as text (like the summary's other amounts), dates are trade dates.
    public struct Attempts: Codable, Hashable, Sendable {
        public struct Attempt: Codable, Hashable, Sendable {
            public var number: Int
            public var start: String
            public var end: String
            /// `passed`, `failed` or `open` (still running when the data ended).
            public var outcome: String
            public var days: Int
            public var tradingDays: Int
            public var pnlUsd: String
            public var bestDayUsd: String
            /// Best day ÷ total profit, when the attempt made money.
            public var bestDayShare: Double?
            public var requiredProfitUsd: String?
            public var detail: String
        }

        public var list: [Attempt]
        public var passed: Int
        public var failed: Int
        /// Passed ÷ (passed + failed); null before an attempt ended.
        public var passRate: Double?
        /// Median trade dates of the passed attempts; null without a pass.
        public var medianDaysToPass: Double?
        /// Every failure is a reset; the fees at the rules' reset price (null when it has none).
        public var resets: Int
        public var resetPriceUsd: String?
        public var resetFeesUsd: String?

        public init(_ book: CombineAttempts) {
            list = book.attempts.map {
                Attempt(number: $0.number, start: $0.start.description, end: $0.end.description, outcome: $0.outcome.rawValue,
                        days: $0.days, tradingDays: $0.tradingDays, pnlUsd: $0.pnl.description, bestDayUsd: $0.bestDay.description,
                        bestDayShare: $0.bestDayShare, requiredProfitUsd: $0.requiredProfit?.description, detail: $0.detail)
            }
            passed = book.passed
            failed = book.failed
            passRate = book.passRate
            medianDaysToPass = book.medianDaysToPass
            resets = book.resets
            resetPriceUsd = book.resetPrice?.description
            resetFeesUsd = book.resetFees?.description
        }
    }
}
