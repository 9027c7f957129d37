/// A price as a whole number of ticks of its contract. The tick size lives with the contract
/// (`TickSize`), so a `Price` can never be off the grid: off-grid text is refused (or rounded on
/// request) when it is parsed, not later.
public struct Price: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Whole ticks (e.g. ES 2535.75 at a 0.25 tick is 10143 ticks).
    public var ticks: Int64

    @inlinable public init(ticks: Int64) { self.ticks = ticks }
    @inlinable public static func < (a: Price, b: Price) -> Bool { a.ticks < b.ticks }
    @inlinable public static func + (a: Price, b: Int64) -> Price { Price(ticks: a.ticks + b) }
    @inlinable public static func - (a: Price, b: Int64) -> Price { Price(ticks: a.ticks - b) }
    @inlinable public static func - (a: Price, b: Price) -> Int64 { a.ticks - b.ticks }
    public var description: String { "\(ticks)t" }
}

/// An amount of money exact to the cent (USD unless stated otherwise).
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible, AdditiveArithmetic {
    public var cents: Int64
    @inlinable public init(cents: Int64) { self.cents = cents }
    public static let zero = Money(cents: 0)
    @inlinable public static func < (a: Money, b: Money) -> Bool { a.cents < b.cents }
    @inlinable public static func + (a: Money, b: Money) -> Money { Money(cents: a.cents + b.cents) }
    @inlinable public static func - (a: Money, b: Money) -> Money { Money(cents: a.cents - b.cents) }
    @inlinable public static func * (a: Money, k: Int64) -> Money { Money(cents: a.cents * k) }
    @inlinable public static func += (a: inout Money, b: Money) { a.cents += b.cents }
    @inlinable public static func -= (a: inout Money, b: Money) { a.cents -= b.cents }

    /// Parses `12.5`, `-3.78`, `1,000.00`-free decimal text with at most two decimals.
    public init?(_ text: String) {
        guard let d = ScaledDecimal(text), d.scale <= 2 else { return nil }
        var m = d.mantissa
        for _ in d.scale..<2 { m *= 10 }
        self.cents = m
    }

    /// `-10127.50`: two decimals, leading minus, no thousands separator.
    public var description: String {
        let sign = cents < 0 ? "-" : ""
        let a = cents.magnitude
        let frac = a % 100
        return "\(sign)\(a / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    public var dollars: Double { Double(cents) / 100 }
}

/// A decimal number as an integer mantissa and a count of fractional digits:
/// `1.10760` is mantissa 110760, scale 5. Used to parse prices and tick sizes exactly.
public struct ScaledDecimal: Hashable, Sendable {
    public var mantissa: Int64
    public var scale: Int

    public init(mantissa: Int64, scale: Int) { self.mantissa = mantissa; self.scale = scale }

    public init?(_ text: String) {
        var t = text
        guard let v = t.withUTF8({ b in ScaledDecimal.parse(b.baseAddress!, b.count) }) else { return nil }
        self = v
    }

    /// Parses `[-+]digits[.digits]` (at least one digit, at most 18 significant digits and 18
    /// decimals, so that 10^scale fits an `Int64`).
    @inline(__always)
    public static func parse(_ p: UnsafePointer<UInt8>, _ n: Int) -> ScaledDecimal? {
        var i = 0
        var negative = false
        if n > 0, p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") {
            negative = p[0] == UInt8(ascii: "-"); i = 1
        }
        var m: Int64 = 0
        var significant = 0
        var sawDigit = false
        var scale = 0
        var seenDot = false
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: ".") {
                if seenDot { return nil }
                seenDot = true
            } else {
                let d = Int64(c) &- 48
                guard d >= 0, d <= 9 else { return nil }
                sawDigit = true
                if m != 0 || d != 0 { significant += 1 }
                if significant > 18 { return nil }
                m = m * 10 + d
                if seenDot { scale += 1 }
            }
            i += 1
        }
        // More decimals than an Int64 power of ten holds: `0.000…` with 19 or more once made
        // every later `10^scale` overflow and trap (pinned by `aPriceWithNineteenDecimalsIsNotANumber`).
        guard sawDigit, scale <= 18 else { return nil }
        return ScaledDecimal(mantissa: negative ? -m : m, scale: scale)
    }

    public var doubleValue: Double {
        var d = Double(mantissa)
        for _ in 0..<scale { d /= 10 }
        return d
    }
}

