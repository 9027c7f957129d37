import Data
import Foundation
import Reports
import Testing

@Suite("Report text: currency, numbers, times, CSV and HTML escaping")
struct FormattingTests {
    @Test("currency has a dollar sign, thousands separators, two decimals and a leading minus")
    func currency() {
        #expect(Fmt.usd(Money(cents: 0)) == "$0.00")
        #expect(Fmt.usd(Money(cents: 5)) == "$0.05")
        #expect(Fmt.usd(Money(cents: -86434)) == "-$864.34")
        #expect(Fmt.usd(Money(cents: 123_456_789)) == "$1,234,567.89")
        #expect(Fmt.usd(Money(cents: -100_000_00)) == "-$100,000.00")
        #expect(Fmt.usd(-8.39165048543688) == "-$8.39")
        #expect(Fmt.usd(2003.8599999999933) == "$2,003.86")
        #expect(Fmt.usd(51_139.5, decimals: 0) == "$51,140")
        #expect(Fmt.usd(nil as Double?) == "n/a")
        #expect(Fmt.usd(Double.nan) == "n/a")
    }

    @Test("fixed decimals round half away from zero, never print -0, and group on request")
    func fixed() {
        #expect(Fmt.fixed(1.005, 1) == "1.0")
        #expect(Fmt.fixed(2.5, 0) == "3")
        #expect(Fmt.fixed(-2.5, 0) == "-3")
        #expect(Fmt.fixed(-0.004, 2) == "0.00")
        #expect(Fmt.fixed(-6.180828495062228, 2) == "-6.18")
        #expect(Fmt.fixed(0.05, 3) == "0.050")
        #expect(Fmt.fixed(nil, 2) == "n/a")
        #expect(Fmt.percent(0.4854368932038835, digits: 1) == "48.5%")
        #expect(Fmt.percent(-0.0172868) == "-1.73%")
        #expect(Fmt.groupedFixed(-1234567.891, 2) == "-1,234,567.89")
        #expect(Fmt.groupedFixed(12.5, 0) == "13")
    }

    @Test("times are shown in New York time, across both daylight-saving changes")
    func newYork() {
        // 2023-03-12 is the spring-forward Sunday: 06:59Z is 01:59 EST, 07:00Z is 03:00 EDT.
        #expect(Fmt.dateTime(Timestamp(iso8601: "2023-03-12T06:59:00Z")!) == "2023-03-12 01:59")
        #expect(Fmt.dateTime(Timestamp(iso8601: "2023-03-12T07:00:00Z")!) == "2023-03-12 03:00")
        #expect(Fmt.isoET(Timestamp(iso8601: "2023-09-25T13:56:00Z")!) == "2023-09-25T09:56:00-04:00")
        #expect(Fmt.isoET(Timestamp(iso8601: "2023-12-26T14:30:00Z")!) == "2023-12-26T09:30:00-05:00")
        // The evening session's bars belong to the calendar date they happen on in New York.
        #expect(Fmt.date(Timestamp(iso8601: "2023-09-25T02:00:00Z")!) == "2023-09-24")
    }

    @Test("the fast timestamp writers agree with the calendar arithmetic for any instant 1970–2100")
    func stamps() {
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<20_000 {
            let t = Timestamp(seconds: Int64.random(in: 0..<4_102_444_800, using: &rng))
            #expect(Fmt.isoUTC(t) == t.iso8601)
            let off = ZoneRules.newYork.offset(atUTC: t.seconds)
            let c = CivilTime(utcSeconds: t.seconds + off)
            let h = Int(off.magnitude) / 3600, m = Int(off.magnitude) / 60 % 60
            #expect(Fmt.isoET(t) == c.isoString + (off < 0 ? "-" : "+") + (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m))
            #expect(Fmt.dateTime(t) == String(c.isoString.prefix(16)).replacingOccurrences(of: "T", with: " "))
        }
    }

    @Test("CSV fields are quoted only when they must be, with quotes doubled")
    func csvQuoting() {
        #expect(CSVText.field("plain") == "plain")
        #expect(CSVText.field("") == "")
        #expect(CSVText.field("a,b") == "\"a,b\"")
        #expect(CSVText.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVText.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVText.field(" padded") == "\" padded\"")
        let fields = ["1", "a,b", "say \"hi\"", "two\r\nlines", "", " x "]
        #expect(parseCSV(CSVText.row(fields) + CSVText.row(["last"])) == [fields, ["last"]])
    }

    @Test("HTML escaping covers text and attribute values")
    func htmlEscaping() {
        #expect(HTML.escape("P&L <b>\"x\" 'y'</b>") == "P&amp;L &lt;b&gt;&quot;x&quot; &#39;y&#39;&lt;/b&gt;")
        #expect(HTML.escape("plain") == "plain")
    }
}
