import Foundation
import Testing
import Data
import ProjectX

/// `JSONValue.parse`, the hub readers' JSON reader, against Foundation's `JSONDecoder` (the
/// reference: what the Decodable form of `JSONValue` reads) on hand-picked and generated input.
@Suite("JSON values read straight from bytes")
struct JSONValueParserTests {
    /// What Foundation reads from `text` (nil where it refuses it).
    static func reference(_ text: Data) -> JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: text) }

    @Test("hand-picked values read as Foundation reads them: numbers exact, every escape, surrogate pairs, nesting, whitespace")
    func agreesOnExamples() throws {
        let examples = [
            #"{"type":1,"target":"GatewayTrade","arguments":["CON.F.US.EP.Z13",[{"symbolId":"F.US.EP","price":1680.25,"timestamp":"2013-10-07T12:01:00.000000+00:00","type":0,"volume":3}]]}"#,
            #"[0, -0, 1, -1, 0.5, 1e3, 1E-3, -2.5e+2, 12345678901234567890, 4321.1, 0.000001]"#,
            #"{"s":"a\"b\\c\/d\b\f\n\r\t", "u":"\u00e9\u4e2d\ud83d\ude00", "raw":"é中😀", "empty":""}"#,
            #"  {"a" : [ true , false , null , { } , [ ] ] }  "#,
            #"[[[[[[[[[["deep"]]]]]]]]]]"#,
            "\"top-level string\"", "17", "null", "true",
        ]
        for text in examples {
            let data = Data(text.utf8)
            let expected = try #require(Self.reference(data), "Foundation reads \(text)")
            #expect(try JSONValue.parse(data) == expected, "\(text)")
        }
        // Prices keep every digit: a Double would not.
        #expect(try JSONValue.parse(Data("4321.1".utf8)) == .number(Decimal(string: "4321.1")!))
    }

    @Test("generated values survive JSONEncoder → parse unchanged (2,000 trees, seeded)")
    func roundTrips() throws {
        var rng = SeededGenerator(seed: 20261203)
        func text(_ rng: inout SeededGenerator) -> String {
            let pieces = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "é", "中", "😀", "\u{7F}", "0"]
            return (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
        func tree(_ depth: Int, _ rng: inout SeededGenerator) -> JSONValue {
            switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &rng) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &rng))
            case 2:
                let ticks = Int64.random(in: -4_000_000...4_000_000, using: &rng)
                return .number(Decimal(ticks) / Decimal([1, 4, 100, 1000].randomElement(using: &rng)!))
            case 3: return .string(text(&rng))
            case 4: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in tree(depth + 1, &rng) })
            default:
                var o: [String: JSONValue] = [:]
                for _ in 0..<Int.random(in: 0...4, using: &rng) { o[text(&rng)] = tree(depth + 1, &rng) }
                return .object(o)
            }
        }
        for _ in 0..<2_000 {
            let v = tree(0, &rng)
            let data = try JSONEncoder().encode(v)
            let parsed = try JSONValue.parse(data)
            #expect(parsed == v, "\(String(decoding: data, as: UTF8.self))")
            if parsed != v { break }
        }
    }

    @Test("malformed and hostile input is refused with what was wrong and where (Foundation refuses it too, but for a trailing comma)")
    func refusesBadInput() throws {
        let cases: [(String, String, Int)] = [
            ("", "expected a value, found the end of input", 0),
            ("{\"a\":1,}", "expected a member name in quotes, found '}'", 7),
            ("[1 2]", "expected ',' or ']' in an array, found '2'", 3),
            ("{\"a\" 1}", "expected ':' after a member name, found '1'", 5),
            ("01", "a number may not start with 0", 0),
            ("1.", "expected a digit after '.'", 2),
            ("-", "expected a digit", 1),
            ("1e", "expected a digit in the exponent", 2),
            ("\"abc", "unterminated string", 0),
            ("\"a\u{01}\"", "control character in a string (escape it)", 2),
            ("\"\\x\"", "unknown escape '\\x' in a string", 1),
            ("\"\\ud83d\"", "lone surrogate \\ud83d in a string", 7),
            ("\"\\u12\"", "expected 4 hex digits after \\u", 3),
            ("tru", "expected 'true'", 0),
            ("{} {}", "unexpected '{' after the value", 3),
            ("[1,[2,", "expected a value, found the end of input", 6),
            ("{\"a\":[1}", "expected ',' or ']' in an array, found '}'", 7),
        ]
        for (text, reason, offset) in cases {
            let data = Data(text.utf8)
            #expect(throws: JSONParseError(offset: offset, reason: reason), "\(text)") { try JSONValue.parse(data) }
            // RFC 8259 has no trailing comma; Foundation's reader lets one pass in an object.
            if text != "{\"a\":1,}" { #expect(Self.reference(data) == nil, "Foundation refuses \(text) too") }
        }
        // Invalid UTF-8 in a string.
        #expect(throws: JSONParseError(offset: 0, reason: "string is not UTF-8")) { try JSONValue.parse(Data([0x22, 0xFF, 0x22])) }
        // Nesting beyond the limit is refused before it can exhaust the stack.
        let deep = Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
        #expect(throws: JSONParseError(offset: 512, reason: "nested deeper than 512 levels")) { try JSONValue.parse(deep) }
        #expect(try JSONValue.parse(Data((String(repeating: "[", count: 512) + String(repeating: "]", count: 512)).utf8)) != .null)
    }

    @Test("market payloads read from the parsed value as their Decodable forms read them; a field of the wrong kind is named")
    func payloads() throws {
        let print = try JSONValue.parse(Data(#"{"symbolId":"F.US.EP","price":1680.25,"timestamp":"2013-10-07T12:01:00.000000+00:00","type":1,"volume":3}"#.utf8))
        #expect(try PXTradePrint(json: print) == print.decode(PXTradePrint.self))
        #expect(try PXTradePrint(json: print) == PXTradePrint(symbolId: "F.US.EP", price: Decimal(string: "1680.25")!, timestamp: "2013-10-07T12:01:00.000000+00:00", type: 1, volume: 3))
        let sparse = try JSONValue.parse(Data(#"{"symbol":"F.US.EP","bestBid":1680.5,"lastPrice":null}"#.utf8))
        #expect(try PXQuote(json: sparse) == sparse.decode(PXQuote.self))
        #expect(try PXQuote(json: sparse) == PXQuote(symbol: "F.US.EP", lastPrice: nil, bestBid: Decimal(string: "1680.5")!, bestAsk: nil, volume: nil, timestamp: nil))
        #expect(throws: PayloadShapeError(field: "price", expected: "a number")) {
            try PXTradePrint(json: JSONValue.parse(Data(#"{"price":"1680.25","timestamp":"t","volume":1}"#.utf8)))
        }
        #expect(throws: PayloadShapeError(field: "volume", expected: "a whole number")) {
            try PXTradePrint(json: JSONValue.parse(Data(#"{"price":1,"timestamp":"t","volume":1.5}"#.utf8)))
        }
        #expect(throws: PayloadShapeError(field: "timestamp", expected: "a string")) {
            try PXTradePrint(json: JSONValue.parse(Data(#"{"price":1,"volume":1}"#.utf8)))
        }
        #expect(throws: PayloadShapeError(field: "(payload)", expected: "an object")) { try PXQuote(json: .array([])) }
    }

    @Test("hub records: a field of the wrong kind or a missing type is refused, saying which")
    func hubRecords() throws {
        let cases = [
            (#"{"target":"X"}"#, "hub record is not a JSON message: no 'type'"),
            (#"{"type":"1"}"#, "hub record is not a JSON message: 'type' is not a whole number"),
            (#"{"type":1,"target":"X","arguments":{}}"#, "hub record is not a JSON message: 'arguments' is not an array"),
            (#"{"type":1,"target":7}"#, "hub record is not a JSON message: 'target' is not a string"),
            (#"[1]"#, "hub record is not a JSON message: not a JSON object"),
            (#"{"type":1,"#, "hub record is not a JSON message: expected a member name in quotes, found end of input at byte 10"),
        ]
        for (text, message) in cases {
            #expect(throws: (any Error).self) { try HubMessage.decode(Data(text.utf8)) }
            do { _ = try HubMessage.decode(Data(text.utf8)) } catch { #expect("\(error)" == message) }
        }
        #expect(try HubMessage.decode(Data(#"{"type":3,"invocationId":"4","result":null}"#.utf8)) == .completion(id: "4", result: nil, error: nil))
        #expect(try HubMessage.decode(Data(#"{"type":7,"error":"bye","allowReconnect":true}"#.utf8)) == .close(error: "bye", allowReconnect: true))
        #expect(try HubMessage.decode(Data(#"{"type":2,"item":1}"#.utf8)) == .unsupported(type: 2))
    }
}
