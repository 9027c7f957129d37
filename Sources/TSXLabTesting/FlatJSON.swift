import Foundation

/// The members of a flat JSON object (`{"fast": 10, "net_pnl_usd": 1540.00, "config_hash": "…"}`)
/// as the text each value was written with: a number exactly as written (`1540.00` stays
/// `1540.00`, where a JSON decoder would give 1540), a string unquoted, `null` as the empty
/// text. For comparing an ask/tell answer with the `results.csv` cells it must equal.
public enum FlatJSON {
    public struct NotFlat: Error, CustomStringConvertible {
        public var description: String
    }

    /// - Throws: `NotFlat` when the text is not one JSON object of strings, numbers, booleans and nulls.
    public static func fields(_ line: String) throws -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw NotFlat(description: "not a JSON object: \(line)")
        }
        let chars = Array(line.unicodeScalars)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i].properties.isWhitespace { i += 1 } }
        func string() throws -> String {
            let start = i
            i += 1
            while i < chars.count, chars[i] != "\"" { i += chars[i] == "\\" ? 2 : 1 }
            i += 1
            var raw = String.UnicodeScalarView()
            raw.append(contentsOf: chars[start..<i])
            guard let s = try JSONSerialization.jsonObject(with: Data(String(raw).utf8), options: .fragmentsAllowed) as? String else {
                throw NotFlat(description: "bad string in \(line)")
            }
            return s
        }
        var out: [String: String] = [:]
        skipSpace(); i += 1  // {
        while true {
            skipSpace()
            guard i < chars.count, chars[i] == "\"" else { break }
            let key = try string()
            skipSpace(); i += 1  // :
            skipSpace()
            if chars[i] == "\"" {
                out[key] = try string()
            } else {
                var raw = String.UnicodeScalarView()
                while i < chars.count, chars[i] != ",", chars[i] != "}", !chars[i].properties.isWhitespace { raw.append(chars[i]); i += 1 }
                guard String(raw) != "{", String(raw) != "[" else { throw NotFlat(description: "nested value in \(line)") }
                out[key] = String(raw) == "null" ? "" : String(raw)
            }
            skipSpace()
            if i < chars.count, chars[i] == "," { i += 1 }
        }
        guard out.count == object.count else { throw NotFlat(description: "nested or unreadable members in \(line)") }
        return out
    }
}
