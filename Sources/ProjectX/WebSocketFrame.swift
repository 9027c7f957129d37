import Foundation

/// RFC 6455 framing for the hub client (libcurl connects, with TLS where the URL says so; this
/// type turns bytes into messages and back). Pure values, no I/O, so every case is a unit test.
public enum WebSocket {
    public enum Opcode: UInt8, Sendable {
        case continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA
        var isControl: Bool { rawValue & 0x8 != 0 }
    }

    /// A whole message (fragments joined) or a control frame.
    public enum Message: Hashable, Sendable {
        case text(Data)
        case binary(Data)
        case ping(Data)
        case pong(Data)
        /// Close code (1005 when none was given) and reason.
        case close(UInt16, String)
    }

    public enum ProtocolError: Error, Hashable, CustomStringConvertible {
        case reservedBits
        case unknownOpcode(UInt8)
        case maskedFromServer
        case unmaskedFromClient
        case fragmentedControl
        case controlTooLong(Int)
        case unexpectedContinuation
        case expectedContinuation
        case messageTooLarge(Int, limit: Int)
        case badUpgrade(String)

        public var description: String {
            switch self {
            case .reservedBits: "WebSocket frame uses reserved bits (no extension was negotiated)"
            case .unknownOpcode(let o): "WebSocket frame has unknown opcode \(o)"
            case .maskedFromServer: "the server sent a masked frame (RFC 6455 §5.1 forbids it)"
            case .unmaskedFromClient: "the client sent an unmasked frame (RFC 6455 §5.1 requires a mask)"
            case .fragmentedControl: "a control frame is fragmented"
            case .controlTooLong(let n): "a control frame carries \(n) bytes (at most 125)"
            case .unexpectedContinuation: "a continuation frame arrived with no message to continue"
            case .expectedContinuation: "a new data frame arrived inside a fragmented message"
            case .messageTooLarge(let n, let limit): "a WebSocket message of \(n) bytes exceeds the \(limit)-byte limit"
            case .badUpgrade(let why): "WebSocket upgrade refused: \(why)"
            }
        }
    }

