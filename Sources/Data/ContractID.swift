/// CME month codes: F (Jan) G H J K M N Q U V X Z (Dec).
public enum MonthCode {
    public static let letters: [Character] = ["F", "G", "H", "J", "K", "M", "N", "Q", "U", "V", "X", "Z"]

    /// 1…12 for a month code letter.
    public static func month(_ c: Character) -> Int? { letters.firstIndex(of: c).map { $0 + 1 } }
    /// The letter of month 1…12.
    public static func letter(_ month: Int) -> Character { letters[month - 1] }
}

/// One dated futures contract: a product and its delivery month, e.g. MNQ December 2025.
///
/// ProjectX writes it `CON.F.US.MNQ.Z25` (its own root: `EP` for ES); CME traders write `MNQZ5` or
/// `MNQZ25`. Both parse and format here.
public struct ContractID: Hashable, Sendable, CustomStringConvertible {
    /// CME symbol root (`ES`, not `EP`).
    public let symbol: String
    public let year: Int
    public let month: Int

    public init(symbol: String, year: Int, month: Int) {
        self.symbol = symbol; self.year = year; self.month = month
    }

    /// Parses `CON.F.US.<ROOT>.<M><YY>` (one- or two-digit year; a one-digit year is the next
    /// such year on or after `referenceYear − 2`). The root is mapped to a CME symbol through
    /// `registry`; an unknown root is kept as is.
    public init?(projectX text: String, registry: ContractRegistry = .builtIn, referenceYear: Int = 2026) {
        let parts = text.split(separator: ".")
        guard parts.count == 5, parts[0] == "CON", parts[1] == "F", parts[2] == "US",
              let code = parts[4].first, let m = MonthCode.month(code),
              let yy = Int(parts[4].dropFirst()), parts[4].count == 2 || parts[4].count == 3
        else { return nil }
        let root = String(parts[3])
        self.symbol = registry.spec(projectXRoot: root)?.symbol ?? root
        self.month = m
        self.year = ContractID.expandYear(yy, digits: parts[4].count - 1, referenceYear: referenceYear)
    }

    /// Parses a CME-style code: `ESZ13`, `ESH4`, `MNQZ25`.
    public init?(cme text: String, referenceYear: Int = 2026) {
        let chars = Array(text.uppercased())
        var i = chars.count
        while i > 0, chars[i - 1].isNumber { i -= 1 }
        let digits = chars.count - i
        guard digits == 1 || digits == 2, i >= 2, let m = MonthCode.month(chars[i - 1]),
              let yy = Int(String(chars[i...])) else { return nil }
        self.symbol = String(chars[0..<(i - 1)])
        self.month = m
        self.year = ContractID.expandYear(yy, digits: digits, referenceYear: referenceYear)
    }

    static func expandYear(_ yy: Int, digits: Int, referenceYear: Int) -> Int {
        if digits == 2 { return 2000 + yy }
        let floor = referenceYear - 2
        var y = floor - floor % 10 + yy
        if y < floor { y += 10 }
        return y
    }

    /// `CON.F.US.EP.Z25` for ES December 2025.
    public func projectXID(registry: ContractRegistry = .builtIn) -> String {
        let root = registry.specs[symbol]?.projectXRoot ?? symbol
        return "CON.F.US.\(root).\(MonthCode.letter(month))\(twoDigitYear)"
    }

    /// `ESZ25`.
    public var cmeCode: String { "\(symbol)\(MonthCode.letter(month))\(twoDigitYear)" }

    private var twoDigitYear: String {
        let y = year % 100
        return y < 10 ? "0\(y)" : "\(y)"
    }

    public var description: String { cmeCode }

    /// The last trading day of a quarterly equity-index contract: the third Friday of its month.
    public var expirationDate: CivilTime {
        var fridays = 0
        for d in 1...31 {
            let c = CivilTime(year: year, month: month, day: d)
            if c.weekday == 5 { fridays += 1; if fridays == 3 { return c } }
        }
        fatalError("unreachable: every month has three Fridays")
    }

    /// CME's roll date for quarterly equity-index futures: the Thursday eight days before the
    /// third-Friday expiration (the day volume moves to the next quarter).
    public var rollDate: CivilTime {
        let e = expirationDate
        let days = CivilTime.daysFromCivil(year: e.year, month: e.month, day: e.day) - 8
        let (y, m, d) = CivilTime.civilFromDays(days)
        return CivilTime(year: y, month: m, day: d)
    }

    /// The next listed contract after this one in `cycle` (month codes, e.g. `HMUZ`).
    public func next(in cycle: String) -> ContractID {
        let months = cycle.compactMap(MonthCode.month).sorted()
        if let m = months.first(where: { $0 > month }) { return ContractID(symbol: symbol, year: year, month: m) }
        return ContractID(symbol: symbol, year: year + 1, month: months.first ?? month)
    }

    /// The contract that is front month on a date under a roll-date convention: the first
    /// contract in `cycle` whose roll date is after `date`.
    public static func front(symbol: String, on date: CivilTime, cycle: String = "HMUZ") -> ContractID {
        let months = cycle.compactMap(MonthCode.month).sorted()
        var c = ContractID(symbol: symbol, year: date.year, month: months.first { $0 >= date.month } ?? months[0])
        if c.month < date.month { c = ContractID(symbol: symbol, year: date.year + 1, month: c.month) }
        let day = CivilTime.daysFromCivil(year: date.year, month: date.month, day: date.day)
        while true {
            let r = c.rollDate
            if day < CivilTime.daysFromCivil(year: r.year, month: r.month, day: r.day) { return c }
            c = c.next(in: cycle)
        }
    }
}
