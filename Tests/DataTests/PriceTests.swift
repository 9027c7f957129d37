import Data
import Testing

@Suite("Prices in ticks, money in cents")
struct PriceTests {
    @Test("tick sizes parse exactly and normalise trailing zeros")
    func tickSizes() throws {
        let es = try #require(TickSize("0.25"))
        #expect(es.units == 25 && es.scale == 2)
        let fx = try #require(TickSize("0.00005"))
        #expect(fx.units == 5 && fx.scale == 5)
        #expect(TickSize("1.00") == TickSize("1"))
        #expect(TickSize("0.10") == TickSize("0.1"))
        #expect(TickSize("0") == nil)
        #expect(TickSize("-0.25") == nil)
        #expect(TickSize("abc") == nil)
    }

    @Test("decimal text converts to whole ticks or is refused off the grid",
          arguments: [
            ("0.25", "2535.75", Int64(10143)), ("0.25", "-1.25", -5), ("0.00005", "1.10760", 22152),
            ("0.1", "2045.3", 20453), ("1", "35000", 35000), ("1", "35000.00", 35000), ("0.01", "72.5", 7250),
          ])
    func onGrid(tick: String, text: String, expected: Int64) throws {
        let t = try #require(TickSize(tick))
        #expect(t.ticks(text) == expected)
        #expect(t.ticks(t.format(Price(ticks: expected))) == expected)
    }

    @Test("off-grid prices are refused, or rounded to the nearest tick when asked")
    func offGrid() throws {
        let t = try #require(TickSize("0.25"))
        #expect(t.ticks("2535.13") == nil)
        #expect(t.ticks("2535.13", policy: .roundToNearest) == 10141)   // 2535.25 is nearer than 2535.00
        #expect(t.ticks("25355.13", policy: .roundToNearest) == 101421) // the seed's example → 25355.25
        #expect(t.ticks("25299.87", policy: .roundToNearest) == 101199) // → 25299.75
        #expect(t.ticks("-0.125", policy: .roundToNearest) == -1)       // halves away from zero
        #expect(t.ticks("1.x") == nil)
        #expect(t.ticks("") == nil)
        #expect(t.ticks(".") == nil)
    }

    @Test("prices format with the contract's decimals")
    func formatting() throws {
        let t = try #require(TickSize("0.25"))
        #expect(t.format(Price(ticks: 10143)) == "2535.75")
        #expect(t.format(Price(ticks: -5)) == "-1.25")
        #expect(t.format(Price(ticks: 4), decimals: 4) == "1.0000")
        let one = try #require(TickSize("1"))
        #expect(one.format(Price(ticks: 35000)) == "35000")
        #expect(one.format(Price(ticks: 35000), decimals: 2) == "35000.00")
    }

    @Test("money is exact to the cent")
    func money() throws {
        #expect(Money("12.5") == Money(cents: 1250))
        #expect(Money("-3.78") == Money(cents: -378))
        #expect(Money("0.001") == nil)
        #expect(Money(cents: -1012750).description == "-10127.50")
        #expect(Money(cents: 5).description == "0.05")
        let es = try ContractRegistry.builtIn.spec(for: "ES")
        // A full 20-tick stop on one ES contract, less a $2.50-a-side commission: −$255.00.
        #expect((es.value(ofTicks: -20) - Money(cents: 500)).description == "-255.00")
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test("FIPS 180-4 test vectors")
    func vectors() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
