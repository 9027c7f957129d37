/// A value bound to or read from a SQL statement.
public enum SQLValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    public var description: String {
        switch self {
        case .null: "NULL"
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .text(let v): v
        }
    }
    public var int: Int64? {
        switch self {
        case .int(let v): v
        case .text(let t): Int64(t)
        case .double(let d): Int64(exactly: d)
        default: nil
        }
    }
    public var double: Double? {
        switch self {
        case .double(let v): v
        case .int(let v): Double(v)
        case .text(let t): Double(t)
        default: nil
        }
    }
    public var text: String? { if case .null = self { nil } else { description } }
}

/// Plain statements on the store's database, for the tables beside the bars (runs, trades,
/// strategy performance, account state). Statements use `$1, $2, …` placeholders in order of
/// first appearance, which both SQLite and PostgreSQL accept.
public protocol SQLDatabase: AnyObject, Sendable {
    /// `sqlite` or `postgres`, for the few statements whose syntax differs.
    var dialect: String { get }
    func execute(_ sql: String, _ params: [SQLValue]) throws
    func query(_ sql: String, _ params: [SQLValue]) throws -> [[SQLValue]]
    /// Runs `body` in one transaction; any error rolls it back.
    func transaction<T>(_ body: () throws -> T) throws -> T
}
