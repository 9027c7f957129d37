import Foundation
import Logging
import Data
import Trading
import Live

/// How the live runner's log is written: `text` for a terminal (the message, then the record's own
/// details as `key=value`), `json` for the journal (one JSON object a line: time, level, message
/// and every metadata field).
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// A `LogHandler` writing each record as one line to a file handle (standard error by default),
/// in either `LogFormat`. Lines from several threads never interleave.
///
/// Metadata holds the account name, the strategy, the order tag and the like; credentials and
/// tokens are never put into it (nor into messages).
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: LogFormat
    let sink: Sink
    /// Context fields the text format leaves out of each line (they are the same on every line
    /// of a run: the start line says them once); the JSON format writes them all.
    static let context: Set<String> = ["account", "contract", "strategies"]

    /// Serialises writes to one destination.
    final class Sink: Sendable {
        let handle: FileHandle
        let lock = NSLock()
        init(_ handle: FileHandle) { self.handle = handle }
        func write(_ line: String) { lock.withLock { handle.write(Data((line + "\n").utf8)) } }
    }

    public init(label: String, format: LogFormat, to handle: FileHandle = .standardError) {
        self.label = label; self.format = format; self.sink = Sink(handle)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let own = event.metadata { fields.merge(own) { _, new in new } }
        sink.write(Self.line(level: event.level, message: "\(event.message)", fields: fields, format: format, at: Date()))
    }

    /// One record as its line.
    public static func line(level: Logger.Level, message: String, fields: Logger.Metadata, format: LogFormat, at time: Date) -> String {
        switch format {
        case .text:
            let prefix = level >= .warning && !message.hasPrefix("warning: ") && !message.hasPrefix("error: ") ? "\(level): " : ""
            let details = fields.keys.sorted().filter { !context.contains($0) }.map { "\($0)=\(fields[$0]!)" }
            return prefix + message + (details.isEmpty ? "" : "  " + details.joined(separator: " "))
        case .json:
            var object: [String: String] = [:]
            for (k, v) in fields { object[k] = "\(v)" }
            object["time"] = Timestamp(seconds: Int64(time.timeIntervalSince1970.rounded(.down))).iso8601
            object["level"] = "\(level)"
            object["message"] = message
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? message
        }
    }
}

extension Logger {
    /// What the runner reports, as log records: its notes (warnings: each is also a notification),
    /// fills, rejections and rule breaches with the order's tag and strategy in the metadata.
    /// Bars and strategy-call timings are left to the bar lines and the metrics.
    /// `broker` names each order's tag and strategy.
    public func log(_ o: RunnerObservation, broker: LiveBroker?, format: (String, Price) -> String) {
        switch o {
        case .note(let text):
            warning("\(text)")
        case .event(let e):
            switch e {
            case .orderFilled(let order, let fill):
                var m: Metadata = ["symbol": "\(order.symbol)", "side": "\(fill.side)", "quantity": "\(fill.quantity)",
                                   "price": "\(format(order.symbol, fill.price))"]
                if let tag = broker?.tag(of: order.id) { m["tag"] = "\(tag)" }
                if let s = broker?.owner(of: order.id) { m["strategy"] = "\(s)" }
                info("filled", metadata: m)
            case .orderRejected(let request, let why):
                var m: Metadata = ["symbol": "\(request.symbol)", "side": "\(request.side)", "quantity": "\(request.quantity)"]
                if let tag = request.tag?.value { m["tag"] = "\(tag)" }
                warning("order refused: \(why)", metadata: m)
            case .ruleBreached(let breach):
                error("rule breached: \(breach)")
            default:
                break
            }
        default:
            break
        }
    }
}
