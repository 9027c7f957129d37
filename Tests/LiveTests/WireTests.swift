import Foundation
import Testing
import Data
import ProjectX
import Trading
@testable import Live

@Suite("RFC 6455 frames")
struct WebSocketFrameTests {
    @Test("the accept value of RFC 6455 §1.3's example key")
    func acceptValue() {
        #expect(WebSocket.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test("a masked client frame decodes on the server side to the same message, for 0, 125, 126, 65535 and 70000 bytes")
    func roundTripLengths() throws {
        for n in [0, 1, 125, 126, 65_535, 70_000] {
            let payload = Data((0..<n).map { UInt8($0 % 251) })
            var d = WebSocket.Decoder(fromServer: false)
            d.append(WebSocket.encode(.binary(payload), mask: 0xA1B2_C3D4))
            #expect(try d.next() == .binary(payload), "length \(n)")
            #expect(try d.next() == nil)
        }
    }

    @Test("messages split at every byte boundary and fragmented into continuations reassemble exactly")
    func arbitrarySplits() throws {
        var rng = SeededGenerator(seed: 7)
        let text = Data("{\"type\":1,\"target\":\"GatewayQuote\"}\u{1E}{\"type\":6}\u{1E}".utf8)
        var wire = WebSocket.encodeFrame(.text, text.prefix(10), fin: false, mask: nil)
        wire += WebSocket.encodeFrame(.ping, Data("p".utf8), mask: nil)   // control frames may interleave
        wire += WebSocket.encodeFrame(.continuation, text.dropFirst(10), fin: true, mask: nil)
        for _ in 0..<200 {
            var d = WebSocket.Decoder()
            var got: [WebSocket.Message] = []
            var i = 0
            while i < wire.count {
                let k = Int(rng.next() % 7) + 1
                d.append(wire.subdata(in: i..<min(wire.count, i + k)))
                i += k
                while let m = try d.next() { got.append(m) }
            }
            #expect(got == [.ping(Data("p".utf8)), .text(text)])
        }
    }

    @Test("protocol violations are refused with a specific error")
    func violations() {
        func first(_ bytes: Data, fromServer: Bool = true, limit: Int = 1 << 20) -> WebSocket.ProtocolError? {
            var d = WebSocket.Decoder(maxMessageBytes: limit, fromServer: fromServer)
            d.append(bytes)
            do { _ = try d.next(); return nil } catch { return error }
        }
        #expect(first(WebSocket.encodeFrame(.text, Data("x".utf8), mask: 1)) == .maskedFromServer)
        #expect(first(WebSocket.encodeFrame(.text, Data("x".utf8), mask: nil), fromServer: false) == .unmaskedFromClient)
        #expect(first(WebSocket.encodeFrame(.ping, Data(count: 126), mask: nil)) == .controlTooLong(126))
        #expect(first(WebSocket.encodeFrame(.ping, Data(), fin: false, mask: nil)) == .fragmentedControl)
        #expect(first(WebSocket.encodeFrame(.continuation, Data("x".utf8), mask: nil)) == .unexpectedContinuation)
        #expect(first(Data([0x83, 0x00])) == .unknownOpcode(3))
        #expect(first(Data([0xC1, 0x00])) == .reservedBits)
        #expect(first(WebSocket.encodeFrame(.binary, Data(count: 2000), mask: nil), limit: 1000) == .messageTooLarge(2000, limit: 1000))
    }

    @Test("an upgrade answer without 101 or with a wrong accept value is refused, naming the status")
    func upgradeValidation() {
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        #expect(throws: WebSocket.ProtocolError.badUpgrade("HTTP/1.1 401 Unauthorized")) {
            try WebSocket.validateUpgradeResponse("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0", key: key)
        }
        #expect(throws: WebSocket.ProtocolError.badUpgrade("Sec-WebSocket-Accept missing or wrong")) {
            try WebSocket.validateUpgradeResponse("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: nope", key: key)
        }
        #expect(throws: Never.self) {
            try WebSocket.validateUpgradeResponse("HTTP/1.1 101 Switching Protocols\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", key: key)
        }
    }
}

