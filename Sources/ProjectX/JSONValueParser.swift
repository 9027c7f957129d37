import Foundation

/// Why bytes are not one JSON value: what was found, and the byte offset where.
public struct JSONParseError: Error, Hashable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "\(reason) at byte \(offset)" }
    public init(offset: Int, reason: String) { self.offset = offset; self.reason = reason }
}

extension JSONValue {
    /// Parses one JSON value (RFC 8259) straight into a `JSONValue`: numbers exact as `Decimal`
    /// (prices stay on their tick grid), strings with every escape, nesting at most `maxDepth`
    /// deep (hostile input cannot exhaust the stack). Whitespace may surround the value; anything
    /// else after it is an error.
    ///
    /// The hub readers parse every market-data record with it. Going through `Decodable`
    /// (`JSONDecoder` into `JSONValue`) tries each kind in turn and builds a `DecodingError` for
    /// every miss, several per field; this reads each byte once.
    public static func parse(_ data: Data, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        // `withUnsafeBytes` rethrows untyped errors: the parse's outcome comes out as a value.
        let outcome = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Result<JSONValue, JSONParseError> in
            var p = JSONValueParser(bytes: raw.bindMemory(to: UInt8.self), maxDepth: maxDepth)
            return Result { () throws(JSONParseError) -> JSONValue in
                p.skipSpace()
                let v = try p.value(depth: 0)
                p.skipSpace()
                guard p.at == p.bytes.count else { throw p.fail("unexpected \(p.describe(p.at)) after the value") }
                return v
            }
        }
        return try outcome.get()
    }
}

/// A recursive-descent reader over the bytes of one JSON text.
struct JSONValueParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var at = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes; self.maxDepth = maxDepth
    }

    func fail(_ reason: String, at offset: Int? = nil) -> JSONParseError { JSONParseError(offset: offset ?? at, reason: reason) }

    func describe(_ i: Int) -> String {
        guard i < bytes.count else { return "end of input" }
        let b = bytes[i]
        return b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard at < bytes.count else { throw fail("expected a value, found the end of input") }
        switch bytes[at] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("expected a value, found \(describe(at))")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard at + n <= bytes.count, memcmp(bytes.baseAddress! + at, word.utf8Start, n) == 0 else {
            throw fail("expected '\(word)'")
        }
        at += n
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
        at += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
        while true {
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a member name in quotes, found \(describe(at))") }
            let key = try string()
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fail("expected ':' after a member name, found \(describe(at))") }
            at += 1
            skipSpace()
            members[key] = try value(depth: depth)
            skipSpace()
            guard at < bytes.count else { throw fail("unterminated object") }
            if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
            if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            throw fail("expected ',' or '}' in an object, found \(describe(at))")
        }
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nested deeper than \(maxDepth) levels") }
        at += 1
        var items: [JSONValue] = []
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard at < bytes.count else { throw fail("unterminated array") }
            if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
            if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            throw fail("expected ',' or ']' in an array, found \(describe(at))")
        }
    }

    /// A number, checked against JSON's grammar, then read exactly by `Decimal`.
    mutating func number() throws(JSONParseError) -> Decimal {
        let start = at
        func digits(_ p: inout JSONValueParser) -> Int {
            let s = p.at
            while p.at < p.bytes.count, p.bytes[p.at] >= UInt8(ascii: "0"), p.bytes[p.at] <= UInt8(ascii: "9") { p.at += 1 }
            return p.at - s
        }
        if bytes[at] == UInt8(ascii: "-") { at += 1 }
        guard at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") else { throw fail("expected a digit", at: at) }
        if bytes[at] == UInt8(ascii: "0") {
            at += 1
            if at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") { throw fail("a number may not start with 0", at: start) }
        } else {
            _ = digits(&self)
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            at += 1
            guard digits(&self) > 0 else { throw fail("expected a digit after '.'") }
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard digits(&self) > 0 else { throw fail("expected a digit in the exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        guard let d = Decimal(string: text, locale: nil), !d.isNaN else { throw fail("number out of range", at: start) }
        return d
    }

    /// A string in quotes; `at` is on the opening quote.
    mutating func string() throws(JSONParseError) -> String {
        let open = at
        at += 1
        let start = at
        // The common case: no escape, so the bytes between the quotes are the string.
        while at < bytes.count {
            let b = bytes[at]
            if b == UInt8(ascii: "\"") {
                let s = try utf8(start..<at)
                at += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw fail("control character in a string (escape it)") }
            at += 1
        }
        var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<at]))
        while at < bytes.count {
            let b = bytes[at]
            if b == UInt8(ascii: "\"") {
                at += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not UTF-8", at: open) }
                return s
            }
            if b < 0x20 { throw fail("control character in a string (escape it)") }
            if b != UInt8(ascii: "\\") { out.append(b); at += 1; continue }
            at += 1
            guard at < bytes.count else { break }
            let e = bytes[at]
            at += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must come with its low one.
                    guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                        throw fail("lone surrogate \\u\(String(scalar, radix: 16)) in a string")
                    }
                    at += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("lone surrogate \\u\(String(scalar, radix: 16)) in a string") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw fail("lone surrogate \\u\(String(scalar, radix: 16)) in a string")
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default: throw fail("unknown escape '\\\(Character(Unicode.Scalar(e)))' in a string", at: at - 2)
            }
        }
        throw fail("unterminated string", at: open)
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard at + 4 <= bytes.count else { throw fail("expected 4 hex digits after \\u") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[at]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw fail("expected 4 hex digits after \\u")
            }
            v = v << 4 | UInt32(d)
            at += 1
        }
        return v
    }

    func utf8(_ range: Range<Int>) throws(JSONParseError) -> String {
        guard let s = String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) else {
            throw fail("string is not UTF-8", at: range.lowerBound - 1)
        }
        return s
    }
}
