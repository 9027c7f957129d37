import Foundation
import Testing
import Data
import Trading
@testable import Operations

/// Alert bodies that broke a property of the endpoint, each kept as a test named after what it
/// pins; the same bytes seed the fuzz target (Fuzz/Corpus/alert/regression-*).
@Suite("Hostile input: what the alert fuzz target pinned", .serialized)
struct HostileAlertTests {
    @Test("a quantity beyond Int64 is refused, not wrapped into range (18446744073709551617 became an order for one contract)")
    func aQuantityBeyondInt64IsRefusedNotWrapped() async throws {
        let (e, _, sent) = try AlertEndpointTests.make()
        let time = Timestamp(seconds: Int64(Date().timeIntervalSince1970)).iso8601
        for quantity in ["18446744073709551617", "18446744073709551616", "36893488147419103233", "9223372036854775809", "1e19", "1e300", "2.0000000000000000001"] {
            let body = Data(#"{"secret": "s3cret", "symbol": "ES", "action": "buy", "quantity": \#(quantity), "time": "\#(time)"}"#.utf8)
            let a = await e.handle(body: body, headerSecret: nil)
            #expect(a.status == 422 && (a.body["error"] ?? "").contains("quantity"), "\(quantity): \(a)")
        }
        #expect(sent.lock.withLock { sent.requests.isEmpty })
        let ok = await e.handle(body: Data(#"{"secret": "s3cret", "symbol": "ES", "action": "buy", "quantity": 2.0, "time": "\#(time)"}"#.utf8), headerSecret: nil)
        #expect(ok.status == 202 && sent.lock.withLock { sent.requests.map(\.quantity) } == [2])
    }
}
