import Foundation
import ProjectX

/// `JSONValue.parse` (the hubs' JSON reader) on any bytes, and against Foundation's
/// `JSONSerialization` on the inputs both accept.
///
/// Properties: a refusal names a byte offset inside the input and a reason; a value both readers
/// accept is the same value (numbers compared as doubles to 1e-12 relative, strings by scalars).
let jsonTarget = FuzzTarget(name: "json") { data in
    let value: JSONValue
    do throws(JSONParseError) { value = try JSONValue.parse(data) } catch {
        if error.offset < 0 || error.offset > data.count || error.reason.isEmpty {
            violated("refusal at byte \(error.offset) of \(data.count): '\(error.reason)'")
        }
        return
    }
    guard let reference = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return }
    if let difference = difference(value, reference, path: "$") {
        violated("JSONValue.parse and JSONSerialization differ at \(difference)")
    }
}

/// Where the two readings differ, as a path (`$.a[2]`), or nil when they agree.
func difference(_ v: JSONValue, _ f: Any, path: String) -> String? {
    switch v {
    case .null:
        return f is NSNull ? nil : "\(path): null vs \(f)"
    case .bool(let b):
        return (f as? NSNumber).map { $0.boolValue == b } == true ? nil : "\(path): \(b) vs \(f)"
    case .number(let d):
        guard let n = f as? NSNumber else { return "\(path): \(d) vs \(f)" }
        let a = NSDecimalNumber(decimal: d).doubleValue, b = n.doubleValue
        if a == b || abs(a - b) <= 1e-12 * max(abs(a), abs(b)) { return nil }
        return "\(path): \(d) vs \(n)"
    case .string(let s):
        guard let t = f as? String else { return "\(path): string vs \(f)" }
        return Array(s.unicodeScalars) == Array(t.unicodeScalars) ? nil : "\(path): \(s.debugDescription) vs \(t.debugDescription)"
    case .array(let items):
        guard let a = f as? [Any], a.count == items.count else { return "\(path): array of \(items.count) vs \(f)" }
        for (i, item) in items.enumerated() { if let d = difference(item, a[i], path: "\(path)[\(i)]") { return d } }
        return nil
    case .object(let fields):
        guard let o = f as? [String: Any], o.count == fields.count else { return "\(path): object of \(fields.count) vs \(f)" }
        for (k, item) in fields {
            guard let g = o[k] else { return "\(path): key \(k.debugDescription) missing" }
            if let d = difference(item, g, path: "\(path).\(k)") { return d }
        }
        return nil
    }
}
