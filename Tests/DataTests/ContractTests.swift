import Data
import Testing

@Suite("Contract specifications and ids")
struct ContractTests {
    static let required = ["MNQ", "MES", "MYM", "M2K", "MGC", "MCL", "NQ", "ES", "YM", "RTY", "GC", "CL"]

    @Test("every required product has a spec whose point value is tick value ÷ tick size", arguments: required)
    func specs(symbol: String) throws {
        let s = try ContractRegistry.builtIn.spec(for: symbol)
        #expect(s.tickValue.cents > 0)
        #expect(abs(s.pointValue * s.tickSize.value - s.tickValue.dollars) < 1e-9)
        #expect(s.feeRoundTurn.cents > 0 && s.feeRoundTurn.cents % 2 == 0, "round-turn fee splits evenly per side")
        #expect(!s.source.isEmpty)
    }

    @Test("known CME multipliers: the table agrees with the exchange's contract sizes")
    func multipliers() throws {
        let r = ContractRegistry.builtIn
        let expected: [String: Double] = ["ES": 50, "MES": 5, "NQ": 20, "MNQ": 2, "YM": 5, "MYM": 0.5,
                                          "RTY": 50, "M2K": 5, "GC": 100, "MGC": 10, "CL": 1000, "MCL": 100]
        for (sym, mult) in expected {
            #expect(abs(try r.spec(for: sym).pointValue - mult) < 1e-9, "\(sym)")
        }
    }

    @Test("unknown symbols are refused with the list of known ones")
    func unknown() {
        #expect(throws: DataError.self) { try ContractRegistry.builtIn.spec(for: "ZZZ") }
        do {
            _ = try ContractRegistry.builtIn.spec(for: "ZZZ")
        } catch let e as DataError {
            #expect(e.exitCode == 65)
            #expect(e.description.contains("ZZZ") && e.description.contains("MNQ"))
        } catch { Issue.record("wrong error \(error)") }
    }

    @Test("dated contract codes resolve to their product's spec")
    func datedSymbols() throws {
        #expect(try ContractRegistry.builtIn.spec(for: "ESZ13").symbol == "ES")
        #expect(try ContractRegistry.builtIn.spec(for: "MNQH25").symbol == "MNQ")
    }

    @Test("ProjectX contract ids parse and format both ways")
    func projectXIDs() throws {
        let mnq = try #require(ContractID(projectX: "CON.F.US.MNQ.Z25"))
        #expect(mnq == ContractID(symbol: "MNQ", year: 2025, month: 12))
        #expect(mnq.projectXID() == "CON.F.US.MNQ.Z25")
        let es = try #require(ContractID(projectX: "CON.F.US.EP.M25"))
        #expect(es.symbol == "ES" && es.month == 6 && es.year == 2025)
        #expect(es.projectXID() == "CON.F.US.EP.M25")
        #expect(ContractID(projectX: "CON.F.US.ENQ.H25")?.symbol == "NQ")
        #expect(ContractID(projectX: "CON.F.US.MNQ.M5", referenceYear: 2025)?.year == 2025)
        #expect(ContractID(projectX: "CON.F.US.MNQ.A25") == nil)
        #expect(ContractID(projectX: "MNQZ25") == nil)
        #expect(ContractID(cme: "ESZ13") == ContractID(symbol: "ES", year: 2013, month: 12))
        #expect(ContractID(cme: "ESH4", referenceYear: 2024)?.year == 2024)
        #expect(ContractID(symbol: "ES", year: 2014, month: 3).cmeCode == "ESH14")
    }