/// The minimum price increment of a contract, held exactly as a decimal (`0.25`, `0.00005`, `1`).
public struct TickSize: Hashable, Sendable, CustomStringConvertible {
    /// Tick size = units × 10^-scale.
    public let units: Int64
    public let scale: Int
    /// The tick size as a double (for display and vector maths only, never for grid checks).
    public let value: Double

    public init(units: Int64, scale: Int) {
        precondition(units > 0 && scale >= 0 && scale <= 12, "tick size must be positive")
        self.units = units; self.scale = scale
        var v = Double(units)
        for _ in 0..<scale { v /= 10 }
        self.value = v
    }

    /// Parses a tick size such as `0.25`; nil for zero, negative or malformed text.
    public init?(_ text: String) {
        guard let d = ScaledDecimal(text), d.mantissa > 0, d.scale <= 12 else { return nil }
        var u = d.mantissa, s = d.scale
        while s > 0 && u % 10 == 0 { u /= 10; s -= 1 }
        self.init(units: u, scale: s)
    }

    public var description: String { format(Price(ticks: 1), decimals: scale) }

    /// How an off-grid price is treated when it is parsed.
    public enum OffGrid: Sendable { case reject, roundToNearest }

    /// Converts decimal text to ticks. Returns nil if the text is not a number; throws nothing:
    /// the caller gets `.offGrid` when the value is not a whole number of ticks and `policy` is
    /// `.reject`.
    public enum Conversion: Equatable, Sendable { case ticks(Int64), notANumber, offGrid }

    @inline(__always)
    public func ticks(_ p: UnsafePointer<UInt8>, _ n: Int, policy: OffGrid = .reject) -> Conversion {
        guard let d = ScaledDecimal.parse(p, n) else { return .notANumber }
        return ticks(d, policy: policy)
    }

    @inline(__always)
    public func ticks(_ d: ScaledDecimal, policy: OffGrid = .reject) -> Conversion {
        // value / tick = mantissa × 10^(scale − d.scale) / units
        var num = d.mantissa
        var den = units
        if d.scale <= scale {
            for _ in d.scale..<scale {
                let (r, o) = num.multipliedReportingOverflow(by: 10)
                if o { return .notANumber }
                num = r
            }
        } else {
            for _ in scale..<d.scale {
                let (r, o) = den.multipliedReportingOverflow(by: 10)
                // A tick this many decimals below the price's: the price (at most 18 significant
                // digits) is under half a tick, so it is 0 ticks, or off the grid unless it is 0.
                if o { return num == 0 ? .ticks(0) : policy == .reject ? .offGrid : .ticks(0) }
                den = r
            }
        }
        let (q, r) = num.quotientAndRemainder(dividingBy: den)
        if r == 0 { return .ticks(q) }
        switch policy {
        case .reject: return .offGrid
        case .roundToNearest:
            // Nearest tick, halves away from zero.
            let twice = 2 * r.magnitude
            if twice >= den.magnitude { return .ticks(num < 0 ? q - 1 : q + 1) }
            return .ticks(q)
        }
    }

    /// Ticks from text; nil when not a number or off the grid.
    public func ticks(_ text: String, policy: OffGrid = .reject) -> Int64? {
        var t = text
        let c = t.withUTF8 { b in ticks(b.baseAddress!, b.count, policy: policy) }
        if case .ticks(let v) = c { return v }
        return nil
    }

    /// Ticks nearest to a double price (for values read back from a REAL/NUMERIC column that was
    /// written from ticks; exact for every grid used here).
    @inline(__always)
    public func ticks(nearest value: Double) -> Int64 { Int64((value / self.value).rounded()) }

    /// The price as a double (display, statistics, storage as REAL).
    @inline(__always)
    public func double(_ p: Price) -> Double { Double(p.ticks * units) / pow10(scale) }

    /// Fixed-point text with `decimals` digits after the point (at least the tick's own scale).
    public func format(_ p: Price, decimals: Int? = nil) -> String {
        let dec = max(decimals ?? scale, scale)
        var m = p.ticks * units
        for _ in scale..<dec { m *= 10 }
        let neg = m < 0
        let a = m.magnitude
        if dec == 0 { return (neg ? "-" : "") + String(a) }
        var div: UInt64 = 1
        for _ in 0..<dec { div *= 10 }
        let whole = a / div
        let frac = String(a % div)
        return (neg ? "-" : "") + String(whole) + "." + String(repeating: "0", count: dec - frac.count) + frac
    }
}

@inline(__always) func pow10(_ n: Int) -> Double {
    var v = 1.0
    for _ in 0..<n { v *= 10 }
    return v
}