@Suite("SignalR JSON hub records")
struct SignalRTests {
    @Test("records split on 0x1E across frames; the tail waits for its separator; empty records are skipped")
    func records() throws {
        var buffer = Data("{}\u{1E}{\"type\":6}\u{1E}\u{1E}{\"type\":1,\"tar".utf8)
        let first = SignalR.takeRecords(from: &buffer)
        #expect(first.map { String(decoding: $0, as: UTF8.self) } == ["{}", "{\"type\":6}"])
        #expect(String(decoding: buffer, as: UTF8.self) == "{\"type\":1,\"tar")
        buffer.append(Data("get\":\"X\",\"arguments\":[]}\u{1E}".utf8))
        let second = SignalR.takeRecords(from: &buffer)
        #expect(second.count == 1 && buffer.isEmpty)
        #expect(try HubMessage.decode(second[0]) == .invocation(id: nil, target: "X", arguments: []))
    }

    @Test("each message type survives encode → decode")
    func messageRoundTrip() throws {
        let messages: [HubMessage] = [
            .invocation(id: "7", target: "SubscribeContractQuotes", arguments: [.string("CON.F.US.MNQ.Z25")]),
            .invocation(id: nil, target: "GatewayUserOrder", arguments: [.object(["id": .number(5)])]),
            .completion(id: "7", result: nil, error: nil),
            .completion(id: "8", result: nil, error: "Unknown hub method"),
            .ping,
            .close(error: "token expired", allowReconnect: true),
        ]
        for m in messages {
            var b = m.encoded()
            #expect(b.last == 0x1E)
            let r = SignalR.takeRecords(from: &b)
            #expect(try HubMessage.decode(r[0]) == m)
        }
        #expect(throws: HubMessage.DecodeError.self) { try HubMessage.decode(Data("{\"type\":1}".utf8)) }
    }

    @Test("a user event decodes from the bare, wrapped and null-padded array shapes alike")
    func payloadShapes() {
        let trade = PXTrade(id: 8604, accountId: 203, contractId: "CON.F.US.EP.H25", creationTimestamp: "2025-01-21T16:13:52.523293+00:00",
                            price: Decimal(string: "6065.25")!, profitAndLoss: 50, fees: Decimal(string: "1.40")!, side: 1, size: 1, orderId: 14328)
        for shape in PXUserEventPayload.Shape.allCases {
            let args = PXUserEventPayload.encode(trade, shape: shape)
            #expect(PXUserEventPayload.entities(PXTrade.self, from: args) == [trade], "\(shape)")
        }
        #expect(PXUserEventPayload.entities(PXTrade.self, from: [.null]).isEmpty)
    }
}

@Suite("ProjectX wire values")
struct WireValueTests {
    @Test("timestamps: microseconds with +00:00, Z, other offsets and any fraction length")
    func times() {
        let t = Timestamp(year: 2025, month: 4, day: 14, hour: 17, minute: 49, second: 10)
        #expect(PXTime.parse("2025-04-14T17:49:10.142532+00:00") == t)
        #expect(PXTime.parse("2025-04-14T17:49:10Z") == t)
        #expect(PXTime.parse("2025-04-14T17:49:10.1Z") == t)
        #expect(PXTime.parse("2025-04-14T12:49:10-05:00") == t)
        #expect(PXTime.parse(PXTime.format(t)) == t)
        #expect(PXTime.format(t) == "2025-04-14T17:49:10.000000+00:00")
        #expect(PXTime.parse("14/04/2025") == nil)
    }

    @Test("decimal prices convert to whole ticks exactly, off-grid prices are caught, 9-decimal forms too")
    func prices() throws {
        let tick = TickSize("0.25")!
        let d = try JSONDecoder().decode([String: Decimal].self, from: Data("{\"p\":2208.250000000}".utf8))["p"]!
        #expect(tick.ticks(decimal: d) == 8833)
        #expect(tick.ticks(decimal: Decimal(string: "2208.1")!) == nil)
        #expect(tick.nearestTicks(decimal: Decimal(string: "2208.1")!) == 8832)
        #expect(tick.decimal(Price(ticks: 8833)) == Decimal(string: "2208.25"))
        #expect(Money(decimal: Decimal(string: "1.40")!) == Money(cents: 140))
    }

