import Foundation

/// Any JSON value: hub invocation arguments arrive untyped and are decoded by target.
public enum JSONValue: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Decimal)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Decimal.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    /// A number that is a whole one in Int64's range (nil otherwise).
    public var int64: Int64? {
        guard case .number(let d) = self, d.isFinite else { return nil }
        var value = d, whole = Decimal()
        NSDecimalRound(&whole, &value, 0, .plain)
        guard whole == d, d >= Decimal(Int64.min), d <= Decimal(Int64.max) else { return nil }
        return NSDecimalNumber(decimal: d).int64Value
    }
    public var int: Int? { if case .number(let d) = self { NSDecimalNumber(decimal: d).intValue } else { nil } }
}

/// One record of the SignalR JSON hub protocol (projectx-gateway.md §7.2).
public enum HubMessage: Hashable, Sendable {
    /// A call (client → server with an id expects one completion) or a server event (no id).
    case invocation(id: String?, target: String, arguments: [JSONValue])
    case completion(id: String, result: JSONValue?, error: String?)
    case ping
    case close(error: String?, allowReconnect: Bool)
    /// A type this client does not use (stream items, stream invocations, cancels).
    case unsupported(type: Int)

    private struct Wire: Codable {
        var type: Int
        var invocationId: String?
        var target: String?
        var arguments: [JSONValue]?
        var result: JSONValue?
        var error: String?
        var allowReconnect: Bool?
    }

    public enum DecodeError: Error, CustomStringConvertible {
        case notJSON(String)
        case missingField(type: Int, field: String)
        public var description: String {
            switch self {
            case .notJSON(let why): "hub record is not a JSON message: \(why)"
            case .missingField(let t, let f): "hub message of type \(t) lacks '\(f)'"
            }
        }
    }

    /// Reads one record (without its separator), parsed once by `JSONValue.parse`: a market-data
    /// record is read on the hub's reader thread, on the trading path.
    public static func decode(_ record: Data) throws -> HubMessage {
        let fields: [String: JSONValue]
        do {
            guard case .object(let o) = try JSONValue.parse(record) else { throw DecodeError.notJSON("not a JSON object") }
            fields = o
        } catch let e as JSONParseError { throw DecodeError.notJSON("\(e)") }
        guard let type = fields["type"]?.int64.flatMap({ Int(exactly: $0) }) else {
            throw DecodeError.notJSON(fields["type"] == nil ? "no 'type'" : "'type' is not a whole number")
        }
        /// An optional field of one kind: absent and null are nil, another kind is an error.
        func text(_ name: String) throws -> String? {
            switch fields[name] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw DecodeError.notJSON("'\(name)' is not a string")
            }
        }
        switch type {
        case 1:
            guard let target = try text("target") else { throw DecodeError.missingField(type: 1, field: "target") }
            let arguments: [JSONValue]
            switch fields["arguments"] {
            case nil, .null?: arguments = []
            case .array(let a)?: arguments = a
            default: throw DecodeError.notJSON("'arguments' is not an array")
            }
            return .invocation(id: try text("invocationId"), target: target, arguments: arguments)
        case 3:
            guard let id = try text("invocationId") else { throw DecodeError.missingField(type: 3, field: "invocationId") }
            let result = fields["result"].flatMap { $0 == .null ? nil : $0 }
            return .completion(id: id, result: result, error: try text("error"))
        case 6: return .ping
        case 7:
            let allow: Bool
            switch fields["allowReconnect"] {
            case nil, .null?: allow = false
            case .bool(let b)?: allow = b
            default: throw DecodeError.notJSON("'allowReconnect' is not true or false")
            }
            return .close(error: try text("error"), allowReconnect: allow)
        default: return .unsupported(type: type)
        }
    }

    /// The record with its 0x1E separator.
    public func encoded() -> Data {
        let w: Wire
        switch self {
        case .invocation(let id, let target, let args): w = Wire(type: 1, invocationId: id, target: target, arguments: args)
        case .completion(let id, let result, let error): w = Wire(type: 3, invocationId: id, result: result, error: error)
        case .ping: w = Wire(type: 6)
        case .close(let error, let allow): w = Wire(type: 7, error: error, allowReconnect: allow)
        case .unsupported(let t): w = Wire(type: t)
        }
        var d = (try? JSONEncoder().encode(w)) ?? Data("{\"type\":6}".utf8)
        d.append(SignalR.recordSeparator)
        return d
    }
}

public enum SignalR {
    public static let recordSeparator: UInt8 = 0x1E
    /// The client's first record.
    public static let handshakeRequest = Data("{\"protocol\":\"json\",\"version\":1}\u{1E}".utf8)
    /// The server's answer to a good handshake.
    public static let handshakeResponse = Data("{}\u{1E}".utf8)

    /// Splits complete records off the front of `buffer` (a record may span frames, and a frame
    /// may carry several records); what is left is an incomplete tail. Empty records are skipped.
    public static func takeRecords(from buffer: inout Data) -> [Data] {
        var records: [Data] = []
        var start = buffer.startIndex
        while let sep = buffer[start...].firstIndex(of: recordSeparator) {
            if sep > start { records.append(Data(buffer[start..<sep])) }
            start = buffer.index(after: sep)
        }
        buffer = Data(buffer[start...])
        return records
    }
}

/// The entity of a `GatewayUser*` event. The payload comes bare, wrapped as `{action, data}`, or
/// as an array possibly padded with nulls (§7.4); all three decode to a list of entities.
public enum PXUserEventPayload {
    public static func entities<T: Decodable>(_ type: T.Type, from arguments: [JSONValue]) -> [T] {
        guard let first = arguments.first else { return [] }
        return unwrap(first).compactMap { try? $0.decode(T.self) }
    }

    private static func unwrap(_ v: JSONValue) -> [JSONValue] {
        switch v {
        case .null: return []
        case .array(let items): return items.flatMap(unwrap)
        case .object(let o):
            if let data = o["data"], o["action"] != nil || o.count == 1 { return unwrap(data) }
            return [v]
        default: return []
        }
    }

    public enum Shape: String, Sendable, CaseIterable {
        case bare, wrapped, array
    }

    /// How the gateway sends an entity in `shape`.
    public static func encode<T: Encodable>(_ entity: T, shape: Shape) -> [JSONValue] {
        guard let v = try? JSONValue(encoding: entity) else { return [] }
        switch shape {
        case .bare: return [v]
        case .wrapped: return [.object(["action": .number(1), "data": v])]
        case .array: return [.array([v, .null])]
        }
    }
}

/// Reads `exp` (Unix seconds) from a JWT's payload without checking its signature: the client
/// only needs to know when to renew.
public enum JWT {
    public static func expiry(of token: String) -> Int64? {
        let parts = token.split(separator: ".")
        guard parts.count >= 2 else { return nil }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        if let e = obj["exp"] as? Int64 { return e }
        if let e = obj["exp"] as? Int { return Int64(e) }
        if let e = obj["exp"] as? Double { return Int64(e) }
        return nil
    }

    /// An unsigned JWT-shaped token (the loopback gateway's), with `exp` and `sub`.
    public static func make(subject: String, expiry: Int64, nonce: String) -> String {
        func b64(_ d: Data) -> String {
            d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let header = b64(Data("{\"alg\":\"none\",\"typ\":\"JWT\"}".utf8))
        let payload = b64(Data("{\"exp\":\(expiry),\"sub\":\"\(subject)\",\"jti\":\"\(nonce)\"}".utf8))
        return "\(header).\(payload).loopback"
    }
}
