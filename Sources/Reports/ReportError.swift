/// Why a report could not be written. Each case names the run, table or path it is about and what
/// to do; `exitCode` is what the CLI exits with (65 bad input data, 66 cannot write the output,
/// 69 store unavailable).
public enum ReportError: Error, Equatable, CustomStringConvertible, Sendable {
    /// No run with this id in the store; `newest` lists the most recent run ids (newest first).
    case unknownRun(id: String, store: String, newest: [String])
    /// `latest` asked of a store that holds no run.
    case noRuns(store: String)
    /// The store cannot run SQL statements (not a SQLite or PostgreSQL store).
    case notSQL(store: String)
    /// A stored row that does not parse: table, row number (`seq`), field and the reason.
    case badStoredRow(runID: String, table: String, seq: Int64?, field: String, reason: String)
    /// Input given to a renderer that it cannot draw (e.g. a heatmap parameter that the sweep lacks).
    case badInput(String)
    /// A report file or folder that cannot be written.
    case cannotWrite(path: String, reason: String)

    public var exitCode: Int32 {
        switch self {
        case .unknownRun, .noRuns, .badStoredRow, .badInput: 65
        case .cannotWrite: 66
        case .notSQL: 69
        }
    }

    public var description: String {
        switch self {
        case let .unknownRun(id, store, newest):
            let list = newest.isEmpty ? "the store holds no run yet (run `tsxlab backtest` first)"
                : "the newest are: " + newest.joined(separator: ", ")
            return "no run '\(id)' in \(store); \(list)"
        case let .noRuns(store):
            return "no run in \(store) yet: run `tsxlab backtest` first"
        case let .notSQL(store):
            return "\(store) cannot hold runs (use a sqlite: or postgres:// store)"
        case let .badStoredRow(run, table, seq, field, reason):
            return "run \(run): \(table)\(seq.map { " row \($0)" } ?? "") field '\(field)': \(reason)"
        case let .badInput(m):
            return m
        case let .cannotWrite(path, reason):
            return "\(path): cannot write the report: \(reason)"
        }
    }
}
