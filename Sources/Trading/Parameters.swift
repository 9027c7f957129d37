import Data

/// A typed strategy or account parameter value.
public enum ParameterValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case string(String)
    case time(LocalTime)

    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .double(let v): v == v.rounded() && abs(v) < 1e15 ? String(format: "%.1f", v) : String(v)
        case .bool(let v): String(v)
        case .string(let v): v
        case .time(let t): t.description
        }
    }
}

/// Declares one parameter: its type, default, allowed range, the environment variable of the
/// seed bot that sets it, and a line of help. Parsing and range checks happen here, so every
/// source (config file, environment, `--param`, sweeps) reports a bad value the same way.
public struct ParameterSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case int(ClosedRange<Int64>)
        case double(ClosedRange<Double>)
        case bool
        case time
        case choice([String])
    }
    public let name: String
    public let kind: Kind
    public let defaultValue: ParameterValue
    public let environment: String?
    /// What the value counts, when it has a unit: `ticks`, `bars`, `contracts`, `× ATR`.
    public let unit: String?
    public let help: String

    public init(_ name: String, _ kind: Kind, default value: ParameterValue, unit: String? = nil, env: String? = nil, help: String) {
        self.name = name; self.kind = kind; self.defaultValue = value; self.unit = unit; self.environment = env; self.help = help
    }

    /// Parses text for this parameter; the error names `source` (file, `--param`, variable) and
    /// the parameter, and says what is allowed.
    public func parse(_ raw: String, source: String) throws -> ParameterValue {
        let text = raw.trimmingCharacters(in: .whitespaces)
        func fail(_ why: String) -> DataError { .badInput(file: source, line: nil, field: name, reason: why) }
        switch kind {
        case .int(let r):
            guard let v = Int64(text) else { throw fail("'\(text)' is not a whole number (\(help))") }
            guard r.contains(v) else { throw fail("\(v) is outside \(r.lowerBound)…\(r.upperBound)") }
            return .int(v)
        case .double(let r):
            guard let v = Double(text), v.isFinite else { throw fail("'\(text)' is not a number (\(help))") }
            guard r.contains(v) else { throw fail("\(text) is outside \(r.lowerBound)…\(r.upperBound)") }
            return .double(v)
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .bool(true)
            case "false", "no", "off", "0": return .bool(false)
            default: throw fail("'\(text)' is not true or false")
            }
        case .time:
            do { return .time(try LocalTime(text)) } catch {
                throw fail("'\(text)' is not a time of day with a zone, e.g. 16:00 America/New_York")
            }
        case .choice(let options):
            guard options.contains(text) else { throw fail("'\(text)' is not one of \(options.joined(separator: ", "))") }
            return .string(text)
        }
    }

    /// What the parameter takes, in words, with its unit: `whole number 1 … 100000 ticks`.
    public var allowed: String {
        func trim(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
        let values = switch kind {
        case .int(let r): "whole number \(r.lowerBound) … \(r.upperBound)"
        case .double(let r): "number \(trim(r.lowerBound)) … \(trim(r.upperBound))"
        case .bool: "true or false"
        case .time: "time of day with its zone"
        case .choice(let options): options.joined(separator: ", ")
        }
        return unit.map { values + " " + $0 } ?? values
    }

    /// Checks a value that arrived already typed (from YAML).
    public func validate(_ v: ParameterValue, source: String) throws -> ParameterValue {
        switch (kind, v) {
        case (.double, .int(let i)): return try parse(String(i), source: source)
        default: return try parse(v.description, source: source)
        }
    }
}

/// Resolved parameter values by name (defaults filled in), with typed accessors.
public struct ParameterSet: Hashable, Sendable, CustomStringConvertible {
    public private(set) var values: [String: ParameterValue]
    public let specs: [ParameterSpec]

    public init(_ specs: [ParameterSpec]) {
        self.specs = specs
        values = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0.defaultValue) })
    }

    public func spec(_ name: String) -> ParameterSpec? { specs.first { $0.name == name } }

    /// Sets a parameter from text; unknown names are refused with the list of known ones.
    public mutating func set(_ name: String, text: String, source: String) throws {
        guard let spec = spec(name) else {
            throw DataError.badInput(file: source, line: nil, field: name,
                reason: "unknown parameter; known: \(specs.map(\.name).joined(separator: ", "))")
        }
        values[name] = try spec.parse(text, source: source)
    }

    public mutating func set(_ name: String, value: ParameterValue, source: String) throws {
        guard let spec = spec(name) else {
            throw DataError.badInput(file: source, line: nil, field: name,
                reason: "unknown parameter; known: \(specs.map(\.name).joined(separator: ", "))")
        }
        values[name] = try spec.validate(value, source: source)
    }

    public func int(_ name: String) -> Int64 { if case .int(let v) = values[name] { v } else { preconditionFailure("\(name) is not an int") } }
    public func double(_ name: String) -> Double {
        switch values[name] {
        case .double(let v): v
        case .int(let v): Double(v)
        default: preconditionFailure("\(name) is not a number")
        }
    }
    public func bool(_ name: String) -> Bool { if case .bool(let v) = values[name] { v } else { preconditionFailure("\(name) is not a bool") } }
    public func time(_ name: String) -> LocalTime { if case .time(let v) = values[name] { v } else { preconditionFailure("\(name) is not a time") } }
    public func string(_ name: String) -> String { values[name]?.description ?? "" }

    /// `name=value` pairs in declaration order (stable, for hashing and reports).
    public var description: String { specs.map { "\($0.name)=\(values[$0.name]!)" }.joined(separator: " ") }
}
