/// A value bound to or read from a SQL statement.
public enum SQLValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    /// Bytes (SQLite BLOB, PostgreSQL BYTEA; on PostgreSQL's text protocol it goes and comes back
    /// as `\x` and hex digits, which `bytes` reads).
    case blob([UInt8])

    public var description: String {
        switch self {
        case .null: "NULL"
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .text(let v): v
        case .blob(let b): Self.hex(b)
        }
    }
    static func hex(_ b: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [92, 120]
        out.reserveCapacity(2 + b.count * 2)
        for x in b { out.append(digits[Int(x >> 4)]); out.append(digits[Int(x & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
    /// The bytes of a blob, or of PostgreSQL's `\x…` text form of one.
    public var bytes: [UInt8]? {
        switch self {
        case .blob(let b): return b
        case .text(let t):
            let u = Array(t.utf8)
            guard u.count >= 2, u[0] == 92, u[1] == 120, u.count % 2 == 0 else { return nil }
            func nibble(_ c: UInt8) -> UInt8? {
                switch c {
                case 48...57: c - 48
                case 97...102: c - 87
                case 65...70: c - 55
                default: nil
                }
            }
            var out = [UInt8]()
            out.reserveCapacity(u.count / 2 - 1)
            var i = 2
            while i < u.count {
                guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
                out.append(hi << 4 | lo)
                i += 2
            }
            return out
        default: return nil
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
    /// Inserts rows of integers (nil for NULL) into `columns` of `table`: `values` holds the rows
    /// one after another. The bulk path of the tape, where a statement per row would cost more
    /// than the row.
    func insert(into table: String, columns: [String], rows values: [Int64?]) throws
}

extension SQLDatabase {
    /// `insert(into:columns:rows:)` as multi-row INSERT statements of up to `rowsPerStatement`
    /// rows, with numbered placeholders.
    public func insertByStatements(into table: String, columns: [String], rows values: [Int64?], rowsPerStatement: Int = 100) throws {
        let width = columns.count
        precondition(width > 0 && values.count % width == 0, "values must hold whole rows")
        var start = 0
        while start < values.count {
            let rows = min(rowsPerStatement, (values.count - start) / width)
            let tuples = (0..<rows).map { r in "(" + (1...width).map { "$\(r * width + $0)" }.joined(separator: ",") + ")" }
            let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + tuples.joined(separator: ",")
            try execute(sql, values[start..<(start + rows * width)].map { $0.map(SQLValue.int) ?? .null })
            start += rows * width
        }
    }
}
