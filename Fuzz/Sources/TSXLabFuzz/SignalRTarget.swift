import Data
import Foundation
import ProjectX

/// Bytes from a hub, in reads of 1–64 bytes, through `SignalR.takeRecords` and `HubMessage.decode`,
/// then as the runner reads them: trade prints and quotes (`PXTradePrint/PXQuote.init(json:)`,
/// `PXTime.parse`, the tick grid) and the user hub's orders and trades.
///
/// Input: byte 0 − 1 is the read size (1–64); the rest is the stream.
/// Properties: the records are exactly the stream's non-empty pieces between separators, none
/// holds a separator, the tail is what follows the last one; a record that is not JSON is refused
/// with the byte offset.
let signalRTarget = FuzzTarget(name: "signalr") { data in
    guard let first = data.first else { return }
    let read = Int(first & 63) + 1
    let stream = Data(data.dropFirst())
    var buffer = Data()
    var records: [Data] = []
    var at = stream.startIndex
    while at < stream.endIndex {
        let end = min(at + read, stream.endIndex)
        buffer.append(stream[at..<end])
        at = end
        for r in SignalR.takeRecords(from: &buffer) {
            if r.isEmpty || r.contains(SignalR.recordSeparator) { violated("a record is empty or holds a separator") }
            records.append(r)
            hubMessage(r)
        }
    }
    let lastSeparator = stream.lastIndex(of: SignalR.recordSeparator)
    let complete = lastSeparator.map { stream[stream.startIndex..<$0] } ?? Data()
    let expected = complete.split(separator: SignalR.recordSeparator, omittingEmptySubsequences: true).map { Data($0) }
    if records != expected { violated("records \(records.count) differ from the stream's \(expected.count) pieces") }
    let tail = lastSeparator.map { Data(stream[stream.index(after: $0)...]) } ?? stream
    if buffer != tail { violated("the tail left (\(buffer.count) bytes) is not what follows the last separator (\(tail.count))") }
}

private let esTick = TickSize(units: 25, scale: 2)

private func hubMessage(_ record: Data) {
    let message: HubMessage
    do { message = try HubMessage.decode(record) } catch {
        let text = "\(error)"
        if text.isEmpty { violated("a refused record says nothing") }
        // A JSON error names the byte; the others name the field.
        if text.contains("not a JSON message"), (try? JSONValue.parse(record)) == nil, !text.contains(" at byte ") {
            violated("a record that is not JSON is refused without the byte offset: \(text)")
        }
        return
    }
    guard case .invocation(_, let target, let args) = message else { return }
    switch target {
    case "GatewayTrade" where args.count >= 2:
        let items: [JSONValue]
        if case .array(let a) = args[1] { items = a } else { items = [args[1]] }
        for item in items {
            do throws(PayloadShapeError) {
                let p = try PXTradePrint(json: item)
                if let t = PXTime.parse(p.timestamp) { _ = t.seconds }
                _ = esTick.ticks(decimal: p.price)
            } catch {
                if error.description.isEmpty { violated("a refused print says nothing") }
            }
        }
    case "GatewayQuote" where args.count >= 2:
        do throws(PayloadShapeError) {
            let q = try PXQuote(json: args[1])
            _ = q.timestamp.flatMap(PXTime.parse)
            _ = q.lastPrice.flatMap { esTick.ticks(decimal: $0) }
        } catch {
            if error.description.isEmpty { violated("a refused quote says nothing") }
        }
    case "GatewayUserOrder":
        _ = PXUserEventPayload.entities(PXOrder.self, from: args)
    case "GatewayUserTrade":
        _ = PXUserEventPayload.entities(PXTrade.self, from: args)
    default:
        break
    }
}
