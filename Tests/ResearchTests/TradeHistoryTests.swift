import Data
import Research
import Testing

@Suite("Trade history from a trades.csv")
struct TradeHistoryTests {
    @Test("MAE/MFE in ticks are priced by the symbol, the entry fee comes first, exits group by CME trade date")
    func parsesRunTrades() throws {
        let csv = """
            side,entry_time,entry_price,exit_time,exit_price,exit_reason,pnl_usd,quantity,gross_usd,fees_usd,mae_ticks,mfe_ticks,strategy,symbol
            long,2024-04-01T14:00:00Z,5100.00,2024-04-01T15:00:00Z,5105.00,target,492.44,2,500.00,7.56,8,24,sma,ES
            short,2024-04-01T21:30:00Z,5100.00,2024-04-01T22:30:00Z,5102.00,stop,-103.78,1,-100.00,3.78,10,2,sma,ES
            """
        let trades = try TradeHistory.parse(csv: csv, source: "t.csv")
        #expect(trades.count == 2)
        #expect(trades[0].tradeDate == TradeDate(year: 2024, month: 4, day: 1))
        // 22:30 UTC is 17:30 CT: the next trade date.
        #expect(trades[1].tradeDate == TradeDate(year: 2024, month: 4, day: 2))
        #expect(abs(trades[0].low - (-8 * 12.5 * 2 - 3.78)) < 1e-9 && abs(trades[0].high - (24 * 12.5 * 2 - 3.78)) < 1e-9)
        #expect(abs(trades[1].low - (-125 - 1.89)) < 1e-9 && trades[1].high == 25 - 1.89)
        let h = TradeHistory(trades: trades, sessions: [TradeDate(year: 2024, month: 4, day: 3)])
        #expect(h.dayCount == 3 && h.tradeCount == 2 && h.dayFirstTrade == [0, 1, 2, 2] && h.dayPnl == [492.44, -103.78, 0])
    }

    @Test("a bad value is named by file, line and column")
    func errors() {
        #expect(throws: DataError.badInput(file: "t.csv", line: 2, field: "exit_time", reason: "'yesterday' is not an ISO-8601 time or epoch seconds")) {
            try TradeHistory.parse(csv: "exit_time,pnl\nyesterday,5\n", source: "t.csv")
        }
        #expect(throws: DataError.badInput(file: "t.csv", line: 3, field: "symbol", reason: "unknown symbol 'ZZ': no contract specification to price mae_ticks (give mae_usd/mfe_usd instead)")) {
            try TradeHistory.parse(csv: "exit_time,pnl_usd,mae_ticks,mfe_ticks,symbol\n2024-04-01T15:00:00Z,5,1,1,ES\n2024-04-01T15:00:00Z,5,1,1,ZZ\n", source: "t.csv")
        }
        #expect(throws: DataError.badInput(file: "t.csv", line: 2, field: nil, reason: "1 fields where the header has 2")) {
            try TradeHistory.parse(csv: "exit_time,pnl\n2024-04-01T15:00:00Z\n", source: "t.csv")
        }
    }
}
