import Data
import Trading

/// Combine attempts on history (`ExchangeConfig.attempts`): at each trade day's start the day that
/// ended is judged (`CombineAttempts`); an attempt that passed or failed is recorded and a fresh
/// account opens for the new day. Nothing here runs per bar.
extension ExchangeCore {
    /// Judges the attempt on `endedDay` (the risk state has rolled it in); when it passed or
    /// failed, opens a fresh account for `newDay`: the risk state starts over from the ledger's
    /// balance (`RiskState.reopen`). True when a fresh account opened.
    mutating func judgeAttempt(endedDay: Int64, newDay: Int64) -> Bool {
        guard var book = attempts else { return false }
        defer { attempts = book }
        let traded = ledger.fills.count > fillsAtDayStart
        fillsAtDayStart = ledger.fills.count
        guard endedDay != Int64.min else { book.dayStarted(newDay); return false }
        guard book.dayEnded(endedDay, risk: risk, balance: ledger.balance, traded: traded, flat: isFlat) != nil else { return false }
        risk.reopen(at: ledger.balance, day: newDay)
        book.opened(day: newDay, balance: ledger.balance)
        return true
    }

    /// The data ended: records the last attempt (judged on the last day, or still open).
    public mutating func finishAttempts() {
        guard var book = attempts, tradeDay != Int64.min else { return }
        var rolled = risk
        rolled.startDay(tradeDay + 1, balance: ledger.balance)
        book.finish(tradeDay, risk: rolled, balance: ledger.balance, traded: ledger.fills.count > fillsAtDayStart, flat: isFlat)
        attempts = book
    }

    var isFlat: Bool { !sym.contains { $0.position != 0 } }
}