    @Test("month codes run F…Z")
    func monthCodes() {
        #expect(MonthCode.letters.map { String($0) }.joined() == "FGHJKMNQUVXZ")
        for m in 1...12 { #expect(MonthCode.month(MonthCode.letter(m)) == m) }
    }

    @Test("quarterly roll dates: the Thursday eight days before the third-Friday expiry")
    func rollDates() {
        let z13 = ContractID(symbol: "ES", year: 2013, month: 12)
        #expect(z13.expirationDate == CivilTime(year: 2013, month: 12, day: 20))
        #expect(z13.rollDate == CivilTime(year: 2013, month: 12, day: 12))
        #expect(ContractID(symbol: "ES", year: 2018, month: 6).rollDate == CivilTime(year: 2018, month: 6, day: 7))
        #expect(ContractID(symbol: "MNQ", year: 2025, month: 12).expirationDate == CivilTime(year: 2025, month: 12, day: 19))
        #expect(ContractID.front(symbol: "ES", on: CivilTime(year: 2013, month: 12, day: 11)).cmeCode == "ESZ13")
        #expect(ContractID.front(symbol: "ES", on: CivilTime(year: 2013, month: 12, day: 12)).cmeCode == "ESH14")
        #expect(ContractID.front(symbol: "ES", on: CivilTime(year: 2018, month: 5, day: 7)).cmeCode == "ESM18")
    }

    @Test("a user contracts file adds products and names the line of a bad row")
    func userTable() throws {
        var r = ContractRegistry.builtIn
        try r.merge(csv: """
            symbol,name,projectx_root,exchange,tick_size,tick_value_usd,fee_round_turn_usd,price_decimals,months,mini_equivalent,source
            QQQ,Invesco QQQ,,NASDAQ,0.0001,0.01,0.00,4,FGHJKMNQUVXZ,1,test
            """, source: "extra.csv")
        #expect(try r.spec(for: "qqq").tickSize == TickSize("0.0001"))
        #expect(throws: DataError.badInput(file: "extra.csv", line: 2, field: "tick_size", reason: "'zero' is not a positive decimal")) {
            try r.merge(csv: """
                symbol,name,projectx_root,exchange,tick_size,tick_value_usd,fee_round_turn_usd,price_decimals,months,mini_equivalent,source
                XX,x,,X,zero,1,1,2,H,1,t
                """, source: "extra.csv")
        }
    }
}

@Suite("Timeframes and timestamps")
struct TimeframeTests {
    @Test("every documented timeframe parses, prints back and maps to ProjectX units")
    func standard() throws {
        let names = ["1s", "5s", "15s", "30s", "1m", "2m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "1d", "1w", "1M"]
        #expect(Timeframe.standard.map(\.description) == names)
        for n in names {
            let tf = try #require(Timeframe(n))
            #expect(tf.description == n)
            let px = tf.projectXUnit
            #expect(Timeframe(projectXUnit: px.unit, unitNumber: px.unitNumber) == tf)
        }
        #expect(Timeframe("1s")?.projectXUnit.unit == 1)
        #expect(Timeframe("5m")?.projectXUnit.unit == 2)
        #expect(Timeframe("4h")?.projectXUnit.unit == 3)
        #expect(Timeframe("1d")?.projectXUnit.unit == 4)
        #expect(Timeframe("1w")?.projectXUnit.unit == 5)
        #expect(Timeframe("1M")?.projectXUnit.unit == 6)
        #expect(Timeframe("0m") == nil)
        #expect(Timeframe("5x") == nil)
        #expect(Timeframe("1m")! < Timeframe("1h")!)
        #expect(Timeframe("1h")!.isMultiple(of: Timeframe("1m")!))
        #expect(!Timeframe("1m")!.isMultiple(of: Timeframe("1h")!))
    }

    @Test("ISO-8601 variants parse to the same instant")
    func iso() throws {
        let t = Timestamp(year: 2019, month: 1, day: 1, hour: 23)
        #expect(Timestamp(iso8601: "2019-01-01T23:00:00Z") == t)
        #expect(Timestamp(iso8601: "2019-01-01 23:00:00") == t)
        #expect(Timestamp(iso8601: "2019-01-01T18:00:00-05:00") == t)
        #expect(Timestamp(iso8601: "2019-01-02T00:00+0100") == t)
        #expect(Timestamp(iso8601: "2019-01-01T23:00") == t)
        #expect(Timestamp(iso8601: "2019-02-30T00:00:00Z") == nil)
        #expect(Timestamp(iso8601: "2019-01-01T24:00:00Z") == nil)
        #expect(Timestamp(iso8601: "yesterday") == nil)
        #expect(t.iso8601 == "2019-01-01T23:00:00Z")
        #expect(CivilTime(utcSeconds: -1).isoString == "1969-12-31T23:59:59")
        #expect(CivilTime(year: 2026, month: 11, day: 25).weekday == 3)
    }
}
