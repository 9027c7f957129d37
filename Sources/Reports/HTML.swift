/// HTML text escaping and a few element helpers. Every piece of run data that reaches the page
/// passes through `HTML.escape` (text and attribute values alike).
public enum HTML {
    /// Escapes `& < > " '`.
    public static func escape(_ s: String) -> String {
        var needs = false
        for u in s.utf8 where u == UInt8(ascii: "&") || u == UInt8(ascii: "<") || u == UInt8(ascii: ">")
            || u == UInt8(ascii: "\"") || u == UInt8(ascii: "'") {
            needs = true; break
        }
        guard needs else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `<tag attr="v">escaped text</tag>`.
    static func element(_ tag: String, _ text: String, attributes: [(String, String)] = []) -> String {
        "<" + tag + attrs(attributes) + ">" + escape(text) + "</" + tag + ">"
    }

    static func attrs(_ a: [(String, String)]) -> String {
        var out = ""
        for (k, v) in a { out += " " + k + "=\"" + escape(v) + "\"" }
        return out
    }

    /// A table with a header row; cells are already HTML.
    static func table(header: [String], rows: [[String]], classes: String = "", numeric: Set<Int> = []) -> String {
        var out = "<div class=\"table-wrap\"><table" + (classes.isEmpty ? "" : " class=\"\(classes)\"") + "><thead><tr>"
        for (i, h) in header.enumerated() { out += "<th" + (numeric.contains(i) ? " class=\"num\"" : "") + ">" + escape(h) + "</th>" }
        out += "</tr></thead><tbody>"
        for r in rows {
            out += "<tr>"
            for (i, c) in r.enumerated() { out += "<td" + (numeric.contains(i) ? " class=\"num\"" : "") + ">" + c + "</td>" }
            out += "</tr>"
        }
        return out + "</tbody></table></div>"
    }
}
