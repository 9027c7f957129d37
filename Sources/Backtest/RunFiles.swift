import Data
import Trading

/// CSV renderings of a run, in the formats the reference workload and the reports read.
public enum RunCSV {
    /// An average price: the contract's usual decimals when it is a whole number of ticks,
    /// otherwise enough digits to be exact to a hundredth of a tick.
    public static func price(_ ticks: Double, _ spec: ContractSpec) -> String {
        if ticks == ticks.rounded() { return spec.format(Price(ticks: Int64(ticks))) }
        let v = ticks * spec.tickSize.value
        return String(format: "%.\(spec.priceDecimals + 2)f", v)
    }

    /// `trades.csv`: the reference columns
    /// `side,entry_time,entry_price,exit_time,exit_price,exit_reason,pnl_usd`, then
    /// `quantity,gross_usd,fees_usd,mae_ticks,mfe_ticks,strategy,symbol`.
    public static func trades(_ trades: [Trade], spec: (String) -> ContractSpec?) -> String {
        var out = "side,entry_time,entry_price,exit_time,exit_price,exit_reason,pnl_usd,quantity,gross_usd,fees_usd,mae_ticks,mfe_ticks,strategy,symbol\n"
        out.reserveCapacity(trades.count * 140)
        for t in trades {
            guard let s = spec(t.symbol) else { continue }
            let gross = t.pnl + t.fees
            out += "\(t.side == .buy ? "long" : "short"),\(t.entryTime),\(price(t.entryPriceTicks, s)),\(t.exitTime),"
            out += "\(price(t.exitPriceTicks, s)),\(t.exitReason),\(t.pnl),\(t.quantity),\(gross),\(t.fees),"
            out += "\(t.maeTicks),\(t.mfeTicks),\(t.strategy ?? ""),\(t.symbol)\n"
        }
        return out
    }

    /// `fills.csv`: `time,symbol,side,quantity,price,fee_usd,order_id,purpose,resolution`.
    public static func fills(_ fills: [Fill], spec: (String) -> ContractSpec?) -> String {
        var out = "time,symbol,side,quantity,price,fee_usd,order_id,purpose,resolution\n"
        for f in fills {
            guard let s = spec(f.symbol) else { continue }
            out += "\(f.time),\(f.symbol),\(f.side == .buy ? "buy" : "sell"),\(f.quantity),\(s.format(f.price)),\(f.fee),\(f.orderID.raw),\(f.purpose),\(f.resolution)\n"
        }
        return out
    }

    /// `equity.csv`: `time,trade_date,balance_usd,equity_usd` at each session's end.
    public static func equity(_ points: [EquityPoint]) -> String {
        var out = "time,trade_date,balance_usd,equity_usd\n"
        for p in points { out += "\(p.time),\(p.tradeDate),\(p.balance),\(p.equity)\n" }
        return out
    }
}
