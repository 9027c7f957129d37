/// RFC 4180 CSV writing: fields are quoted only when they must be (a comma, a quote, a line break,
/// or space at either end), quotes doubled inside, `\n` between records. Any CSV reader (Python's
/// `csv`, pandas, a spreadsheet) reads the text back to the same fields.
public enum CSVText {
    /// One field, quoted when needed.
    public static func field(_ s: String) -> String {
        var needs = false
        for u in s.utf8 where u == UInt8(ascii: ",") || u == UInt8(ascii: "\"") || u == UInt8(ascii: "\n") || u == UInt8(ascii: "\r") {
            needs = true; break
        }
        if !needs, let f = s.utf8.first, let l = s.utf8.last, f == UInt8(ascii: " ") || l == UInt8(ascii: " ") { needs = true }
        guard needs else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record with its line end.
    public static func row(_ fields: [String]) -> String {
        var out = ""
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "," }
            out += field(f)
        }
        return out + "\n"
    }

    /// A header and records.
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        var out = row(header)
        out.reserveCapacity(rows.count * 16 * header.count)
        for r in rows { out += row(r) }
        return out
    }
}
