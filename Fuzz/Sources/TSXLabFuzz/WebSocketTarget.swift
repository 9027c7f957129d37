import CFuzzAllocations
import Foundation
import ProjectX

/// RFC 6455 frames as a server (or client) might send them, fed to `WebSocket.Decoder` in reads of
/// 1–64 bytes, and upgrade response heads checked by `WebSocket.validateUpgradeResponse`.
///
/// Input: byte 0 chooses — bit 0: frames (0) or an upgrade head (1); bit 1: the decoder is on
/// the client side (frames from a server, unmasked) or the server side; bits 2–7: the read size − 1.
/// Properties: every message fits the cap (1,024 bytes here); no single allocation while decoding
/// exceeds the cap plus one frame header and one read (the decoder holds at most one frame);
/// an accepted upgrade has status 101 and the right accept value.
let webSocketTarget = FuzzTarget(name: "websocket") { data in
    guard let mode = data.first else { return }
    let rest = data.dropFirst()
    if mode & 1 == 1 {
        upgrade(String(decoding: rest, as: UTF8.self))
        return
    }
    let cap = 1024
    let read = Int(mode >> 2) + 1
    var decoder = WebSocket.Decoder(maxMessageBytes: cap, fromServer: mode & 2 == 0)
    var at = rest.startIndex
    while at < rest.endIndex {
        let end = min(at + read, rest.endIndex)
        decoder.append(Data(rest[at..<end]))
        at = end
        while true {
            fuzz_allocations_begin()
            let message: WebSocket.Message?
            do throws(WebSocket.ProtocolError) { message = try decoder.next() } catch {
                _ = fuzz_allocations_end()
                if error.description.isEmpty { violated("a refused frame says nothing") }
                return
            }
            let largest = fuzz_allocations_end()
            if largest > cap + 14 + read + 64 {
                violated("decoding allocated \(largest) bytes at once with a \(cap)-byte cap")
            }
            guard let message else { break }
            switch message {
            case .text(let d), .binary(let d):
                if d.count > cap { violated("a \(d.count)-byte message passed the \(cap)-byte cap") }
            case .ping(let d), .pong(let d):
                if d.count > 125 { violated("a \(d.count)-byte control frame was accepted") }
            case .close(_, let reason):
                // Each byte of the reason reads as at most one scalar (bad UTF-8 as U+FFFD).
                if reason.unicodeScalars.count > 123 { violated("a close reason of \(reason.unicodeScalars.count) scalars was accepted") }
            }
        }
    }
}

private let upgradeKey = "dGhlIHNhbXBsZSBub25jZQ=="

private func upgrade(_ head: String) {
    do throws(WebSocket.ProtocolError) {
        try WebSocket.validateUpgradeResponse(head, key: upgradeKey)
    } catch {
        if error.description.isEmpty { violated("a refused upgrade says nothing") }
        return
    }
    let lines = head.components(separatedBy: "\r\n")
    guard lines.first?.hasPrefix("HTTP/1.1 101") == true else { violated("an upgrade without status 101 was accepted") }
    let expected = WebSocket.acceptValue(forKey: upgradeKey)
    guard lines.contains(where: { $0.lowercased().hasPrefix("sec-websocket-accept:") && $0.contains(expected) }) else {
        violated("an upgrade without the right Sec-WebSocket-Accept was accepted")
    }
}