    /// One frame on the wire. Clients mask (`mask` non-nil), servers do not.
    public static func encodeFrame(_ opcode: Opcode, _ payload: Data, fin: Bool = true, mask: UInt32?) -> Data {
        var out = Data()
        out.reserveCapacity(payload.count + 14)
        out.append((fin ? 0x80 : 0) | opcode.rawValue)
        let m: UInt8 = mask == nil ? 0 : 0x80
        let n = payload.count
        if n < 126 { out.append(m | UInt8(n)) }
        else if n <= 0xFFFF { out.append(m | 126); out.append(UInt8(n >> 8)); out.append(UInt8(n & 0xFF)) }
        else { out.append(m | 127); for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8((UInt64(n) >> UInt64(s)) & 0xFF)) } }
        if let mask {
            let k = [UInt8(mask >> 24), UInt8((mask >> 16) & 0xFF), UInt8((mask >> 8) & 0xFF), UInt8(mask & 0xFF)]
            out.append(contentsOf: k)
            var i = 0
            for b in payload { out.append(b ^ k[i & 3]); i += 1 }
        } else {
            out.append(payload)
        }
        return out
    }

    public static func encode(_ message: Message, mask: UInt32?) -> Data {
        switch message {
        case .text(let d): encodeFrame(.text, d, mask: mask)
        case .binary(let d): encodeFrame(.binary, d, mask: mask)
        case .ping(let d): encodeFrame(.ping, d, mask: mask)
        case .pong(let d): encodeFrame(.pong, d, mask: mask)
        case .close(let code, let reason):
            encodeFrame(.close, Data([UInt8(code >> 8), UInt8(code & 0xFF)]) + Data(reason.utf8), mask: mask)
        }
    }

    /// Reassembles messages from bytes as they arrive, in any split.
    public struct Decoder: Sendable {
        public let maxMessageBytes: Int
        /// True on the client side: frames must be unmasked.
        public let fromServer: Bool
        private var buffer = Data()
        private var fragments = Data()
        private var fragmentOpcode: Opcode?

        public init(maxMessageBytes: Int = 4 << 20, fromServer: Bool = true) {
            self.maxMessageBytes = maxMessageBytes; self.fromServer = fromServer
        }

        public mutating func append(_ bytes: Data) { buffer.append(bytes) }

        /// The next complete message, or nil when more bytes are needed.
        public mutating func next() throws(ProtocolError) -> Message? {
            while true {
                guard let (fin, opcode, payload, used) = try parseFrame() else { return nil }
                buffer.removeSubrange(buffer.startIndex..<(buffer.startIndex + used))
                if opcode.isControl {
                    switch opcode {
                    case .ping: return .ping(payload)
                    case .pong: return .pong(payload)
                    default:
                        guard payload.count >= 2 else { return .close(1005, "") }
                        let code = UInt16(payload[payload.startIndex]) << 8 | UInt16(payload[payload.startIndex + 1])
                        return .close(code, String(decoding: payload.dropFirst(2), as: UTF8.self))
                    }
                }
                if opcode == .continuation {
                    guard let first = fragmentOpcode else { throw .unexpectedContinuation }
                    fragments.append(payload)
                    if fragments.count > maxMessageBytes { throw .messageTooLarge(fragments.count, limit: maxMessageBytes) }
                    if fin {
                        let whole = fragments
                        fragments = Data(); fragmentOpcode = nil
                        return first == .text ? .text(whole) : .binary(whole)
                    }
                    continue
                }
                guard fragmentOpcode == nil else { throw .expectedContinuation }
                if fin { return opcode == .text ? .text(payload) : .binary(payload) }
                fragmentOpcode = opcode
                fragments = payload
            }
        }

        private func parseFrame() throws(ProtocolError) -> (Bool, Opcode, Data, Int)? {
            let b = buffer
            let s = b.startIndex
            guard b.count >= 2 else { return nil }
            let b0 = b[s], b1 = b[s + 1]
            if b0 & 0x70 != 0 { throw .reservedBits }
            guard let opcode = Opcode(rawValue: b0 & 0x0F) else { throw .unknownOpcode(b0 & 0x0F) }
            let fin = b0 & 0x80 != 0
            let masked = b1 & 0x80 != 0
            if fromServer && masked { throw .maskedFromServer }
            if !fromServer && !masked { throw .unmaskedFromClient }
            var len = Int(b1 & 0x7F)
            var at = 2
            if len == 126 {
                guard b.count >= 4 else { return nil }
                len = Int(b[s + 2]) << 8 | Int(b[s + 3]); at = 4
            } else if len == 127 {
                guard b.count >= 10 else { return nil }
                var v: UInt64 = 0
                for i in 0..<8 { v = v << 8 | UInt64(b[s + 2 + i]) }
                if v > UInt64(maxMessageBytes) { throw .messageTooLarge(Int(clamping: v), limit: maxMessageBytes) }
                len = Int(v); at = 10
            }
            if opcode.isControl {
                if !fin { throw .fragmentedControl }
                if len > 125 { throw .controlTooLong(len) }
            }
            if len > maxMessageBytes { throw .messageTooLarge(len, limit: maxMessageBytes) }
            var key: [UInt8] = []
            if masked {
                guard b.count >= at + 4 else { return nil }
                key = Array(b[(s + at)..<(s + at + 4)]); at += 4
            }
            guard b.count >= at + len else { return nil }
            var payload = Data(b[(s + at)..<(s + at + len)])
            if masked {
                payload.withUnsafeMutableBytes { p in
                    for i in 0..<p.count { p[i] ^= key[i & 3] }
                }
            }
            return (fin, opcode, payload, at + len)
        }
    }

    public static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2).
    public static func acceptValue(forKey key: String) -> String {
        Data(SHA1.hash(Array((key + acceptGUID).utf8))).base64EncodedString()
    }

    /// The HTTP/1.1 upgrade request for `path` (with query) on `host`.
    public static func upgradeRequest(host: String, path: String, key: String) -> Data {
        Data(("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
    }

    /// Checks the server's answer to the upgrade: `101` and the right accept value. The error
    /// carries the status line (a 401 for an expired token reads as such).
    public static func validateUpgradeResponse(_ head: String, key: String) throws(ProtocolError) {
        let lines = head.components(separatedBy: "\r\n")
        guard let status = lines.first, status.hasPrefix("HTTP/1.1 101") else {
            throw .badUpgrade(lines.first ?? "no status line")
        }
        let expected = acceptValue(forKey: key)
        let accept = lines.dropFirst().first { $0.lowercased().hasPrefix("sec-websocket-accept:") }
        // The value is what follows the first colon, empty when nothing does (a bare
        // `Sec-WebSocket-Accept:` once indexed past a one-element split and crashed; pinned by
        // `anUpgradeWithAnEmptyAcceptValueIsRefused`, input in Fuzz/Corpus/websocket).
        let value = accept.map { $0[$0.index(after: $0.firstIndex(of: ":")!)...].trimmingCharacters(in: .whitespaces) }
        guard let value, value == expected else {
            throw .badUpgrade("Sec-WebSocket-Accept missing or wrong")
        }
    }
}

/// SHA-1, only for the WebSocket accept value (not for security).
enum SHA1 {
    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
        var m = message
        let bitLength = UInt64(message.count) * 8
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        for s in stride(from: 56, through: 0, by: -8) { m.append(UInt8((bitLength >> UInt64(s)) & 0xFF)) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: m.count, by: 64) {
            for i in 0..<16 {
                w[i] = UInt32(m[chunk + 4 * i]) << 24 | UInt32(m[chunk + 4 * i + 1]) << 16
                    | UInt32(m[chunk + 4 * i + 2]) << 8 | UInt32(m[chunk + 4 * i + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4]
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32) = switch i {
                case 0..<20: ((b & c) | (~b & d), 0x5A827999)
                case 20..<40: (b ^ c ^ d, 0x6ED9EBA1)
                case 40..<60: ((b & c) | (b & d) | (c & d), 0x8F1BBCDC)
                default: (b ^ c ^ d, 0xCA62C1D6)
                }
                let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                e = d; d = c; c = b << 30 | b >> 2; b = a; a = t
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d; h[4] = h[4] &+ e
        }
        return h.flatMap { v in [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    }
}
