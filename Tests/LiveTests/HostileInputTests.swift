import Foundation
import Testing
import Data
import ProjectX
import TSXLabTesting

/// Inputs that crashed or broke a property of a parser, each kept as a test named after what it
/// pins; the same bytes are seeds of the fuzz target (Fuzz/Corpus/TARGET/regression-*), so the
/// fuzzer replays them on every run too.
@Suite("Hostile input: what the fuzz targets pinned")
struct HostileInputTests {
    /// The bytes of a fuzz regression input, without the target's leading mode byte.
    static func corpus(_ target: String, _ name: String) throws -> Data {
        let path = TestEnvironment.packageRoot + "/Fuzz/Corpus/\(target)/\(name)"
        return try Data(contentsOf: URL(fileURLWithPath: path)).dropFirst()
    }

    @Test("an upgrade answer whose Sec-WebSocket-Accept header has no value is refused (it indexed past a one-element split and crashed)")
    func anUpgradeWithAnEmptyAcceptValueIsRefused() throws {
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        for head in ["HTTP/1.1 101 X\r\nsec-websocket-accept:", "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept:   "] {
            #expect(throws: WebSocket.ProtocolError.badUpgrade("Sec-WebSocket-Accept missing or wrong")) {
                try WebSocket.validateUpgradeResponse(head, key: key)
            }
        }
        let stored = String(decoding: try Self.corpus("websocket", "regression-empty-accept-value"), as: UTF8.self)
        #expect(throws: WebSocket.ProtocolError.self) { try WebSocket.validateUpgradeResponse(stored, key: key) }
    }
}