    @Test("a JWT's exp is read from its payload")
    func jwt() {
        let t = JWT.make(subject: "trader", expiry: 1_900_000_000, nonce: "1")
        #expect(JWT.expiry(of: t) == 1_900_000_000)
        #expect(JWT.expiry(of: "not-a-token") == nil)
    }
}

@Suite("Credentials and secrets")
struct CredentialsTests {
    @Test("a key file readable by others is refused with the chmod to run; a 0600 file is read")
    func keyFilePermissions() throws {
        let dir = NSTemporaryDirectory() + "tsxlab-key-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/key"
        try "sekret-key-123\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        #expect(throws: CredentialsError.filePermissions(path: path, mode: "644")) {
            try APICredentials.load(environment: ["PROJECTX_USERNAME": "t", "PROJECTX_API_KEY_FILE": path])
        }
        let message = CredentialsError.filePermissions(path: path, mode: "644").description
        #expect(message.contains("chmod 600 \(path)"))
        chmod(path, 0o600)
        let c = try APICredentials.load(environment: ["PROJECTX_USERNAME": "t", "PROJECTX_API_KEY_FILE": path])
        #expect(c.apiKey.reveal() == "sekret-key-123")
        #expect(!"\(c)".contains("sekret") && !String(describing: c.apiKey).contains("sekret") && !String(reflecting: c.apiKey).contains("sekret"))
    }

    @Test("missing settings name the variable to set")
    func missing() {
        #expect(throws: CredentialsError.missing("PROJECTX_USERNAME")) { try APICredentials.load(environment: [:]) }
        #expect(throws: CredentialsError.missing("PROJECTX_API_KEY")) { try APICredentials.load(environment: ["PROJECTX_USERNAME": "t"]) }
        #expect(throws: CredentialsError.emptyKey("PROJECTX_API_KEY")) {
            try APICredentials.load(environment: ["PROJECTX_USERNAME": "t", "PROJECTX_API_KEY": ""])
        }
    }
}

@Suite("Gateway commands as a trader reads them (the dry run's log)")
struct GatewayCommandTextTests {
    @Test("each command in a line: side, size, contract, kind and prices, bracket legs, tag, the local and gateway order")
    func lines() {
        let place = PXPlaceOrderRequest(accountId: 7, contractId: "CON.F.US.EP.Z13", type: .stop, side: .bid, size: 2, stopPrice: Decimal(string: "1650.25"),
                                        customTag: "r-12", stopLossBracket: PXBracket(ticks: -8, type: .stop), takeProfitBracket: PXBracket(ticks: 16, type: .limit))
        #expect(GatewayCommand.place(local: OrderID(12), place).description
                == "place BUY 2 CON.F.US.EP.Z13 stop 1650.25, bracket stop -8 ticks target +16 ticks, tag r-12 (order #12)")
        let market = PXPlaceOrderRequest(accountId: 7, contractId: "CON.F.US.EP.Z13", type: .market, side: .ask, size: 1)
        #expect(GatewayCommand.place(local: OrderID(3), market).description == "place SELL 1 CON.F.US.EP.Z13 market (order #3)")
        let modify = PXModifyOrderRequest(accountId: 7, orderId: 345, stopPrice: Decimal(string: "1651"))
        #expect(GatewayCommand.modify(local: OrderID(12), modify).description == "modify #12 stop 1651 (gateway order 345)")
        #expect(GatewayCommand.cancel(local: OrderID(12), gatewayID: 345).description == "cancel #12 (gateway order 345)")
        #expect(GatewayCommand.close(symbol: "ES", contractID: "CON.F.US.EP.Z13").description == "close ES (CON.F.US.EP.Z13)")
        // No account number or raw field names in the line.
        #expect(!GatewayCommand.place(local: OrderID(12), place).description.contains("accountId"))
    }
}
